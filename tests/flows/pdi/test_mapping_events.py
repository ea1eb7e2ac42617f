"""Mobilize timeslots -> PDI events, and what a deleted timeslot or event becomes: one test per rule."""

from __future__ import annotations

import pytest

from integrations.engine import RecordError
from integrations.flows.pdi.mapping import (
    EVENT_PAYLOAD_KEYS,
    cancelled_event_payload,
    event_payload,
    pdi_datetime,
)

from ._records import DROP, SECOND_END, SECOND_START, event, multi_timeslot_event, raw_event, timeslot

# 2018-07-29 22:00-23:00 in New York is 2018-07-30 02:00-03:00 UTC (the seed's example shift).
START_UTC = "2018-07-30T02:00:00.000Z"
END_UTC = "2018-07-30T03:00:00.000Z"


def payload(index: int = 0, **changes):
    record = event(**changes)
    return event_payload(record, timeslot(record, index))


# --- one event per timeslot, in UTC ----------------------------------------------------------------


def test_one_pdi_event_per_timeslot_uses_the_timeslots_start_and_end_in_utc():
    record = multi_timeslot_event()
    first, second = (event_payload(record, slot) for slot in record["timeslots"])
    assert (first["startDateTimeUtc"], first["endDateTimeUtc"]) == (START_UTC, END_UTC)
    assert (second["startDateTimeUtc"], second["endDateTimeUtc"]) == (
        pdi_datetime(SECOND_START),
        pdi_datetime(SECOND_END),
    )
    assert second["startDateTimeUtc"] == "2018-07-30T14:00:00.000Z"
    assert second["endDateTimeUtc"] == "2018-07-30T16:30:00.000Z"
    # Everything but the times is the event's, the same for each of its timeslots.
    same = {key for key in EVENT_PAYLOAD_KEYS if key not in ("startDateTimeUtc", "endDateTimeUtc")}
    assert {key: first[key] for key in same} == {key: second[key] for key in same}


def test_times_are_utc_whatever_the_events_time_zone():
    assert payload(timezone="America/Los_Angeles")["startDateTimeUtc"] == START_UTC
    assert payload(timezone="Pacific/Honolulu")["endDateTimeUtc"] == END_UTC


def test_event_payload_has_exactly_pdis_event_fields():
    assert tuple(payload()) == EVENT_PAYLOAD_KEYS


def test_pdi_datetime_is_utc_with_milliseconds_and_z():
    assert pdi_datetime(0) == "1970-01-01T00:00:00.000Z"
    assert pdi_datetime(1700000000) == "2023-11-14T22:13:20.000Z"


def test_pdi_datetime_of_no_time_is_none():
    assert pdi_datetime(None) is None
    assert pdi_datetime(True) is None  # a bool is not a timestamp, though Python calls it an int


def test_pdi_datetime_pads_years_to_four_digits():
    assert pdi_datetime(-59011459200) == "0100-01-01T00:00:00.000Z"


def test_pdi_datetime_out_of_range_is_a_record_error():
    with pytest.raises(RecordError, match="out of range"):
        pdi_datetime(10**15)


def test_is_all_day_is_the_string_false():
    value = payload()["isAllDay"]
    assert value == "false"
    assert isinstance(value, str)


def test_events_are_never_recurring():
    result = payload()
    assert result["recurrenceType"] is None
    assert result["recurrenceEndDateTimeUtc"] is None


def test_timeslot_without_start_or_end_is_a_record_error_naming_what_is_missing():
    record = event()
    for missing, slot in (
        ("start", {**timeslot(record), "start_date": None}),
        ("end", {**timeslot(record), "end_date": None}),
        ("start or end", {**timeslot(record), "start_date": None, "end_date": None}),
    ):
        with pytest.raises(RecordError, match=rf"Timeslot 11 of Mobilize event 1 has no {missing} time"):
            event_payload(record, slot)


# --- name, description, contact, website ---------------------------------------------------------------


def test_name_is_the_event_title():
    assert payload()["name"] == "Canvass for Alex"
    assert payload(title="  Phone bank \n")["name"] == "Phone bank"


@pytest.mark.parametrize("title", [None, "", "   "])
def test_event_without_a_title_is_a_record_error_saying_so(title):
    with pytest.raises(RecordError, match="Mobilize event 1 has no title"):
        payload(title=title)


def test_description_is_the_mobilize_description_as_given():
    assert payload()["description"] == "<p>Knock doors with us.</p>"
    text = "Knock doors with us.\n\nBring water."
    assert payload(description=f"  {text}  ")["description"] == text
    assert payload(description=None)["description"] == ""


def test_website_is_the_mobilize_event_url():
    assert payload()["website"] == "https://www.mobilize.us/example-campaign/event/1/"
    assert payload(browser_url=DROP)["website"] is None


def test_phone_and_contact_email_come_from_the_events_contact():
    contact = {"name": "Jordan Lee", "email_address": "Organizer@Example.org ", "phone_number": "(202) 555-0123"}
    result = payload(contact=contact)
    assert result["contactEmail"] == "Organizer@Example.org"
    assert result["phone"] == "2025550123"


def test_contact_email_under_the_references_typo_spelling_is_read():
    raw = raw_event(contact={"name": "Jordan", "email_adddress": "replyto@thisemail.org", "phone_number": None})
    assert event_payload(raw, raw["timeslots"][0])["contactEmail"] == "replyto@thisemail.org"


def test_event_phone_that_is_not_a_valid_number_is_written_as_mobilize_gives_it():
    # The reference's own example contact number, 1234567890, is no valid number: it is still the
    # number the host gave, and on an event it is only text to read.
    assert payload()["phone"] == "1234567890"


def test_event_without_a_contact_has_no_phone_or_contact_email():
    result = payload(contact=None)
    assert (result["phone"], result["contactEmail"]) == (None, None)


def test_the_same_records_map_to_the_same_payload():
    assert payload() == payload()


# --- a deleted timeslot or event: cancelled, not removed ----------------------------------------------

DELETED_AT = 1533000000  # 2018-07-31T01:20:00Z


def test_deleted_timeslot_or_event_is_cancelled_in_pdi_not_removed():
    previous = {**payload(), "locationId": 7, "calendarId": 3}
    cancelled = cancelled_event_payload(previous, DELETED_AT)
    assert cancelled["name"] == "Cancelled: Canvass for Alex"
    assert cancelled["description"] == "Deleted in Mobilize (2018-07-31). <p>Knock doors with us.</p>"
    # Everything else stays, so the event keeps its place, calendar and invitations.
    unchanged = set(previous) - {"name", "description"}
    assert {key: cancelled[key] for key in unchanged} == {key: previous[key] for key in unchanged}
    assert set(cancelled) == set(previous)


def test_cancelled_name_is_never_prefixed_twice():
    once = cancelled_event_payload(payload(), DELETED_AT)
    twice = cancelled_event_payload(once, DELETED_AT)
    assert twice == once
    assert twice["name"].count("Cancelled:") == 1
    assert twice["description"].count("Deleted in Mobilize") == 1


def test_cancelled_event_without_a_name_is_named_cancelled_once():
    once = cancelled_event_payload({"name": "", "description": ""}, DELETED_AT)
    assert once["name"] == "Cancelled:"
    assert cancelled_event_payload(once, DELETED_AT) == once


def test_cancelled_again_with_a_later_date_keeps_one_note_with_that_date():
    again = cancelled_event_payload(cancelled_event_payload(payload(), DELETED_AT), DELETED_AT + 86400)
    assert again["description"] == "Deleted in Mobilize (2018-08-01). <p>Knock doors with us.</p>"


def test_cancelled_without_a_deletion_date_says_deleted_without_one():
    assert cancelled_event_payload(payload(), None)["description"].startswith("Deleted in Mobilize. <p>")


def test_cancelled_event_without_a_description_is_just_the_note():
    assert cancelled_event_payload(payload(description=None), DELETED_AT)["description"] == (
        "Deleted in Mobilize (2018-07-31)."
    )


def test_cancelling_does_not_change_the_payload_it_was_given():
    previous = payload()
    before = dict(previous)
    cancelled_event_payload(previous, DELETED_AT)
    assert previous == before
