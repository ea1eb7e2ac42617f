"""The engine's adoption rule, which every stream of every flow obeys (integrations/engine/adoption.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integrations.engine import Candidate, RecordError
from integrations.engine.adoption import choose_candidate
from integrations.models import RecordLink

SOURCE, DESTINATION = "test.timeslot", "test.event"


@pytest.fixture
def integration(make_organization, make_integration):
    return make_integration(make_organization())


def link(integration, source_id: str, destination_id: str, source_type: str = SOURCE) -> None:
    RecordLink.objects.create(
        integration=integration,
        source_type=source_type,
        source_id=source_id,
        destination_type=DESTINATION,
        destination_id=destination_id,
        payload_hash="x",
        synced_at=timezone.now(),
    )


def choose(integration, candidates, source_id="1", own_key="1"):
    return choose_candidate(
        integration,
        source_type=SOURCE,
        source_id=source_id,
        destination_type=DESTINATION,
        own_key=own_key,
        candidates=candidates,
        what="event",
    )


def test_no_candidate_means_create(integration):
    assert choose(integration, []) is None


def test_a_candidate_holding_our_own_key_is_adopted_even_beside_keyless_ones(integration):
    ours = Candidate("e2", "1")
    assert choose(integration, [Candidate("e1", None), ours, Candidate("e3", None)]) == ours


def test_a_candidate_holding_another_records_key_is_never_adopted(integration):
    assert choose(integration, [Candidate("e1", "2")]) is None


def test_the_only_keyless_candidate_no_link_owns_is_adopted(integration):
    keyless = Candidate("e1", None)
    assert choose(integration, [keyless, Candidate("e2", "2")]) == keyless


def test_a_keyless_candidate_another_link_points_to_is_never_adopted(integration):
    link(integration, "2", "e1")
    assert choose(integration, [Candidate("e1", None)]) is None


def test_a_candidate_with_our_key_that_another_link_owns_fails_with_the_reason(integration):
    link(integration, "7", "e1")
    with pytest.raises(RecordError, match="already links it to source record 7"):
        choose(integration, [Candidate("e1", "1")])


def test_links_of_another_source_type_may_share_a_destination_record(integration):
    # A volunteer who also hosts: one ActionKit user for the people and the dashboard-users streams.
    link(integration, "host-9", "e1", source_type="test.host")
    assert choose(integration, [Candidate("e1", "1")]) == Candidate("e1", "1")


def test_our_own_link_does_not_count_as_another_owner(integration):
    link(integration, "1", "e1")
    assert choose(integration, [Candidate("e1", None)]) == Candidate("e1", None)


def test_two_keyless_candidates_are_ambiguous_and_named(integration):
    with pytest.raises(RecordError) as raised:
        choose(integration, [Candidate("e1", None, description="event e1"), Candidate("e2", None)])
    assert "2 destination events" in raised.value.message
    assert "event e1" in raised.value.message and "e2" in raised.value.message
    assert "not guessing" in raised.value.message


def test_two_candidates_holding_our_key_are_ambiguous(integration):
    with pytest.raises(RecordError, match="each holds this record's key"):
        choose(integration, [Candidate("e1", "1"), Candidate("e2", "1")])


def test_the_same_candidate_twice_counts_once(integration):
    assert choose(integration, [Candidate("e1", None), Candidate("e1", None)]) == Candidate("e1", None)
