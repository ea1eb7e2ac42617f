"""Mobilize attendances -> ActionKit event signups, and which attendances are ours (the firewall)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from integrations.engine.streams import RecordError, SkipRecord
from integrations.flows.actionkit.mapping import (
    SIGNUP_FIELD_NAMES,
    SIGNUP_NATIVE_KEYS,
    signup_payload,
)
from integrations.flows.firewall import AttendanceScope, OrgRef, classify_attendance

from ._records import (
    CAMPAIGN,
    CRM,
    DISTRIBUTED_SEND,
    DROP,
    INDEPENDENT_PAC,
    OUR_CAMPAIGN,
    OUR_PAC,
    REDUCED_EVENT,
    SHIFT_END,
    SHIFT_START,
    STATE_PARTY,
    UNDECLARED_ORG,
    attendance,
    person,
    raw_event,
    referrer,
)

OWN = AttendanceScope.OWN_EVENT


def signup(scope=OWN, fallback_timezone="America/Chicago", ak_event_id=300, target=CRM, **changes):
    return signup_payload(
        attendance(**changes),
        ak_event_id=ak_event_id,
        scope=scope,
        target=target,
        fallback_timezone=fallback_timezone,
    )


# --- native fields -----------------------------------------------------------------------------------


def test_signup_payload_has_the_contract_keys():
    result = signup()
    assert set(result) == {"page", "email", "user", "phone", "signup", "fields"}
    assert tuple(result["signup"]) == SIGNUP_NATIVE_KEYS
    assert tuple(result["fields"]) == SIGNUP_FIELD_NAMES
    assert set(result["user"]) == {"first_name", "last_name", "zip"}


def test_signup_page_is_the_event_signup_page_short_name():
    assert signup()["page"] == "mobilize-events-attend"


def test_signup_without_a_signup_page_configured_is_a_record_error_saying_where_to_set_it():
    with pytest.raises(RecordError, match="event signup page"):
        signup(target=replace(CRM, event_signup_page=""))


def test_distributed_send_syncs_no_signups():
    with pytest.raises(SkipRecord, match="Distributed-send"):
        signup(target=DISTRIBUTED_SEND)


def test_signup_email_is_the_email_used_at_signup_on_mobilize():
    assert signup()["email"] == "maria@example.com"


def test_signup_without_an_email_is_skipped_with_the_reason():
    # Mobilize: email_addresses "may be empty if the Person's affiliated Organization has restrictions".
    # Nobody can fix that, so it is a skip with a readable reason, not a failure to retry.
    with pytest.raises(SkipRecord, match=r"Mobilize attendance 198.*did not share the volunteer's email"):
        signup(person=person(email_addresses=[]))


def test_signup_user_fields_are_the_persons_first_name_last_name_and_zip():
    assert signup()["user"] == {"first_name": "Maria", "last_name": "Gonzalez", "zip": "10003"}


def test_signup_phone_is_the_persons_phone_normalised():
    assert signup()["phone"] == "+12125550123"
    assert signup(person=person(phone_numbers=[]))["phone"] is None


def test_signup_event_id_is_the_actionkit_event_of_the_timeslot():
    assert signup(ak_event_id=4242)["signup"]["event_id"] == 4242


@pytest.mark.parametrize(("attended", "expected"), [(True, True), (False, False), (None, False)])
def test_attended_is_true_only_when_marked_attended_in_mobilize(attended, expected):
    assert signup(attended=attended)["signup"]["attended"] is expected


@pytest.mark.parametrize(
    ("status", "expected"), [("REGISTERED", "active"), ("CONFIRMED", "active"), ("CANCELLED", "cancelled")]
)
def test_signup_status_is_cancelled_for_cancelled_attendances_else_active(status, expected):
    assert signup(status=status)["signup"]["status"] == expected


def test_source_and_akid_come_from_the_signup_urls_query_parameters():
    native = signup()["signup"]
    assert (native["source"], native["akid"]) == ("email_0729", ".748090.k2VtV5")


def test_source_and_akid_are_none_when_the_url_has_none():
    plain = referrer(url="https://www.mobilize.us/example-campaign/event/1/?utm_source=x&source=")
    native = signup(referrer=plain)["signup"]
    assert (native["source"], native["akid"]) == (None, None)
    native = signup(referrer=None)["signup"]
    assert (native["source"], native["akid"]) == (None, None)


def test_event_signup_ground_rules_is_1_for_actionkit_validation():
    assert signup()["signup"]["event_signup_ground_rules"] == "1"


# --- custom fields -----------------------------------------------------------------------------------


def test_signup_custom_field_values_are_strings_or_none():
    for value in signup(attended=True)["fields"].values():
        assert value is None or isinstance(value, str)


@pytest.mark.parametrize(
    ("attended", "status", "expected"),
    [
        (True, "CONFIRMED", "ATTENDED"),
        (True, "CANCELLED", "ATTENDED"),
        (None, "CANCELLED", "CANCELLED"),
        (False, "CANCELLED", "CANCELLED"),
        (False, "CONFIRMED", "NO_SHOW"),
        (None, "REGISTERED", "REGISTERED"),
        (None, "CONFIRMED", "CONFIRMED"),
    ],
)
def test_mobilize_attendance_status_is_attended_cancelled_no_show_else_the_signup_status(attended, status, expected):
    assert signup(attended=attended, status=status)["fields"]["mobilize_attendance_status"] == expected


@pytest.mark.parametrize(("attended", "expected"), [(None, "None"), (True, "True"), (False, "False")])
def test_deprecated_van_attendance_status_is_none_true_or_false(attended, expected):
    assert signup(attended=attended)["fields"]["van_attendance_status"] == expected


@pytest.mark.parametrize("status", ["REGISTERED", "CANCELLED", "CONFIRMED"])
def test_mobilize_participation_status_is_the_status_before_the_event(status):
    assert signup(status=status, attended=True)["fields"]["mobilize_participation_status"] == status


def test_mobilize_signup_source_is_the_name_of_the_recruiting_organization():
    assert signup(sponsor=STATE_PARTY)["fields"]["mobilize_signup_source"] == "New York State Democrats"


def test_mobilize_signup_source_is_masked_when_mobilize_omitted_the_sponsor():
    assert signup(sponsor=DROP)["fields"]["mobilize_signup_source"] == "Masked"


def test_created_by_volunteer_host_comes_from_the_event():
    assert signup(event=raw_event(created_by_volunteer_host=True))["fields"]["created_by_volunteer_host"] == "Yes"
    assert signup()["fields"]["created_by_volunteer_host"] == "No"


def test_utm_fields_come_from_the_referrer():
    fields = signup()["fields"]
    assert [fields[f"utm_{part}"] for part in ("source", "medium", "campaign", "term", "content")] == [
        "newsletter",
        "email",
        "summer-canvass",
        None,
        "button",
    ]


def test_utm_fields_are_limited_to_100_characters():
    long = "x" * 99 + "yz" + "w" * 50
    fields = signup(
        referrer=referrer(**{f"utm_{part}": long for part in ("source", "medium", "campaign", "term", "content")})
    )["fields"]
    for part in ("source", "medium", "campaign", "term", "content"):
        assert fields[f"utm_{part}"] == "x" * 99 + "y"


def test_referrer_is_the_url_limited_to_1000_characters():
    assert signup()["fields"]["referrer"] == (
        "https://www.mobilize.us/example-campaign/event/1/?source=email_0729&akid=.748090.k2VtV5"
    )
    long_url = "https://example.org/feed?" + "q=" + "a" * 1200 + "&source=late"
    fields = signup(referrer=referrer(url=long_url))
    assert fields["fields"]["referrer"] == long_url[:1000]
    # The parameters are read from the whole URL, not the cut one.
    assert fields["signup"]["source"] == "late"


@pytest.mark.parametrize(("rating", "expected"), [("POSITIVE", "Positive"), ("NEGATIVE", "Negative"), (None, None)])
def test_mobilize_rating_is_positive_or_negative_from_the_attendances_rating(rating, expected):
    changes = {} if rating is None else {"rating": rating}
    assert signup(**changes)["fields"]["mobilize_rating"] == expected


def test_mobilize_feedback_is_the_volunteers_feedback():
    assert signup(feedback="Great turf, friendly team.")["fields"]["mobilize_feedback"] == "Great turf, friendly team."
    assert signup()["fields"]["mobilize_feedback"] is None


def test_mobilize_timeslot_start_and_end_are_in_the_events_time_zone():
    fields = signup()["fields"]
    assert fields["mobilize_timeslot"] == "[2018-07-29T22:00:00-04:00, 2018-07-29T23:00:00-04:00]"
    assert fields["mobilize_timeslot_start"] == "2018-07-29T22:00:00-04:00"
    assert fields["mobilize_timeslot_end"] == "2018-07-29T23:00:00-04:00"


def test_mobilize_timeslot_uses_the_fallback_time_zone_when_the_events_is_withheld():
    fields = signup(event=raw_event(timezone=None), fallback_timezone="America/Los_Angeles")["fields"]
    assert fields["mobilize_timeslot"] == "[2018-07-29T19:00:00-07:00, 2018-07-29T20:00:00-07:00]"


def test_signup_with_an_unknown_fallback_time_zone_is_a_record_error_naming_it():
    with pytest.raises(RecordError, match="'Nowhere/Land'"):
        signup(event=raw_event(timezone=None), fallback_timezone="Nowhere/Land")


def test_signup_with_an_unknown_event_time_zone_is_a_record_error_naming_it():
    with pytest.raises(RecordError, match="America/Gotham"):
        signup(event=raw_event(timezone="America/Gotham"))


@pytest.mark.parametrize(("is_virtual", "expected"), [(True, "2018-07-29T22:30:00-04:00"), (False, None)])
def test_mobilize_override_start_and_end_are_for_virtual_events_only(is_virtual, expected):
    fields = signup(
        event=raw_event(is_virtual=is_virtual),
        override_start_date=SHIFT_START + 1800,
        override_end_date=SHIFT_END + 1800,
    )["fields"]
    assert fields["mobilize_override_start"] == expected
    assert fields["mobilize_override_end"] == (expected and "2018-07-29T23:30:00-04:00")


def test_override_fields_are_none_when_the_volunteer_chose_no_time():
    fields = signup(event=raw_event(is_virtual=True))["fields"]
    assert (fields["mobilize_override_start"], fields["mobilize_override_end"]) == (None, None)


def test_not_ours_attendance_is_skipped_with_a_reason():
    with pytest.raises(SkipRecord, match="not synced"):
        signup(scope=AttendanceScope.NOT_OURS)


# --- masking -----------------------------------------------------------------------------------------


def test_masked_signup_keeps_only_first_name_last_name_phone_email_and_zip():
    result = signup(scope=AttendanceScope.PROMOTED_ACROSS_FIREWALL, event=REDUCED_EVENT, status="CONFIRMED")
    assert result["email"] == "maria@example.com"
    assert result["user"] == {"first_name": "Maria", "last_name": "Gonzalez", "zip": "10003"}
    assert result["phone"] == "+12125550123"
    assert set(result["fields"].values()) == {"Masked"}
    assert (result["signup"]["source"], result["signup"]["akid"]) == (None, None)


def test_masked_signup_attended_is_always_false_even_if_the_volunteer_attended():
    result = signup(scope=AttendanceScope.PROMOTED_ACROSS_FIREWALL, attended=True)
    assert result["signup"]["attended"] is False


def test_masked_signup_status_is_active():
    result = signup(scope=AttendanceScope.PROMOTED_ACROSS_FIREWALL, status="CANCELLED")
    assert result["signup"]["status"] == "active"


def test_signup_recruited_across_the_firewall_to_our_event_masks_only_the_signup_source():
    # As Mobilize sends it: a promoted signup's referrer is omitted for everyone but the promoter.
    changes = {"sponsor": INDEPENDENT_PAC, "attended": True, "referrer": DROP}
    masked = signup(scope=AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL, **changes)
    full = signup(scope=OWN, **changes)
    assert masked["fields"]["mobilize_signup_source"] == "Masked"
    assert full["fields"]["mobilize_signup_source"] == "Independent Action PAC"
    del masked["fields"]["mobilize_signup_source"], full["fields"]["mobilize_signup_source"]
    assert masked == full


# --- classify_attendance -------------------------------------------------------------------------------


def test_our_event_recruited_by_us_is_own_event():
    assert classify_attendance(attendance(), OUR_CAMPAIGN) is AttendanceScope.OWN_EVENT


def test_our_event_recruited_by_a_same_side_organization_is_own_event_with_full_details():
    assert classify_attendance(attendance(sponsor=STATE_PARTY), OUR_CAMPAIGN) is AttendanceScope.OWN_EVENT


def test_our_event_recruited_across_the_firewall_masks_the_source():
    scope = classify_attendance(attendance(sponsor=INDEPENDENT_PAC), OUR_CAMPAIGN)
    assert scope is AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL


def test_our_event_whose_recruiter_mobilize_omitted_counts_as_across_the_firewall():
    # Mobilize omits the sponsor when we are coordinated and the promoter independent.
    scope = classify_attendance(attendance(sponsor=DROP), OUR_CAMPAIGN)
    assert scope is AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL


def test_our_event_recruited_by_an_organization_of_unknown_side_counts_as_across_the_firewall():
    scope = classify_attendance(attendance(sponsor=UNDECLARED_ORG), OUR_CAMPAIGN)
    assert scope is AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL


def test_when_our_own_side_is_unknown_every_other_recruiter_counts_as_across_the_firewall():
    unknown_us = OrgRef(id=42, name="Example Campaign", side="unknown")
    assert classify_attendance(attendance(sponsor=STATE_PARTY), unknown_us) is (
        AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL
    )
    assert classify_attendance(attendance(), unknown_us) is AttendanceScope.OWN_EVENT


def test_we_recruited_to_a_same_side_organizations_event_is_promoted_same_side():
    scope = classify_attendance(attendance(event=raw_event(sponsor=STATE_PARTY), sponsor=CAMPAIGN), OUR_CAMPAIGN)
    assert scope is AttendanceScope.PROMOTED_SAME_SIDE


def test_we_recruited_to_an_event_across_the_firewall_is_promoted_across_firewall():
    scope = classify_attendance(attendance(event=raw_event(sponsor=CAMPAIGN), sponsor=INDEPENDENT_PAC), OUR_PAC)
    assert scope is AttendanceScope.PROMOTED_ACROSS_FIREWALL


def test_we_recruited_to_an_event_mobilize_reduced_to_its_type_is_promoted_across_firewall():
    # What an independent organization sees of a coordinated organization's event.
    reduced = attendance(event=REDUCED_EVENT, sponsor=INDEPENDENT_PAC, id=DROP, timeslot={"start_date": SHIFT_START})
    assert classify_attendance(reduced, OUR_PAC) is AttendanceScope.PROMOTED_ACROSS_FIREWALL


def test_we_recruited_to_an_event_of_unknown_side_is_promoted_across_firewall():
    scope = classify_attendance(attendance(event=raw_event(sponsor=UNDECLARED_ORG), sponsor=CAMPAIGN), OUR_CAMPAIGN)
    assert scope is AttendanceScope.PROMOTED_ACROSS_FIREWALL


def test_attendance_neither_for_our_event_nor_recruited_by_us_is_not_ours():
    scope = classify_attendance(attendance(event=raw_event(sponsor=STATE_PARTY), sponsor=STATE_PARTY), OUR_CAMPAIGN)
    assert scope is AttendanceScope.NOT_OURS
    assert classify_attendance(attendance(event=REDUCED_EVENT, sponsor=DROP), OUR_PAC) is AttendanceScope.NOT_OURS
