"""Helpers for lock tests: a holder whose worker is dead, and the pid of a process that has exited."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

from django.utils import timezone

from integrations.engine.lock import HOSTNAME
from integrations.models import Integration, SyncLock, SyncRun


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def plant_dead_holder(integration: Integration, *, with_run: bool = True, host: str = HOSTNAME) -> SyncLock:
    """What a worker killed mid-run leaves: a "running" run and a lock row naming a gone process.

    The lease would last another hour: only dead-holder detection frees it at once.
    """
    run = SyncRun.objects.create(integration=integration, fetched=7, created=3) if with_run else None
    now = timezone.now()
    return SyncLock.objects.create(
        integration=integration,
        holder=f"{host}:{dead_pid()}:deadbeef",
        acquired_at=now - timedelta(minutes=2),
        heartbeat_at=now - timedelta(seconds=5),
        expires_at=now + timedelta(hours=1),
        run=run,
    )
