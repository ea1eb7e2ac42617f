"""Properties of the PDI mapping over arbitrary Mobilize-shaped records (hypothesis).

Records have keys missing or None, odd strings and any timestamp; they go through the connector's
normalizers as the flow's records do. Whatever comes in, a payload has exactly PDI's keys and
PDI's formats, `attended` is true only when Mobilize said attended true, a private address never
reaches PDI, and bad input ends only in RecordError / SkipRecord, never another exception.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.connectors.mobilize.records import normalize_attendance, normalize_event, normalize_person
from integrations.engine import RecordError, SkipRecord
from integrations.flows.pdi.mapping import (
    EVENT_PAYLOAD_KEYS,
    INVITATION_PAYLOAD_KEYS,
    LOCATION_PAYLOAD_KEYS,
    PDI_DATETIME_PATTERN,
    RSVP_STATUS,
    cancelled_event_payload,
    contact_phone,
    event_payload,
    invitation_payload,
    location_key,
    location_payload,
    pdi_datetime,
    withheld_across_firewall,
)

from ._records import PRIVATE_SENTENCES

MAPPING = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])

# datetime's range: the years 1 to 9999.
TIMESTAMPS = st.integers(min_value=-62_135_596_800, max_value=253_402_300_799)
IDS = st.integers(min_value=1, max_value=10**9)
ODD_TEXT = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["", "   ", "Ünïcödé ✓", "line\nbreak", "Tab\there", *PRIVATE_SENTENCES]),
)
# Street-like text that no city, state, zip or country strategy below can produce.
STREETS = st.from_regex(r"\A[1-9][0-9]{0,3} Streetname [A-Z][a-z]{2,8}\Z")
VENUES = st.from_regex(r"\AVenuename [A-Z][a-z]{2,8}\Z")

LOCATIONS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "venue": st.one_of(ODD_TEXT, VENUES),
            "address_lines": st.lists(st.one_of(st.none(), STREETS, st.sampled_from(PRIVATE_SENTENCES)), max_size=3),
            "locality": st.one_of(st.none(), st.sampled_from(["New York", "San Juan", "London", "", "  "])),
            "region": st.one_of(st.none(), st.sampled_from(["NY", "CA", "", "ON"])),
            "country": st.sampled_from(["US", "PR", "GU", "pr", "CA", "GB", "", None]),
            "postal_code": st.one_of(st.none(), st.sampled_from(["10003", "00901", "SW1A 1AA", ""])),
        },
    ),
)
CONTACTS = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"name": ODD_TEXT, "email_address": ODD_TEXT, "phone_number": ODD_TEXT}),
)


@st.composite
def timeslots(draw, with_id: bool = True):
    slot = {"start_date": draw(st.one_of(TIMESTAMPS, st.none())), "end_date": draw(st.one_of(TIMESTAMPS, st.none()))}
    if with_id:
        slot["id"] = draw(IDS)
    return slot


RAW_EVENTS = st.fixed_dictionaries(
    {"id": IDS, "timeslots": st.lists(timeslots(), min_size=1, max_size=3)},
    optional={
        "title": ODD_TEXT,
        "description": ODD_TEXT,
        "location": LOCATIONS,
        "browser_url": ODD_TEXT,
        "is_virtual": st.one_of(st.none(), st.booleans()),
        "address_visibility": st.sampled_from(["PUBLIC", "PRIVATE", None]),
        "contact": CONTACTS,
        "event_type": st.sampled_from(["CANVASS", "PHONE_BANK", "OTHER", None]),
    },
)
ATTENDED = st.one_of(st.none(), st.booleans(), st.sampled_from(["true", 1, 0, "COMPLETED"]))
STATUSES = st.one_of(st.sampled_from([*RSVP_STATUS, "registered", "WAITLISTED", "", None]), st.text(max_size=10))


@st.composite
def raw_attendances(draw):
    withheld = draw(st.booleans())
    record = {
        "person": {"user_id": draw(IDS), "email_addresses": [{"primary": True, "address": "v@example.com"}]},
        "status": draw(STATUSES),
        "attended": draw(ATTENDED),
    }
    if withheld:
        record["event"] = {"event_type": "CANVASS"}
        record["timeslot"] = draw(timeslots(with_id=False))
    else:
        record["id"] = draw(IDS)
        record["event"] = draw(RAW_EVENTS)
        record["timeslot"] = draw(timeslots())
    return record


@MAPPING
@given(RAW_EVENTS)
def test_any_event_and_timeslot_maps_to_pdi_times_or_a_record_error(raw):
    record = normalize_event(raw)
    for slot in record["timeslots"]:
        try:
            payload = event_payload(record, slot)
        except RecordError as error:
            assert error.message
            missing_time = slot["start_date"] is None or slot["end_date"] is None
            assert missing_time or not (record["title"] or "").strip()
            continue
        assert tuple(payload) == EVENT_PAYLOAD_KEYS
        for key, stamp in (("startDateTimeUtc", slot["start_date"]), ("endDateTimeUtc", slot["end_date"])):
            assert PDI_DATETIME_PATTERN.match(payload[key])
            # The text is the timestamp's UTC time, to the second.
            parsed = datetime.strptime(payload[key], "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
            assert parsed == datetime.fromtimestamp(stamp, tz=UTC)
        assert payload["isAllDay"] == "false"
        assert payload["recurrenceType"] is None and payload["recurrenceEndDateTimeUtc"] is None
        assert payload["name"] == payload["name"].strip() and payload["name"]


@MAPPING
@given(TIMESTAMPS)
def test_any_timestamp_is_a_pdi_datetime(stamp):
    assert PDI_DATETIME_PATTERN.match(pdi_datetime(stamp))


@MAPPING
@given(RAW_EVENTS, st.one_of(st.none(), TIMESTAMPS))
def test_cancelling_any_event_twice_is_cancelling_it_once(raw, deleted_at):
    record = normalize_event(raw)
    try:
        payload = event_payload(record, record["timeslots"][0])
    except RecordError:
        return
    once = cancelled_event_payload(payload, deleted_at)
    assert once["name"].startswith("Cancelled: ")
    assert once["description"].startswith("Deleted in Mobilize")
    assert cancelled_event_payload(once, deleted_at) == once


@MAPPING
@given(RAW_EVENTS)
def test_any_location_is_pdis_shape_and_a_private_one_shows_no_street(raw):
    record = normalize_event(raw)
    payload = location_payload(record)
    if payload is None:
        return
    assert tuple(payload) == LOCATION_PAYLOAD_KEYS
    assert all(isinstance(value, str) and value for value in payload.values())
    # The key of what we write finds it again however PDI changes its case and spacing.
    assert location_key({key: f"  {value.upper()} " for key, value in payload.items()}) == location_key(payload)
    where = record["location"] or {}
    private = record["address_visibility"] == "PRIVATE" or any(
        sentence in (where.get("venue") or "", *(where.get("address_lines") or [])) for sentence in PRIVATE_SENTENCES
    )
    if private:
        written = " ".join(payload.values())
        assert re.search(r"Streetname|Venuename", written) is None
        assert not any(sentence in written for sentence in PRIVATE_SENTENCES)
        assert payload["locationName"].startswith("Private address")


@MAPPING
@given(raw_attendances(), st.one_of(IDS, st.none()))
def test_any_attendance_attended_is_true_only_when_mobilize_said_attended_true(raw, contact_id):
    record = normalize_attendance(raw)
    try:
        payload = invitation_payload(record, contact_id)
    except SkipRecord:
        assert withheld_across_firewall(record)
        return
    except RecordError as error:
        assert contact_id is None or (record["status"] or "").strip().upper() not in RSVP_STATUS
        assert error.message
        return
    assert not withheld_across_firewall(record)
    assert tuple(payload) == INVITATION_PAYLOAD_KEYS
    assert isinstance(payload["attended"], bool)
    assert payload["attended"] is (record["attended"] is True)
    assert payload["rsvpStatus"] in {"Yes", "Cancelled"}
    assert payload["isConfirmed"] is (record["status"].strip().upper() == "CONFIRMED")


@MAPPING
@given(st.one_of(st.none(), st.text(max_size=25), st.from_regex(r"\A\+?[0-9 ()+.-]{7,18}\Z")))
def test_any_phone_is_ten_digits_e164_or_nothing(number):
    person = normalize_person({"user_id": 1, "phone_numbers": [{"primary": True, "number": number}]})
    phone = contact_phone(person)
    assert phone is None or re.fullmatch(r"[0-9]{10}|\+[1-9][0-9]{6,14}", phone)
