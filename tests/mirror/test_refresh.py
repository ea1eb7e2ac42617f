"""The refresh over HTTP against the Mobilize sandbox: fill, idle, change, delete, dry run, logs."""

from __future__ import annotations

import logging

import pytest

from integrations.mirror import reader
from integrations.mirror.flow import MobilizeMirrorFlow
from integrations.models import MirrorRecord, MirrorState, MirrorStream, RecordLink, RecordType, SyncRun, Watermark
from tests.flows.actionkit._world import PAC

pytestmark = pytest.mark.django_db(transaction=True)

LISTED = (RecordType.EVENT, RecordType.DELETED_EVENT, RecordType.ATTENDANCE, RecordType.PERSON)


def assert_mirror_equals_mobilize(mw) -> None:
    for record_type in (*LISTED, RecordType.PROMOTED_ORGANIZATION):
        assert mw.mirror_data(record_type) == mw.mobilize_raw(record_type), record_type


def seqs(mw) -> dict[tuple[str, str], int]:
    return {(r.record_type, r.mobilize_id): r.seq for r in MirrorRecord.objects.filter(organization=mw.organization)}


def test_a_refresh_fills_the_mirror_with_what_mobilize_shows(mirror_world):
    run = mirror_world.refresh()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert_mirror_equals_mobilize(mirror_world)
    # The organization itself, and the Organization row kept in step with it.
    org = reader.get(mirror_world.organization, RecordType.ORGANIZATION, mirror_world.organization.mobilize_id)
    assert org is not None and org.data["name"] == "Demo Campaign"
    mirror_world.organization.refresh_from_db()
    assert (mirror_world.organization.name, mirror_world.organization.firewall_side) == (
        "Demo Campaign",
        "coordinated",
    )
    assert reader.get(mirror_world.organization, RecordType.PROMOTED_ORGANIZATION, PAC).data["is_independent"]
    # Counted like any run; the mirror rows are the ledger (no RecordLink, no engine watermark).
    total = MirrorRecord.objects.filter(organization=mirror_world.organization).count()
    assert run.created == total and run.updated == 0 and run.failed == 0
    assert not RecordLink.objects.exists() and not Watermark.objects.exists()
    # Every record got its own sequence number, 1..N.
    assert sorted(seqs(mirror_world).values()) == list(range(1, total + 1))
    assert reader.latest_seq(mirror_world.organization) == total


def test_an_idle_refresh_costs_one_get_per_stream_and_changes_nothing(mirror_world):
    mirror_world.refresh()
    before = seqs(mirror_world)
    mirror_world.gets.clear()
    run = mirror_world.refresh()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.created, run.updated, run.failed) == (0, 0, 0)
    assert seqs(mirror_world) == before
    # The organization streams are read every 5 minutes; the four record streams every refresh.
    assert dict(mirror_world.gets) == {"events": 1, "deleted": 1, "attendances": 1, "people": 1}


def test_the_sequence_moves_only_for_records_whose_content_changed(mirror_world):
    mirror_world.refresh()
    before = seqs(mirror_world)
    mirror_world.world.touch(mirror_world.world.events["virtual"])["title"] = "Phone bank (renamed)"
    mirror_world.world.touch(mirror_world.world.attendances["ana_multi"])["status"] = "CANCELLED"
    mirror_world.load()
    run = mirror_world.refresh()
    after = seqs(mirror_world)
    moved = {key for key in after if after[key] != before.get(key)}
    assert moved == {(RecordType.EVENT, "11"), (RecordType.ATTENDANCE, "7001")}
    assert min(after[key] for key in moved) > max(before.values())
    assert (run.created, run.updated) == (0, 2)
    assert reader.get(mirror_world.organization, RecordType.EVENT, 11).data["title"] == "Phone bank (renamed)"
    # Re-reading everything (watermarks gone) finds the same content: nothing moves.
    MirrorStream.objects.all().delete()
    again = mirror_world.refresh()
    assert seqs(mirror_world) == after and (again.created, again.updated) == (0, 0) and again.unchanged > 0


def test_a_deleted_event_leaves_the_lists_with_its_attendances(mirror_world):
    from sandbox.mobilize.models import Event

    mirror_world.refresh()
    before = reader.latest_seq(mirror_world.organization)
    Event.objects.get(pk=10).mark_deleted()
    mirror_world.refresh()
    assert_mirror_equals_mobilize(mirror_world)
    assert "10" in mirror_world.mirror_ids(RecordType.EVENT, deleted=True)
    assert {"7001", "7002"} <= mirror_world.mirror_ids(RecordType.ATTENDANCE, deleted=True)
    change = reader.get(mirror_world.organization, RecordType.EVENT, 10)
    assert change.deleted and change.seq > before, "a reader past the old seq sees the deletion"


def test_a_removed_timeslot_takes_its_attendances_out_of_the_lists(mirror_world):
    from sandbox.mobilize.models import Event, Timeslot

    mirror_world.refresh()
    event = Event.objects.get(pk=10)
    event.remove_timeslot(Timeslot.objects.get(pk=101))
    mirror_world.refresh()
    assert_mirror_equals_mobilize(mirror_world)
    assert "7001" in mirror_world.mirror_ids(RecordType.ATTENDANCE, deleted=True)
    assert "7002" in mirror_world.mirror_ids(RecordType.ATTENDANCE)


def test_full_refresh_from_mobilize_rereads_everything_and_counts_unchanged(mirror_world):
    first = mirror_world.refresh()
    mirror_world.gets.clear()
    full = mirror_world.refresh(full_resync=True)
    assert full.full_resync and (full.created, full.updated) == (0, 0)
    assert full.unchanged == first.created
    assert mirror_world.gets["organizations"] >= 1 and mirror_world.gets["promoted_organizations"] == 1


def test_a_dry_run_reads_but_writes_nothing(mirror_world):
    run = mirror_world.refresh(dry_run=True)
    assert run.created > 0
    assert not MirrorRecord.objects.exists() and not MirrorStream.objects.filter(watermark__isnull=False).exists()
    assert not MirrorState.objects.filter(last_refresh_at__isnull=False).exists()


def test_a_time_slice_stops_at_a_page_boundary_and_the_next_refresh_continues(mirror_world, settings, monkeypatch):
    monkeypatch.setattr(MobilizeMirrorFlow, "per_page", 2)
    settings.MIRROR_REFRESH_SLICE_SECONDS = 0  # one page per stream per refresh
    first = mirror_world.refresh()
    assert MirrorState.objects.get().more_to_read
    assert "time slice" in first.message
    runs = mirror_world.refresh_until_done()
    assert len(runs) >= 2
    assert_mirror_equals_mobilize(mirror_world)
    total = MirrorRecord.objects.count()
    assert reader.latest_seq(mirror_world.organization) == total, "no record was written twice"


def test_no_mirrored_personal_data_reaches_a_log_line(mirror_world, caplog):
    caplog.set_level(logging.DEBUG)
    mirror_world.refresh()
    mirror_world.world.touch(mirror_world.world.people["ana"])["given_name"] = "Anabel"
    mirror_world.load()
    mirror_world.refresh()
    text = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    for person in mirror_world.world.people.values():
        email, phone = person["email_addresses"][0]["address"], person["phone_numbers"][0]["number"]
        for value in (email, person["family_name"], phone):
            assert value not in text
    assert "Anabel" not in text
