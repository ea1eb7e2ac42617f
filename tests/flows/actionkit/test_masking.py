"""The independent/coordinated firewall, field by field: masked data never leaves unmasked.

Every masked payload is walked key by key and value by value: each value must be a kept fact
(at its own key) or a masking constant. The check is itself tested on deliberately leaky payloads.
"""

from __future__ import annotations

import copy

import pytest

from integrations.engine.streams import RecordError
from integrations.flows.actionkit.mapping import (
    EVENT_FIELD_NAMES,
    EVENT_NATIVE_KEYS,
    MASKED,
    MASKED_EVENT_CONSTANTS,
    MASKED_EVENT_KEPT_KEYS,
    MASKED_SIGNUP_CONSTANTS,
    MASKED_SIGNUP_KEPT_KEYS,
    PUERTO_NATALES_CITY,
    PUERTO_NATALES_COUNTRY,
    SIGNUP_FIELD_NAMES,
    SIGNUP_NATIVE_KEYS,
    masked_event_key,
    masked_event_payload,
    signup_payload,
)
from integrations.flows.firewall import AttendanceScope, classify_attendance

from ._masking import leaves, masking_violations, source_values
from ._records import (
    CAMPAIGN,
    CRM,
    INDEPENDENT_PAC,
    OUR_CAMPAIGN,
    OUR_PAC,
    REDUCED_EVENT,
    SHIFT_END,
    SHIFT_START,
    attendance,
    raw_event,
    referrer,
)

EVENT_PATHS = {
    "page",
    "email",
    "event",
    "fields",
    *(f"event.{key}" for key in EVENT_NATIVE_KEYS),
    *(f"fields.{name}" for name in EVENT_FIELD_NAMES),
}
SIGNUP_PATHS = {
    "page",
    "email",
    "user",
    "phone",
    "signup",
    "fields",
    "user.first_name",
    "user.last_name",
    "user.zip",
    *(f"signup.{key}" for key in SIGNUP_NATIVE_KEYS),
    *(f"fields.{name}" for name in SIGNUP_FIELD_NAMES),
}

# The facts a masked event keeps, worked out by hand: the seed's example shift in New York, a canvass.
KEPT_EVENT_FACTS = {
    "page": {CRM.event_create_page},
    "email": {CRM.placeholder_email},
    "event.starts_at_date": {"07/29/2018"},
    "event.starts_at_time": {"10:00"},
    "event.starts_at_ampm": {"pm"},
    "event.starts_at": {"2018-07-29T22:00:00"},
    "event.ends_at": {"2018-07-29T23:00:00"},
    "fields.event_type": {"Canvass"},
    "fields.mobilize_timeslot": {"[2018-07-29T22:00:00-04:00, 2018-07-29T23:00:00-04:00]"},
    "fields.mobilize_timeslot_id": {f"masked-CANVASS-{SHIFT_START}-{SHIFT_END}"},
}
# The facts a masked signup keeps: the volunteer's first name, last name, phone, email and zip.
KEPT_SIGNUP_FACTS = {
    "page": {CRM.event_signup_page},
    "email": {"maria@example.com"},
    "user.first_name": {"Maria"},
    "user.last_name": {"Gonzalez"},
    "user.zip": {"10003"},
    "phone": {"+12125550123"},
    "signup.event_id": {300},
}

# We (an independent PAC) recruited Maria to the coordinated campaign's canvass, with every detail
# Mobilize could possibly send (the worst case: the mapping must ignore them, not rely on omission).
PROMOTED_FULL = attendance(
    event=raw_event(sponsor=CAMPAIGN, visibility="PRIVATE", address_visibility="PRIVATE"),
    sponsor=INDEPENDENT_PAC,
    attended=True,
    status="CANCELLED",
    rating="POSITIVE",
    feedback="Loved it",
)
# The same as Mobilize actually sends it across the firewall: the event reduced to its type.
PROMOTED_REDUCED = attendance(
    event=REDUCED_EVENT, sponsor=INDEPENDENT_PAC, timeslot={"start_date": SHIFT_START, "end_date": SHIFT_END}
)


def masked_event(record):
    event = record["event"] or {}
    return masked_event_payload(event.get("event_type"), record["timeslot"], "America/New_York", CRM)


def masked_signup(record):
    return signup_payload(
        record,
        ak_event_id=300,
        scope=AttendanceScope.PROMOTED_ACROSS_FIREWALL,
        target=CRM,
        fallback_timezone="America/New_York",
    )


def event_violations(payload):
    return masking_violations(
        payload, allowed_paths=EVENT_PATHS, kept=KEPT_EVENT_FACTS, constants=MASKED_EVENT_CONSTANTS
    )


def signup_violations(payload):
    return masking_violations(
        payload, allowed_paths=SIGNUP_PATHS, kept=KEPT_SIGNUP_FACTS, constants=MASKED_SIGNUP_CONSTANTS
    )


def test_the_exported_kept_keys_are_exactly_the_facts_the_seed_keeps():
    assert {path.split(".")[-1] for path in KEPT_EVENT_FACTS} - {"page", "email"} == MASKED_EVENT_KEPT_KEYS
    assert {path.split(".")[-1] for path in KEPT_SIGNUP_FACTS} - {"page"} == MASKED_SIGNUP_KEPT_KEYS


@pytest.mark.parametrize("record", [PROMOTED_FULL, PROMOTED_REDUCED], ids=["full", "reduced"])
def test_both_promoted_records_are_classified_promoted_across_the_firewall(record):
    assert classify_attendance(record, OUR_PAC) is AttendanceScope.PROMOTED_ACROSS_FIREWALL


# --- masked events -------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", [PROMOTED_FULL, PROMOTED_REDUCED], ids=["full", "reduced"])
def test_masked_event_holds_only_date_time_event_type_and_masking_constants(record):
    assert event_violations(masked_event(record)) == []


def test_masked_event_holds_no_value_of_the_source_but_the_kept_facts():
    # The kept facts as the source holds them: the event type and the shift's start and end.
    kept = {"CANVASS", SHIFT_START, SHIFT_END, *(value for values in KEPT_EVENT_FACTS.values() for value in values)}
    leaked = source_values(PROMOTED_FULL) - kept - set(MASKED_EVENT_CONSTANTS)
    payload_values = [value for _, value in leaves(masked_event(PROMOTED_FULL))]
    assert [value for value in payload_values if value in leaked] == []
    for text in (value for value in payload_values if isinstance(value, str)):
        assert not [secret for secret in leaked if isinstance(secret, str) and len(secret) > 3 and secret in text]


def test_masked_event_title_venue_description_and_address1_read_masked():
    native = masked_event(PROMOTED_FULL)["event"]
    assert [native[key] for key in ("title", "venue", "public_description", "address1")] == [MASKED] * 4


def test_masked_event_location_is_puerto_natales_chile_with_other_location_fields_empty():
    native = masked_event(PROMOTED_FULL)["event"]
    assert (
        (native["city"], native["country"])
        == (PUERTO_NATALES_CITY, PUERTO_NATALES_COUNTRY)
        == ("Puerto Natales", "Chile")
    )
    assert (native["address2"], native["state"], native["zip"]) == ("", "", "")


def test_masked_event_is_private_with_no_capacity_and_no_note():
    native = masked_event(PROMOTED_FULL)["event"]
    assert native["is_private"] is True
    assert native["max_attendees"] is None
    assert native["note_to_attendees"] == ""


def test_every_descriptive_custom_field_of_a_masked_event_reads_masked():
    fields = masked_event(PROMOTED_FULL)["fields"]
    descriptive = set(EVENT_FIELD_NAMES) - {"event_type", "mobilize_timeslot", "mobilize_timeslot_id", "shift_times"}
    assert {fields[name] for name in descriptive} == {MASKED}
    assert "mobilize_id" in descriptive and "event_owning_organization" in descriptive


def test_masked_event_keeps_the_event_type_and_the_shift():
    fields = masked_event(PROMOTED_REDUCED)["fields"]
    assert fields["event_type"] == "Canvass"
    assert fields["mobilize_timeslot"] == "[2018-07-29T22:00:00-04:00, 2018-07-29T23:00:00-04:00]"


def test_masked_event_key_is_made_only_of_the_kept_facts():
    assert masked_event(PROMOTED_FULL)["fields"]["mobilize_timeslot_id"] == "masked-CANVASS-1532916000-1532919600"
    # The timeslot id (11) and event id (1) of the full record do not enter it.
    assert masked_event_key("CANVASS", {"id": 11, "start_date": SHIFT_START, "end_date": SHIFT_END}) == (
        masked_event_key("CANVASS", {"start_date": SHIFT_START, "end_date": SHIFT_END})
    )


def test_full_and_reduced_sources_give_the_same_masked_event():
    assert masked_event(PROMOTED_FULL) == masked_event(PROMOTED_REDUCED)


# --- masked signups ------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", [PROMOTED_FULL, PROMOTED_REDUCED], ids=["full", "reduced"])
def test_masked_signup_holds_only_name_phone_email_zip_and_masking_constants(record):
    assert signup_violations(masked_signup(record)) == []


def test_masked_signup_holds_no_value_of_the_source_but_the_kept_facts():
    kept = {value for values in KEPT_SIGNUP_FACTS.values() for value in values}
    leaked = source_values(PROMOTED_FULL) - kept - set(MASKED_SIGNUP_CONSTANTS)
    payload_values = [value for _, value in leaves(masked_signup(PROMOTED_FULL))]
    assert [value for value in payload_values if value in leaked] == []


def test_signup_recruited_across_the_firewall_to_our_event_never_names_the_recruiter():
    # Our (coordinated) event, recruited by the independent PAC; the worst case carries a referrer
    # naming the PAC, although Mobilize omits it for everyone but the promoter.
    record = attendance(
        sponsor=INDEPENDENT_PAC,
        referrer=referrer(
            utm_source="independent-action", url="https://www.mobilize.us/independent-action/?source=pac"
        ),
    )
    scope = classify_attendance(record, OUR_CAMPAIGN)
    assert scope is AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL
    payload = signup_payload(record, ak_event_id=300, scope=scope, target=CRM, fallback_timezone="America/New_York")
    assert payload["fields"]["mobilize_signup_source"] == MASKED
    recruiter = {INDEPENDENT_PAC["name"], INDEPENDENT_PAC["slug"], INDEPENDENT_PAC["event_feed_url"], "pac"}
    for path, value in leaves(payload):
        assert not (isinstance(value, str) and any(secret in value for secret in recruiter)), path
    # ...and the volunteer's own details are all there.
    assert payload["user"]["first_name"] == "Maria" and payload["fields"]["mobilize_participation_status"]


# --- the check catches leaks ---------------------------------------------------------------------------


def test_the_check_catches_a_leaked_organization_name_in_a_masked_event():
    leaky = copy.deepcopy(masked_event(PROMOTED_FULL))
    leaky["fields"]["event_owning_organization"] = "Example Campaign"
    assert event_violations(leaky) == [
        "fields.event_owning_organization = 'Example Campaign' is neither a kept fact nor a masking constant"
    ]


def test_the_check_catches_a_kept_fact_at_the_wrong_key():
    leaky = copy.deepcopy(masked_event(PROMOTED_FULL))
    leaky["event"]["title"] = "Canvass"
    assert event_violations(leaky) == ["event.title = 'Canvass' is neither a kept fact nor a masking constant"]


def test_the_check_catches_an_extra_key():
    leaky = copy.deepcopy(masked_event(PROMOTED_FULL))
    leaky["fields"]["mobilize_event_url"] = MASKED
    assert event_violations(leaky) == ["unexpected key 'fields.mobilize_event_url'"]


def test_the_check_catches_a_leaked_attendance_in_a_masked_signup():
    leaky = copy.deepcopy(masked_signup(PROMOTED_FULL))
    leaky["signup"]["attended"] = True
    leaky["fields"]["utm_source"] = "newsletter"
    assert len(signup_violations(leaky)) == 2


def test_the_check_catches_an_unmasked_signup_passed_off_as_masked():
    unmasked = signup_payload(
        PROMOTED_FULL, ak_event_id=300, scope=AttendanceScope.OWN_EVENT, target=CRM, fallback_timezone="UTC"
    )
    problems = signup_violations(unmasked)
    assert any(problem.startswith("fields.mobilize_signup_source") for problem in problems)
    assert any(problem.startswith("signup.attended") for problem in problems)


# --- the masked event's key and time zone -----------------------------------------------------------


@pytest.mark.parametrize(("event_type", "kind"), [("PHONE_BANK", "PHONE_BANK"), (None, "OTHER"), ("<b>x</b>", "OTHER")])
def test_masked_event_key_names_the_type_or_other(event_type, kind):
    key = masked_event_key(event_type, {"start_date": SHIFT_START, "end_date": SHIFT_END})
    assert key == f"masked-{kind}-{SHIFT_START}-{SHIFT_END}"


def test_masked_event_without_start_or_end_time_is_a_record_error():
    with pytest.raises(RecordError, match="no start or end time"):
        masked_event_payload("CANVASS", {"start_date": SHIFT_START, "end_date": None}, "America/New_York", CRM)


def test_masked_event_in_an_unknown_fallback_time_zone_is_a_record_error_naming_it():
    with pytest.raises(RecordError, match="'Atlantis/Capital'"):
        masked_event_payload("CANVASS", {"start_date": SHIFT_START, "end_date": SHIFT_END}, "Atlantis/Capital", CRM)


def test_masked_event_is_shown_in_the_time_zone_it_is_given():
    fields = masked_event_payload(
        "CANVASS", {"start_date": SHIFT_START, "end_date": SHIFT_END}, "America/Chicago", CRM
    )["fields"]
    assert fields["mobilize_timeslot"] == "[2018-07-29T21:00:00-05:00, 2018-07-29T22:00:00-05:00]"


def test_event_across_firewall_is_decided_by_the_owner_side_and_conservative_when_unknown():
    from integrations.connectors.mobilize.records import normalize_event
    from integrations.flows.firewall import OrgRef, event_across_firewall

    coordinated = OrgRef(id=1, name="Campaign", side="coordinated")

    def event(sponsor):
        return normalize_event({"id": 9, "event_type": "CANVASS", "sponsor": sponsor})

    ours = {"id": 1, "is_coordinated": True, "is_independent": False}
    same_side = {"id": 2, "is_coordinated": True, "is_independent": False}
    other_side = {"id": 3, "is_coordinated": False, "is_independent": True}
    assert not event_across_firewall(event(ours), coordinated)
    assert not event_across_firewall(event(same_side), coordinated)
    assert event_across_firewall(event(other_side), coordinated)
    assert event_across_firewall(normalize_event({"event_type": "CANVASS"}), coordinated), "withheld owner"
    assert event_across_firewall(event(same_side), OrgRef(id=1, name="Campaign", side="unknown"))
    assert not event_across_firewall(event(ours), OrgRef(id=1, name="Campaign", side="unknown"))
