"""What the PDI sandbox holds, read for assertions (in PDI's own JSON shapes)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any


def utc(timestamp: int) -> str:
    """A Unix time as PDI answers datetimes."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _event(row) -> dict[str, Any]:
    from sandbox.pdi.resources import render_event

    held = render_event(row)
    held["calendar"] = row.calendar.name
    held["location"] = row.location.location_address if row.location else None
    held["locationName"] = row.location.location_name if row.location else None
    return held


def events() -> list[dict[str, Any]]:
    from sandbox.pdi.models import Event

    return [_event(row) for row in Event.objects.select_related("calendar", "location").order_by("id")]


def events_of(mobilize_event: dict) -> list[dict[str, Any]]:
    """The PDI events made from a Mobilize event (found by its URL), in start order."""
    found = [held for held in events() if held["website"] == mobilize_event["browser_url"]]
    return sorted(found, key=lambda held: held["startDateTimeUtc"])


def event_by_start(mobilize_event: dict, start: int) -> dict[str, Any] | None:
    return next((held for held in events_of(mobilize_event) if held["startDateTimeUtc"] == utc(start)), None)


def edit_event(event_id: int, **fields: Any) -> None:
    """Change a PDI event by hand (as a campaign's staff would in PDI)."""
    from sandbox.pdi.models import Event

    Event.objects.filter(pk=event_id).update(**fields)


def contacts() -> dict[str, dict[str, Any]]:
    """Contacts by each of their emails (lower-cased); phones as (number, type) pairs."""
    from sandbox.pdi.models import Contact
    from sandbox.pdi.resources import render_contact

    found: dict[str, dict[str, Any]] = {}
    for row in Contact.objects.prefetch_related("emails", "phones").order_by("id"):
        held = render_contact(row)
        held["phones"] = [(phone["phoneNumber"], phone["phoneType"]) for phone in held["phones"]]
        for email in held["emails"]:
            found.setdefault(email["emailAddress"].lower(), held)
    return found


def invitations_on(event_id: int) -> list[dict[str, Any]]:
    from sandbox.pdi.models import Invitation
    from sandbox.pdi.resources import render_invitation

    rows = Invitation.objects.filter(event_id=event_id).select_related("contact").order_by("id")
    result = []
    for row in rows:
        held = render_invitation(row)
        emails = [e.email_address.lower() for e in row.contact.emails.all()]
        held["email"] = emails[0] if emails else None
        result.append(held)
    return result


def invitation(email: str, mobilize_event: dict, timeslot_index: int) -> dict[str, Any] | None:
    """The invitation of the contact with `email` on the PDI event of one timeslot of a Mobilize event."""
    start = mobilize_event["timeslots"][timeslot_index]["start_date"]
    held = event_by_start(mobilize_event, start)
    if held is None:
        return None
    return next((i for i in invitations_on(held["id"]) if i["email"] == email.lower()), None)


def state() -> tuple:
    """Everything the sync wrote, without PDI's ids: to compare two runs' results."""
    from sandbox.pdi.models import Invitation

    held_events = sorted(
        (e["calendar"], e["name"], e["startDateTimeUtc"], e["endDateTimeUtc"], e["website"], e["location"])
        for e in events()
    )
    people = sorted((email, c["firstName"], c["lastName"], tuple(c["phones"])) for email, c in contacts().items())
    invited = sorted(
        (
            row.event.website,
            row.event.start_date_time_utc.isoformat(),
            sorted(e.email_address.lower() for e in row.contact.emails.all())[0],
            row.rsvp_status,
            row.is_confirmed,
            row.attended,
        )
        for row in Invitation.objects.select_related("event", "contact")
    )
    return held_events, people, invited


def assert_no_duplicates() -> None:
    """One PDI event per timeslot, one contact per email, one phone row per number, one location per address."""
    from sandbox.pdi.models import ContactEmail, ContactPhone, Event, Location

    slots = Counter(Event.objects.values_list("website", "start_date_time_utc"))
    assert not slots or max(slots.values()) == 1, "two PDI events for one timeslot"
    emails = Counter(email.lower() for email in ContactEmail.objects.values_list("email_address", flat=True))
    assert not emails or max(emails.values()) == 1, "two contacts (or two rows) for one email"
    phones = Counter(ContactPhone.objects.values_list("contact_id", "phone_number"))
    assert not phones or max(phones.values()) == 1, "a phone written twice"
    places = Counter(Location.objects.values_list("location_name", "location_address"))
    assert not places or max(places.values()) == 1, "two locations for one address"


def wipe_written() -> None:
    """Remove what a sync wrote (events, locations, contacts, invitations), keeping users and calendars."""
    from sandbox.pdi.models import Contact, Event, Invitation, Location

    Invitation.objects.all().delete()
    Event.objects.all().delete()
    Location.objects.all().delete()
    Contact.objects.all().delete()
