"""Runs say what happened and nothing else (issue 12, items 4 and 5): counts agree with items, a
record is counted once per run, settled failures show as resolved, a retry with nothing to do
leaves no run, a full resync compares with the destination, and a run that cannot start says so
in one sentence."""

from __future__ import annotations

from typing import Any

from integrations import services
from integrations.engine import RecordError, RunOptions, SourceRecord, Written, run_sync
from integrations.flows import registry
from integrations.flows.base import Flow
from integrations.models import PendingRetry, SyncItem, SyncRun

from .test_runner import PeopleStream, World, sync


def items_agree_with_counts(run: SyncRun) -> None:
    """Every created/updated/skipped/failed count has exactly its items; each record appears once."""
    by_action = {action: run.items.filter(action=action).count() for action in SyncItem.Action.values}
    assert by_action[SyncItem.Action.CREATED] == run.created
    assert by_action[SyncItem.Action.UPDATED] == run.updated
    assert by_action[SyncItem.Action.SKIPPED] == run.skipped
    assert by_action[SyncItem.Action.FAILED] == run.failed
    keys = list(run.items.values_list("stream", "source_id"))
    assert len(keys) == len(set(keys)), "a record itemised twice in one run"
    assert run.fetched == run.created + run.updated + run.unchanged + run.skipped + run.failed


def install(monkeypatch, world, streams) -> None:
    class OneFlow(Flow):
        kind = world.integration.kind

        def streams(self, ctx):
            return streams

        def test_connection(self):
            return []

    monkeypatch.setitem(registry.FLOWS, world.integration.kind, OneFlow)


def test_a_record_read_twice_in_one_run_is_counted_and_itemised_once(world, monkeypatch):
    original = world.source.fetch
    monkeypatch.setattr(world.source, "fetch", lambda since: [*original(since), *original(since)])
    run = sync(world)
    assert (run.fetched, run.created, run.unchanged) == (5, 5, 0)
    items_agree_with_counts(run)


class LeaderStream(PeopleStream):
    """Teams whose leader (person 3) is synced on demand by every team: the dependency fails."""

    name = "teams"
    source_type = "test.team"
    destination_type = "test.team_row"

    def __init__(self, people: PeopleStream) -> None:
        super().__init__(people.source, people.destination)
        self.people = people

    def fetch(self, ctx, since):
        for team in range(1, 7):
            yield SourceRecord(str(team), {"leader": 3}, 1_700_000_000, f"team {team}")

    def map(self, ctx, record):
        leader = self.source.people[3]
        link = ctx.sync_now(self.people, SourceRecord("3", leader, leader["modified_date"], leader["email"]))
        if link is None:
            raise RecordError("The team's leader could not be synced.", retryable=True)
        return {"leader": link.destination_id}

    def create(self, ctx, record, payload):
        return Written(f"team{record.source_id}")


def test_a_dependency_that_fails_fails_once_per_run_however_many_records_need_it(world, monkeypatch):
    world.destination.flaky_emails.add("p3@example.com")
    people = PeopleStream(world.source, world.destination)
    install(monkeypatch, world, [LeaderStream(people)])
    run = sync(world)
    assert run.items.filter(source_id="3", stream="people", action=SyncItem.Action.FAILED).count() == 1
    assert run.items.filter(stream="teams", action=SyncItem.Action.FAILED).count() == 6
    assert world.destination.creates == 0, "the failing person was sent once, not six times"
    items_agree_with_counts(run)


def test_a_queued_failure_read_again_is_processed_once_from_its_fresh_copy(world):
    world.destination.flaky_emails.add("p4@example.com")
    sync(world)
    world.destination.flaky_emails.clear()
    world.source.put(4, "p4@example.com", "fresh name", 1_700_000_100)
    run = sync(world)
    assert run.items.filter(source_id="4").count() == 1
    assert run.items.get(source_id="4").action == SyncItem.Action.CREATED
    row = world.destination.rows[world.destination.find("p4@example.com")]
    assert row["name"] == "Fresh Name", "the fresh copy, not the queued one, was written"
    items_agree_with_counts(run)


def test_a_permanent_failure_repaired_at_the_source_is_picked_up_without_a_new_modified_date(world):
    world.source.put(6, "", "no email", 1_700_000_006)
    first = sync(world)
    assert first.items.get(source_id="6").action == SyncItem.Action.FAILED
    waiting = sync(world, full_resync=True)
    assert waiting.items.get(source_id="6").action == SyncItem.Action.SKIPPED, "unchanged: still waiting"
    # Repaired in the source; the source did not move its modified date.
    world.source.put(6, "p6@example.com", "no email", 1_700_000_006)
    repaired = sync(world, full_resync=True)
    assert repaired.items.get(source_id="6").action == SyncItem.Action.CREATED
    assert not PendingRetry.objects.filter(integration=world.integration).exists()


def test_a_failure_settled_by_a_later_run_shows_resolved_and_is_not_offered_for_retry(world):
    world.destination.flaky_emails.add("p2@example.com")
    failed_run = sync(world)
    assert services.open_failures(failed_run).count() == 1
    world.destination.flaky_emails.clear()
    fixing_run = sync(world)
    item = failed_run.items.get(action=SyncItem.Action.FAILED)
    assert item.resolved_by_id == fixing_run.pk and item.resolved_at is not None
    assert services.open_failures(failed_run).count() == 0
    assert services.retry_failed_items(failed_run) == 0


def test_a_retry_with_nothing_queued_records_no_run(world):
    sync(world)
    runs = SyncRun.objects.count()
    result = run_sync(world.integration, RunOptions(retry_only=True, trigger=SyncRun.Trigger.RETRY))
    assert result is None
    assert SyncRun.objects.count() == runs


def test_a_partial_runs_message_sums_up_its_failures(world):
    world.destination.reject_emails.update({"p1@example.com", "p2@example.com"})
    world.source.put(6, "", "no email", 1_700_000_006)
    run = sync(world)
    assert run.status == SyncRun.Status.PARTIAL
    assert "3 records failed (3 people)" in run.message
    assert "2 x Destination rejected" not in run.message  # two distinct messages, one each
    assert "Person 6 has no email address." in run.message


class ComparingStream(PeopleStream):
    """A stream that reads the destination back on a full resync and writes only what differs."""

    def read_back(self, ctx, link, record, payload) -> dict[str, Any] | None:
        row = self.destination.rows.get(link.destination_id)
        return None if row is None else {"row": dict(row)}

    def update(self, ctx, link, record, payload):
        if (link.extra or {}).get("row") == payload:
            return Written(link.destination_id, {"row": payload}, changed=False)
        self.destination.update(link.destination_id, payload)
        return Written(link.destination_id, {"row": payload})

    def create(self, ctx, record, payload):
        row_id = self.destination.create(payload)
        return Written(row_id, {"row": payload})


def test_a_full_resync_repairs_what_drifted_and_counts_equal_records_unchanged(world, monkeypatch):
    install(monkeypatch, world, [ComparingStream(world.source, world.destination)])
    sync(world)
    drifted = world.destination.find("p2@example.com")
    world.destination.rows[drifted]["name"] = "Edited By Hand"
    updates = world.destination.updates
    run = sync(world, full_resync=True)
    assert (run.updated, run.unchanged) == (1, 4)
    assert world.destination.updates == updates + 1
    assert world.destination.rows[drifted]["name"] == "Person 2"
    items_agree_with_counts(run)


def test_a_run_whose_configuration_is_incomplete_does_not_start(world, monkeypatch):
    class Unready(Flow):
        kind = world.integration.kind

        def configuration_problems(self):
            return ["No event campaign is set: enter its id on the integration page."]

        def streams(self, ctx):
            raise AssertionError("a run that cannot start reads nothing")

        def test_connection(self):
            return []

    monkeypatch.setitem(registry.FLOWS, world.integration.kind, Unready)
    run = sync(world)
    assert run.status == SyncRun.Status.FAILED
    assert run.message == "The run did not start: No event campaign is set: enter its id on the integration page."
    assert run.items.count() == 0


def test_an_unchanged_update_is_counted_unchanged_not_updated(world, monkeypatch):
    install(monkeypatch, world, [ComparingStream(world.source, world.destination)])
    sync(world)
    # The mapped payload changes (so the hash differs) but the destination already holds it.
    world.source.put(3, "p3@example.com", "renamed", 1_700_000_300)
    row = world.destination.find("p3@example.com")
    world.destination.rows[row]["name"] = "Renamed"
    from integrations.models import RecordLink

    RecordLink.objects.filter(source_id="3").update(extra={"row": world.destination.rows[row]})
    updates = world.destination.updates
    run = sync(world)
    assert (run.fetched, run.updated, run.unchanged) == (5, 0, 5)
    assert world.destination.updates == updates
    assert run.items.count() == 0


def test_world_fixture_is_the_engine_tests_one(world):
    assert isinstance(world, World)
