"""Runs and the lock: a run that loses its lock stops before writing; crashed runs are marked and recovered."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from integrations.engine import RunOptions, run_sync
from integrations.engine.lock import IntegrationLock
from integrations.engine.recovery import INTERRUPTED_MESSAGE, recover_interrupted_runs
from integrations.models import RecordLink, SyncLock, SyncRun, Watermark
from mobilize_sync.celery import app as celery_app
from tests.engine.lockhelpers import plant_dead_holder
from tests.engine.test_lock import terminate_lock_session
from tests.engine.test_runner import World, sync
from tests.engine.test_runner import world as world


def lose_the_lock(integration) -> None:
    """Take the lock away from the run in the middle of it, the way it happens on each database."""
    if connection.vendor == "postgresql":
        assert terminate_lock_session(integration.pk) == 1
    else:
        SyncLock.objects.filter(pk=integration.pk).update(holder="other-host:1:cafe0000")


def test_a_run_that_loses_its_lock_stops_before_its_next_write(world: World):
    original = world.destination.create

    def create_then_lose_lock(payload):
        row_id = original(payload)
        if world.destination.creates == 2:
            lose_the_lock(world.integration)
        return row_id

    world.destination.create = create_then_lose_lock
    run = sync(world)
    assert world.destination.creates == 2, "no write after the lock was lost"
    assert run.status == SyncRun.Status.INTERRUPTED
    assert run.message.startswith("Stopped before its next write: this run lost its lock")
    assert run.created == 2
    # The write in flight when the lock went is recorded: the ledger tells the truth.
    assert RecordLink.objects.filter(integration=world.integration).count() == 2
    assert not Watermark.objects.filter(integration=world.integration).exists(), "the stream did not finish"


def test_a_trigger_while_a_live_run_holds_the_lock_is_skipped_and_logged(world: World, caplog):
    live = IntegrationLock(world.integration.pk)
    assert live.acquire()
    holding = SyncRun.objects.create(integration=world.integration)
    live.attach_run(holding.pk)
    try:
        with caplog.at_level(logging.INFO, logger="integrations.engine"):
            skipped = sync(world)
    finally:
        live.release()
    assert skipped.status == SyncRun.Status.SKIPPED
    assert f"run #{holding.pk}" in skipped.message
    assert skipped.finished_at >= skipped.started_at
    assert any(
        "skipped" in record.message and live.holder in record.message and str(world.integration.pk) in record.message
        for record in caplog.records
    )
    holding.refresh_from_db()
    assert holding.status == SyncRun.Status.RUNNING, "a live run is never marked interrupted"


def test_the_next_run_marks_a_dead_holders_run_interrupted_saying_only_what_is_known(world: World):
    dead = plant_dead_holder(world.integration)
    run = sync(world)
    assert run.status == SyncRun.Status.SUCCEEDED
    crashed = SyncRun.objects.get(pk=dead.run_id)
    assert crashed.status == SyncRun.Status.INTERRUPTED
    assert crashed.message == INTERRUPTED_MESSAGE
    assert "lost or duplicated" not in crashed.message
    assert (crashed.fetched, crashed.created) == (7, 3), "its counts stay as they were saved"
    assert crashed.finished_at is not None and crashed.finished_at >= crashed.started_at


def test_the_beat_task_recovers_a_dead_holder_once(world: World, django_capture_on_commit_callbacks):
    dead = plant_dead_holder(world.integration)
    with django_capture_on_commit_callbacks() as queued:
        done = recover_interrupted_runs()
    assert done[world.integration.pk].interrupted == [dead.run_id]
    assert len(queued) == 1, "exactly one recovery run is queued"
    assert not SyncLock.objects.filter(pk=world.integration.pk).exists(), "the dead holder's lock is freed"
    assert SyncRun.objects.get(pk=dead.run_id).status == SyncRun.Status.INTERRUPTED
    with django_capture_on_commit_callbacks() as again:
        assert recover_interrupted_runs() == {}
    assert again == [], "a second sweep queues nothing"
    queued[0]()  # the queued task (eager under test)
    recovery = SyncRun.objects.filter(integration=world.integration).latest("pk")
    assert (recovery.trigger, recovery.status, recovery.created) == ("recovery", "succeeded", 5)


def test_the_beat_task_leaves_a_live_run_alone(world: World, django_capture_on_commit_callbacks):
    live = IntegrationLock(world.integration.pk)
    assert live.acquire()
    holding = SyncRun.objects.create(integration=world.integration)
    live.attach_run(holding.pk)
    try:
        with django_capture_on_commit_callbacks() as queued:
            assert recover_interrupted_runs() == {}
    finally:
        live.release()
    assert queued == []
    holding.refresh_from_db()
    assert holding.status == SyncRun.Status.RUNNING


def test_runs_are_acked_on_start_without_prefetch_and_recovered_every_minute():
    task = celery_app.tasks["integrations.run_integration"]
    assert task.acks_late is False, "a killed run must not come back by the broker's visibility timeout"
    assert celery_app.conf.worker_disable_prefetch is True
    schedule = {entry["task"]: entry["schedule"] for entry in celery_app.conf.beat_schedule.values()}
    assert schedule["integrations.recover_interrupted_runs"] <= 60


@pytest.mark.parametrize("trigger", [SyncRun.Trigger.SCHEDULE, SyncRun.Trigger.RECOVERY])
def test_a_skipped_run_never_finishes_before_it_starts(world: World, trigger):
    live = IntegrationLock(world.integration.pk)
    assert live.acquire()
    try:
        skipped = run_sync(world.integration, RunOptions(trigger=trigger))
    finally:
        live.release()
    skipped.refresh_from_db()
    assert skipped.status == SyncRun.Status.SKIPPED
    assert skipped.finished_at >= skipped.started_at
