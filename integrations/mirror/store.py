"""Writes to the mirror: upserts that move the change sequence only when content changes.

Every write takes the organization's MirrorState row lock and allocates its sequence number in
the same transaction, so sequence numbers commit in order and a reader never sees a gap that is
filled later. Writes never log record data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from integrations.models import MirrorRecord, MirrorState, Organization, RecordType

from .keys import Keyed, content_hash, key_record

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def state_for(organization: Organization | int) -> MirrorState:
    """The organization's MirrorState, made on first use."""
    org_id = organization if isinstance(organization, int) else organization.pk
    state, _ = MirrorState.objects.get_or_create(organization_id=org_id)
    return state


def _locked_state(org_id: int) -> MirrorState:
    state_for(org_id)
    return MirrorState.objects.select_for_update().get(organization_id=org_id)


def _take_seq(state: MirrorState, count: int = 1) -> int:
    """Reserve `count` sequence numbers on a locked state; returns the first."""
    first = state.next_seq
    state.next_seq += count
    state.last_change_at = timezone.now()
    state.save(update_fields=["next_seq", "last_change_at"])
    return first


def known_hashes(organization_id: int, record_type: str, keys: Iterable[str]) -> dict[str, tuple[str, bool]]:
    """{mobilize_id: (content_hash, deleted)} of the records of these keys (one query, for a page)."""
    rows = MirrorRecord.objects.filter(
        organization_id=organization_id, record_type=record_type, mobilize_id__in=list(keys)
    ).values_list("mobilize_id", "content_hash", "deleted")
    return {key: (digest, deleted) for key, digest, deleted in rows}


def write(
    organization_id: int,
    record_type: str,
    raw: Mapping[str, Any],
    *,
    keyed: Keyed | None = None,
    deleted: bool = False,
) -> tuple[str, int]:
    """Store one raw record; returns (created|updated|unchanged, cascaded changes).

    Cascades keep the mirror equal to what Mobilize lists: a deleted event takes its event
    record and attendances out of the lists (`deleted`), and an event that lost timeslots takes
    the attendances of those timeslots with it, as Mobilize does.
    """
    keyed = keyed or key_record(record_type, raw)
    digest = content_hash(raw)
    data = dict(raw)
    with transaction.atomic():
        state = _locked_state(organization_id)
        existing = MirrorRecord.objects.filter(
            organization_id=organization_id, record_type=record_type, mobilize_id=keyed.mobilize_id
        ).first()
        if existing is not None and existing.content_hash == digest and existing.deleted == deleted:
            action, cascaded = UNCHANGED, 0
        else:
            seq = _take_seq(state)
            fields = {
                "data": data,
                "modified_at": keyed.modified_at,
                "deleted": deleted,
                "content_hash": digest,
                "seq": seq,
                "event_id": keyed.event_id,
                "timeslot_id": keyed.timeslot_id,
                "person_id": keyed.person_id,
                "ends_at": keyed.ends_at,
            }
            if existing is None:
                MirrorRecord.objects.create(
                    organization_id=organization_id, record_type=record_type, mobilize_id=keyed.mobilize_id, **fields
                )
                action = CREATED
            else:
                for name, value in fields.items():
                    setattr(existing, name, value)
                existing.save()
                action = UPDATED
            cascaded = 0
        # Unchanged content: its cascades ran when it was first stored.
        if action != UNCHANGED and record_type == RecordType.EVENT and not deleted:
            slots = [str(t.get("id")) for t in raw.get("timeslots") or [] if t and t.get("id") is not None]
            gone = MirrorRecord.objects.filter(
                organization_id=organization_id, record_type=RecordType.ATTENDANCE, event_id=keyed.mobilize_id
            ).exclude(timeslot_id="")
            cascaded += _mark_deleted(state, gone.exclude(timeslot_id__in=slots))
        elif action != UNCHANGED and record_type == RecordType.DELETED_EVENT:
            related = MirrorRecord.objects.filter(
                organization_id=organization_id,
                record_type__in=[RecordType.EVENT, RecordType.ATTENDANCE],
                event_id=keyed.mobilize_id,
            )
            cascaded += _mark_deleted(state, related)
    return action, cascaded


def mark_deleted(organization_id: int, queryset: QuerySet[MirrorRecord]) -> int:
    """Mark records gone from Mobilize's lists (each gets a new sequence number); returns how many."""
    with transaction.atomic():
        return _mark_deleted(_locked_state(organization_id), queryset)


def _mark_deleted(state: MirrorState, queryset: QuerySet[MirrorRecord]) -> int:
    pks = list(queryset.filter(deleted=False).order_by("seq").values_list("pk", flat=True))
    if not pks:
        return 0
    first = _take_seq(state, len(pks))
    for offset, pk in enumerate(pks):
        MirrorRecord.objects.filter(pk=pk).update(deleted=True, seq=first + offset, updated_at=timezone.now())
    return len(pks)
