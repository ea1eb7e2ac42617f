"""Mobilize sandbox -> CRM-style flow -> ActionKit sandbox, over HTTP, rule by rule of the seed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.flows.actionkit import mapping
from integrations.models import RecordLink, SyncItem, SyncRun

from . import _ak
from ._world import DAY, OURS, PAC

pytestmark = pytest.mark.django_db(transaction=True)
NEW_YORK = ZoneInfo("America/New_York")


def wall(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, NEW_YORK).replace(tzinfo=None)


def test_crm_sync_creates_one_actionkit_event_per_timeslot_of_an_owned_event(setup):
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    events = _ak.events(setup.crm_campaign)
    multi = setup.world.events["multi"]
    for slot in multi["timeslots"]:
        ak = events[str(slot["id"])]
        assert ak.title == multi["title"]
        assert ak.fields["mobilize_id"] == "10", "mobilize_id is shared by the events of one series"
        assert ak.starts_at.replace(tzinfo=None) == wall(slot["start_date"])
        assert ak.status == "active"
        assert ak.fields["mobilize_timeslot"].startswith("[") and ak.fields["mobilize_timeslot"].endswith("]")
        assert "shift_times" not in ak.fields, "shift_times is only for distributed send"
    assert ak.fields["link_to_event_information"] == multi["browser_url"]
    assert ak.fields["event_owning_organization"] == ak.fields["host_name"] == "Demo Campaign"
    assert (ak.fields["host_first_name"], ak.fields["host_last_name"]) == ("Riley", "Organizer")
    assert ak.address1 == "1500 Market St" and ak.city == "Philadelphia" and ak.zip == "19102"


def test_virtual_event_without_location_is_placed_in_puerto_natales_chile(setup):
    setup.sync()
    ak = _ak.events(setup.crm_campaign)["111"]
    assert (ak.city, ak.country) == ("Puerto Natales", "Chile")
    assert ak.fields["is_virtual_event"] == "Yes"


def test_virtual_event_with_location_keeps_the_in_person_location_fields(setup):
    setup.sync()
    ak = _ak.events(setup.crm_campaign)["121"]
    assert (ak.address1, ak.city, ak.state, ak.zip) == ("1500 Market St", "Philadelphia", "PA", "19102")
    assert ak.fields["is_virtual_event"] == "Yes"
    assert ak.fields["event_type"] == "Training"


def test_private_address_reads_address_provided_upon_rsvp(setup):
    setup.sync()
    ak = _ak.events(setup.crm_campaign)["131"]
    assert ak.address1 == "Address provided upon RSVP"
    assert "1500 Market" not in f"{ak.address1} {ak.address2} {ak.venue}"
    assert ak.fields["event_type"] == "House Party"


def test_accessibility_is_written_in_words_to_note_to_attendees_for_in_person_events(setup):
    setup.sync()
    ak = _ak.events(setup.crm_campaign)["141"]
    assert "Bring water." in ak.note_to_attendees, "the private instructions come first"
    assert "Ramp at the south door." in ak.note_to_attendees
    assert "ACCESSIBLE" not in ak.note_to_attendees, "human-readable, not the enum"
    assert ak.fields["accessibility_status"] == "Yes"


def test_past_timeslot_is_backfilled_through_the_event_resource(setup):
    run = setup.sync()
    events = _ak.events(setup.crm_campaign)
    past, future = events["151"], events["152"]
    assert past.starts_at.replace(tzinfo=None) < datetime.now()
    assert not past.actions.exists(), "the action processor refuses past starts: created with POST /event/"
    assert past.creator.email == setup.crm.actionkit.placeholder_email
    assert future.actions.filter(type="EventCreate").exists(), "future timeslots go through the create page"
    assert run.items.get(source_id="151").action == SyncItem.Action.CREATED


def test_promoted_same_side_event_is_synced_once_we_drove_a_signup_and_the_quiet_one_is_not(setup):
    setup.sync()
    events = _ak.events(setup.crm_campaign)
    assert events["301"].title == "Ally rally", "unmasked: same side of the firewall"
    assert "311" not in events, "a promoted event without our signups stays out of CRM"
    row, fields = _ak.signup_of(setup.crm_campaign, "cy@example.com")
    assert row.event_id == events["301"].pk
    assert fields["mobilize_signup_source"] == "Demo Campaign"
    assert fields["mobilize_participation_status"] == "CONFIRMED"


def test_our_recruit_to_an_event_across_the_firewall_goes_to_a_masked_event(setup):
    setup.sync()
    events = _ak.events(setup.crm_campaign)
    assert "201" not in events and "211" not in events, "the PAC's events are never synced unmasked"
    [masked] = [event for key, event in events.items() if key.startswith("masked-")]
    slot = setup.world.events["pac_recruited"]["timeslots"][0]
    assert masked.starts_at.replace(tzinfo=None) == wall(slot["start_date"]), "date/time kept"
    assert masked.fields["event_type"] == "Phone Bank", "event type kept"
    assert (masked.city, masked.country) == ("Puerto Natales", "Chile")
    assert masked.title == "Masked"
    row, _ = _ak.signup_of(setup.crm_campaign, "dee@example.com")
    assert row.event_id == masked.pk
    assert row.attended is False, "attended is always false on masked signups (Dee did attend)"


def test_every_value_on_the_masked_event_and_signup_is_allowed(setup):
    """Walk every native and custom field ActionKit holds for the masked records."""
    setup.sync()
    [masked] = [event for key, event in _ak.events(setup.crm_campaign).items() if key.startswith("masked-")]
    pac_event = setup.world.events["pac_recruited"]
    slot = pac_event["timeslots"][0]
    leaks = {
        pac_event["title"],
        pac_event["description"],
        "Independent PAC",
        "1500 Market St",
        "Philadelphia",
        "19102",
        "Riley",
        "organizer2002@example.org",
        str(pac_event["id"]),
        str(slot["id"]),
        pac_event["browser_url"],
        "Bring water.",
    }
    native = {
        name: getattr(masked.row, name)
        for name in ("title", "venue", "address1", "address2", "city", "state", "zip", "country")
    }
    native.update(public_description=masked.public_description, note_to_attendees=masked.note_to_attendees)
    for name, value in {**native, **masked.fields}.items():
        assert str(value) not in leaks, f"masked event field {name} leaks {value!r}"
        if name not in ("mobilize_timeslot", "event_type", "mobilize_timeslot_id", "city", "country"):
            assert value in ("Masked", "", None), f"masked event field {name} = {value!r}"
    row, fields = _ak.signup_of(setup.crm_campaign, "dee@example.com")
    for name, value in fields.items():
        assert value == "Masked", f"masked signup field {name} = {value!r}"
    assert (row.user.first_name, row.user.last_name, row.user.zip) == ("Dee", "Park", "19107")
    assert row.status == "active" and row.attended is False


def test_signup_recruited_by_the_other_side_keeps_its_details_but_masks_the_signup_source(setup):
    setup.sync()
    row, fields = _ak.signup_of(setup.crm_campaign, "ben@example.com")
    assert row.event_id == _ak.events(setup.crm_campaign)["102"].pk
    assert fields["mobilize_signup_source"] == "Masked"
    assert fields["mobilize_participation_status"] == "REGISTERED"
    assert fields["mobilize_timeslot_start"].startswith(
        wall(setup.world.events["multi"]["timeslots"][1]["start_date"]).strftime("%Y-%m-%dT%H:%M")
    )


def test_signup_fields_follow_the_seed(setup):
    setup.sync()
    row, fields = _ak.signup_of(setup.crm_campaign, "ana@example.com", "101")
    action = row.actions.get()
    assert (action.source, action.akid) == ("weekly-email", ".1501.Xk501q"), "source and akid from the signup URL"
    assert fields["utm_source"] == "newsletter"
    assert fields["utm_campaign"] == "x" * 100, "utm values are limited to 100 characters"
    assert fields["mobilize_attendance_status"] == "REGISTERED"
    assert fields["van_attendance_status"] == "None"
    assert fields["mobilize_signup_source"] == "Demo Campaign"
    assert fields["referrer"].startswith("https://www.mobilize.us/")
    past, past_fields = _ak.signup_of(setup.crm_campaign, "ana@example.com", "151")
    assert past.attended is True and past_fields["mobilize_attendance_status"] == "ATTENDED"


def test_volunteers_and_dashboard_users_become_users_with_a_home_phone_from_mobilizeamerica_sync(setup):
    setup.sync()
    ana = _ak.user("ana@example.com")
    assert (ana.first_name, ana.last_name, ana.zip) == ("Ana", "Lopez", "19103")
    [phone] = ana.phones.all()
    assert (phone.type, phone.source) == ("home", "mobilizeamerica_sync")
    assert phone.normalized_phone.endswith("2155550101")
    organizer = _ak.user(f"organizer{OURS}@example.org")
    assert (organizer.first_name, organizer.last_name) == ("Riley", "Organizer")


def test_phone_rule_matches_an_existing_phone_with_the_same_number_instead_of_adding_one(setup):
    from sandbox.actionkit.setup import ensure_phone, ensure_user

    ensure_phone(ensure_user("ana@example.com", first_name="Ana"), "215.555.0101", type="mobile", source="website")
    setup.sync()
    phones = list(_ak.user("ana@example.com").phones.all())
    assert [(p.source, p.type) for p in phones] == [("website", "mobile")]


def test_phone_rule_updates_our_own_phone_record_when_the_number_changes(setup):
    setup.sync()
    ana = setup.world.touch(setup.world.people["ana"])
    ana["phone_numbers"] = [{"primary": True, "number": "215-555-0199"}]
    setup.load()
    setup.sync()
    [phone] = _ak.user("ana@example.com").phones.all()
    assert phone.normalized_phone.endswith("2155550199") and phone.source == "mobilizeamerica_sync"


def test_attendance_changes_update_the_existing_signup(setup):
    setup.sync()
    before, _ = _ak.signup_of(setup.crm_campaign, "ana@example.com", "101")
    attendance = setup.world.touch(setup.world.attendances["ana_multi"])
    attendance.update(status="CANCELLED", rating="NEGATIVE", feedback="Rained out.")
    setup.load()
    run = setup.sync()
    assert run.items.get(source_id="7001").action == SyncItem.Action.UPDATED
    after, fields = _ak.signup_of(setup.crm_campaign, "ana@example.com", "101")
    assert after.pk == before.pk, "updated in place, never a second signup"
    assert after.status == "cancelled"
    assert fields["mobilize_attendance_status"] == "CANCELLED"
    assert fields["mobilize_participation_status"] == "CANCELLED"
    assert (fields["mobilize_rating"], fields["mobilize_feedback"]) == ("Negative", "Rained out.")
    attendance = setup.world.touch(setup.world.attendances["ana_multi"])
    attendance.update(status="CONFIRMED", attended=True)
    setup.load()
    setup.sync()
    after, fields = _ak.signup_of(setup.crm_campaign, "ana@example.com", "101")
    assert after.attended is True and after.status == "active"
    assert fields["mobilize_attendance_status"] == "ATTENDED"


def test_deleted_timeslot_sets_its_actionkit_event_status_to_deleted(setup):
    setup.sync()
    multi = setup.world.touch(setup.world.events["multi"])
    multi["timeslots"] = multi["timeslots"][:2]
    setup.load()
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    events = _ak.events(setup.crm_campaign)
    assert events["103"].status == "deleted"
    assert events["101"].status == events["102"].status == "active"


def test_deleted_event_sets_every_one_of_its_actionkit_events_to_deleted(setup):
    setup.sync()
    gone = setup.world.events.pop("multi")
    setup.world.attendances.pop("ana_multi")
    setup.world.attendances.pop("ben_multi")
    setup.world.deleted_events.append(
        {"id": gone["id"], "deleted_date": int(__import__("time").time()), "sandbox_organization_id": OURS}
    )
    setup.load()
    run = setup.sync()
    assert run.streams["deleted_events"]["updated"] == 3
    events = _ak.events(setup.crm_campaign)
    assert [events[key].status for key in ("101", "102", "103")] == ["deleted"] * 3


def test_a_second_run_without_changes_writes_nothing(setup):
    first = setup.sync()
    assert first.created > 10
    writes = setup.writes
    second = setup.sync()
    assert (second.created, second.updated, second.failed) == (0, 0, 0)
    assert setup.writes == writes, "not a single write to ActionKit"
    third = setup.sync(full_resync=True)
    assert setup.writes == writes, "a full resync rereads everything but still writes only differences"
    assert third.failed == 0
    assert third.updated == 0, "nothing was written, so nothing is reported updated"
    assert third.unchanged == third.fetched - third.skipped


def test_dry_run_records_what_would_be_written_and_writes_nothing(setup):
    run = setup.sync(dry_run=True)
    assert setup.writes == 0
    assert run.items.filter(action=SyncItem.Action.WOULD_CREATE).count() >= 10
    assert not RecordLink.objects.filter(integration=setup.crm).exists()
    from sandbox.actionkit.models import Event

    assert not Event.objects.exists()


def test_test_connection_checks_mobilize_and_the_actionkit_pages(setup):
    from integrations.services import test_connection

    checked = " ".join(test_connection(setup.crm))
    assert "crm-host" in checked and "crm-signup" in checked
    setup.crm.actionkit.event_signup_page = "no-such-page"
    setup.crm.actionkit.save()
    from integrations.connectors.errors import ConnectorError

    with pytest.raises(ConnectorError, match="no-such-page"):
        test_connection(setup.crm.__class__.objects.get(pk=setup.crm.pk))


def test_signup_scope_excludes_attendances_that_are_neither_our_event_nor_our_recruit(setup):
    # A signup the PAC recruited to the ally's event reaches neither our events nor our recruits.
    world = setup.world
    world.attendances["stranger"] = {
        **world.attendances["cy_ally"],
        "id": 7099,
        "person": {"id": world.people["ben"]["user_id"]},
        "sponsor": {"id": PAC},
    }
    setup.load()
    run = setup.sync()
    assert not [
        r
        for r, _ in _ak.signups(setup.crm_campaign)
        if r.user.email == "ben@example.com" and r.event.title == "Ally rally"
    ]
    if run.items.filter(source_id="7099").exists():
        assert run.items.get(source_id="7099").action == SyncItem.Action.SKIPPED


def test_events_keep_their_timeslot_times_in_the_events_own_time_zone(setup):
    setup.world.events["multi"]["timezone"] = "America/Los_Angeles"
    setup.load()
    setup.sync()
    ak = _ak.events(setup.crm_campaign)["101"]
    start = setup.world.events["multi"]["timeslots"][0]["start_date"]
    local = datetime.fromtimestamp(start, ZoneInfo("America/Los_Angeles"))
    assert ak.starts_at.replace(tzinfo=None) == local.replace(tzinfo=None)
    assert ak.fields["mobilize_timeslot"].startswith(f"[{local.isoformat()}")
    assert mapping.event_type_name("CANVASS") == ak.fields["event_type"]
    assert start > __import__("time").time() + DAY


def test_our_signup_to_a_promoted_event_mobilize_keeps_private_is_skipped_with_the_reason(setup):
    from ._world import ALLY, attendance, event, now, timeslot

    world = setup.world
    world.events["ally_private"] = event(32, ALLY, [timeslot(321, now() + 40 * DAY)], visibility="PRIVATE")
    world.attendances["cy_private"] = attendance(7010, world.people["cy"], 32, 321, OURS)
    setup.load()
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    item = run.items.get(source_id="7010")
    assert item.action == SyncItem.Action.SKIPPED
    assert "does not show this organization the promoted event 32" in item.error
    assert "321" not in _ak.events(setup.crm_campaign)
