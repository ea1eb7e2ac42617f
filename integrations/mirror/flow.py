"""The mirror's refresh, as a flow over the engine (kind "Mobilize mirror", one per organization).

The engine gives it what every integration has: the per-integration lock, a SyncRun with
counts, timings, items and errors that support staff open like any other, and the retry queue.
Its streams read Mobilize page by page under the shared rate limiter; their "destination" is
the mirror itself:

- the mirror rows are the ledger: `MirrorLedger` answers the engine's "what did I write last
  time" from the mirror's content hashes (one query per page), so no RecordLink is stored and
  an unchanged record is counted `unchanged` without moving its sequence number;
- each stream keeps its own pass state (MirrorStream: watermark, the pass's updated_since, the
  saved `next` link) instead of the engine's watermark, because a refresh may stop at a page
  boundary when its time slice is spent and resume there on the next tick;
- a record goes to the engine with `modified_at=None`, so the engine's watermarks stay unused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta
from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone

from integrations.connectors.errors import RemoteValidationError
from integrations.connectors.mobilize.records import firewall_side
from integrations.engine import RunContext, SourceRecord, Stream, Written
from integrations.engine.ledger import Ledger
from integrations.flows.base import MobilizeSourceFlow
from integrations.models import IntegrationKind, MirrorRecord, MirrorStream, Organization, RecordLink, RecordType

from . import store
from .keys import content_hash, key_record, label
from .source import MirrorClient

logger = logging.getLogger("integrations.mirror")

SOURCE_PREFIX = "mirror."


class MirrorLedger(Ledger):
    """The engine's ledger for the mirror flow, answered by the mirror rows themselves.

    `get` returns an unsaved RecordLink whose payload hash is the stored content hash (empty for
    a record marked deleted, so that Mobilize listing it again is an update); `record` is a
    no-op because the stream's write already stored the row.
    """

    def __init__(self, integration) -> None:
        super().__init__(integration)
        self.organization_id = integration.organization_id
        self.page: dict[tuple[str, str], tuple[str, bool] | None] = {}

    def remember_page(self, record_type: str, hashes: Mapping[str, tuple[str, bool]], keys: list[str]) -> None:
        """Load one page's hashes at once (keys not found are remembered as absent)."""
        self.page = {(record_type, key): hashes.get(key) for key in keys}

    def get(self, source_type: str, source_id: str) -> RecordLink | None:
        record_type = source_type.removeprefix(SOURCE_PREFIX)
        key = (record_type, str(source_id))
        if key in self.page:
            known = self.page[key]
        else:
            row = (
                MirrorRecord.objects.filter(
                    organization_id=self.organization_id, record_type=record_type, mobilize_id=str(source_id)
                )
                .values_list("content_hash", "deleted")
                .first()
            )
            known = tuple(row) if row else None
        if known is None:
            return None
        digest, deleted = known
        return RecordLink(
            integration=self.integration,
            source_type=source_type,
            source_id=str(source_id),
            destination_type="mirror",
            destination_id=str(source_id),
            payload_hash="" if deleted else digest,
        )

    def record(self, *, source_type: str, source_id: str, payload_digest: str, **_: Any) -> None:
        self.page[(source_type.removeprefix(SOURCE_PREFIX), str(source_id))] = (payload_digest, False)

    def forget(self, source_type: str, source_id: str | int) -> None:
        return None

    def children(self, source_type: str, parent_id: str | int) -> list[RecordLink]:
        return []

    def has_children(self, source_type: str, parent_id: str | int) -> bool:
        return False


class MirrorStreamBase(Stream):
    """One Mobilize list read into the mirror, resumable at any page boundary."""

    record_type: ClassVar[str]
    destination_type: ClassVar[str] = "mirror"
    # The engine passes no `since`: the stream keeps its own pass state (see the module docstring).
    incremental: ClassVar[bool] = False

    def __init__(self, flow: MobilizeMirrorFlow) -> None:
        self.flow = flow

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if hasattr(cls, "record_type"):
            cls.source_type = SOURCE_PREFIX + cls.record_type

    # --- reading --------------------------------------------------------------------------------
    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        org = self.flow.organization
        state, _ = MirrorStream.objects.get_or_create(organization=org, stream=self.name)
        restarted = False
        while True:
            resuming = bool(state.next_url)
            if not resuming:
                state.pass_started_at = int(time.time())
                watermark = state.watermark
                overlap = settings.SYNC_WATERMARK_OVERLAP_SECONDS
                state.pass_since = max(watermark - overlap, 0) if watermark is not None else None
                state.pages_read = 0
                self.start_pass(ctx)
            pages = self.flow.mobilize.stream_pages(self.name, state.pass_since, state.next_url or None)
            first = True
            try:
                while True:
                    # Every stream reads at least one page per refresh, so a small change is never
                    # held back by another stream's backfill; then the time slice decides.
                    if not first and self.flow.out_of_time():
                        self.flow.more_to_read = True
                        return
                    try:
                        page = next(pages)
                    except RemoteValidationError:
                        if not (resuming and first) or restarted:
                            raise
                        # Mobilize refused a saved cursor (expired): read the pass again from its start.
                        restarted = True
                        state.next_url = ""
                        break
                    except StopIteration:
                        return
                    first = False
                    yield from self.page_records(ctx, page.records)
                    state.next_url = page.next_url or ""
                    state.pages_read += 1
                    done = page.next_url is None or self.pass_complete()
                    if done:
                        state.watermark, state.next_url = state.pass_started_at, ""
                        self.end_pass(ctx, resumed=resuming or state.pages_read > 1)
                    if not ctx.dry_run:
                        state.save()
                    if done:
                        return
            finally:
                pages.close()

    def page_records(self, ctx: RunContext, records: list[dict[str, Any]]) -> Iterator[SourceRecord]:
        """The records of one page as the engine's source records (hashes loaded in one query)."""
        keyed = [(raw, key_record(self.record_type, raw)) for raw in records if self.wanted(raw)]
        keys = [k.mobilize_id for _, k in keyed]
        hashes = store.known_hashes(self.flow.organization.pk, self.record_type, keys)
        ctx.ledger.remember_page(self.record_type, hashes, keys)
        for raw, k in keyed:
            self.seen(k.mobilize_id)
            parent = k.event_id if self.record_type == RecordType.ATTENDANCE else ""
            yield SourceRecord(k.mobilize_id, raw, None, label(self.record_type, raw), parent)

    # Hooks for streams that need them.
    def wanted(self, raw: Mapping[str, Any]) -> bool:
        return True

    def seen(self, key: str) -> None:
        return None

    def start_pass(self, ctx: RunContext) -> None:
        return None

    def pass_complete(self) -> bool:
        return False

    def end_pass(self, ctx: RunContext, *, resumed: bool) -> None:
        return None

    # --- writing --------------------------------------------------------------------------------
    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return dict(record.data)

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        return self.write(record, payload)

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        return self.write(record, payload)

    def write(self, record: SourceRecord, payload: dict[str, Any]) -> Written:
        action, cascaded = store.write(self.flow.organization.pk, self.record_type, payload)
        self.flow.changes += int(action != store.UNCHANGED) + cascaded
        self.after_write(payload)
        return Written(record.source_id)

    def after_write(self, raw: Mapping[str, Any]) -> None:
        return None

    def refresh(self, ctx: RunContext, record: SourceRecord) -> SourceRecord | None:
        return record


class OrganizationStream(MirrorStreamBase):
    """The organization itself, found in GET /organizations (no endpoint reads one organization)."""

    name = "organization"
    record_type = RecordType.ORGANIZATION

    found = False

    def start_pass(self, ctx: RunContext) -> None:
        self.found = False

    def wanted(self, raw: Mapping[str, Any]) -> bool:
        return raw.get("id") == self.flow.organization.mobilize_id

    def seen(self, key: str) -> None:
        self.found = True

    def pass_complete(self) -> bool:
        return self.found  # stop paging the platform's list once found

    def after_write(self, raw: Mapping[str, Any]) -> None:
        self.flow.keep_organization_in_step(raw)


class PromotedOrganizationsStream(MirrorStreamBase):
    """The organizations ours promotes; read whole, so one that is no longer promoted is marked gone."""

    name = "promoted_organizations"
    record_type = RecordType.PROMOTED_ORGANIZATION

    keys: set[str] | None = None

    def start_pass(self, ctx: RunContext) -> None:
        self.keys = set()

    def seen(self, key: str) -> None:
        if self.keys is not None:
            self.keys.add(key)

    def end_pass(self, ctx: RunContext, *, resumed: bool) -> None:
        # Only a pass begun in this refresh knows every key (the list is small: it always is).
        if ctx.dry_run or self.keys is None:
            return
        org_id = self.flow.organization.pk
        gone = MirrorRecord.objects.filter(organization_id=org_id, record_type=self.record_type).exclude(
            mobilize_id__in=self.keys
        )
        self.flow.changes += store.mark_deleted(org_id, gone)


class EventsStream(MirrorStreamBase):
    name = "events"
    record_type = RecordType.EVENT


class DeletedEventsStream(MirrorStreamBase):
    name = "deleted_events"
    record_type = RecordType.DELETED_EVENT


class AttendancesStream(MirrorStreamBase):
    name = "attendances"
    record_type = RecordType.ATTENDANCE


class PeopleStream(MirrorStreamBase):
    name = "people"
    record_type = RecordType.PERSON


class MobilizeMirrorFlow(MobilizeSourceFlow):
    """Refresh one organization's mirror from Mobilize; fan out to its integrations when it changed."""

    kind = IntegrationKind.MOBILIZE_MIRROR
    # Records per Mobilize page (Mobilize's default is 25; 100 is known to work). Tests shrink it.
    per_page: ClassVar[int] = 100

    def __init__(self, integration) -> None:
        super().__init__(integration)
        self.changes = 0
        self.more_to_read = False
        self.deadline = float("inf")
        self._streams: list[Stream] = []

    @cached_property
    def mobilize(self) -> MirrorClient:  # type: ignore[override]
        org = self.organization
        if not org.mobilize_api_key:
            raise ValueError(f"{org.name} has no Mobilize API key: add it on the organization page.")
        return MirrorClient(org.mobilize_base_url, org.mobilize_api_key, org.mobilize_id, per_page=self.per_page)

    def out_of_time(self) -> bool:
        return time.monotonic() >= self.deadline

    def prepare(self, ctx: RunContext) -> None:
        ctx.ledger = MirrorLedger(self.integration)
        state = store.state_for(self.organization)
        if ctx.full_resync:
            # "Refresh from Mobilize": read every stream from the start. The engine's own full
            # resync would also count every record as updated; the mirror still compares hashes.
            if not ctx.dry_run:
                MirrorStream.objects.filter(organization=self.organization).delete()
                state.organizations_read_at = None
                state.save(update_fields=["organizations_read_at"])
            ctx.full_resync = False
        self.state = state
        self.deadline = time.monotonic() + settings.MIRROR_REFRESH_SLICE_SECONDS

    def streams(self, ctx: RunContext) -> list[Stream]:
        streams: list[Stream] = []
        read_at = self.state.organizations_read_at
        every = timedelta(seconds=settings.MIRROR_ORGANIZATIONS_EVERY_SECONDS)
        pending = MirrorStream.objects.filter(
            organization=self.organization, stream__in=["organization", "promoted_organizations"]
        ).exclude(next_url="")
        if read_at is None or timezone.now() - read_at >= every or pending.exists():
            streams += [OrganizationStream(self), PromotedOrganizationsStream(self)]
        streams += [EventsStream(self), DeletedEventsStream(self), AttendancesStream(self), PeopleStream(self)]
        self._streams = streams
        return streams

    def after_stream(self, ctx: RunContext, stream: Stream) -> None:
        super().after_stream(ctx, stream)
        if isinstance(stream, PromotedOrganizationsStream) and not ctx.dry_run:
            self.state.organizations_read_at = timezone.now()
            self.state.save(update_fields=["organizations_read_at"])
        if self._streams and stream is self._streams[-1]:
            self.finish(ctx)

    def finish(self, ctx: RunContext) -> None:
        """After the last stream: record the refresh, and fan out when anything changed."""
        if ctx.dry_run:
            return
        from integrations.mirror import fanout

        state = store.state_for(self.organization)
        state.last_refresh_at = timezone.now()
        state.more_to_read = self.more_to_read
        state.save(update_fields=["last_refresh_at", "more_to_read"])
        if self.more_to_read:
            ctx.warn("Mobilize has more pages than this refresh's time slice: the next refresh continues them.")
        if self.changes:
            queued = fanout.fan_out(self.organization, exclude=self.integration.pk)
            logger.info(
                "mirror of organization %s: %d change(s); queued %d integration run(s)",
                self.organization.pk,
                self.changes,
                len(queued),
            )

    def keep_organization_in_step(self, raw: Mapping[str, Any]) -> None:
        """The Organization row's name and firewall side follow the mirrored organization."""
        org: Organization = self.organization
        side = firewall_side(raw)
        name = raw.get("name") or org.name
        if org.firewall_side != side or org.name != name:
            org.firewall_side, org.name = side, name
            org.save(update_fields=["firewall_side", "name", "updated_at"])

    def test_connection(self) -> list[str]:
        return self.mobilize_test()

    def mapping_table(self) -> list[tuple[str, str, str]]:
        return [
            ("organization, promoted organizations", "mirror", "stored as Mobilize returns them; read every 5 minutes"),
            ("events, deleted events", "mirror", "public and private, approved; a deleted event's attendances go too"),
            ("attendances, people", "mirror", "stored as returned; withheld attendances keyed as the ActionKit flow"),
        ]


__all__ = ["MirrorLedger", "MobilizeMirrorFlow", "content_hash"]
