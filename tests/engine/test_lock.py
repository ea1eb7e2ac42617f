"""The per-integration lock holds across threads and connections (so across processes too)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from integrations.engine.lock import IntegrationLock
from integrations.models import SyncLock


def test_second_holder_is_refused_until_release(make_organization, make_integration):
    integration = make_integration(make_organization())
    first, second = IntegrationLock(integration.pk), IntegrationLock(integration.pk)
    assert first.acquire()
    assert not second.acquire()
    assert first.heartbeat()
    first.release()
    assert second.acquire()
    assert not first.heartbeat(), "a released lease cannot be renewed by its old holder"


@pytest.mark.django_db(transaction=True)
def test_only_one_of_many_concurrent_acquirers_wins(make_organization, make_integration):
    integration = make_integration(make_organization())
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def contend() -> None:
        lock = IntegrationLock(integration.pk)
        barrier.wait()
        try:
            if lock.acquire():
                winners.append(lock.holder)
        finally:
            connection.close()

    threads = [threading.Thread(target=contend) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert SyncLock.objects.get(pk=integration.pk).holder == winners[0]
