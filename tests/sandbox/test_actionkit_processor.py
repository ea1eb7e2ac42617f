"""The ActionKit sandbox's action processor (`POST /rest/v1/action/`): host and signup pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from sandbox.actionkit.models import (
    Action,
    Event,
    EventField,
    EventSignup,
    MailingList,
    Page,
    Subscription,
    SubscriptionHistory,
    User,
)
from sandbox.actionkit.processor import local_now
from sandbox.actionkit.setup import ensure_campaign, ensure_list, ensure_user

from ._actionkit import API, CREATE_PAGE, SIGNUP_PAGE, basic, future_start, host_fields, make_instance, post_json

pytestmark = pytest.mark.django_db
ACTION = f"{API}/action/"


@pytest.fixture
def campaign():
    return make_instance(cap=200, default_size=50)


def act(client, body, *, auth=True):
    return post_json(client, ACTION, body, **(basic() if auth else {}))


def create_event(client, email="host@example.com", **overrides):
    return act(client, {"page": CREATE_PAGE, "email": email, **host_fields(**overrides)})


def uri_id(uri: str) -> int:
    return int(uri.rstrip("/").rsplit("/", 1)[1])


# --- who may act, what comes back ----------------------------------------------------------------------


def test_an_unauthenticated_action_answers_only_the_minimal_body(client, campaign):
    response = act(client, {"page": CREATE_PAGE, "email": "host@example.com", **host_fields()}, auth=False)
    assert response.status_code == 201
    body = json.loads(response.content)
    assert set(body) == {"action_id", "akid", "rd", "redirect_url"}
    assert response["Content-Type"].startswith("text/html")  # as documented for anonymous actions
    action = Action.objects.get()
    assert body["action_id"] == action.pk
    assert response["Location"] == f"http://testserver{API}/eventcreateaction/{action.pk}/"
    assert body["redirect_url"].startswith(f"/cms/thanks/{CREATE_PAGE}?action_id={action.pk}")


def test_an_action_with_wrong_credentials_is_refused_with_401(client, campaign):
    response = post_json(client, ACTION, {"page": CREATE_PAGE, "email": "a@example.com"}, **basic(password="nope"))
    assert response.status_code == 401
    assert not Action.objects.exists()


def test_only_post_is_allowed_on_the_action_processor(client, campaign):
    assert client.get(ACTION, **basic()).status_code == 405


# --- event create pages ------------------------------------------------------------------------------------


def test_an_event_create_action_makes_the_event_in_the_pages_campaign_with_the_taker_as_host(client, campaign):
    start = future_start(10)
    response = create_event(client, start=start, event_is_private="1")
    assert response.status_code == 201
    body = response.json()
    assert body["type"] == "EventCreate"
    assert body["created_user"] is True
    host = User.objects.get(email="host@example.com")
    assert body["user"] == f"{API}/user/{host.pk}/"
    assert body["akid"] == host.akid
    assert body["akid"].startswith(f".{host.pk}.")
    event = Event.objects.get(pk=uri_id(body["event"]))
    assert body["id"] == Action.objects.get().pk
    assert body["resource_uri"] == f"{API}/eventcreateaction/{body['id']}/"
    assert event.campaign == campaign
    assert event.creator == host
    assert event.starts_at.replace(tzinfo=None) == start
    assert (event.title, event.venue, event.zip, event.postal, event.max_attendees) == (
        "My House Party",
        "My House",
        "94110",
        "94110",
        100,
    )
    assert event.is_private is True
    assert event.status == "active"
    assert EventSignup.objects.get(event=event).role == "host"


def test_an_existing_user_is_matched_by_email_case_insensitively_and_updated(client, campaign):
    user = ensure_user("host@example.com", first_name="Old", last_name="Name")
    response = act(
        client,
        {"page": CREATE_PAGE, "email": "HOST@example.com", "first_name": "New", "last_name": "", **host_fields()},
    )
    assert response.json()["created_user"] is False
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("New", "Name")  # a blank value does not erase


@pytest.mark.parametrize("missing", ["event_starts_at_date", "event_starts_at_time", "event_starts_at_ampm"])
def test_an_event_needs_all_three_start_fields(client, campaign, missing):
    response = create_event(client, **{missing: None})
    assert response.status_code == 400
    assert missing in response.json()["errors"]


def test_a_malformed_start_is_refused(client, campaign):
    response = create_event(client, event_starts_at_date="2030-04-01", event_starts_at_ampm="noon")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"event_starts_at_date", "event_starts_at_ampm"}


def test_the_processor_rejects_a_start_in_the_past(client, campaign):
    response = create_event(client, start=datetime.now() - timedelta(days=2))
    assert response.status_code == 400
    assert "future" in response.json()["errors"]["event_starts_at"][0]
    assert not Event.objects.exists()
    assert not User.objects.exists()  # a refused action writes nothing


def test_the_start_is_compared_with_the_time_where_the_event_happens(client, campaign):
    # 21:00 UTC is 11:00 in Honolulu: a 12:00 start there is in the future although 12:00 UTC has passed.
    with time_machine.travel(datetime(2031, 6, 1, 21, 0, tzinfo=UTC), tick=False):
        assert local_now("HI") == datetime(2031, 6, 1, 11, 0)
        noon = datetime(2031, 6, 1, 12, 0)
        assert create_event(client, start=noon, event_state="HI").status_code == 201
        assert create_event(client, start=noon, event_state="NY").status_code == 400  # 17:00 in New York
        ten = datetime(2031, 6, 1, 10, 0)
        assert create_event(client, start=ten, event_state="HI").status_code == 400


def test_max_attendees_above_the_campaign_cap_is_rejected_and_a_missing_one_takes_the_default(client, campaign):
    response = create_event(client, event_max_attendees="201")
    assert response.status_code == 400
    assert "200" in response.json()["errors"]["event_max_attendees"][0]
    assert create_event(client, event_max_attendees="200").status_code == 201
    response = create_event(client, event_max_attendees=None)
    assert Event.objects.get(pk=uri_id(response.json()["event"])).max_attendees == 50


def test_a_campaign_without_a_cap_takes_any_size(client):
    make_instance(cap=None)
    assert create_event(client, event_max_attendees="100000").status_code == 201


@pytest.mark.parametrize("field", ["event_host_ground_rules", "event_host_requirements"])
def test_the_host_must_accept_the_ground_rules_and_requirements(client, campaign, field):
    response = create_event(client, **{field: None})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_event_needs_a_title_and_a_place_to_geocode(client, campaign):
    response = create_event(client, event_title="", event_zip=None, event_city=None)
    assert response.status_code == 400
    assert {"event_title", "event_zip"} <= set(response.json()["errors"])
    # A city is enough to be located (virtual events are placed in Puerto Natales, Chile).
    virtual = create_event(client, event_zip=None, event_state=None, event_city="Puerto Natales", event_country="Chile")
    assert virtual.status_code == 201


def test_fields_the_host_page_does_not_take_are_refused(client, campaign):
    response = create_event(client, event_ends_at="2030-01-01T10:00:00", event_status="active")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"event_ends_at", "event_status"}


def test_action_fields_of_a_host_action_become_the_events_custom_fields(client, campaign):
    response = create_event(client, action_mobilize_id="42", action_is_virtual_event="No")
    body = response.json()
    assert body["fields"] == {"mobilize_id": "42", "is_virtual_event": "No"}
    rows = EventField.objects.filter(event_id=uri_id(body["event"])).values_list("name", "value")
    assert sorted(rows) == [("is_virtual_event", "No"), ("mobilize_id", "42")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com"}, "page"),
        ({"page": "no-such-page", "email": "a@example.com"}, "page"),
        ({"page": CREATE_PAGE}, "email"),
        ({"page": CREATE_PAGE, "email": "not an email"}, "email"),
    ],
    ids=["no-page", "unknown-page", "no-email", "bad-email"],
)
def test_page_and_email_are_required_for_every_action(client, campaign, body, field):
    response = act(client, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_form_encoded_actions_are_accepted(client, campaign):
    response = client.post(ACTION, {"page": CREATE_PAGE, "email": "form@example.com", **host_fields()}, **basic())
    assert response.status_code == 201
    assert Event.objects.count() == 1


# --- signup pages ----------------------------------------------------------------------------------------------


@pytest.fixture
def event(client, campaign):
    return Event.objects.get(pk=uri_id(create_event(client).json()["event"]))


def signup(client, event, email="attendee@example.com", **extra):
    body = {"page": SIGNUP_PAGE, "email": email, "event_id": str(event), "event_signup_ground_rules": "1"}
    return act(client, {**body, **extra})


def test_a_signup_action_creates_the_signup_and_answers_with_its_uri(client, event):
    response = signup(client, event.pk, first_name="Ada", zip="94110", source="mobilize", akid=".9.abc")
    assert response.status_code == 201
    body = response.json()
    signup_row = EventSignup.objects.get(event=event, role="attendee")
    assert body["signup"] == f"{API}/eventsignup/{signup_row.pk}/"
    assert (body["type"], body["status"], body["created_user"]) == ("EventSignup", "complete", True)
    assert body["page"].startswith(f"{API}/eventsignuppage/")
    assert body["source"] == "mobilize"
    assert (signup_row.status, signup_row.attended, signup_row.user.first_name) == ("active", False, "Ada")
    action = Action.objects.get(pk=body["id"])
    assert (action.source, action.akid, action.signup_id) == ("mobilize", ".9.abc", signup_row.pk)


def test_the_default_source_is_restful_api(client, event):
    assert signup(client, event.pk).json()["source"] == "restful_api"


def test_a_repeat_signup_returns_the_same_signup_and_reactivates_a_cancelled_one(client, event):
    first = signup(client, event.pk).json()["signup"]
    EventSignup.objects.filter(pk=uri_id(first)).update(status="cancelled")
    second = signup(client, event.pk, email="ATTENDEE@example.com").json()
    assert second["signup"] == first
    assert second["created_user"] is False
    assert EventSignup.objects.get(pk=uri_id(first)).status == "active"
    assert EventSignup.objects.filter(role="attendee").count() == 1
    assert Action.objects.filter(type="EventSignup").count() == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"event_id": ""}, "event_id"), ({"event_signup_ground_rules": ""}, "event_signup_ground_rules")],
)
def test_a_signup_needs_the_event_id_and_the_ground_rules(client, event, extra, field):
    response = signup(client, event.pk, **extra)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_signup_for_an_event_of_another_campaign_or_a_closed_event_is_refused(client, event):
    other = Event.objects.create(campaign=ensure_campaign("other", "other_host"), title="Other")
    assert "event_id" in signup(client, other.pk).json()["errors"]
    assert signup(client, 98765).status_code == 400
    Event.objects.filter(pk=event.pk).update(status="cancelled")
    response = signup(client, event.pk)
    assert response.status_code == 400
    assert "cancelled" in response.json()["errors"]["event_id"][0]
    assert not EventSignup.objects.filter(role="attendee").exists()


# --- mailing list subscriptions ------------------------------------------------------------------------------


def subscriptions(email: str) -> list[str]:
    """The names of the lists the user of this email is subscribed to."""
    return sorted(Subscription.objects.filter(user__email__iexact=email).values_list("list__name", flat=True))


def test_acting_on_a_signup_page_subscribes_the_user_to_the_pages_list_with_a_history_entry(client, event):
    volunteers = ensure_list("Volunteers")
    Page.objects.filter(name=SIGNUP_PAGE).update(list=volunteers)
    body = signup(client, event.pk, email="ada@example.com").json()
    assert body["subscribed_user"] is True
    assert subscriptions("ada@example.com") == ["Volunteers"]
    [entry] = SubscriptionHistory.objects.filter(user__email="ada@example.com")
    assert (entry.list, entry.change, entry.action_id) == (volunteers, "subscribe", body["id"])
    assert User.objects.get(email="ada@example.com").subscription_status == "subscribed"
    assert Action.objects.get(pk=body["id"]).subscribed_user is True


def test_a_page_without_a_list_of_its_own_subscribes_to_the_default_list(client, event):
    signup(client, event.pk, email="ada@example.com")
    assert subscriptions("ada@example.com") == ["Default list"]
    assert MailingList.objects.get(name="Default list").is_default


def test_an_event_create_action_subscribes_its_host_too(client, campaign):
    create_event(client, email="host@example.com")
    assert subscriptions("host@example.com") == ["Default list"]


def test_a_subscriber_acting_again_is_not_subscribed_twice(client, event):
    first = signup(client, event.pk, email="ada@example.com").json()
    second = signup(client, event.pk, email="ada@example.com").json()
    assert (first["subscribed_user"], second["subscribed_user"]) == (True, False)
    assert Subscription.objects.filter(user__email="ada@example.com").count() == 1
    assert SubscriptionHistory.objects.filter(user__email="ada@example.com").count() == 1


@pytest.mark.parametrize("value", ["1", "true", True, 1])
def test_suppress_subscribe_keeps_a_new_user_off_every_list(client, event, value):
    body = signup(client, event.pk, email="ada@example.com", suppress_subscribe=value).json()
    assert body["subscribed_user"] is False
    assert body["signup"], "the signup itself is made"
    assert subscriptions("ada@example.com") == []
    assert not SubscriptionHistory.objects.filter(user__email="ada@example.com").exists()
    assert User.objects.get(email="ada@example.com").subscription_status == "never"


def test_suppress_subscribe_on_an_event_create_action_keeps_the_host_off_the_list(client, campaign):
    response = create_event(client, email="host@example.com", suppress_subscribe="1")
    assert response.status_code == 201
    assert subscriptions("host@example.com") == []


def test_suppress_subscribe_leaves_an_existing_subscription_alone(client, event):
    signup(client, event.pk, email="ada@example.com")
    signup(client, event.pk, email="ada@example.com", suppress_subscribe="1")
    assert subscriptions("ada@example.com") == ["Default list"], "suppressing is not unsubscribing"


@pytest.mark.parametrize("value", ["0", "false", ""])
def test_a_false_suppress_subscribe_subscribes(client, event, value):
    signup(client, event.pk, email="ada@example.com", suppress_subscribe=value)
    assert subscriptions("ada@example.com") == ["Default list"]


def test_a_form_encoded_suppress_subscribe_is_honoured(client, event):
    body = {
        "page": SIGNUP_PAGE,
        "email": "form@example.com",
        "event_id": str(event.pk),
        "event_signup_ground_rules": "1",
        "suppress_subscribe": "1",
    }
    assert client.post(ACTION, body, **basic()).status_code == 201
    assert subscriptions("form@example.com") == []


def test_a_malformed_suppress_subscribe_is_a_400_that_writes_nothing(client, event):
    response = signup(client, event.pk, email="ada@example.com", suppress_subscribe="maybe")
    assert response.status_code == 400
    assert "suppress_subscribe" in response.json()["errors"]
    assert not User.objects.filter(email="ada@example.com").exists()


def test_subscriptions_and_their_history_are_readable_over_rest(client, event):
    body = signup(client, event.pk, email="ada@example.com").json()
    signup(client, event.pk, email="ben@example.com", suppress_subscribe="1")
    ada = User.objects.get(email="ada@example.com")
    default = MailingList.objects.get(name="Default list")
    listing = client.get(f"{API}/subscription/?user={ada.pk}", **basic()).json()
    expected = [(f"{API}/user/{ada.pk}/", f"{API}/list/{default.pk}/")]
    assert [(s["user"], s["list"]) for s in listing["objects"]] == expected
    by_email = client.get(f"{API}/subscription/", {"user__email": "ben@example.com"}, **basic()).json()
    assert by_email["objects"] == []
    history = client.get(f"{API}/subscriptionhistory/?user={ada.pk}", **basic()).json()["objects"]
    assert [(h["change"], h["action"]) for h in history] == [("subscribe", f"{API}/eventsignupaction/{body['id']}/")]
    page = client.get(f"{API}/eventsignuppage/?name={SIGNUP_PAGE}", **basic()).json()["objects"][0]
    assert page["list"] == f"{API}/list/{default.pk}/"
    assert client.get(f"{API}/list/{default.pk}/", **basic()).json()["name"] == "Default list"
    user = client.get(f"{API}/user/{ada.pk}/", **basic()).json()
    assert user["subscription_status"] == "subscribed"
    action = client.get(f"{API}/eventsignupaction/{body['id']}/", **basic()).json()
    assert action["subscribed_user"] is True


def test_subscriptions_are_made_only_by_actions(client, campaign):
    ada = User.objects.create(email="ada@example.com")
    default = MailingList.default()
    response = post_json(client, f"{API}/subscription/", {"user": ada.pk, "list": default.pk}, **basic())
    assert response.status_code == 400
    assert not Subscription.objects.exists()
    assert User.objects.get(pk=ada.pk).subscription_status == "never", "a user made over REST is on no list"


def test_a_page_can_be_moved_to_another_list_over_rest_and_a_used_list_cannot_be_deleted(client, event):
    created = post_json(client, f"{API}/list/", {"name": "Volunteers"}, **basic())
    assert created.status_code == 201
    volunteers = MailingList.objects.get(name="Volunteers")
    page = Page.objects.get(name=SIGNUP_PAGE)
    response = client.patch(
        f"{API}/eventsignuppage/{page.pk}/",
        data=json.dumps({"list": f"{API}/list/{volunteers.pk}/"}),
        content_type="application/json",
        **basic(),
    )
    assert response.status_code == 202
    signup(client, event.pk, email="ada@example.com")
    assert subscriptions("ada@example.com") == ["Volunteers"]
    deleted = client.delete(f"{API}/list/{volunteers.pk}/", **basic())
    assert deleted.status_code == 400
    assert MailingList.objects.filter(pk=volunteers.pk).exists()
