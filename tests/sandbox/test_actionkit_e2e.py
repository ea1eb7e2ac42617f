"""The real ActionKitClient against the ActionKit sandbox over HTTP (pytest-django's live_server)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from integrations.connectors.actionkit import ActionKitClient, ActionKitSetupError
from integrations.connectors.errors import (
    AuthenticationError,
    NotFoundError,
    RemoteValidationError,
    ServerError,
)
from sandbox.actionkit.dump import dump
from sandbox.actionkit.models import Event, EventField, EventSignup, User
from sandbox.actionkit.setup import ensure_campaign, ensure_user
from sandbox.models import FaultRule

from ._actionkit import CREATE_PAGE, PASSWORD, SIGNUP_PAGE, USERNAME, future_start, make_instance

pytestmark = pytest.mark.django_db(transaction=True)
PLACEHOLDER = "mobilize-events@example.org"


@pytest.fixture
def campaign(settings):
    # The sandbox is local: lift the client's own limits so the tests do not wait on them.
    settings.ACTIONKIT_READ_RATE = "1000/second"
    settings.ACTIONKIT_WRITE_RATE = "1000/second"
    return make_instance(cap=200, default_size=50)


@pytest.fixture
def ak(live_server, campaign):
    client = ActionKitClient(f"{live_server.url}/sandbox/actionkit", USERNAME, PASSWORD, max_attempts=3)
    yield client
    # Close kept-alive connections while the live server still shares the test's database
    # connection; a server thread closing it later (SQLite in memory) would fail.
    client.session.close()


def event_payload(start: datetime, **overrides) -> dict:
    """A canonical native event dict (the mapping's EventPayload["event"])."""
    end = start + timedelta(hours=2)
    event = {
        "title": "Canvass for the win",
        "venue": "Union Hall",
        "address1": "1 Main St",
        "address2": "",
        "city": "Oakland",
        "state": "CA",
        "zip": "94612",
        "country": "United States",
        "public_description": "Knock doors with us.",
        "note_to_attendees": "Bring water.",
        "is_private": False,
        "max_attendees": 40,
        "status": "active",
        "starts_at_date": start.strftime("%m/%d/%Y"),
        "starts_at_time": start.strftime("%I:%M"),
        "starts_at_ampm": start.strftime("%p").lower(),
        "starts_at": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M:%S"),
        "host_ground_rules": 1,
        "host_requirements": 1,
        "host_is_confirmed": 1,
    }
    event.update(overrides)
    return event


# --- setup checks ---------------------------------------------------------------------------------------


def test_test_connection_checks_credentials_campaign_and_pages(ak, campaign):
    checked = ak.test_connection(campaign.pk, CREATE_PAGE, SIGNUP_PAGE)
    assert checked[0] == f"Signed in to ActionKit at {ak.origin} as API user '{USERNAME}'."
    assert checked[1].startswith(f"Event campaign {campaign.pk} exists")
    assert checked[2:] == [
        f"The event create (host) page '{CREATE_PAGE}' exists in campaign {campaign.pk}.",
        f"The signup page '{SIGNUP_PAGE}' exists in campaign {campaign.pk}.",
    ]


def test_test_connection_fails_with_a_sentence_for_each_setup_mistake(ak, campaign, live_server):
    wrong = ActionKitClient(f"{live_server.url}/sandbox/actionkit", USERNAME, "not-the-password", max_attempts=1)
    with pytest.raises(AuthenticationError, match="Check the username and password"):
        wrong.test_connection(campaign.pk, CREATE_PAGE)
    wrong.session.close()
    with pytest.raises(NotFoundError, match=f"no event campaign with id {campaign.pk + 99}"):
        ak.test_connection(campaign.pk + 99, CREATE_PAGE)
    with pytest.raises(NotFoundError, match="no event create \\(host\\) page with the short name 'typo_host'"):
        ak.test_connection(campaign.pk, "typo_host")
    other = ensure_campaign("other", "other_host", "other_attend")
    with pytest.raises(ActionKitSetupError, match=f"belongs to campaign {campaign.pk}, not to campaign {other.pk}"):
        ak.test_connection(other.pk, CREATE_PAGE)


def test_get_campaign_and_find_page(ak, campaign):
    assert ak.get_campaign(campaign.pk)["name"] == "house-parties"
    assert ak.find_page("eventsignuppage", SIGNUP_PAGE)["type"] == "EventSignup"
    assert ak.find_page("eventsignuppage", CREATE_PAGE) is None


# --- users and phones --------------------------------------------------------------------------------------


def test_users_are_found_by_email_created_once_and_updated(ak):
    email = "ada+canvass@example.com"
    assert ak.find_user_by_email(email) is None
    user_id = ak.create_user({"email": email, "first_name": "Ada", "last_name": "L", "zip": "94110"})
    found = ak.find_user_by_email(email)
    assert found["id"] == user_id
    assert ak.find_user_by_email("ADA+canvass@example.com")["id"] == user_id
    with pytest.raises(RemoteValidationError, match="already exists") as caught:
        ak.create_user({"email": email})
    assert "email" in caught.value.field_errors
    ak.update_user(user_id, {"last_name": "Lovelace"})
    assert ak.get("user", user_id)["last_name"] == "Lovelace"
    assert User.objects.count() == 1


def test_phones_are_created_listed_and_updated(ak):
    user_id = ak.create_user({"email": "grace@example.com"})
    assert ak.user_phones(user_id) == []
    phone_id = ak.create_phone(user_id, phone="+1 (212) 555-0199", type="home", source="mobilizeamerica_sync")
    [phone] = ak.user_phones(user_id)
    assert (phone["id"], phone["type"], phone["source"], phone["normalized_phone"]) == (
        phone_id,
        "home",
        "mobilizeamerica_sync",
        "2125550199",
    )
    ak.update_phone(phone_id, {"phone": "212-555-0100"})
    assert ak.user_phones(user_id)[0]["normalized_phone"] == "2125550100"
    assert {"phone", "type", "source", "normalized_phone", "user"} <= set(ak.schema("phone")["fields"])


def test_list_pages_through_more_than_100_objects(ak):
    User.objects.bulk_create(User(email=f"p{n:03d}@example.com", token=f"t{n}") for n in range(150))
    before = ak.stats.total_requests
    emails = [user["email"] for user in ak.list("user", {"order_by": "email"})]
    assert emails == [f"p{n:03d}@example.com" for n in range(150)]
    assert ak.stats.total_requests - before == 2  # 100 + 50, following the relative meta.next


# --- events ---------------------------------------------------------------------------------------------------


def test_an_event_is_created_through_the_host_page_with_its_fields_and_found_again(ak, campaign):
    start = future_start(20)
    fields = {"mobilize_id": "777", "mobilize_timeslot": "[a, b]", "is_virtual_event": "No", "event_type": None}
    result = ak.create_event_via_page(CREATE_PAGE, PLACEHOLDER, event_payload(start), fields=fields)
    assert result.type == "EventCreate"
    assert result.created_user is True
    event = ak.get_event(result.event_id)
    assert event["title"] == "Canvass for the win"
    assert event["starts_at"] == start.strftime("%Y-%m-%dT%H:%M:%S")
    assert event["ends_at"] == (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
    assert (event["zip"], event["postal"], event["max_attendees"], event["status"]) == ("94612", "94612", 40, "active")
    assert event["campaign"].endswith(f"/rest/v1/campaign/{campaign.pk}/")
    rows = ak.event_fields(result.event_id)
    assert {name: row["value"] for name, row in rows.items()} == {
        "mobilize_id": "777",
        "mobilize_timeslot": "[a, b]",
        "is_virtual_event": "No",
    }
    assert {row["id"] for row in rows.values()} == set(
        EventField.objects.filter(event_id=result.event_id).values_list("id", flat=True)
    )
    found = ak.find_events_by_field(campaign.pk, "mobilize_id", "777")
    assert [e["id"] for e in found] == [result.event_id]
    assert ak.find_events_by_field(campaign.pk, "mobilize_id", "778") == []
    host = ak.find_user_by_email(PLACEHOLDER)
    assert ak.find_signup(host["id"], result.event_id, role="host")["status"] == "active"


def test_the_host_page_refuses_a_past_start_and_the_low_level_route_takes_it(ak, campaign):
    past = datetime.now() - timedelta(days=3)
    with pytest.raises(RemoteValidationError) as caught:
        ak.create_event_via_page(CREATE_PAGE, PLACEHOLDER, event_payload(past))
    assert "event_starts_at" in caught.value.field_errors
    assert "must start in the future" in str(caught.value)
    assert not Event.objects.exists()
    creator = ak.create_user({"email": PLACEHOLDER})
    event_id = ak.create_event(campaign.pk, creator, event_payload(past, max_attendees=5000))
    event = ak.get_event(event_id)
    assert event["starts_at"] == past.strftime("%Y-%m-%dT%H:%M:%S")
    assert event["creator"].endswith(f"/rest/v1/user/{creator}/")
    assert event["max_attendees"] == 5000  # the campaign's cap is the host page's check only


def test_the_host_page_refuses_max_attendees_above_the_campaign_cap(ak):
    with pytest.raises(RemoteValidationError, match="maximum number of attendees is 200"):
        ak.create_event_via_page(CREATE_PAGE, PLACEHOLDER, event_payload(future_start(), max_attendees=201))


def test_update_event_changes_native_fields_and_a_deleted_timeslot_is_created_deleted(ak):
    start = future_start(9)
    result = ak.create_event_via_page(CREATE_PAGE, PLACEHOLDER, event_payload(start, status="deleted"))
    assert ak.get_event(result.event_id)["status"] == "deleted"
    later = start + timedelta(days=1, hours=1)
    ak.update_event(result.event_id, event_payload(later, title="Moved canvass", status="active", max_attendees=None))
    event = ak.get_event(result.event_id)
    assert (event["title"], event["status"], event["max_attendees"]) == ("Moved canvass", "active", None)
    assert event["starts_at"] == later.strftime("%Y-%m-%dT%H:%M:%S")


def test_setting_event_fields_twice_never_makes_a_second_row_of_a_name(ak):
    result = ak.create_event_via_page(
        CREATE_PAGE, PLACEHOLDER, event_payload(future_start()), fields={"mobilize_id": "1"}
    )
    event_id = result.event_id
    first = ak.set_event_fields(event_id, {"mobilize_id": "1", "shift_is_full": "No", "accessibility_notes": None})
    writes_before = ak.stats.requests["POST"] + ak.stats.requests["PATCH"]
    second = ak.set_event_fields(event_id, {"mobilize_id": "1", "shift_is_full": "No", "accessibility_notes": None})
    assert second == first
    assert ak.stats.requests["POST"] + ak.stats.requests["PATCH"] == writes_before  # unchanged: no writes
    ak.set_event_fields(event_id, {"shift_is_full": "Yes", "accessibility_notes": "Ramp"})
    ak.set_event_fields(event_id, {"accessibility_notes": None})
    [event] = dump()["events"]
    assert sorted((row["name"], row["value"]) for row in event["fields"]) == [
        ("accessibility_notes", ""),
        ("mobilize_id", "1"),
        ("shift_is_full", "Yes"),
    ]
    assert EventField.objects.filter(event_id=event_id, name="shift_is_full").count() == 1


def test_posting_a_field_blindly_would_have_made_a_duplicate(ak):
    # The trap the connector avoids: the generic create of an existing name adds a row.
    result = ak.create_event_via_page(
        CREATE_PAGE, PLACEHOLDER, event_payload(future_start()), fields={"mobilize_id": "1"}
    )
    ak.create("eventfield", {"event": ak.uri("event", result.event_id), "name": "mobilize_id", "value": "1"})
    assert EventField.objects.filter(event_id=result.event_id, name="mobilize_id").count() == 2
    assert ak.event_fields(result.event_id)["mobilize_id"]["value"] == "1"  # the oldest row is used


# --- signups -------------------------------------------------------------------------------------------------------


def test_a_signup_is_made_through_the_signup_page_then_updated_in_place(ak):
    event = ak.create_event_via_page(CREATE_PAGE, PLACEHOLDER, event_payload(future_start())).event_id
    user = {"first_name": "Ada", "last_name": "Lovelace", "zip": "94110"}
    result = ak.signup_via_page(SIGNUP_PAGE, "ada@example.com", event, user=user, source="feed", akid=".1.abc")
    assert (result.type, result.created_user) == ("EventSignup", True)
    found = ak.find_signup(result.user_id, event)
    assert (found["id"], found["status"], found["attended"], found["role"]) == (
        result.signup_id,
        "active",
        False,
        "attendee",
    )
    again = ak.signup_via_page(SIGNUP_PAGE, "ada@example.com", event, user=user)
    assert again.signup_id == result.signup_id
    assert again.created_user is False
    ak.update_signup(result.signup_id, {"status": "cancelled", "attended": True})
    found = ak.find_signup(result.user_id, event)
    assert (found["status"], found["attended"]) == ("cancelled", True)
    ids = ak.set_signup_fields(result.signup_id, {"mobilize_attendance_status": "REGISTERED", "utm_source": None})
    ak.set_signup_fields(result.signup_id, {"mobilize_attendance_status": "ATTENDED"})
    assert ak.signup_fields(result.signup_id) == {
        "mobilize_attendance_status": {"id": ids["mobilize_attendance_status"], "value": "ATTENDED"}
    }
    signup = EventSignup.objects.get(pk=result.signup_id)
    assert (signup.user.first_name, signup.actions.first().source, signup.actions.first().akid) == (
        "Ada",
        "feed",
        ".1.abc",
    )
    assert ak.find_signup(result.user_id, event + 1000) is None


def test_act_is_the_generic_action_processor(ak):
    event = ak.create_event_via_page(CREATE_PAGE, PLACEHOLDER, event_payload(future_start())).event_id
    ensure_user("bob@example.com")
    result = ak.act(SIGNUP_PAGE, "bob@example.com", {"event_id": event, "event_signup_ground_rules": True})
    assert (result.created_user, result.type) == (False, "EventSignup")
    assert result.signup_id == EventSignup.objects.get(user__email="bob@example.com").pk
    with pytest.raises(RemoteValidationError, match="No page named 'nope'"):
        ak.act("nope", "bob@example.com")


# --- failures over HTTP -----------------------------------------------------------------------------------------


def test_a_missing_object_is_not_found(ak):
    with pytest.raises(NotFoundError, match="HTTP 404 to GET /sandbox/actionkit/rest/v1/event/999/"):
        ak.get_event(999)


def test_a_server_error_is_retried_for_a_read_but_not_for_an_action(ak, campaign):
    FaultRule.objects.create(system="actionkit", method="GET", path_pattern=r"/campaign/", kind="500", remaining=2)
    assert ak.get_campaign(campaign.pk)["id"] == campaign.pk  # two 500s, then the answer
    assert ak.stats.retries == 2
    FaultRule.objects.create(system="actionkit", method="POST", path_pattern=r"/action/$", kind="503", remaining=1)
    with pytest.raises(ServerError):
        ak.create_event_via_page(CREATE_PAGE, PLACEHOLDER, event_payload(future_start()))
    assert FaultRule.objects.get(method="POST").hits == 1  # sent once: a POST is not repeated
    assert not Event.objects.exists()
    assert ak.create_event_via_page(CREATE_PAGE, PLACEHOLDER, event_payload(future_start())).event_id
