"""A full resync compares every record with ActionKit itself and repairs what drifted (issue 12, item 4)."""

from __future__ import annotations

import pytest

from integrations.models import SyncItem, SyncRun

from . import _ak

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_full_resync_repairs_events_signups_and_users_edited_by_hand_and_leaves_the_rest(setup):
    from sandbox.actionkit.models import EventSignup, User

    first = setup.sync()
    assert first.status == SyncRun.Status.SUCCEEDED, first.message
    events = _ak.events(setup.crm_campaign)
    # Campaign staff edit ActionKit by hand: an event's title, a signup's status, a user's name.
    events["101"].row.title = "Renamed in ActionKit"
    events["101"].row.save()
    signup, _ = _ak.signup_of(setup.crm_campaign, "ana@example.com", "101")
    EventSignup.objects.filter(pk=signup.pk).update(status="cancelled")
    User.objects.filter(email="cy@example.com").update(first_name="Cyrus")

    ordinary = setup.sync()
    assert (ordinary.created, ordinary.updated) == (0, 0), "an ordinary run trusts the ledger"

    writes = setup.writes
    full = setup.sync(full_resync=True)
    assert full.status == SyncRun.Status.SUCCEEDED, full.message
    assert _ak.events(setup.crm_campaign)["101"].title != "Renamed in ActionKit"
    assert EventSignup.objects.get(pk=signup.pk).status == "active"
    assert User.objects.get(email="cy@example.com").first_name == "Cy"
    updated = set(full.items.filter(action=SyncItem.Action.UPDATED).values_list("stream", "source_id"))
    assert ("events", "101") in updated and ("people", "503") in updated
    assert ("attendances", "7001") in updated
    assert full.updated == len(updated) <= 4, "only the drifted records are reported updated"
    assert full.unchanged == full.fetched - full.updated - full.skipped
    assert 3 <= setup.writes - writes <= 6, "only the differences were written"

    again = setup.sync(full_resync=True)
    assert again.updated == 0, "once repaired, a full resync finds nothing to write"


def test_a_wrong_password_fails_a_full_resync_before_it_starts(setup):
    setup.sync()
    connection = setup.crm.actionkit.connection
    connection.password = "wrong"
    connection.save()
    run = setup.sync(full_resync=True)
    assert run.status == SyncRun.Status.FAILED
    assert run.message.startswith("The run did not start:")
    assert "password" in run.message.lower()
    assert run.items.count() == 0
