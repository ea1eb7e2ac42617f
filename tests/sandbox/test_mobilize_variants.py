"""The sandbox sends every spelling and shape Mobilize's reference allows or shows, spread over records by seed.

Each test names the variant it looks for. The generator's seed decides which record gets which
variant (`sandbox.mobilize.variants`); the stored data never changes, so the facts a client reads
are the same in every variant and a dump stays canonical.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from integrations.connectors.mobilize.records import (
    is_private_address,
    normalize_attendance,
    normalize_event,
    normalize_person,
    primary_phone,
    primary_postal_code,
)
from sandbox.mobilize import variants
from sandbox.mobilize.dump import dump
from sandbox.mobilize.generator import generate
from sandbox.mobilize.loader import load_data
from sandbox.mobilize.models import Choices, Event, Organization, Person
from sandbox.mobilize.serializers import Viewer, serialize_event

pytestmark = pytest.mark.django_db

NOW = 1_795_996_800  # 2026-11-24
ORG = 77  # generated: 77 coordinated (key "gen"), 78 independent, 79 allied
BOTH = {"visibility": ["PUBLIC", "PRIVATE"], "per_page": 1000}
SEEDS = (0, 5, 11)


def generated(seed: int, **sizes) -> None:
    arguments = {"events": 120, "attendances": 500, "people": 150}
    generate(**{**arguments, **sizes}, seed=seed, organization_id=ORG, api_key="gen", now=NOW)


def served(api, seed: int) -> dict[str, list[dict]]:
    """What the generated organization's clients read: as the owner, as the public, its people and signups."""
    generated(seed)
    return {
        "owned": api.all(f"organizations/{ORG}/events", "gen", BOTH),
        "public": api.all(f"organizations/{ORG}/events", None, {"per_page": 1000}),
        "people": api.all(f"organizations/{ORG}/people", "gen", {"per_page": 1000}),
        "attendances": api.all(f"organizations/{ORG}/attendances", "gen", {"per_page": 1000}),
        "organizations": api.all("organizations"),
    }


# --- every variant, for every seed -----------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_contact_email_comes_as_email_address_and_as_the_tables_email_adddress(api, seed):
    contacts = [e["contact"] for e in served(api, seed)["owned"] if e["contact"]]
    spellings = Counter(("email_address" in c, "email_adddress" in c) for c in contacts)
    assert spellings[(True, False)] and spellings[(False, True)], spellings
    assert not spellings[(True, True)] and not spellings[(False, False)], "exactly one spelling per contact"


@pytest.mark.parametrize("seed", SEEDS)
def test_districts_come_as_congressional_district_value_and_as_congressional_district(api, seed):
    locations = [e["location"] for e in served(api, seed)["owned"] if e["location"]]
    plain = [loc for loc in locations if "congressional_district" in loc]
    value = [loc for loc in locations if "congressional_district_value" in loc]
    assert plain and value
    assert len(plain) + len(value) == len(locations), "never both spellings in one location"
    assert all("state_leg_district" in loc and "state_senate_district" in loc for loc in plain)


@pytest.mark.parametrize("seed", SEEDS)
def test_private_address_sentence_comes_straight_curly_and_in_the_older_wording(api, seed):
    venues = Counter(
        e["location"]["venue"]
        for e in served(api, seed)["public"]
        if e["address_visibility"] == "PRIVATE" and e["location"]
    )
    assert set(venues) == set(variants.PRIVATE_ADDRESS_TEXTS), venues
    assert "This event\u2019s address" in variants.PRIVATE_ADDRESS_CURLY  # the curly apostrophe itself
    assert variants.PRIVATE_ADDRESS_OLDER.startswith("This event address is private")


@pytest.mark.parametrize("seed", SEEDS)
def test_high_priority_comes_true_false_and_null(api, seed):
    values = {e["high_priority"] for e in served(api, seed)["owned"]}
    assert values == {True, False, None}


@pytest.mark.parametrize("seed", SEEDS)
def test_event_and_organization_types_outside_todays_enums_are_sent(api, seed):
    data = served(api, seed)
    documented_event_types = set(Choices.EVENT_TYPES) - {
        "PLEDGE",
        "INTEREST_FORM",
        "DONATION_CAMPAIGN",
        "SOCIAL_MEDIA_CAMPAIGN",
        "POSTCARD_WRITING",
        "GROUP",
        "VOLUNTEER_SHIFT",
    }  # the Event object's list (the create endpoint's list is longer)
    types = Counter(e["event_type"] for e in data["owned"])
    unlisted = {t for t in types if t not in documented_event_types}
    assert unlisted & set(Choices.NEW_EVENT_TYPES), types  # in no list of the reference at all
    assert unlisted - set(Choices.NEW_EVENT_TYPES), types  # only in the create endpoint's list
    assert sum(types[t] for t in unlisted) < sum(types.values()) / 3, "a few, not most"
    org_types = {o["org_type"] for o in data["organizations"]} | {e["sponsor"]["org_type"] for e in data["owned"]}
    assert org_types - set(Choices.ORG_TYPES), org_types


@pytest.mark.parametrize("seed", SEEDS)
def test_phone_and_postal_lists_come_empty_and_holding_one_empty_string(api, seed):
    people = served(api, seed)["people"]
    phones = Counter(json.dumps(p["phone_numbers"]) for p in people if not any(n["number"] for n in p["phone_numbers"]))
    assert set(phones) == {"[]", '[{"primary": true, "number": ""}]'}, phones
    zips = Counter(
        json.dumps(p["postal_addresses"]) for p in people if not any(a["postal_code"] for a in p["postal_addresses"])
    )
    assert set(zips) == {"[]", '[{"primary": true, "postal_code": ""}]'}, zips


@pytest.mark.parametrize("seed", SEEDS)
def test_attendance_event_comes_with_timeslots_null_and_timeslot_short(api, seed):
    attendances = [a for a in served(api, seed)["attendances"] if "sponsor" in a["event"]]
    assert {a["event"]["timeslots"] is None for a in attendances} == {True, False}
    keys = Counter(tuple(sorted(a["timeslot"])) for a in attendances)
    assert set(keys) == {
        ("end_date", "id", "start_date"),
        ("end_date", "id", "instructions", "is_full", "max_attendees", "start_date"),
    }, keys


@pytest.mark.parametrize("seed", SEEDS)
def test_attendances_come_with_and_without_rating_and_feedback_keys(api, seed):
    attendances = served(api, seed)["attendances"]
    assert any("rating" not in a and "feedback" not in a for a in attendances), "not in the public API"
    assert any(a.get("rating") for a in attendances), "a stored rating is still sent"
    assert any("rating" in a and a["rating"] is None for a in attendances)
    assert all("override_start_date" not in a for a in attendances if not a["event"].get("is_virtual"))


# --- deterministic, and only the spelling varies ---------------------------------------------------


def test_the_same_seed_serves_the_same_json_and_another_seed_spreads_variants_differently(api):
    first = served(api, 5)
    assert served(api, 5) == first
    other = served(api, 6)
    spelled = lambda data: {e["id"]: sorted(e["contact"]) for e in data["owned"] if e["contact"]}  # noqa: E731
    assert spelled(other) != spelled(first)


def test_the_variant_is_a_pure_function_of_seed_kind_and_id():
    assert variants.pick(3, "contact_email_key", 42, 2) == variants.pick(3, "contact_email_key", 42, 2)
    spread = Counter(variants.pick(3, "private_address_wording", n, 3) for n in range(2, 2000, 9))
    assert set(spread) == {0, 1, 2} and min(spread.values()) > 40, "every ninth id still gets all three"
    assert variants.CANONICAL.choose(variants.CONTACT_EMAIL_KEY, 42) == 0


def test_every_variant_normalizes_to_the_facts_of_the_canonical_rendering(api):
    """What our connector reads from a varied record equals what it reads from the canonical one."""
    generated(5, events=60, attendances=200, people=60)
    ours = Organization.objects.get(pk=ORG)
    for served_event in api.all(f"organizations/{ORG}/events", "gen", BOTH):
        event = Event.objects.select_related("organization", "location", "event_campaign").get(pk=served_event["id"])
        canonical = serialize_event(event, Viewer(org=ours, key_org=ours, vary=False))
        varied, plain = normalize_event(served_event), normalize_event(canonical)
        if served_event["high_priority"] is None:
            assert plain["high_priority"] is False  # null is "not high priority"
            varied["high_priority"] = False
        if is_private_address(varied["location"]):
            assert is_private_address(plain["location"])  # whatever the wording, the fact is the same
            for location in (varied["location"], plain["location"]):
                location["venue"] = location["address_lines"][0] = "(private)"
        assert varied == plain
    stored = {p.id: p for p in Person.objects.all()}
    for person in api.all(f"organizations/{ORG}/people", "gen", {"per_page": 1000}):
        normalized = normalize_person(person)
        assert primary_phone(normalized) == (stored[person["id"]].phone_number or None)
        assert primary_postal_code(normalized) == (stored[person["id"]].postal_code or None)
    for attendance in api.all(f"organizations/{ORG}/attendances", "gen", {"per_page": 1000}):
        normalized = normalize_attendance(attendance)
        assert normalized["timeslot"]["start_date"] and normalized["timeslot"]["end_date"]
        assert isinstance(normalized["event"]["timeslots"], list)


def test_a_dump_is_canonical_and_round_trips_while_the_api_varies(api):
    generated(5, events=60, attendances=200, people=60)
    document = dump()
    text = json.dumps(document)
    assert "email_adddress" not in text and '"congressional_district"' not in text
    assert all(e["high_priority"] is not None for e in document["events"])
    load_data(json.loads(text))
    assert dump() == document
    assert {o["sandbox_variant_seed"] for o in document["organizations"]} == {5}
    assert Organization.objects.get(pk=ORG).variant_seed == 5


def test_a_loaded_document_is_varied_by_its_organizations_seed(api, make):
    org = make.org(key="k")
    events = [
        make.event(org, address_visibility="PRIVATE", location={"venue": "Home", "address_line_1": "1 Main St"})
        for _ in range(30)
    ]
    assert len(events) == 30

    def wordings() -> set[str]:
        return {e["location"]["venue"] for e in api.all(f"organizations/{org.id}/events")}

    assert wordings() == set(variants.PRIVATE_ADDRESS_TEXTS)
    assert all(is_private_address(e["location"]) for e in api.all(f"organizations/{org.id}/events"))
    before = {e["id"]: e["location"]["venue"] for e in api.all(f"organizations/{org.id}/events")}
    Organization.objects.filter(pk=org.pk).update(variant_seed=99)
    after = {e["id"]: e["location"]["venue"] for e in api.all(f"organizations/{org.id}/events")}
    assert after != before and set(after.values()) == set(variants.PRIVATE_ADDRESS_TEXTS)
