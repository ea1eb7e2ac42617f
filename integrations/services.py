"""Operations on integrations that admin actions, commands, tasks and the API call.

Each is a few lines over the engine or the flow; callers stay thin.
"""

from __future__ import annotations

import json

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.models import Integration, SyncItem, SyncRun

RUN_TASK_NAME = "integrations.run_integration"
DEFAULT_SCHEDULE_MINUTES = 15


def trigger_sync(
    integration: Integration,
    *,
    trigger: str = SyncRun.Trigger.MANUAL,
    dry_run: bool = False,
    full_resync: bool = False,
    retry_only: bool = False,
    retry_keys: list[tuple[str, str]] | None = None,
) -> None:
    """Queue a run on a Celery worker (runs at once in eager mode, the embedded default)."""
    from integrations.tasks import run_integration

    kwargs = {
        "integration_id": integration.pk,
        "trigger": trigger,
        "dry_run": dry_run,
        "full_resync": full_resync,
        "retry_only": retry_only,
        "retry_keys": [list(key) for key in retry_keys] if retry_keys is not None else None,
    }
    transaction.on_commit(lambda: run_integration.delay(**kwargs))


def retry_failed_items(run: SyncRun) -> int:
    """Queue a retry of the failed items of one run; returns how many are retried."""
    keys = sorted(set(run.items.filter(action=SyncItem.Action.FAILED).values_list("stream", "source_id")))
    if keys:
        trigger_sync(run.integration, trigger=SyncRun.Trigger.RETRY, retry_only=True, retry_keys=keys)
    return len(keys)


def test_connection(integration: Integration) -> list[str]:
    """Check the integration's credentials and settings; sentences of what was checked.

    Raises ConnectorError or ValueError with a readable message when something is wrong.
    """
    from integrations.flows.registry import get_flow

    return get_flow(integration).test_connection()


def ensure_schedule(integration: Integration, every_minutes: int = DEFAULT_SCHEDULE_MINUTES) -> PeriodicTask:
    """Give an integration a Celery beat schedule (editable later in the admin) if it has none."""
    if integration.schedule_id:
        return integration.schedule
    interval, _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period=IntervalSchedule.MINUTES)
    task = PeriodicTask.objects.create(
        name=f"Sync integration {integration.pk}: {integration.organization.name} / {integration.name}"[:200],
        task=RUN_TASK_NAME,
        interval=interval,
        kwargs=json.dumps({"integration_id": integration.pk, "trigger": SyncRun.Trigger.SCHEDULE}),
        enabled=integration.enabled,
    )
    integration.schedule = task
    integration.save(update_fields=["schedule", "updated_at"])
    return task
