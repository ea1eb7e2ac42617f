"""The integration page's mapping table covers every field the seed lists, and every field we send."""

from __future__ import annotations

import pytest

from integrations.flows.actionkit.mapping import (
    EVENT_FIELD_NAMES,
    EVENT_NATIVE_KEYS,
    SIGNUP_FIELD_NAMES,
    SIGNUP_NATIVE_KEYS,
    mapping_table,
)

# Copied from the seed (shared/seeds/000_*.txt), section by section.
SEED_EVENT_NATIVE = [
    "email",  # the seed's "actionkit_email": the placeholder for events
    "page",
    "address1",
    "address2",
    "is_private",
    "city",
    "state",
    "zip",
    "country",
    "public_description",
    "starts_at_ampm",
    "starts_at_date",
    "starts_at_time",
    "status",
    "title",
    "venue",
    "max_attendees",
    "note_to_attendees",
    "host_ground_rules",
    "host_requirements",
    "host_is_confirmed",
]
SEED_EVENT_CUSTOM = [
    "link_to_event_information",
    "event_type",
    "is_virtual_event",
    "mobilize_timeslot",
    "mobilize_id",
    "host_name",
    "event_owning_organization",
    "host_first_name",
    "host_last_name",
    "event_contact_email",
    "event_contact_number",
    "shift_is_full",
    "created_by_volunteer_host",
    "accessibility_notes",
    "accessibility_status",
    "mobilize_event_campaign_id",
    "mobilize_event_campaign_slug",
]
SEED_SIGNUP_NATIVE = ["page", "email", "event_id", "attended", "source", "akid", "event_signup_ground_rules"]
SEED_SIGNUP_CUSTOM = [
    "mobilize_attendance_status",
    "van_attendance_status",
    "mobilize_participation_status",
    "mobilize_signup_source",
    "created_by_volunteer_host",
    "utm_content",
    "utm_term",
    "utm_campaign",
    "utm_medium",
    "utm_source",
    "referrer",
    "mobilize_rating",
    "mobilize_feedback",
    "mobilize_timeslot",
    "mobilize_timeslot_start",
    "mobilize_timeslot_end",
    "mobilize_override_start",
    "mobilize_override_end",
]


def actionkit_fields(distributed_send: bool) -> set[str]:
    return {actionkit for _, actionkit, _ in mapping_table(distributed_send)}


@pytest.mark.parametrize("distributed_send", [False, True], ids=["crm", "distributed-send"])
def test_mapping_table_rows_are_three_readable_strings(distributed_send):
    rows = mapping_table(distributed_send)
    assert rows
    for row in rows:
        assert len(row) == 3 and all(isinstance(part, str) and part.strip() for part in row)


@pytest.mark.parametrize("distributed_send", [False, True], ids=["crm", "distributed-send"])
def test_mapping_table_covers_every_event_field_the_seed_lists(distributed_send):
    fields = actionkit_fields(distributed_send)
    assert [name for name in SEED_EVENT_NATIVE if f"event.{name}" not in fields] == []
    assert [name for name in SEED_EVENT_CUSTOM if f"eventfield.{name}" not in fields] == []


def test_mapping_table_lists_shift_times_for_distributed_send_only():
    assert "eventfield.shift_times" in actionkit_fields(True)
    assert "eventfield.shift_times" not in actionkit_fields(False)


def test_mapping_table_covers_every_signup_field_the_seed_lists_for_crm_style():
    fields = actionkit_fields(False)
    assert [name for name in SEED_SIGNUP_NATIVE if f"eventsignup.{name}" not in fields] == []
    assert [name for name in SEED_SIGNUP_CUSTOM if f"eventsignupfield.{name}" not in fields] == []
    assert "eventsignupfield.[deprecated] event host type" in fields  # listed, and said to be unsynced


def test_distributed_send_table_has_no_signup_or_user_rows():
    fields = actionkit_fields(True)
    assert not [name for name in fields if name.startswith(("eventsignup", "user.", "phone."))]


def test_mapping_table_covers_every_field_the_payloads_send():
    fields = actionkit_fields(False)
    sent = {
        *(f"event.{key}" for key in EVENT_NATIVE_KEYS if key != "shift_times"),
        *(f"eventfield.{name}" for name in EVENT_FIELD_NAMES if name != "shift_times"),
        *(f"eventsignup.{key}" for key in SIGNUP_NATIVE_KEYS),
        *(f"eventsignupfield.{name}" for name in SIGNUP_FIELD_NAMES),
        "user.first_name",
        "user.last_name",
        "user.zip",
        "user.email",
        "phone.phone",
    }
    assert sent - fields == set()
