"""Mobilize -> PDI end to end over HTTP: the mirror, the flow and the PDI sandbox (seed 002)."""

from __future__ import annotations

import time

import pytest

from integrations.models import PdiCalendar, SyncItem, SyncRun
from tests.flows.actionkit._world import DAY, HOUR, OURS, attendance, event, now, timeslot

from . import _pdi

pytestmark = pytest.mark.django_db(transaction=True)


def succeeded(run: SyncRun) -> SyncRun:
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    return run


def test_one_pdi_event_per_timeslot_in_the_calendar_mapped_from_its_event_type(pdi):
    succeeded(pdi.sync())
    multi = pdi.world.events["multi"]
    events = _pdi.events_of(multi)
    assert len(events) == 3, "one PDI event per Mobilize timeslot"
    for held, slot in zip(events, multi["timeslots"], strict=True):
        assert held["calendar"] == "Canvassing", "CANVASS is mapped to Canvassing"
        assert held["name"] == multi["title"]
        assert held["startDateTimeUtc"] == _pdi.utc(slot["start_date"])
        assert held["endDateTimeUtc"] == _pdi.utc(slot["end_date"])
        assert held["isAllDay"] == "false"
        assert held["website"] == multi["browser_url"]
        assert held["contactEmail"] == multi["contact"]["email_address"]
        assert held["phone"] == multi["contact"]["phone_number"]
        assert "1500 Market St" in held["location"] and "Philadelphia" in held["location"]
    [rally] = _pdi.events_of(pdi.world.events["ally_recruited"])
    assert rally["calendar"] == "Rallies"


def test_every_event_in_our_list_is_synced_owned_and_promoted(pdi):
    succeeded(pdi.sync())
    for key in ("ally_quiet", "pac_quiet", "ally_recruited", "pac_recruited", "virtual", "past_and_future"):
        record = pdi.world.events[key]
        assert len(_pdi.events_of(record)) == len(record["timeslots"]), key


def test_events_at_one_address_share_one_pdi_location_and_a_virtual_event_has_none(pdi):
    succeeded(pdi.sync())
    multi = _pdi.events_of(pdi.world.events["multi"])
    assert len({held["locationId"] for held in multi}) == 1, "one location for one address"
    [virtual] = _pdi.events_of(pdi.world.events["virtual"])
    assert virtual["locationId"] is None
    [private] = _pdi.events_of(pdi.world.events["private_address"])
    assert "1500 Market St" not in (private["location"] or ""), "a private address is never reconstructed"


def test_a_volunteer_is_matched_to_an_existing_contact_by_email_and_another_is_created(pdi):
    from sandbox.pdi.setup import create_contact

    existing = create_contact("Anabel", "Lopez-Rivera", email="ANA@example.com")
    run = succeeded(pdi.sync())
    [matched] = run.items.filter(stream="contacts", action=SyncItem.Action.MATCHED)
    assert (matched.label, matched.destination_id) == ("ana@example.com", str(existing.pk))
    assert run.updated == 0, "nothing was written to the matched contact: it is not counted as updated"
    contacts = _pdi.contacts()
    assert contacts["ana@example.com"]["id"] == existing.pk, "matched by email, not created"
    assert (contacts["ana@example.com"]["firstName"], contacts["ana@example.com"]["lastName"]) == (
        "Anabel",
        "Lopez-Rivera",
    ), "a matched contact is the campaign's own record: never changed"
    ben = contacts["ben@example.com"]
    assert (ben["firstName"], ben["lastName"]) == ("Ben", "Okafor")
    assert ben["phones"] == [("2155550102", "Mobile")]
    assert _pdi.invitation("ana@example.com", pdi.world.events["multi"], 0) is not None


def test_contacts_are_matched_by_email_only_never_by_name(pdi):
    from sandbox.pdi.setup import create_contact

    namesake = create_contact("Ben", "Okafor", email="another.ben@example.com")
    succeeded(pdi.sync())
    contacts = _pdi.contacts()
    assert contacts["ben@example.com"]["id"] != namesake.pk
    assert contacts["another.ben@example.com"]["id"] == namesake.pk


def test_attended_completed_is_true_no_show_is_false_and_null_defaults_to_false(pdi):
    pdi.world.attendances["ben_multi"]["attended"] = False  # No-Show
    pdi.load()
    succeeded(pdi.sync())
    multi, weekly = pdi.world.events["multi"], pdi.world.events["past_and_future"]
    assert _pdi.invitation("ana@example.com", weekly, 0)["attended"] is True, "Completed"
    assert _pdi.invitation("ben@example.com", multi, 1)["attended"] is False, "No-Show"
    assert _pdi.invitation("ana@example.com", multi, 0)["attended"] is False, "null defaults to false"


def test_rsvp_status_and_confirmed_come_from_the_mobilize_status(pdi):
    succeeded(pdi.sync())
    ally = pdi.world.events["ally_recruited"]
    confirmed = _pdi.invitation("cy@example.com", ally, 0)
    assert (confirmed["rsvpStatus"], confirmed["isConfirmed"]) == ("Yes", True)
    registered = _pdi.invitation("ana@example.com", pdi.world.events["multi"], 0)
    assert (registered["rsvpStatus"], registered["isConfirmed"]) == ("Yes", False)
    pdi.world.touch(pdi.world.attendances["ana_multi"])["status"] = "CANCELLED"
    pdi.load()
    run = succeeded(pdi.sync())
    assert run.updated == 1
    assert _pdi.invitation("ana@example.com", pdi.world.events["multi"], 0)["rsvpStatus"] == "Cancelled"


def test_an_unmapped_event_type_is_skipped_with_the_reason_and_so_are_its_signups(pdi):
    town_hall = pdi.world.touch(pdi.world.events["accessible"])
    town_hall["event_type"] = "MEETING"
    pdi.world.attendances["cy_town_hall"] = attendance(7010, pdi.world.people["cy"], 14, 141, OURS)
    pdi.load()
    run = succeeded(pdi.sync())
    assert _pdi.events_of(town_hall) == []
    skipped = {item.source_id: item.error for item in run.items.filter(action=SyncItem.Action.SKIPPED)}
    assert "mapped to no PDI calendar" in skipped["141"] and "Meeting" in skipped["141"]
    assert "mapped to no PDI calendar" in skipped["7010"]
    assert _pdi.contacts()["cy@example.com"], "the volunteer is still a contact"


def test_a_default_calendar_takes_the_unmapped_types_when_chosen(pdi):
    town_hall = pdi.world.touch(pdi.world.events["accessible"])
    town_hall["event_type"] = "MEETING"
    pdi.load()
    config = pdi.integration.pdi
    config.default_calendar = PdiCalendar.objects.get(config=config, name="Trainings")
    config.save()
    succeeded(pdi.sync())
    [held] = _pdi.events_of(town_hall)
    assert held["calendar"] == "Trainings"


def test_mapping_a_skipped_type_later_syncs_its_events_and_signups_and_rewrites_nothing_else(pdi):
    from integrations import services
    from integrations.models import PdiCalendarMapping

    town_hall = pdi.world.touch(pdi.world.events["accessible"])
    town_hall["event_type"] = "MEETING"
    pdi.world.attendances["cy_town_hall"] = attendance(7010, pdi.world.people["cy"], 14, 141, OURS)
    pdi.load()
    succeeded(pdi.sync())
    writes = pdi.data_writes
    config = pdi.integration.pdi
    PdiCalendarMapping.objects.filter(config=config, event_type="MEETING").update(
        calendar=PdiCalendar.objects.get(config=config, name="Trainings")
    )
    services.replay_mirror(pdi.integration)  # what saving the mapping on the integration page does
    run = succeeded(pdi.sync())
    assert (run.created, run.updated) == (2, 0), "the event and Cy's invitation; the rest is unchanged"
    assert _pdi.events_of(town_hall)[0]["calendar"] == "Trainings"
    assert _pdi.invitation("cy@example.com", town_hall, 0)["rsvpStatus"] == "Yes"
    assert pdi.data_writes == writes + 2


def test_test_connection_logs_in_to_pdi_and_lists_the_calendars(pdi):
    from integrations.flows.registry import get_flow

    checked = get_flow(pdi.integration).test_connection()
    text = " ".join(checked)
    assert "PDI: logged in as" in text and "Canvassing" in text and "Mobilize" in text
    assert "pdi-secret-password" not in text and "pdi-api-token" not in text


def test_changes_update_the_pdi_event_made_before(pdi):
    succeeded(pdi.sync())
    multi = pdi.world.touch(pdi.world.events["multi"])
    before = [held["id"] for held in _pdi.events_of(multi)]
    multi["title"] = "Saturday canvass"
    multi["timeslots"][0]["end_date"] += HOUR
    pdi.load()
    run = succeeded(pdi.sync())
    assert run.created == 0 and run.updated == 3
    after = _pdi.events_of(multi)
    assert [held["id"] for held in after] == before, "updated in place"
    assert {held["name"] for held in after} == {"Saturday canvass"}
    assert after[0]["endDateTimeUtc"] == _pdi.utc(multi["timeslots"][0]["end_date"])


def test_a_deleted_timeslot_cancels_its_pdi_event_and_keeps_its_invitations(pdi):
    succeeded(pdi.sync())
    multi = pdi.world.touch(pdi.world.events["multi"])
    removed = multi["timeslots"].pop(1)  # Ben's shift
    pdi.world.attendances.pop("ben_multi")  # Mobilize no longer lists a signup to a removed shift
    pdi.load()
    run = succeeded(pdi.sync())
    held = _pdi.event_by_start(multi, removed["start_date"])
    assert held["name"] == f"Cancelled: {multi['title']}"
    assert held["description"].startswith("Deleted in Mobilize")
    kept = [e["name"] for e in _pdi.events_of(multi) if e["id"] != held["id"]]
    assert kept == [multi["title"]] * 2, "the other shifts are untouched"
    assert _pdi.invitations_on(held["id"]), "the attendance history stays"
    assert run.items.filter(source_id=str(removed["id"]), action=SyncItem.Action.UPDATED).exists()


def test_a_deleted_event_cancels_the_pdi_events_of_all_its_timeslots(pdi):
    succeeded(pdi.sync())
    weekly = pdi.world.events.pop("past_and_future")
    pdi.world.attendances.pop("ana_past")
    # Mobilize stamps a deletion when it happens, so it is listed by the next updated_since.
    pdi.world.deleted_events.append(
        {"id": weekly["id"], "deleted_date": int(time.time()), "sandbox_organization_id": OURS}
    )
    pdi.load()
    succeeded(pdi.sync())
    held = [_pdi.event_by_start(weekly, slot["start_date"]) for slot in weekly["timeslots"]]
    assert [h["name"] for h in held] == [f"Cancelled: {weekly['title']}"] * 2
    again = succeeded(pdi.sync())
    assert (again.created, again.updated) == (0, 0), "cancelled once"


def test_a_second_run_without_changes_writes_nothing(pdi):
    first = succeeded(pdi.sync())
    assert first.created > 20
    writes = pdi.data_writes
    second = succeeded(pdi.sync())
    assert (second.created, second.updated) == (0, 0)
    assert pdi.data_writes == writes, "no PDI write"
    full = succeeded(pdi.sync(full_resync=True))
    assert (full.created, full.updated) == (0, 0), full.message
    assert pdi.data_writes == writes, "a full resync finds PDI as wanted and writes nothing"
    _pdi.assert_no_duplicates()


def test_a_full_resync_repairs_an_event_edited_by_hand_in_pdi(pdi):
    succeeded(pdi.sync())
    first = _pdi.events_of(pdi.world.events["multi"])[0]
    _pdi.edit_event(first["id"], name="Renamed by hand")
    run = succeeded(pdi.sync(full_resync=True))
    assert run.updated == 1
    assert _pdi.events_of(pdi.world.events["multi"])[0]["name"] == pdi.world.events["multi"]["title"]


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(pdi):
    run = succeeded(pdi.sync(dry_run=True))
    assert pdi.data_writes == 0
    assert run.items.filter(action=SyncItem.Action.WOULD_CREATE).count() >= 13
    assert _pdi.events_of(pdi.world.events["multi"]) == []


def test_a_new_signup_to_a_new_event_reaches_pdi_on_the_next_run(pdi):
    succeeded(pdi.sync())
    start = now() + 10 * DAY
    pdi.world.events["new"] = pdi.world.touch(event(16, OURS, [timeslot(161, start)], title="New canvass"))
    pdi.world.attendances["dee_new"] = pdi.world.touch(attendance(7020, pdi.world.people["dee"], 16, 161, OURS))
    pdi.load()
    run = succeeded(pdi.sync())
    assert run.created >= 2
    assert _pdi.invitation("dee@example.com", pdi.world.events["new"], 0)["rsvpStatus"] == "Yes"


def test_across_the_firewall_the_volunteer_is_a_contact_and_the_withheld_event_is_never_reconstructed(pac_pdi):
    # The PAC is independent; Ben signed up through its feed for our (coordinated) canvass:
    # Mobilize shows the PAC Ben, but not the attendance's event or timeslot.
    run = succeeded(pac_pdi.sync())
    skipped = [item for item in run.items.filter(action=SyncItem.Action.SKIPPED) if "firewall" in item.error]
    assert skipped, "the withheld signup is itemised with its reason"
    assert "ben@example.com" in _pdi.contacts()
    multi = pac_pdi.world.events["multi"]
    ben_shift = _pdi.event_by_start(multi, multi["timeslots"][1]["start_date"])
    assert ben_shift is None or not [
        invitation for invitation in _pdi.invitations_on(ben_shift["id"]) if invitation["email"] == "ben@example.com"
    ], "no invitation is made up for a signup whose event Mobilize withholds"
