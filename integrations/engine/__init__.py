"""The sync engine: what every flow shares (runs, ledger, watermarks, retry queue, lock)."""

from .context import RunContext
from .runner import RunOptions, run_sync
from .streams import Candidate, RecordError, SkipRecord, SourceRecord, Stream, Written

__all__ = [
    "Candidate",
    "RecordError",
    "RunContext",
    "RunOptions",
    "SkipRecord",
    "SourceRecord",
    "Stream",
    "Written",
    "run_sync",
]
