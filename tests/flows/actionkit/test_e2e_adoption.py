"""An interrupted create never adopts someone else's record (issue 12, item 1).

Two timeslots of one event that start together ("twins": two canvass teams, one time) share a
title and a start in ActionKit. When the create of one of them is interrupted (a 500, or a
worker that dies after the engine's "pending" ledger write), the next run must make or find
that timeslot's own event, never take over its twin's.
"""

from __future__ import annotations

import pytest

from integrations.connectors.actionkit import ActionKitClient
from integrations.connectors.errors import ServerError
from integrations.engine.adoption import PENDING
from integrations.models import RecordLink, SyncItem, SyncRun

from . import _ak
from ._world import DAY, OURS, attendance, event, now, timeslot
from .test_e2e_resilience import ProcessKilled, assert_no_duplicates

pytestmark = pytest.mark.django_db(transaction=True)

TWIN_A, TWIN_B = "161", "162"


def add_twins(setup, *, start: int) -> None:
    """An owned canvass with two timeslots that start at the same moment, and a signup to each."""
    world = setup.world
    world.events["twins"] = event(
        16, OURS, [timeslot(161, start), timeslot(162, start, hours=3)], title="Two-team canvass"
    )
    world.attendances["ana_twin_a"] = attendance(7101, world.people["ana"], 16, 161, OURS)
    world.attendances["cy_twin_b"] = attendance(7102, world.people["cy"], 16, 162, OURS)
    setup.load()


def interrupt_create_of(monkeypatch, timeslot_key: str, exception: BaseException, route: str) -> None:
    """Make the create request of one timeslot's event fail once, before it reaches ActionKit."""
    original = getattr(ActionKitClient, route)
    state = {"done": False}

    def failing(self, *args, **kwargs):
        fields = kwargs.get("fields") or {}
        if not state["done"] and fields.get("mobilize_timeslot_id") == timeslot_key:
            state["done"] = True
            raise exception
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ActionKitClient, route, failing)


def die_before_twin_as_fields_are_written(setup, monkeypatch) -> None:
    """Run a sync whose worker dies after twin A's backfilled event is made, before its custom fields."""
    original = ActionKitClient.set_event_fields
    state = {"done": False}

    def dies_before_the_fields(self, event_id, fields, existing=None):
        if not state["done"] and fields.get("mobilize_timeslot_id") == TWIN_A:
            state["done"] = True
            raise ProcessKilled
        return original(self, event_id, fields, existing=existing)

    monkeypatch.setattr(ActionKitClient, "set_event_fields", dies_before_the_fields)
    with pytest.raises(ProcessKilled):
        setup.sync()
    monkeypatch.setattr(ActionKitClient, "set_event_fields", original)


def assert_twins_have_their_own_events(setup) -> None:
    events = _ak.events(setup.crm_campaign)
    assert TWIN_A in events and TWIN_B in events, "each twin timeslot has an ActionKit event with its own key"
    assert events[TWIN_A].row.pk != events[TWIN_B].row.pk
    links = {link.source_id: link.destination_id for link in RecordLink.objects.filter(source_id__in=[TWIN_A, TWIN_B])}
    assert links == {TWIN_A: str(events[TWIN_A].row.pk), TWIN_B: str(events[TWIN_B].row.pk)}
    ana, _ = _ak.signup_of(setup.crm_campaign, "ana@example.com", TWIN_A)
    cy, _ = _ak.signup_of(setup.crm_campaign, "cy@example.com", TWIN_B)
    assert ana.event_id == events[TWIN_A].row.pk and cy.event_id == events[TWIN_B].row.pk


def test_a_500_on_a_twin_timeslots_create_never_adopts_the_twins_event(setup, monkeypatch):
    add_twins(setup, start=now() + 40 * DAY)
    interrupt_create_of(
        monkeypatch,
        TWIN_A,
        ServerError("ActionKit answered HTTP 500 to POST /rest/v1/action/."),
        "create_event_via_page",
    )
    first = setup.sync()
    assert first.status == SyncRun.Status.PARTIAL
    assert first.items.filter(source_id=TWIN_A, action=SyncItem.Action.FAILED).exists()
    assert TWIN_B in _ak.events(setup.crm_campaign)

    second = setup.sync()
    assert second.status == SyncRun.Status.SUCCEEDED, second.message
    assert_twins_have_their_own_events(setup)
    assert_no_duplicates(setup)


def test_a_crash_after_the_pending_write_never_adopts_the_twins_event(setup, monkeypatch):
    add_twins(setup, start=now() + 40 * DAY)
    # Twin A is made first; the worker dies right after twin B's pending link is written.
    original = ActionKitClient.create_event_via_page
    interrupt_create_of(monkeypatch, TWIN_B, ProcessKilled(), "create_event_via_page")
    with pytest.raises(ProcessKilled):
        setup.sync()
    assert RecordLink.objects.get(source_id=TWIN_B).destination_id == PENDING
    assert TWIN_A in _ak.events(setup.crm_campaign)
    monkeypatch.setattr(ActionKitClient, "create_event_via_page", original)

    rerun = setup.sync()
    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.message
    assert_twins_have_their_own_events(setup)
    assert_no_duplicates(setup)


def test_an_event_an_interrupted_backfill_left_without_its_key_is_adopted_by_its_own_timeslot(setup, monkeypatch):
    # Past timeslots are created with POST /event/ and get their custom fields afterwards: a crash
    # between the two leaves an event without mobilize_timeslot_id.
    add_twins(setup, start=now() - 40 * DAY)
    die_before_twin_as_fields_are_written(setup, monkeypatch)

    rerun = setup.sync()
    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.message
    assert_twins_have_their_own_events(setup)
    assert_no_duplicates(setup)
    from sandbox.actionkit.models import Event

    assert Event.objects.filter(campaign=setup.crm_campaign, title="Two-team canvass").count() == 2


def test_two_keyless_candidates_are_not_guessed_and_the_item_says_why(setup, monkeypatch):
    add_twins(setup, start=now() - 40 * DAY)
    die_before_twin_as_fields_are_written(setup, monkeypatch)
    # Someone copies the keyless event by hand: now two events could be twin A's.
    from sandbox.actionkit.models import Event

    [keyless] = [e for e in Event.objects.filter(title="Two-team canvass") if not e.fields.exists()]
    keyless.pk = None
    keyless.save()

    rerun = setup.sync()
    assert rerun.status == SyncRun.Status.PARTIAL
    [failed] = rerun.items.filter(source_id=TWIN_A, action=SyncItem.Action.FAILED)
    assert "not guessing" in failed.error and "2 destination events" in failed.error
    keys = set(
        Event.objects.filter(title="Two-team canvass", fields__name="mobilize_timeslot_id").values_list(
            "fields__value", flat=True
        )
    )
    assert keys == {TWIN_B}, "neither copy was taken; the twin went through on its own"
    assert Event.objects.filter(title="Two-team canvass", fields__isnull=True).count() == 2
