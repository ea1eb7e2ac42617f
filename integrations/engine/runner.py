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
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from integrations.connectors.errors import AuthenticationError, ConnectorError
from integrations.models import (
    Integration,
    MirrorCursor,
    MirrorState,
    PendingRetry,
    RecordLink,
    SyncItem,
    SyncRun,
    Watermark,
)

from .adoption import PENDING, choose_candidate
from .context import RunContext
from .ledger import Ledger, payload_hash
from .lock import IntegrationLock, LockLost
from .recovery import mark_interrupted
from .streams import Candidate, RecordError, SkipRecord, SourceRecord, Stream, Written

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


# How the engine finds an integration's flow when the caller does not hand it one. The flows
# layer installs it when the app starts (IntegrationsConfig.ready): the engine never imports it.
_flow_resolver: Callable[[Integration], Any] | None = None


def set_flow_resolver(resolver: Callable[[Integration], Any]) -> None:
    """Tell the engine how to find an integration's flow (called once, when the app starts)."""
    global _flow_resolver
    _flow_resolver = resolver


def run_sync(integration: Integration, options: RunOptions | None = None, *, flow: Any = None) -> SyncRun | None:
    """Run an integration's flow once and return its SyncRun (status skipped if another run holds the lock).

    `flow` is the integration's Flow; when omitted, the resolver the flows layer installed finds it.
    None when a retry finds nothing queued: no run is recorded for it.
    """
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
    if options.retry_only and not _anything_to_retry(integration, options.retry_keys):
        # Nothing is queued any more (a later run settled it): a retry has nothing to do and
        # leaves no empty run behind to pose as the integration's last run.
        lock.release()
        logger.info("integration %s: retry asked for, but nothing is queued; no run recorded", integration.pk)
        return None
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
        if flow is None:
            if _flow_resolver is None:
                raise RuntimeError("No flow was given and no flow resolver is installed.")
            flow = _flow_resolver(integration)
        try:
            # A run whose configuration is incomplete or refused does not start: one sentence, no items.
            flow.check_ready(ctx)
            flow.prepare(ctx)
        except (ValueError, ConnectorError) as exc:
            aborted.append("setup")
            ctx.warn(f"The run did not start: {exc}")
        else:
            streams = [s for s in flow.streams(ctx) if not options.stream_names or s.name in options.stream_names]
            for stream in streams:
                if not runner_for(stream).run():
                    aborted.append(stream.name)
                flow.after_stream(ctx, stream)
    except AuthenticationError as exc:
        aborted.append("setup")
        ctx.warn(f"The run stopped: {exc}")
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


def _anything_to_retry(integration: Integration, keys: set[tuple[str, str]] | None) -> bool:
    queued = PendingRetry.objects.filter(integration=integration)
    if keys is None:
        return queued.exists()
    return any((stream, source_id) in keys for stream, source_id in queued.values_list("stream", "source_id"))


def failure_summary(failed: int, failures: list[tuple[str, str]]) -> str:
    """One paragraph on a run's failures: how many per stream, and the commonest reasons."""
    if not failed:
        return ""
    by_stream = Counter(stream for stream, _ in failures)
    reasons = Counter(message for _, message in failures)
    streams = ", ".join(f"{count} {stream}" for stream, count in by_stream.most_common())
    lines = [f"{failed} record{'s' if failed != 1 else ''} failed ({streams}). Commonest reasons:"]
    for message, count in reasons.most_common(3):
        short = message if len(message) <= 300 else message[:297] + "..."
        lines.append(f"- {count} x {short}")
    if len(reasons) > 3:
        lines.append(f"- and {len(reasons) - 3} other reasons (see the failed items).")
    return "\n".join(lines)


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
    run.message = "\n".join([*ctx.warnings, failure_summary(run.failed, ctx.failures)]).strip()
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
        mirror_snapshot = 0
        if stream.reads_mirror:
            # A mirror stream's position is a change sequence number: no clock, no overlap.
            # Everything committed up to this snapshot is offered to the stream by its read, so
            # the cursor may move past it even when the stream yielded none of the last changes
            # (a deleted attendance it leaves out, say).
            mirror_snapshot = self._mirror_latest_seq()
            before = self._cursor()
            since = before if before and not self.ctx.full_resync else None
            self.stats.update(since=since, cursor_before=before, status="running")
        else:
            watermark = Watermark.objects.filter(integration=self.ctx.integration, stream=stream.name).first()
            before = watermark.value if watermark else None
            since = None
            if stream.incremental and before is not None and not self.ctx.full_resync:
                since = max(before - settings.SYNC_WATERMARK_OVERLAP_SECONDS, 0)
            self.stats.update(since=since, watermark_before=before, status="running")
        finished = True
        try:
            if not self.options.retry_only:
                waiting = self._waiting_for_explicit_retry()
                for record in self.stream.fetch(self.ctx, since):
                    if self._still_refused(record, waiting):
                        continue
                    self.process(record)
                    if record.modified_at is not None:
                        self.max_modified = max(self.max_modified or 0, record.modified_at)
            # After the read, so a record read fresh is written from its fresh copy and its
            # queued copy (already settled by then) is not tried again in the same run.
            self._retry_queue()
        except AuthenticationError:
            raise
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
        if stream.reads_mirror and mirror_snapshot:
            self.max_modified = max(self.max_modified or 0, mirror_snapshot)
        reached = stream.read_through(self.ctx) if finished and not stream.reads_mirror else None
        if reached is not None:
            self.max_modified = max(self.max_modified or 0, reached)
        if finished and not self.ctx.dry_run and not self.options.retry_only and self.max_modified is not None:
            after = max(before or 0, self.max_modified)
            if stream.reads_mirror:
                self._advance_cursor(after)
            else:
                Watermark.objects.update_or_create(
                    integration=self.ctx.integration, stream=stream.name, defaults={"value": after}
                )
        self.stats.update(
            **({"cursor_after": after} if stream.reads_mirror else {"watermark_after": after}),
            status="finished" if finished else "stopped",
            seconds=round(time.monotonic() - started, 3),
        )
        self._flush(force=True)
        return finished

    def _mirror_latest_seq(self) -> int:
        """The highest change sequence the organization's mirror has committed (0: empty)."""
        next_seq = (
            MirrorState.objects.filter(organization_id=self.ctx.integration.organization_id)
            .values_list("next_seq", flat=True)
            .first()
        )
        return (next_seq or 1) - 1

    def _cursor(self) -> int:
        """Where this stream stands in the Mobilize mirror (0: never read it)."""
        return (
            MirrorCursor.objects.filter(integration=self.ctx.integration, stream=self.stream.name)
            .values_list("seq", flat=True)
            .first()
            or 0
        )

    def _advance_cursor(self, seq: int) -> None:
        """Move this stream's mirror cursor forward to `seq` (a full resync that replayed from 0 too)."""
        cursor, created = MirrorCursor.objects.get_or_create(
            integration=self.ctx.integration, stream=self.stream.name, defaults={"seq": seq}
        )
        if not created and cursor.seq < seq:
            MirrorCursor.objects.filter(pk=cursor.pk, seq__lt=seq).update(seq=seq)

    def _waiting_for_explicit_retry(self) -> dict[str, str]:
        """This stream's permanent failures: source id -> hash of the copy that failed."""
        return {
            source_id: payload_hash(record)
            for source_id, record in PendingRetry.objects.filter(
                integration=self.ctx.integration, stream=self.stream.name, retryable=False
            ).values_list("source_id", "record")
        }

    def _still_refused(self, record: SourceRecord, waiting: dict[str, str]) -> bool:
        """Whether a record is a permanent failure read again exactly as it failed.

        Sending it again would fail the same way; it waits for "Retry failed items". Any change
        to its content (a repair at the source) sends it again, whether or not the source moved
        its modified date. It is counted as skipped and logged, so the run still accounts for it.
        """
        failed_copy = waiting.get(record.source_id)
        key = (self.stream.source_type, record.source_id)
        if failed_copy is None or key in self.ctx.processed or payload_hash(record.data) != failed_copy:
            return False
        self.ctx.processed[key] = "skipped"
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
            if (self.stream.source_type, entry.source_id) in self.ctx.processed:
                continue
            stored = SourceRecord(entry.source_id, entry.record, entry.modified_at, entry.label, entry.parent_id)
            try:
                record = self.stream.refresh(self.ctx, stored)
            except AuthenticationError:
                raise
            except ConnectorError as exc:
                self.ctx.processed[(self.stream.source_type, stored.source_id)] = "failed"
                self._count("fetched")
                self._fail(stored, str(exc), exc.retryable)
                continue
            if record is None:
                self.ctx.processed[(self.stream.source_type, stored.source_id)] = "skipped"
                self._count("fetched")
                self._skip(stored, "Gone at the source; no longer retried.")
                continue
            self.process(record)

    # --- one record ---------------------------------------------------------------------
    def process(self, record: SourceRecord) -> None:
        """Map, compare, write and log one record; failures are caught and queued.

        A record is processed once per run, whichever way it comes (its stream's read, the
        retry queue, or another stream's `sync_now`): later encounters keep the first outcome,
        so a run counts and itemises each record once.
        """
        stream, ctx = self.stream, self.ctx
        seen_key = (stream.source_type, record.source_id)
        if seen_key in ctx.processed:
            return
        ctx.processed[seen_key] = "processing"
        self._count("fetched")
        try:
            # Dependencies are resolved (I/O allowed) before the pure mapping sees the record.
            resolved = stream.resolve(ctx, record)
            payload = stream.map(ctx, replace(record, resolved=resolved) if resolved else record)
        except SkipRecord as skip:
            self._skip(record, skip.reason)
            return
        except RecordError as exc:
            self._fail(record, exc.message, exc.retryable)
            return
        digest = payload_hash(payload)
        link = ctx.ledger.get(stream.source_type, record.source_id)
        if link is not None and link.destination_id == PENDING:
            pending_hints = dict((link.extra or {}).get("pending") or {})
            link = None
        else:
            pending_hints = None
        if link is not None and link.payload_hash == digest and not ctx.full_resync:
            self._done(record, "unchanged")
            return
        ctx.lock.ensure_held()  # fencing: a run that lost its lock stops here, before writing
        try:
            if ctx.dry_run:
                self._dry_run(record, payload, link, pending_hints)
                return
            if link is not None and ctx.full_resync:
                link = self._read_back(link, record, payload)
            if link is not None:
                written = stream.update(ctx, link, record, payload) or Written(link.destination_id, link.extra)
                action = SyncItem.Action.UPDATED
            else:
                written, action = self._adopt_or_create(record, payload, pending_hints)
        except SkipRecord as skip:
            # A write may find there is nothing to do after all (e.g. deleted before it was made).
            if pending_hints is not None:
                ctx.ledger.forget(stream.source_type, record.source_id)
            self._skip(record, skip.reason)
            return
        except AuthenticationError:
            # Refused credentials fail the whole run, not every record after this one.
            raise
        except (ConnectorError, RecordError) as exc:
            self._fail(record, str(exc), exc.retryable)
            return
        ctx.ledger.record(
            source_type=stream.source_type,
            source_id=record.source_id,
            destination_type=stream.destination_type,
            destination_id=written.destination_id,
            payload_digest=digest,
            extra=written.extra,
            parent_id=record.parent_id,
        )
        if action == SyncItem.Action.MATCHED:
            self._done(record, "unchanged")
            self._item(record, action, destination_id=written.destination_id)
            return
        if action == SyncItem.Action.UPDATED and not written.changed:
            # The destination already held what the payload says: nothing was written.
            self._done(record, "unchanged")
            return
        self._done(record, "created" if action == SyncItem.Action.CREATED else "updated")
        self._item(record, action, destination_id=written.destination_id)

    def _read_back(self, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> RecordLink | None:
        """The link with its memo rebuilt from the destination (full resync); None if the record is gone."""
        fresh = self.stream.read_back(self.ctx, link, record, payload)
        if fresh is None:
            return None
        return self._unsaved_link(record, link.destination_id, fresh, link.payload_hash)

    def _unsaved_link(
        self, record: SourceRecord, destination_id: str, extra: Mapping[str, Any], payload_hash: str = ""
    ) -> RecordLink:
        """A link handed to `update` that the ledger does not hold (yet): an adopted or re-read record."""
        return RecordLink(
            integration=self.ctx.integration,
            source_type=self.stream.source_type,
            source_id=record.source_id,
            parent_id=record.parent_id,
            destination_type=self.stream.destination_type,
            destination_id=destination_id,
            payload_hash=payload_hash,
            extra=dict(extra),
        )

    def _candidate(
        self, record: SourceRecord, payload: dict[str, Any], pending_hints: dict[str, Any] | None
    ) -> Candidate | None:
        """The destination record this one adopts (the engine's adoption rule), or None to create it."""
        stream = self.stream
        return choose_candidate(
            self.ctx.integration,
            source_type=stream.source_type,
            source_id=record.source_id,
            destination_type=stream.destination_type,
            own_key=stream.adoption_key(self.ctx, record, payload),
            candidates=stream.find_candidates(self.ctx, record, payload, pending_hints),
            what=stream.destination_type.rsplit(".", 1)[-1],
        )

    def _adopt_or_create(
        self, record: SourceRecord, payload: dict[str, Any], pending_hints: dict[str, Any] | None
    ) -> tuple[Written, str]:
        stream, ctx = self.stream, self.ctx
        candidate = self._candidate(record, payload, pending_hints)
        if candidate is not None:
            stand_in = self._unsaved_link(record, candidate.destination_id, candidate.extra)
            written = stream.update(ctx, stand_in, record, payload) or Written(
                candidate.destination_id, candidate.extra
            )
            if not written.changed:
                # Linked, and the destination needed nothing: the ledger learns of it, the record is not written.
                return written, SyncItem.Action.MATCHED
            return written, SyncItem.Action.UPDATED
        hints = stream.adoption_hints(ctx, record, payload)
        if hints is not None:
            # Written before the create request: if the run dies around it, the next run looks
            # for what it may have made with these hints instead of creating it again.
            ctx.ledger.record(
                source_type=stream.source_type,
                source_id=record.source_id,
                destination_type=stream.destination_type,
                destination_id=PENDING,
                payload_digest="",
                extra={"pending": hints},
                parent_id=record.parent_id,
            )
        written = stream.create(ctx, record, payload)
        if written.existed:
            return written, SyncItem.Action.UPDATED if written.changed else SyncItem.Action.MATCHED
        return written, SyncItem.Action.CREATED

    def _dry_run(
        self,
        record: SourceRecord,
        payload: dict[str, Any],
        link: RecordLink | None,
        pending_hints: dict[str, Any] | None,
    ) -> None:
        candidate: Candidate | None = None
        if link is None:
            candidate = self._candidate(record, payload, pending_hints)
        if link is None and candidate is None:
            self._done(record, "created")
            self._item(record, SyncItem.Action.WOULD_CREATE)
        else:
            self._done(record, "updated")
            destination_id = link.destination_id if link else candidate.destination_id
            self._item(record, SyncItem.Action.WOULD_UPDATE, destination_id=destination_id)

    def _done(self, record: SourceRecord, outcome: str) -> None:
        """Count a record that went through (created, updated, unchanged) and settle its queue entry."""
        self.ctx.processed[(self.stream.source_type, record.source_id)] = outcome
        self._count(outcome)
        self._resolve(record)

    def _skip(self, record: SourceRecord, reason: str) -> None:
        self.ctx.processed[(self.stream.source_type, record.source_id)] = "skipped"
        self._count("skipped")
        self._item(record, SyncItem.Action.SKIPPED, error=reason)
        self._resolve(record)

    def _fail(self, record: SourceRecord, message: str, retryable: bool) -> None:
        self.ctx.processed[(self.stream.source_type, record.source_id)] = "failed"
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
        self.ctx.failures.append((self.stream.name, message))
        self._item(record, SyncItem.Action.FAILED, error=message, retryable=retryable, retry_count=attempts - 1)

    def _resolve(self, record: SourceRecord) -> None:
        """Settle a record that went through: drop its queue entry and mark its earlier failures resolved."""
        if self.ctx.dry_run:
            return
        dropped, _ = PendingRetry.objects.filter(
            integration=self.ctx.integration, stream=self.stream.name, source_id=record.source_id
        ).delete()
        if dropped:
            SyncItem.objects.filter(
                run__integration=self.ctx.integration,
                stream=self.stream.name,
                source_id=record.source_id,
                action=SyncItem.Action.FAILED,
                resolved_by__isnull=True,
                run__dry_run=False,
            ).update(resolved_by=self.sync_run, resolved_at=timezone.now())

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
