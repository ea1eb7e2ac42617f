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


@dataclass(frozen=True)
class Written:
    """The outcome of a destination write: the destination id and bookkeeping for later updates."""

    destination_id: str
    extra: Mapping[str, Any] = field(default_factory=dict)


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

    @abstractmethod
    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        """Yield records changed at or after `since` (None: everything), page by page."""

    @abstractmethod
    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        """The destination payload for a record (call the flow's pure mapping function).

        Raise SkipRecord to leave a record out, RecordError when it cannot be mapped.
        """

    def find_existing(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written | None:
        """Look the record up in the destination by its natural key (email, external id).

        Called before every create of a record the ledger does not know, so that a crash
        between a destination write and the ledger write never creates a duplicate.
        """
        return None

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
