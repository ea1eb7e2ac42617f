"""Plain-text summaries of runs for the command line and the demo."""

from __future__ import annotations

from integrations.models import SyncItem, SyncRun


def run_summary(run: SyncRun, *, failures: int = 10) -> str:
    """A few lines a person reads after a run: status, counts, per-stream figures, first failures."""
    duration = f"{run.duration.total_seconds():.1f}s" if run.duration else "-"
    lines = [
        f"Run #{run.pk} of {run.integration.name} ({run.integration.organization.name}): "
        f"{run.get_status_display()} in {duration}" + (" [dry run]" if run.dry_run else ""),
        "  " + "  ".join(f"{name}={getattr(run, name)}" for name in SyncRun.COUNTERS),
    ]
    for name, stats in (run.streams or {}).items():
        lines.append(
            f"  {name:<16} fetched={stats.get('fetched', 0):<6} created={stats.get('created', 0):<6} "
            f"updated={stats.get('updated', 0):<6} unchanged={stats.get('unchanged', 0):<6} "
            f"failed={stats.get('failed', 0):<4} {position(stats)} ({stats.get('status')})"
        )
    if run.message:
        lines.extend(f"  ! {line}" for line in run.message.splitlines())
    for item in run.items.filter(action=SyncItem.Action.FAILED)[:failures]:
        lines.append(f"  failed {item.stream} {item.source_id} {item.label}: {item.error}")
    return "\n".join(lines)


def position(stats: dict) -> str:
    """Where a stream stands after a run: its mirror cursor, or its watermark for a remote source."""
    if "cursor_after" in stats or "cursor_before" in stats:
        return f"mirror seq={stats.get('cursor_after')}"
    return f"watermark={stats.get('watermark_after')}"
