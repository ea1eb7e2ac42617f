"""What the emulated PDI account holds, as plain JSON-ready data (`manage.py sandbox_dump pdi`).

Records are in the API's own camelCase shapes, plus what makes a dump readable at a glance: each
event's calendar name and location, each invitation's event name and contact. API users are
listed by name only (never a password, token or session). The output is also a valid
`loader.load_file` input (ids serve as the file's references).
"""

from __future__ import annotations

from typing import Any

from . import resources as r
from .models import ApiUser, Calendar, Contact, Event, EventActivity, Invitation, Location


def _who(contact: Contact) -> str:
    """A contact as a person reads it: their name and their first email."""
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    emails = [row.email_address for row in contact.emails.all()]
    return f"{name} <{emails[0]}>" if emails else name


def dump() -> dict[str, Any]:
    """Every API user (names only), calendar, location, contact with emails and phones, event,
    invitation and event activity."""
    events = []
    for event in Event.objects.select_related("calendar", "location").order_by("id"):
        entry = r.render_event(event)
        entry["calendar"] = event.calendar.name
        entry["location"] = r.render_location(event.location) if event.location else None
        events.append(entry)
    invitations = []
    query = Invitation.objects.select_related("event", "contact").prefetch_related("contact__emails")
    for invitation in query.order_by("id"):
        entry = r.render_invitation(invitation)
        entry["event"] = invitation.event.name
        entry["contact"] = _who(invitation.contact)
        invitations.append(entry)
    return {
        "api_users": [
            {"username": u.username, "is_active": u.is_active, "session_seconds": u.session_seconds}
            for u in ApiUser.objects.order_by("id")
        ],
        "calendars": [r.render_calendar(c) for c in Calendar.objects.order_by("id")],
        "locations": [r.render_location(loc) for loc in Location.objects.order_by("id")],
        "contacts": [r.render_contact(c) for c in Contact.objects.prefetch_related("emails", "phones").order_by("id")],
        "events": events,
        "invitations": invitations,
        "event_activities": [r.render_event_activity(a) for a in EventActivity.objects.order_by("id")],
    }
