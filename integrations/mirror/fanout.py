"""Fan-out: when a refresh changed the mirror, queue a run of each of the organization's integrations.

Debounced by a MirrorFanOut row per integration, present from the fan-out until the run
starts: while it is there (and younger than MIRROR_FAN_OUT_TTL_SECONDS, in case a worker lost
the task) the integration is not queued again, since the queued run will read every change up
to its start anyway. A run whose integration is still busy waits for it (the task retries
later) instead of being skipped: a change that arrived during a run must reach a later run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import Integration, IntegrationKind, MirrorFanOut, Organization, SyncLock

logger = logging.getLogger("integrations.mirror")

FAN_OUT_TASK = "integrations.run_after_mirror_change"


_suppressed: ContextVar[bool] = ContextVar("mirror_fan_out_suppressed", default=False)


@contextmanager
def suppressed() -> Iterator[None]:
    """Refresh without fanning out (a script or test that runs the integrations itself)."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def fan_out(organization: Organization, *, exclude: int | None = None) -> list[int]:
    """Queue one run of every enabled Mobilize-source integration not already queued; returns their ids."""
    if _suppressed.get():
        return []
    integrations = Integration.objects.filter(
        organization=organization, enabled=True, follows_mirror=True, kind__in=IntegrationKind.mobilize_source_kinds()
    ).exclude(pk=exclude)
    queued = []
    for integration in integrations.order_by("pk"):
        if mark_queued(integration.pk):
            queued.append(integration.pk)
            _enqueue(integration.pk)
    return queued


def mark_queued(integration_id: int) -> bool:
    """Set the integration's queued marker; False if a live one is already there."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.MIRROR_FAN_OUT_TTL_SECONDS)
    if MirrorFanOut.objects.filter(integration_id=integration_id, queued_at__lt=stale).update(queued_at=now):
        return True
    try:
        with transaction.atomic():
            MirrorFanOut.objects.create(integration_id=integration_id, queued_at=now)
    except IntegrityError:
        return False
    return True


def clear_queued(integration_id: int) -> None:
    """The run is starting: later changes may queue another one."""
    MirrorFanOut.objects.filter(integration_id=integration_id).delete()


def is_busy(integration_id: int) -> bool:
    """Whether a live run of the integration holds its lock."""
    return SyncLock.objects.filter(integration_id=integration_id, expires_at__gt=timezone.now()).exists()


def _enqueue(integration_id: int, countdown: float | None = None) -> None:
    from integrations.tasks import run_after_mirror_change

    options = {"countdown": countdown} if countdown else {}
    transaction.on_commit(lambda: run_after_mirror_change.apply_async((integration_id,), **options))
