"""The Mobilize check flow: reads every Mobilize stream an integration will use and validates it.

It writes nothing outside this service: its "destination" is the ledger itself, so the
demo, Test connection and support staff can see what Mobilize holds and what is malformed
before a real destination is configured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from integrations.connectors.mobilize.records import primary_email
from integrations.engine import RunContext, SourceRecord, Stream, Written
from integrations.flows.base import MobilizeSourceFlow
from integrations.models import IntegrationKind, RecordLink

from . import mapping


class LedgerOnlyStream(Stream):
    """A stream whose destination is the ledger: creating a record just records it."""

    destination_type: ClassVar[str] = "ledger"
    digest: ClassVar[Callable[[dict[str, Any]], dict[str, Any]]]

    def __init__(self, flow: MobilizeCheckFlow) -> None:
        self.flow = flow

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return type(self).digest(dict(record.data))

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        return Written(record.source_id)

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> None:
        return None


class EventsStream(LedgerOnlyStream):
    name = "events"
    source_type = "mobilize.event"
    digest = staticmethod(mapping.event_digest)

    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        for event in self.flow.mobilize.get_organization_events(updated_since=since):
            yield SourceRecord(str(event["id"]), event, event.get("modified_date"), (event.get("title") or "")[:255])


class DeletedEventsStream(LedgerOnlyStream):
    name = "deleted_events"
    source_type = "mobilize.deleted_event"
    digest = staticmethod(mapping.deleted_event_digest)

    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        for deleted in self.flow.mobilize.get_deleted_events(updated_since=since):
            yield SourceRecord(str(deleted["id"]), deleted, deleted.get("deleted_date"), f"event {deleted['id']}")


class AttendancesStream(LedgerOnlyStream):
    name = "attendances"
    source_type = "mobilize.attendance"
    digest = staticmethod(mapping.attendance_digest)

    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        for attendance in self.flow.mobilize.get_organization_attendances(updated_since=since):
            source_id = attendance.get("id")
            if source_id is None:  # withheld across the firewall: key by person and timeslot
                source_id = f"p{(attendance.get('person') or {}).get('user_id')}-e{attendance.get('modified_date')}"
            yield SourceRecord(
                str(source_id),
                attendance,
                attendance.get("modified_date"),
                primary_email(attendance.get("person") or {}) or "",
            )


class PeopleStream(LedgerOnlyStream):
    name = "people"
    source_type = "mobilize.person"
    digest = staticmethod(mapping.person_digest)

    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        for person in self.flow.mobilize.get_organization_people(updated_since=since):
            person_id = person.get("user_id") or person.get("id")
            yield SourceRecord(str(person_id), person, person.get("modified_date"), primary_email(person) or "")


class MobilizeCheckFlow(MobilizeSourceFlow):
    """Fetch and validate: events, deleted events, attendances, people."""

    kind = IntegrationKind.MOBILIZE_CHECK

    def streams(self, ctx: RunContext) -> list[Stream]:
        return [EventsStream(self), DeletedEventsStream(self), AttendancesStream(self), PeopleStream(self)]

    def test_connection(self) -> list[str]:
        return self.mobilize_test()

    def mapping_table(self) -> list[tuple[str, str, str]]:
        return [
            ("event.title, timezone, timeslots", "(checked)", "an event without them fails with the reason"),
            ("attendance.person.email_addresses", "(checked)", "skipped when the person's email is withheld"),
            ("person.email_addresses", "(checked)", "a person without an email fails"),
        ]
