"""Mobilize sandbox -> distributed-send flow -> ActionKit sandbox, over HTTP."""

from __future__ import annotations

import time

import pytest

from integrations.models import SyncRun

from . import _ak

pytestmark = pytest.mark.django_db(transaction=True)


def test_distributed_send_syncs_every_owned_and_promoted_event_one_per_timeslot(setup):
    run = setup.sync(setup.distributed_send)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    events = _ak.events(setup.ds_campaign)
    every_timeslot = {str(slot["id"]) for event in setup.world.events.values() for slot in event["timeslots"]}
    assert set(events) == every_timeslot, "owned and promoted, with or without our signups"
    assert {"101", "102", "103"} <= set(events), "one ActionKit event per shift"


def test_distributed_send_applies_no_masking_even_across_the_firewall(setup):
    setup.sync(setup.distributed_send)
    events = _ak.events(setup.ds_campaign)
    pac = events["201"]
    assert pac.title == "PAC phone bank"
    assert pac.fields["event_owning_organization"] == "Independent PAC"
    assert not [key for key in events if key.startswith("masked-")]
    assert "Masked" not in {pac.title, pac.venue, pac.address1, *pac.fields.values()}


def test_distributed_send_fills_shift_times_with_every_timeslot_of_the_event(setup):
    setup.sync(setup.distributed_send)
    events = _ak.events(setup.ds_campaign)
    lines = events["101"].fields["shift_times"].split("\n")
    assert len(lines) == 3 and all(line.startswith("[") and line.endswith("]") for line in lines)
    assert events["102"].fields["shift_times"] == events["101"].fields["shift_times"]
    assert events["101"].fields["mobilize_timeslot"] == lines[0]


def test_distributed_send_syncs_no_people_and_no_signups(setup):
    from sandbox.actionkit.models import EventSignup, User

    setup.sync(setup.distributed_send)
    assert not EventSignup.objects.filter(role="attendee").exists()
    emails = set(User.objects.values_list("email", flat=True))
    assert emails <= {setup.distributed_send.actionkit.placeholder_email}, emails


def test_a_new_timeslot_updates_shift_times_on_the_events_of_the_other_timeslots(setup):
    setup.sync(setup.distributed_send)
    multi = setup.world.touch(setup.world.events["multi"])
    last = multi["timeslots"][-1]
    multi["timeslots"].append(
        {**last, "id": 104, "start_date": last["start_date"] + 86400, "end_date": last["end_date"] + 86400}
    )
    setup.load()
    run = setup.sync(setup.distributed_send)
    assert run.streams["events"]["created"] == 1 and run.streams["events"]["updated"] == 3
    events = _ak.events(setup.ds_campaign)
    assert len(events["101"].fields["shift_times"].split("\n")) == 4


def test_distributed_send_rerun_writes_nothing_and_deleted_events_are_marked_deleted(setup):
    setup.sync(setup.distributed_send)
    writes = setup.writes
    setup.sync(setup.distributed_send)
    assert setup.writes == writes
    gone = setup.world.events.pop("pac_quiet")
    setup.world.deleted_events.append(
        # Mobilize stamps a deletion when it happens, so it is listed by the next updated_since.
        {"id": gone["id"], "deleted_date": int(time.time()), "sandbox_organization_id": 2002}
    )
    setup.load()
    setup.sync(setup.distributed_send)
    assert _ak.events(setup.ds_campaign)["211"].status == "deleted"
