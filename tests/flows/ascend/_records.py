"""Realistic Mobilize records for the Ascend mapping tests (not collected: no test_ prefix).

The people and attendances are the ActionKit mapping tests' (shared/seeds/004's examples, normalized as
the Mobilize client does); here only the Ascend side is added: members as docs/connectors/ascend.md
shapes them, and the default field rules of the Fields tab.
"""

from __future__ import annotations

from typing import Any

from integrations.flows.ascend.mapping import Rule
from integrations.models.ascend import CORE_FIELDS, SyncOption

from ..actionkit._records import DROP, SHIFT_END, SHIFT_START, attendance, event, person

__all__ = ["DROP", "attendance", "default_rules", "event", "member", "person", "phone", "timeslot_full"]


def phone(number: str) -> list[dict[str, Any]]:
    """A Mobilize phone_numbers list holding one primary number."""
    return [{"primary": True, "number": number}]


def member(**changes: Any) -> dict[str, Any]:
    """An existing, subscribed Ascend member for the example person's phone, with every field filled."""
    record: dict[str, Any] = {
        "phone": "+12125550123",
        "first_name": "Maria",
        "last_name": "Gonzalez",
        "email": "maria@example.com",
        "zip": "10003",
        "custom_fields": {},
        "subscription_status": "subscribed",
        "opt_in": {"source": "mobilize", "at": "2024-01-01T00:00:00Z"},
        "groups": [],
    }
    record.update(changes)
    return record


def default_rules(sync: str = SyncOption.POPULATE) -> list[Rule]:
    """The Fields tab's default mappings, every one with the same sync option."""
    return [Rule(mobilize, ascend, sync) for mobilize, ascend in CORE_FIELDS.items()]


def timeslot_full(full: bool | None) -> dict[str, Any]:
    """The example attendance's timeslot with its is_full."""
    return {"id": 11, "start_date": SHIFT_START, "end_date": SHIFT_END, "is_full": full}
