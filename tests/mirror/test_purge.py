"""Retention: events that ended long ago go with their attendances; unreferenced, quiet people go."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.mirror import purge, store
from integrations.models import MirrorRecord, RecordType

NOW = int(time.time())
DAY = 86400


def keys(org, record_type) -> set[str]:
    return set(
        MirrorRecord.objects.filter(organization=org, record_type=record_type).values_list("mobilize_id", flat=True)
    )


@pytest.fixture
def mirrored(db, make_organization):
    org, other = make_organization(), make_organization()
    old_end, new_end = NOW - 40 * DAY, NOW - 5 * DAY

    def event(event_id, end):
        return {"id": event_id, "modified_date": end, "timeslots": [{"id": event_id * 10, "end_date": end}]}

    def attendance(att_id, event_id, user_id, end):
        return {
            "id": att_id,
            "modified_date": end,
            "person": {"user_id": user_id},
            "event": {"id": event_id},
            "timeslot": {"id": event_id * 10, "end_date": end},
        }

    for target in (org, other):
        store.write(target.pk, RecordType.EVENT, event(1, old_end))
        store.write(target.pk, RecordType.EVENT, event(2, new_end))
        store.write(target.pk, RecordType.DELETED_EVENT, {"id": 3, "deleted_date": old_end})
        store.write(target.pk, RecordType.ATTENDANCE, attendance(11, 1, 501, old_end))  # old event
        store.write(target.pk, RecordType.ATTENDANCE, attendance(12, 2, 502, new_end))  # kept
        store.write(target.pk, RecordType.ATTENDANCE, attendance(13, 3, 503, new_end))  # of a deleted event
        for user_id, modified in ((501, old_end), (502, old_end), (503, old_end), (504, new_end), (505, old_end)):
            store.write(target.pk, RecordType.PERSON, {"user_id": user_id, "modified_date": modified})
    return org, other


def test_purge_removes_old_events_their_attendances_and_unreferenced_quiet_people(mirrored):
    org, other = mirrored
    result = purge.purge(days=30, organization=org, now=NOW)
    assert result.removed == {"attendance": 2, "event": 1, "deleted_event": 1, "person": 3}
    assert keys(org, RecordType.EVENT) == {"2"}
    assert keys(org, RecordType.DELETED_EVENT) == set()
    assert keys(org, RecordType.ATTENDANCE) == {"12"}
    # 502 attends a kept event; 504 changed recently (a new volunteer, before any signup).
    assert keys(org, RecordType.PERSON) == {"502", "504"}
    assert MirrorRecord.objects.filter(organization=other).count() == 11, "only the organization asked for"


def test_a_dry_run_counts_and_keeps_everything(mirrored):
    before = MirrorRecord.objects.count()
    result = purge.purge(days=30, now=NOW, dry_run=True)
    assert result.total == 14 and MirrorRecord.objects.count() == before


def test_the_purge_command_and_the_daily_task(mirrored, settings):
    org, _ = mirrored
    out = StringIO()
    call_command("purge_mirror", "--days", "30", "--organization", str(org.mobilize_id), "--dry-run", stdout=out)
    assert "Would remove 7 mirror record(s) past 30 days" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("purge_mirror", "--organization", "999999999", stdout=StringIO())
    from integrations.tasks import purge_mirror

    settings.MIRROR_RETENTION_DAYS = 0
    before = MirrorRecord.objects.count()
    assert purge_mirror() == before and not MirrorRecord.objects.exists(), "everything here ended in the past"
