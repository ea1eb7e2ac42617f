"""The synthetic organization generator: deterministic, complete enough to exercise every rule."""

from __future__ import annotations

import pytest

from sandbox.mobilize.dump import dump
from sandbox.mobilize.generator import generate
from sandbox.mobilize.models import ApiKey, Attendance, DeletedEvent, Event, Location, Organization, Person, Timeslot

pytestmark = pytest.mark.django_db

NOW = 1_795_996_800  # 2026-11-24


def small(**overrides):
    arguments = {"events": 60, "attendances": 400, "people": 80, "seed": 5, "organization_id": 77, "api_key": "gen"}
    return generate(**{**arguments, **overrides, "now": NOW})


def test_the_same_seed_gives_the_same_dump():
    small()
    first = dump()
    small()
    assert dump() == first


def test_another_seed_gives_other_data():
    small()
    first = dump()
    small(seed=6)
    assert dump() != first


def test_generating_again_replaces_the_previous_run_and_leaves_other_data_alone(make):
    bystander = make.event(make.org(id=5, key="bystander"))
    small()
    counts = [m.objects.count() for m in (Organization, Event, Timeslot, Person, Attendance, DeletedEvent)]
    small()
    assert [m.objects.count() for m in (Organization, Event, Timeslot, Person, Attendance, DeletedEvent)] == counts
    assert Event.objects.filter(pk=bystander.pk).exists()


def test_the_summary_counts_what_was_written():
    summary = small()
    assert summary["events"] == Event.objects.count() == 60
    assert summary["attendances"] == Attendance.objects.count() == 400
    assert summary["people"] == Person.objects.count() == 80
    assert summary["timeslots"] == Timeslot.objects.count()
    assert summary["deleted_events"] == DeletedEvent.objects.count() >= 1
    assert ApiKey.objects.get(key="gen").organization_id == 77
    assert ApiKey.objects.get(key=summary["independent_api_key"]).organization_id == 78
    assert ApiKey.objects.get(key=summary["allied_api_key"]).organization_id == 79


def test_the_organizations_promote_each_other_across_the_firewall():
    small()
    main, independent, allied = Organization.objects.filter(pk__in=[77, 78, 79]).order_by("id")
    assert main.is_coordinated and not independent.is_coordinated and allied.is_coordinated
    assert set(main.promotes.values_list("id", flat=True)) == {78, 79}
    assert list(independent.promotes.values_list("id", flat=True)) == [77]
    assert independent.restricts_sharing


def test_the_events_cover_the_cases_a_sync_must_handle():
    small()
    events = Event.objects.all()
    slot_counts = {e.timeslots.count() for e in events}
    assert slot_counts <= {1, 2, 3, 4} and len(slot_counts) > 1
    assert Timeslot.objects.filter(start_date__lt=NOW).exists() and Timeslot.objects.filter(start_date__gt=NOW).exists()
    assert events.filter(is_virtual=True, location__isnull=True).exists()
    assert events.filter(is_virtual=True, location__isnull=False).exists()
    assert events.filter(address_visibility="PRIVATE").exists()
    assert events.filter(visibility="PRIVATE").exists()
    assert events.exclude(approval_status="APPROVED").exists()
    assert events.filter(accessibility_status__isnull=False).exclude(accessibility_notes="").exists()
    assert set(Location.objects.values_list("region", flat=True)) >= {"PR", "GU", "VI"}
    assert events.values("timezone").distinct().count() >= 4
    assert events.filter(event_campaign__isnull=False).exists()
    assert not events.filter(contact_owner_user_id__isnull=True).exists()
    assert set(events.values_list("organization_id", flat=True)) == {77, 78, 79}


def test_the_attendances_cover_the_cases_a_sync_must_handle():
    small()
    attendances = Attendance.objects.all()
    assert set(attendances.values_list("status", flat=True)) == {"REGISTERED", "CONFIRMED", "CANCELLED"}
    assert set(attendances.values_list("attended", flat=True)) == {True, False, None}
    assert attendances.filter(referrer_url__contains="?source=", utm_source__isnull=False).exists()
    assert attendances.filter(referrer_url__contains="&akid=").exists()
    assert attendances.filter(event__organization_id=77, sponsor_id=78).exists()  # recruited by the promoter
    assert attendances.filter(event__organization_id=78, sponsor_id=77).exists()  # recruited for a promoted event
    assert attendances.filter(event__organization_id=79, sponsor_id=77).exists()
    assert attendances.filter(rating__isnull=False).exists() and attendances.filter(feedback__isnull=False).exists()
    overridden = attendances.filter(override_start_date__isnull=False)
    assert overridden.exists() and not overridden.filter(event__is_virtual=False).exists()
    assert Person.objects.filter(organizations=78).exclude(organizations=77).exists()  # email withheld from 77
    pairs = list(attendances.values_list("person_id", "timeslot_id"))
    assert len(pairs) == len(set(pairs))  # one attendance per person per timeslot


def test_generated_data_is_served_with_the_firewall_applied(api):
    small(events=12, attendances=60, people=20)
    _, own = api.get("organizations/77/attendances", "gen", {"per_page": 100})
    assert (
        own["count"]
        == Attendance.objects.filter(event__organization_id=77).count()
        + Attendance.objects.filter(sponsor_id=77).exclude(event__organization_id=77).count()
    )
    _, independent = api.get("organizations/78/attendances", "gen-independent", {"per_page": 100})
    across = [a for a in independent["data"] if "id" not in a]
    assert across and all(set(a["event"]) == {"event_type"} for a in across)


@pytest.mark.parametrize(
    "arguments",
    [{"events": 0, "attendances": 1}, {"events": 1, "attendances": -1}, {"events": 100_000, "attendances": 1}],
)
def test_impossible_sizes_are_refused(arguments):
    with pytest.raises(ValueError):
        generate(**arguments)


def test_no_generated_modified_date_lies_in_the_future(db):
    """Mobilize never reports a change from the future; a watermark past now would hide later edits."""
    import time

    from sandbox.mobilize.generator import generate
    from sandbox.mobilize.models import Attendance, Event, Person

    generate(events=40, attendances=400, people=200, seed=5, organization_id=77)
    now = time.time()
    for model in (Event, Person, Attendance):
        latest = max(model.objects.values_list("modified_date", flat=True))
        assert latest <= now, f"a {model.__name__} modified in the future"
