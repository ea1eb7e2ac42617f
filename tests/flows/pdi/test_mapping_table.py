"""The integration page's mapping table states the seed's rules and every PDI field the mapping writes."""

from __future__ import annotations

import pytest

from integrations.flows.pdi.mapping import (
    CONTACT_PAYLOAD_KEYS,
    EVENT_PAYLOAD_KEYS,
    INVITATION_PAYLOAD_KEYS,
    LOCATION_PAYLOAD_KEYS,
    mapping_table,
)


def _text() -> str:
    return "\n".join(" | ".join(row) for row in mapping_table()).casefold()


def test_every_row_is_mobilize_field_pdi_field_and_rule():
    rows = mapping_table()
    assert rows
    for row in rows:
        assert len(row) == 3
        assert all(isinstance(cell, str) and cell.strip() for cell in row)


@pytest.mark.parametrize(
    ("prefix", "fields"),
    [
        ("event.", EVENT_PAYLOAD_KEYS),
        ("location.", LOCATION_PAYLOAD_KEYS),
        ("contact.", CONTACT_PAYLOAD_KEYS),
        ("invitation.", INVITATION_PAYLOAD_KEYS),
    ],
)
def test_mapping_table_covers_every_pdi_field_the_mapping_writes(prefix, fields):
    pdi_column = {name for row in mapping_table() for name in row[1].split(", ")}
    for name in fields:
        assert f"{prefix}{name}" in pdi_column


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("one event per timeslot", ["one pdi event per mobilize timeslot"]),
        ("calendar from the event type", ["event.calendarid", "mapped to the event type", "skipped"]),
        ("default calendar for unmapped types", ["calendar for unmapped types"]),
        ("contacts by email only", ["by email only"]),
        ("created with name, email and phone", ["created with name, email and phone"]),
        ("attended rule", ["completed (attended true) -> true", "no-show (attended false) -> false", "null -> false"]),
        ("owned and promoted events", ["the events it owns and the events it promotes"]),
        ("private addresses", ["never reconstructed"]),
        ("virtual events", ["virtual event without a location has no pdi location"]),
        ("deleted events are cancelled", ["cancelled, not removed"]),
        ("the firewall", ["no invitation"]),
    ],
)
def test_mapping_table_states_each_rule(rule, words):
    text = _text()
    for word in words:
        assert word.casefold() in text, f"{rule}: {word!r} missing"
