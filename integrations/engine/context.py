"""The state one run shares with its flow's streams."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from integrations.models import Integration, Organization, RecordLink, SyncRun

from .ledger import Ledger
from .lock import IntegrationLock

if TYPE_CHECKING:
    from .streams import SourceRecord, Stream

logger = logging.getLogger("integrations.engine")


@dataclass
class RunContext:
    """Everything a stream may need besides its own clients: the run, the ledger, the mode."""

    integration: Integration
    run: SyncRun
    ledger: Ledger
    lock: IntegrationLock
    dry_run: bool = False
    full_resync: bool = False
    warnings: list[str] = field(default_factory=list)
    # Per-run memo shared by a flow's streams (e.g. which events already got a signup).
    cache: dict[str, Any] = field(default_factory=dict)
    # (source type, source id) -> outcome of every record this run has processed: each once.
    processed: dict[tuple[str, str], str] = field(default_factory=dict)
    # (stream, reason) of each failure, for the run's summary.
    failures: list[tuple[str, str]] = field(default_factory=list)
    # Set by the runner: processes one record of another stream at once (see `sync_now`).
    dependency_processor: Callable[[Stream, SourceRecord], None] | None = None

    @property
    def organization(self) -> Organization:
        return self.integration.organization

    def sync_now(self, stream: Stream, record: SourceRecord) -> RecordLink | None:
        """Sync one record of another stream right away and return its ledger link.

        For dependencies a stream discovers as it goes (the ActionKit event a signup needs
        when no stream has synced it yet). The record goes through the same mapping, ledger,
        counters, items and retry queue as if its own stream had read it. None when it failed,
        was skipped, or this is a dry run (nothing was written, so there is no link).
        """
        if self.dependency_processor is None:
            raise RuntimeError("sync_now is only available while the engine runs a flow")
        self.dependency_processor(stream, record)
        return self.ledger.get(stream.source_type, record.source_id)

    def synced_id(self, link: RecordLink | None, what: str) -> int:
        """The destination id of a dependency `sync_now` returned: 0 in a dry run if it would first
        be made; otherwise a retryable RecordError naming `what` ("the signup's ActionKit event")
        when it could not be synced (its own item says why).
        """
        from .adoption import PENDING
        from .streams import RecordError

        if link is not None and link.destination_id != PENDING:
            return int(link.destination_id)
        if self.dry_run:
            return 0
        raise RecordError(
            f"{what[:1].upper()}{what[1:]} could not be synced (see its own item); retrying later.", retryable=True
        )

    def warn(self, message: str) -> None:
        """Record a sentence for the run's message (and the log), once."""
        if message not in self.warnings:
            self.warnings.append(message)
            logger.warning("integration %s run %s: %s", self.integration.pk, self.run.pk, message)
