"""Automations' triggers, A/B splits and event groups: the seed's automation rules, one test each."""

from __future__ import annotations

from collections import Counter

import pytest

from integrations.flows.ascend.mapping import (
    GROUP_NAME_MAX,
    activities,
    choose_variant,
    group_name,
    status_snapshot,
)

from ._records import DROP, attendance, event, timeslot_full

REGISTERS, CONFIRMS, ATTENDS, CANCELS, WAITLISTED = "registers", "confirms", "attends", "cancels", "waitlisted"


def seen(**changes):
    """The snapshot the ledger would have kept of the example attendance with these changes."""
    return status_snapshot(attendance(**changes))


def test_status_snapshot_keeps_status_attended_and_waitlisted():
    assert seen() == {"status": "REGISTERED", "attended": False, "waitlisted": False}
    assert seen(status="confirmed", attended=True) == {"status": "CONFIRMED", "attended": True, "waitlisted": False}
    assert seen(timeslot=timeslot_full(True)) == {"status": "REGISTERED", "attended": False, "waitlisted": True}
    # Cancelled is never waitlisted, and attended is true only when Mobilize says true.
    assert seen(status="CANCELLED", timeslot=timeslot_full(True), attended=None)["waitlisted"] is False
    assert seen(status=DROP, attended="yes") == {"status": None, "attended": False, "waitlisted": False}


def test_each_activity_is_detected_once_from_the_last_status_seen():
    journey = [
        attendance(status="REGISTERED", attended=None),
        attendance(status="REGISTERED", attended=None),
        attendance(status="CONFIRMED", attended=None),
        attendance(status="CONFIRMED", attended=None),
        attendance(status="CONFIRMED", attended=True),
        attendance(status="CONFIRMED", attended=True),
    ]
    previous, reached = None, []
    for record in journey:
        reached.append(activities(previous, record))
        previous = status_snapshot(record)
    assert reached == [[REGISTERS], [], [CONFIRMS], [], [ATTENDS], []]


def test_activities_first_seen_late_are_all_reached_in_order():
    assert activities(None, attendance(status="CONFIRMED", attended=True)) == [REGISTERS, CONFIRMS, ATTENDS]
    assert activities(None, attendance(status="REGISTERED", attended=True)) == [REGISTERS, ATTENDS]


def test_cancels_when_the_status_becomes_cancelled():
    assert activities(seen(status="CONFIRMED"), attendance(status="CANCELLED")) == [CANCELS]
    assert activities(seen(status="CANCELLED"), attendance(status="CANCELLED")) == []
    # First seen already cancelled: no "registers" welcome after a cancellation.
    assert activities(None, attendance(status="CANCELLED")) == [CANCELS]


def test_registering_again_after_cancelling_is_reached_again():
    # The flow's firing table, not this function, keeps an automation from firing twice for a member.
    assert activities(seen(status="CANCELLED"), attendance(status="REGISTERED")) == [REGISTERS]


def test_unchanged_snapshot_reaches_nothing():
    for changes in ({}, {"status": "CONFIRMED", "attended": True}, {"status": "CANCELLED"}, {"status": DROP}):
        assert activities(seen(**changes), attendance(**changes)) == []


def test_waitlisted_is_a_registration_to_a_full_timeslot():
    # Mobilize has no waitlist status: first seen registered while the timeslot is full.
    assert activities(None, attendance(timeslot=timeslot_full(True))) == [WAITLISTED]
    assert activities(None, attendance(timeslot=timeslot_full(False))) == [REGISTERS]
    assert activities(None, attendance(status="CONFIRMED", timeslot=timeslot_full(True))) == [WAITLISTED, CONFIRMS]
    # A timeslot that fills after the member registered does not waitlist them.
    assert activities(seen(timeslot=timeslot_full(False)), attendance(timeslot=timeslot_full(True))) == []
    # ... nor does one that frees up make a waitlisted member "register".
    assert activities(seen(timeslot=timeslot_full(True)), attendance(timeslot=timeslot_full(False))) == []


def test_waitlisted_reads_is_full_from_the_event_timeslot_when_the_attendance_lacks_it():
    full_event = event()
    full_event["timeslots"][0]["is_full"] = True
    record = attendance(event=full_event)  # the attendance's timeslot {id: 11, ...} has no is_full
    assert record["timeslot"]["is_full"] is None
    assert activities(None, record) == [WAITLISTED]
    # Another timeslot of the event being full says nothing about this one.
    assert activities(None, attendance(event=full_event, timeslot={"id": 12})) == [REGISTERS]


def test_ab_split_is_even():
    flows = ["flow-a", "flow-b", "flow-c"]
    for members in (1, 2, 3, 10, 100, 101):
        counts = Counter(choose_variant(flows, fired) for fired in range(members))
        assert max(counts.values()) - min(counts[flow] for flow in flows) <= 1
    assert [choose_variant(["only"], fired) for fired in range(3)] == ["only"] * 3
    assert [choose_variant(["a", "b"], fired) for fired in range(4)] == ["a", "b", "a", "b"]


def test_ab_split_needs_a_flow():
    with pytest.raises(ValueError):
        choose_variant([], 0)
    with pytest.raises(ValueError):
        choose_variant(["a"], -1)


def test_event_group_shares_the_event_name():
    assert group_name(event()) == "Canvass for Alex"
    assert group_name(event(title="  Phonebank  ")) == "Phonebank"
    long_title = "Weekend of action " * 20
    assert len(long_title) > GROUP_NAME_MAX
    assert group_name(event(title=long_title)) == long_title[:GROUP_NAME_MAX].rstrip()
    assert group_name(event(title="")) == "Mobilize event 1"
