"""Action Network <-> Mobile Commons mapping (shared/seeds/003): one test per rule, pure functions only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.engine import RecordError, SkipRecord
from integrations.flows.anmc import mapping
from integrations.models.anmc import DEFAULT_AN_FIELDS, McField

UUID = "d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3"
PATH = "41"


def fields(required=(), opt_in_field="mobile_opt_in", **renamed) -> mapping.FieldMap:
    an_fields = {**DEFAULT_AN_FIELDS, **renamed}
    return mapping.FieldMap(an_fields=an_fields, required=frozenset(required), opt_in_field=opt_in_field)


def person(**changes) -> dict:
    record = {
        "identifiers": [f"action_network:{UUID}"],
        "given_name": "Jo",
        "family_name": "Doe",
        "email_addresses": [{"address": "jo@example.com", "primary": True, "status": "subscribed"}],
        "phone_numbers": [{"number": "12025550123", "number_type": "Mobile", "status": "subscribed", "primary": True}],
        "postal_addresses": [
            {"primary": True, "address_lines": ["1 Main St"], "locality": "Springfield", "region": "IL"}
        ],
        "custom_fields": {"mobile_opt_in": "true"},
    }
    record.update(changes)
    return record


def profile(**changes) -> dict:
    record = {
        "id": "345",
        "phone_number": "12025550123",
        "email": "jo@example.com",
        "first_name": "Jo",
        "last_name": "Doe",
        "status": "Profiles with no Subscriptions",
        "opted_out_at": None,
        "address": {"street1": "1 Main St", "street2": "", "city": "Springfield", "state": "IL"},
        "custom_columns": {},
        "subscriptions": [],
    }
    record.update(changes)
    return record


def active(at: datetime) -> list[dict]:
    return [{"campaign_id": "12", "opt_in_path_id": PATH, "status": "Active", "activated_at": at, "opted_out_at": None}]


# --- pull: who is synced -----------------------------------------------------------------------------


def test_a_person_without_a_mobile_number_is_skipped():
    with pytest.raises(SkipRecord, match="No mobile number"):
        mapping.pull_payload(person(phone_numbers=[]), fields())


def test_a_person_whose_only_phone_is_not_mobile_is_skipped():
    home = [{"number": "12025550123", "number_type": "Home", "status": "subscribed"}]
    with pytest.raises(SkipRecord, match="Home number"):
        mapping.pull_payload(person(phone_numbers=home), fields())


def test_an_invalid_phone_is_skipped_with_the_number_in_the_reason():
    with pytest.raises(SkipRecord, match="'555' is not a valid phone number"):
        mapping.pull_payload(person(phone_numbers=[{"number": "555"}]), fields())


def test_phones_go_to_mobile_commons_as_digits_with_the_country_code():
    for number in ("12025550123", "+1 (202) 555-0123", "202-555-0123"):
        assert mapping.pull_payload(person(phone_numbers=[{"number": number}]), fields())["phone_number"] == (
            "12025550123"
        )


def test_opted_in_means_the_boolean_field_is_true():
    assert mapping.pull_payload(person(), fields())["opted_in"] is True
    for value in ("false", "", "0", None):
        assert mapping.pull_payload(person(custom_fields={"mobile_opt_in": value}), fields())["opted_in"] is False
    assert mapping.pull_payload(person(custom_fields={}), fields())["opted_in"] is False


def test_a_phone_unsubscribed_in_action_network_is_not_opted_in_even_with_the_field_true():
    phones = [{"number": "12025550123", "number_type": "Mobile", "status": "unsubscribed"}]
    assert mapping.pull_payload(person(phone_numbers=phones), fields())["opted_in"] is False


def test_the_opt_in_field_is_the_configured_boolean_field_name():
    record = person(custom_fields={"sms_ok": "1", "mobile_opt_in": "false"})
    assert mapping.pull_payload(record, fields(opt_in_field="sms_ok"))["opted_in"] is True


def test_the_action_network_identifier_becomes_the_constituent_id():
    assert mapping.pull_payload(person(), fields())["constituent_id"] == UUID


def test_standard_fields_map_to_their_mobile_commons_profile_fields():
    payload = mapping.pull_payload(person(), fields())
    assert payload == {
        "phone_number": "12025550123",
        "email": "jo@example.com",
        "first_name": "Jo",
        "last_name": "Doe",
        "street1": "1 Main St",
        "city": "Springfield",
        "state": "IL",
        "constituent_id": UUID,
        "opted_in": True,
    }


def test_a_renamed_api_field_is_read_from_that_field():
    record = person(custom_fields={"mobile_opt_in": "true", "preferred_name": "Joey"})
    assert mapping.pull_payload(record, fields(**{McField.FIRST_NAME: "preferred_name"}))["first_name"] == "Joey"


def test_blank_action_network_values_are_not_sent_so_they_never_erase_mobile_commons_data():
    payload = mapping.pull_payload(person(family_name="", postal_addresses=[]), fields())
    assert "last_name" not in payload and "city" not in payload


def test_a_person_missing_a_required_field_is_not_synced_and_the_reason_names_it():
    with pytest.raises(SkipRecord, match=r"Required field Postal code \(Action Network postal_code\) is empty"):
        mapping.pull_payload(person(), fields(required=[McField.POSTAL_CODE]))
    record = person(postal_addresses=[{"postal_code": "62701"}])
    assert mapping.pull_payload(record, fields(required=[McField.POSTAL_CODE]))["postal_code"] == "62701"


def test_a_person_without_an_identifier_is_an_error_not_a_guess():
    with pytest.raises(RecordError):
        mapping.pull_payload(person(identifiers=[]), fields())


# --- pull: what is written ---------------------------------------------------------------------------


def payload(**changes) -> dict:
    return {**mapping.pull_payload(person(), fields()), **changes}


def test_a_new_opted_in_person_gets_the_default_opt_in_path():
    write = mapping.pull_write(payload(), None, PATH)
    assert write.subscribes and write.params["opt_in_path_id"] == PATH
    assert write.params["phone_number"] == "12025550123" and write.params["constituent_id"] == UUID


def test_a_new_person_who_did_not_opt_in_becomes_a_profile_without_a_subscription():
    write = mapping.pull_write(payload(opted_in=False), None, PATH)
    assert not write.subscribes and "opt_in_path_id" not in write.params
    assert write.params["email"] == "jo@example.com"


def test_a_profile_that_opted_out_is_never_given_the_opt_in_path_again():
    out = profile(status="Opted-Out", opted_out_at=datetime(2026, 12, 1, tzinfo=UTC))
    write = mapping.pull_write(payload(), out, PATH)
    assert not write.subscribes and "opt_in_path_id" not in (write.params or {})
    sub_out = profile(subscriptions=[{"status": "Opted-Out", "opted_out_at": datetime(2026, 1, 1, tzinfo=UTC)}])
    assert not mapping.pull_write(payload(), sub_out, PATH).subscribes


def test_an_already_subscribed_profile_is_not_opted_in_again():
    subscribed = profile(status="Active Subscriber", subscriptions=active(datetime(2026, 1, 1, tzinfo=UTC)))
    assert not mapping.pull_write(payload(), subscribed, PATH).subscribes


def test_an_existing_never_subscribed_profile_of_an_opted_in_person_is_subscribed():
    assert mapping.pull_write(payload(), profile(), PATH).subscribes


def test_only_fields_that_differ_are_sent_and_nothing_when_nothing_differs():
    held = profile(custom_columns={"constituent_id": UUID}, subscriptions=active(datetime(2026, 1, 1, tzinfo=UTC)))
    assert mapping.pull_write(payload(), held, PATH).params is None
    changed = mapping.pull_write(payload(first_name="Joanna"), held, PATH)
    assert changed.params == {"phone_number": "12025550123", "first_name": "Joanna"}


def test_a_number_whose_profile_holds_another_persons_constituent_id_is_not_overwritten():
    other = profile(custom_columns={"constituent_id": "someone-else"})
    with pytest.raises(RecordError, match="another Action Network person"):
        mapping.pull_write(payload(), other, PATH)


@given(
    opted_in=st.booleans(),
    exists=st.booleans(),
    subscribed=st.booleans(),
    opted_out=st.booleans(),
)
def test_the_pull_subscribes_only_opted_in_numbers_never_subscribed_and_never_opted_out(
    opted_in, exists, subscribed, opted_out
):
    held = None
    if exists:
        held = profile(
            subscriptions=(active(datetime(2026, 1, 1, tzinfo=UTC)) if subscribed else [])
            + ([{"status": "Opted-Out", "opted_out_at": datetime(2026, 2, 1, tzinfo=UTC)}] if opted_out else []),
        )
    write = mapping.pull_write(payload(opted_in=opted_in), held, PATH)
    assert write.subscribes == (opted_in and (not exists or (not subscribed and not opted_out)))


# --- push ----------------------------------------------------------------------------------------------

SINCE = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_new_opt_in_since_the_last_push_is_an_opt_in_event():
    at = datetime(2026, 12, 1, 12, 5, tzinfo=UTC)
    assert mapping.subscription_event(profile(subscriptions=active(at)), SINCE) == (mapping.OPT_IN, at)


def test_an_opt_in_from_before_the_last_push_is_not_new():
    old = datetime(2026, 11, 1, tzinfo=UTC)
    assert mapping.subscription_event(profile(subscriptions=active(old)), SINCE) is None


def test_a_new_opt_out_is_an_opt_out_event_and_wins_over_an_old_opt_in():
    at = datetime(2026, 12, 1, 12, 5, tzinfo=UTC)
    subs = [{"status": "Opted-Out", "activated_at": datetime(2026, 1, 1, tzinfo=UTC), "opted_out_at": at}]
    record = profile(status="Opted-Out", opted_out_at=at, subscriptions=subs)
    assert mapping.subscription_event(record, SINCE) == (mapping.OPT_OUT, at)


def test_a_profile_changed_for_another_reason_has_no_event():
    assert mapping.subscription_event(profile(), SINCE) is None


def test_push_payload_carries_the_profile_fields_and_skips_a_missing_required_field():
    push = mapping.push_payload(profile(), mapping.OPT_IN, fields())
    assert push["event"] == mapping.OPT_IN and push["email"] == "jo@example.com" and push["city"] == "Springfield"
    with pytest.raises(SkipRecord, match="Required field Postal code"):
        mapping.push_payload(profile(), mapping.OPT_IN, fields(required=[McField.POSTAL_CODE]))


def test_an_opt_in_becomes_a_signup_with_the_opt_in_field_true_and_the_phone_subscribed():
    body = mapping.signup_person(mapping.push_payload(profile(), mapping.OPT_IN, fields()), fields())
    assert body["email_addresses"] == [{"address": "jo@example.com"}]
    assert body["phone_numbers"] == [{"number": "12025550123", "number_type": "Mobile", "status": "subscribed"}]
    assert body["custom_fields"] == {"mobile_opt_in": "true"}
    assert body["given_name"] == "Jo" and body["postal_addresses"] == [
        {"address_lines": ["1 Main St"], "locality": "Springfield", "region": "IL"}
    ]


def test_an_opt_out_sets_the_field_false_and_the_phone_unsubscribed_without_replacing_the_number():
    changes = mapping.subscription_changes(mapping.OPT_OUT, fields())
    assert changes == {"custom_fields": {"mobile_opt_in": "false"}, "phone_numbers": [{"status": "unsubscribed"}]}


def test_a_matched_person_already_as_wanted_needs_no_write():
    assert mapping.person_holds(person(), mapping.OPT_IN, fields())
    assert not mapping.person_holds(person(), mapping.OPT_OUT, fields())
    out = person(custom_fields={"mobile_opt_in": "false"}, phone_numbers=[{"number": "1", "status": "unsubscribed"}])
    assert mapping.person_holds(out, mapping.OPT_OUT, fields())


def test_a_number_longer_than_e164_allows_is_not_a_mobile_number():
    assert mapping.mc_phone("+4920100000000000") is None
