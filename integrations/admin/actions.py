"""What the admin's run buttons and actions do: call a service, then say what happened, with links."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from integrations import services
from integrations.connectors.errors import ConnectorError
from integrations.models import Integration, SyncRun

# action -> (label, trigger_sync keyword arguments)
RUN_ACTIONS: dict[str, tuple[str, dict[str, bool]]] = {
    "sync": ("Sync now", {}),
    "dry_run": ("Dry run", {"dry_run": True}),
    "full_resync": ("Full resync", {"full_resync": True}),
}


def run_url_for(run_id: int) -> str:
    return reverse("admin:integrations_syncrun_change", args=[run_id])


def run_url(run: SyncRun) -> str:
    return run_url_for(run.pk)


def runs_url(integration: Integration) -> str:
    return reverse("admin:integrations_syncrun_changelist") + f"?integration={integration.pk}"


def describe_run(run: SyncRun) -> str:
    counts = ", ".join(f"{name} {getattr(run, name)}" for name in SyncRun.COUNTERS)
    return f"run #{run.pk} {run.get_status_display().lower()} ({counts})"


def report_started_runs(request: HttpRequest, integration: Integration, label: str, newer_than: int) -> None:
    """Tell the user about the run(s) a trigger started, or that it is queued on a worker."""
    runs = list(SyncRun.objects.filter(integration=integration, pk__gt=newer_than).order_by("pk"))
    if not runs:
        messages.info(
            request,
            format_html(
                '{}: {} is queued on a worker. <a href="{}">Its runs</a> show it when it starts.',
                label,
                integration.name,
                runs_url(integration),
            ),
        )
        return
    for run in runs:
        level = {
            SyncRun.Status.SUCCEEDED: messages.SUCCESS,
            SyncRun.Status.RUNNING: messages.INFO,
            SyncRun.Status.PARTIAL: messages.WARNING,
        }.get(run.status, messages.ERROR)
        first_line = (run.message or "").splitlines()[0] if run.message else ""
        messages.add_message(
            request,
            level,
            format_html(
                '{}: {} {}{} <a href="{}">View the run</a>.',
                label,
                integration.name,
                describe_run(run),
                f". {first_line}" if first_line else ".",
                run_url(run),
            ),
        )


def latest_run_id(integration: Integration) -> int:
    return SyncRun.objects.filter(integration=integration).order_by("-pk").values_list("pk", flat=True).first() or 0


def start_run(request: HttpRequest, integration: Integration, action: str) -> None:
    """Sync now, Dry run or Full resync one integration, and report the outcome."""
    label, options = RUN_ACTIONS[action]
    before = latest_run_id(integration)
    services.trigger_sync(integration, trigger=SyncRun.Trigger.MANUAL, **options)
    report_started_runs(request, integration, label, before)


def check_connection(request: HttpRequest, integration: Integration) -> bool:
    """Test connection: list what was checked, or show the readable reason it failed."""
    try:
        checks = services.test_connection(integration)
    except (ConnectorError, ValueError) as exc:
        messages.error(request, f"Test connection of {integration.name} failed: {exc}")
        return False
    messages.success(request, f"Test connection of {integration.name}: " + " ".join(checks or ["all checks passed."]))
    return True


def retry_run(request: HttpRequest, run: SyncRun) -> int:
    """Retry the failed items of one run and report it."""
    before = latest_run_id(run.integration)
    count = services.retry_failed_items(run)
    if not count:
        if run.failed and not run.dry_run:
            messages.info(request, f"Run #{run.pk}'s failed items were all resolved by later runs: nothing to retry.")
        else:
            messages.info(request, f"Run #{run.pk} has no failed items to retry.")
        return 0
    report_started_runs(request, run.integration, f"Retry of {count} failed item(s) of run #{run.pk}", before)
    return count
