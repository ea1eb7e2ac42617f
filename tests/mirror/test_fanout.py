"""Fan-out: a refresh that changed the mirror queues each enabled integration of the organization once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import services
from integrations.engine.lock import IntegrationLock
from integrations.mirror import fanout
from integrations.models import IntegrationKind, MirrorFanOut, SyncRun

pytestmark = pytest.mark.django_db(transaction=True)


def mirror_runs(integration) -> int:
    return SyncRun.objects.filter(integration=integration, trigger=SyncRun.Trigger.MIRROR).count()


@pytest.fixture
def targets_in_memory(monkeypatch):
    """Distributed-send integrations (no settings) run the in-memory flow: the fan-out's targets, no ActionKit."""
    from integrations.flows import registry
    from tests.integrations import _memory

    _memory.install(monkeypatch)
    monkeypatch.setitem(registry.FLOWS, IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, _memory.MemoryFlow)


def test_a_change_runs_each_enabled_integration_once_and_an_idle_refresh_none(
    mirror_world, make_integration, make_organization, targets_in_memory
):
    org = mirror_world.organization
    kind = IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND
    first = make_integration(org, kind=kind, name="Send A")
    second = make_integration(org, kind=kind, name="Send B")
    disabled = make_integration(org, kind=kind, name="Off", enabled=False)
    elsewhere = make_integration(make_organization(), kind=kind, name="Other org")
    not_mobilize = make_integration(org, name="Reads no Mobilize")  # the tests' own kind

    mirror_world.refresh()
    assert [mirror_runs(i) for i in (first, second, disabled, elsewhere, not_mobilize)] == [1, 1, 0, 0, 0]
    assert mirror_runs(mirror_world.mirror) == 0, "the mirror does not fan out to itself"
    assert SyncRun.objects.get(integration=first, trigger=SyncRun.Trigger.MIRROR).status == SyncRun.Status.SUCCEEDED
    assert not MirrorFanOut.objects.exists(), "markers are cleared when the runs start"

    mirror_world.refresh()  # nothing changed in Mobilize
    assert [mirror_runs(i) for i in (first, second)] == [1, 1]

    mirror_world.world.touch(mirror_world.world.events["virtual"])["title"] = "Renamed"
    mirror_world.load()
    mirror_world.refresh()
    assert [mirror_runs(i) for i in (first, second, disabled)] == [2, 2, 0]


def test_an_integration_already_queued_is_not_queued_again_until_its_marker_goes_stale(
    db, make_organization, make_integration, settings, monkeypatch
):
    enqueued: list[int] = []
    monkeypatch.setattr(fanout, "_enqueue", lambda integration_id, countdown=None: enqueued.append(integration_id))
    org = make_organization()
    one = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    two = make_integration(org, kind=IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, name="DS")
    assert fanout.fan_out(org) == [one.pk, two.pk]
    assert fanout.fan_out(org) == [], "both still queued"
    MirrorFanOut.objects.filter(integration=one).update(
        queued_at=timezone.now() - timedelta(seconds=settings.MIRROR_FAN_OUT_TTL_SECONDS + 1)
    )
    assert fanout.fan_out(org) == [one.pk], "a marker older than its TTL belongs to a lost task"
    assert enqueued == [one.pk, two.pk, one.pk]


def test_a_run_queued_while_the_integration_is_busy_waits_instead_of_being_skipped(
    db, make_organization, make_integration, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    org = make_organization()
    integration = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    assert fanout.mark_queued(integration.pk)
    lock = IntegrationLock(integration.pk)
    assert lock.acquire()
    assert services.run_after_mirror_change(integration) is None
    assert MirrorFanOut.objects.filter(integration=integration).exists(), "still queued: the task retries"
    assert not SyncRun.objects.filter(integration=integration).exists(), "no skipped run recorded"
    lock.release()
