"""Load an emulated PDI account from a JSON file (`manage.py sandbox_load pdi FILE`).

The file (every key optional; `dump.dump()` output is also accepted). Records use the API's
camelCase fields; `id`s are only references inside the file:

    {
      "api_users": [{"username": "mobilize-sync", "password": "...", "api_token": "...",
                     "session_seconds": 3600}],
      "calendars": [{"name": "Canvassing", "description": "...", "timeZone": "America/New_York"}],
      "locations": [{"id": 1, "locationName": "Field office", "locationAddress": "1 Main St, ..."}],
      "contacts": [{"id": 1, "firstName": "Ben", "lastName": "Smith",
                    "emails": [{"emailAddress": "ben@example.com", "isPrimary": true}],
                    "phones": [{"phoneNumber": "2155550101", "phoneType": "Mobile", "isPrimary": true}]}],
      "events": [{"id": 1, "calendar": "Canvassing", "locationId": 1, "name": "Canvass",
                  "startDateTimeUtc": "2030-05-01T14:00:00.000Z", "endDateTimeUtc": "2030-05-01T17:00:00.000Z"}],
      "invitations": [{"eventId": 1, "contactId": 1, "rsvpStatus": "Yes"}]
    }

An event's location is `locationId` (an id of the file's "locations") or a `location` object
(`{"locationName", "locationAddress"}`, as a dump writes it). Loading is idempotent: API users are
matched by username, calendars by name, locations by name and address, contacts by their first
email (case-insensitively; by first and last name when they have none), events by calendar, name
and start, invitations by event and contact; emails and phones are added when the contact lacks
them. A dump's API users (no password) and event activities are not loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from sandbox.files import entries, load_json_file, required

from . import resources as r
from .models import Calendar, Contact, ContactEmail, ContactPhone, Event, Invitation, Location
from .setup import create_api_user, create_calendar, create_location


def load_file(path: str | Path) -> str:
    """Load the file into the sandbox's PDI tables; return a one-line summary."""
    return load_json_file(path, system="PDI", holds="api_users, calendars, contacts...", load=load)


@transaction.atomic
def load(data: dict[str, Any]) -> dict[str, int]:
    """Load already-parsed file data; return how many of each kind were loaded."""
    counts = dict.fromkeys(("API users", "calendars", "locations", "contacts", "events", "invitations"), 0)
    for index, entry in enumerate(entries(data, "api_users")):
        if not entry.get("password"):
            continue  # a dump lists API users without their credentials
        where = f"api_users[{index}]"
        create_api_user(
            required(entry, "username", where),
            entry["password"],
            required(entry, "api_token", where),
            session_seconds=entry.get("session_seconds"),
        )
        counts["API users"] += 1
    for index, entry in enumerate(entries(data, "calendars")):
        create_calendar(
            required(entry, "name", f"calendars[{index}]"),
            entry.get("timeZone") or "America/New_York",
            entry.get("description") or "",
        )
        counts["calendars"] += 1
    locations: dict[Any, Location] = {}
    for index, entry in enumerate(entries(data, "locations")):
        locations[entry.get("id", index)] = _location(entry, f"locations[{index}]")
        counts["locations"] += 1
    contacts: dict[Any, Contact] = {}
    for index, entry in enumerate(entries(data, "contacts")):
        contacts[entry.get("id", index)] = _load_contact(entry, f"contacts[{index}]")
        counts["contacts"] += 1
    events: dict[Any, Event] = {}
    for index, entry in enumerate(entries(data, "events")):
        events[entry.get("id", index)] = _load_event(entry, f"events[{index}]", locations)
        counts["events"] += 1
    for index, entry in enumerate(entries(data, "invitations")):
        _load_invitation(entry, f"invitations[{index}]", events, contacts)
        counts["invitations"] += 1
    return counts


def _parse(entry: dict[str, Any], fields: list[r.Field], where: str, skip: tuple[str, ...]) -> dict[str, Any]:
    """The entry's values, checked as the API checks a POST body (fields left out get their defaults)."""
    body = {key: value for key, value in entry.items() if key not in skip}
    try:
        return r.parse_body(body, fields)
    except r.Invalid as exc:
        problems = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.model_state.items())
        raise ValueError(f"{where}: {problems}") from None


def _location(entry: dict[str, Any], where: str) -> Location:
    values = _parse(entry, r.LOCATION_FIELDS, where, skip=("id",))
    return create_location(values["location_name"], values["location_address"])


def _load_contact(entry: dict[str, Any], where: str) -> Contact:
    values = _parse(entry, r.CONTACT_FIELDS, where, skip=("id", "emails", "phones"))
    emails = [_parse(e, r.EMAIL_FIELDS, f"{where}.emails", skip=("id",)) for e in entry.get("emails") or []]
    phones = [_parse(p, r.PHONE_FIELDS, f"{where}.phones", skip=("id",)) for p in entry.get("phones") or []]
    if emails:
        contact = (
            Contact.objects.filter(emails__email_address__iexact=emails[0]["email_address"]).order_by("id").first()
        )
    else:
        contact = Contact.objects.filter(
            first_name=values["first_name"], last_name=values["last_name"], emails__isnull=True
        ).first()
    contact = contact or Contact()
    for attr, value in values.items():
        setattr(contact, attr, value)
    contact.save()
    for row in emails:
        if not contact.emails.filter(email_address__iexact=row["email_address"]).exists():
            ContactEmail.objects.create(contact=contact, **row)
    for row in phones:
        if not contact.phones.filter(phone_number=row["phone_number"]).exists():
            ContactPhone.objects.create(contact=contact, **row)
    return contact


def _load_event(entry: dict[str, Any], where: str, locations: dict[Any, Location]) -> Event:
    name = required(entry, "calendar", where)
    calendar = Calendar.objects.filter(name=name).order_by("id").first()
    if calendar is None:
        raise ValueError(f"{where}: no calendar named '{name}' (list it under \"calendars\" first).")
    location = None
    if isinstance(entry.get("location"), dict):
        location = _location(entry["location"], f"{where}.location")
    elif entry.get("locationId") is not None:
        location = locations.get(entry["locationId"])
        if location is None:
            raise ValueError(f'{where}: locationId {entry["locationId"]!r} is not an id of this file\'s "locations".')
    skip = ("id", "calendar", "calendarId", "location", "locationId")
    values = _parse(entry, [f for f in r.EVENT_FIELDS if f.name != "locationId"], where, skip=skip)
    start = values["start_date_time_utc"]
    event = Event.objects.filter(calendar=calendar, name=values["name"], start_date_time_utc=start).first()
    event = event or Event(calendar=calendar)
    event.location = location
    for attr, value in values.items():
        setattr(event, attr, value)
    event.save()
    return event


def _load_invitation(
    entry: dict[str, Any], where: str, events: dict[Any, Event], contacts: dict[Any, Contact]
) -> Invitation:
    event = events.get(required(entry, "eventId", where))
    if event is None:
        raise ValueError(f'{where}: eventId {entry["eventId"]!r} is not an id of this file\'s "events".')
    contact = contacts.get(required(entry, "contactId", where))
    if contact is None:
        raise ValueError(f'{where}: contactId {entry["contactId"]!r} is not an id of this file\'s "contacts".')
    fields = [f for f in r.INVITATION_FIELDS if f.name != "contactId"]
    values = _parse(entry, fields, where, skip=("id", "eventId", "contactId", "event", "contact"))
    invitation = Invitation.objects.filter(event=event, contact=contact).first() or Invitation(
        event=event, contact=contact
    )
    for attr, value in values.items():
        setattr(invitation, attr, value)
    invitation.save()
    return invitation


__all__ = ["load", "load_file"]
