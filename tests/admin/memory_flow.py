"""A flow over an in-memory source and destination, so admin, API and browser tests really run syncs.

Registered for the tests' own kind (tests/kinds.py, with monkeypatch) like tests/engine/test_runner.py
registers its flows; people whose email is in `reject` fail with a permanent, readable error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from integrations.connectors.errors import AuthenticationError
from integrations.engine import RecordError, RunContext, SourceRecord, Stream, Written
from integrations.flows.base import Flow
from tests import kinds

MAPPING = [
    ("person.email_addresses[0].address", "row.email", "primary email, lower-cased"),
    ("person.given_name + family_name", "row.name", "title case"),
]


@dataclass
class MemoryState:
    people: dict[int, dict[str, Any]] = field(default_factory=dict)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    reject: set[str] = field(default_factory=set)
    broken: str = ""

    def put(self, person_id: int, email: str, name: str, modified: int = 1_700_000_000) -> None:
        self.people[person_id] = {"id": person_id, "email": email, "name": name, "modified_date": modified}


STATE = MemoryState()


class MemoryPeopleStream(Stream):
    name = "people"
    source_type = "test.person"
    destination_type = "test.row"

    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        for person in sorted(STATE.people.values(), key=lambda p: p["id"]):
            if since is None or person["modified_date"] >= since:
                yield SourceRecord(str(person["id"]), person, person["modified_date"], person["email"])

    def refresh(self, ctx: RunContext, record: SourceRecord) -> SourceRecord | None:
        person = STATE.people.get(int(record.source_id))
        return SourceRecord(record.source_id, person, person["modified_date"], person["email"]) if person else None

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        if record.data["email"] in STATE.reject:
            raise RecordError(f"The destination refused {record.data['email']}: the domain is blocked.")
        return {"email": record.data["email"], "name": record.data["name"].title()}

    def find_existing(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written | None:
        return None

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        row_id = f"row-{record.source_id}"
        STATE.rows[row_id] = payload
        return Written(row_id)

    def update(self, ctx, link, record, payload) -> None:
        STATE.rows[link.destination_id] = payload


class MemoryFlow(Flow):
    kind = kinds.MEMORY

    def streams(self, ctx: RunContext) -> list[Stream]:
        return [MemoryPeopleStream()]

    def test_connection(self) -> list[str]:
        if STATE.broken:
            raise AuthenticationError(STATE.broken)
        return ["Memory: the source answers.", "Memory: the destination answers."]

    def mapping_table(self) -> list[tuple[str, str, str]]:
        return list(MAPPING)


def install(monkeypatch) -> MemoryState:
    """Register the memory flow for integrations of the test kind and give it fresh data."""
    from integrations.flows import registry

    global STATE
    STATE = MemoryState()
    for number in range(1, 5):
        STATE.put(number, f"person{number}@example.com", f"person {number}")
    STATE.put(5, "blocked@bad.example", "blocked person")
    STATE.reject.add("blocked@bad.example")
    monkeypatch.setitem(registry.FLOWS, kinds.MEMORY, MemoryFlow)
    return STATE
