"""The read API, the cursors, the seq allocation, the tick's back-off and fairness (database only)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.mirror import reader, refresh, store
from integrations.models import IntegrationKind, MirrorRecord, MirrorState, RecordType

EVENT = RecordType.EVENT


def event(event_id: int, title: str = "Canvass", end: int = 1_900_003_600) -> dict:
    return {"id": event_id, "title": title, "modified_date": 1_800_000_000, "timeslots": [{"id": 1, "end_date": end}]}


@pytest.fixture
def org(make_organization):
    return make_organization()


def test_changes_come_in_seq_order_in_chunks_after_the_cursor(db, org):
    for event_id in range(1, 8):
        store.write(org.pk, EVENT, event(event_id))
    store.write(org.pk, EVENT, event(3, "Renamed"))  # moves to the end
    changes = list(reader.changes(org, EVENT, 0, chunk_size=2))
    assert [c.mobilize_id for c in changes] == ["1", "2", "4", "5", "6", "7", "3"]
    assert [c.seq for c in changes] == sorted(c.seq for c in changes)
    assert changes[-1].data["title"] == "Renamed" and changes[-1].data["location"] is None, "normalized"
    assert "location" not in list(reader.changes(org, EVENT, 0, raw=True))[-1].data
    after = changes[2].seq
    assert [c.mobilize_id for c in reader.changes(org, EVENT, after, limit=3, chunk_size=2)] == ["5", "6", "7"]
    assert reader.latest_seq(org) == 8
    assert reader.get(org, EVENT, 3).data["title"] == "Renamed"
    assert reader.get(org, EVENT, 99) is None


def test_unchanged_content_keeps_its_seq_and_other_organizations_have_their_own(db, org, make_organization):
    other = make_organization()
    assert store.write(org.pk, EVENT, event(1)) == ("created", 0)
    assert store.write(org.pk, EVENT, dict(reversed(list(event(1).items())))) == ("unchanged", 0)
    assert store.write(other.pk, EVENT, event(1)) == ("created", 0)
    assert reader.latest_seq(org) == reader.latest_seq(other) == 1
    assert list(reader.changes(org, RecordType.PERSON)) == []


def test_cursors_only_move_forward_and_reset_to_zero(db, org, make_integration):
    integration = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM)
    assert reader.read_cursor(integration, "events") == 0
    assert reader.advance_cursor(integration, "events", 5) == 5
    assert reader.advance_cursor(integration, "events", 3) == 5
    assert reader.advance_cursor(integration, "people", 2) == 2
    assert reader.reset_cursors(integration, ["events"]) == 1
    assert (reader.read_cursor(integration, "events"), reader.read_cursor(integration, "people")) == (0, 2)


def test_withheld_attendances_are_keyed_as_the_actionkit_flow_keys_them(db, org):
    from integrations.flows.actionkit.sync import AttendancesStream
    from integrations.mirror.keys import key_record

    withheld = {
        "person": {"user_id": 77, "email_addresses": []},
        "event": {"event_type": "CANVASS"},
        "timeslot": {"start_date": 1_900_000_000, "end_date": 1_900_003_600},
        "modified_date": 1_800_000_000,
    }
    assert key_record(RecordType.ATTENDANCE, withheld).mobilize_id == AttendancesStream.source_id(withheld)
    assert key_record(RecordType.ATTENDANCE, {**withheld, "id": 5}).mobilize_id == "5"


def test_back_off_grows_with_quiet_time_between_the_tick_and_the_cap(settings):
    settings.MIRROR_REFRESH_SECONDS, settings.MIRROR_IDLE_MAX_SECONDS = 30, 300
    assert [refresh.refresh_interval(q) for q in (0, 300, 1200, 3000, 86400)] == [30, 30, 120, 300, 300]


def test_due_follows_back_off_and_leftover_pages(db, org, settings):
    settings.MIRROR_REFRESH_SECONDS, settings.MIRROR_IDLE_MAX_SECONDS = 30, 300
    now = timezone.now()
    state = store.state_for(org)
    assert refresh.is_due(state, now), "never refreshed"
    state.last_refresh_at, state.last_change_at = now - timedelta(seconds=29), now - timedelta(seconds=60)
    assert refresh.is_due(state, now)
    state.last_change_at = now - timedelta(hours=2)
    assert not refresh.is_due(state, now), "quiet for 2 h: every 5 minutes"
    state.last_refresh_at = now - timedelta(seconds=295)
    assert refresh.is_due(state, now)
    state.last_refresh_at, state.more_to_read = now, True
    assert refresh.is_due(state, now), "a backfill continues at the next tick"


def test_the_tick_makes_mirrors_queues_quiet_organizations_before_backfills_and_debounces(
    db, make_organization, monkeypatch
):
    queued: list[int] = []
    monkeypatch.setattr(refresh, "_enqueue_refresh", queued.append)
    backfill, quiet = make_organization(), make_organization()
    no_key = make_organization(mobilize_api_key="")
    assert refresh.tick() and len(queued) == 2
    mirrors = {o.pk: refresh.mirror_integration(o) for o in (backfill, quiet)}
    assert refresh.mirror_integration(no_key) is None
    assert refresh.tick() == [], "both are still queued"
    MirrorState.objects.update(refresh_queued_at=None, last_refresh_at=timezone.now())
    MirrorState.objects.filter(organization=backfill).update(more_to_read=True)
    MirrorState.objects.filter(organization=quiet).update(last_refresh_at=timezone.now() - timedelta(minutes=1))
    queued.clear()
    refresh.tick()
    assert queued == [mirrors[quiet.pk].pk, mirrors[backfill.pk].pk]


def test_the_mirror_integration_cannot_be_deleted_while_the_organization_reads_mobilize(db, org, make_integration):
    from integrations import services

    mirror = refresh.ensure_mirror_integration(org)
    assert refresh.ensure_mirror_integration(org) == mirror and mirror.name == "Mobilize mirror"
    assert services.mirror_deletable(mirror)
    crm = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM)
    assert not services.mirror_deletable(mirror)
    assert services.mirror_deletable(crm)
    assert MirrorRecord.objects.count() == 0


def test_read_whole_since_needs_a_whole_pass_begun_after_the_moment_plus_the_skew_allowance(db, org, settings):
    from integrations.models import MirrorStream

    settings.SYNC_WATERMARK_OVERLAP_SECONDS = 300
    signed_up = 1_800_000_000
    assert not reader.read_whole_since(org, "events", signed_up), "no pass finished yet"
    stream = MirrorStream.objects.create(organization=org, stream="events", watermark=signed_up + 300)
    assert not reader.read_whole_since(org, "events", signed_up), "within the clock-skew allowance"
    stream.watermark = signed_up + 301
    stream.save()
    assert reader.read_whole_since(org, "events", signed_up)
    assert not reader.read_whole_since(org, "events", None)
    assert not reader.read_whole_since(org, "people", signed_up), "per list"
