"""Plain-text summaries of runs for the command line and the demo; the synchronization report as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC

from django.db.models import QuerySet

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


# --- The synchronization report as CSV ------------------------------------------------------------
ITEM_CSV_HEADER = (
    "Run",
    "Run started (UTC)",
    "Stream",
    "Source type",
    "Source id",
    "Label",
    "Destination id",
    "Action",
    "Reason or error",
    "Retry count",
)
_ITEM_CSV_FIELDS = (
    "id",
    "run_id",
    "run__started_at",
    "stream",
    "source_type",
    "source_id",
    "label",
    "destination_id",
    "action",
    "error",
    "retry_count",
)
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection): labels and
# remote error messages come from other systems, so such a cell is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CHUNK = 1000


def csv_safe(value: object) -> object:
    """A cell as a spreadsheet must show it: text that would start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line csv.writer gives it (nothing is buffered)."""

    def write(self, value: str) -> str:
        return value


def item_rows(items: QuerySet[SyncItem], *, chunk: int = CSV_CHUNK) -> Iterator[tuple]:
    """The report's rows of `items`, newest first, read `chunk` at a time by id (memory stays flat)."""
    rows = items.order_by("-id").values_list(*_ITEM_CSV_FIELDS)
    last_id = None
    while True:
        page = list((rows.filter(id__lt=last_id) if last_id is not None else rows)[:chunk])
        for _item_id, run_id, started_at, *rest, retry_count in page:
            started = started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if started_at else ""
            yield (run_id, started, *rest, retry_count)
        if len(page) < chunk:
            return
        last_id = page[-1][0]


def items_csv_lines(items: QuerySet[SyncItem], *, chunk: int = CSV_CHUNK) -> Iterator[str]:
    """The synchronization report of `items` as CSV text, one line at a time (for a streamed download).

    Columns: ITEM_CSV_HEADER. Only these columns of the items: no record, no payload, no credential.
    """
    writer = csv.writer(_Echo())
    yield writer.writerow(ITEM_CSV_HEADER)
    for row in item_rows(items, chunk=chunk):
        yield writer.writerow([csv_safe(cell) for cell in row])
