"""The per-integration lock: one holder at a time, held by heartbeat not by progress, dead holders detected.

Most tests run on both databases; the advisory-lock ones need PostgreSQL (CI's database).
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations.engine.lock import ADVISORY_NAMESPACE, IntegrationLock, LockLost, lock_state
from integrations.models import SyncLock
from tests.engine.lockhelpers import plant_dead_holder

needs_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the advisory lock exists on PostgreSQL only"
)


@pytest.fixture
def integration(make_organization, make_integration):
    return make_integration(make_organization())


def terminate_lock_session(integration_id: int) -> int:
    """What a cut connection or an operator's pg_terminate_backend does to the holder's session."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND granted",
            [ADVISORY_NAMESPACE, integration_id],
        )
        return len(cursor.fetchall())


def test_second_holder_is_refused_until_release(integration):
    first, second = IntegrationLock(integration.pk), IntegrationLock(integration.pk)
    assert first.acquire()
    try:
        assert not second.acquire()
        assert first.heartbeat()
        first.ensure_held()
    finally:
        first.release()
    assert second.acquire()
    try:
        assert not first.heartbeat(), "a released lock cannot be renewed by its old holder"
        with pytest.raises(LockLost):
            first.ensure_held()
    finally:
        second.release()
    assert not SyncLock.objects.filter(pk=integration.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_only_one_of_many_concurrent_acquirers_wins(integration):
    winners: list[IntegrationLock] = []
    barrier = threading.Barrier(6)

    def contend() -> None:
        lock = IntegrationLock(integration.pk)
        barrier.wait()
        try:
            if lock.acquire():
                winners.append(lock)
        finally:
            connection.close()

    threads = [threading.Thread(target=contend) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(winners) == 1
        assert SyncLock.objects.get(pk=integration.pk).holder == winners[0].holder
    finally:
        for lock in winners:
            lock.release()


@pytest.mark.django_db(transaction=True)
def test_the_lease_outlives_a_slow_request_because_a_heartbeat_renews_it(integration, settings):
    """The defect: a lease renewed only between records lapsed during one slow request."""
    settings.SYNC_LOCK_TTL_SECONDS = 1
    holder, rival = IntegrationLock(integration.pk), IntegrationLock(integration.pk)
    assert holder.acquire()
    try:
        time.sleep(2.5)  # one "request" lasting 2.5 leases, without any record progress
        assert not rival.acquire(), "a second run took the lock of a live one"
        holder.ensure_held()
        row = SyncLock.objects.get(pk=integration.pk)
        assert row.heartbeat_at > timezone.now() - timedelta(seconds=1)
    finally:
        holder.release()


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_advisory_lock_does_not_depend_on_djangos_connection(integration):
    holder = IntegrationLock(integration.pk)
    assert holder.acquire()
    try:
        connection.close()  # what a run's own code (or Django between requests) may do
        assert not IntegrationLock(integration.pk).acquire()
        holder.ensure_held()
    finally:
        holder.release()
    successor = IntegrationLock(integration.pk)
    assert successor.acquire(), "released means the database session ended"
    successor.release()


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_holder_whose_session_ends_stops_and_blocks_others_until_it_has(integration):
    holder = IntegrationLock(integration.pk)
    assert holder.acquire()
    try:
        assert terminate_lock_session(integration.pk) == 1
        with pytest.raises(LockLost, match="database session ended"):
            holder.ensure_held()
        # Its process lives (it may be finishing a request): nobody starts until it released.
        assert lock_state(integration.pk).state == "stopping"
        assert not IntegrationLock(integration.pk).acquire()
    finally:
        holder.release()
    successor = IntegrationLock(integration.pk)
    assert successor.acquire()
    successor.release()


def test_a_dead_holder_on_this_host_is_detected_and_taken_over_at_once(integration):
    row = plant_dead_holder(integration)
    assert lock_state(integration.pk).state == "dead"
    lock = IntegrationLock(integration.pk)
    assert lock.acquire(), "a dead holder must not block until its lease expires"
    try:
        assert lock.previous is not None and lock.previous.run_id == row.run_id
        assert SyncLock.objects.get(pk=integration.pk).holder == lock.holder
    finally:
        lock.release()


def test_a_silent_holder_on_another_host_is_dead_once_its_lease_lapses(integration):
    plant_dead_holder(integration, host="other-host")
    # Another host's process cannot be checked: a fresh heartbeat means it may be alive.
    assert lock_state(integration.pk).state in {"held", "stopping"}
    assert not IntegrationLock(integration.pk).acquire()
    SyncLock.objects.filter(pk=integration.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert lock_state(integration.pk).state == "dead"
    lock = IntegrationLock(integration.pk)
    assert lock.acquire()
    lock.release()


def test_lock_state_reads_free_and_held(integration):
    assert lock_state(integration.pk).state == "free"
    lock = IntegrationLock(integration.pk)
    assert lock.acquire()
    try:
        state = lock_state(integration.pk)
        assert state.state == "held" and state.holder == lock.holder
        assert "live run" in state.sentence
    finally:
        lock.release()
