"""Retention: the mirror keeps volunteers' personal data only as long as it serves a sync.

`purge` removes, per organization:
- events whose last timeslot ended more than `days` ago, and deleted-event records older than
  that, with their attendances;
- attendances whose own timeslot ended more than `days` ago (including withheld ones, which
  carry no event id);
- people no longer referenced by any kept attendance and not modified by Mobilize within `days`
  (a volunteer active recently stays, even before their first signup).
Removed rows are gone, not tombstoned: a flow that already delivered them keeps its copy; a
replay from cursor zero no longer sees them. Nothing here logs record data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from integrations.models import MirrorRecord, Organization, RecordType

DAY = 86400


@dataclass
class PurgeResult:
    """How many records of each type were (or, in a dry run, would be) removed."""

    removed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def purge(
    *, days: int | None = None, organization: Organization | None = None, now: int | None = None, dry_run: bool = False
) -> PurgeResult:
    """Remove mirror records past retention (see the module docstring)."""
    days = settings.MIRROR_RETENTION_DAYS if days is None else days
    cutoff = (now if now is not None else int(time.time())) - days * DAY
    records = MirrorRecord.objects.all()
    if organization is not None:
        records = records.filter(organization=organization)
    result = PurgeResult()
    with transaction.atomic():
        old_events = records.filter(
            Q(record_type=RecordType.EVENT, ends_at__lt=cutoff)
            | Q(record_type=RecordType.DELETED_EVENT, modified_at__lt=cutoff)
        )
        old_event_keys = old_events.values_list("organization_id", "event_id")
        attendances = records.filter(record_type=RecordType.ATTENDANCE)
        old_attendances = attendances.filter(ends_at__lt=cutoff)
        by_org: dict[int, set[str]] = {}
        for org_id, event_id in old_event_keys.iterator():
            by_org.setdefault(org_id, set()).add(event_id)
        pks_query = Q(pk__in=old_attendances.values("pk"))
        for org_id, event_ids in by_org.items():
            pks_query |= Q(organization_id=org_id, event_id__in=sorted(event_ids))
        doomed_attendances = attendances.filter(pks_query)
        result.removed["attendance"] = doomed_attendances.count()
        result.removed["event"] = old_events.filter(record_type=RecordType.EVENT).count()
        result.removed["deleted_event"] = old_events.filter(record_type=RecordType.DELETED_EVENT).count()
        if not dry_run:
            doomed_attendances.delete()
            old_events.delete()
        kept = attendances.exclude(pk__in=doomed_attendances.values("pk")) if dry_run else attendances
        referenced = kept.filter(organization_id=OuterRef("organization_id"), person_id=OuterRef("person_id"))
        people = records.filter(record_type=RecordType.PERSON, modified_at__lt=cutoff).exclude(Exists(referenced))
        result.removed["person"] = people.count()
        if not dry_run:
            people.delete()
    return result
