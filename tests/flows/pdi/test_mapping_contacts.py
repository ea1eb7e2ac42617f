"""Mobilize people -> PDI contacts: matched by email only, created with name, email and phone."""

from __future__ import annotations

import pytest

from integrations.engine import RecordError
from integrations.flows.pdi.mapping import (
    CONTACT_PAYLOAD_KEYS,
    PHONE_TYPE,
    contact_email,
    contact_payload,
    contact_phone,
)

from ._records import person


def test_contact_is_identified_by_email_only():
    maria = person()
    # The same email with another name and phone is the same PDI contact ...
    namesake = person(given_name="Mary", family_name="Gonzales", phone_numbers=[{"primary": True, "number": "555"}])
    assert contact_email(namesake) == contact_email(maria)
    # ... and the same name and phone with another email is not.
    other = person(email_addresses=[{"primary": True, "address": "maria.g@example.org"}])
    assert contact_email(other) != contact_email(maria)
    # The created contact carries no other identifier to match on.
    assert set(contact_payload(maria)) == {"firstName", "lastName"}


def test_contact_email_is_the_primary_email_stripped_and_lowercased():
    record = person(
        email_addresses=[
            {"primary": False, "address": "old@example.com"},
            {"primary": True, "address": "  Maria.Gonzalez@Example.COM "},
        ]
    )
    assert contact_email(record) == "maria.gonzalez@example.com"


@pytest.mark.parametrize("emails", [[], [{"primary": True, "address": "  "}], None])
def test_volunteer_without_an_email_is_a_record_error_saying_contacts_match_by_email(emails):
    record = person(email_addresses=emails)
    with pytest.raises(RecordError, match=r"Mobilize person 9057 has no email address.*matched by email"):
        contact_email(record)
    with pytest.raises(RecordError, match="no email address"):
        contact_payload(record)


def test_new_contact_has_the_volunteers_first_and_last_name():
    assert contact_payload(person()) == {"firstName": "Maria", "lastName": "Gonzalez"}
    assert contact_payload(person(given_name="  Ana ", family_name=None)) == {"firstName": "Ana", "lastName": ""}


def test_contact_payload_has_exactly_pdis_contact_fields():
    assert tuple(contact_payload(person())) == CONTACT_PAYLOAD_KEYS


def test_contact_phone_of_a_us_number_is_its_ten_national_digits():
    assert contact_phone(person()) == "2125550123"  # "(212) 555-0123"
    for written in ("+1 202-555-0123", "1 (202) 555 0123", "202.555.0123", "+1 (202) 555-0123 ext 5"):
        assert contact_phone(person(phone_numbers=[{"primary": True, "number": written}])) == "2025550123"


def test_contact_phone_of_a_us_territory_number_is_ten_digits_too():
    assert contact_phone(person(phone_numbers=[{"primary": True, "number": "787-555-0123"}])) == "7875550123"


def test_contact_phone_outside_the_us_is_e164():
    london = person(phone_numbers=[{"primary": True, "number": "+44 20 7946 0958"}])
    assert contact_phone(london) == "+442079460958"
    toronto = person(phone_numbers=[{"primary": True, "number": "+1 416 555 0123"}])
    assert contact_phone(toronto) == "+14165550123"


@pytest.mark.parametrize("number", [None, "", "1234567890", "555-0123", "call me", "+999 1234"])
def test_contact_phone_absent_or_invalid_is_none(number):
    phones = [] if number is None else [{"primary": True, "number": number}]
    assert contact_phone(person(phone_numbers=phones)) is None


def test_contact_phone_is_the_primary_number():
    record = person(
        phone_numbers=[{"primary": False, "number": "202-555-0199"}, {"primary": True, "number": "202-555-0123"}]
    )
    assert contact_phone(record) == "2025550123"


def test_phone_type_is_mobile():
    assert PHONE_TYPE == "Mobile"


def test_a_number_longer_than_e164_allows_is_no_phone():
    # phonenumbers' metadata takes this 16-digit German number as valid; E.164 allows 15 digits.
    from integrations.flows.pdi.mapping import _format_phone

    assert _format_phone("+4920100000000000") is None
    assert _format_phone("+492011234567") == "+492011234567"
