"""Mobilize attendances -> PDI invitations: rsvp status, confirmed flag, the seed's attended rule, the firewall."""

from __future__ import annotations

import pytest

from integrations.engine import RecordError, SkipRecord
from integrations.flows.pdi.mapping import (
    INVITATION_PAYLOAD_KEYS,
    RSVP_STATUS,
    invitation_payload,
    withheld_across_firewall,
)

from ._records import DROP, REDUCED_EVENT, SHIFT_END, SHIFT_START, attendance

CONTACT_ID = 4021


def invitation(**changes):
    return invitation_payload(attendance(**changes), CONTACT_ID)


# --- the seed's attended rule --------------------------------------------------------------------------


def test_attended_completed_is_true():
    assert invitation(attended=True)["attended"] is True


def test_attended_no_show_is_false():
    assert invitation(attended=False)["attended"] is False


def test_attended_null_defaults_to_false():
    assert invitation(attended=None)["attended"] is False
    assert invitation(attended=DROP)["attended"] is False


def test_attended_is_true_only_for_a_true_boolean():
    # Anything else Mobilize might send is not "Completed".
    for value in ("true", 1, "COMPLETED"):
        assert invitation(attended=value)["attended"] is False


# --- status -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "rsvp"), [("REGISTERED", "Yes"), ("CONFIRMED", "Yes"), ("CANCELLED", "Cancelled")])
def test_rsvp_status_from_the_mobilize_status(status, rsvp):
    assert invitation(status=status)["rsvpStatus"] == rsvp


def test_rsvp_status_table_is_the_three_mobilize_statuses():
    assert RSVP_STATUS == {"REGISTERED": "Yes", "CONFIRMED": "Yes", "CANCELLED": "Cancelled"}


def test_is_confirmed_only_for_a_confirmed_signup():
    assert invitation(status="CONFIRMED")["isConfirmed"] is True
    assert invitation(status="REGISTERED")["isConfirmed"] is False
    assert invitation(status="CANCELLED")["isConfirmed"] is False


@pytest.mark.parametrize("status", ["WAITLISTED", None, ""])
def test_unknown_status_is_a_record_error_naming_it(status):
    with pytest.raises(RecordError, match=rf"Mobilize attendance 198 has the status {status!r}"):
        invitation(status=status)


def test_a_cancelled_signup_that_was_marked_attended_keeps_both_facts():
    result = invitation(status="CANCELLED", attended=True)
    assert (result["rsvpStatus"], result["attended"]) == ("Cancelled", True)


# --- the payload ----------------------------------------------------------------------------------------


def test_invitation_is_for_the_volunteers_contact_with_exactly_pdis_fields():
    result = invitation(status="CONFIRMED", attended=True)
    assert result == {"contactId": CONTACT_ID, "rsvpStatus": "Yes", "isConfirmed": True, "attended": True}
    assert tuple(result) == INVITATION_PAYLOAD_KEYS


def test_invitation_never_sends_specific_occurrence_start_for_our_non_recurring_events():
    assert "specificOcurrenceStartUtc" not in invitation()
    assert not any("ccurrence" in key for key in invitation())


def test_invitation_before_its_contact_is_synced_is_a_retryable_record_error():
    with pytest.raises(RecordError, match="contact is not synced yet") as raised:
        invitation_payload(attendance(), None)  # type: ignore[arg-type]
    assert raised.value.retryable is True


# --- across the firewall -------------------------------------------------------------------------------

WITHHELD = {
    "id": DROP,
    "event": REDUCED_EVENT,
    "timeslot": {"start_date": SHIFT_START, "end_date": SHIFT_END},
}


def test_attendance_across_the_firewall_is_recognised_as_withheld():
    assert withheld_across_firewall(attendance(**WITHHELD)) is True


@pytest.mark.parametrize(
    "omission",
    [
        {"id": DROP},
        {"event": REDUCED_EVENT},
        {"event": None},
        {"timeslot": {"start_date": SHIFT_START, "end_date": SHIFT_END}},
        {"timeslot": None},
    ],
    ids=["no attendance id", "event reduced to its type", "no event", "timeslot without id", "no timeslot"],
)
def test_any_one_firewall_omission_means_withheld(omission):
    assert withheld_across_firewall(attendance(**omission)) is True


def test_our_own_attendance_is_not_withheld():
    assert withheld_across_firewall(attendance()) is False


def test_withheld_attendance_gets_no_invitation_and_the_event_is_not_reconstructed():
    with pytest.raises(SkipRecord, match=r"withholds its event across the firewall.*never reconstructed"):
        invitation(**WITHHELD)
