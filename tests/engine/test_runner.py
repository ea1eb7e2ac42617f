"""The engine's rules, proven with a small in-memory destination defined here.

The destination matches people by email (its natural key) like ActionKit or PDI do, counts
its writes, and can be told to reject a record or to "crash" (kill the process) right
after a write and before the ledger is updated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from integrations.connectors.errors import RemoteValidationError, ServerError
from integrations.engine import (
    RecordError,
    RunContext,
    RunOptions,
    SkipRecord,
    SourceRecord,
    Stream,
    Written,
    run_sync,
)
from integrations.engine.lock import IntegrationLock
from integrations.flows import registry
from integrations.flows.base import Flow
from integrations.models import PendingRetry, RecordLink, SyncItem, SyncRun, Watermark
from tests.engine.lockhelpers import plant_dead_holder


class ProcessKilled(BaseException):
    """Stands for the worker process dying: not an Exception, so nothing in the engine catches it."""


class FakeDestination:
    """A CRM-like destination keyed by email."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.creates = 0
        self.updates = 0
        self.reject_emails: set[str] = set()
        self.flaky_emails: set[str] = set()
        self.crash_after_create_of: str | None = None

    @property
    def writes(self) -> int:
        return self.creates + self.updates

    def find(self, email: str) -> str | None:
        return next((row_id for row_id, row in self.rows.items() if row["email"] == email), None)

    def create(self, payload: dict[str, Any]) -> str:
        if payload["email"] in self.reject_emails:
            raise RemoteValidationError(f"Destination rejected {payload['email']}: email domain is blocked.")
        if payload["email"] in self.flaky_emails:
            raise ServerError("Destination answered HTTP 500.")
        self.creates += 1
        row_id = f"row{len(self.rows) + 1}"
        self.rows[row_id] = dict(payload)
        if payload["email"] == self.crash_after_create_of:
            raise ProcessKilled
        return row_id

    def update(self, row_id: str, payload: dict[str, Any]) -> None:
        self.updates += 1
        self.rows[row_id] = dict(payload)


class PeopleSource:
    """A source of people records with modified times, honouring `since` like Mobilize's updated_since."""

    def __init__(self) -> None:
        self.people: dict[int, dict[str, Any]] = {}
        self.fail_after: int | None = None
        self.requested_since: list[int | None] = []

    def put(self, person_id: int, email: str, name: str, modified: int) -> None:
        self.people[person_id] = {"id": person_id, "email": email, "name": name, "modified_date": modified}

    def fetch(self, since: int | None) -> Iterable[dict[str, Any]]:
        self.requested_since.append(since)
        for count, person in enumerate(sorted(self.people.values(), key=lambda p: p["id"])):
            if self.fail_after is not None and count >= self.fail_after:
                raise ServerError("Source answered HTTP 503 on page 2.")
            if since is None or person["modified_date"] >= since:
                yield person


class PeopleStream(Stream):
    name = "people"
    source_type = "test.person"
    destination_type = "test.row"

    def __init__(self, source: PeopleSource, destination: FakeDestination) -> None:
        self.source, self.destination = source, destination

    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        for person in self.source.fetch(since):
            yield SourceRecord(str(person["id"]), person, person["modified_date"], person["email"])

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        if not record.data["email"]:
            raise RecordError(f"Person {record.source_id} has no email address.")
        if record.data["name"] == "skip me":
            raise SkipRecord("Marked as test data.")
        return {"email": record.data["email"], "name": record.data["name"].title()}

    def find_existing(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written | None:
        row_id = self.destination.find(payload["email"])
        return Written(row_id) if row_id else None

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        return Written(self.destination.create(payload))

    def update(self, ctx, link, record, payload) -> None:
        self.destination.update(link.destination_id, payload)


class World:
    def __init__(self) -> None:
        self.source = PeopleSource()
        self.destination = FakeDestination()


@pytest.fixture
def world(monkeypatch, make_organization, make_integration):
    state = World()

    class TestFlow(Flow):
        kind = "test"

        def streams(self, ctx):
            return [PeopleStream(state.source, state.destination)]

        def test_connection(self):
            return ["ok"]

    integration = make_integration(make_organization())
    monkeypatch.setitem(registry.FLOWS, integration.kind, TestFlow)
    state.integration = integration
    for number in range(1, 6):
        state.source.put(number, f"p{number}@example.com", f"person {number}", 1_700_000_000 + number)
    return state


def sync(world: World, **options) -> SyncRun:
    run = run_sync(world.integration, RunOptions(**options))
    run.refresh_from_db()
    return run


def test_first_run_creates_every_record_and_links_it(world):
    run = sync(world)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.fetched, run.created, run.updated, run.failed) == (5, 5, 0, 0)
    assert world.destination.creates == 5
    assert RecordLink.objects.filter(integration=world.integration).count() == 5
    assert set(run.items.values_list("action", flat=True)) == {SyncItem.Action.CREATED}
    assert run.items.get(source_id="3").label == "p3@example.com"


def test_second_run_without_changes_writes_nothing(world):
    sync(world)
    writes = world.destination.writes
    run = sync(world)
    assert world.destination.writes == writes
    assert (run.created, run.updated) == (0, 0)
    assert run.items.count() == 0


def test_changed_record_is_updated_once_and_unchanged_ones_are_not(world):
    sync(world)
    world.source.put(2, "p2@example.com", "renamed person", 1_700_000_100)
    run = sync(world)
    assert (run.updated, run.created) == (1, 0)
    assert world.destination.updates == 1
    row_id = world.destination.find("p2@example.com")
    assert world.destination.rows[row_id]["name"] == "Renamed Person"


def test_watermark_advances_to_newest_record_and_next_run_asks_since_it_minus_overlap(world, settings):
    settings.SYNC_WATERMARK_OVERLAP_SECONDS = 60
    sync(world)
    assert Watermark.objects.get(integration=world.integration, stream="people").value == 1_700_000_005
    sync(world)
    assert world.source.requested_since == [None, 1_700_000_005 - 60]


def test_one_bad_record_fails_alone_with_a_readable_error_and_the_run_is_partial(world):
    world.destination.reject_emails.add("p3@example.com")
    run = sync(world)
    assert run.status == SyncRun.Status.PARTIAL
    assert (run.created, run.failed) == (4, 1)
    failed = run.items.get(action=SyncItem.Action.FAILED)
    assert failed.source_id == "3"
    assert "email domain is blocked" in failed.error
    assert failed.retryable is False
    assert PendingRetry.objects.filter(integration=world.integration, source_id="3").exists()


def test_record_missing_fields_is_failed_with_reason_and_skips_are_logged(world):
    world.source.put(6, "", "no email", 1_700_000_006)
    world.source.put(7, "p7@example.com", "skip me", 1_700_000_007)
    run = sync(world)
    assert run.items.get(source_id="6").error == "Person 6 has no email address."
    skipped = run.items.get(source_id="7")
    assert (skipped.action, skipped.error) == (SyncItem.Action.SKIPPED, "Marked as test data.")
    assert (run.failed, run.skipped, run.created) == (1, 1, 5)


def test_retryable_failure_is_retried_on_next_run_even_if_unchanged_at_the_source(world):
    world.destination.flaky_emails.add("p4@example.com")
    first = sync(world)
    assert first.failed == 1 and first.items.get(action="failed").retryable
    world.destination.flaky_emails.clear()
    # Move the watermark past p4 so only the retry queue can bring it back.
    world.source.people.pop(4)
    second = sync(world)
    assert second.created == 1
    assert world.destination.find("p4@example.com")
    assert not PendingRetry.objects.filter(integration=world.integration).exists()


def test_permanent_failures_wait_for_an_explicit_retry(world):
    world.destination.reject_emails.add("p1@example.com")
    sync(world)
    again = sync(world)
    assert again.failed == 0, "a permanent failure is not retried automatically"
    world.destination.reject_emails.clear()
    retry = sync(world, retry_only=True, trigger=SyncRun.Trigger.RETRY, retry_keys={("people", "1")})
    assert (retry.fetched, retry.created) == (1, 1)
    assert not PendingRetry.objects.exists()


def test_crash_between_destination_write_and_ledger_then_rerun_duplicates_nothing(world):
    world.destination.crash_after_create_of = "p3@example.com"
    with pytest.raises(ProcessKilled):
        run_sync(world.integration, RunOptions())
    crashed = SyncRun.objects.get()
    assert crashed.status == SyncRun.Status.RUNNING
    assert world.destination.creates == 3  # p1, p2 and p3 were written; p3 never reached the ledger
    assert not Watermark.objects.filter(integration=world.integration).exists()

    world.destination.crash_after_create_of = None
    rerun = sync(world)
    assert rerun.status == SyncRun.Status.SUCCEEDED
    emails = sorted(row["email"] for row in world.destination.rows.values())
    assert emails == [f"p{n}@example.com" for n in range(1, 6)], "nothing lost, nothing duplicated"
    assert RecordLink.objects.filter(integration=world.integration).count() == 5
    assert rerun.items.get(source_id="3").action == SyncItem.Action.UPDATED
    crashed.refresh_from_db()
    assert crashed.status == SyncRun.Status.INTERRUPTED and crashed.message.startswith("Interrupted")


def test_a_live_holder_makes_a_trigger_skip_and_a_dead_one_is_taken_over_at_once(world):
    live = IntegrationLock(world.integration.pk)
    assert live.acquire()
    try:
        skipped = sync(world)
    finally:
        live.release()
    assert skipped.status == SyncRun.Status.SKIPPED and "in progress" in skipped.message
    assert skipped.finished_at >= skipped.started_at, "a skipped run never finishes before it starts"
    assert world.destination.writes == 0
    # A worker that died holding the lock: its process is gone, its lease would last another hour.
    plant_dead_holder(world.integration)
    run = sync(world)
    assert run.status == SyncRun.Status.SUCCEEDED and run.created == 5


def test_dry_run_records_what_would_be_written_and_writes_nothing(world):
    sync(world)
    world.source.put(2, "p2@example.com", "renamed", 1_700_000_100)
    world.source.put(9, "p9@example.com", "new person", 1_700_000_101)
    writes = world.destination.writes
    watermark = Watermark.objects.get(integration=world.integration).value
    run = sync(world, dry_run=True)
    assert world.destination.writes == writes
    assert Watermark.objects.get(integration=world.integration).value == watermark
    actions = dict(run.items.values_list("source_id", "action"))
    assert actions == {"2": SyncItem.Action.WOULD_UPDATE, "9": SyncItem.Action.WOULD_CREATE}
    assert not RecordLink.objects.filter(source_id="9").exists()


def test_full_resync_reads_from_the_beginning_and_rewrites_everything(world):
    sync(world)
    run = sync(world, full_resync=True)
    assert world.source.requested_since[-1] is None
    assert (run.updated, run.unchanged) == (5, 0)


def test_source_failure_mid_stream_keeps_the_watermark_and_what_was_written(world):
    sync(world)
    for number in range(1, 6):
        world.source.put(number, f"p{number}@example.com", f"new name {number}", 1_700_000_200 + number)
    world.source.fail_after = 2
    run = sync(world)
    assert run.status == SyncRun.Status.FAILED
    assert "Source answered HTTP 503" in run.message
    assert run.updated == 2
    assert Watermark.objects.get(integration=world.integration).value == 1_700_000_005
    world.source.fail_after = None
    rerun = sync(world)
    assert (rerun.updated, rerun.unchanged) == (3, 2)
    assert Watermark.objects.get(integration=world.integration).value == 1_700_000_205


def test_run_records_per_stream_counts_and_watermarks(world):
    run = sync(world)
    stats = run.streams["people"]
    assert stats["status"] == "finished"
    assert (stats["fetched"], stats["created"], stats["watermark_before"], stats["watermark_after"]) == (
        5,
        5,
        None,
        1_700_000_005,
    )
    assert run.finished_at is not None and run.duration.total_seconds() >= 0


class TeamsStream(Stream):
    """A stream whose records each need a person of the people stream (a dependency)."""

    name = "teams"
    source_type = "test.team"
    destination_type = "test.team_row"

    def __init__(self, people: PeopleStream, teams: dict[int, int]) -> None:
        self.people, self.teams = people, teams
        self.created: list[dict[str, Any]] = []

    def fetch(self, ctx, since):
        for team_id, leader_id in self.teams.items():
            yield SourceRecord(str(team_id), {"leader": leader_id}, 1_700_000_000, f"team {team_id}")

    def map(self, ctx, record):
        leader = self.people.source.people[record.data["leader"]]
        link = ctx.ledger.get("test.person", str(leader["id"]))
        if link is None:
            link = ctx.sync_now(self.people, SourceRecord(str(leader["id"]), leader, leader["modified_date"]))
        if link is None:
            raise RecordError("The team's leader could not be synced.", retryable=True)
        return {"leader_row": link.destination_id}

    def create(self, ctx, record, payload):
        self.created.append(payload)
        return Written(f"team{record.source_id}")

    def update(self, ctx, link, record, payload):
        return None


def test_a_dependency_synced_on_demand_is_counted_in_its_own_stream(world, monkeypatch):
    # Person 9 is not read by the people stream (its fetch ends at 5), only reached through team 1.
    people = PeopleStream(world.source, world.destination)
    world.source.put(9, "p9@example.com", "leader", 1_700_000_009)
    original_fetch = world.source.fetch
    monkeypatch.setattr(world.source, "fetch", lambda since: (p for p in original_fetch(since) if p["id"] != 9))
    teams = TeamsStream(people, {1: 9})

    class DependentFlow(Flow):
        kind = world.integration.kind

        def streams(self, ctx):
            return [teams, people]

        def test_connection(self):
            return []

    monkeypatch.setitem(registry.FLOWS, world.integration.kind, DependentFlow)
    run = sync(world)
    assert run.status == SyncRun.Status.SUCCEEDED
    leader_row = world.destination.find("p9@example.com")
    assert teams.created == [{"leader_row": leader_row}]
    assert run.streams["people"]["created"] == 6, "the leader is counted with the people it belongs to"
    assert run.streams["teams"]["created"] == 1
    assert run.items.get(source_id="9").stream == "people"


def test_a_dependency_in_a_dry_run_writes_nothing_and_the_dependent_record_waits(world, monkeypatch):
    people = PeopleStream(world.source, world.destination)
    teams = TeamsStream(people, {1: 2})

    class DependentFlow(Flow):
        kind = world.integration.kind

        def streams(self, ctx):
            return [teams]

        def test_connection(self):
            return []

    monkeypatch.setitem(registry.FLOWS, world.integration.kind, DependentFlow)
    run = sync(world, dry_run=True)
    assert world.destination.writes == 0
    assert run.items.get(source_id="2").action == SyncItem.Action.WOULD_CREATE
    assert run.items.get(source_id="1", stream="teams").action == SyncItem.Action.FAILED


def test_a_write_that_finds_nothing_to_do_is_skipped_with_its_reason(world, monkeypatch):
    def create(self, ctx, record, payload):
        if record.source_id == "2":
            raise SkipRecord("Gone before it was ever written.")
        return Written(self.destination.create(payload))

    monkeypatch.setattr(PeopleStream, "create", create)
    run = sync(world)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.created, run.skipped) == (4, 1)
    skipped = run.items.get(source_id="2")
    assert (skipped.action, skipped.error) == (SyncItem.Action.SKIPPED, "Gone before it was ever written.")
    assert not RecordLink.objects.filter(integration=world.integration, source_id="2").exists()


def test_a_stream_that_reads_a_window_up_to_now_moves_its_watermark_to_that_end_even_with_no_records(
    world, monkeypatch
):
    sync(world)
    assert Watermark.objects.get(integration=world.integration, stream="people").value == 1_700_000_005
    # The source answered up to a later moment (a window ending "now") and nothing changed in it.
    monkeypatch.setattr(PeopleStream, "read_through", lambda self, ctx: 1_700_000_900)
    sync(world)
    assert Watermark.objects.get(integration=world.integration, stream="people").value == 1_700_000_900
    # A stream stopped early keeps its watermark, whatever it read through.
    monkeypatch.setattr(PeopleStream, "read_through", lambda self, ctx: 1_700_009_999)
    world.source.put(1, "p1@example.com", "changed", 1_700_001_000)
    world.source.fail_after = 0
    sync(world)
    assert Watermark.objects.get(integration=world.integration, stream="people").value == 1_700_000_900
