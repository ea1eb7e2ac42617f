"""Celery tasks: thin shells that look the integration up and call the engine."""

from __future__ import annotations

from celery import shared_task

from integrations.engine import RunOptions, run_sync
from integrations.models import Integration, SyncRun


@shared_task(name="integrations.run_integration", acks_late=True, ignore_result=True)
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
