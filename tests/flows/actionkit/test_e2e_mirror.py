"""The ActionKit flows on the Mobilize mirror (issue 13, items 2-4): replays cost Mobilize nothing,
a dry run moves no cursor, and a change in Mobilize reaches ActionKit through refresh and fan-out."""

from __future__ import annotations

from collections import Counter

import pytest

from integrations.connectors.mobilize import MobilizeClient
from integrations.engine import RunOptions, run_sync
from integrations.models import MirrorCursor, SyncRun

from . import _ak
from ._world import OURS, attendance

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mobilize_requests(monkeypatch) -> Counter:
    """Every request a Mobilize client (the mirror's included) sends, by method."""
    seen: Counter = Counter()
    original = MobilizeClient.request

    def counting(self, method, path_or_url, **kwargs):
        seen[method.upper()] += 1
        return original(self, method, path_or_url, **kwargs)

    monkeypatch.setattr(MobilizeClient, "request", counting)
    return seen


def test_a_full_resync_and_a_new_integrations_first_run_cost_mobilize_nothing(setup, mobilize_requests):
    first = setup.sync()
    assert first.status == SyncRun.Status.SUCCEEDED, first.message
    assert mobilize_requests["GET"] > 0, "the mirror's refresh read Mobilize"
    mobilize_requests.clear()

    full = run_sync(setup.crm, RunOptions(full_resync=True))
    assert full.status == SyncRun.Status.SUCCEEDED, full.message
    assert full.fetched > 10 and full.updated == 0
    added = run_sync(setup.distributed_send, RunOptions())
    assert added.status == SyncRun.Status.SUCCEEDED, added.message
    assert added.created >= 10, "the new integration replayed the mirror from the start"
    assert sum(mobilize_requests.values()) == 0, "replays read the mirror, never Mobilize"


def test_replaying_a_signup_to_an_event_mobilize_does_not_show_costs_mobilize_nothing(
    setup, mobilize_requests, make_integration
):
    """The mirror read the event list whole after the signup: an event it lacks is one Mobilize hides."""
    from integrations.models import IntegrationKind, SyncItem
    from sandbox.actionkit.setup import ensure_campaign

    from ._world import ALLY, DAY, attendance, event, now, timeslot

    world = setup.world
    world.events["ally_private"] = event(32, ALLY, [timeslot(321, now() + 40 * DAY)], visibility="PRIVATE")
    world.attendances["cy_private"] = attendance(7010, world.people["cy"], 32, 321, OURS)
    setup.load()
    first = setup.sync()
    assert first.items.get(source_id="7010").action == SyncItem.Action.SKIPPED
    mobilize_requests.clear()

    full = run_sync(setup.crm, RunOptions(full_resync=True))
    second_crm = make_integration(setup.organization, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM 2")
    campaign = ensure_campaign("mobilize-crm-2", "crm-2-host", "crm-2-signup", max_attendees_cap=100)
    config = setup.crm.actionkit
    config.pk, config.integration, config.campaign_id = None, second_crm, campaign.pk
    config.event_create_page, config.event_signup_page = "crm-2-host", "crm-2-signup"
    config.save()
    added = run_sync(second_crm, RunOptions())
    for run in (full, added):
        item = run.items.get(source_id="7010")
        assert item.action == SyncItem.Action.SKIPPED, item.error
        assert "does not show this organization the promoted event 32" in item.error
    assert sum(mobilize_requests.values()) == 0, "the mirror answered for the event Mobilize does not show"


def test_a_signup_to_our_event_awaiting_approval_is_still_synced_from_mobilize(setup):
    """The mirror lists approved events only; Mobilize shows us our own unapproved ones by id."""
    from integrations.models import SyncItem

    from ._world import DAY, attendance, event, now, timeslot

    world = setup.world
    world.events["pending"] = event(16, OURS, [timeslot(161, now() + 9 * DAY)], approval_status="NEEDS_APPROVAL")
    world.attendances["ana_pending"] = attendance(7011, world.people["ana"], 16, 161, OURS)
    setup.load()
    first = setup.sync()
    assert first.items.get(source_id="7011").action == SyncItem.Action.CREATED
    full = run_sync(setup.crm, RunOptions(full_resync=True))
    assert (full.status, full.failed) == (SyncRun.Status.SUCCEEDED, 0), full.message
    assert _ak.signup_of(setup.crm_campaign, "ana@example.com", "161")[0].status == "active"


def test_a_dry_run_reads_the_mirror_without_moving_any_cursor(setup):
    setup.refresh_mirror()
    run = run_sync(setup.crm, RunOptions(dry_run=True))
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.fetched > 10
    assert not MirrorCursor.objects.filter(integration=setup.crm).exclude(seq=0).exists()
    real = run_sync(setup.crm, RunOptions())
    assert real.created == run.created, "the real run found everything the dry run saw"
    assert MirrorCursor.objects.filter(integration=setup.crm, seq__gt=0).count() >= 4


def test_a_rerun_after_a_refresh_that_found_nothing_reads_nothing(setup, mobilize_requests):
    setup.sync()
    again = setup.sync()
    assert (again.fetched, again.created, again.updated) == (0, 0, 0)


def test_a_new_signup_reaches_actionkit_through_the_mirror_refresh_and_its_fan_out(setup):
    from integrations.mirror import fanout
    from integrations.mirror.refresh import refresh_until_caught_up

    setup.sync()
    setup.sync(setup.distributed_send)
    # Now the real fan-out (Celery runs tasks in-process in the tests).
    world = setup.world
    world.attendances["dee_multi"] = world.touch(attendance(7201, world.people["dee"], 10, 103, OURS))
    setup.load()
    before = SyncRun.objects.filter(integration__in=[setup.crm, setup.distributed_send]).count()
    refresh_until_caught_up(setup.organization)
    assert not fanout.is_busy(setup.crm.pk)
    runs = SyncRun.objects.filter(integration__in=[setup.crm, setup.distributed_send]).order_by("id")[before:]
    assert sorted(run.integration_id for run in runs) == sorted([setup.crm.pk, setup.distributed_send.pk])
    assert {run.trigger for run in runs} == {SyncRun.Trigger.MIRROR}
    signup, _ = _ak.signup_of(setup.crm_campaign, "dee@example.com", "103")
    assert signup.status == "active"
