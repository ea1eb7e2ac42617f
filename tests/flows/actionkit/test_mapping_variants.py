"""The ActionKit mapping reads every spelling and shape Mobilize's reference allows or shows.

The Mobilize sandbox sends each of these on some records (sandbox/mobilize/variants.py); here each
variant goes through the connector's normalizer and the mapping, literal in, literal out, and must
map to exactly what the canonical spelling maps to.
"""

from __future__ import annotations

import pytest

from integrations.connectors.mobilize.records import normalize_contact, normalize_event, normalize_person
from integrations.engine.streams import SkipRecord
from integrations.flows.actionkit.mapping import (
    OTHER_EVENT_TYPE,
    PRIVATE_ADDRESS_LINE,
    event_timeslot_payload,
    host_user_payload,
    masked_event_payload,
    plan_phone,
    signup_payload,
    user_payload,
)
from integrations.flows.firewall import AttendanceScope

from ._records import (
    CRM,
    DISTRIBUTED_SEND,
    DROP,
    EVENT,
    SHIFT_END,
    SHIFT_START,
    attendance,
    location,
    person,
    raw_event,
)

PRIVATE_WORDINGS = {
    "straight_apostrophe": "This event's address is private. Sign up for more details",
    "curly_apostrophe": "This event\u2019s address is private. Sign up for more details",
    "older_wording": "This event address is private. Sign up for more details",
}


def event_payload(target=CRM, **changes):
    record = normalize_event(raw_event(**changes))
    return event_timeslot_payload(record, record["timeslots"][0], target)


def signup(**changes):
    return signup_payload(
        attendance(**changes),
        ak_event_id=300,
        scope=AttendanceScope.OWN_EVENT,
        target=CRM,
        fallback_timezone="America/Chicago",
    )


# --- contact: email_address / email_adddress -------------------------------------------------------


def contact_with_typo() -> dict:
    contact = dict(EVENT["contact"])
    contact["email_adddress"] = contact.pop("email_address")
    return contact


def test_contact_email_under_email_adddress_becomes_the_host_users_email():
    canonical = host_user_payload(normalize_contact(EVENT["contact"]))
    assert host_user_payload(normalize_contact(contact_with_typo())) == canonical
    assert canonical["email"] == "replyto@thisemail.org"


def test_contact_email_under_email_adddress_is_read_even_without_the_normalizer():
    assert host_user_payload(contact_with_typo())["email"] == "replyto@thisemail.org"


def test_contact_email_under_email_adddress_is_the_events_contact_email_field():
    fields = event_payload(contact=contact_with_typo())["fields"]
    assert fields["event_contact_email"] == "replyto@thisemail.org"
    assert event_payload(contact=contact_with_typo()) == event_payload()


def test_contact_without_an_email_in_either_spelling_is_skipped():
    with pytest.raises(SkipRecord):
        host_user_payload({"name": "Desk", "email_address": "", "email_adddress": None})


# --- location: district keys and the private-address sentence ----------------------------------------


def test_location_with_the_tables_plain_district_keys_maps_like_the_examples_value_keys():
    plain = location(
        congressional_district_value=DROP,
        state_leg_district_value=DROP,
        state_senate_district_value=DROP,
        congressional_district="12",
        state_leg_district="66",
        state_senate_district="27",
    )
    assert event_payload(location=plain) == event_payload()


@pytest.mark.parametrize("wording", PRIVATE_WORDINGS.values(), ids=PRIVATE_WORDINGS.keys())
@pytest.mark.parametrize("address_visibility", ["PRIVATE", DROP], ids=["flagged", "sentence_only"])
def test_private_address_in_any_wording_reads_address_provided_upon_rsvp(wording, address_visibility):
    hidden = location(venue=wording, address_lines=[wording, ""], location=None)
    native = event_payload(location=hidden, address_visibility=address_visibility)["event"]
    assert native["address1"] == PRIVATE_ADDRESS_LINE
    assert native["venue"] == "" and native["address2"] == ""
    assert wording not in native.values()
    assert (native["city"], native["zip"]) == ("New York", "10003")


# --- high_priority null ------------------------------------------------------------------------------


def test_high_priority_null_maps_like_false():
    assert event_payload(high_priority=None) == event_payload(high_priority=False)
    assert event_payload(high_priority=DROP) == event_payload()


# --- types outside today's enums ---------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["VOTER_PROTECTION", "BALLOT_CHASE", "POSTCARD_WRITING", "VOLUNTEER_SHIFT"])
def test_unknown_event_types_map_to_the_seeds_other(event_type):
    assert event_payload(event_type=event_type)["fields"]["event_type"] == OTHER_EVENT_TYPE
    timeslot = {"start_date": SHIFT_START, "end_date": SHIFT_END}
    masked = masked_event_payload(event_type, timeslot, "America/New_York", CRM)
    assert masked["fields"]["event_type"] == OTHER_EVENT_TYPE
    assert masked["fields"]["mobilize_timeslot_id"] == f"masked-{event_type}-{SHIFT_START}-{SHIFT_END}"


def test_unknown_organization_type_of_the_sponsor_changes_nothing():
    sponsor = {**EVENT["sponsor"], "org_type": "LOCAL_PARTY"}
    assert event_payload(sponsor=sponsor) == event_payload()


# --- phone and postal lists holding one empty string -------------------------------------------------


def test_phone_list_holding_one_empty_string_is_no_phone():
    record = normalize_person(person(phone_numbers=[{"primary": True, "number": ""}]))
    assert user_payload(record)["phone"] is None
    assert plan_phone(None, [{"id": 1, "phone": "+12125550123", "source": "mobilizeamerica_sync"}]).action == "none"
    assert signup(person=person(phone_numbers=[{"primary": True, "number": ""}]))["phone"] is None


def test_postal_list_holding_one_empty_string_is_an_empty_zip():
    record = normalize_person(person(postal_addresses=[{"primary": True, "postal_code": ""}]))
    assert user_payload(record)["zip"] == ""
    assert signup(person=person(postal_addresses=[{"primary": True, "postal_code": ""}]))["user"]["zip"] == ""


def test_empty_phone_and_postal_lists_map_like_lists_holding_one_empty_string():
    empty = normalize_person(person(phone_numbers=[], postal_addresses=[]))
    blank = normalize_person(
        person(phone_numbers=[{"primary": True, "number": ""}], postal_addresses=[{"primary": True, "postal_code": ""}])
    )
    assert user_payload(empty) == user_payload(blank)


# --- the attendance's embedded event and timeslot ----------------------------------------------------


def test_attendance_whose_event_has_timeslots_null_maps_like_one_with_timeslots():
    assert signup(event=raw_event(timeslots=None)) == signup()


def test_event_with_timeslots_null_gives_no_shift_times_instead_of_crashing():
    record = normalize_event(raw_event(timeslots=None))
    timeslot = dict(EVENT["timeslots"][0])
    assert event_timeslot_payload(record, timeslot, DISTRIBUTED_SEND)["fields"]["shift_times"] is None
    raw = raw_event(timeslots=None)  # even unnormalized
    assert event_timeslot_payload(raw, timeslot, DISTRIBUTED_SEND)["fields"]["shift_times"] is None


def test_attendance_short_timeslot_maps_like_the_full_one():
    full = {"id": 11, "start_date": SHIFT_START, "end_date": SHIFT_END, "max_attendees": 20, "is_full": False}
    short = {"id": 11, "start_date": SHIFT_START, "end_date": SHIFT_END}
    assert signup(timeslot=short) == signup(timeslot=full)
    assert signup(timeslot=short)["fields"]["mobilize_timeslot_start"] == "2018-07-29T22:00:00-04:00"


def test_attendance_without_rating_feedback_and_override_keys_has_no_values_for_them():
    result = signup(rating=DROP, feedback=DROP, override_start_date=DROP, override_end_date=DROP)
    assert signup(rating=None, feedback=None) == result
    fields = result["fields"]
    assert fields["mobilize_rating"] is None and fields["mobilize_feedback"] is None
    assert fields["mobilize_override_start"] is None and fields["mobilize_override_end"] is None
