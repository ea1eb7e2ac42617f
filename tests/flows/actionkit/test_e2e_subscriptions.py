"""Mobilize sandbox -> CRM-style flow -> ActionKit sandbox: who ends up on an ActionKit mailing list.

ActionKit's action processor subscribes whoever acts on a page to the page's list unless the
action says `suppress_subscribe`. The CRM flow signs volunteers up through the signup page, so
the integration's setting "Subscribe volunteers to the signup page's mailing list" decides.
"""

from __future__ import annotations

import pytest

from integrations.connectors.actionkit import ActionKitClient
from integrations.models import SyncRun

from . import _ak

pytestmark = pytest.mark.django_db(transaction=True)


def subscribed(setup) -> dict[str, set[str]]:
    """Every subscription ActionKit holds, read over its REST API: {email: {list name}}."""
    connection = setup.crm.actionkit.connection
    client = ActionKitClient(connection.base_url, connection.username, connection.password)
    lists = {item["resource_uri"]: item["name"] for item in client.list("list")}
    found: dict[str, set[str]] = {}
    for subscription in client.list("subscription"):
        email = client.get("user", client.id_from_uri(subscription["user"]))["email"]
        found.setdefault(email, set()).add(lists[subscription["list"]])
    return found


def signed_up(setup) -> set[str]:
    """The emails of the volunteers the sync signed up for the CRM campaign's events."""
    return {row.user.email for row, _ in _ak.signups(setup.crm_campaign)}


def volunteers_list(setup):
    """Give the CRM signup page a list of its own, so "the page's list" is not just the default."""
    from sandbox.actionkit.models import Page
    from sandbox.actionkit.setup import ensure_list

    mailing_list = ensure_list("Mobilize volunteers")
    Page.objects.filter(name=setup.crm.actionkit.event_signup_page).update(list=mailing_list)
    return mailing_list


def test_with_the_setting_off_a_crm_sync_subscribes_nobody(setup):
    from sandbox.actionkit.models import Action, Subscription, User

    volunteers_list(setup)
    assert setup.crm.actionkit.subscribe_volunteers is False, "off by default"
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert {"ana@example.com", "ben@example.com", "cy@example.com", "dee@example.com"} <= signed_up(setup)
    assert Action.objects.filter(type="EventSignup").exists() and Action.objects.filter(type="EventCreate").exists()
    assert subscribed(setup) == {}
    assert not Subscription.objects.exists()
    assert set(User.objects.values_list("subscription_status", flat=True)) == {"never"}
    assert not Action.objects.filter(subscribed_user=True).exists()


def test_with_the_setting_on_each_volunteer_signed_up_through_the_page_is_subscribed_to_its_list(setup):
    from sandbox.actionkit.models import SubscriptionHistory

    mailing_list = volunteers_list(setup)
    config = setup.crm.actionkit
    config.subscribe_volunteers = True
    config.save()
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    volunteers = signed_up(setup)
    assert {"ana@example.com", "ben@example.com", "cy@example.com", "dee@example.com"} <= volunteers
    assert subscribed(setup) == {email: {"Mobilize volunteers"} for email in volunteers}, (
        "the volunteers, on the signup page's list only; not the event placeholder, not the organizers"
    )
    assert config.placeholder_email not in subscribed(setup)
    for entry in SubscriptionHistory.objects.select_related("action", "user"):
        assert (entry.change, entry.list) == ("subscribe", mailing_list)
        assert entry.action.type == "EventSignup" and entry.action.page.name == config.event_signup_page
    assert SubscriptionHistory.objects.count() == len(volunteers), "one subscription each, however many signups"


def test_turning_the_setting_on_later_subscribes_no_one_already_synced(setup):
    volunteers_list(setup)
    setup.sync()
    config = setup.crm.actionkit
    config.subscribe_volunteers = True
    config.save()
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert subscribed(setup) == {}
