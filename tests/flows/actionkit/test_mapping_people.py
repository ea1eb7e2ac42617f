"""Mobilize people and event contacts -> ActionKit users, and the seed's phone rule."""

from __future__ import annotations

import pytest

from integrations.connectors.mobilize.records import normalize_contact, normalize_person
from integrations.engine.streams import RecordError, SkipRecord
from integrations.flows.actionkit.mapping import (
    PHONE_SOURCE,
    PHONE_TYPE,
    PhonePlan,
    host_user_payload,
    normalize_phone,
    plan_phone,
    user_payload,
)

from ._records import EVENT, person

# --- users -----------------------------------------------------------------------------------------


def test_person_becomes_a_user_with_email_names_zip_and_phone():
    assert user_payload(normalize_person(person())) == {
        "email": "maria@example.com",
        "first_name": "Maria",
        "last_name": "Gonzalez",
        "zip": "10003",
        "phone": "+12125550123",
    }


def test_person_without_an_email_is_a_record_error_naming_them():
    with pytest.raises(RecordError, match="Mobilize person 9057 has no email address"):
        user_payload(normalize_person(person(email_addresses=[])))


def test_person_missing_names_zip_and_phone_gets_empty_names_and_no_phone():
    record = normalize_person({"user_id": 1, "email_addresses": [{"primary": True, "address": "a@example.org"}]})
    assert user_payload(record) == {
        "email": "a@example.org",
        "first_name": "",
        "last_name": "",
        "zip": "",
        "phone": None,
    }


def test_event_contact_becomes_a_host_user_with_the_name_split():
    assert host_user_payload(normalize_contact(EVENT["contact"])) == {
        "email": "replyto@thisemail.org",
        "first_name": "Jordan",
        "last_name": "Lee Smith",
        "zip": "",
        "phone": "+11234567890",
    }


@pytest.mark.parametrize(
    "contact", [None, {"name": "Field Desk", "email_address": "", "phone_number": "2125550123"}, {"name": "Desk"}]
)
def test_event_contact_without_an_email_is_skipped_with_a_reason(contact):
    with pytest.raises(SkipRecord, match="no email address"):
        host_user_payload(normalize_contact(contact))


# --- normalize_phone ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("2125550123", "+12125550123"),
        ("(212) 555-0123", "+12125550123"),
        ("212.555.0123", "+12125550123"),
        ("1-212-555-0123", "+12125550123"),
        ("+1 212 555 0123", "+12125550123"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_is_normalised_to_e164_with_us_as_the_default_region(number, expected):
    assert normalize_phone(number) == expected


@pytest.mark.parametrize(("number", "expected"), [("  ext. 12 ", "ext. 12"), ("555", "555"), ("call me", "call me")])
def test_unparseable_phone_is_kept_as_given_stripped(number, expected):
    assert normalize_phone(number) == expected


@pytest.mark.parametrize("number", [None, "", "   "])
def test_no_phone_is_none(number):
    assert normalize_phone(number) is None


# --- plan_phone --------------------------------------------------------------------------------------


def ak_phone(id, phone, source="user", type="home", user=7):
    """An ActionKit phone object as GET /rest/v1/phone/?user=<id> lists it."""
    return {
        "id": id,
        "phone": phone,
        "type": type,
        "source": source,
        "user": f"/rest/v1/user/{user}/",
        "resource_uri": f"/rest/v1/phone/{id}/",
    }


WANTED = {"phone": "+12125550123", "type": "home", "source": "mobilizeamerica_sync"}


def test_phone_is_written_with_source_mobilizeamerica_sync_and_type_home():
    assert (PHONE_SOURCE, PHONE_TYPE) == ("mobilizeamerica_sync", "home")
    assert plan_phone("2125550123", []).fields == WANTED


def test_no_phones_on_the_user_creates_a_new_phone():
    assert plan_phone("(212) 555-0123", []) == PhonePlan("create", None, WANTED)


def test_existing_mobilizeamerica_sync_phone_is_updated_to_the_new_number():
    existing = [ak_phone(5, "+13125550199", source="mobilizeamerica_sync")]
    assert plan_phone("2125550123", existing) == PhonePlan("update", 5, WANTED)


def test_our_phone_already_holding_this_number_as_home_needs_nothing():
    existing = [ak_phone(5, "212-555-0123", source="mobilizeamerica_sync")]
    assert plan_phone("+12125550123", existing) == PhonePlan("none", 5)


def test_our_phone_with_this_number_but_another_type_is_updated_to_home():
    existing = [ak_phone(5, "+12125550123", source="mobilizeamerica_sync", type="mobile")]
    assert plan_phone("2125550123", existing) == PhonePlan("update", 5, WANTED)


def test_our_phone_wins_over_a_matching_phone_of_another_source():
    existing = [ak_phone(4, "+12125550123", source="user"), ak_phone(5, "+13125550199", source="mobilizeamerica_sync")]
    assert plan_phone("2125550123", existing) == PhonePlan("update", 5, WANTED)


def test_without_our_phone_an_existing_phone_with_the_same_number_is_matched_and_not_written():
    existing = [ak_phone(3, "312-555-0199"), ak_phone(4, "(212) 555-0123", source="import", type="work")]
    assert plan_phone("2125550123", existing) == PhonePlan("none", 4)


def test_without_our_phone_or_a_match_a_new_phone_is_created():
    existing = [ak_phone(3, "312-555-0199")]
    assert plan_phone("2125550123", existing) == PhonePlan("create", None, WANTED)


def test_of_several_of_our_phones_the_one_holding_the_number_is_kept():
    existing = [
        ak_phone(5, "+13125550199", source="mobilizeamerica_sync"),
        ak_phone(6, "+12125550123", source="mobilizeamerica_sync"),
    ]
    assert plan_phone("2125550123", existing) == PhonePlan("none", 6)


@pytest.mark.parametrize("number", [None, "", "  "])
def test_no_number_plans_nothing(number):
    assert plan_phone(number, [ak_phone(5, "+13125550199", source="mobilizeamerica_sync")]) == PhonePlan("none")
