"""The per-integration lock: a lease row that holds across processes and hosts."""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from integrations.models import SyncLock


class IntegrationLock:
    """A lease on one integration. Use as a context manager after `acquire()` succeeds.

    The lease expires after SYNC_LOCK_TTL_SECONDS unless renewed by `heartbeat()`, so a
    worker that dies mid-run blocks the next run for at most that long.
    """

    def __init__(self, integration_id: int, ttl_seconds: int | None = None) -> None:
        self.integration_id = integration_id
        self.ttl = timedelta(seconds=ttl_seconds or settings.SYNC_LOCK_TTL_SECONDS)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self) -> bool:
        """Take the lease if it is free or expired; False if another holder has it."""
        # SQLite refuses a write while another connection writes ("database table is locked")
        # instead of waiting: that is contention for this very row, so try again briefly.
        for attempt in range(20):
            try:
                return self._try_acquire()
            except OperationalError:
                if attempt == 19:
                    return False
                time.sleep(0.05)
        return False

    def _try_acquire(self) -> bool:
        now = timezone.now()
        taken = SyncLock.objects.filter(integration_id=self.integration_id, expires_at__lt=now).update(
            holder=self.holder, acquired_at=now, expires_at=now + self.ttl
        )
        if taken:
            return True
        try:
            with transaction.atomic():
                SyncLock.objects.create(
                    integration_id=self.integration_id,
                    holder=self.holder,
                    acquired_at=now,
                    expires_at=now + self.ttl,
                )
        except IntegrityError:
            return False
        return True

    def heartbeat(self) -> bool:
        """Extend the lease; False if it was lost (expired and taken by another run)."""
        return bool(
            SyncLock.objects.filter(integration_id=self.integration_id, holder=self.holder).update(
                expires_at=timezone.now() + self.ttl
            )
        )

    def release(self) -> None:
        SyncLock.objects.filter(integration_id=self.integration_id, holder=self.holder).delete()

    def current(self) -> SyncLock | None:
        """Who holds the lease now (for the 'skipped' message)."""
        return SyncLock.objects.filter(integration_id=self.integration_id).first()
