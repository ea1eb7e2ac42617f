"""modified_date semantics of the sandbox models: what `updated_since` sees after a change."""

from __future__ import annotations

import pytest
import time_machine

from sandbox.mobilize.models import DeletedEvent, Event, Location, Timeslot

pytestmark = pytest.mark.django_db

T0 = 1_800_000_000


@pytest.fixture
def event(make):
    with time_machine.travel(T0, tick=False):
        org = make.org(id=1, key="k")
        return make.event(org, location={"venue": "HQ", "postal_code": "19102"})


def modified(event) -> int:
    return Event.objects.get(pk=event.pk).modified_date


def test_saving_an_event_bumps_its_modified_date(event):
    assert modified(event) == T0
    with time_machine.travel(T0 + 60, tick=False):
        event.title = "Renamed"
        event.save()
    assert modified(event) == T0 + 60


def test_saving_the_location_bumps_the_event(event):
    with time_machine.travel(T0 + 70, tick=False):
        location = Location.objects.get(event=event)
        location.venue = "New HQ"
        location.save()
    assert modified(event) == T0 + 70


def test_removing_the_location_bumps_the_event(event):
    with time_machine.travel(T0 + 75, tick=False):
        Location.objects.get(event=event).delete()
    assert modified(event) == T0 + 75


def test_saving_or_adding_a_timeslot_bumps_the_event(event):
    with time_machine.travel(T0 + 80, tick=False):
        timeslot = event.timeslots.first()
        timeslot.max_attendees = 10
        timeslot.save()
    assert modified(event) == T0 + 80
    with time_machine.travel(T0 + 90, tick=False):
        event.add_timeslot(T0 + 86400, T0 + 90000)
    assert modified(event) == T0 + 90
    assert event.timeslots.count() == 2


def test_removing_a_timeslot_bumps_the_event_and_drops_its_attendances(event, make):
    attendance = make.attendance(make.person(event.organization), event)
    timeslot = event.timeslots.first()
    with time_machine.travel(T0 + 100, tick=False):
        event.remove_timeslot(timeslot)
    assert modified(event) == T0 + 100 == event.modified_date
    assert not Timeslot.objects.filter(pk=timeslot.pk).exists()
    assert not type(attendance).objects.filter(pk=attendance.pk).exists()


def test_removing_another_events_timeslot_is_refused(event, make):
    other = make.event(event.organization)
    with pytest.raises(ValueError):
        event.remove_timeslot(other.timeslots.first())


def test_mark_deleted_records_a_deleted_event_and_removes_the_event(event):
    event_id = event.pk
    with time_machine.travel(T0 + 200, tick=False):
        deleted = event.mark_deleted()
    assert (deleted.id, deleted.deleted_date, deleted.organization_id) == (event_id, T0 + 200, 1)
    assert not Event.objects.filter(pk=event_id).exists()
    assert DeletedEvent.objects.get(pk=event_id).visibility == "PUBLIC"


def test_attendance_status_and_attended_changes_bump_the_attendance(event, make):
    with time_machine.travel(T0, tick=False):
        attendance = make.attendance(make.person(event.organization), event)
    with time_machine.travel(T0 + 300, tick=False):
        attendance.set_status("CANCELLED")
    attendance.refresh_from_db()
    assert (attendance.status, attendance.modified_date) == ("CANCELLED", T0 + 300)
    with time_machine.travel(T0 + 400, tick=False):
        attendance.set_attended(True)
    attendance.refresh_from_db()
    assert (attendance.attended, attendance.modified_date) == (True, T0 + 400)
    assert modified(event) == T0  # an attendance is not a change to the event
    with pytest.raises(ValueError):
        attendance.set_status("MAYBE")


def test_saving_a_person_bumps_the_person(make):
    with time_machine.travel(T0, tick=False):
        person = make.person()
    with time_machine.travel(T0 + 500, tick=False):
        person.sms_opt_in_status = "OPT_OUT"
        person.save()
    person.refresh_from_db()
    assert person.modified_date == T0 + 500


def test_save_without_touch_keeps_the_given_date(event):
    event.modified_date = 42
    event.save(touch=False)
    assert modified(event) == 42


def test_a_changed_event_shows_up_in_updated_since(event, api):
    with time_machine.travel(T0 + 1000, tick=False):
        event.remove_timeslot(event.timeslots.first())
        event.add_timeslot(T0 + 5000, T0 + 8600)
    status, body = api.get("organizations/1/events", params={"updated_since": T0 + 1000})
    assert status == 200
    assert [e["id"] for e in body["data"]] == [event.id]
    assert body["data"][0]["modified_date"] == T0 + 1000
