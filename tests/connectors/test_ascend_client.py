"""The Ascend client and adapter against `responses`: auth, each operation's path and body, paging,
errors, retries (idempotent POSTs included), secrecy."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from integrations.connectors.ascend import (
    AscendAdapter,
    AscendClient,
    ConflictError,
    MemberNotFound,
    MemberUnsubscribed,
)
from integrations.connectors.errors import (
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    ServerError,
)

HOST = "https://ascend.example.org"
BASE = f"{HOST}/api"  # a base URL with a path, like the sandbox's /sandbox/ascend
API_KEY = "ascend-key-9f8e7d-do-not-log"
PHONE = "+12155550101"
ENCODED = "%2B12155550101"
MEMBER_URL = f"{BASE}/v1/members/{ENCODED}"
MEMBER = {
    "phone": PHONE,
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "zip": "19104",
    "custom_fields": {"mobilize_event": "Canvass"},
    "subscription_status": "subscribed",
    "opt_in": None,
    "groups": [],
    "created_at": "2026-12-02T10:00:00Z",
    "updated_at": "2026-12-02T10:00:00Z",
}
GROUP = {"id": "g_1", "name": "Canvass Dec 5", "kind": "event", "external_id": "mobilize-event-90", "member_count": 0}


def error(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    """Ascend's error envelope."""
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def listing(data: list[dict], next_cursor: str | None = None) -> dict:
    return {"data": data, "next_cursor": next_cursor}


def query(call) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True))


def body(call) -> dict:
    return json.loads(call.request.body)


def calls_to(path: str) -> list:
    return [call for call in responses.calls if urlsplit(call.request.url).path == path]


@pytest.fixture
def client(recording_limiter) -> AscendClient:
    return AscendClient(BASE, API_KEY, max_attempts=3, limiter=recording_limiter)


@pytest.fixture
def adapter(client) -> AscendAdapter:
    return AscendAdapter(client)


# --- construction and auth ---------------------------------------------------------------------------


@responses.activate
def test_reads_rates_from_settings_and_sends_the_bearer_on_every_request(settings, recording_limiter):
    settings.ASCEND_READ_RATE = "7/second"
    settings.ASCEND_WRITE_RATE = "3/second"
    client = AscendClient(BASE, API_KEY, limiter=recording_limiter)
    assert (client.system, client.read_rate, client.write_rate) == ("Ascend", "7/second", "3/second")
    responses.get(f"{BASE}/v1/account", json={"id": "acc_1", "name": "Demo Ascend"})
    responses.put(MEMBER_URL, json=MEMBER)
    client.account()
    client.put_member(PHONE, fields={}, custom_fields={}, create=False)
    assert recording_limiter.calls == [
        ("Ascend:https://ascend.example.org:read", "7/second"),
        ("Ascend:https://ascend.example.org:write", "3/second"),
    ]
    assert [call.request.headers["Authorization"] for call in responses.calls] == [f"Bearer {API_KEY}"] * 2
    assert responses.calls[1].request.headers["Content-Type"] == "application/json"


def test_construction_checks_its_arguments():
    with pytest.raises(ValueError, match="address is required"):
        AscendClient(" ", API_KEY)
    with pytest.raises(ValueError, match="1 to 200"):
        AscendClient(BASE, API_KEY, page_size=201)


def test_a_missing_api_key_is_refused_before_any_request(recording_limiter):
    client = AscendClient(BASE, "  ", limiter=recording_limiter)
    with pytest.raises(AuthenticationError, match="needs an API key"):
        client.account()
    assert recording_limiter.calls == []


def test_phones_must_be_e164_before_anything_is_sent(client, recording_limiter):
    for phone in ("2155550101", "+1 215 555 0101", "+0215", "", None):
        with pytest.raises(ValueError, match=r"E\.164"):
            client.get_member(phone)
    assert recording_limiter.calls == []


# --- members ------------------------------------------------------------------------------------------


@responses.activate
def test_read_member_gets_the_url_encoded_phone(adapter):
    responses.get(MEMBER_URL, json=MEMBER)
    assert adapter.read_member(PHONE) == MEMBER
    (call,) = responses.calls
    assert call.request.method == "GET"
    assert call.request.url == MEMBER_URL  # the + is %2B, under the base URL's path


@responses.activate
def test_read_member_is_none_on_404(adapter):
    responses.get(MEMBER_URL, status=404, json=error("not_found", f"No member with phone {PHONE}."))
    assert adapter.read_member(PHONE) is None
    assert len(responses.calls) == 1


@responses.activate
def test_upsert_member_puts_exactly_the_fields_given_and_says_whether_it_created(adapter):
    responses.put(MEMBER_URL, status=201, json=MEMBER)
    responses.put(MEMBER_URL, status=200, json={**MEMBER, "zip": "19103"})
    member, created = adapter.upsert_member(
        PHONE,
        {"first_name": "Ada", "email": "ada@example.com"},
        {"mobilize_event": "Canvass"},
        create=True,
        opt_in_at="2026-12-02T10:00:00Z",
    )
    assert (member["phone"], created) == (PHONE, True)
    member, created = adapter.upsert_member(PHONE, {"zip": "19103"}, {}, create=False)
    assert (member["zip"], created) == ("19103", False)
    first, second = responses.calls
    assert (first.request.method, first.request.url) == ("PUT", MEMBER_URL)
    assert body(first) == {
        "fields": {"first_name": "Ada", "email": "ada@example.com"},
        "custom_fields": {"mobilize_event": "Canvass"},
        "create": True,
        "opt_in": {"source": "mobilize", "at": "2026-12-02T10:00:00Z"},
    }
    assert body(second) == {"fields": {"zip": "19103"}, "custom_fields": {}, "create": False}  # no opt_in


@responses.activate
def test_upsert_of_a_missing_member_without_create_is_member_not_found(adapter):
    responses.put(MEMBER_URL, status=404, json=error("not_found", f"No member with phone {PHONE}."))
    with pytest.raises(MemberNotFound) as caught:
        adapter.upsert_member(PHONE, {"zip": "19103"}, {}, create=False)
    assert isinstance(caught.value, NotFoundError)
    assert str(caught.value) == f"Ascend has no member with phone {PHONE} and this update may not create one."
    assert len(responses.calls) == 1


@responses.activate
def test_upsert_of_an_unsubscribed_member_is_member_unsubscribed_and_not_retried(adapter, backoff_sleeps):
    responses.put(MEMBER_URL, status=422, json=error("unsubscribed", f"Member {PHONE} is unsubscribed."))
    with pytest.raises(MemberUnsubscribed) as caught:
        adapter.upsert_member(PHONE, {"zip": "19103"}, {}, create=True)
    assert caught.value.retryable is False
    assert caught.value.status == 422
    assert str(caught.value) == (
        f"Ascend answered HTTP 422 to PUT /api/v1/members/{ENCODED}: the member is unsubscribed and Ascend will "
        f"not change or message them (Member {PHONE} is unsubscribed.)."
    )
    assert len(responses.calls) == 1
    assert backoff_sleeps == []


@responses.activate
def test_another_422_is_a_plain_validation_error(client):
    responses.put(MEMBER_URL, status=422, json=error("invalid_state", "Something else."))
    with pytest.raises(RemoteValidationError) as caught:
        client.put_member(PHONE, fields={}, custom_fields={}, create=True)
    assert not isinstance(caught.value, MemberUnsubscribed)


# --- groups ---------------------------------------------------------------------------------------------


@responses.activate
def test_ensure_group_creates_an_event_group(adapter):
    responses.post(f"{BASE}/v1/groups", status=201, json=GROUP)
    assert adapter.ensure_group("Canvass Dec 5", "mobilize-event-90") == GROUP
    (call,) = responses.calls
    assert (call.request.method, urlsplit(call.request.url).path) == ("POST", "/api/v1/groups")
    assert body(call) == {"name": "Canvass Dec 5", "kind": "event", "external_id": "mobilize-event-90"}


@responses.activate
def test_ensure_group_on_409_returns_the_existing_group(adapter):
    existing = {**GROUP, "member_count": 12}
    responses.post(
        f"{BASE}/v1/groups",
        status=409,
        json=error("conflict", "A group with external_id mobilize-event-90 exists.", existing=existing),
    )
    assert adapter.ensure_group("Canvass Dec 5", "mobilize-event-90") == existing
    assert len(responses.calls) == 1


@responses.activate
def test_ensure_group_on_409_without_the_group_looks_it_up_by_external_id(adapter):
    responses.post(f"{BASE}/v1/groups", status=409, json=error("conflict", "Exists."))
    responses.get(f"{BASE}/v1/groups", json=listing([GROUP]))
    assert adapter.ensure_group("Canvass Dec 5", "mobilize-event-90") == GROUP
    assert query(calls_to("/api/v1/groups")[1]) == {"external_id": "mobilize-event-90", "limit": "200"}


@responses.activate
def test_a_plain_create_post_is_not_retried_after_a_500_but_an_interrupted_create_is_found(adapter, backoff_sleeps):
    responses.post(f"{BASE}/v1/groups", status=500, json=error("internal", "Oops."))
    responses.get(f"{BASE}/v1/groups", json=listing([GROUP]))
    assert adapter.ensure_group("Canvass Dec 5", "mobilize-event-90") == GROUP
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]
    assert backoff_sleeps == []


@responses.activate
def test_a_create_that_failed_and_did_not_land_raises_the_server_error(adapter):
    responses.post(f"{BASE}/v1/groups", status=503, json=error("unavailable", "Try later."))
    responses.get(f"{BASE}/v1/groups", json=listing([]))
    with pytest.raises(ServerError):
        adapter.ensure_group("Canvass Dec 5", "mobilize-event-90")
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]


@responses.activate
def test_create_group_raises_a_conflict_carrying_the_existing_group(client):
    responses.post(f"{BASE}/v1/groups", status=409, json=error("conflict", "Exists.", existing=GROUP))
    with pytest.raises(ConflictError) as caught:
        client.create_group("Canvass Dec 5", "mobilize-event-90")
    assert caught.value.existing == GROUP
    assert caught.value.status == 409


@responses.activate
def test_add_to_group_posts_each_phone_once(adapter):
    responses.post(f"{BASE}/v1/groups/g_1/members", json={"added": 2, "already": 0})
    assert adapter.add_to_group("g_1", [PHONE, "+12155550102", PHONE]) is None
    (call,) = responses.calls
    assert body(call) == {"phones": [PHONE, "+12155550102"]}
    adapter.add_to_group("g_1", [])
    assert len(responses.calls) == 1  # nothing to add: no request


@responses.activate
def test_add_to_group_sends_big_lists_in_chunks_and_is_retried_as_idempotent(adapter, backoff_sleeps):
    phones = [f"+1215555{n:04d}" for n in range(450)]
    responses.post(f"{BASE}/v1/groups/g_1/members", status=502, body="Bad gateway")
    responses.post(f"{BASE}/v1/groups/g_1/members", json={"added": 200, "already": 0})
    adapter.add_to_group("g_1", phones)
    sent = [body(call)["phones"] for call in responses.calls]
    assert [len(chunk) for chunk in sent] == [200, 200, 200, 50]  # the first chunk twice: a 502, then a retry
    assert sent[0] == sent[1] == phones[:200]
    assert sent[2] + sent[3] == phones[200:]
    assert len(backoff_sleeps) == 1


@responses.activate
def test_an_unknown_phone_in_add_to_group_is_a_400_with_the_fields(adapter):
    responses.post(
        f"{BASE}/v1/groups/g_1/members",
        status=400,
        json=error("invalid", "Some phones are not members.", {"phones": ["+12155550199 is not a member."]}),
    )
    with pytest.raises(RemoteValidationError) as caught:
        adapter.add_to_group("g_1", ["+12155550199"])
    assert caught.value.field_errors == {"phones": ["+12155550199 is not a member."]}
    assert str(caught.value) == (
        "Ascend answered HTTP 400 to POST /api/v1/groups/g_1/members: Ascend rejected the request: "
        "Some phones are not members. phones: +12155550199 is not a member."
    )
    assert len(responses.calls) == 1


# --- flow starts and messages ------------------------------------------------------------------------------


@responses.activate
def test_start_flow_posts_phone_key_and_context(adapter):
    start = {"id": "fs_1", "flow_id": "f_9", "phone": PHONE, "idempotency_key": "k-1", "context": {"event": "90"}}
    responses.post(f"{BASE}/v1/flows/f_9/starts", status=201, json=start)
    assert adapter.start_flow("f_9", PHONE, "k-1", {"event": "90"}) == start
    (call,) = responses.calls
    assert (call.request.method, urlsplit(call.request.url).path) == ("POST", "/api/v1/flows/f_9/starts")
    assert body(call) == {"phone": PHONE, "idempotency_key": "k-1", "context": {"event": "90"}}


@responses.activate
def test_an_idempotent_start_is_retried_after_a_500_with_the_same_key(adapter, backoff_sleeps):
    start = {"id": "fs_1", "flow_id": "f_9", "phone": PHONE, "idempotency_key": "k-1", "context": {}}
    responses.post(f"{BASE}/v1/flows/f_9/starts", status=500, json=error("internal", "Oops."))
    responses.post(f"{BASE}/v1/flows/f_9/starts", status=200, json=start)
    assert adapter.start_flow("f_9", PHONE, "k-1", {}) == start
    assert [body(call)["idempotency_key"] for call in responses.calls] == ["k-1", "k-1"]
    assert len(backoff_sleeps) == 1


@responses.activate
def test_a_start_for_an_unsubscribed_member_is_member_unsubscribed(adapter, backoff_sleeps):
    responses.post(f"{BASE}/v1/flows/f_9/starts", status=422, json=error("unsubscribed", "Unsubscribed."))
    with pytest.raises(MemberUnsubscribed):
        adapter.start_flow("f_9", PHONE, "k-1", {})
    assert len(responses.calls) == 1
    assert backoff_sleeps == []


def test_starts_and_messages_need_an_idempotency_key(adapter):
    with pytest.raises(ValueError, match="idempotency_key"):
        adapter.start_flow("f_9", PHONE, " ", {})
    with pytest.raises(ValueError, match="idempotency_key"):
        adapter.send_message(PHONE, "Hi", "")


@responses.activate
def test_send_message_posts_and_is_retried_after_a_503_like_a_start(adapter, backoff_sleeps):
    message = {"id": "m_1", "phone": PHONE, "body": "See you Saturday!", "idempotency_key": "k-2"}
    responses.post(f"{BASE}/v1/messages", status=503, body="")
    responses.post(f"{BASE}/v1/messages", status=201, json=message)
    assert adapter.send_message(PHONE, "See you Saturday!", "k-2") == message
    assert [body(call) for call in responses.calls] == [
        {"phone": PHONE, "body": "See you Saturday!", "idempotency_key": "k-2"}
    ] * 2


@responses.activate
def test_a_write_answered_without_its_object_is_malformed_and_not_retried(adapter):
    responses.post(f"{BASE}/v1/messages", status=201, json={"ok": True})
    with pytest.raises(MalformedResponseError, match="without `id`") as caught:
        adapter.send_message(PHONE, "Hi", "k-3")
    assert caught.value.retryable is False
    assert len(responses.calls) == 1


# --- lists ------------------------------------------------------------------------------------------------------


@responses.activate
def test_flows_page_by_next_cursor_lazily(client):
    client.page_size = 2
    responses.get(f"{BASE}/v1/flows", json=listing([{"id": "f_1"}, {"id": "f_2"}], "c2"))
    responses.get(f"{BASE}/v1/flows", json=listing([{"id": "f_3"}, {"id": "f_4"}], "c3"))
    responses.get(f"{BASE}/v1/flows", json=listing([{"id": "f_5"}]))
    flows = client.flows()
    assert len(responses.calls) == 0  # nothing is fetched before the first record is asked for
    assert [next(flows)["id"], next(flows)["id"]] == ["f_1", "f_2"]
    assert len(responses.calls) == 1  # page 2 waits until page 1 is consumed
    assert next(flows)["id"] == "f_3"
    assert len(responses.calls) == 2
    assert [flow["id"] for flow in flows] == ["f_4", "f_5"]
    assert [query(call) for call in responses.calls] == [
        {"limit": "2"},
        {"limit": "2", "cursor": "c2"},
        {"limit": "2", "cursor": "c3"},
    ]


@responses.activate
def test_adapter_flows_is_a_list_and_groups_stream(adapter, client):
    responses.get(f"{BASE}/v1/flows", json=listing([{"id": "f_1", "name": "Welcome"}]))
    responses.get(f"{BASE}/v1/groups", json=listing([GROUP]))
    assert adapter.flows() == [{"id": "f_1", "name": "Welcome"}]
    assert list(client.groups()) == [GROUP]


@responses.activate
def test_a_cursor_answered_twice_stops_instead_of_looping(client):
    responses.get(f"{BASE}/v1/flows", json=listing([{"id": "f_1"}], "c2"))
    responses.get(f"{BASE}/v1/flows", json=listing([{"id": "f_2"}], "c2"))
    with pytest.raises(MalformedResponseError, match="already followed; stopping instead of looping"):
        list(client.flows())
    assert len(responses.calls) == 2


@responses.activate
@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        ({"next_cursor": None}, "`data` as null where a list was expected"),
        ({"data": {"id": "f_1"}, "next_cursor": None}, "`data` as an object where a list was expected"),
        ({"data": ["f_1"], "next_cursor": None}, "`data` items that are not all objects"),
        ({"data": [], "next_cursor": 2}, "`next_cursor` as a number where a string or null was expected"),
        ([{"id": "f_1"}], "a list instead of its {data, next_cursor} envelope"),
    ],
)
def test_a_malformed_list_envelope_is_retried_then_reported(client, backoff_sleeps, answer, complaint):
    responses.get(f"{BASE}/v1/flows", json=answer)
    with pytest.raises(MalformedResponseError) as caught:
        list(client.flows())
    assert str(caught.value) == f"Ascend answered GET /v1/flows with {complaint}."
    assert len(responses.calls) == 3


# --- errors and retries --------------------------------------------------------------------------------------


@responses.activate
def test_429_with_retry_after_is_retried(client, backoff_sleeps):
    responses.get(MEMBER_URL, status=429, headers={"Retry-After": "2"}, json=error("rate_limited", "Slow down."))
    responses.get(MEMBER_URL, json=MEMBER)
    assert client.get_member(PHONE) == MEMBER
    assert backoff_sleeps == [2.0]
    assert client.stats.rate_limited_responses == 1


@responses.activate
def test_429_on_a_plain_create_is_retried_too(client, backoff_sleeps):
    responses.post(f"{BASE}/v1/groups", status=429, headers={"Retry-After": "1"})
    responses.post(f"{BASE}/v1/groups", status=201, json=GROUP)
    assert client.create_group("Canvass Dec 5", "mobilize-event-90") == GROUP
    assert backoff_sleeps == [1.0]


@responses.activate
def test_a_5xx_on_a_get_is_retried_until_max_attempts(client, backoff_sleeps):
    responses.get(MEMBER_URL, status=502, body="Bad gateway")
    responses.get(MEMBER_URL, json=MEMBER)
    assert client.get_member(PHONE) == MEMBER
    assert len(backoff_sleeps) == 1
    responses.get(f"{BASE}/v1/account", status=500, json=error("internal", "Database unavailable."))
    with pytest.raises(ServerError) as caught:
        client.account()
    assert str(caught.value) == "Ascend answered HTTP 500 to GET /api/v1/account: Database unavailable."
    assert len(calls_to("/api/v1/account")) == 3


@responses.activate
def test_retries_give_up_after_max_attempts_on_429(client, backoff_sleeps):
    responses.get(f"{BASE}/v1/flows", status=429)
    with pytest.raises(RateLimitedError):
        list(client.flows())
    assert len(responses.calls) == 3


@responses.activate
def test_a_refused_key_is_an_authentication_error_not_retried(client, backoff_sleeps):
    responses.get(f"{BASE}/v1/account", status=401, json=error("unauthorized", "Unknown API key."))
    with pytest.raises(AuthenticationError) as caught:
        client.account()
    assert str(caught.value) == (
        "Ascend answered HTTP 401 to GET /api/v1/account: the API key was refused (Unknown API key.). "
        "Check the Ascend API key of this integration."
    )
    assert len(responses.calls) == 1
    assert backoff_sleeps == []


@responses.activate
def test_an_html_error_page_becomes_a_short_line(client):
    responses.get(MEMBER_URL, status=400, body="<html><body>Bad</body></html>", content_type="text/html")
    with pytest.raises(RemoteValidationError, match=r"an HTML error page \(Bad Request\)"):
        client.get_member(PHONE)


# --- test connection and secrecy -------------------------------------------------------------------------------


@responses.activate
def test_test_connection_names_the_account_and_its_flows(adapter):
    responses.get(f"{BASE}/v1/account", json={"id": "acc_1", "name": "Demo Ascend"})
    responses.get(f"{BASE}/v1/flows", json=listing([{"id": "f_1", "name": "Welcome"}, {"id": "f_2", "name": "RSVP"}]))
    assert adapter.test_connection() == [
        "Ascend: the API key works for account Demo Ascend.",
        "Ascend: 2 flows: Welcome, RSVP.",
    ]


@responses.activate
def test_test_connection_with_no_flows_says_what_to_do(adapter):
    responses.get(f"{BASE}/v1/account", json={"id": "acc_1", "name": "Demo Ascend"})
    responses.get(f"{BASE}/v1/flows", json=listing([]))
    assert adapter.test_connection()[1] == "Ascend: 0 flows: create one in Ascend to start it from Mobilize events."


def test_no_secret_in_repr_or_vars(client, adapter):
    assert repr(client) == "<AscendClient https://ascend.example.org/api/>"
    assert repr(adapter) == "<AscendAdapter <AscendClient https://ascend.example.org/api/>>"
    for shown in (repr(client), repr(adapter), repr(vars(client)), str(vars(client))):
        assert API_KEY not in shown


@responses.activate
def test_no_secret_reaches_a_log_record_or_an_error(client, adapter, caplog, backoff_sleeps):
    responses.get(f"{BASE}/v1/account", status=503, json=error("unavailable", f"Key {API_KEY} is throttled."))
    responses.get(f"{BASE}/v1/account", json={"id": "acc_1", "name": "Demo Ascend"})
    responses.get(f"{BASE}/v1/flows", json=listing([]))
    responses.put(
        MEMBER_URL,
        status=400,
        json=error("invalid", f"Bad request from {API_KEY}.", {"email": [f"{API_KEY} is not an email"]}),
    )
    responses.get(f"{BASE}/v1/groups", status=401, body=f"key {API_KEY} unknown", content_type="text/plain")
    with caplog.at_level(logging.DEBUG):
        adapter.test_connection()
        with pytest.raises(RemoteValidationError) as invalid:
            adapter.upsert_member(PHONE, {"email": "x"}, {}, create=True)
        with pytest.raises(AuthenticationError) as refused:
            list(client.groups())
    assert invalid.value.field_errors == {"email": ["[redacted] is not an email"]}
    assert str(invalid.value).endswith("Bad request from [redacted]. email: [redacted] is not an email.")
    assert "key [redacted] unknown" in str(refused.value)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "retrying after attempt 1" in logged  # the records were written
    for text in (logged, str(invalid.value), str(refused.value)):
        assert API_KEY not in text
