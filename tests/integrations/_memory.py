"""A flow over an in-memory source and destination, for tests of the shells around the engine.

Tasks, services and `trigger_sync`'s on-commit queueing are tested inside one database
transaction, where the live server (and so the sandbox) cannot see the test's rows. This flow
needs no HTTP: people are a dict, the destination is a dict, and people whose id is in
`reject` fail with a permanent, readable error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from integrations.engine import RecordError, RunContext, SourceRecord, Stream, Written
from integrations.flows.base import Flow
from integrations.models import RecordLink
from tests import kinds


@dataclass
class MemoryState:
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    reject: set[str] = field(default_factory=set)
    writes: int = 0

    def put(self, person_id: int, modified: int = 1_700_000_000) -> None:
        key = str(person_id)
        self.people[key] = {"id": key, "email": f"person{person_id}@example.com", "modified_date": modified}


STATE = MemoryState()


class PeopleStream(Stream):
    name = "people"
    source_type = "memory.person"
    destination_type = "memory.row"

    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        for person in sorted(STATE.people.values(), key=lambda p: int(p["id"])):
            if since is None or person["modified_date"] >= since:
                yield SourceRecord(person["id"], person, person["modified_date"], person["email"])

    def refresh(self, ctx: RunContext, record: SourceRecord) -> SourceRecord | None:
        person = STATE.people.get(record.source_id)
        return SourceRecord(person["id"], person, person["modified_date"], person["email"]) if person else None

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        if record.source_id in STATE.reject:
            raise RecordError(f"The destination refuses person {record.source_id}.")
        return {"email": record.data["email"], "modified": record.data["modified_date"]}

    def find_existing(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written | None:
        return None

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        STATE.writes += 1
        STATE.rows[record.source_id] = payload
        return Written(f"row-{record.source_id}")

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> None:
        STATE.writes += 1
        STATE.rows[record.source_id] = payload


class MemoryFlow(Flow):
    kind = kinds.MEMORY

    def streams(self, ctx: RunContext) -> list[Stream]:
        return [PeopleStream()]

    def test_connection(self) -> list[str]:
        return ["Memory: the source and the destination answer."]


def install(monkeypatch) -> MemoryState:
    """Register the memory flow for integrations of the test kind, with five people and nobody rejected."""
    from integrations.flows import registry

    global STATE
    STATE = MemoryState()
    for number in range(1, 6):
        STATE.put(number)
    monkeypatch.setitem(registry.FLOWS, kinds.MEMORY, MemoryFlow)
    return STATE
