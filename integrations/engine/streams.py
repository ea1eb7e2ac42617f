"""What a flow gives the engine: streams of source records and how to write each one.

A stream is Singer-like: a name (its watermark key), a source type (the ledger key), a
fetch of records changed since a Unix timestamp, a pure mapping to the destination
payload, and the destination writes. The engine owns everything else: the ledger,
hashing, watermarks, the retry queue, counts, dry runs and locks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from integrations.models import RecordLink

    from .context import RunContext


@dataclass(frozen=True)
class SourceRecord:
    """One record read from the source, as the unit the ledger tracks (e.g. one timeslot)."""

    source_id: str
    data: Mapping[str, Any]
    # The record's modified time (Unix seconds); the stream's watermark advances to the maximum.
    modified_at: int | None = None
    # What support staff search the log by (an email, an event title). Never a whole record.
    label: str = ""
    # The source record this one belongs to (a timeslot's event), kept on its ledger link so a
    # flow can find every link of one parent (e.g. the timeslots an event no longer has).
    parent_id: str = ""
    # What `Stream.resolve` found for this record (the destination id of a dependency, say).
    # Never stored in the retry queue: it is resolved again on every attempt.
    resolved: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Written:
    """The outcome of a destination write: the destination id and bookkeeping for later updates.

    `changed` is False when an update found the destination already as wanted and sent no
    write: the run then counts the record as unchanged, never as updated. `existed` is True when
    a create upserted a record the destination already held: counted updated, never created.
    """

    destination_id: str
    extra: Mapping[str, Any] = field(default_factory=dict)
    changed: bool = True
    # Set by a `create` that met the destination record already there (an upsert by natural key,
    # e.g. an Ascend member by phone): the run counts it updated, or matched if nothing was written.
    existed: bool = False


@dataclass(frozen=True)
class Candidate:
    """A destination record that may be the one a source record was (or began to be) written to.

    `key` is the value of this integration's idempotency key as the destination record holds it
    (the `mobilize_timeslot_id` field of an ActionKit event, the email of a user), or None when
    the record carries no key at all (e.g. an event an interrupted create left without its
    fields). The engine decides adoption from it (see `Stream.find_candidates`).
    """

    destination_id: str
    key: str | None
    extra: Mapping[str, Any] = field(default_factory=dict)
    # What support staff read when adoption is refused ("event 12 'Canvass' at 10:00").
    description: str = ""


class SkipRecord(Exception):
    """Raised by `map` when a record is deliberately not synced; the reason is logged."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RecordError(Exception):
    """A record that cannot be synced as it is (missing fields, a dependency not yet synced).

    `retryable` says whether trying again later may succeed without anyone changing the data
    (e.g. the event a signup needs fails now but may sync next run).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable

    def __str__(self) -> str:
        return self.message


class Stream(ABC):
    """One stream of a flow. Subclasses set the class attributes and implement the methods."""

    name: ClassVar[str]
    source_type: ClassVar[str]
    destination_type: ClassVar[str]
    # Whether `fetch` honours `since`; a non-incremental stream is read whole every run.
    incremental: ClassVar[bool] = True
    # Whether the stream reads the Mobilize mirror: then `since` is the mirror change sequence the
    # stream's cursor stands at (None: from the start), and each record's `modified_at` is its
    # sequence number; the engine moves the cursor when the stream finishes (never in a dry run).
    reads_mirror: ClassVar[bool] = False

    @abstractmethod
    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        """Yield records changed at or after `since` (None: everything), page by page."""

    def read_through(self, ctx: RunContext) -> int | None:
        """How far the last `fetch` read the source (Unix seconds), whether or not it yielded records.

        A stream that asks its source for a window ending now (`updated_to=now`) returns that end,
        so its watermark moves past a quiet period instead of reading the same window again and
        again. None (the default): the watermark follows the records' `modified_at` alone.
        """
        return None

    def resolve(self, ctx: RunContext, record: SourceRecord) -> Mapping[str, Any]:
        """What the mapping needs beyond the record itself, found before `map` (I/O allowed here).

        E.g. the ActionKit event a signup goes to, synced first through `ctx.sync_now` when no
        stream has synced it yet. `map` then reads it from `record.resolved` and stays pure.
        Raise SkipRecord or RecordError as `map` would.
        """
        return {}

    @abstractmethod
    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        """The destination payload for a record (call the flow's pure mapping function).

        Raise SkipRecord to leave a record out, RecordError when it cannot be mapped.
        """

    def adoption_key(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> str | None:
        """This record's idempotency key as the destination stores it (None: the stream has none).

        The default is the natural key `find_existing` looks up by, so the candidate it returns
        carries the same key. Streams that write a key field of their own (ActionKit events:
        `mobilize_timeslot_id`) return its value.
        """
        return record.source_id

    def find_existing(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written | None:
        """Look the record up in the destination by its natural key (email, external id).

        A stream whose destination is found by a natural key implements this; the engine treats
        what it returns as a candidate holding this record's own key (see `find_candidates`).
        """
        return None

    def find_candidates(
        self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any], hints: Mapping[str, Any] | None
    ) -> Iterable[Candidate]:
        """Destination records this source record may already be, before it is created.

        Called before every create of a record the ledger does not know, and for a record an
        interrupted create left "pending" (then `hints` holds what `adoption_hints` gave), so
        that a crash between a destination write and the ledger write never duplicates it.
        The engine, not the stream, decides which candidate is adopted (the engine's contract,
        `integrations.engine.adoption`): one holding this record's own key; else the only one
        holding no key that no other ledger link owns; never one another link points to; and
        when that leaves more than one, none: the record fails with a readable reason.
        """
        found = self.find_existing(ctx, record, payload)
        if found is None:
            return []
        return [Candidate(found.destination_id, self.adoption_key(ctx, record, payload), found.extra)]

    def adoption_hints(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> dict[str, Any] | None:
        """What would find this record again if its create is interrupted (None: nothing needed).

        When a stream returns hints, the engine records a "pending" ledger link holding them
        before `create` is called; the next run passes them to `find_candidates`. Streams whose
        destination may hold a record without its key (a create in several requests) use it.
        """
        return None

    def read_back(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        """The link's bookkeeping (`extra`) rebuilt from what the destination holds now.

        A full resync calls it before `update`, so the update compares the payload with the
        destination itself rather than with what this service last wrote, repairs what drifted
        (a record edited by hand) and writes nothing for a record that is as wanted. None: the
        destination record is gone (it is created again). The default keeps the link's memo.
        """
        return link.extra

    @abstractmethod
    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        """Create the destination record."""

    @abstractmethod
    def update(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Written | None:
        """Update the destination record `link` points to; return new bookkeeping or None to keep it."""

    def refresh(self, ctx: RunContext, record: SourceRecord) -> SourceRecord | None:
        """A fresh copy of a queued record before it is retried (None: it is gone at the source).

        The default retries the stored copy; streams whose source has a single-record
        endpoint may re-read it.
        """
        return record
