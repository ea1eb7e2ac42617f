"""The flows on a Mobilize sandbox that varies its spellings and shapes (sandbox/mobilize/variants.py).

The world's records are served with the variants seed 0 picks for their ids; these tests add
records whose ids get the variants the rest of the world does not reach, and check that what
reaches ActionKit is what the canonical spelling would give.
"""

from __future__ import annotations

import pytest

from integrations.flows.actionkit.mapping import OTHER_EVENT_TYPE, PRIVATE_ADDRESS_LINE
from integrations.models import SyncRun
from sandbox.mobilize import variants

from . import _ak
from ._world import ALLY, OURS, attendance, event, person, timeslot

pytestmark = pytest.mark.django_db(transaction=True)

HIDDEN_ADDRESS_EVENTS = (32, 33, 34)  # seed 0 serves their hidden address in three different wordings
BLANK_PERSON = 506  # seed 0 serves their missing phone and zip as lists holding one empty string


def test_the_chosen_ids_get_the_variants_these_tests_are_about():
    wordings = {variants.pick(0, variants.PRIVATE_ADDRESS_WORDING[0], i, 3) for i in HIDDEN_ADDRESS_EVENTS}
    assert wordings == {0, 1, 2}
    assert variants.pick(0, variants.EMPTY_PHONE_ENTRY[0], BLANK_PERSON, 2) == 1
    assert variants.pick(0, variants.EMPTY_POSTAL_ENTRY[0], BLANK_PERSON, 2) == 1
    contact_keys = {variants.pick(0, variants.CONTACT_EMAIL_KEY[0], i, 2) for i in (10, 13)}
    assert contact_keys == {0, 1}, "the world's own events 10 and 13 get both contact spellings"


def test_a_promoted_private_address_in_every_wording_reads_address_provided_upon_rsvp(setup):
    start = setup.world.events["ally_quiet"]["timeslots"][0]["start_date"]
    for n, event_id in enumerate(HIDDEN_ADDRESS_EVENTS):
        setup.world.events[f"hidden_{event_id}"] = event(
            event_id,
            ALLY,
            [timeslot(event_id * 10 + 1, start + n * 3600)],
            address_visibility="PRIVATE",
            title=f"Ally house party {event_id}",
            event_type="VOTER_PROTECTION",  # a type newer than the reference's list
        )
    setup.load()
    run = setup.sync(setup.distributed_send)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    events = _ak.events(setup.ds_campaign)
    for event_id in HIDDEN_ADDRESS_EVENTS:
        ak = events[str(event_id * 10 + 1)]
        assert ak.address1 == PRIVATE_ADDRESS_LINE, ak.address1
        assert ak.venue == "" and ak.address2 == ""
        assert "private. Sign up" not in f"{ak.venue} {ak.address1}", "never Mobilize's sentence"
        assert (ak.city, ak.zip) == ("Philadelphia", "19102")
        assert ak.fields["event_type"] == OTHER_EVENT_TYPE


def test_contact_email_in_either_spelling_is_the_events_contact_and_a_host_user(setup):
    from sandbox.actionkit.models import User

    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    events = _ak.events(setup.crm_campaign)
    for key in ("multi", "private_address"):  # events 10 and 13: email_adddress and email_address
        for slot in setup.world.events[key]["timeslots"]:
            assert events[str(slot["id"])].fields["event_contact_email"] == f"organizer{OURS}@example.org"
    assert User.objects.filter(email=f"organizer{OURS}@example.org").exists()


def test_a_volunteer_whose_phone_and_zip_lists_hold_one_empty_string_has_no_phone_and_no_zip(setup):
    from sandbox.actionkit.models import User

    blank = person(BLANK_PERSON, "eve@example.com", "Eve", "Blank", "", "", [OURS])
    setup.world.people["eve"] = blank
    setup.world.attendances["eve_multi"] = attendance(7006, blank, 10, 103, OURS)
    setup.load()
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    user = User.objects.get(email="eve@example.com")
    assert user.zip == "" and not user.phones.exists()
    row, _ = _ak.signup_of(setup.crm_campaign, "eve@example.com")
    assert row.event_id == _ak.events(setup.crm_campaign)["103"].pk
