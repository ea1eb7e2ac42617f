"""The Celery task and the services that queue it: schedule rules, on-commit queueing, retries, schedules."""

from __future__ import annotations

import json

import pytest
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations import services
from integrations.models import PendingRetry, SyncItem, SyncRun
from integrations.tasks import run_integration


@pytest.fixture
def org(make_organization):
    return make_organization(name="Campaign")


# --- the task -----------------------------------------------------------------------------------------


def test_the_task_syncs_an_enabled_integration_from_the_mobilize_sandbox(sandbox_world):
    run_id = run_integration(sandbox_world.mirror.pk)
    run = SyncRun.objects.get(pk=run_id)
    assert run.integration == sandbox_world.mirror
    assert run.trigger == SyncRun.Trigger.SCHEDULE, "the task's default trigger is the schedule"
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.fetched > 0 and run.created == run.fetched - run.skipped
    assert set(run.streams) == {
        "organization",
        "promoted_organizations",
        "events",
        "deleted_events",
        "attendances",
        "people",
    }


def test_the_task_passes_the_run_options_to_the_engine(memory, org, make_integration):
    integration = make_integration(org)
    run_id = run_integration.delay(
        integration_id=integration.pk, trigger=SyncRun.Trigger.MANUAL, dry_run=True, full_resync=True
    ).get()
    run = SyncRun.objects.get(pk=run_id)
    assert (run.trigger, run.dry_run, run.full_resync, run.retry_only) == ("manual", True, True, False)
    assert run.created == 5 and memory.writes == 0, "a dry run writes nothing"


def test_a_disabled_integration_is_skipped_by_the_schedule(memory, org, make_integration):
    integration = make_integration(org, enabled=False)
    assert run_integration(integration.pk, trigger=SyncRun.Trigger.SCHEDULE) is None
    assert not SyncRun.objects.exists()
    assert memory.writes == 0


@pytest.mark.parametrize("trigger", [SyncRun.Trigger.MANUAL, SyncRun.Trigger.API, SyncRun.Trigger.RETRY])
def test_a_disabled_integration_still_runs_when_someone_asks(memory, org, make_integration, trigger):
    integration = make_integration(org, enabled=False)
    run = SyncRun.objects.get(pk=run_integration(integration.pk, trigger=trigger))
    assert run.trigger == trigger and run.status == SyncRun.Status.SUCCEEDED
    assert memory.writes == 5


def test_the_task_returns_none_for_an_integration_that_no_longer_exists(memory, org, make_integration):
    integration = make_integration(org)
    missing = integration.pk
    integration.delete()
    assert run_integration(missing) is None
    assert run_integration(missing, trigger=SyncRun.Trigger.MANUAL) is None
    assert not SyncRun.objects.exists()


# --- trigger_sync ---------------------------------------------------------------------------------------


def test_trigger_sync_queues_the_task_only_when_the_transaction_commits(
    memory, org, make_integration, django_capture_on_commit_callbacks
):
    integration = make_integration(org)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.trigger_sync(integration, dry_run=True, full_resync=True)
        assert not SyncRun.objects.exists(), "nothing runs before the commit"
    assert len(callbacks) == 1 and not SyncRun.objects.exists()
    callbacks[0]()
    run = SyncRun.objects.get()
    assert (run.integration, run.trigger, run.dry_run, run.full_resync) == (integration, "manual", True, True)


def test_trigger_sync_inside_a_rolled_back_transaction_queues_nothing(
    memory, org, make_integration, django_capture_on_commit_callbacks
):
    integration = make_integration(org)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.trigger_sync(integration)
        raise RuntimeError("the request failed after asking for a sync")
    assert callbacks == []
    assert not SyncRun.objects.exists()


# --- retry_failed_items ---------------------------------------------------------------------------------


def test_retry_failed_items_retries_exactly_the_failed_items_of_that_run(
    memory, org, make_integration, django_capture_on_commit_callbacks
):
    integration = make_integration(org)
    memory.reject.update({"2", "3"})
    first = SyncRun.objects.get(pk=run_integration(integration.pk))
    assert first.status == SyncRun.Status.PARTIAL
    assert set(first.items.filter(action=SyncItem.Action.FAILED).values_list("source_id", flat=True)) == {"2", "3"}
    # A later run fails another person; that failure is not the first run's to retry.
    memory.reject.add("4")
    memory.put(4, modified=1_700_000_100)
    second = SyncRun.objects.get(pk=run_integration(integration.pk))
    assert set(second.items.filter(action=SyncItem.Action.FAILED).values_list("source_id", flat=True)) == {"4"}

    memory.reject.discard("2")  # someone fixed person 2 at the destination
    writes_before = memory.writes
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.retry_failed_items(first) == 2
    assert len(callbacks) == 1
    retry = SyncRun.objects.filter(trigger=SyncRun.Trigger.RETRY).get()
    assert retry.retry_only and retry.fetched == 2
    assert sorted(retry.items.values_list("source_id", "action")) == [("2", "created"), ("3", "failed")]
    assert memory.writes == writes_before + 1
    assert set(PendingRetry.objects.values_list("source_id", flat=True)) == {"3", "4"}
    assert PendingRetry.objects.get(source_id="4").attempts == 1, "the other run's failure was left alone"


def test_retry_failed_items_of_a_run_without_failures_queues_nothing(
    memory, org, make_integration, django_capture_on_commit_callbacks
):
    integration = make_integration(org)
    run = SyncRun.objects.get(pk=run_integration(integration.pk))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.retry_failed_items(run) == 0
    assert callbacks == [] and SyncRun.objects.count() == 1


# --- ensure_schedule --------------------------------------------------------------------------------------


def test_ensure_schedule_creates_one_periodic_task_that_runs_the_integration(memory, org, make_integration):
    integration = make_integration(org)
    task = services.ensure_schedule(integration)
    integration.refresh_from_db()
    assert integration.schedule == task
    assert task.task == "integrations.run_integration" == run_integration.name
    assert json.loads(task.kwargs) == {"integration_id": integration.pk, "trigger": "schedule"}
    assert json.loads(task.args or "[]") == []
    assert (task.interval.every, task.interval.period) == (15, IntervalSchedule.MINUTES)
    assert task.enabled
    # What beat will call: the task with exactly those kwargs.
    run = SyncRun.objects.get(pk=run_integration(*json.loads(task.args or "[]"), **json.loads(task.kwargs)))
    assert run.trigger == SyncRun.Trigger.SCHEDULE and run.status == SyncRun.Status.SUCCEEDED


def test_ensure_schedule_is_idempotent(org, make_integration):
    integration = make_integration(org)
    first = services.ensure_schedule(integration)
    again = services.ensure_schedule(integration)
    reloaded = services.ensure_schedule(type(integration).objects.get(pk=integration.pk))
    assert first.pk == again.pk == reloaded.pk
    assert PeriodicTask.objects.filter(task="integrations.run_integration").count() == 1
    assert IntervalSchedule.objects.filter(every=15, period=IntervalSchedule.MINUTES).count() == 1


def test_ensure_schedule_gives_each_integration_its_own_task_and_pauses_a_disabled_one(
    org, make_organization, make_integration
):
    same_name_elsewhere = make_integration(make_organization(name="Campaign"), name="Sync")
    integration = make_integration(org, name="Sync")
    disabled = make_integration(org, enabled=False)
    tasks = [services.ensure_schedule(i) for i in (integration, same_name_elsewhere, disabled)]
    assert len({task.pk for task in tasks}) == 3
    assert [json.loads(task.kwargs)["integration_id"] for task in tasks] == [
        integration.pk,
        same_name_elsewhere.pk,
        disabled.pk,
    ]
    assert [task.enabled for task in tasks] == [True, True, False]
    assert IntervalSchedule.objects.count() == 1, "the interval is shared"
