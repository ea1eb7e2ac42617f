"""Reading the mirror: the contract flows build on (DESIGN.md, "The Mobilize mirror").

    changes(organization, record_type, after_seq=0, limit=None) -> Iterator[MirrorChange]
        Every record of one type whose change sequence is above `after_seq`, in sequence order,
        read in chunks of CHUNK rows (memory does not grow with the organization). Each
        MirrorChange is (seq, mobilize_id, data, modified_at, deleted):
          - `seq` grows monotonically per organization and moves only when a record's content
            (or its `deleted` mark) changes; a record appears once, at its latest seq.
          - `data` is the record in the Mobilize client's shape (every documented key present;
            `raw=True` gives it exactly as Mobilize returned it).
          - `deleted` is true when the record left Mobilize's lists: an event Mobilize deleted,
            the attendances of a deleted event or of a removed timeslot, an organization no
            longer promoted. Deleted events are also records of their own type (deleted_event).
          - `mobilize_id` is Mobilize's id as a string; a person's user_id; an attendance whose
            id Mobilize withholds across the firewall is `p<user id>-<masked event key>`,
            exactly as the ActionKit flow's AttendancesStream.source_id keys it.
        Sequence numbers are allocated under a row lock in the writing transaction, so once a
        reader has seen seq N no record with a lower seq appears later: a cursor never misses
        a change (no clock, no overlap window).

    get(organization, record_type, mobilize_id) -> MirrorChange | None
        One record (e.g. the promoted event a signup needs); None when the mirror lacks it:
        then, and only then, ask Mobilize.

    read_whole_since(organization, stream, moment) -> bool
        Whether the mirror has read a whole pass of one Mobilize list (e.g. "events") that began
        after `moment` (a record's Mobilize modified_date) plus the clock-skew allowance: then
        a record of that list the mirror lacks is one Mobilize does not show the organization,
        and asking Mobilize again (a full resync, a new integration) would cost a GET for the
        same answer.

    latest_seq(organization) -> int
        The highest sequence number allocated so far (0 for an empty mirror).

Cursors (one per integration and stream, MirrorCursor):

    read_cursor(integration, stream) -> int          0 when the stream never read the mirror
    advance_cursor(integration, stream, seq)         moves forward only; call it when the records
                                                     up to `seq` are safely delivered, and never
                                                     in a dry run
    reset_cursors(integration, streams=None)         a full resync: replay from zero (costs
                                                     Mobilize nothing)

A stream typically reads `changes(org, T, read_cursor(...))`, processes each record, and at the
end (or every few hundred records) calls `advance_cursor` with the last seq it finished.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from integrations.models import Integration, MirrorCursor, MirrorRecord, MirrorState, MirrorStream, Organization

from .keys import normalized

CHUNK = 500


@dataclass(frozen=True)
class MirrorChange:
    """One mirror record as a reader sees it."""

    seq: int
    mobilize_id: str
    data: dict[str, Any]
    modified_at: int | None
    deleted: bool


def _org_id(organization: Organization | int) -> int:
    return organization if isinstance(organization, int) else organization.pk


def _change(record_type: str, row: tuple, raw: bool) -> MirrorChange:
    seq, mobilize_id, data, modified_at, deleted = row
    return MirrorChange(seq, mobilize_id, data if raw else normalized(record_type, data), modified_at, deleted)


def changes(
    organization: Organization | int,
    record_type: str,
    after_seq: int = 0,
    limit: int | None = None,
    *,
    raw: bool = False,
    chunk_size: int = CHUNK,
) -> Iterator[MirrorChange]:
    """Records of `record_type` changed after `after_seq`, in seq order, streamed in chunks."""
    org_id = _org_id(organization)
    last, given = after_seq, 0
    while limit is None or given < limit:
        size = chunk_size if limit is None else min(chunk_size, limit - given)
        rows = list(
            MirrorRecord.objects.filter(organization_id=org_id, record_type=record_type, seq__gt=last)
            .order_by("seq")
            .values_list("seq", "mobilize_id", "data", "modified_at", "deleted")[:size]
        )
        for row in rows:
            yield _change(record_type, row, raw)
        given += len(rows)
        if len(rows) < size:
            return
        last = rows[-1][0]


def get(organization: Organization | int, record_type: str, mobilize_id: str | int, *, raw: bool = False):
    """One record of the mirror, or None when the mirror lacks it."""
    row = (
        MirrorRecord.objects.filter(
            organization_id=_org_id(organization), record_type=record_type, mobilize_id=str(mobilize_id)
        )
        .values_list("seq", "mobilize_id", "data", "modified_at", "deleted")
        .first()
    )
    return _change(record_type, row, raw) if row else None


def read_whole_since(organization: Organization | int, stream: str, moment: int | None) -> bool:
    """Whether a whole pass of Mobilize list `stream` began after `moment` (Unix seconds, Mobilize's clock).

    A pass's watermark is the time it began (this service's clock), so SYNC_WATERMARK_OVERLAP_SECONDS
    (the skew allowed between the two clocks) is added to `moment`. None (no pass finished yet,
    or no moment) means the mirror may still lack a record Mobilize lists.
    """
    if moment is None:
        return False
    watermark = (
        MirrorStream.objects.filter(organization_id=_org_id(organization), stream=stream)
        .values_list("watermark", flat=True)
        .first()
    )
    return watermark is not None and watermark > int(moment) + settings.SYNC_WATERMARK_OVERLAP_SECONDS


def latest_seq(organization: Organization | int) -> int:
    """The highest sequence number allocated so far (0 when nothing was mirrored)."""
    next_seq = MirrorState.objects.filter(organization_id=_org_id(organization)).values_list("next_seq", flat=True)
    return (next_seq.first() or 1) - 1


def read_cursor(integration: Integration, stream: str) -> int:
    """Where a stream of an integration stands in the mirror (0: never read)."""
    value = MirrorCursor.objects.filter(integration=integration, stream=stream).values_list("seq", flat=True).first()
    return value or 0


def advance_cursor(integration: Integration, stream: str, seq: int) -> int:
    """Move a cursor forward to `seq` (never back); returns where it stands."""
    cursor, created = MirrorCursor.objects.get_or_create(integration=integration, stream=stream, defaults={"seq": seq})
    if created or cursor.seq >= seq:
        return cursor.seq
    MirrorCursor.objects.filter(pk=cursor.pk, seq__lt=seq).update(seq=seq)
    return seq


def reset_cursors(integration: Integration, streams: Iterable[str] | None = None) -> int:
    """Replay from zero (a full resync); returns how many cursors were reset."""
    cursors = MirrorCursor.objects.filter(integration=integration)
    if streams is not None:
        cursors = cursors.filter(stream__in=list(streams))
    return cursors.exclude(seq=0).update(seq=0)
