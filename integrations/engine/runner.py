"""The run lifecycle every flow shares (DESIGN.md, "The engine: rules every flow obeys").

For each stream, in the flow's order: retry the queued failures, then read the records
changed since the watermark (minus an overlap for clock skew), map each, skip it when
its payload hash is unchanged, otherwise look it up by natural key and create or update
it, and record the ledger link. One bad record fails alone; a stream that cannot be read
stops without moving its watermark; the lock keeps runs of one integration apart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from integrations.connectors.errors import ConnectorError
from integrations.models import Integration, PendingRetry, RecordLink, SyncItem, SyncRun, Watermark

from .context import RunContext
from .ledger import Ledger, payload_hash
from .lock import IntegrationLock, LockLost
from .recovery import mark_interrupted
from .streams import RecordError, SkipRecord, SourceRecord, Stream, Written

logger = logging.getLogger("integrations.engine")

ProgressCallback = Callable[[str, SyncRun], None]
FLUSH_EVERY_RECORDS = 50
FLUSH_EVERY_SECONDS = 2.0


@dataclass
class RunOptions:
    """How a run was asked for."""

    trigger: str = SyncRun.Trigger.MANUAL
    dry_run: bool = False
    full_resync: bool = False
    # Only retry the queue (all of it, retryable or not); read nothing new.
    retry_only: bool = False
    # With retry_only: only these (stream, source_id) pairs, e.g. the failures of one run.
    retry_keys: set[tuple[str, str]] | None = None
    stream_names: list[str] | None = None
    progress: ProgressCallback | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def run_sync(integration: Integration, options: RunOptions | None = None) -> SyncRun:
    """Run an integration's flow once and return its SyncRun (status skipped if another run holds the lock)."""
    from integrations.flows.registry import get_flow

    options = options or RunOptions()
    lock = IntegrationLock(integration.pk)
    run_fields = {
        "integration": integration,
        "trigger": options.trigger,
        "dry_run": options.dry_run,
        "full_resync": options.full_resync,
        "retry_only": options.retry_only,
    }
    if not lock.acquire():
        return _skipped(integration, lock, run_fields)
    try:
        run = SyncRun.objects.create(**run_fields)
        lock.attach_run(run.pk)
        # Holding the lock proves no earlier run is alive: one still "running" died mid-way.
        mark_interrupted(integration, lock.previous, exclude_run_id=run.pk)
    except BaseException:
        lock.release()
        raise
    ctx = RunContext(
        integration=integration,
        run=run,
        ledger=Ledger(integration),
        lock=lock,
        dry_run=options.dry_run,
        full_resync=options.full_resync,
    )
    aborted: list[str] = []
    streams: list[Stream] = []
    # One runner per stream for the whole run, so a record synced early as another stream's
    # dependency is counted in its own stream's figures.
    runners: dict[str, StreamRunner] = {}

    def runner_for(stream: Stream) -> StreamRunner:
        if stream.name not in runners:
            runners[stream.name] = StreamRunner(ctx, stream, options)
        return runners[stream.name]

    def process_dependency(stream: Stream, record: SourceRecord) -> None:
        runner = runner_for(stream)
        runner.process(record)
        runner.flush()

    ctx.dependency_processor = process_dependency
    lost: LockLost | None = None
    try:
        flow = get_flow(integration)
        flow.prepare(ctx)
        streams = [s for s in flow.streams(ctx) if not options.stream_names or s.name in options.stream_names]
        for stream in streams:
            if not runner_for(stream).run():
                aborted.append(stream.name)
            flow.after_stream(ctx, stream)
    except LockLost as exc:
        lost = exc
    except ConnectorError as exc:
        aborted.append("setup")
        ctx.warn(f"The run stopped before reading any stream: {exc}")
    except Exception as exc:
        logger.exception("integration %s run %s crashed", integration.pk, run.pk)
        aborted.append("setup")
        ctx.warn(f"The run stopped on an internal error ({type(exc).__name__}: {exc}); engineers have the traceback.")
    finally:
        lock.release()
    if lost is not None:
        _finish_lost(run, ctx, lost)
        return run
    _finish(run, ctx, aborted, len(streams))
    return run


def _skipped(integration: Integration, lock: IntegrationLock, run_fields: dict[str, Any]) -> SyncRun:
    """Record (and log) a trigger that found a live run holding the lock."""
    held = lock.current()
    holder = f"run #{held.run_id}" if held and held.run_id else "another run"
    since = f" since {held.acquired_at:%Y-%m-%d %H:%M:%S} UTC" if held else ""
    logger.info(
        "integration %s: run skipped, the lock is held by %s (%s)%s",
        integration.pk,
        holder,
        held.holder if held else "?",
        since,
    )
    run = SyncRun.objects.create(
        **run_fields,
        status=SyncRun.Status.SKIPPED,
        message=f"Skipped: {holder} of this integration is in progress{since}; runs of one integration never overlap.",
    )
    # Finished when recorded: never before started_at, which the database stamps on insert.
    SyncRun.objects.filter(pk=run.pk).update(finished_at=run.started_at)
    run.finished_at = run.started_at
    return run


def _finish_lost(run: SyncRun, ctx: RunContext, lost: LockLost) -> None:
    """A run that lost its lock stopped before its next write; say exactly that."""
    run.status = SyncRun.Status.INTERRUPTED
    run.message = "\n".join(
        [
            f"Stopped before its next write: this run {lost.message}. The next run resumes from the last "
            "finished stream; the counts are those of the records handled before it stopped.",
            *ctx.warnings,
        ]
    )
    run.finished_at = timezone.now()
    run.save()
    logger.warning("integration %s run %s stopped: %s", run.integration_id, run.pk, lost.message)


def _finish(run: SyncRun, ctx: RunContext, aborted: list[str], stream_count: int) -> None:
    if aborted and (len(aborted) >= stream_count or "setup" in aborted):
        run.status = SyncRun.Status.FAILED
    elif aborted or run.failed:
        run.status = SyncRun.Status.PARTIAL
    else:
        run.status = SyncRun.Status.SUCCEEDED
    run.message = "\n".join(ctx.warnings)
    run.finished_at = timezone.now()
    run.save()
    logger.info(
        "integration %s run %s %s: %s",
        run.integration_id,
        run.pk,
        run.status,
        ", ".join(f"{name} {getattr(run, name)}" for name in SyncRun.COUNTERS),
    )


class StreamRunner:
    """Runs one stream of one run."""

    def __init__(self, ctx: RunContext, stream: Stream, options: RunOptions) -> None:
        self.ctx = ctx
        self.stream = stream
        self.options = options
        self.sync_run = ctx.run
        self.stats: dict[str, Any] = {name: 0 for name in SyncRun.COUNTERS}
        self.max_modified: int | None = None
        self._since_flush = 0
        self._last_flush = time.monotonic()

    # --- the stream ---------------------------------------------------------------------
    def run(self) -> bool:
        """Process the stream; False if it had to stop early (its watermark then stays put)."""
        stream, started = self.stream, time.monotonic()
        watermark = Watermark.objects.filter(integration=self.ctx.integration, stream=stream.name).first()
        before = watermark.value if watermark else None
        since = None
        if stream.incremental and before is not None and not self.ctx.full_resync:
            since = max(before - settings.SYNC_WATERMARK_OVERLAP_SECONDS, 0)
        self.stats.update(since=since, watermark_before=before, status="running")
        finished = True
        try:
            self._retry_queue()
            if not self.options.retry_only:
                waiting = self._waiting_for_explicit_retry()
                for record in self.stream.fetch(self.ctx, since):
                    if self._still_refused(record, waiting):
                        continue
                    self.process(record)
                    if record.modified_at is not None:
                        self.max_modified = max(self.max_modified or 0, record.modified_at)
        except ConnectorError as exc:
            finished = False
            self.ctx.warn(f"Stream {stream.name} stopped early and will resume from the same point: {exc}")
        except Exception as exc:
            finished = False
            logger.exception("stream %s of run %s crashed", stream.name, self.sync_run.pk)
            self.ctx.warn(
                f"Stream {stream.name} stopped on an internal error ({type(exc).__name__}: {exc}); "
                "it will resume from the same point."
            )
        after = before
        if finished and not self.ctx.dry_run and not self.options.retry_only and self.max_modified is not None:
            after = max(before or 0, self.max_modified)
            Watermark.objects.update_or_create(
                integration=self.ctx.integration, stream=stream.name, defaults={"value": after}
            )
        self.stats.update(
            watermark_after=after,
            status="finished" if finished else "stopped",
            seconds=round(time.monotonic() - started, 3),
        )
        self._flush(force=True)
        return finished

    def _waiting_for_explicit_retry(self) -> dict[str, int | None]:
        """Source ids of this stream's permanent failures, with the modified time they failed at."""
        return dict(
            PendingRetry.objects.filter(
                integration=self.ctx.integration, stream=self.stream.name, retryable=False
            ).values_list("source_id", "modified_at")
        )

    def _still_refused(self, record: SourceRecord, waiting: dict[str, int | None]) -> bool:
        """Whether a record is a permanent failure unchanged since it failed (re-read by the overlap).

        Sending it again would fail the same way; it waits for "Retry failed items" or a change
        at the source. It is counted as skipped and logged, so the run still accounts for it.
        """
        if record.source_id not in waiting:
            return False
        failed_at = waiting[record.source_id]
        if record.modified_at is not None and (failed_at is None or record.modified_at > failed_at):
            return False
        self._count("fetched")
        self._count("skipped")
        self._item(
            record,
            SyncItem.Action.SKIPPED,
            error="Failed earlier for a reason that will not pass by itself, and unchanged since; "
            "waiting for Retry failed items.",
        )
        return True

    def _retry_queue(self) -> None:
        queued = PendingRetry.objects.filter(integration=self.ctx.integration, stream=self.stream.name)
        if not self.options.retry_only:
            queued = queued.filter(retryable=True)
        for entry in queued.order_by("id").iterator(chunk_size=200):
            if self.options.retry_keys is not None and (entry.stream, entry.source_id) not in self.options.retry_keys:
                continue
            stored = SourceRecord(entry.source_id, entry.record, entry.modified_at, entry.label, entry.parent_id)
            try:
                record = self.stream.refresh(self.ctx, stored)
            except ConnectorError as exc:
                self._fail(stored, str(exc), exc.retryable)
                continue
            if record is None:
                self._item(stored, SyncItem.Action.SKIPPED, error="Gone at the source; no longer retried.")
                self._resolve(stored)
                continue
            self.process(record)

    # --- one record ---------------------------------------------------------------------
    def process(self, record: SourceRecord) -> None:
        """Map, compare, write and log one record; failures are caught and queued."""
        stream, ctx = self.stream, self.ctx
        self._count("fetched")
        try:
            payload = stream.map(ctx, record)
        except SkipRecord as skip:
            self._count("skipped")
            self._item(record, SyncItem.Action.SKIPPED, error=skip.reason)
            self._resolve(record)
            return
        except RecordError as exc:
            self._fail(record, exc.message, exc.retryable)
            return
        digest = payload_hash(payload)
        link = ctx.ledger.get(stream.source_type, record.source_id)
        if link is not None and link.payload_hash == digest and not ctx.full_resync:
            self._count("unchanged")
            self._resolve(record)
            return
        ctx.lock.ensure_held()  # fencing: a run that lost its lock stops here, before writing
        try:
            if ctx.dry_run:
                self._dry_run(record, payload, link)
                return
            if link is not None:
                written = stream.update(ctx, link, record, payload)
                action, destination_id = SyncItem.Action.UPDATED, link.destination_id
                extra = written.extra if written else None
                if written:
                    destination_id = written.destination_id
            else:
                existing = stream.find_existing(ctx, record, payload)
                if existing is not None:
                    stand_in = RecordLink(
                        integration=ctx.integration,
                        source_type=stream.source_type,
                        source_id=record.source_id,
                        destination_type=stream.destination_type,
                        destination_id=existing.destination_id,
                        extra=dict(existing.extra),
                    )
                    written = stream.update(ctx, stand_in, record, payload) or existing
                    action = SyncItem.Action.UPDATED
                else:
                    written = stream.create(ctx, record, payload)
                    action = SyncItem.Action.CREATED
                destination_id, extra = written.destination_id, written.extra
        except SkipRecord as skip:
            # A write may find there is nothing to do after all (e.g. deleted before it was made).
            self._count("skipped")
            self._item(record, SyncItem.Action.SKIPPED, error=skip.reason)
            self._resolve(record)
            return
        except (ConnectorError, RecordError) as exc:
            self._fail(record, str(exc), exc.retryable)
            return
        ctx.ledger.record(
            source_type=stream.source_type,
            source_id=record.source_id,
            destination_type=stream.destination_type,
            destination_id=destination_id,
            payload_digest=digest,
            extra=extra,
            parent_id=record.parent_id,
        )
        self._count("created" if action == SyncItem.Action.CREATED else "updated")
        self._item(record, action, destination_id=destination_id)
        self._resolve(record)

    def _dry_run(self, record: SourceRecord, payload: dict[str, Any], link: RecordLink | None) -> None:
        existing: Written | None = None
        if link is None:
            existing = self.stream.find_existing(self.ctx, record, payload)
        if link is None and existing is None:
            self._count("created")
            self._item(record, SyncItem.Action.WOULD_CREATE)
        else:
            self._count("updated")
            destination_id = link.destination_id if link else existing.destination_id
            self._item(record, SyncItem.Action.WOULD_UPDATE, destination_id=destination_id)

    def _fail(self, record: SourceRecord, message: str, retryable: bool) -> None:
        self._count("failed")
        attempts = 1
        if not self.ctx.dry_run:
            entry, created = PendingRetry.objects.get_or_create(
                integration=self.ctx.integration,
                stream=self.stream.name,
                source_id=record.source_id,
                defaults={
                    "record": dict(record.data),
                    "modified_at": record.modified_at,
                    "label": record.label[:255],
                    "parent_id": record.parent_id,
                    "error": message,
                    "retryable": retryable,
                },
            )
            if not created:
                PendingRetry.objects.filter(pk=entry.pk).update(
                    record=dict(record.data),
                    modified_at=record.modified_at,
                    error=message,
                    retryable=retryable,
                    attempts=F("attempts") + 1,
                    last_failed_at=timezone.now(),
                )
                attempts = entry.attempts + 1
        self._item(record, SyncItem.Action.FAILED, error=message, retryable=retryable, retry_count=attempts - 1)

    def _resolve(self, record: SourceRecord) -> None:
        if not self.ctx.dry_run:
            PendingRetry.objects.filter(
                integration=self.ctx.integration, stream=self.stream.name, source_id=record.source_id
            ).delete()

    def _item(
        self,
        record: SourceRecord,
        action: str,
        *,
        destination_id: str = "",
        error: str = "",
        retryable: bool = False,
        retry_count: int = 0,
    ) -> None:
        SyncItem.objects.create(
            run=self.sync_run,
            stream=self.stream.name,
            source_type=self.stream.source_type,
            source_id=record.source_id,
            label=record.label[:255],
            destination_type=self.stream.destination_type if destination_id else "",
            destination_id=destination_id,
            action=action,
            error=error,
            retryable=retryable,
            retry_count=retry_count,
        )

    # --- counters -----------------------------------------------------------------------
    def _count(self, counter: str) -> None:
        self.stats[counter] += 1
        setattr(self.sync_run, counter, getattr(self.sync_run, counter) + 1)
        if counter == "fetched":
            self._since_flush += 1
            self._flush()

    def flush(self) -> None:
        """Save this stream's figures into the run now."""
        self._flush(force=True)

    def _flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self._since_flush < FLUSH_EVERY_RECORDS and now - self._last_flush < FLUSH_EVERY_SECONDS:
            return
        self._since_flush, self._last_flush = 0, now
        self.sync_run.streams = {**self.sync_run.streams, self.stream.name: dict(self.stats)}
        self.sync_run.message = "\n".join(self.ctx.warnings)
        self.ctx.lock.ensure_held()  # stop at once (LockLost) if the lock was lost
        self.sync_run.save(update_fields=[*SyncRun.COUNTERS, "streams", "message"])
        if self.options.progress:
            self.options.progress(self.stream.name, self.sync_run)
