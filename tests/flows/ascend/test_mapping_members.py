"""Who reaches Ascend and with which member fields: the seed's member and field sync rules, one test each."""

from __future__ import annotations

import pytest

from integrations.flows.ascend.mapping import (
    IGNORED_CREATION_OFF,
    IGNORED_NO_MOBILE_PHONE,
    IGNORED_NO_SMS_OPT_IN,
    IGNORED_UNSUBSCRIBED,
    Rule,
    core_values,
    custom_field_names,
    custom_values,
    has_sms_opt_in,
    ignore_reason,
    member_label,
    member_update,
    mobile_phone,
)
from integrations.models.ascend import SyncOption

from ._records import attendance, default_rules, member, person, phone

POPULATE, OVERWRITE, IGNORE = SyncOption.POPULATE, SyncOption.OVERWRITE, SyncOption.IGNORE


def custom(*answers: tuple[str, str | None, bool | None]) -> list[dict]:
    return [
        {"custom_field_id": index, "custom_field_name": name, "text_value": text, "boolean_value": flag}
        for index, (name, text, flag) in enumerate(answers, start=1)
    ]


# --- who is synced -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phones",
    [[], phone(""), phone("   "), phone("555"), phone("not a number"), [{"primary": True, "number": None}]],
    ids=["no-list", "empty", "blank", "too-short", "text", "null"],
)
def test_submission_without_a_mobile_phone_is_ignored_with_that_reason(phones):
    volunteer = person(phone_numbers=phones)
    assert mobile_phone(volunteer) is None
    # Even with creation on and the opt-in checked, it is the first reason given.
    assert ignore_reason(volunteer, None, create_new_members=True) == IGNORED_NO_MOBILE_PHONE
    assert "mobile phone" in IGNORED_NO_MOBILE_PHONE


@pytest.mark.parametrize("status", ["UNSPECIFIED", "OPT_OUT", None, "opt_in", ""])
def test_submission_without_sms_opt_in_is_ignored(status):
    volunteer = person(sms_opt_in_status=status)
    assert not has_sms_opt_in(volunteer)
    assert ignore_reason(volunteer, member(), create_new_members=True) == IGNORED_NO_SMS_OPT_IN
    assert ignore_reason(volunteer, None, create_new_members=True) == IGNORED_NO_SMS_OPT_IN


def test_submission_with_phone_and_opt_in_is_synced():
    volunteer = person()
    assert has_sms_opt_in(volunteer)
    assert ignore_reason(volunteer, member(), create_new_members=False) is None
    assert ignore_reason(volunteer, None, create_new_members=True) is None


@pytest.mark.parametrize("status", ["unsubscribed", "Unsubscribed", " UNSUBSCRIBED "])
def test_unsubscribed_number_is_never_touched(status):
    unsubscribed = member(subscription_status=status)
    assert ignore_reason(person(), unsubscribed, create_new_members=True) == IGNORED_UNSUBSCRIBED
    # Missing phone and opt-in are reported first: they are what the submitter can fix.
    assert ignore_reason(person(phone_numbers=[]), unsubscribed, create_new_members=True) == IGNORED_NO_MOBILE_PHONE
    no_opt_in = person(sms_opt_in_status="OPT_OUT")
    assert ignore_reason(no_opt_in, unsubscribed, create_new_members=True) == IGNORED_NO_SMS_OPT_IN


def test_new_member_needs_create_new_members():
    assert ignore_reason(person(), None, create_new_members=False) == IGNORED_CREATION_OFF
    assert ignore_reason(person(), None, create_new_members=True) is None
    # An existing member is updated whatever the toggle says.
    assert ignore_reason(person(), member(), create_new_members=False) is None


def test_ignore_reasons_are_distinct_sentences():
    reasons = [IGNORED_NO_MOBILE_PHONE, IGNORED_NO_SMS_OPT_IN, IGNORED_UNSUBSCRIBED, IGNORED_CREATION_OFF]
    assert len(set(reasons)) == 4
    assert all(reason.startswith("Ignored: ") and reason.endswith(".") for reason in reasons)


@pytest.mark.parametrize(
    "written",
    ["(212) 555-0123", "212.555.0123", "212-555-0123", "2125550123", "+1 212 555 0123", "1-212-555-0123",
     "+12125550123", " (212)555-0123 ", "212-555-0123 ext. 7"],
)  # fmt: skip
def test_phone_formats_normalize_to_one_e164(written):
    assert mobile_phone(person(phone_numbers=phone(written))) == "+12125550123"


def test_phone_outside_the_us_keeps_its_country():
    assert mobile_phone(person(phone_numbers=phone("+44 20 7946 0958"))) == "+442079460958"


def test_only_the_mobilize_phone_field_is_synced_its_primary_number():
    # Mobilize's phone list has no types: the primary entry is the form's mobile phone field.
    volunteer = person(
        phone_numbers=[{"primary": False, "number": "(215) 555-0101"}, {"primary": True, "number": "212 555 0123"}]
    )
    assert mobile_phone(volunteer) == "+12125550123"
    # Without a primary, the first number given.
    unmarked = person(phone_numbers=[{"primary": None, "number": "(215) 555-0101"}])
    assert mobile_phone(unmarked) == "+12155550101"


def test_member_label_has_email_and_phone_so_support_finds_either():
    assert member_label(person()) == "maria@example.com +12125550123"
    # An invalid number is still shown as written: it is what support will search for.
    assert member_label(person(phone_numbers=phone("555"))) == "maria@example.com 555"
    assert member_label(person(email_addresses=[])) == "+12125550123"
    assert member_label(person(email_addresses=[], phone_numbers=[])) == "Mobilize person 9057"


# --- field values --------------------------------------------------------------------------------


def test_core_fields_are_first_name_last_name_email_and_zip():
    assert core_values(person()) == {
        "first_name": "Maria",
        "last_name": "Gonzalez",
        "email": "maria@example.com",
        "zip": "10003",
    }
    withheld = person(given_name="  ", family_name=None, email_addresses=[], postal_addresses=[])
    assert core_values(withheld) == {"first_name": None, "last_name": None, "email": None, "zip": None}


def test_custom_signup_fields_are_discovered_from_attendance_data():
    record = attendance(
        custom_signup_field_values=custom(
            ("tshirt", "M", None),
            ("Can drive?", None, True),
            ("Has kids", "", False),
            (" Employer ", "  Acme  ", None),
            ("tshirt", "", None),
            (None, "no name", None),
            ("Notes", None, None),
        )
    )
    assert custom_field_names(record) == ["tshirt", "Can drive?", "Has kids", "Employer", "Notes"]
    assert custom_values(record) == {
        "tshirt": "M",  # a later blank answer does not erase the earlier one
        "Can drive?": "true",
        "Has kids": "false",
        "Employer": "Acme",
        "Notes": None,
    }


# --- field sync rules ----------------------------------------------------------------------------


def test_new_member_gets_every_mapped_value():
    fields, custom_fields = member_update(person(), attendance(), default_rules(POPULATE), None)
    assert fields == {"first_name": "Maria", "last_name": "Gonzalez", "email": "maria@example.com", "zip": "10003"}
    assert custom_fields == {}
    assert member_update(person(), attendance(), default_rules(OVERWRITE), None)[0] == fields


def test_populate_fills_only_empty_ascend_fields():
    volunteer = person(
        given_name="Mariana", family_name="Gómez", email_addresses=[{"primary": True, "address": "m@x.org"}]
    )
    existing = member(first_name="Maria", last_name="", email=None, zip="  ")
    fields, _ = member_update(volunteer, attendance(), default_rules(POPULATE), existing)
    # first_name is filled in Ascend: kept; the empty ones are populated.
    assert fields == {"last_name": "Gómez", "email": "m@x.org", "zip": "10003"}


def test_overwrite_replaces_existing_data():
    volunteer = person(given_name="Mariana", postal_addresses=[{"primary": True, "postal_code": "10011"}])
    fields, _ = member_update(volunteer, attendance(), default_rules(OVERWRITE), member())
    # Only what differs is sent.
    assert fields == {"first_name": "Mariana", "zip": "10011"}
    assert member_update(person(), attendance(), default_rules(OVERWRITE), member()) == ({}, {})


def test_overwrite_never_blanks_an_ascend_field():
    withheld = person(given_name=" ", email_addresses=[], postal_addresses=[])
    fields, _ = member_update(withheld, attendance(), default_rules(OVERWRITE), member(first_name="Ana"))
    # Ascend keeps "Ana" and its email and zip; the last name is the same: nothing to send.
    assert fields == {}
    fields, _ = member_update(withheld, attendance(), default_rules(OVERWRITE), member(first_name="Ana", last_name="G"))
    assert fields == {"last_name": "Gonzalez"}


def test_ignore_never_syncs():
    rules = [*default_rules(IGNORE), Rule("custom:tshirt", "shirt_size", IGNORE)]
    assert member_update(person(), attendance(), rules, None) == ({}, {})
    assert member_update(person(given_name="Other"), attendance(), rules, member(first_name="")) == ({}, {})


def test_custom_field_maps_to_an_ascend_custom_field():
    rules = [*default_rules(POPULATE), Rule("custom:tshirt", "shirt_size", POPULATE)]
    fields, custom_fields = member_update(person(), attendance(), rules, member())
    assert (fields, custom_fields) == ({}, {"shirt_size": "M"})
    # Populate: a filled custom field is kept; Overwrite replaces it.
    filled = member(custom_fields={"shirt_size": "L"})
    assert member_update(person(), attendance(), rules, filled) == ({}, {})
    overwrite = [Rule("custom:tshirt", "shirt_size", OVERWRITE)]
    assert member_update(person(), attendance(), overwrite, filled) == ({}, {"shirt_size": "M"})


def test_unmapped_custom_field_is_not_synced():
    rules = [Rule("custom:tshirt", "", POPULATE), Rule("custom:tshirt ", "   ", OVERWRITE)]
    assert member_update(person(), attendance(), rules, None) == ({}, {})


def test_two_custom_fields_to_one_ascend_field():
    rules = [Rule("custom:Employer", "employer", OVERWRITE), Rule("custom:Company", "employer", OVERWRITE)]

    def answers(employer, company):
        return attendance(custom_signup_field_values=custom(("Employer", employer, None), ("Company", company, None)))

    # The last non-empty value in rule order wins ...
    assert member_update(person(), answers("Acme", "Globex"), rules, None) == ({}, {"employer": "Globex"})
    # ... and an empty answer never hides an earlier one.
    assert member_update(person(), answers("Acme", ""), rules, None) == ({}, {"employer": "Acme"})
    assert member_update(person(), answers(None, None), rules, None) == ({}, {})
    # The winning rule's own option decides: a Populate winner leaves a filled field alone, and the
    # Overwrite rule it outranked does not write instead.
    mixed = [Rule("custom:Employer", "employer", OVERWRITE), Rule("custom:Company", "employer", POPULATE)]
    filled = member(custom_fields={"employer": "Initech"})
    assert member_update(person(), answers("Acme", "Globex"), mixed, filled) == ({}, {})
    assert member_update(person(), answers("Acme", None), mixed, filled) == ({}, {"employer": "Acme"})
    # An Ignore rule takes no part.
    ignored_last = [*rules, Rule("custom:Other", "employer", IGNORE)]
    other = attendance(custom_signup_field_values=custom(("Employer", "Acme", None), ("Other", "Umbrella", None)))
    assert member_update(person(), other, ignored_last, None) == ({}, {"employer": "Acme"})


def test_custom_field_mapped_to_an_ascend_core_field_goes_to_fields():
    rules = [Rule("custom:Preferred name", "first_name", OVERWRITE)]
    record = attendance(custom_signup_field_values=custom(("Preferred name", "Mari", None)))
    assert member_update(person(), record, rules, member()) == ({"first_name": "Mari"}, {})


def test_attendance_status_is_never_a_member_field():
    # Rules naming event data read nothing, whatever the option ...
    event_rules = [Rule(name, f"mobilize_{name}", OVERWRITE) for name in ("status", "attended", "timeslot", "event")]
    rules = [*default_rules(OVERWRITE), *event_rules, Rule("custom:tshirt", "shirt_size", OVERWRITE)]
    registered = member_update(person(), attendance(status="REGISTERED", attended=None), rules, None)
    assert set(registered[1]) == {"shirt_size"}
    # ... and the update is the same whatever the attendance's status, attended or timeslot.
    for changes in ({"status": "CONFIRMED", "attended": True}, {"status": "CANCELLED", "attended": False}):
        assert member_update(person(), attendance(**changes), rules, None) == registered
    written = {*registered[0].values(), *registered[1].values()}
    assert not written & {"REGISTERED", "CONFIRMED", "CANCELLED", "true", "false"}


def test_unknown_sync_option_is_refused():
    with pytest.raises(ValueError, match="sync option"):
        Rule("first_name", "first_name", "sometimes")
