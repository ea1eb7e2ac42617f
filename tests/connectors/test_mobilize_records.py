"""Normalization of Mobilize records and the helpers flows read them with: literal in, literal out."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.connectors.mobilize.records import (
    Attendance,
    Event,
    Location,
    Person,
    firewall_side,
    is_private_address,
    normalize_attendance,
    normalize_contact,
    normalize_event,
    normalize_location,
    normalize_person,
    primary_email,
    primary_phone,
    primary_postal_code,
)

from ._helpers import load

PRIVATE_CURLY = "This event\u2019s address is private. Sign up for more details"
PRIVATE_STRAIGHT = "This event's address is private. Sign up for more details"


# --- both spellings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["email_address", "email_adddress"])
def test_contact_exposes_email_address_whichever_spelling_came(key):
    contact = normalize_contact({"name": "Desk", key: "desk@example.org", "phone_number": "1"})
    assert contact == {
        "name": "Desk",
        "email_address": "desk@example.org",
        "phone_number": "1",
        "owner_user_id": None,
    }


def test_contact_prefers_the_correct_spelling_when_both_came():
    contact = normalize_contact({"email_address": "right@example.org", "email_adddress": "typo@example.org"})
    assert contact["email_address"] == "right@example.org"
    assert "email_adddress" not in contact


@pytest.mark.parametrize("suffix", ["", "_value"])
def test_location_exposes_both_district_spellings(suffix):
    location = normalize_location(
        {
            f"congressional_district{suffix}": "12",
            f"state_leg_district{suffix}": "66",
            f"state_senate_district{suffix}": "27",
        }
    )
    assert location["congressional_district"] == location["congressional_district_value"] == "12"
    assert location["state_leg_district"] == location["state_leg_district_value"] == "66"
    assert location["state_senate_district"] == location["state_senate_district_value"] == "27"


def test_location_fills_missing_keys_and_keeps_two_address_lines():
    location = normalize_location({"postal_code": "10003", "address_lines": ["204 E 13th St"]})
    assert location == {
        "venue": None,
        "address_lines": ["204 E 13th St", ""],
        "locality": None,
        "region": None,
        "country": None,
        "postal_code": "10003",
        "location": None,
        "congressional_district": None,
        "congressional_district_value": None,
        "state_leg_district": None,
        "state_leg_district_value": None,
        "state_senate_district": None,
        "state_senate_district_value": None,
    }
    assert set(location) == set(Location.__annotations__)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (None, ["", ""]),
        ([], ["", ""]),
        (["a", None], ["a", ""]),
        (["a", "b", "c", ""], ["a", "b, c"]),
        (["a", "b"], ["a", "b"]),
    ],
)
def test_address_lines_are_always_exactly_two_strings(lines, expected):
    assert normalize_location({"address_lines": lines})["address_lines"] == expected


# --- events, attendances, people ------------------------------------------------------------------------


def test_normalize_event_fills_every_documented_key_and_does_not_mutate_its_input():
    raw = load("events_page_2.json")["data"][1]  # a virtual event without location, notes or host flag
    before = copy.deepcopy(raw)
    event = normalize_event(raw)
    assert raw == before
    assert set(Event.__annotations__) <= set(event)
    assert event["location"] is None
    assert event["accessibility_notes"] is None and event["created_by_volunteer_host"] is None
    assert event["timeslots"][0] == {
        "id": 41,
        "start_date": 1700345600,
        "end_date": 1700349200,
        "max_attendees": 20,
        "is_full": False,
        "instructions": "",
    }
    json.dumps(event)  # plain JSON-serialisable dicts


def test_normalize_event_keeps_fields_mobilize_adds_later():
    assert normalize_event({"id": 1, "brand_new_field": [1]})["brand_new_field"] == [1]


def test_an_attendance_across_the_firewall_still_has_the_full_shape():
    raw = load("attendances.json")["data"][1]
    attendance = normalize_attendance(raw)
    assert set(attendance) >= set(Attendance.__annotations__)
    assert attendance["id"] is None and attendance["sponsor"] is None and attendance["referrer"] is None
    assert attendance["event"]["event_type"] == "CANVASS"
    assert attendance["event"]["id"] is None and attendance["event"]["timeslots"] == []
    assert attendance["timeslot"] == {
        "id": None,
        "start_date": 1700086400,
        "end_date": 1700090000,
        "max_attendees": None,
        "is_full": None,
        "instructions": None,
    }
    assert set(attendance["person"]) >= set(Person.__annotations__)


def test_a_full_attendance_normalizes_its_nested_objects():
    attendance = normalize_attendance(load("attendance.json")["data"])
    assert attendance["event"]["location"]["congressional_district"] == "12"
    assert attendance["sponsor"]["org_type"] == "CAMPAIGN"
    assert attendance["referrer"]["utm_campaign"] == "spring"
    assert attendance["custom_signup_field_values"][0]["text_value"] == "M"


def test_normalize_person_lists_are_lists():
    person = normalize_person({"user_id": 1, "email_addresses": None})
    assert person["email_addresses"] == [] and person["phone_numbers"] == [] and person["postal_addresses"] == []
    assert person["sms_opt_in_status"] is None and person["blocked_date"] is None


# --- helpers ----------------------------------------------------------------------------------------------


def test_primary_contact_details():
    person = load("people.json")["data"][0]
    assert primary_email(person) == "volunteer@example.com"
    assert primary_phone(person) == "2125550123"
    assert primary_postal_code(person) == "10003"


def test_primary_details_when_withheld_or_odd():
    assert primary_email({"email_addresses": []}) is None
    assert primary_email({}) is None
    assert primary_phone({"phone_numbers": [{"primary": True, "number": "  "}]}) is None
    person = {
        "email_addresses": [
            {"primary": False, "address": "old@example.com"},
            {"primary": True, "address": " new@example.com "},
        ]
    }
    assert primary_email(person) == "new@example.com"
    assert primary_email({"email_addresses": [{"primary": False, "address": "only@example.com"}]}) == (
        "only@example.com"
    )


@pytest.mark.parametrize(
    ("org", "side"),
    [
        ({"is_independent": True, "is_coordinated": False}, "independent"),
        ({"is_independent": False, "is_coordinated": True}, "coordinated"),
        ({"is_independent": True, "is_coordinated": True}, "unknown"),
        ({"is_independent": False, "is_coordinated": False, "org_type": "INDEPENDENT"}, "independent"),
        ({"org_type": "COORDINATED"}, "coordinated"),
        ({"org_type": "CAMPAIGN"}, "unknown"),
        ({}, "unknown"),
    ],
)
def test_firewall_side(org, side):
    assert firewall_side(org) == side


def test_firewall_side_of_the_fixture_organizations():
    sides = {org["id"]: firewall_side(org) for org in load("organizations.json")["data"]}
    assert sides == {1: "coordinated", 7: "independent", 42: "coordinated"}


@pytest.mark.parametrize(
    "location",
    [
        {"venue": PRIVATE_CURLY, "address_lines": [PRIVATE_CURLY, ""]},
        {"venue": "", "address_lines": [PRIVATE_STRAIGHT, ""]},
        {"venue": PRIVATE_STRAIGHT + ".", "address_lines": ["", ""]},
        {"venue": "  this event\u2019s address is PRIVATE.  Sign up for more details "},
    ],
)
def test_private_addresses_are_recognised_with_either_apostrophe(location):
    assert is_private_address(location)


@pytest.mark.parametrize(
    "location",
    [None, {}, {"venue": "Campaign HQ", "address_lines": ["204 E 13th St", ""]}, {"address_lines": None}],
)
def test_public_addresses_are_not_private(location):
    assert not is_private_address(location)


def test_the_fixture_private_event():
    events = {e["id"]: normalize_event(e) for e in load("events_page_2.json")["data"]}
    assert is_private_address(events[3]["location"])
    assert not is_private_address(normalize_event(load("event.json")["data"])["location"])


# --- properties -------------------------------------------------------------------------------------------

_text = st.one_of(st.none(), st.text(max_size=8))


@given(
    lines=st.one_of(st.none(), st.lists(_text, max_size=5)),
    district=_text,
    use_value_spelling=st.booleans(),
)
def test_location_normalization_invariants(lines, district, use_value_spelling):
    key = "congressional_district_value" if use_value_spelling else "congressional_district"
    location = normalize_location({"address_lines": lines, key: district})
    assert len(location["address_lines"]) == 2
    assert all(isinstance(line, str) for line in location["address_lines"])
    assert location["congressional_district"] == location["congressional_district_value"] == district
    assert normalize_location(location) == location  # idempotent
    json.dumps(location)


@given(
    st.dictionaries(
        st.sampled_from(["id", "title", "timeslots", "location", "contact", "tags", "sponsor"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)),
    )
)
def test_normalize_event_never_fails_on_odd_shapes_and_is_idempotent(raw):
    event = normalize_event(raw)
    assert isinstance(event["timeslots"], list) and isinstance(event["tags"], list)
    assert normalize_event(event) == event


# --- every variant the reference allows or shows (the sandbox sends each; see sandbox/mobilize/variants.py) -

PRIVATE_OLDER = "This event address is private. Sign up for more details"


@pytest.mark.parametrize(
    "text",
    [
        PRIVATE_STRAIGHT,
        PRIVATE_CURLY,
        PRIVATE_OLDER,
        "This event address is private",
        "This event's address is private.",
    ],
    ids=["straight_apostrophe", "curly_apostrophe", "older_wording", "older_first_sentence", "first_sentence"],
)
def test_private_address_is_recognised_in_every_wording_mobilize_has_used(text):
    assert is_private_address({"venue": text, "address_lines": [text, ""]})
    assert is_private_address({"venue": "", "address_lines": [text, ""]})
    assert is_private_address(normalize_location({"venue": text, "address_lines": [text, ""]}))


@pytest.mark.parametrize(
    "venue",
    ["This event is at the Private Dining Room", "Address is private property, use the side door", "Privately held"],
)
def test_a_venue_that_only_mentions_private_is_not_a_hidden_address(venue):
    assert not is_private_address({"venue": venue, "address_lines": ["1 Main St", ""]})


def test_high_priority_null_from_the_references_examples_stays_none():
    event = normalize_event({"id": 1, "high_priority": None})
    assert event["high_priority"] is None
    assert normalize_event({"id": 1})["high_priority"] is None


@pytest.mark.parametrize("event_type", ["VOTER_PROTECTION", "POSTCARD_WRITING", "volunteer_shift"])
def test_event_type_outside_todays_enum_is_kept_as_sent(event_type):
    assert normalize_event({"id": 1, "event_type": event_type})["event_type"] == event_type


def test_org_type_outside_todays_enum_is_kept_and_the_flags_still_decide_the_firewall_side():
    sponsor = {"id": 9, "is_coordinated": True, "is_independent": False, "org_type": "LOCAL_PARTY"}
    event = normalize_event({"id": 1, "sponsor": sponsor})
    assert event["sponsor"]["org_type"] == "LOCAL_PARTY"
    assert firewall_side(event["sponsor"]) == "coordinated"
    assert firewall_side({"org_type": "LOCAL_PARTY"}) == "unknown", "an unknown type never guesses a side"


def test_phone_list_holding_one_empty_string_is_no_phone():
    person = normalize_person({"user_id": 1, "phone_numbers": [{"primary": True, "number": ""}]})
    assert primary_phone(person) is None
    assert primary_phone({"phone_numbers": [{"primary": True, "number": None}]}) is None


def test_postal_list_holding_one_empty_string_is_no_postal_code():
    person = normalize_person({"user_id": 1, "postal_addresses": [{"primary": True, "postal_code": ""}]})
    assert primary_postal_code(person) is None


def test_contact_email_under_the_tables_email_adddress_is_the_events_contact_email():
    event = normalize_event({"id": 1, "contact": {"name": "Desk", "email_adddress": "desk@example.org"}})
    assert event["contact"]["email_address"] == "desk@example.org"
    assert "email_adddress" not in event["contact"]


def test_location_with_the_tables_plain_district_keys_fills_the_examples_value_keys():
    event = normalize_event({"id": 1, "location": {"congressional_district": "12", "state_leg_district": "66"}})
    assert event["location"]["congressional_district_value"] == "12"
    assert event["location"]["state_leg_district_value"] == "66"
    assert event["location"]["state_senate_district_value"] is None


def test_attendance_event_with_timeslots_null_normalizes_to_an_empty_list():
    attendance = normalize_attendance({"id": 1, "event": {"id": 2, "timeslots": None}, "timeslot": {"id": 3}})
    assert attendance["event"]["timeslots"] == []


def test_attendance_short_timeslot_gets_every_timeslot_key():
    attendance = normalize_attendance({"id": 1, "timeslot": {"id": 3, "start_date": 10, "end_date": 20}})
    assert attendance["timeslot"] == {
        "id": 3,
        "start_date": 10,
        "end_date": 20,
        "max_attendees": None,
        "is_full": None,
        "instructions": None,
    }


def test_attendance_without_rating_feedback_and_override_times_normalizes():
    """Those fields are not in Mobilize's public API: their absence is the normal case."""
    attendance = normalize_attendance({"id": 1, "status": "REGISTERED"})
    for key in ("rating", "feedback", "override_start_date", "override_end_date"):
        assert attendance.get(key) is None


def test_the_references_own_attendance_example_normalizes():
    """POST .../attendances' response example: event with timeslots null, high_priority null, a short timeslot."""
    example = {
        "id": 198,
        "attended": None,
        "created_date": 1536588703,
        "modified_date": 1536588703,
        "person": {
            "id": 57,
            "given_name": "myfirstname",
            "family_name": "mylastname",
            "email_addresses": [{"primary": True, "address": "email@email.com"}],
            "phone_numbers": [{"primary": True, "number": "1234567890"}],
            "postal_addresses": [{"primary": True, "postal_code": "11111"}],
            "sms_opt_in_status": "OPT_IN",
        },
        "event": {
            "id": 345,
            "timezone": "America/Chicago",
            "title": "abcdef",
            "sponsor": {"id": 15, "is_coordinated": True, "is_independent": False, "race_type": None},
            "timeslots": None,
            "location": None,
            "event_type": "TRAINING",
            "high_priority": None,
            "contact": None,
        },
        "timeslot": {"id": 1, "start_date": 1536679800, "end_date": 1536690600},
        "status": "REGISTERED",
        "referrer": {"utm_source": None, "utm_campaign": "string", "url": "string"},
    }
    attendance = normalize_attendance(copy.deepcopy(example))
    assert attendance["event"]["timeslots"] == [] and attendance["event"]["contact"] is None
    assert attendance["timeslot"]["is_full"] is None and attendance["timeslot"]["start_date"] == 1536679800
    assert attendance["referrer"]["utm_medium"] is None
    assert primary_email(attendance["person"]) == "email@email.com"
    json.dumps(attendance)
