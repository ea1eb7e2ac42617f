"""Mobilize event timeslots -> ActionKit events: one test per rule of the seed's event mapping."""

from __future__ import annotations

from dataclasses import replace

import pytest

from integrations.engine.streams import RecordError
from integrations.flows.actionkit.mapping import (
    EVENT_FIELD_NAMES,
    EVENT_NATIVE_KEYS,
    event_timeslot_payload,
    timeslot_key,
)

from ._records import CRM, DISTRIBUTED_SEND, DROP, SHIFT_END, SHIFT_START, event, location, timeslot

PRIVATE_SENTENCE = "This event\u2019s address is private. Sign up for more details"


def payload(target=CRM, index: int = 0, **changes):
    record = event(**changes)
    return event_timeslot_payload(record, timeslot(record, index), target)


# --- native fields -----------------------------------------------------------------------------------


def test_payload_has_page_email_event_and_fields_with_every_seed_field():
    result = payload()
    assert set(result) == {"page", "email", "event", "fields"}
    assert tuple(result["event"]) == EVENT_NATIVE_KEYS
    assert tuple(result["fields"]) == EVENT_FIELD_NAMES


def test_event_page_is_the_event_create_page_short_name():
    assert payload()["page"] == "mobilize-events-host"
    assert payload(DISTRIBUTED_SEND)["page"] == "mobilize-feed-host"


def test_event_email_is_the_placeholder_email():
    assert payload()["email"] == "mobilize-events@example.org"


def test_event_without_a_create_page_configured_is_a_record_error_saying_where_to_set_it():
    target = replace(CRM, event_create_page=" ")
    with pytest.raises(RecordError, match="event-create page"):
        payload(target)


def test_address1_is_line_1_and_address2_is_line_2_of_the_location_address():
    native = payload()["event"]
    assert (native["address1"], native["address2"]) == ("204 E 13th St", "Suite 2")


def test_private_address_line1_reads_address_provided_upon_rsvp():
    # Our own private-address event: Mobilize gives us the real address, ActionKit must not show it.
    native = payload(address_visibility="PRIVATE")["event"]
    assert native["address1"] == "Address provided upon RSVP"
    assert native["venue"] == ""
    assert native["address2"] == ""
    assert "204 E 13th St" not in str(native) and "Campaign HQ" not in str(native)


def test_address_mobilize_hid_as_private_reads_address_provided_upon_rsvp_not_mobilizes_sentence():
    hidden = location(venue=PRIVATE_SENTENCE, address_lines=[PRIVATE_SENTENCE, ""])
    native = payload(location=hidden, address_visibility=DROP)["event"]
    assert native["address1"] == "Address provided upon RSVP"
    assert native["venue"] == ""
    assert PRIVATE_SENTENCE not in native.values()


def test_private_address_keeps_city_state_and_zip():
    native = payload(address_visibility="PRIVATE")["event"]
    assert (native["city"], native["state"], native["zip"]) == ("New York", "NY", "10003")


def test_city_state_and_zip_come_from_locality_region_and_postal_code():
    native = payload(location=location(locality="Brooklyn", region="NY", postal_code="11201"))["event"]
    assert (native["city"], native["state"], native["zip"]) == ("Brooklyn", "NY", "11201")


def test_country_is_the_locations_country():
    assert payload()["event"]["country"] == "US"


def test_missing_country_is_us_mobilizes_documented_default():
    assert payload(location=location(country=DROP))["event"]["country"] == "US"
    assert payload(location=location(country=""))["event"]["country"] == "US"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("PR", "Puerto Rico"),
        ("GU", "Guam"),
        ("VI", "U.S. Virgin Islands"),
        ("AS", "American Samoa"),
        ("MP", "Northern Mariana Islands"),
    ],
)
def test_us_territories_get_their_display_name_as_country(code, name):
    assert payload(location=location(country=code))["event"]["country"] == name


def test_virtual_event_without_location_is_puerto_natales_chile():
    native = payload(is_virtual=True, location=None)["event"]
    assert native["city"] == "Puerto Natales"
    assert native["country"] == "Chile"
    assert (native["address1"], native["address2"], native["state"], native["zip"]) == ("", "", "", "")


def test_virtual_event_whose_location_has_no_address_is_puerto_natales_chile():
    empty = location(venue="", address_lines=["", ""], locality="", region="", postal_code="", country="US")
    native = payload(is_virtual=True, location=empty)["event"]
    assert (native["city"], native["country"]) == ("Puerto Natales", "Chile")


def test_virtual_event_with_a_location_keeps_the_in_person_location_fields():
    native = payload(is_virtual=True)["event"]
    assert native["address1"] == "204 E 13th St"
    assert (native["city"], native["state"], native["zip"], native["country"]) == ("New York", "NY", "10003", "US")


def test_in_person_event_never_gets_puerto_natales():
    native = payload(location=location(address_lines=["", ""], locality="", region="", postal_code="10003"))["event"]
    assert native["city"] == "" and native["country"] == "US"


def test_is_private_is_true_only_for_private_events_as_a_native_boolean():
    assert payload(visibility="PRIVATE")["event"]["is_private"] is True
    assert payload(visibility="PUBLIC")["event"]["is_private"] is False


def test_title_venue_and_public_description_come_from_the_event():
    native = payload()["event"]
    assert native["title"] == "Canvass for Alex"
    assert native["venue"] == "Campaign HQ"
    assert native["public_description"] == "<p>Knock doors with us.</p>"


def test_status_is_active():
    assert payload()["event"]["status"] == "active"


def test_max_attendees_is_the_timeslots_capacity():
    assert payload()["event"]["max_attendees"] == 20


def test_max_attendees_is_none_when_the_timeslot_has_no_limit():
    record = event(timeslots=[{"id": 12, "start_date": SHIFT_START, "end_date": SHIFT_END, "max_attendees": None}])
    assert event_timeslot_payload(record, timeslot(record), CRM)["event"]["max_attendees"] is None


def test_start_date_time_and_ampm_are_formatted_in_the_events_time_zone():
    native = payload()["event"]
    # 02:00 UTC on the 30th is 10 pm on the 29th in New York.
    assert (native["starts_at_date"], native["starts_at_time"], native["starts_at_ampm"]) == (
        "07/29/2018",
        "10:00",
        "pm",
    )


@pytest.mark.parametrize(
    ("start_utc", "expected"),
    [
        (1532925000, ("07/30/2018", "12:30", "am")),  # 04:30 UTC = 00:30 EDT
        (1532966700, ("07/30/2018", "12:05", "pm")),  # 16:05 UTC = 12:05 EDT
        (1532955900, ("07/30/2018", "09:05", "am")),  # 13:05 UTC = 09:05 EDT
    ],
)
def test_starts_at_time_uses_the_twelve_hour_clock(start_utc, expected):
    record = event(timeslots=[{"id": 12, "start_date": start_utc, "end_date": start_utc + 3600}])
    native = event_timeslot_payload(record, timeslot(record), CRM)["event"]
    assert (native["starts_at_date"], native["starts_at_time"], native["starts_at_ampm"]) == expected


def test_start_is_in_the_events_own_time_zone_not_new_yorks():
    native = payload(timezone="Pacific/Honolulu")["event"]
    assert (native["starts_at_date"], native["starts_at_time"], native["starts_at_ampm"]) == (
        "07/29/2018",
        "04:00",
        "pm",
    )


def test_starts_at_and_ends_at_are_local_wall_time():
    native = payload()["event"]
    assert (native["starts_at"], native["ends_at"]) == ("2018-07-29T22:00:00", "2018-07-29T23:00:00")


def test_unknown_time_zone_is_a_record_error_naming_it():
    with pytest.raises(RecordError, match="Mars/Olympus_Mons") as raised:
        payload(timezone="Mars/Olympus_Mons")
    assert "Mobilize event 1" in str(raised.value)


def test_missing_time_zone_is_a_record_error():
    with pytest.raises(RecordError, match="time zone None"):
        payload(timezone=DROP)


def test_timeslot_without_start_time_is_a_record_error():
    record = event(timeslots=[{"id": 12, "end_date": SHIFT_END}])
    with pytest.raises(RecordError, match="Timeslot 12 of Mobilize event 1"):
        event_timeslot_payload(record, timeslot(record), CRM)


def test_event_without_an_id_is_a_record_error():
    with pytest.raises(RecordError, match="without an id"):
        payload(id=DROP)


def test_note_to_attendees_is_the_private_instructions_then_the_timeslots():
    record = event(
        accessibility_status=None,
        timeslots=[{"id": 12, "start_date": SHIFT_START, "end_date": SHIFT_END, "instructions": "Meet at door B"}],
    )
    note = event_timeslot_payload(record, timeslot(record), CRM)["event"]["note_to_attendees"]
    assert note == "Bring a hat\n\nMeet at door B"


def test_note_to_attendees_is_empty_without_private_details():
    assert payload(instructions=None, accessibility_status=None)["event"]["note_to_attendees"] == ""


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("ACCESSIBLE", "The venue is accessible under the Americans with Disabilities Act (ADA)."),
        ("NOT_ACCESSIBLE", "The venue is not accessible under the Americans with Disabilities Act (ADA)."),
        ("NOT_SURE", "The host is not sure whether the venue is accessible"),
    ],
)
def test_in_person_note_to_attendees_appends_the_accessibility_status_in_words_and_the_notes(status, words):
    note = payload(accessibility_status=status)["event"]["note_to_attendees"]
    assert note.startswith("Bring a hat\n\nAccessibility: ")
    assert words in note
    assert note.endswith("Accessibility notes: Ramp at the southern entrance.")
    assert status not in note


def test_accessibility_notes_alone_are_not_appended_when_the_status_is_unset():
    assert payload(accessibility_status=None)["event"]["note_to_attendees"] == "Bring a hat"


def test_virtual_events_get_no_accessibility_text():
    result = payload(is_virtual=True, location=None)
    assert result["event"]["note_to_attendees"] == "Bring a hat"
    assert result["fields"]["accessibility_status"] is None
    assert result["fields"]["accessibility_notes"] is None


def test_host_ground_rules_requirements_and_is_confirmed_are_1_for_actionkit_validation():
    native = payload()["event"]
    assert (native["host_ground_rules"], native["host_requirements"], native["host_is_confirmed"]) == (1, 1, 1)


# --- custom fields -----------------------------------------------------------------------------------


def test_custom_field_values_are_strings_or_none():
    for value in payload()["fields"].values():
        assert value is None or isinstance(value, str)


def test_link_to_event_information_is_the_mobilize_event_page():
    assert payload()["fields"]["link_to_event_information"] == "https://www.mobilize.us/example-campaign/event/1/"


@pytest.mark.parametrize(
    ("event_type", "name"),
    [
        ("CANVASS", "Canvass"),
        ("PHONE_BANK", "Phone Bank"),
        ("TEXT_BANK", "Text Bank"),
        ("MEETING", "Meeting"),
        ("COMMUNITY", "Community Event"),
        ("FUNDRAISER", "Fundraiser"),
        ("MEET_GREET", "Meet-and-Greet"),
        ("HOUSE_PARTY", "House Party"),
        ("VOTER_REG", "Voter Registration"),
        ("TRAINING", "Training"),
        ("FRIEND_TO_FRIEND_OUTREACH", "Friend-to-Friend Outreach"),
        ("ADVOCACY_CALL", "Contact Your Representative"),
        ("DEBATE_WATCH_PARTY", "Debate Watch Party"),
        ("OTHER", "Other"),
    ],
)
def test_event_type_is_the_seeds_display_name(event_type, name):
    assert payload(event_type=event_type)["fields"]["event_type"] == name


@pytest.mark.parametrize("event_type", ["RALLY", "TOWN_HALL", "LETTER_WRITING", "SOMETHING_NEW", None, ""])
def test_event_type_is_other_for_every_type_the_seed_does_not_list(event_type):
    assert payload(event_type=event_type)["fields"]["event_type"] == "Other"


def test_shift_times_lists_every_timeslot_sorted_for_distributed_send():
    record = event(
        timeslots=[
            {"id": 13, "start_date": SHIFT_START + 86400, "end_date": SHIFT_END + 86400},
            {"id": 11, "start_date": SHIFT_START, "end_date": SHIFT_END},
        ]
    )
    fields = event_timeslot_payload(record, timeslot(record), DISTRIBUTED_SEND)["fields"]
    assert fields["shift_times"] == (
        "[2018-07-29T22:00:00-04:00, 2018-07-29T23:00:00-04:00]\n[2018-07-30T22:00:00-04:00, 2018-07-30T23:00:00-04:00]"
    )


def test_shift_times_is_only_for_distributed_send():
    assert payload(CRM)["fields"]["shift_times"] is None


def test_is_virtual_event_is_yes_for_virtual_events_and_no_otherwise():
    assert payload(is_virtual=True)["fields"]["is_virtual_event"] == "Yes"
    assert payload(is_virtual=False)["fields"]["is_virtual_event"] == "No"
    assert payload(is_virtual=DROP)["fields"]["is_virtual_event"] == "No"


def test_mobilize_timeslot_is_start_and_end_in_the_seeds_format():
    assert payload()["fields"]["mobilize_timeslot"] == "[2018-07-29T22:00:00-04:00, 2018-07-29T23:00:00-04:00]"


def test_mobilize_timeslot_carries_the_offset_of_the_events_zone_at_that_moment():
    winter = 1542295800  # 2018-11-15T15:30:00Z, New York on standard time
    record = event(timeslots=[{"id": 12, "start_date": winter, "end_date": winter + 5400}])
    fields = event_timeslot_payload(record, timeslot(record), CRM)["fields"]
    assert fields["mobilize_timeslot"] == "[2018-11-15T10:30:00-05:00, 2018-11-15T12:00:00-05:00]"


def test_mobilize_id_is_the_mobilize_event_id_shared_by_every_timeslot():
    record = event(
        timeslots=[
            {"id": 11, "start_date": SHIFT_START, "end_date": SHIFT_END},
            {"id": 12, "start_date": SHIFT_START + 86400, "end_date": SHIFT_END + 86400},
        ]
    )
    ids = {event_timeslot_payload(record, slot, CRM)["fields"]["mobilize_id"] for slot in record["timeslots"]}
    assert ids == {"1"}


def test_host_name_is_still_filled_with_the_owning_organizations_name():
    assert payload()["fields"]["host_name"] == "Example Campaign"


def test_event_owning_organization_is_the_sponsors_name():
    assert payload()["fields"]["event_owning_organization"] == "Example Campaign"


def test_host_first_and_last_name_split_the_contacts_name_at_the_first_word():
    fields = payload()["fields"]
    assert (fields["host_first_name"], fields["host_last_name"]) == ("Jordan", "Lee Smith")


def test_host_with_a_one_word_name_has_no_last_name():
    fields = payload(contact={"name": "Cher", "email_address": "c@example.org"})["fields"]
    assert (fields["host_first_name"], fields["host_last_name"]) == ("Cher", None)


def test_contact_withheld_leaves_host_fields_empty():
    fields = payload(contact=None)["fields"]
    assert [fields[name] for name in ("host_first_name", "host_last_name", "event_contact_email")] == [None] * 3
    assert fields["event_contact_number"] is None


def test_event_contact_email_and_number_come_from_the_contact():
    fields = payload()["fields"]
    assert (fields["event_contact_email"], fields["event_contact_number"]) == ("replyto@thisemail.org", "1234567890")


def test_event_contact_email_is_read_from_mobilizes_documented_typo_too():
    fields = payload(contact={"name": "Desk", "email_adddress": "typo@example.org", "phone_number": ""})["fields"]
    assert fields["event_contact_email"] == "typo@example.org"
    assert fields["event_contact_number"] is None


def test_shift_is_full_is_yes_or_no_from_the_timeslot():
    record = event(
        timeslots=[
            {"id": 11, "start_date": SHIFT_START, "end_date": SHIFT_END, "is_full": True},
            {"id": 12, "start_date": SHIFT_START, "end_date": SHIFT_END, "is_full": False},
            {"id": 13, "start_date": SHIFT_START, "end_date": SHIFT_END},
        ]
    )
    values = [event_timeslot_payload(record, slot, CRM)["fields"]["shift_is_full"] for slot in record["timeslots"]]
    assert values == ["Yes", "No", None]


def test_created_by_volunteer_host_is_yes_or_no():
    assert payload(created_by_volunteer_host=True)["fields"]["created_by_volunteer_host"] == "Yes"
    assert payload(created_by_volunteer_host=False)["fields"]["created_by_volunteer_host"] == "No"


@pytest.mark.parametrize(
    ("status", "value"),
    [("ACCESSIBLE", "Yes"), ("NOT_ACCESSIBLE", "No"), ("NOT_SURE", "Unknown"), (None, None)],
)
def test_accessibility_status_is_yes_no_unknown_or_null_for_in_person_events(status, value):
    assert payload(accessibility_status=status)["fields"]["accessibility_status"] == value


def test_accessibility_notes_are_synced_for_in_person_events():
    assert payload()["fields"]["accessibility_notes"] == "Ramp at the southern entrance."


def test_event_campaign_id_and_slug_when_created_from_a_mobilize_event_campaign():
    campaign = {"id": 301, "slug": "summer-house-parties", "event_create_page_url": "https://www.mobilize.us/x/"}
    fields = payload(event_campaign=campaign)["fields"]
    assert (fields["mobilize_event_campaign_id"], fields["mobilize_event_campaign_slug"]) == (
        "301",
        "summer-house-parties",
    )


def test_event_campaign_fields_are_null_when_not_part_of_an_event_campaign():
    fields = payload(event_campaign=None)["fields"]
    assert (fields["mobilize_event_campaign_id"], fields["mobilize_event_campaign_slug"]) == (None, None)


def test_mobilize_timeslot_id_is_the_timeslot_id_our_idempotency_key():
    fields = payload()["fields"]
    assert fields["mobilize_timeslot_id"] == "11" == timeslot_key(timeslot(event()))


def test_timeslot_key_without_an_id_is_a_record_error():
    with pytest.raises(RecordError, match="no id"):
        timeslot_key({"id": None, "start_date": SHIFT_START, "end_date": SHIFT_END})


def test_same_record_maps_to_the_same_payload():
    # The ledger hashes payloads: a payload that changed on its own would rewrite every run.
    assert payload() == payload()
