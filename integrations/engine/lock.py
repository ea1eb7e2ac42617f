"""The per-integration lock: two runs of one integration never write at once.

PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) held by a database connection
the lock opens for itself, apart from Django's: nothing the run does with its own connection
(transactions, closing it) can drop the lock, and the database frees it the moment the worker
dies. SQLite: the SyncLock row is a lease, renewed by a heartbeat thread independent of record
progress, so a slow request (or a client's own retries) never lets it expire under a live run.

On both, the SyncLock row names the holder (host:pid:random, since when, last heartbeat, which
run) for the integration page and for dead-holder detection, and the engine calls
`ensure_held()` right before every destination write: a run that lost its lock raises
`LockLost` and stops without writing.

A holder is dead when its lock is gone (PostgreSQL: the advisory lock is free; SQLite: the
lease expired) or when it ran on this host and its process is gone. A holder that lost its
PostgreSQL session but whose process lives (a cut connection, a terminated backend) keeps its
row's heartbeat fresh from a new connection until it has stopped, so no run starts while it
may still be finishing a request; it stops before its next write.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from integrations.models import SyncLock

logger = logging.getLogger("integrations.engine")

# First key of the two-key advisory lock: "MS" (mobilize-sync). The second key is the integration id.
ADVISORY_NAMESPACE = 0x4D53
HOSTNAME = socket.gethostname()


class LockLost(BaseException):
    """The run no longer holds its integration's lock: it must stop at once, without writing.

    A BaseException on purpose: the engine and flows catch `Exception` to isolate one bad record
    or stream, and this must not be isolated; it ends the run (runner.run_sync catches it).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class LockState:
    """What the integration page shows about the lock."""

    state: str  # "free", "held", "dead" (holder gone, lock not yet freed), "stopping" (lost, still finishing)
    holder: str = ""
    acquired_at: datetime | None = None
    heartbeat_at: datetime | None = None
    expires_at: datetime | None = None
    run_id: int | None = None

    @property
    def sentence(self) -> str:
        run = f" (run #{self.run_id})" if self.run_id else ""
        if self.state == "free":
            return "Free: no run of this integration is in progress."
        if self.state == "held":
            return f"Held by a live run{run}: runs of one integration never overlap."
        if self.state == "stopping":
            return (
                f"The holder{run} lost its lock but its worker is still alive; it stops before its next write, "
                "and no other run starts until it has."
            )
        return (
            f"The holder{run} is gone (its worker stopped). The next run, or Release below, frees the lock "
            "and marks that run interrupted."
        )


def lease_seconds() -> float:
    """How long a lease lasts without a heartbeat (SYNC_LOCK_TTL_SECONDS)."""
    return float(settings.SYNC_LOCK_TTL_SECONDS)


def heartbeat_interval(ttl: float) -> float:
    """A third of the lease, so two heartbeats may fail before it lapses."""
    return min(max(ttl / 3, 0.2), 60.0)


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _process_gone(pid: int) -> bool:
    """Whether no process (or only a zombie) has this pid on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The state follows the command name in parentheses: "Z" is a zombie (killed, not yet reaped).
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def holder_process_gone(holder: str) -> bool:
    """Whether a holder ran on this host and its process is gone (unknown for other hosts: False)."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return host == HOSTNAME and pid.isdigit() and _process_gone(int(pid))


def _connect_params() -> dict[str, Any]:
    """Connection parameters of the default database, for a connection of the lock's own."""
    params = dict(connection.get_connection_params())
    # Django's cursor factory and adapters belong to its connections; the lock runs plain SQL.
    for key in ("cursor_factory", "context", "server_side_binding"):
        params.pop(key, None)
    params.setdefault("application_name", "mobilize-sync lock")
    # Notice a dead server or a cut network within a minute instead of the system's two hours.
    params.setdefault("keepalives", 1)
    params.setdefault("keepalives_idle", 20)
    params.setdefault("keepalives_interval", 5)
    params.setdefault("keepalives_count", 3)
    return params


def advisory_lock_taken(integration_id: int) -> bool:
    """Whether some database session holds the integration's advisory lock (PostgreSQL only)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND objsubid = 2 AND granted)",
            [ADVISORY_NAMESPACE, integration_id],
        )
        return bool(cursor.fetchone()[0])


def lock_state(integration_id: int) -> LockState:
    """The lock as the integration page shows it, read without taking anything."""
    row = SyncLock.objects.filter(integration_id=integration_id).first()
    if row is None:
        return LockState("free")
    fields = {
        "holder": row.holder,
        "acquired_at": row.acquired_at,
        "heartbeat_at": row.heartbeat_at,
        "expires_at": row.expires_at,
        "run_id": row.run_id,
    }
    stale = row.expires_at < timezone.now()
    if _is_postgresql():
        if advisory_lock_taken(integration_id):
            return LockState("held", **fields)
        dead = holder_process_gone(row.holder) or stale
        return LockState("dead" if dead else "stopping", **fields)
    dead = holder_process_gone(row.holder) or stale
    return LockState("dead" if dead else "held", **fields)


@dataclass
class PreviousHolder:
    """A dead holder this lock took over from: its run is to be marked interrupted."""

    holder: str
    run_id: int | None
    heartbeat_at: datetime | None


class IntegrationLock:
    """The lock of one integration. `acquire()`, then `ensure_held()` before each write, then `release()`.

    `heartbeat()` and `current()` are kept for callers of the older lease API.
    """

    def __init__(self, integration_id: int, ttl_seconds: int | None = None) -> None:
        self.integration_id = integration_id
        self.ttl = timedelta(seconds=ttl_seconds or lease_seconds())
        self.holder = f"{HOSTNAME}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.previous: PreviousHolder | None = None
        self.lost_reason = ""
        self._pg = _is_postgresql()
        self._conn: Any = None  # the lock's own psycopg connection (PostgreSQL)
        self._spare: Any = None  # a second one, to keep the row's heartbeat after losing the first
        self._io = threading.Lock()  # one thread at a time on self._conn
        self._held = False
        self._lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # A lock taken inside a transaction (tests) is invisible to other connections until commit:
        # a heartbeat from another connection would not see (or would wait on) the row.
        self._shared = False

    # --- taking and giving back -----------------------------------------------------------
    def acquire(self) -> bool:
        """Take the lock if it is free or its holder is dead; False while a live holder has it."""
        self._shared = not connection.in_atomic_block
        taken = self._acquire_advisory() if self._pg else self._acquire_lease()
        if taken:
            self._held, self._lost, self.lost_reason = True, False, ""
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._beat_loop, name=f"lock-heartbeat-{self.integration_id}", daemon=True
            )
            self._thread.start()
        return taken

    def _acquire_advisory(self) -> bool:
        import psycopg

        conn = psycopg.connect(**_connect_params(), autocommit=True)
        try:
            # Never wait on a row lock another connection holds: the heartbeat would stall.
            conn.execute("SET lock_timeout = '2s'")
            got = conn.execute(
                "SELECT pg_try_advisory_lock(%s, %s)", (ADVISORY_NAMESPACE, self.integration_id)
            ).fetchone()[0]
            if not got:
                conn.close()
                return False
            row = self.current()
            if row is not None and row.holder != self.holder:
                # Its session is gone; but a holder whose process lives may still be finishing a request.
                if not (holder_process_gone(row.holder) or row.expires_at < timezone.now()):
                    conn.close()
                    return False
                self.previous = PreviousHolder(row.holder, row.run_id, row.heartbeat_at)
            now = timezone.now()
            SyncLock.objects.update_or_create(
                integration_id=self.integration_id,
                defaults={
                    "holder": self.holder,
                    "acquired_at": now,
                    "heartbeat_at": now,
                    "expires_at": now + self.ttl,
                    "run": None,
                },
            )
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return True

    def _acquire_lease(self) -> bool:
        # SQLite refuses a write while another connection writes ("database table is locked")
        # instead of waiting: that is contention for this very row, so try again briefly.
        for attempt in range(20):
            try:
                return self._try_lease()
            except OperationalError:
                if attempt == 19:
                    return False
                time.sleep(0.05)
        return False

    def _try_lease(self) -> bool:
        now = timezone.now()
        fields = {"holder": self.holder, "acquired_at": now, "heartbeat_at": now, "expires_at": now + self.ttl}
        row = self.current()
        if row is None:
            try:
                with transaction.atomic():
                    SyncLock.objects.create(integration_id=self.integration_id, **fields)
            except IntegrityError:
                return False
            return True
        if not (row.expires_at < now or holder_process_gone(row.holder)):
            return False
        # Conditional on the row being the one judged dead: of two contenders, one wins.
        taken = SyncLock.objects.filter(
            integration_id=self.integration_id, holder=row.holder, acquired_at=row.acquired_at
        ).update(**fields, run=None)
        if taken:
            self.previous = PreviousHolder(row.holder, row.run_id, row.heartbeat_at)
        return bool(taken)

    def attach_run(self, run_id: int) -> None:
        """Name the run that holds the lock, on the row people read."""
        SyncLock.objects.filter(integration_id=self.integration_id, holder=self.holder).update(run_id=run_id)

    def release(self) -> None:
        """Give the lock back (idempotent)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None
        try:
            # The row first: a row left behind by a live process would hold up the next run.
            SyncLock.objects.filter(integration_id=self.integration_id, holder=self.holder).delete()
        finally:
            self._held = False
            if self._pg and self._conn is not None:
                # Unlock before closing: closing only asks the server to end the session, which frees
                # the lock a moment later; a run started in that moment would be skipped.
                with contextlib.suppress(Exception), self._io:
                    self._conn.execute("SELECT pg_advisory_unlock(%s, %s)", (ADVISORY_NAMESPACE, self.integration_id))
            for conn in (self._conn, self._spare):
                if conn is not None:
                    # Ends the session, which frees the advisory lock; a broken one is closed all the same.
                    with contextlib.suppress(Exception):
                        conn.close()
            self._conn = self._spare = None

    # --- while the run works --------------------------------------------------------------
    def ensure_held(self) -> None:
        """Raise LockLost unless this run still holds the lock. Call right before each destination write."""
        if not self._held:
            raise LockLost(self.lost_reason or "the run does not hold its integration's lock")
        if self._lost:
            raise LockLost(self.lost_reason)
        if self._pg:
            if not self._ping():
                raise LockLost(self.lost_reason)
            return
        if not SyncLock.objects.filter(
            integration_id=self.integration_id, holder=self.holder, expires_at__gt=timezone.now()
        ).exists():
            self._mark_lost(self._taken_by_sentence())
            raise LockLost(self.lost_reason)

    def heartbeat(self) -> bool:
        """Renew the lease now; False if the lock was lost."""
        if not self._held or self._lost:
            return False
        if self._pg:
            return self._ping()
        renewed = self._renew_row_orm()
        if not renewed:
            self._mark_lost(self._taken_by_sentence())
        return renewed

    def current(self) -> SyncLock | None:
        """The row naming who holds the lock now (None when free)."""
        return SyncLock.objects.filter(integration_id=self.integration_id).first()

    @property
    def lost(self) -> bool:
        return self._lost

    # --- internals ------------------------------------------------------------------------
    def _mark_lost(self, reason: str) -> None:
        if not self._lost:
            self._lost, self.lost_reason = True, reason
            logger.warning("integration %s: lock %s lost: %s", self.integration_id, self.holder, reason)

    def _taken_by_sentence(self) -> str:
        try:
            row = self.current()
        except Exception:
            row = None
        if row is not None and row.holder != self.holder:
            return f"lost its lock to run #{row.run_id}" if row.run_id else f"lost its lock to {row.holder}"
        return "lost its lock (its lease lapsed)"

    def _ping(self) -> bool:
        """PostgreSQL: whether the session holding the advisory lock is still there."""
        import psycopg

        with self._io:
            try:
                self._conn.execute("SELECT 1")
                return True
            except (psycopg.Error, AttributeError):
                self._mark_lost("lost its lock (its database session ended)")
                return False

    def _renew_row_orm(self) -> bool:
        now = timezone.now()
        return bool(
            SyncLock.objects.filter(integration_id=self.integration_id, holder=self.holder).update(
                heartbeat_at=now, expires_at=now + self.ttl
            )
        )

    def _renew_row_pg(self, conn: Any) -> None:
        now = timezone.now()
        conn.execute(
            "UPDATE integrations_synclock SET heartbeat_at = %s, expires_at = %s WHERE integration_id = %s "
            "AND holder = %s",
            (now, now + self.ttl, self.integration_id, self.holder),
        )

    def _beat_loop(self) -> None:
        interval = heartbeat_interval(self.ttl.total_seconds())
        try:
            while not self._stop.wait(interval):
                try:
                    self._beat_once()
                except Exception:
                    logger.exception("integration %s: lock heartbeat failed", self.integration_id)
        finally:
            if not self._pg:
                from django.db import connection as thread_connection

                thread_connection.close()

    def _beat_once(self) -> None:
        if self._pg:
            import psycopg

            if not self._lost and self._ping() and self._shared:
                # The row is for people; the advisory lock is what holds.
                with self._io, contextlib.suppress(psycopg.Error):
                    self._renew_row_pg(self._conn)
            if self._lost and self._shared:
                # Alive but without the lock: say so on the row until the run has stopped, so no
                # other run starts while this one may still be finishing a request.
                if self._spare is None or self._spare.closed:
                    self._spare = psycopg.connect(**_connect_params(), autocommit=True)
                self._renew_row_pg(self._spare)
            return
        if not self._shared or self._lost:
            return
        try:
            if not self._renew_row_orm():
                self._mark_lost(self._taken_by_sentence())
        except OperationalError:
            # SQLite busy: the next beat tries again, well before the lease lapses.
            logger.debug("integration %s: lock heartbeat deferred, the database is busy", self.integration_id)
