"""Reading what the ActionKit sandbox holds, for the end-to-end assertions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class AkEvent:
    row: Any
    fields: dict[str, str]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)


def events(campaign) -> dict[str, AkEvent]:
    """The campaign's events by their mobilize_timeslot_id field (failing on a duplicate key)."""
    from sandbox.actionkit.models import Event

    found: dict[str, AkEvent] = {}
    for row in Event.objects.filter(campaign=campaign).prefetch_related("fields").order_by("id"):
        fields: dict[str, str] = {}
        for field in row.fields.all():
            assert field.name not in fields, f"event {row.pk} has two '{field.name}' fields"
            fields[field.name] = field.value
        key = fields.get("mobilize_timeslot_id")
        assert key not in found, f"two ActionKit events for timeslot {key}"
        found[key] = AkEvent(row, fields)
    return found


def signups(campaign) -> list[tuple[Any, dict[str, str]]]:
    """Attendee signups of the campaign's events with their custom fields."""
    from sandbox.actionkit.models import EventSignup

    result = []
    rows = EventSignup.objects.filter(event__campaign=campaign, role="attendee").select_related("user", "event")
    for row in rows.prefetch_related("fields").order_by("id"):
        fields: dict[str, str] = {}
        for field in row.fields.all():
            assert field.name not in fields, f"signup {row.pk} has two '{field.name}' fields"
            fields[field.name] = field.value
        result.append((row, fields))
    return result


def signup_of(campaign, email: str, timeslot: str | None = None) -> tuple[Any, dict[str, str]]:
    """The one signup of this email (on the event of this timeslot key, when given)."""
    [(row, fields)] = [
        (row, fields)
        for row, fields in signups(campaign)
        if row.user.email == email
        and (timeslot is None or row.event.fields.filter(name="mobilize_timeslot_id", value=timeslot).exists())
    ]
    return row, fields


def user(email: str):
    from sandbox.actionkit.models import User

    [row] = User.objects.filter(email__iexact=email)
    return row
