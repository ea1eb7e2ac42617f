"""The state one run shares with its flow's streams."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from integrations.models import Integration, Organization, SyncRun

from .ledger import Ledger
from .lock import IntegrationLock

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

    @property
    def organization(self) -> Organization:
        return self.integration.organization

    def warn(self, message: str) -> None:
        """Record a sentence for the run's message (and the log), once."""
        if message not in self.warnings:
            self.warnings.append(message)
            logger.warning("integration %s run %s: %s", self.integration.pk, self.run.pk, message)
