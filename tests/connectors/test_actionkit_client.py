"""The ActionKit client against `responses`: paths, auth, paging, writes, errors, retries, secrecy."""

from __future__ import annotations

import base64
import json
import logging
import re
import traceback
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from integrations.connectors.actionkit import (
    ActionKitClient,
    ActionKitSetupError,
    ActionResult,
    id_from_uri,
    start_fields,
)
from integrations.connectors.errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    ServerError,
    TransportError,
)

from ._helpers import load

HOST = "https://roboticdogs.actionkit.com"
API = f"{HOST}/rest/v1"
USERNAME = "sync-bot"
PASSWORD = "ak-pass-9f8e7d6c-do-not-log"


def fixture(name: str):
    return load(f"actionkit/{name}")


@pytest.fixture
def client() -> ActionKitClient:
    return ActionKitClient(HOST, USERNAME, PASSWORD, max_attempts=3)


def query(call) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True)


def body(call) -> dict:
    return json.loads(call.request.body)


def page(objects: list[dict], next_url: str | None = None) -> dict:
    meta = {"limit": 100, "offset": 0, "total_count": len(objects), "next": next_url, "previous": None}
    return {"meta": meta, "objects": objects}


def created(resource: str, object_id: int) -> dict:
    """responses kwargs for ActionKit's 201: Location header, empty text/html body."""
    return {
        "status": 201,
        "body": "",
        "content_type": "text/html; charset=utf-8",
        "headers": {"Location": f"{API}/{resource}/{object_id}/"},
    }


# --- construction, auth, paths ------------------------------------------------------------------------


@responses.activate
def test_sends_http_basic_auth_and_json_on_every_request(client):
    responses.get(f"{API}/campaign/17/", json=fixture("campaign.json"))
    responses.patch(f"{API}/user/5/", status=202)
    client.get_campaign(17)
    client.update_user(5, {"first_name": "Ada"})
    expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert [call.request.headers["Authorization"] for call in responses.calls] == [expected, expected]
    assert responses.calls[0].request.headers["Accept"] == "application/json"
    assert responses.calls[1].request.headers["Content-Type"] == "application/json"
    assert body(responses.calls[1]) == {"first_name": "Ada"}


def test_reads_rates_from_settings_and_keys_them_per_origin(settings, recording_limiter):
    settings.ACTIONKIT_READ_RATE = "7/second"
    settings.ACTIONKIT_WRITE_RATE = "3/second"
    client = ActionKitClient(HOST, USERNAME, PASSWORD, limiter=recording_limiter)
    assert (client.read_rate, client.write_rate, client.system) == ("7/second", "3/second", "ActionKit")
    with responses.RequestsMock() as mocked:
        mocked.get(f"{API}/event/300/", json=fixture("event.json"))
        mocked.patch(f"{API}/event/300/", status=202)
        client.get_event(300)
        client.update_event(300, {"title": "New"})
    assert recording_limiter.calls == [
        ("ActionKit:https://roboticdogs.actionkit.com:read", "7/second"),
        ("ActionKit:https://roboticdogs.actionkit.com:write", "3/second"),
    ]


def test_the_password_is_not_in_repr_or_vars(client):
    assert PASSWORD not in repr(client)
    assert PASSWORD not in repr(vars(client))
    assert repr(client) == "<ActionKitClient https://roboticdogs.actionkit.com/ user='sync-bot'>"


def test_a_pasted_rest_v1_suffix_is_forgiven_and_an_empty_address_refused():
    assert ActionKitClient(f"{HOST}/rest/v1/", USERNAME, PASSWORD).base_url == f"{HOST}/"
    with pytest.raises(ValueError, match="instance address is required"):
        ActionKitClient("", USERNAME, PASSWORD)


def test_paths_always_end_with_a_slash_and_uris_follow_the_instance_prefix(client):
    assert client.path("user") == "rest/v1/user/"
    assert client.path("event", 300) == "rest/v1/event/300/"
    assert client.path("phone", None, "schema") == "rest/v1/phone/schema/"
    assert client.uri("user", 5) == "/rest/v1/user/5/"
    sandbox = ActionKitClient("http://127.0.0.1:8000/sandbox/actionkit", USERNAME, PASSWORD)
    assert sandbox.uri("user", 5) == "/sandbox/actionkit/rest/v1/user/5/"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/rest/v1/event/300/", 300),
        ("https://x.actionkit.com/rest/v1/eventsignup/464/", 464),
        ("/sandbox/actionkit/rest/v1/user/7", 7),
        (12, 12),
        ("12", 12),
        (None, None),
    ],
)
def test_id_from_uri(uri, expected):
    assert id_from_uri(uri) == expected
    assert ActionKitClient.id_from_uri(uri) == expected


def test_id_from_uri_refuses_what_is_not_a_uri():
    with pytest.raises(ValueError, match="not an ActionKit object URI"):
        id_from_uri("/cms/thanks/")


# --- lists ------------------------------------------------------------------------------------------------


@responses.activate
def test_list_follows_the_relative_next_and_skips_objects_repeated_across_pages(client):
    responses.get(f"{API}/user/", json=fixture("users_page_1.json"))
    responses.get(f"{API}/user/", json=fixture("users_page_2.json"))
    users = list(client.list("user", {"order_by": "id"}))
    assert [user["id"] for user in users] == [1, 2, 3, 4, 5]
    assert query(responses.calls[0]) == [("order_by", "id"), ("_limit", "100")]
    assert responses.calls[1].request.url == f"{API}/user/?_limit=3&_offset=3&order_by=id"


@responses.activate
def test_list_streams_one_page_at_a_time(client):
    responses.get(f"{API}/user/", json=fixture("users_page_1.json"))
    responses.get(f"{API}/user/", json=fixture("users_page_2.json"))
    users = client.list("user")
    assert next(users)["id"] == 1
    assert len(responses.calls) == 1
    list(users)
    assert len(responses.calls) == 2


@responses.activate
def test_list_asks_for_at_most_100_objects_per_request(client):
    responses.get(f"{API}/event/", json=page([]))
    list(client.list("event", {"_limit": 500, "campaign": 17}))
    list(client.list("event", [("_limit", 25), ("status", "active")]))
    assert query(responses.calls[0]) == [("campaign", "17"), ("_limit", "100")]
    assert query(responses.calls[1]) == [("status", "active"), ("_limit", "25")]


@responses.activate
def test_list_resolves_next_against_the_host_under_a_path_prefix():
    base = "http://127.0.0.1:8000/sandbox/actionkit"
    client = ActionKitClient(base, USERNAME, PASSWORD)
    next_path = "/sandbox/actionkit/rest/v1/user/?_limit=1&_offset=1"
    responses.get(f"{base}/rest/v1/user/", json=page([{"id": 1}], next_path))
    responses.get(f"{base}/rest/v1/user/", json=page([{"id": 2}]))
    assert [user["id"] for user in client.list("user")] == [1, 2]
    assert responses.calls[1].request.url == f"http://127.0.0.1:8000{next_path}"


@responses.activate
def test_list_refuses_a_next_to_another_host_or_a_page_already_fetched(client):
    responses.get(f"{API}/user/", json=page([{"id": 1}], "https://evil.example.com/rest/v1/user/?_offset=1"))
    with pytest.raises(MalformedResponseError, match="another host"):
        list(client.list("user"))
    responses.replace(responses.GET, f"{API}/user/", json=page([{"id": 1}], "/rest/v1/user/?_offset=1"))
    with pytest.raises(MalformedResponseError, match="already fetched"):
        list(client.list("user"))


@responses.activate
def test_a_malformed_list_body_is_retried_then_reported(client, backoff_sleeps):
    responses.get(f"{API}/user/", json={"data": []})
    with pytest.raises(MalformedResponseError, match=r"not its \{meta, objects\} list envelope"):
        list(client.list("user"))
    assert len(responses.calls) == 3


# --- get, create, patch, schema --------------------------------------------------------------------------


@responses.activate
def test_get_returns_the_object_and_a_missing_one_is_not_found(client):
    responses.get(f"{API}/event/300/", json=fixture("event.json"))
    responses.get(f"{API}/event/301/", status=404, body="")
    assert client.get("event", 300)["title"] == "My House Party"
    with pytest.raises(NotFoundError) as caught:
        client.get("event", 301)
    assert str(caught.value).startswith("ActionKit answered HTTP 404 to GET /rest/v1/event/301/: not found")


@responses.activate
def test_create_reads_the_id_from_location_when_the_body_is_empty(client):
    responses.post(f"{API}/user/", **created("user", 77))
    assert client.create_user({"email": "ada@example.com", "first_name": "Ada"}) == 77
    assert body(responses.calls[0]) == {"email": "ada@example.com", "first_name": "Ada"}


@responses.activate
def test_create_without_a_location_is_reported_and_not_retried(client):
    responses.post(f"{API}/user/", status=201, body="")
    with pytest.raises(MalformedResponseError, match="no Location of the new user"):
        client.create("user", {"email": "a@example.com"})
    assert len(responses.calls) == 1


@responses.activate
def test_a_redirected_write_is_not_followed(client):
    responses.post(f"{API}/user/", status=301, headers={"Location": f"{HOST}/login/"})
    with pytest.raises(ConnectorError, match=re.escape(f"redirected POST /rest/v1/user/ to {HOST}/login/")):
        client.create("user", {"email": "a@example.com"})
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize("status", [202, 204, 200])
def test_patch_accepts_actionkits_empty_answers(client, status):
    responses.patch(f"{API}/eventsignup/464/", status=status, body="")
    client.update_signup(464, {"status": "cancelled"})
    assert body(responses.calls[0]) == {"status": "cancelled"}


@responses.activate
def test_schema_lists_the_fields(client):
    responses.get(f"{API}/phone/schema/", json=fixture("phone_schema.json"))
    assert {"phone", "type", "source", "user"} <= set(client.schema("phone")["fields"])


# --- errors and retries ------------------------------------------------------------------------------------


@responses.activate
def test_the_errors_envelope_becomes_a_validation_error_with_actionkits_message(client):
    responses.post(f"{API}/action/", status=400, json=fixture("error_fields.json"))
    with pytest.raises(RemoteValidationError) as caught:
        client.act("house-parties_host", "host@example.com", {"event_title": "Party"})
    error = caught.value
    assert error.status == 400
    assert not error.retryable
    assert error.field_errors == {
        "event_starts_at": ["The event must start in the future."],
        "event_max_attendees": ["The maximum number of attendees is 200 for this campaign."],
    }
    assert str(error) == (
        "ActionKit answered HTTP 400 to POST /rest/v1/action/: ActionKit rejected the request: "
        "event_starts_at: The event must start in the future; "
        "event_max_attendees: The maximum number of attendees is 200 for this campaign."
    )
    assert len(responses.calls) == 1


@responses.activate
def test_an_errors_list_becomes_a_sentence(client):
    responses.post(f"{API}/user/", status=400, json=fixture("error_list.json"))
    with pytest.raises(RemoteValidationError, match=r"rejected the request: Invalid page: house-parties-host is not"):
        client.create_user({"email": "a@example.com"})


@responses.activate
def test_an_html_error_page_is_summarised(client, backoff_sleeps):
    html = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    responses.get(f"{API}/user/", status=502, body=html, content_type="text/html")
    with pytest.raises(ServerError) as caught:
        list(client.list("user"))
    assert "an HTML error page (502 Bad Gateway)" in str(caught.value)
    assert "<html>" not in str(caught.value)


@responses.activate
@pytest.mark.parametrize(("status", "wording"), [(401, "were refused"), (403, "may not do this")])
def test_401_and_403_say_to_check_the_api_user_and_password(client, status, wording):
    responses.get(f"{API}/campaign/17/", status=status, body="")
    with pytest.raises(AuthenticationError) as caught:
        client.get_campaign(17)
    message = str(caught.value)
    assert wording in message
    assert f"API user '{USERNAME}'" in message
    assert "password" in message
    assert PASSWORD not in message
    assert len(responses.calls) == 1  # never retried


@responses.activate
def test_429_is_retried_after_retry_after_then_succeeds(client, backoff_sleeps):
    responses.get(f"{API}/event/300/", status=429, headers={"Retry-After": "2"})
    responses.get(f"{API}/event/300/", json=fixture("event.json"))
    assert client.get_event(300)["id"] == 300
    assert backoff_sleeps == [2.0]
    assert client.stats.rate_limited_responses == 1


@responses.activate
def test_429_is_retried_even_for_a_post(client, backoff_sleeps):
    responses.post(f"{API}/action/", status=429)
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventsignup.json"))
    assert client.act("house-parties_attend", "a@example.com", {"event_id": 277}).signup_id == 464
    assert len(responses.calls) == 2


@responses.activate
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_a_500_is_retried_for_get_and_patch(client, backoff_sleeps, method):
    responses.add(method, f"{API}/event/300/", status=500, body="Internal Server Error", content_type="text/plain")
    responses.add(method, f"{API}/event/300/", status=200 if method == "GET" else 202, json=fixture("event.json"))
    if method == "GET":
        client.get_event(300)
    else:
        client.update_event(300, {"status": "cancelled"})
    assert len(responses.calls) == 2
    assert len(backoff_sleeps) == 1


@responses.activate
@pytest.mark.parametrize("resource", ["action", "eventfield"])
def test_a_500_is_not_retried_for_a_post(client, backoff_sleeps, resource):
    responses.post(f"{API}/{resource}/", status=500, body="Internal Server Error", content_type="text/plain")
    with pytest.raises(ServerError, match="failed on its side \\(Internal Server Error\\)"):
        if resource == "action":
            client.act("p", "a@example.com", {})
        else:
            client.create("eventfield", {"event": "/rest/v1/event/1/", "name": "n", "value": "v"})
    assert len(responses.calls) == 1
    assert backoff_sleeps == []


@responses.activate
def test_connection_errors_are_retried_then_raised_as_transport_errors(client, backoff_sleeps):
    responses.get(f"{API}/user/", body=requests.ConnectionError("connection reset by peer"))
    with pytest.raises(TransportError, match=re.escape(f"Could not connect to ActionKit at {HOST}")):
        client.find_user_by_email("ada@example.com")
    assert len(responses.calls) == 3


@responses.activate
def test_a_post_that_may_have_reached_the_server_is_not_resent(client, backoff_sleeps):
    responses.post(f"{API}/action/", body=requests.ConnectionError("connection reset by peer"))
    with pytest.raises(TransportError):
        client.act("p", "a@example.com", {})
    assert len(responses.calls) == 1


@responses.activate
def test_the_password_never_reaches_an_error_message_or_a_log_line(client, caplog, backoff_sleeps):
    caplog.set_level(logging.DEBUG)
    responses.get(f"{API}/user/", status=500, json={"errors": [f"bad password {PASSWORD} for {USERNAME}"]})
    responses.get(f"{API}/campaign/1/", status=401, body=f"denied: {PASSWORD}", content_type="text/plain")
    with pytest.raises(ServerError) as server:
        list(client.list("user"))
    with pytest.raises(AuthenticationError) as auth:
        client.get_campaign(1)
    for error in (server.value, auth.value):
        text = str(error) + "".join(traceback.format_exception(error))
        assert PASSWORD not in text
        assert "[redacted]" in str(error)
    assert PASSWORD not in caplog.text


@responses.activate
def test_a_rate_limited_error_is_typed_after_the_last_attempt(client, backoff_sleeps):
    responses.get(f"{API}/user/", status=429)
    with pytest.raises(RateLimitedError):
        list(client.list("user"))
    assert len(responses.calls) == 3


# --- users and phones --------------------------------------------------------------------------------------


@responses.activate
def test_find_user_by_email_encodes_a_plus_and_returns_the_user_or_none(client):
    user = {"id": 9, "email": "ada+events@example.com"}
    responses.get(f"{API}/user/", json=page([user]))
    responses.get(f"{API}/user/", json=page([]))
    assert client.find_user_by_email("ada+events@example.com") == user
    assert "email=ada%2Bevents%40example.com" in responses.calls[0].request.url
    assert client.find_user_by_email("nobody@example.com") is None
    assert client.find_user_by_email("  ") is None
    assert len(responses.calls) == 2


@responses.activate
def test_phones_are_listed_by_user_and_created_with_the_users_uri_and_type(client):
    responses.get(f"{API}/phone/", json=page([{"id": 3, "phone": "2025550100", "type": "mobile", "source": "x"}]))
    responses.post(f"{API}/phone/", **created("phone", 4))
    responses.patch(f"{API}/phone/3/", status=202)
    assert client.user_phones(9)[0]["id"] == 3
    assert query(responses.calls[0]) == [("user", "9"), ("order_by", "id"), ("_limit", "100")]
    assert client.create_phone(9, phone="+12025550100", type="home", source="mobilizeamerica_sync") == 4
    assert body(responses.calls[1]) == {
        "user": "/rest/v1/user/9/",
        "phone": "+12025550100",
        "type": "home",
        "source": "mobilizeamerica_sync",
    }
    client.update_phone(3, {"phone": "+12025550111", "type": "home"})
    assert body(responses.calls[2]) == {"phone": "+12025550111", "type": "home"}


# --- the action processor ------------------------------------------------------------------------------------


@responses.activate
def test_act_posts_page_email_and_fields_as_form_values_and_parses_the_answer(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventcreate.json"))
    result = client.act("house-parties-host", "host@example.com", {"event_is_private": False, "n": 3, "skip": None})
    assert body(responses.calls[0]) == {
        "page": "house-parties-host",
        "email": "host@example.com",
        "event_is_private": "0",
        "n": "3",
    }
    assert result == ActionResult(
        action_id=2662311,
        akid=".2082925._GkEBg",
        created_user=False,
        user_id=2082925,
        event_id=300,
        signup_id=None,
        type="EventCreate",
    )
    assert result.raw["resource_uri"] == "/rest/v1/eventcreateaction/2662311/"


@responses.activate
def test_an_unauthenticated_style_answer_gives_the_action_id_only(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_unauthenticated.json"), content_type="text/html")
    result = client.act("signup", "signup@example.com")
    assert (result.action_id, result.akid, result.created_user, result.user_id) == (21, ".3.jcWz_1", None, None)


@responses.activate
def test_an_action_answer_that_is_not_json_is_reported_and_not_retried(client):
    responses.post(f"{API}/action/", status=201, body="<html>Thanks!</html>", content_type="text/html")
    with pytest.raises(MalformedResponseError, match="may have been recorded"):
        client.act("p", "a@example.com")
    assert len(responses.calls) == 1


# --- events -----------------------------------------------------------------------------------------------------

EVENT = {
    "title": "Canvass",
    "venue": "Union Hall",
    "address1": "1 Main St",
    "address2": "",
    "city": "Oakland",
    "state": "CA",
    "zip": "94612",
    "country": "United States",
    "public_description": "Knock doors",
    "note_to_attendees": "Bring water",
    "is_private": False,
    "max_attendees": None,
    "status": "active",
    "starts_at_date": "04/01/2030",
    "starts_at_time": "08:00",
    "starts_at_ampm": "pm",
    "starts_at": "2030-04-01T20:00:00",
    "ends_at": "2030-04-01T22:00:00",
    "host_ground_rules": 1,
    "host_requirements": 1,
    "host_is_confirmed": 1,
}


@responses.activate
def test_create_event_via_page_sends_event_fields_and_custom_fields_then_sets_the_end(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventcreate.json"))
    responses.patch(f"{API}/event/300/", status=202)
    result = client.create_event_via_page(
        "house-parties-host",
        "mobilize-events@example.org",
        EVENT,
        fields={"mobilize_id": "42", "event_type": "Canvass", "accessibility_notes": None},
    )
    assert result.event_id == 300
    sent = body(responses.calls[0])
    assert sent == {
        "page": "house-parties-host",
        "email": "mobilize-events@example.org",
        "event_title": "Canvass",
        "event_venue": "Union Hall",
        "event_address1": "1 Main St",
        "event_address2": "",
        "event_city": "Oakland",
        "event_state": "CA",
        "event_zip": "94612",
        "event_postal": "94612",
        "event_country": "United States",
        "event_public_description": "Knock doors",
        "event_note_to_attendees": "Bring water",
        "event_is_private": "0",
        "event_host_is_confirmed": "1",
        "event_starts_at_date": "04/01/2030",
        "event_starts_at_time": "08:00",
        "event_starts_at_ampm": "pm",
        "event_host_ground_rules": "1",
        "event_host_requirements": "1",
        "action_mobilize_id": "42",
        "action_event_type": "Canvass",
        "suppress_subscribe": "1",
    }
    assert body(responses.calls[1]) == {"ends_at": "2030-04-01T22:00:00"}


@responses.activate
def test_create_event_via_page_derives_the_start_fields_and_applies_a_deleted_status(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventcreate.json"))
    responses.patch(f"{API}/event/300/", status=202)
    event = {"title": "T", "zip": "1", "starts_at": "2030-12-05T09:05:00", "status": "deleted"}
    client.create_event_via_page("p", "e@example.org", event)
    sent = body(responses.calls[0])
    assert (sent["event_starts_at_date"], sent["event_starts_at_time"], sent["event_starts_at_ampm"]) == (
        "12/05/2030",
        "09:05",
        "am",
    )
    assert body(responses.calls[1]) == {"status": "deleted"}


def test_start_fields_use_twelve_hour_time():
    assert start_fields("2030-04-01T00:30:00") == {
        "starts_at_date": "04/01/2030",
        "starts_at_time": "12:30",
        "starts_at_ampm": "am",
    }
    assert start_fields("2030-04-01T12:00:00")["starts_at_ampm"] == "pm"


@responses.activate
def test_create_event_via_page_needs_an_event_in_the_answer(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventsignup.json"))
    with pytest.raises(MalformedResponseError, match="names no event"):
        client.create_event_via_page("house-parties_attend", "e@example.org", {"title": "T"})


@responses.activate
def test_a_failed_follow_up_names_the_event_that_was_created(client, backoff_sleeps):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventcreate.json"))
    responses.patch(f"{API}/event/300/", status=400, json={"errors": {"ends_at": ["Bad date."]}})
    with pytest.raises(RemoteValidationError) as caught:
        client.create_event_via_page("p", "e@example.org", EVENT)
    assert str(caught.value).startswith("Event 300 was created, but setting ends_at failed: ActionKit answered")
    assert caught.value.created_event_id == 300


@responses.activate
def test_create_event_posts_native_names_with_campaign_and_creator_uris(client):
    responses.post(f"{API}/event/", **created("event", 301))
    assert client.create_event(17, 2082925, EVENT) == 301
    sent = body(responses.calls[0])
    assert sent["campaign"] == "/rest/v1/campaign/17/"
    assert sent["creator"] == "/rest/v1/user/2082925/"
    assert (sent["starts_at"], sent["ends_at"], sent["zip"], sent["postal"]) == (
        "2030-04-01T20:00:00",
        "2030-04-01T22:00:00",
        "94612",
        "94612",
    )
    assert sent["max_attendees"] is None
    assert sent["host_is_confirmed"] == 1
    assert not {"starts_at_date", "starts_at_time", "starts_at_ampm", "host_ground_rules"} & set(sent)


@responses.activate
def test_update_event_patches_only_event_resource_names(client):
    responses.patch(f"{API}/event/300/", status=202)
    client.update_event(300, {"starts_at_date": "04/02/2030", "starts_at_time": "07:15", "starts_at_ampm": "pm"})
    assert body(responses.calls[0]) == {"starts_at": "2030-04-02T19:15:00"}
    client.update_event(300, {"host_ground_rules": 1})
    assert len(responses.calls) == 1  # nothing to change: no request


@responses.activate
def test_event_fields_are_read_by_name_and_the_oldest_of_duplicates_wins(client, caplog):
    responses.get(f"{API}/eventfield/", json=fixture("eventfields.json"))
    fields = client.event_fields(300)
    assert query(responses.calls[0]) == [("event", "300"), ("order_by", "id"), ("_limit", "100")]
    assert fields == {
        "mobilize_id": {"id": 901, "value": "42"},
        "shift_is_full": {"id": 902, "value": "No"},
        "accessibility_notes": {"id": 903, "value": "Ramp at the side door"},
    }
    assert "more than one eventfield named 'mobilize_id'" in caplog.text


@responses.activate
def test_set_event_fields_patches_rows_that_exist_posts_new_ones_and_never_a_second_row(client):
    responses.get(f"{API}/eventfield/", json=fixture("eventfields.json"))
    responses.patch(f"{API}/eventfield/902/", status=202)
    responses.patch(f"{API}/eventfield/903/", status=202)
    responses.post(f"{API}/eventfield/", **created("eventfield", 950))
    ids = client.set_event_fields(
        300,
        {
            "mobilize_id": "42",  # unchanged: no request
            "shift_is_full": "Yes",  # changed: PATCH in place
            "accessibility_notes": None,  # None with a row: blanked
            "mobilize_timeslot": "[2030-04-01T20:00:00-07:00, 2030-04-01T22:00:00-07:00]",  # new: POST
            "event_campaign_slug": None,  # None without a row: nothing
        },
    )
    assert ids == {"mobilize_id": 901, "shift_is_full": 902, "accessibility_notes": 903, "mobilize_timeslot": 950}
    writes = [(call.request.method, urlsplit(call.request.url).path, body(call)) for call in responses.calls[1:]]
    assert writes == [
        ("PATCH", "/rest/v1/eventfield/902/", {"value": "Yes"}),
        ("PATCH", "/rest/v1/eventfield/903/", {"value": ""}),
        (
            "POST",
            "/rest/v1/eventfield/",
            {
                "event": "/rest/v1/event/300/",
                "name": "mobilize_timeslot",
                "value": "[2030-04-01T20:00:00-07:00, 2030-04-01T22:00:00-07:00]",
            },
        ),
    ]


@responses.activate
def test_set_event_fields_uses_and_updates_the_rows_it_is_given(client):
    responses.post(f"{API}/eventfield/", **created("eventfield", 950))
    existing: dict = {}
    client.set_event_fields(300, {"mobilize_id": "42"}, existing)
    client.set_event_fields(300, {"mobilize_id": "42"}, existing)
    assert existing == {"mobilize_id": {"id": 950, "value": "42"}}
    assert len(responses.calls) == 1  # no lookup, one POST, then nothing


@responses.activate
def test_find_events_by_field_uses_the_campaigns_event_search(client):
    responses.get(f"{API}/campaign/17/event_search/", json=page([fixture("event.json")]))
    events = client.find_events_by_field(17, "mobilize_id", "42")
    assert [event["id"] for event in events] == [300]
    assert query(responses.calls[0]) == [
        ("filter[field__name]", "mobilize_id"),
        ("filter[field__value]", "42"),
        ("order_by", "id"),
        ("_limit", "100"),
    ]


# --- signups -----------------------------------------------------------------------------------------------------


@responses.activate
def test_signup_via_page_sends_the_signup_fields_and_returns_the_signup(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventsignup.json"))
    user = {"first_name": "Ada", "last_name": "Lovelace", "zip": "94110"}
    result = client.signup_via_page("house-parties_attend", "ada@example.com", 277, user=user, source="email")
    assert result.signup_id == 464
    assert body(responses.calls[0]) == {
        "page": "house-parties_attend",
        "email": "ada@example.com",
        "event_id": "277",
        "event_signup_ground_rules": "1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "zip": "94110",
        "source": "email",
        "suppress_subscribe": "1",
    }
    client.signup_via_page("p", "ada@example.com", 277, user={}, akid=".9.x", extra={"action_utm": "a"})
    sent = body(responses.calls[1])
    assert (sent["akid"], sent["action_utm"]) == (".9.x", "a")
    assert "source" not in sent


@responses.activate
def test_signup_via_page_says_suppress_subscribe_unless_asked_to_subscribe(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventsignup.json"))
    client.signup_via_page("house-parties_attend", "ada@example.com", 277, user={})
    client.signup_via_page("house-parties_attend", "ada@example.com", 277, user={}, subscribe=False)
    client.signup_via_page("house-parties_attend", "ada@example.com", 277, user={}, subscribe=True)
    first, off, on = (body(call) for call in responses.calls)
    assert first["suppress_subscribe"] == off["suppress_subscribe"] == "1", "suppressed by default"
    assert "suppress_subscribe" not in on, "subscribing is ActionKit's default: nothing is sent"


@responses.activate
def test_create_event_via_page_always_says_suppress_subscribe(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventcreate.json"))
    client.create_event_via_page("house-parties-host", "mobilize-events@example.org", {"title": "T", "zip": "1"})
    assert body(responses.calls[0])["suppress_subscribe"] == "1"


@responses.activate
def test_signup_via_page_needs_a_signup_in_the_answer(client):
    responses.post(f"{API}/action/", status=201, json=fixture("action_eventcreate.json"))
    with pytest.raises(MalformedResponseError, match="names no signup"):
        client.signup_via_page("house-parties-host", "a@example.com", 1, user={})


@responses.activate
def test_find_signup_filters_by_user_event_and_attendee_role(client):
    responses.get(f"{API}/eventsignup/", json=page([{"id": 464, "role": "attendee"}]))
    responses.get(f"{API}/eventsignup/", json=page([]))
    assert client.find_signup(748090, 277)["id"] == 464
    assert query(responses.calls[0]) == [
        ("user", "748090"),
        ("event", "277"),
        ("order_by", "id"),
        ("role", "attendee"),
        ("_limit", "100"),
    ]
    assert client.find_signup(1, 2, role=None) is None
    assert ("role", "attendee") not in query(responses.calls[1])


@responses.activate
def test_signup_fields_live_in_eventsignupfield_rows_of_the_signup(client):
    rows = [{"id": 5, "parent": "/rest/v1/eventsignup/464/", "name": "utm_source", "value": "email"}]
    responses.get(f"{API}/eventsignupfield/", json=page(rows))
    responses.post(f"{API}/eventsignupfield/", **created("eventsignupfield", 6))
    responses.patch(f"{API}/eventsignupfield/5/", status=202)
    assert client.signup_fields(464) == {"utm_source": {"id": 5, "value": "email"}}
    assert query(responses.calls[0])[0] == ("parent", "464")
    ids = client.set_signup_fields(464, {"utm_source": "sms", "mobilize_attendance_status": "REGISTERED"})
    assert ids == {"utm_source": 5, "mobilize_attendance_status": 6}
    assert body(responses.calls[2]) == {"value": "sms"}
    assert body(responses.calls[3]) == {
        "parent": "/rest/v1/eventsignup/464/",
        "name": "mobilize_attendance_status",
        "value": "REGISTERED",
    }


# --- setup checks -------------------------------------------------------------------------------------------------


@responses.activate
def test_get_campaign_names_a_missing_campaign(client):
    responses.get(f"{API}/campaign/18/", status=404, body="")
    with pytest.raises(NotFoundError, match="has no event campaign with id 18: check the campaign id"):
        client.get_campaign(18)


@responses.activate
def test_find_page_matches_the_short_name_exactly(client):
    responses.get(f"{API}/eventcreatepage/", json=fixture("eventcreatepages.json"))
    assert client.find_page("eventcreatepage", "house-parties_host")["id"] == 34848
    assert query(responses.calls[0]) == [("name", "house-parties_host"), ("_limit", "10")]
    assert client.find_page("eventcreatepage", "house-parties") is None
    with pytest.raises(ValueError, match="not an event page kind"):
        client.find_page("petitionpage", "x")


@responses.activate
def test_test_connection_says_what_it_checked(client):
    responses.get(f"{API}/campaign/17/", json=fixture("campaign.json"))
    responses.get(f"{API}/eventcreatepage/", json=fixture("eventcreatepages.json"))
    responses.get(f"{API}/eventsignuppage/", json=fixture("eventsignuppages.json"))
    checked = client.test_connection(17, "house-parties_host", "house-parties_attend")
    assert checked == [
        f"Signed in to ActionKit at {HOST} as API user 'sync-bot'.",
        "Event campaign 17 exists: 'House Parties' (house-parties).",
        "The event create (host) page 'house-parties_host' exists in campaign 17.",
        "The signup page 'house-parties_attend' exists in campaign 17.",
    ]


@responses.activate
def test_test_connection_refuses_a_missing_page_or_one_of_another_campaign(client):
    responses.get(f"{API}/campaign/17/", json=fixture("campaign.json"))
    responses.get(f"{API}/campaign/18/", json={**fixture("campaign.json"), "id": 18})
    responses.get(f"{API}/eventcreatepage/", json=fixture("eventcreatepages.json"))
    responses.get(f"{API}/eventsignuppage/", json=page([]))
    with pytest.raises(NotFoundError, match="no signup page with the short name 'typo_attend'"):
        client.test_connection(17, "house-parties_host", "typo_attend")
    with pytest.raises(ActionKitSetupError, match="belongs to campaign 17, not to campaign 18"):
        client.test_connection(18, "house-parties_host")


@responses.activate
def test_test_connection_with_a_wrong_password_is_an_authentication_error(client):
    responses.get(f"{API}/campaign/17/", status=401, body="")
    with pytest.raises(AuthenticationError, match="Check the username and password"):
        client.test_connection(17, "house-parties_host")
