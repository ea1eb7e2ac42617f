"""Celery tasks: thin shells that look the integration up and call the engine.

Runs are acknowledged when they start (not when they end): a worker killed mid-run does not get
its run redelivered by the broker an hour later as a surprise. The beat task
`recover_interrupted_runs` finds such a run within a minute (its lock holder is dead), marks it
interrupted and queues exactly one recovery run (README, "Locks and crashed runs").
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import beat_init

from integrations.engine import RunOptions, run_sync
from integrations.models import Integration, SyncRun


@shared_task(name="integrations.run_integration", acks_late=False, ignore_result=True)
def run_integration(
    integration_id: int,
    trigger: str = SyncRun.Trigger.SCHEDULE,
    dry_run: bool = False,
    full_resync: bool = False,
    retry_only: bool = False,
    retry_keys: list[list[str]] | None = None,
    stream_names: list[str] | None = None,
) -> int | None:
    """Run one integration once; returns the SyncRun id (None when a disabled one is scheduled).

    `stream_names` runs only those streams of the flow (e.g. one direction of a two-way sync,
    each on its own schedule); None runs them all.
    """
    integration = Integration.objects.select_related("organization").filter(pk=integration_id).first()
    if integration is None or (trigger == SyncRun.Trigger.SCHEDULE and not integration.enabled):
        return None
    options = RunOptions(
        trigger=trigger,
        dry_run=dry_run,
        full_resync=full_resync,
        retry_only=retry_only,
        retry_keys={tuple(key) for key in retry_keys} if retry_keys is not None else None,
        stream_names=list(stream_names) if stream_names else None,
    )
    run = run_sync(integration, options)
    return run.pk if run is not None else None


@shared_task(name="integrations.recover_interrupted_runs", acks_late=False, ignore_result=True)
def recover_interrupted_runs() -> dict[int, list[int]]:
    """Every minute (beat): free dead holders' locks, mark their runs interrupted, queue one recovery run each."""
    from integrations.engine.recovery import recover_interrupted_runs as recover

    return {pk: result.interrupted for pk, result in recover().items()}


# --- The Mobilize mirror -----------------------------------------------------------------------
@shared_task(name="integrations.mirror_tick", ignore_result=True)
def mirror_tick() -> list[int]:
    """Beat, every MIRROR_REFRESH_SECONDS: queue a refresh of each organization's mirror that is due."""
    from integrations import services

    return services.mirror_tick()


@shared_task(name="integrations.refresh_mirror", acks_late=False, ignore_result=True)
def refresh_mirror(integration_id: int, full: bool = False) -> int | None:
    """Refresh one organization's mirror; returns the SyncRun id."""
    from integrations import services

    integration = Integration.objects.select_related("organization").filter(pk=integration_id).first()
    if integration is None:
        return None
    return services.refresh_mirror(integration, full=full).pk


@shared_task(
    name="integrations.run_after_mirror_change", bind=True, acks_late=False, ignore_result=True, max_retries=None
)
def run_after_mirror_change(self, integration_id: int) -> int | None:
    """Run an integration because the mirror changed; wait (retry) while a run of it is still going."""
    from integrations import services

    integration = Integration.objects.select_related("organization").filter(pk=integration_id).first()
    if integration is None:
        return None
    run = services.run_after_mirror_change(integration)
    if run is None and not self.request.is_eager:
        raise self.retry(countdown=5)
    return run.pk if run else None


@shared_task(name="integrations.purge_mirror", ignore_result=True)
def purge_mirror() -> int:
    """Beat, daily: remove mirror records past MIRROR_RETENTION_DAYS."""
    from integrations import services

    return services.purge_mirror().total


@beat_init.connect
def _ensure_mirror_schedules(sender=None, **kwargs) -> None:
    """When beat starts, make sure the mirror's two beat tasks exist (editable in the admin)."""
    from integrations import services

    services.ensure_mirror_schedules()


# --- Ascend nudges -----------------------------------------------------------------------------
@shared_task(name="integrations.send_due_nudges", acks_late=False, ignore_result=True)
def send_due_nudges() -> int:
    """Beat, every minute: send the "link clicked, no form submission" nudges that are due."""
    from integrations import nudges

    return nudges.send_due_nudges()


@beat_init.connect
def _ensure_nudge_schedule(sender=None, **kwargs) -> None:
    """When beat starts, make sure the nudges' beat task exists (editable in the admin)."""
    from integrations import nudges

    nudges.ensure_nudge_schedule()


# --- Clicks on short links -------------------------------------------------------------------
@shared_task(name="integrations.drain_clicks", acks_late=False, ignore_result=True)
def drain_clicks() -> int:
    """Beat, every CLICK_DRAIN_SECONDS: write the clicks the redirect queued in Redis as Click rows."""
    from integrations import clicks

    # Bounded, so that a backlog (the worker was down) is written over several runs and never holds a
    # worker slot for long; readers that must be exact drain the rest themselves.
    return clicks.drain(max_batches=clicks.BEAT_MAX_BATCHES)


@beat_init.connect
def _ensure_click_drain_schedule(sender=None, **kwargs) -> None:
    """When beat starts with a click queue configured, make sure its drain task exists (editable in the admin)."""
    from integrations import clicks

    clicks.ensure_drain_schedule()
