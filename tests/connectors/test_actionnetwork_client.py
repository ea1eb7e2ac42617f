"""The Action Network client against `responses`: the token header, HAL paging that stops on the
first empty page, OData filters, the signup helper, PUT, errors, retries (the signup's included),
secrecy, ids and dates."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from integrations.connectors.actionnetwork import ActionNetworkClient
from integrations.connectors.errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    ServerError,
)

HOST = "https://actionnetwork.org"
BASE = f"{HOST}/api/v2"
PEOPLE = f"{BASE}/people"
SIGNUP = f"{BASE}/people/"
TOKEN = "an-osdi-token-5e4d3c-do-not-log"
UUID = "d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3"
PERSON_URL = f"{PEOPLE}/{UUID}"


def person(uuid: str = UUID, **fields) -> dict:
    """An Action Network person as the contract shows it."""
    return {
        "identifiers": [f"action_network:{uuid}"],
        "given_name": "Jo",
        "family_name": "Doe",
        "email_addresses": [{"address": "jo@example.com", "primary": True, "status": "subscribed"}],
        "phone_numbers": [{"number": "12025550123", "number_type": "Mobile", "status": "subscribed", "primary": True}],
        "custom_fields": {"mobile_opt_in": "true"},
        "created_date": "2026-11-30T14:03:11Z",
        "modified_date": "2026-12-01T09:00:00Z",
        "_links": {"self": {"href": f"{PEOPLE}/{uuid}"}},
        **fields,
    }


def page(people: list[dict], number: int = 1, per_page: int = 25) -> dict:
    """A HAL page of people; `next` is there on every page, the last and empty ones included."""
    return {
        "page": number,
        "per_page": per_page,
        "_links": {
            "self": {"href": f"{PEOPLE}?page={number}"},
            "next": {"href": f"{PEOPLE}?page={number + 1}"},
            "osdi:people": [{"href": f"{PEOPLE}/{p['identifiers'][0].split(':')[1]}"} for p in people],
        },
        "_embedded": {"osdi:people": people},
    }


def query(call) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True))


def body(call) -> dict:
    return json.loads(call.request.body)


def uuids(people) -> list[str]:
    return [ActionNetworkClient.person_id(p) for p in people]


@pytest.fixture
def client(recording_limiter) -> ActionNetworkClient:
    return ActionNetworkClient(BASE, TOKEN, max_attempts=3, limiter=recording_limiter)


# --- construction, auth and the rate ---------------------------------------------------------------


@responses.activate
def test_sends_the_token_header_and_json_and_shares_one_window_per_token(settings, recording_limiter):
    settings.ACTIONNETWORK_RATE = "7/second"
    client = ActionNetworkClient(BASE, TOKEN, limiter=recording_limiter)
    assert (client.system, client.read_rate, client.write_rate) == ("actionnetwork", "7/second", "7/second")
    responses.get(PEOPLE, json=page([]))
    responses.post(SIGNUP, status=201, json=person())
    list(client.iter_people())
    client.signup({"email_addresses": [{"address": "jo@example.com"}]})
    digest = hashlib.sha256(TOKEN.encode()).hexdigest()[:16]
    key = f"actionnetwork:https://actionnetwork.org:token-{digest}"
    # Reads and writes take slots of the same window: Action Network's 4/s counts both.
    assert recording_limiter.calls == [(key, "7/second"), (key, "7/second")]
    assert TOKEN not in key
    assert [call.request.headers["OSDI-API-Token"] for call in responses.calls] == [TOKEN, TOKEN]
    assert responses.calls[1].request.headers["Content-Type"] == "application/json"
    other = ActionNetworkClient(BASE, "another-groups-token", limiter=recording_limiter)
    assert other.rate_limit("GET")[0] != key  # another group's token: its own window


def test_construction_checks_its_arguments(recording_limiter):
    with pytest.raises(ValueError, match="address is required"):
        ActionNetworkClient("  ", TOKEN)
    client = ActionNetworkClient(BASE, " ", limiter=recording_limiter)
    with pytest.raises(AuthenticationError, match="needs an OSDI API token"):
        client.get_person(UUID)
    assert recording_limiter.calls == []


# --- GET people: paging ------------------------------------------------------------------------------


@responses.activate
def test_paging_stops_at_the_first_empty_page_although_next_is_present(client):
    responses.get(PEOPLE, json=page([person("a"), person("b")], 1))
    responses.get(PEOPLE, json=page([person("c")], 2))
    responses.get(PEOPLE, json=page([], 3))
    responses.get(PEOPLE, json=page([person("never")], 4))  # must not be asked for
    assert uuids(client.iter_people()) == ["a", "b", "c"]
    assert [query(call) for call in responses.calls] == [
        {"page": "1", "per_page": "25"},
        {"page": "2", "per_page": "25"},
        {"page": "3", "per_page": "25"},
    ]


@responses.activate
@pytest.mark.parametrize(
    "last",
    [
        {"page": 2, "per_page": 25, "_links": {"next": {"href": f"{PEOPLE}?page=3"}}},  # no _embedded
        {"page": 2, "per_page": 25, "_embedded": {}},  # _embedded without osdi:people
        {"page": 2, "per_page": 25, "_embedded": {"osdi:people": None}},
    ],
)
def test_a_page_without_people_ends_the_list(client, last):
    responses.get(PEOPLE, json=page([person("a")], 1))
    responses.get(PEOPLE, json=last)
    responses.get(PEOPLE, json=page([person("never")], 3))
    assert uuids(client.iter_people()) == ["a"]
    assert len(responses.calls) == 2


@responses.activate
def test_per_page_is_capped_at_25(client):
    responses.get(PEOPLE, json=page([]))
    list(client.iter_people(per_page=100))
    list(client.iter_people(per_page=10))
    assert [query(call)["per_page"] for call in responses.calls] == ["25", "10"]
    for wrong in (0, -1, True, "25"):
        with pytest.raises(ValueError, match="1 to 25"):
            client.iter_people(per_page=wrong)


@responses.activate
def test_modified_date_filters_are_exact(client):
    responses.get(PEOPLE, json=page([]))
    list(client.iter_people(modified_since=datetime(2026, 12, 1, 9, 0, tzinfo=UTC)))
    list(
        client.iter_people(
            modified_since=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            modified_before=datetime(2026, 12, 3, 4, 30, tzinfo=UTC),
        )
    )
    list(client.iter_people(modified_before=datetime(2026, 12, 3, 4, 30, tzinfo=UTC)))
    assert [query(call)["filter"] for call in responses.calls] == [
        "modified_date gt '2026-12-01T09:00:00Z'",
        "modified_date gt '2026-12-01T09:00:00Z' and modified_date lt '2026-12-03T04:30:00Z'",
        "modified_date lt '2026-12-03T04:30:00Z'",
    ]


@responses.activate
def test_filter_times_are_utc_and_a_fraction_of_a_second_never_narrows_the_window(client):
    responses.get(PEOPLE, json=page([]))
    eastern = timezone(timedelta(hours=-5))
    list(
        client.iter_people(
            modified_since=datetime(2026, 12, 1, 4, 0, 0, 900_000, tzinfo=eastern),  # 09:00:00.9Z
            modified_before=datetime(2026, 12, 2, 9, 0, 0, 100_000, tzinfo=UTC),
        )
    )
    (call,) = responses.calls
    assert query(call)["filter"] == (
        "modified_date gt '2026-12-01T09:00:00Z' and modified_date lt '2026-12-02T09:00:01Z'"
    )
    with pytest.raises(ValueError, match="no time zone"):
        client.iter_people(modified_since=datetime(2026, 12, 1, 9, 0))


@responses.activate
def test_paging_is_lazy_one_page_at_a_time(client):
    responses.get(PEOPLE, json=page([person("a"), person("b")], 1))
    responses.get(PEOPLE, json=page([person("c")], 2))
    responses.get(PEOPLE, json=page([], 3))
    people = client.iter_people(modified_since=datetime(2026, 12, 1, tzinfo=UTC))
    assert len(responses.calls) == 0  # nothing is sent before the first person is asked for
    assert client.person_id(next(people)) == "a"
    assert len(responses.calls) == 1  # page 2 waits until page 1 is consumed
    assert client.person_id(next(people)) == "b"
    assert len(responses.calls) == 1
    assert client.person_id(next(people)) == "c"
    assert len(responses.calls) == 2
    assert list(people) == []
    assert len(responses.calls) == 3


@responses.activate
@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        ([person("a")], "a list instead of a HAL object"),
        ({"_embedded": [person("a")]}, "`_embedded` as a list where an object was expected"),
        ({"_embedded": {"osdi:people": {"a": 1}}}, "`_embedded.osdi:people` as an object where a list was expected"),
        ({"_embedded": {"osdi:people": ["a"]}}, "`_embedded.osdi:people` items that are not all objects"),
    ],
)
def test_a_page_that_is_not_a_hal_object_is_retried_then_malformed(client, backoff_sleeps, answer, complaint):
    responses.get(PEOPLE, json=answer)
    with pytest.raises(MalformedResponseError) as caught:
        list(client.iter_people())
    assert str(caught.value) == f"Action Network answered GET /api/v2/people page 1 with {complaint}."
    assert len(responses.calls) == 3


@responses.activate
def test_a_body_that_is_not_json_is_retried_then_malformed(client, backoff_sleeps):
    responses.get(PEOPLE, body="<html>half a page", status=200, content_type="application/hal+json")
    with pytest.raises(MalformedResponseError, match="not valid JSON"):
        list(client.iter_people())
    assert len(responses.calls) == 3
    responses.calls.reset()
    responses.replace(responses.GET, PEOPLE, body='{"_embedded": {"osdi:peo')
    responses.add(responses.GET, PEOPLE, json=page([person("a")]))
    responses.add(responses.GET, PEOPLE, json=page([]))
    assert uuids(client.iter_people()) == ["a"]  # a garbled page is fetched again


@responses.activate
def test_a_server_ignoring_page_stops_instead_of_looping(client):
    responses.get(PEOPLE, json=page([person("a")], 1))
    with pytest.raises(MalformedResponseError, match="page 2 with the people of page 1; stopping instead of looping"):
        list(client.iter_people())
    assert len(responses.calls) == 2


# --- finding and reading one person -------------------------------------------------------------------


@responses.activate
def test_find_people_filters_by_email_or_phone_with_eq_on_the_first_page_only(client):
    responses.get(PEOPLE, json=page([person()]))
    assert uuids(client.find_people(email=" jo@example.com ")) == [UUID]
    assert uuids(client.find_people(phone="+1 (202) 555-0123")) == [UUID]
    client.find_people(phone="2025550123")
    client.find_people(email="o'brien@example.com", phone="12025550123")
    assert [query(call) for call in responses.calls] == [
        {"page": "1", "per_page": "25", "filter": "email_address eq 'jo@example.com'"},
        {"page": "1", "per_page": "25", "filter": "phone_number eq '12025550123'"},
        {"page": "1", "per_page": "25", "filter": "phone_number eq '12025550123'"},
        {
            "page": "1",
            "per_page": "25",
            "filter": "email_address eq 'o''brien@example.com' and phone_number eq '12025550123'",
        },
    ]
    with pytest.raises(ValueError, match="an email or a phone"):
        client.find_people(email=" ", phone="")


@responses.activate
def test_find_people_with_no_match_is_an_empty_list(client):
    responses.get(PEOPLE, json={"page": 1, "per_page": 25, "_links": {"next": {"href": f"{PEOPLE}?page=2"}}})
    assert client.find_people(email="nobody@example.com") == []
    assert len(responses.calls) == 1


@responses.activate
def test_get_person_reads_one_and_drops_the_identifier_prefix(client):
    responses.get(PERSON_URL, json=person())
    assert client.get_person(UUID)["given_name"] == "Jo"
    assert client.get_person(f"action_network:{UUID}")["given_name"] == "Jo"
    assert [call.request.url for call in responses.calls] == [PERSON_URL, PERSON_URL]
    with pytest.raises(ValueError, match="person id"):
        client.get_person(" ")


@responses.activate
def test_404_is_not_found_with_action_networks_sentence(client, backoff_sleeps):
    responses.get(f"{PEOPLE}/nope", status=404, json={"error": "Couldn't find person with id = nope"})
    with pytest.raises(NotFoundError) as caught:
        client.get_person("nope")
    assert str(caught.value) == (
        "Action Network answered HTTP 404 to GET /api/v2/people/nope: not found (Couldn't find person with id = nope.)."
    )
    assert caught.value.details == "Couldn't find person with id = nope."
    assert len(responses.calls) == 1
    assert backoff_sleeps == []


# --- the signup helper ---------------------------------------------------------------------------------


@responses.activate
def test_signup_posts_the_person_with_the_source_and_tags(client):
    responses.post(SIGNUP, status=201, json=person())
    new = {"email_addresses": [{"address": "jo@example.com"}], "phone_numbers": [{"number": "12025550123"}]}
    answered, created = client.signup(new, source="Mobile Commons", tags=["SMS", "Volunteer"])
    assert (client.person_id(answered), created) == (UUID, True)
    (call,) = responses.calls
    assert (call.request.method, call.request.url) == ("POST", SIGNUP)
    assert body(call) == {
        "person": new,
        "action_network:referrer_data": {"source": "Mobile Commons"},
        "add_tags": ["SMS", "Volunteer"],
    }


@responses.activate
def test_signup_without_source_or_tags_sends_neither_key(client):
    responses.post(SIGNUP, status=201, json=person())
    client.signup({"email_addresses": [{"address": "jo@example.com"}]})
    assert body(responses.calls[0]) == {"person": {"email_addresses": [{"address": "jo@example.com"}]}}
    with pytest.raises(TypeError, match="list of tag names"):
        client.signup({"email_addresses": [{"address": "jo@example.com"}]}, tags="SMS")


@responses.activate
@pytest.mark.parametrize(
    ("status", "dates", "created"),
    [
        (201, {"created_date": "2026-11-30T14:03:11Z", "modified_date": "2026-12-01T09:00:00Z"}, True),
        (200, {"created_date": "2026-11-30T14:03:11Z", "modified_date": "2026-12-01T09:00:00Z"}, False),
        # A 200 with equal dates is read as Parsons reads it: created (formats may differ).
        (200, {"created_date": "2026-12-01T09:00:00Z", "modified_date": "2026-12-01T09:00:00.000+0000"}, True),
        (200, {"created_date": None, "modified_date": None}, False),
        (200, {"created_date": "garbled", "modified_date": "garbled"}, False),
    ],
)
def test_signup_says_whether_it_created_from_201_or_else_the_dates(client, status, dates, created):
    responses.post(SIGNUP, status=status, json=person(**dates))
    assert client.signup({"email_addresses": [{"address": "jo@example.com"}]})[1] is created


@responses.activate
def test_the_signup_post_is_retried_after_a_500_and_a_timeout(client, backoff_sleeps):
    responses.post(SIGNUP, status=500, json={"error": "Something went wrong"})
    responses.post(SIGNUP, body=requests.ReadTimeout("read timed out"))
    responses.post(SIGNUP, status=200, json=person())
    answered, created = client.signup({"email_addresses": [{"address": "jo@example.com"}]}, source="Mobile Commons")
    assert client.person_id(answered) == UUID
    assert created is False
    assert [body(call) for call in responses.calls] == [
        {
            "person": {"email_addresses": [{"address": "jo@example.com"}]},
            "action_network:referrer_data": {"source": "Mobile Commons"},
        }
    ] * 3
    assert len(backoff_sleeps) == 2


@responses.activate
def test_only_the_signup_is_a_retried_post(client, backoff_sleeps):
    responses.post(SIGNUP, status=201, json=person())
    client.signup({"email_addresses": [{"address": "jo@example.com"}]})
    responses.post(f"{BASE}/tags", status=500, json={"error": "Oops"})
    with pytest.raises(ServerError):
        client.request("POST", "tags", json={"name": "SMS"})  # another POST: not known to be repeatable
    assert len(responses.calls) == 2
    assert backoff_sleeps == []


@responses.activate
def test_a_signup_answered_without_a_person_is_malformed_and_not_resent(client, backoff_sleeps):
    responses.post(SIGNUP, status=200, body="")
    with pytest.raises(MalformedResponseError, match="an empty body where the person was expected") as caught:
        client.signup({"email_addresses": [{"address": "jo@example.com"}]})
    assert caught.value.retryable is False
    responses.replace(responses.POST, SIGNUP, status=200, body="{not json")
    with pytest.raises(MalformedResponseError, match="a body that is not JSON"):
        client.signup({"email_addresses": [{"address": "jo@example.com"}]})
    assert len(responses.calls) == 2


@responses.activate
def test_a_signup_without_email_or_phone_is_a_validation_error_with_the_sentence(client, backoff_sleeps):
    responses.post(SIGNUP, status=400, json={"error": "A person must have an email address or a phone number"})
    with pytest.raises(RemoteValidationError) as caught:
        client.signup({"given_name": "Jo"})
    assert str(caught.value) == (
        "Action Network answered HTTP 400 to POST /api/v2/people/: Action Network rejected the request: "
        "A person must have an email address or a phone number."
    )
    assert caught.value.details == "A person must have an email address or a phone number."
    assert len(responses.calls) == 1
    responses.replace(responses.POST, SIGNUP, status=422, json={"error": "Invalid email address"})
    with pytest.raises(RemoteValidationError, match="Invalid email address"):
        client.signup({"email_addresses": [{"address": "x"}]})


# --- PUT people/<uuid> -------------------------------------------------------------------------------------


@responses.activate
def test_update_person_puts_the_changes_only(client):
    changed = person(phone_numbers=[{"number": "12025550123", "status": "unsubscribed"}])
    responses.put(PERSON_URL, json=changed)
    changes = {"phone_numbers": [{"status": "unsubscribed"}], "custom_fields": {"mobile_opt_in": "false"}}
    assert client.update_person(UUID, changes) == changed
    (call,) = responses.calls
    assert (call.request.method, call.request.url) == ("PUT", PERSON_URL)
    assert call.request.headers["Content-Type"] == "application/json"
    assert body(call) == changes


@responses.activate
def test_update_person_with_an_empty_answer_returns_an_empty_dict_and_404_is_not_found(client):
    responses.put(PERSON_URL, status=204)
    assert client.update_person(UUID, {"given_name": "Joanne"}) == {}
    responses.put(f"{PEOPLE}/gone", status=404, json={"error": "Couldn't find person with id = gone"})
    with pytest.raises(NotFoundError, match="Couldn't find person with id = gone"):
        client.update_person("gone", {"given_name": "Joanne"})


@responses.activate
def test_a_put_is_retried_after_a_503(client, backoff_sleeps):
    responses.put(PERSON_URL, status=503, body="")
    responses.put(PERSON_URL, json=person())
    assert client.person_id(client.update_person(UUID, {"given_name": "Jo"})) == UUID
    assert len(responses.calls) == 2


# --- errors and retries ---------------------------------------------------------------------------------------


@responses.activate
def test_401_is_an_authentication_error_not_retried(client, backoff_sleeps):
    responses.get(PEOPLE, status=401, json={"error": "API Key invalid or not present"})
    with pytest.raises(AuthenticationError) as caught:
        list(client.iter_people())
    assert str(caught.value) == (
        "Action Network answered HTTP 401 to GET /api/v2/people: the OSDI API token was refused "
        "(API Key invalid or not present.). Check the token of this integration "
        "(Action Network: Start Organizing, Details, API & Sync)."
    )
    assert len(responses.calls) == 1
    assert backoff_sleeps == []


@responses.activate
def test_429_then_success_honours_retry_after(client, backoff_sleeps):
    responses.get(PEOPLE, status=429, headers={"Retry-After": "2"}, json={"error": "Too many requests"})
    responses.get(PEOPLE, json=page([person("a")]))
    responses.get(PEOPLE, json=page([]))
    assert uuids(client.iter_people()) == ["a"]
    assert backoff_sleeps == [2.0]
    assert client.stats.rate_limited_responses == 1
    assert [query(call)["page"] for call in responses.calls] == ["1", "1", "2"]


@responses.activate
def test_429_on_every_attempt_gives_up_with_a_rate_limited_error(client, backoff_sleeps):
    responses.get(PERSON_URL, status=429, headers={"Retry-After": "1"}, json={"error": "Too many requests"})
    with pytest.raises(RateLimitedError, match="rate limit exceeded"):
        client.get_person(UUID)
    assert len(responses.calls) == 3


@responses.activate
def test_500_then_success_on_a_get(client, backoff_sleeps):
    responses.get(PERSON_URL, status=500, json={"error": "Internal server error"})
    responses.get(PERSON_URL, json=person())
    assert client.person_id(client.get_person(UUID)) == UUID
    assert len(backoff_sleeps) == 1
    responses.get(f"{PEOPLE}/x", status=502, body="<html>Bad gateway</html>", content_type="text/html")
    with pytest.raises(ServerError) as caught:
        client.get_person("x")
    assert str(caught.value) == (
        "Action Network answered HTTP 502 to GET /api/v2/people/x: Action Network failed on its side "
        "(an HTML error page (Bad Gateway)); this is usually temporary."
    )


@responses.activate
def test_another_status_is_a_plain_connector_error(client):
    responses.get(PERSON_URL, status=418, json={"error": "I'm a teapot"})
    with pytest.raises(ConnectorError) as caught:
        client.get_person(UUID)
    assert type(caught.value) is ConnectorError
    assert str(caught.value) == "Action Network answered HTTP 418 to GET /api/v2/people/" + UUID + ": I'm a teapot."


# --- test(), secrecy ---------------------------------------------------------------------------------------


@responses.activate
def test_test_reads_one_person_and_says_what_it_checked(client):
    responses.get(PEOPLE, json=page([person()], per_page=1))
    assert client.test() == [
        "Action Network: the OSDI API token was accepted by actionnetwork.org.",
        "Action Network: the people list can be read (it holds people).",
    ]
    assert query(responses.calls[0]) == {"page": "1", "per_page": "1"}
    responses.replace(responses.GET, PEOPLE, json=page([], per_page=1))
    assert client.test()[1] == "Action Network: the people list can be read; it is empty so far."
    responses.replace(responses.GET, PEOPLE, status=401, json={"error": "API Key invalid or not present"})
    with pytest.raises(AuthenticationError):
        client.test()
    assert len(responses.calls) == 3


def test_no_token_in_repr_or_vars(client):
    assert repr(client) == "<ActionNetworkClient https://actionnetwork.org/api/v2/>"
    for shown in (repr(client), repr(vars(client)), str(vars(client))):
        assert TOKEN not in shown


@responses.activate
def test_no_token_reaches_a_log_record_or_an_error(client, caplog, backoff_sleeps):
    responses.get(PEOPLE, status=503, json={"error": f"Token {TOKEN} is throttled"})
    responses.get(PEOPLE, json=page([]))
    responses.post(SIGNUP, status=400, json={"error": {"email_addresses": [f"{TOKEN} is not an email"]}})
    responses.get(PERSON_URL, status=401, body=f"key {TOKEN} unknown", content_type="text/plain")
    with caplog.at_level(logging.DEBUG):
        list(client.iter_people())
        with pytest.raises(RemoteValidationError) as invalid:
            client.signup({"email_addresses": [{"address": "x"}]})
        with pytest.raises(AuthenticationError) as refused:
            client.get_person(UUID)
    assert invalid.value.field_errors == {"email_addresses": ["[redacted] is not an email"]}
    assert str(invalid.value).endswith("email_addresses: [redacted] is not an email.")
    assert "key [redacted] unknown" in str(refused.value)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "retrying after attempt 1" in logged  # the records were written
    assert "Token [redacted] is throttled" in logged
    for text in (logged, str(invalid.value), str(refused.value), repr(refused.value.details)):
        assert TOKEN not in text


# --- ids and dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (person(), UUID),
        ({"identifiers": ["mobilecommons:42", f"action_network:{UUID}"]}, UUID),
        ({"identifiers": ["mobilecommons:42"], "_links": {"self": {"href": f"{PEOPLE}/{UUID}"}}}, UUID),
        ({"identifiers": ["action_network:"], "_links": {"self": {"href": f"{PEOPLE}/{UUID}/"}}}, UUID),
        ({"_links": {"self": {"href": f"/sandbox/actionnetwork/api/v2/people/{UUID}"}}}, UUID),
    ],
)
def test_person_id_from_the_identifier_else_the_self_link(given, expected):
    assert ActionNetworkClient.person_id(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"identifiers": ["mobilecommons:42"]},
        {"identifiers": "action_network:x", "_links": {"self": {"href": f"{BASE}/tags/abc"}}},
        {"_links": {"self": None}},
        None,
    ],
)
def test_person_id_without_either_is_a_value_error(given):
    with pytest.raises(ValueError, match="its id is unknown"):
        ActionNetworkClient.person_id(given)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-01T09:00:00Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2019-02-28T00:00:00.000+0000", datetime(2019, 2, 28, 0, 0, tzinfo=UTC)),
        ("2026-12-01T04:00:00-05:00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-12-01T09:00:00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),  # naive: UTC
        (None, None),
        ("", None),
        ("yesterday", None),
        ("2019-02-29T00:00:00.000+0000", None),  # not a day (it is in a published fixture)
    ],
)
def test_parse_date_forms(value, expected):
    parsed = ActionNetworkClient.parse_date(value)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC
