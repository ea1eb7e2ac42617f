"""Loading API-shaped documents into the Mobilize sandbox, dumping them back, and the demo file."""

from __future__ import annotations

import copy
import json

import pytest

from sandbox.mobilize.dump import dump
from sandbox.mobilize.loader import LoadError, load_data, load_file
from sandbox.mobilize.models import ApiKey, Attendance, DeletedEvent, Event, Organization, Person, Timeslot

from .conftest import DEMO_FILE

pytestmark = pytest.mark.django_db


def document() -> dict:
    """A small document in the file format: two organizations, one event, one volunteer."""
    return {
        "organizations": [
            {
                "id": 1,
                "name": "Campaign",
                "slug": "campaign",
                "is_coordinated": True,
                "is_independent": False,
                "created_date": 10,
                "modified_date": 20,
                "org_type": "CAMPAIGN",
                "sandbox_api_keys": ["key-1"],
                "sandbox_promotes": [2],
            },
            {"id": 2, "name": "PAC", "is_independent": True, "sandbox_restricts_sharing": True},
        ],
        "events": [
            {
                "id": 11,
                "title": "Canvass",
                "sponsor": {"id": 1, "name": "Campaign"},
                "timeslots": [
                    {"id": 111, "start_date": 1000, "end_date": 2000, "max_attendees": 5, "instructions": "Hi"},
                    {"id": 112, "start_date": 3000, "end_date": 4000},
                ],
                "location": {
                    "venue": "HQ",
                    "address_lines": ["1 Main St", ""],
                    "locality": "Philadelphia",
                    "region": "PA",
                    "postal_code": "19102",
                    "location": {"latitude": 39.9, "longitude": -75.1},
                    "congressional_district": "3",
                },
                "contact": {"name": "Desk", "email_adddress": "desk@example.org", "owner_user_id": 7},
                "event_campaign": {"id": 5, "slug": "weekend", "event_create_page_url": "https://x/"},
                "tags": [{"id": 3, "name": "Canvass"}],
                "modified_date": 30,
            }
        ],
        "people": [
            {
                "id": 21,
                "user_id": 9021,
                "given_name": "Ana",
                "email_addresses": [{"primary": True, "address": "ana@example.org"}],
                "phone_numbers": [{"primary": True, "number": "2155550100"}],
                "postal_addresses": [{"primary": True, "postal_code": "19102"}],
                "sandbox_organizations": [1],
            }
        ],
        "attendances": [
            {
                "id": 31,
                "person": {"id": 21},
                "event": {"id": 11},
                "timeslot": {"id": 111},
                "status": "CONFIRMED",
                "referrer": {"utm_source": "email", "url": "https://m/?source=email&akid=.1.x"},
                "rating": "POSITIVE",
                "modified_date": 40,
            },
            {
                "id": 32,
                "person": {
                    "id": 22,
                    "given_name": "Ben",
                    "email_addresses": [{"primary": True, "address": "ben@example.org"}],
                },
                "event": {"id": 11, "title": "Canvass"},
                "timeslot": {"id": 112},
                "sponsor": {"id": 2},
            },
        ],
        "deleted_events": [{"id": 12, "deleted_date": 50, "sandbox_organization_id": 1}],
    }


def test_load_data_builds_the_records_the_document_describes():
    summary = load_data(document())
    assert "2 organizations" in summary and "1 events" in summary and "2 attendances" in summary
    campaign = Organization.objects.get(pk=1)
    assert campaign.modified_date == 20 and campaign.is_coordinated
    assert list(campaign.promotes.values_list("id", flat=True)) == [2]
    assert ApiKey.objects.get(key="key-1").organization_id == 1
    assert Organization.objects.get(pk=2).restricts_sharing and not Organization.objects.get(pk=2).is_coordinated
    event = Event.objects.get(pk=11)
    assert (event.modified_date, event.contact_email_address, event.event_campaign.slug) == (
        30,
        "desk@example.org",
        "weekend",
    )
    assert event.location.congressional_district == "3" and event.location.address_line_1 == "1 Main St"
    assert list(event.timeslots.values_list("id", flat=True)) == [111, 112]
    assert list(event.tags.values_list("name", flat=True)) == ["Canvass"]
    ana = Person.objects.get(pk=21)
    assert (ana.user_id, ana.email_address, ana.phone_number) == (9021, "ana@example.org", "2155550100")
    assert list(ana.organizations.values_list("id", flat=True)) == [1]
    assert Person.objects.get(pk=22).user_id == 22  # only nested in an attendance; user_id defaults to id
    first, second = Attendance.objects.order_by("id")
    assert (first.sponsor_id, first.status, first.utm_source, first.rating) == (1, "CONFIRMED", "email", "POSITIVE")
    assert second.sponsor_id == 2
    assert DeletedEvent.objects.get(pk=12).deleted_date == 50


def test_loading_the_same_document_twice_changes_nothing():
    load_data(document())
    before = dump()
    counts = [m.objects.count() for m in (Organization, Event, Timeslot, Person, Attendance, ApiKey)]
    load_data(document())
    assert dump() == before
    assert [m.objects.count() for m in (Organization, Event, Timeslot, Person, Attendance, ApiKey)] == counts


def test_a_document_corrects_what_is_there_and_gives_a_listed_event_exactly_its_timeslots():
    load_data(document())
    changed = document()
    changed["events"][0]["title"] = "Renamed"
    changed["events"][0]["timeslots"] = changed["events"][0]["timeslots"][:1]
    changed["events"][0]["location"] = None
    changed["attendances"] = changed["attendances"][:1]
    load_data(changed)
    event = Event.objects.get(pk=11)
    assert event.title == "Renamed"
    assert list(event.timeslots.values_list("id", flat=True)) == [111]
    assert Event.objects.filter(pk=11, location__isnull=True).exists()
    assert not Attendance.objects.filter(pk=32).exists()  # went with its timeslot


def test_loading_a_deleted_event_removes_the_event():
    load_data(document())
    load_data({"deleted_events": [{"id": 11, "deleted_date": 60, "sandbox_organization_id": 1}]})
    assert not Event.objects.filter(pk=11).exists()
    assert DeletedEvent.objects.get(pk=11).deleted_date == 60


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["attendances"][0].update(timeslot={"id": 999}), "timeslot 999"),
        (lambda d: d["attendances"][0].update(person={"id": 999}), "person 999"),
        (lambda d: d["attendances"][0].update(event={"id": 999}), "event 999"),
        (lambda d: d["events"][0].update(sponsor=None), "sponsor"),
        (lambda d: d["events"][0].update(sponsor={"id": 77}), "77"),
        (lambda d: d["people"][0].update(email_addresses=[]), "email"),
        (lambda d: d["deleted_events"][0].pop("sandbox_organization_id"), "sandbox_organization_id"),
        (lambda d: d.update(events={"id": 1}), "`events` must be a list"),
        (lambda d: d["organizations"][0].update(sandbox_promotes=[404]), "404"),
    ],
)
def test_a_broken_document_is_refused_with_a_sentence_and_loads_nothing(change, message):
    broken = copy.deepcopy(document())
    change(broken)
    with pytest.raises(LoadError, match=message):
        load_data(broken)
    assert not Organization.objects.exists()


def test_dump_round_trips_through_the_loader():
    load_data(document())
    first = dump()
    for model in (Attendance, DeletedEvent, Event, Person, Organization):
        model.objects.all().delete()
    load_data(json.loads(json.dumps(first)))
    assert dump() == first


def test_the_demo_file_loads_and_holds_what_the_demo_needs():
    summary = load_file(DEMO_FILE)
    assert "organizations" in summary
    demo = Organization.objects.get(pk=1001)
    assert demo.name == "Demo Campaign" and demo.is_coordinated
    assert ApiKey.objects.get(key="demo-mobilize-key").organization_id == 1001
    assert set(demo.promotes.values_list("id", flat=True)) == {2002, 3003}
    pac = Organization.objects.get(pk=2002)
    assert pac.name == "Demo Independent PAC" and not pac.is_coordinated
    assert list(pac.promotes.values_list("id", flat=True)) == [1001]
    allied = Organization.objects.get(pk=3003)
    assert allied.name == "Allied Party" and allied.is_coordinated

    owned = Event.objects.filter(organization_id=1001)
    assert owned.filter(timeslots__isnull=False).distinct().count() == owned.count()
    assert any(e.timeslots.count() == 3 for e in owned)
    assert owned.filter(is_virtual=True, location__isnull=True).exists()
    assert owned.filter(is_virtual=True, location__isnull=False).exists()
    assert owned.filter(address_visibility="PRIVATE").exists()
    assert owned.filter(accessibility_status__isnull=False).exclude(accessibility_notes="").exists()
    assert owned.filter(location__region="PR").exists()
    assert owned.filter(visibility="PRIVATE").exists()
    assert owned.filter(event_campaign__isnull=False).exists()
    today = 1_795_996_800  # 2026-11-24
    mixed = [e for e in owned if {t.start_date < today for t in e.timeslots.all()} == {True, False}]
    assert mixed
    assert DeletedEvent.objects.filter(organization_id=1001).exists()

    recruited = Attendance.objects.filter(sponsor_id=1001)
    assert recruited.filter(event__organization_id=3003).exists()
    assert Event.objects.filter(organization_id=3003).exclude(attendances__sponsor_id=1001).exists()
    assert recruited.filter(event__organization_id=2002).exists()
    assert Event.objects.filter(organization_id=2002).exclude(attendances__sponsor_id=1001).exists()
    assert Attendance.objects.filter(event__organization_id=1001, sponsor_id=2002).exists()
    assert Attendance.objects.filter(event__organization_id=1001, sponsor_id=1001).exists()
    assert 20 <= Person.objects.filter(organizations=1001).count() <= 30
    future_2027 = Timeslot.objects.filter(start_date__gte=today)
    assert all(1_798_761_600 <= t.start_date < 1_830_297_600 for t in future_2027)  # in 2027
