"""Pure functions: a raw Mobilize record -> its mirror key and derived columns.

No I/O. The key of each record type is what the flows key the record by today (Mobilize's id,
a person's user_id, and for an attendance whose id Mobilize withholds across the firewall the
ActionKit flow's `p<user id>-<masked event key>`), so a flow moving onto the mirror keeps its
ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.connectors.mobilize.records import (
    normalize_attendance,
    normalize_deleted_event,
    normalize_event,
    normalize_organization,
    normalize_person,
)
from integrations.engine.ledger import payload_hash
from integrations.engine.streams import RecordError
from integrations.models import RecordType

NORMALIZERS = {
    RecordType.ORGANIZATION: normalize_organization,
    RecordType.PROMOTED_ORGANIZATION: normalize_organization,
    RecordType.EVENT: normalize_event,
    RecordType.DELETED_EVENT: normalize_deleted_event,
    RecordType.ATTENDANCE: normalize_attendance,
    RecordType.PERSON: normalize_person,
}


@dataclass(frozen=True)
class Keyed:
    """A raw record's key and the derived, non-personal columns stored beside it."""

    mobilize_id: str
    modified_at: int | None = None
    event_id: str = ""
    timeslot_id: str = ""
    person_id: str = ""
    ends_at: int | None = None


def content_hash(data: Mapping[str, Any]) -> str:
    """The hash that decides whether a record changed (key order does not matter)."""
    return payload_hash(data)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def attendance_key(attendance: Mapping[str, Any]) -> str:
    """An attendance's id, or (withheld across the firewall) the person and the masked timeslot.

    Exactly the ActionKit flow's `AttendancesStream.source_id`; an attendance so bare that not
    even the masked key can be made is keyed by its person and content.
    """
    from integrations.flows.actionkit.mapping import masked_event_key

    normalized = normalize_attendance(attendance)
    if normalized.get("id") is not None:
        return str(normalized["id"])
    person = normalized.get("person") or {}
    event_type = (normalized.get("event") or {}).get("event_type")
    who = person.get("user_id") or person.get("id")
    try:
        return f"p{who}-{masked_event_key(event_type, normalized.get('timeslot') or {})}"
    except RecordError:
        return f"p{who}-unkeyed-{content_hash(attendance)[:16]}"


def key_record(record_type: str, raw: Mapping[str, Any]) -> Keyed:
    """The key and derived columns of one raw record of `record_type`."""
    if record_type in (RecordType.ORGANIZATION, RecordType.PROMOTED_ORGANIZATION):
        return Keyed(_text(raw.get("id")), _int(raw.get("modified_date")))
    if record_type == RecordType.EVENT:
        ends = [_int((t or {}).get("end_date")) for t in raw.get("timeslots") or []]
        ends = [end for end in ends if end is not None]
        return Keyed(
            _text(raw.get("id")),
            _int(raw.get("modified_date")),
            event_id=_text(raw.get("id")),
            ends_at=max(ends) if ends else None,
        )
    if record_type == RecordType.DELETED_EVENT:
        return Keyed(_text(raw.get("id")), _int(raw.get("deleted_date")), event_id=_text(raw.get("id")))
    if record_type == RecordType.ATTENDANCE:
        person = raw.get("person") or {}
        timeslot = raw.get("timeslot") or {}
        return Keyed(
            attendance_key(raw),
            _int(raw.get("modified_date")),
            event_id=_text((raw.get("event") or {}).get("id")),
            timeslot_id=_text(timeslot.get("id")),
            person_id=_text(person.get("user_id") or person.get("id")),
            ends_at=_int(timeslot.get("end_date")),
        )
    if record_type == RecordType.PERSON:
        person_id = _text(raw.get("user_id") or raw.get("id"))
        return Keyed(person_id, _int(raw.get("modified_date")), person_id=person_id)
    raise ValueError(f"{record_type!r} is not a mirror record type")


def normalized(record_type: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record in the shape the Mobilize client yields (every documented key present)."""
    return dict(NORMALIZERS[RecordType(record_type)](raw))


def label(record_type: str, raw: Mapping[str, Any]) -> str:
    """What a run's item shows for a record: a title or name, never personal data beyond an id."""
    if record_type in (RecordType.ORGANIZATION, RecordType.PROMOTED_ORGANIZATION):
        return _text(raw.get("name"))[:255]
    if record_type == RecordType.EVENT:
        return _text(raw.get("title"))[:255]
    if record_type == RecordType.DELETED_EVENT:
        return f"event {raw.get('id')}"
    if record_type == RecordType.ATTENDANCE:
        person = raw.get("person") or {}
        return f"person {person.get('user_id') or person.get('id')} at event {(raw.get('event') or {}).get('id')}"
    return f"person {raw.get('user_id') or raw.get('id')}"
