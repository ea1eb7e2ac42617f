"""Pure checks of Mobilize records: what a destination-bound flow would need to find in them.

The check flow maps each record to a small digest of non-personal fields; the digest's hash
tells the ledger whether the record changed since it was last seen.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from integrations.connectors.mobilize.records import primary_email
from integrations.engine.streams import RecordError, SkipRecord

_TIMEZONES = frozenset(available_timezones())


def event_digest(event: dict[str, Any]) -> dict[str, Any]:
    """Check an event has what every destination needs (id, title, timezone, timeslots)."""
    problems = []
    if not event.get("title"):
        problems.append("it has no title")
    if event.get("timezone") not in _TIMEZONES:
        problems.append(f"its timezone {event.get('timezone')!r} is not a known time zone")
    timeslots = event.get("timeslots") or []
    if not timeslots:
        problems.append("it has no timeslots")
    for timeslot in timeslots:
        if not isinstance(timeslot.get("start_date"), int) or not isinstance(timeslot.get("end_date"), int):
            problems.append(f"timeslot {timeslot.get('id')} has no start or end date")
    if problems:
        raise RecordError(f"Mobilize event {event.get('id')} cannot be synced: {'; '.join(problems)}.")
    return {
        "modified_date": event.get("modified_date"),
        "sponsor_id": (event.get("sponsor") or {}).get("id"),
        "timeslot_ids": sorted(t.get("id") for t in timeslots if t.get("id") is not None),
    }


def attendance_digest(attendance: dict[str, Any]) -> dict[str, Any]:
    """Check an attendance names its person, event and timeslot; skip people whose email is withheld."""
    person = attendance.get("person") or {}
    if not primary_email(person):
        raise SkipRecord(
            "The person's organization does not share their email address with us, so they cannot be matched."
        )
    if not (attendance.get("event") or {}).get("event_type"):
        raise RecordError(f"Mobilize attendance {attendance.get('id')} has no event.")
    return {
        "modified_date": attendance.get("modified_date"),
        "status": attendance.get("status"),
        "attended": attendance.get("attended"),
        "timeslot_id": (attendance.get("timeslot") or {}).get("id"),
    }


def person_digest(person: dict[str, Any]) -> dict[str, Any]:
    """Check a person has an email address, the key every destination matches people by."""
    if not primary_email(person):
        raise RecordError(f"Mobilize person {person.get('user_id') or person.get('id')} has no email address.")
    return {
        "modified_date": person.get("modified_date"),
        "sms_opt_in_status": person.get("sms_opt_in_status"),
    }


def deleted_event_digest(deleted: dict[str, Any]) -> dict[str, Any]:
    """A deleted event is only its id and deletion time."""
    if deleted.get("deleted_date") is None:
        raise RecordError(f"Mobilize deleted event {deleted.get('id')} has no deleted_date.")
    return {"deleted_date": deleted["deleted_date"]}
