"""Action Network <-> Mobile Commons under failure: a crash after any write, then a rerun; and the property test."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.connectors.actionnetwork import ActionNetworkClient
from integrations.connectors.mobilecommons import MobileCommonsClient
from integrations.engine import RunOptions, run_sync
from integrations.models import SyncRun

pytestmark = pytest.mark.django_db(transaction=True)

PHONES = ["12025550111", "12025550112", "12025550113", "12025550114", "12025550115"]


class ProcessKilled(BaseException):
    """The worker dying: a BaseException, so nothing in the engine or the flow catches it."""


def build_world(pair) -> None:
    """Both sides as a campaign might find them: new people each way, a matched pair, an opt-out."""
    from sandbox.mobilecommons.setup import add_profile, text_join, text_stop

    pair.add_person(given_name="Ann", email="ann@example.com", phone=PHONES[0], custom_fields={"mobile_opt_in": "true"})
    pair.add_person(given_name="Bo", email="bo@example.com", phone=PHONES[1], custom_fields={"mobile_opt_in": "false"})
    pair.add_person(given_name="Cal", email="cal@example.com", phone=PHONES[2], custom_fields={"mobile_opt_in": "true"})
    add_profile(pair.mc_account, PHONES[2], first_name="Calvin", subscribed_path=pair.path)
    text_join(pair.mc_account, PHONES[3], pair.path, email="dee@example.com", first_name="Dee")
    text_join(pair.mc_account, PHONES[4], pair.path, email="ann@example.com", first_name="Ann")
    add_profile(pair.mc_account, "12025550116", email="eve@example.com", subscribed_path=pair.path)
    text_stop(pair.mc_account, "12025550116")


def wipe(pair) -> None:
    """Both sandboxes and everything the integration remembers: back to nothing."""
    from sandbox.mobilecommons.models import WelcomeMessage

    pair.an_people().delete()
    pair.profiles().delete()
    WelcomeMessage.objects.filter(account=pair.mc_account).delete()
    integration = pair.integration
    for related in (integration.links, integration.pending_retries, integration.runs, integration.watermarks):
        related.all().delete()


def state(pair) -> dict:
    """What both systems hold, with Constituent IDs read as the email of the person they name."""
    emails = {str(person.uuid): person.email for person in pair.an_people()}
    people = sorted(
        (p.email, p.phone, p.phone_status, p.custom_fields.get("mobile_opt_in"), p.given_name) for p in pair.an_people()
    )
    profiles = sorted(
        (
            p.phone_number,
            p.email,
            p.first_name,
            emails.get(p.constituent_id or "", p.constituent_id),
            pair.subscribed(p.phone_number),
        )
        for p in pair.profiles()
    )
    return {"people": people, "profiles": profiles, "welcomes": pair.welcomes()}


def assert_invariants(pair) -> None:
    """No one duplicated, one profile per Constituent ID, each naming an existing person."""
    people = list(pair.an_people())
    emails = [p.email for p in people if p.email]
    phones = [p.phone for p in people if p.phone]
    assert len(emails) == len(set(emails)) and len(phones) == len(set(phones)), "a person duplicated"
    uuids = {str(p.uuid) for p in people}
    held = [p.constituent_id for p in pair.profiles() if p.constituent_id]
    assert len(held) == len(set(held)), "two profiles hold one Constituent ID"
    assert set(held) <= uuids, "a Constituent ID names no Action Network person"


def both_directions(pair) -> SyncRun:
    run = pair.run()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    return run


@pytest.fixture
def clean_result(pair):
    build_world(pair)
    both_directions(pair)
    reference, writes = state(pair), pair.writes()
    wipe(pair)
    build_world(pair)
    return reference, writes


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7, 0.9, 1.0])
def test_a_crash_after_any_write_then_a_rerun_loses_and_duplicates_nothing(pair, clean_result, monkeypatch, fraction):
    reference, total_writes = clean_result
    assert total_writes >= 6
    crash_after = max(1, round(total_writes * fraction))
    writes = {"count": 0}
    originals = {client: client.request for client in (ActionNetworkClient, MobileCommonsClient)}

    def dies_after_a_write(client):
        def request(self, method, path_or_url, **kwargs):
            response = originals[client](self, method, path_or_url, **kwargs)
            if method.upper() in ("POST", "PUT"):
                writes["count"] += 1
                if writes["count"] == crash_after:
                    raise ProcessKilled  # the write landed; the ledger never heard of it
            return response

        return request

    for client in originals:
        monkeypatch.setattr(client, "request", dies_after_a_write(client))
    with pytest.raises(ProcessKilled):
        run_sync(pair.integration, RunOptions())
    for client, original in originals.items():
        monkeypatch.setattr(client, "request", original)

    both_directions(pair)
    assert_invariants(pair)
    assert state(pair) == reference, "the same result as runs that never crashed"
    again = pair.run()
    assert (again.created, again.updated) == (0, 0), [(i.stream, i.label, i.action) for i in again.items.all()]


# --- the property test -------------------------------------------------------------------------------

EMAILS = ["a@example.com", "b@example.com", "c@example.com", None]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("an_person"), st.sampled_from(PHONES[:4]), st.sampled_from(EMAILS), st.booleans()),
        st.tuples(st.just("an_opt_in"), st.sampled_from(EMAILS[:3]), st.booleans()),
        st.tuples(st.just("mc_join"), st.sampled_from(PHONES[:4]), st.sampled_from(EMAILS)),
        st.tuples(st.just("mc_stop"), st.sampled_from(PHONES[:4])),
        st.tuples(st.just("pull")),
        st.tuples(st.just("push")),
    ),
    min_size=1,
    max_size=9,
)


def apply(pair, step, history) -> None:
    from sandbox.actionnetwork.setup import change_person
    from sandbox.mobilecommons.setup import text_join, text_stop

    kind = step[0]
    if kind == "an_person":
        _, phone, email, opt_in = step
        if pair.an_person(phone=phone) is None and (email is None or pair.an_person(email=email) is None):
            pair.add_person(email=email, phone=phone, custom_fields={"mobile_opt_in": str(opt_in).lower()})
            if opt_in:
                history["an_opted_in"].add(phone)
    elif kind == "an_opt_in":
        _, email, opt_in = step
        person = pair.an_person(email=email)
        if person is not None:
            change_person(person, custom_fields={"mobile_opt_in": str(opt_in).lower()})
            if opt_in and person.phone:
                history["an_opted_in"].add(person.phone)
    elif kind == "mc_join":
        _, phone, email = step
        text_join(pair.mc_account, phone, pair.path, email=email or "")
        history["joined"].add(phone)
    elif kind == "mc_stop":
        if pair.profile(step[1]) is not None:
            text_stop(pair.mc_account, step[1])
            history["stopped"].add(step[1])
    else:
        run = pair.pull() if kind == "pull" else pair.push()
        assert run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL), run.message


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_any_sequence_of_changes_and_runs_keeps_the_pairs_promises(pair, monkeypatch, sequence):
    wipe(pair)
    history = {"an_opted_in": set(), "joined": set(), "stopped": set()}
    original = MobileCommonsClient.profile_update

    def opting_in_only_who_never_stopped(self, params):
        # The flow itself never asks to subscribe a number that opted out (Mobile Commons would refuse too).
        if params.get("opt_in_path_id"):
            assert params["phone_number"] not in history["stopped"], "the pull asked to resubscribe an opt-out"
        return original(self, params)

    monkeypatch.setattr(MobileCommonsClient, "profile_update", opting_in_only_who_never_stopped)
    for step in [*sequence, ("pull",), ("push",), ("pull",)]:
        apply(pair, step, history)
        assert_invariants(pair)
        for profile in pair.profiles():
            phone = profile.phone_number
            if pair.subscribed(phone):
                # Nobody is subscribed in Mobile Commons without an opt-in on one side or the other...
                assert phone in history["an_opted_in"] | history["joined"], f"{phone} subscribed without an opt-in"
            if phone in history["stopped"]:
                # ...and an opt-out is never undone by a later pull (only the owner's own JOIN could).
                assert not pair.subscribed(phone), f"{phone} resubscribed after STOP"
