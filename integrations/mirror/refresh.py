"""When each organization's mirror refreshes: the beat tick, back-off, fairness, and the explicit re-read.

One beat task (every MIRROR_REFRESH_SECONDS) queues a refresh of each organization that is due:

- Back-off: an organization refreshes every MIRROR_REFRESH_SECONDS while it changes; once it has
  been quiet, its interval is a tenth of the time since its last change, between
  MIRROR_REFRESH_SECONDS and MIRROR_IDLE_MAX_SECONDS (quiet 5 min -> 30 s, 20 min -> 2 min,
  50 min or more -> 5 min). Any change brings it back to every MIRROR_REFRESH_SECONDS.
- Fairness: a refresh reads for at most MIRROR_REFRESH_SLICE_SECONDS (at least one page per
  stream), then saves its page cursors and stops; the organization stays due and continues on
  the next tick. The tick queues organizations with nothing left over first and backfills last,
  so with one worker every quiet organization is read before a backfill takes its slice, and with
  several workers a backfill holds at most one worker's share of the rate limit per tick.
- Debounce: a refresh is not queued again while one is queued (MirrorState.refresh_queued_at)
  or running (the engine's lock).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import Integration, IntegrationKind, MirrorState, Organization, SyncRun

from . import fanout, store

logger = logging.getLogger("integrations.mirror")

MIRROR_NAME = "Mobilize mirror"


def refresh_interval(quiet_seconds: float, base: float | None = None, most: float | None = None) -> float:
    """Seconds between refreshes of an organization quiet for `quiet_seconds`."""
    base = settings.MIRROR_REFRESH_SECONDS if base is None else base
    most = settings.MIRROR_IDLE_MAX_SECONDS if most is None else most
    return max(base, min(most, quiet_seconds / 10))


def is_due(state: MirrorState, now: datetime | None = None) -> bool:
    """Whether an organization's mirror should be refreshed at this tick."""
    now = now or timezone.now()
    if state.more_to_read or state.last_refresh_at is None:
        return True
    quiet_since = state.last_change_at or state.last_refresh_at
    interval = refresh_interval((now - quiet_since).total_seconds())
    # Half a tick of slack: a refresh 29.9 s ago is due at a 30 s tick.
    return (now - state.last_refresh_at).total_seconds() + settings.MIRROR_REFRESH_SECONDS / 2 >= interval


def mirror_integration(organization: Organization) -> Integration | None:
    return Integration.objects.filter(organization=organization, kind=IntegrationKind.MOBILIZE_MIRROR).first()


def ensure_mirror_integration(organization: Organization) -> Integration:
    """The organization's mirror integration, made if it has none (one per organization)."""
    existing = mirror_integration(organization)
    if existing is not None:
        return existing
    name, number = MIRROR_NAME, 1
    while Integration.objects.filter(organization=organization, name=name).exists():
        number += 1
        name = f"{MIRROR_NAME} ({number})"
    integration = Integration.objects.create(organization=organization, kind=IntegrationKind.MOBILIZE_MIRROR, name=name)
    store.state_for(organization)
    return integration


def has_mobilize_integrations(organization_id: int) -> bool:
    """Whether any integration of the organization reads Mobilize (and so needs the mirror)."""
    return Integration.objects.filter(
        organization_id=organization_id, kind__in=IntegrationKind.mobilize_source_kinds()
    ).exists()


def tick(now: datetime | None = None) -> list[int]:
    """Queue a refresh of every due mirror (quiet ones first, backfills last); returns the integration ids."""
    now = now or timezone.now()
    with_mirror = Integration.objects.filter(kind=IntegrationKind.MOBILIZE_MIRROR).values("organization_id")
    for organization in Organization.objects.exclude(pk__in=with_mirror):
        if organization.has_api_key:  # encrypted at rest: decided in Python
            ensure_mirror_integration(organization)
    stale = now - timedelta(seconds=max(settings.MIRROR_REFRESH_SLICE_SECONDS * 4, 300))
    due: list[tuple[bool, int, int]] = []
    for integration in Integration.objects.filter(kind=IntegrationKind.MOBILIZE_MIRROR, enabled=True):
        state = store.state_for(integration.organization_id)
        if state.refresh_queued_at is not None and state.refresh_queued_at > stale:
            continue
        if fanout.is_busy(integration.pk) or not is_due(state, now):
            continue
        due.append((state.more_to_read, integration.pk, integration.organization_id))
    queued = []
    for _, integration_id, organization_id in sorted(due):
        MirrorState.objects.filter(organization_id=organization_id).update(refresh_queued_at=now)
        queued.append(integration_id)
        _enqueue_refresh(integration_id)
    return queued


def _enqueue_refresh(integration_id: int) -> None:
    from integrations.tasks import refresh_mirror

    transaction.on_commit(lambda: refresh_mirror.delay(integration_id))


def refresh(integration: Integration, *, trigger: str = SyncRun.Trigger.SCHEDULE, full: bool = False) -> SyncRun:
    """Run one refresh now (the engine's lock keeps refreshes of one organization apart)."""
    from integrations.engine import RunOptions, run_sync

    MirrorState.objects.filter(organization_id=integration.organization_id).update(refresh_queued_at=None)
    run = run_sync(integration, RunOptions(trigger=trigger, full_resync=full))
    forget_idle_runs(run)
    return run


def refresh_until_caught_up(
    organization: Organization,
    *,
    trigger: str = SyncRun.Trigger.COMMAND,
    max_rounds: int = 1000,
    fan_out: bool = True,
) -> list[SyncRun]:
    """Refresh an organization's mirror until it has read every page Mobilize has (demo, tests, commands).

    The beat tick does the same over several ticks, one time slice at a time; this is for a
    person (or a script) who wants the mirror current now. `fan_out=False` queues none of the
    organization's integrations (the caller runs them itself).
    """
    integration = ensure_mirror_integration(organization)
    runs: list[SyncRun] = []
    for _ in range(max_rounds):
        if fan_out:
            run = refresh(integration, trigger=trigger)
        else:
            with fanout.suppressed():
                run = refresh(integration, trigger=trigger)
        runs.append(run)
        state = store.state_for(organization)
        if run.status in (SyncRun.Status.FAILED, SyncRun.Status.SKIPPED) or not state.more_to_read:
            break
    return runs


def forget_idle_runs(run: SyncRun) -> int:
    """A refresh that found nothing replaces the idle runs before it (the mirror polls every 30 s)."""
    if not _idle(run):
        return 0
    earlier = SyncRun.objects.filter(
        integration_id=run.integration_id,
        pk__lt=run.pk,
        status=SyncRun.Status.SUCCEEDED,
        created=0,
        updated=0,
        failed=0,
        skipped=0,
        dry_run=False,
    )
    deleted, _ = earlier.filter(items__isnull=True).delete()
    return deleted


def _idle(run: SyncRun) -> bool:
    return (
        run.status == SyncRun.Status.SUCCEEDED
        and not run.dry_run
        and run.created == run.updated == run.failed == run.skipped == 0
    )
