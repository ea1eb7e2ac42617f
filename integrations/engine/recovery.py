"""Crashed runs: mark them interrupted, free a dead holder's lock, queue one recovery run.

A run whose worker died stays "running" in the database. Whoever next holds the integration's
lock knows it is dead (runs are created only under the lock) and marks it interrupted with only
what is known. The beat task `integrations.recover_interrupted_runs` does this every minute for
integrations whose lock holder is dead, and queues exactly one recovery run for each.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils import timezone

from integrations.models import Integration, SyncLock, SyncRun

from .lock import IntegrationLock, PreviousHolder

logger = logging.getLogger("integrations.engine")

INTERRUPTED_MESSAGE = (
    "Interrupted: the worker stopped before this run finished; the next run resumes from the last finished "
    "stream. The counts are those saved before it stopped."
)


def mark_interrupted(
    integration: Integration,
    previous: PreviousHolder | None = None,
    *,
    exclude_run_id: int | None = None,
    note: str = "",
) -> list[int]:
    """Mark the integration's runs still "running" as interrupted; call only while holding its lock.

    The dead holder's run is stamped finished at its last heartbeat (its last sign of life).
    Returns the ids of the runs marked.
    """
    running = SyncRun.objects.filter(integration=integration, status=SyncRun.Status.RUNNING)
    if exclude_run_id is not None:
        running = running.exclude(pk=exclude_run_id)
    ids = list(running.values_list("pk", flat=True))
    if not ids:
        return []
    message = f"{INTERRUPTED_MESSAGE} {note}".strip()
    now = timezone.now()
    last_seen = previous.heartbeat_at if previous is not None and previous.heartbeat_at else None
    if previous is not None and previous.run_id in ids and last_seen is not None:
        SyncRun.objects.filter(pk=previous.run_id, status=SyncRun.Status.RUNNING).update(
            status=SyncRun.Status.INTERRUPTED, finished_at=max(last_seen, _started(previous.run_id)), message=message
        )
    SyncRun.objects.filter(pk__in=ids, status=SyncRun.Status.RUNNING).update(
        status=SyncRun.Status.INTERRUPTED, finished_at=now, message=message
    )
    logger.warning("integration %s: runs %s marked interrupted (holder %s)", integration.pk, ids, previous)
    return ids


def _started(run_id: int):
    return SyncRun.objects.filter(pk=run_id).values_list("started_at", flat=True).first() or timezone.now()


@dataclass
class Recovery:
    """What `recover_dead_lock` did for one integration."""

    freed: bool
    interrupted: list[int]
    recovery_queued: bool = False


def recover_dead_lock(integration: Integration, *, queue_recovery: bool = True, note: str = "") -> Recovery:
    """Free the integration's lock if its holder is dead, mark its runs interrupted, queue one recovery run.

    Does nothing while a live run holds the lock (that run is never disturbed). Taking the lock is
    what makes it exactly once: of two callers, one takes it; the other sees it held, or free with
    nothing left "running".
    """
    lock = IntegrationLock(integration.pk)
    if not lock.acquire():
        return Recovery(freed=False, interrupted=[])
    try:
        interrupted = mark_interrupted(integration, lock.previous, note=note)
    finally:
        lock.release()
    freed = lock.previous is not None
    queued = False
    if interrupted and queue_recovery and integration.enabled:
        queued = _queue_recovery(integration, interrupted)
    return Recovery(freed=freed, interrupted=interrupted, recovery_queued=queued)


def _queue_recovery(integration: Integration, interrupted: list[int]) -> bool:
    from integrations.services import trigger_sync

    runs = SyncRun.objects.filter(pk__in=interrupted)
    # A dry run wrote nothing: there is nothing to finish. A full resync is resumed as one.
    if not runs.filter(dry_run=False).exists():
        return False
    trigger_sync(
        integration,
        trigger=SyncRun.Trigger.RECOVERY,
        full_resync=runs.filter(dry_run=False, full_resync=True).exists(),
    )
    logger.info("integration %s: recovery run queued after interrupted runs %s", integration.pk, interrupted)
    return True


def recover_interrupted_runs() -> dict[int, Recovery]:
    """For every integration with a run "running" or a lock row, recover it if its holder is dead."""
    candidates = set(SyncRun.objects.filter(status=SyncRun.Status.RUNNING).values_list("integration_id", flat=True))
    candidates |= set(SyncLock.objects.values_list("integration_id", flat=True))
    done: dict[int, Recovery] = {}
    for integration in Integration.objects.filter(pk__in=candidates).select_related("organization"):
        result = recover_dead_lock(integration)
        if result.freed or result.interrupted:
            done[integration.pk] = result
    return done


def release_stale_lock(integration: Integration, *, released_by: str) -> Recovery | None:
    """An organization admin's "Release": free the lock of a dead holder; None (refused) while one lives.

    A live holder is never disturbed: two runs must never write at once. On PostgreSQL deleting
    the row could not free a live session's advisory lock anyway; this refuses before trying.
    """
    result = recover_dead_lock(integration, note=f"The lock was released by {released_by} from the integration page.")
    if not result.freed and not result.interrupted and SyncLock.objects.filter(integration=integration).exists():
        return None
    return result
