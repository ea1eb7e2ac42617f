"""Celery tasks: thin shells that look the integration up and call the engine.

Runs are acknowledged when they start (not when they end): a worker killed mid-run does not get
its run redelivered by the broker an hour later as a surprise. The beat task
`recover_interrupted_runs` finds such a run within a minute (its lock holder is dead), marks it
interrupted and queues exactly one recovery run (README, "Locks and crashed runs").
"""

from __future__ import annotations

from celery import shared_task

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
) -> int | None:
    """Run one integration once; returns the SyncRun id (None when a disabled one is scheduled)."""
    integration = Integration.objects.select_related("organization").filter(pk=integration_id).first()
    if integration is None or (trigger == SyncRun.Trigger.SCHEDULE and not integration.enabled):
        return None
    options = RunOptions(
        trigger=trigger,
        dry_run=dry_run,
        full_resync=full_resync,
        retry_only=retry_only,
        retry_keys={tuple(key) for key in retry_keys} if retry_keys is not None else None,
    )
    run = run_sync(integration, options)
    return run.pk if run is not None else None


@shared_task(name="integrations.recover_interrupted_runs", acks_late=False, ignore_result=True)
def recover_interrupted_runs() -> dict[int, list[int]]:
    """Every minute (beat): free dead holders' locks, mark their runs interrupted, queue one recovery run each."""
    from integrations.engine.recovery import recover_interrupted_runs as recover

    return {pk: result.interrupted for pk, result in recover().items()}
