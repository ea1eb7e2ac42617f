"""The Mobilize client against `responses`: paths, params, paging, errors, retries, secrecy."""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

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
from integrations.connectors.mobilize import MobilizeClient, comparison

from ._helpers import load

BASE = "https://api.mobilize.us/v1"
ORG = 42
API_KEY = "mz-live-7f3c2b1a9e8d-do-not-log"
EVENTS = f"{BASE}/organizations/{ORG}/events"


@pytest.fixture
def client() -> MobilizeClient:
    return MobilizeClient(BASE, API_KEY, ORG, max_attempts=3)


def query(call) -> list[tuple[str, str]]:
    """The query pairs of a recorded call, in order, repeated keys kept."""
    return parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True)


def path(call) -> str:
    return urlsplit(call.request.url).path


def empty_page() -> dict:
    return {"count": 0, "next": None, "previous": None, "data": []}


# --- construction, auth, rate settings ------------------------------------------------------------


@responses.activate
def test_sends_the_key_as_bearer_token_on_every_request(client):
    responses.get(EVENTS, json=empty_page())
    list(client.get_organization_events())
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert responses.calls[0].request.headers["Accept"] == "application/json"


def test_reads_rates_from_settings_and_keys_them_per_origin(settings, recording_limiter):
    settings.MOBILIZE_READ_RATE = "9/second"
    settings.MOBILIZE_WRITE_RATE = "2/second"
    client = MobilizeClient(BASE, API_KEY, ORG, limiter=recording_limiter)
    assert (client.read_rate, client.write_rate) == ("9/second", "2/second")
    assert client.system == "Mobilize"

    with responses.RequestsMock() as mocked:
        mocked.get(f"{BASE}/enums", json=load("enums.json"))
        client.get_enums()
    assert recording_limiter.calls == [("Mobilize:https://api.mobilize.us:read", "9/second")]


def test_default_rates_stay_within_mobilizes_documented_limits():
    # 15 GET/s and 5 writes/s per IP; reads keep one request of headroom for network jitter.
    client = MobilizeClient(BASE, API_KEY, ORG)
    assert (client.read_rate, client.write_rate) == ("14/second", "5/second")
    assert client.per_page == 100


def test_the_key_is_not_in_repr_or_vars(client):
    assert API_KEY not in repr(client)
    assert API_KEY not in repr(vars(client))
    assert repr(client) == "<MobilizeClient https://api.mobilize.us/v1/ organization=42>"


def test_rejects_an_organization_id_that_is_not_a_number():
    with pytest.raises(ValueError, match="not a Mobilize organization id"):
        MobilizeClient(BASE, API_KEY, "example-campaign")


# --- paths and params of every method -------------------------------------------------------------

LIST_CALLS = [
    pytest.param(
        lambda c: c.get_organizations(),
        "/v1/organizations",
        [("per_page", "100")],
        id="get_organizations",
    ),
    pytest.param(
        lambda c: c.get_organizations(updated_since=1700000000),
        "/v1/organizations",
        [("updated_since", "1700000000"), ("per_page", "100")],
        id="get_organizations-updated_since",
    ),
    pytest.param(
        lambda c: c.get_promoted_organizations(),
        "/v1/organizations/42/promoted_organizations",
        [("per_page", "100")],
        id="get_promoted_organizations",
    ),
    pytest.param(
        lambda c: c.get_organization_events(),
        "/v1/organizations/42/events",
        [
            ("visibility", "PUBLIC"),
            ("visibility", "PRIVATE"),
            ("approval_status", "APPROVED"),
            ("per_page", "100"),
        ],
        id="get_organization_events-defaults",
    ),
    pytest.param(
        lambda c: c.get_deleted_events(),
        "/v1/organizations/42/events/deleted",
        [("visibility", "PUBLIC"), ("visibility", "PRIVATE"), ("per_page", "100")],
        id="get_deleted_events-defaults",
    ),
    pytest.param(
        lambda c: c.get_deleted_events(updated_since=1700000000, visibility="PUBLIC"),
        "/v1/organizations/42/events/deleted",
        [("updated_since", "1700000000"), ("visibility", "PUBLIC"), ("per_page", "100")],
        id="get_deleted_events-public",
    ),
    pytest.param(
        lambda c: c.get_organization_attendances(),
        "/v1/organizations/42/attendances",
        [("per_page", "100")],
        id="get_organization_attendances",
    ),
    pytest.param(
        lambda c: c.get_organization_attendances(updated_since=datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        "/v1/organizations/42/attendances",
        [("updated_since", "1700000000"), ("per_page", "100")],
        id="get_organization_attendances-datetime",
    ),
    pytest.param(
        lambda c: c.get_event_attendances(345),
        "/v1/organizations/42/events/345/attendances",
        [("per_page", "100")],
        id="get_event_attendances",
    ),
    pytest.param(
        lambda c: c.get_organization_people(updated_since=1536588703),
        "/v1/organizations/42/people",
        [("updated_since", "1536588703"), ("per_page", "100")],
        id="get_organization_people",
    ),
]


@pytest.mark.parametrize(("call", "expected_path", "expected_query"), LIST_CALLS)
@responses.activate
def test_list_methods_request_the_documented_path_and_params(client, call, expected_path, expected_query):
    responses.get(f"https://api.mobilize.us{expected_path}", json=empty_page())
    assert list(call(client)) == []
    assert len(responses.calls) == 1
    assert path(responses.calls[0]) == expected_path
    assert query(responses.calls[0]) == expected_query


@responses.activate
def test_get_organization_events_sends_every_filter_and_repeats_repeatable_params(client):
    responses.get(EVENTS, json=empty_page())
    list(
        client.get_organization_events(
            updated_since=1700000000,
            timeslot_start=["gte_now", ("lt", 1515110400)],
            timeslot_end="gte_1514764800",
            visibility=["PRIVATE"],
            approval_status=("APPROVED", "NEEDS_APPROVAL"),
            organization_id=[42, 7],
            event_types=["CANVASS", "PHONE_BANK"],
            event_campaign_id=9,
            is_virtual=False,
            high_priority_only=True,
            state="NY",
        )
    )
    assert query(responses.calls[0]) == [
        ("updated_since", "1700000000"),
        ("timeslot_start", "gte_now"),
        ("timeslot_start", "lt_1515110400"),
        ("timeslot_end", "gte_1514764800"),
        ("visibility", "PRIVATE"),
        ("approval_status", "APPROVED"),
        ("approval_status", "NEEDS_APPROVAL"),
        ("organization_id", "42"),
        ("organization_id", "7"),
        ("event_types", "CANVASS"),
        ("event_types", "PHONE_BANK"),
        ("event_campaign_id", "9"),
        ("is_virtual", "false"),
        ("high_priority_only", "true"),
        ("state", "NY"),
        ("per_page", "100"),
    ]


@responses.activate
def test_comparison_helper_tuples_and_datetimes(client):
    responses.get(EVENTS, json=empty_page())
    start = datetime(2018, 1, 1, tzinfo=UTC)
    list(client.get_organization_events(timeslot_start=("gte", start), timeslot_end=("lte", "now")))
    assert ("timeslot_start", "gte_1514764800") in query(responses.calls[0])
    assert ("timeslot_end", "lte_now") in query(responses.calls[0])
    assert comparison("gt", 5) == "gt_5"


@responses.activate
def test_visibility_none_leaves_mobilizes_default(client):
    responses.get(EVENTS, json=empty_page())
    list(client.get_organization_events(visibility=None, approval_status=None))
    assert query(responses.calls[0]) == [("per_page", "100")]


@pytest.mark.parametrize("bad", ["gte-now", "after_5", "gte_yesterday", ("gte", "tomorrow"), 1514764800])
def test_a_bad_comparison_filter_fails_before_any_request(client, bad):
    with responses.RequestsMock() as mocked, pytest.raises((ValueError, TypeError)):
        client.get_organization_events(timeslot_start=bad)
    assert len(mocked.calls) == 0


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="no time zone"):
        MobilizeClient(BASE, API_KEY, ORG).get_organization_people(updated_since=datetime(2024, 1, 1))


@responses.activate
def test_per_page_is_configurable(client):
    small = MobilizeClient(BASE, API_KEY, ORG, per_page=25)
    responses.get(f"{BASE}/organizations/42/people", json=empty_page())
    list(small.get_organization_people())
    assert query(responses.calls[0]) == [("per_page", "25")]


@pytest.mark.parametrize(
    ("call", "url", "fixture"),
    [
        (lambda c: c.get_organization_event(7), f"{BASE}/organizations/42/events/7", "event.json"),
        (
            lambda c: c.get_organization_attendance(198),
            f"{BASE}/organizations/42/attendances/198",
            "attendance.json",
        ),
        (lambda c: c.get_enums(), f"{BASE}/enums", "enums.json"),
    ],
    ids=["get_organization_event", "get_organization_attendance", "get_enums"],
)
@responses.activate
def test_single_object_methods_return_the_data_object(client, call, url, fixture):
    responses.get(url, json=load(fixture))
    result = call(client)
    assert isinstance(result, dict)
    assert len(responses.calls) == 1
    assert responses.calls[0].request.url == url  # no paging params on a single object
    assert result.items() >= {k: v for k, v in load(fixture)["data"].items() if not isinstance(v, dict)}.items()


# --- paging -----------------------------------------------------------------------------------------


def add_event_pages() -> list[str]:
    """Register the three fixture pages; return the URLs the client must request, in order."""
    pages = [load(f"events_page_{n}.json") for n in (1, 2, 3)]
    first = f"{EVENTS}?visibility=PUBLIC&visibility=PRIVATE&approval_status=APPROVED&per_page=2"
    urls = [first, pages[0]["next"], pages[1]["next"]]
    for url, page in zip(urls, pages, strict=True):
        responses.get(url, json=page, match=[responses.matchers.query_string_matcher(urlsplit(url).query)])
    return urls


@responses.activate
def test_cursor_paging_follows_next_verbatim_and_fetches_nothing_twice():
    client = MobilizeClient(BASE, API_KEY, ORG, per_page=2)
    urls = add_event_pages()

    events = list(client.get_organization_events())

    assert [e["id"] for e in events] == [1, 2, 3, 4, 5]
    assert [call.request.url for call in responses.calls] == urls
    assert len({call.request.url for call in responses.calls}) == 3
    # The cursor link already carries the query: nothing is added to it (no second per_page).
    assert [k for k, _ in query(responses.calls[1])].count("per_page") == 1


@responses.activate
def test_paging_is_lazy_one_page_per_demand():
    client = MobilizeClient(BASE, API_KEY, ORG, per_page=2)
    add_event_pages()

    events = client.get_organization_events()
    assert len(responses.calls) == 0  # nothing is fetched until the consumer asks
    first = next(events)
    assert first["id"] == 1
    assert len(responses.calls) == 1
    next(events)
    assert len(responses.calls) == 1  # the second record is on the same page
    next(events)
    assert len(responses.calls) == 2
    events.close()
    assert len(responses.calls) == 2


@responses.activate
def test_a_next_link_to_another_host_is_refused_and_gets_no_key(client):
    responses.get(EVENTS, json={"count": 2, "next": "https://evil.example/steal?cursor=x", "data": [{"id": 1}]})
    responses.get("https://evil.example/steal", json=empty_page())

    events = client.get_organization_events()
    assert next(events)["id"] == 1
    with pytest.raises(MalformedResponseError, match="another host"):
        next(events)
    assert all(urlsplit(c.request.url).netloc == "api.mobilize.us" for c in responses.calls)


@responses.activate
def test_a_next_link_that_loops_is_not_followed_forever(client):
    loop = f"{EVENTS}?cursor=abc"
    responses.get(EVENTS, json={"count": 3, "next": loop, "data": [{"id": 1}]})
    responses.get(loop, json={"count": 3, "next": loop, "data": [{"id": 2}]})

    with pytest.raises(MalformedResponseError, match="already fetched"):
        list(client.get_organization_events())
    assert len(responses.calls) == 2


@responses.activate
def test_results_limited_to_is_logged_and_recorded_once(client, caplog):
    limited = load("events_results_limited.json")
    limited["next"] = f"{EVENTS}?cursor=p2"
    responses.get(EVENTS, json=limited)
    responses.get(f"{EVENTS}?cursor=p2", json={**limited, "next": None})

    with caplog.at_level(logging.WARNING):
        list(client.get_organization_events())

    expected = "Mobilize limited GET /organizations/42/events to 1000 of 1432 results (search backend)"
    assert client.warnings == [expected]
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [expected]


@responses.activate
def test_no_warning_when_the_cap_is_not_reached(client):
    responses.get(EVENTS, json={"count": 10, "results_limited_to": 1000, "next": None, "data": []})
    list(client.get_organization_events())
    assert client.warnings == []


# --- envelope validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"count": 0, "next": None}, "has no `data`"),
        ({"data": {"id": 1}}, "`data` as an object where a list of objects was expected"),
        ({"data": [1, 2]}, "where a list of objects was expected"),
        (
            {"data": None, "error": {"detail": "Something odd"}},
            "a success status but an error: detail: Something odd",
        ),
        ([{"id": 1}], "a JSON list instead of its {data: ...} envelope"),
    ],
)
@responses.activate
def test_a_malformed_envelope_is_retried_then_raised_naming_the_path(client, backoff_sleeps, body, says):
    responses.get(f"{BASE}/organizations/42/people", json=body)

    with pytest.raises(MalformedResponseError) as info:
        list(client.get_organization_people())
    assert len(responses.calls) == 3  # max_attempts
    assert info.value.retryable
    assert str(info.value).startswith("Mobilize answered GET /organizations/42/people with")
    assert says in str(info.value)


@responses.activate
def test_a_single_object_endpoint_wants_an_object(client, backoff_sleeps):
    responses.get(f"{BASE}/organizations/42/events/7", json={"data": [{"id": 7}]})
    with pytest.raises(MalformedResponseError, match="where an object was expected"):
        client.get_organization_event(7)


@responses.activate
def test_malformed_json_body_is_retried_then_raised(client, backoff_sleeps):
    responses.get(f"{BASE}/organizations/42/people", body="<html><body>502 Bad Gateway</body></html>")

    with pytest.raises(MalformedResponseError, match="not valid JSON"):
        list(client.get_organization_people())
    assert len(responses.calls) == 3


@responses.activate
def test_one_malformed_page_then_a_good_one_succeeds(client, backoff_sleeps):
    responses.get(f"{BASE}/organizations/42/people", body='{"data": [{"id"')
    responses.get(f"{BASE}/organizations/42/people", json=load("people.json"))

    assert [p["user_id"] for p in client.get_organization_people()] == [9057, 9058]
    assert client.stats.retries == 1


# --- error statuses -----------------------------------------------------------------------------------


@responses.activate
def test_400_is_a_validation_error_with_field_errors_and_not_retried(client, backoff_sleeps):
    responses.get(EVENTS, status=400, json=load("error_400.json"))

    with pytest.raises(RemoteValidationError) as info:
        list(client.get_organization_events())
    assert len(responses.calls) == 1
    assert info.value.field_errors == {"organization_id": ["A valid integer is required."]}
    assert str(info.value) == (
        "Mobilize answered HTTP 400 to GET /v1/organizations/42/events: "
        "Mobilize rejected the request: organization_id: A valid integer is required."
    )


@responses.activate
def test_403_is_an_authentication_error_naming_the_key_and_not_retried(client, backoff_sleeps):
    responses.get(f"{BASE}/organizations/42/people", status=403, json=load("error_403.json"))

    with pytest.raises(AuthenticationError) as info:
        list(client.get_organization_people())
    assert len(responses.calls) == 1
    assert backoff_sleeps == []
    message = str(info.value)
    assert message.startswith("Mobilize answered HTTP 403 to GET /v1/organizations/42/people")
    assert "Invalid token." in message
    assert "Check the organization's Mobilize API key" in message
    assert not info.value.retryable


@responses.activate
def test_404_is_not_found_and_not_retried(client, backoff_sleeps):
    responses.get(f"{BASE}/organizations/42/events/999", status=404, json=load("error_404.json"))

    with pytest.raises(NotFoundError) as info:
        client.get_organization_event(999)
    assert len(responses.calls) == 1
    assert "neither owns nor promotes it" in str(info.value)
    assert "(Not found.)" in str(info.value)


@responses.activate
def test_429_is_retried_and_retry_after_honoured(client, backoff_sleeps):
    responses.get(f"{BASE}/enums", status=429, headers={"Retry-After": "2"}, json={"data": None, "error": "slow"})
    responses.get(f"{BASE}/enums", json=load("enums.json"))

    assert "event_type" in client.get_enums()
    assert backoff_sleeps == [2.0]
    assert client.stats.rate_limited_responses == 1


@responses.activate
def test_429_on_every_attempt_raises_rate_limited(client, backoff_sleeps):
    responses.get(f"{BASE}/enums", status=429)

    with pytest.raises(RateLimitedError) as info:
        client.get_enums()
    assert len(responses.calls) == 3
    assert info.value.retryable
    assert "rate limit" in str(info.value)


@responses.activate
def test_500_then_200_succeeds(client, backoff_sleeps):
    responses.get(f"{BASE}/organizations/42/attendances", status=500, body="<html>oops</html>")
    responses.get(f"{BASE}/organizations/42/attendances", json=load("attendances.json"))

    assert len(list(client.get_organization_attendances())) == 2
    assert client.stats.retries == 1


@responses.activate
def test_5xx_exhausted_raises_a_readable_server_error(client, backoff_sleeps):
    responses.get(
        f"{BASE}/organizations/42/attendances",
        status=502,
        body="<html>Bad gateway</html>",
        content_type="text/html",
    )

    with pytest.raises(ServerError) as info:
        list(client.get_organization_attendances())
    assert len(responses.calls) == 3
    assert str(info.value) == (
        "Mobilize answered HTTP 502 to GET /v1/organizations/42/attendances: Mobilize failed on its side "
        "(an HTML error page (Bad Gateway)); this is usually temporary."
    )


@responses.activate
def test_connection_error_and_timeout_are_retried(client, backoff_sleeps):
    responses.get(f"{BASE}/organizations/42/people", body=requests.ConnectionError("reset"))
    responses.get(f"{BASE}/organizations/42/people", body=requests.ReadTimeout("slow"))
    responses.get(f"{BASE}/organizations/42/people", json=load("people.json"))

    assert len(list(client.get_organization_people())) == 2
    assert len(responses.calls) == 3


@responses.activate
def test_timeouts_on_every_attempt_raise_transport_error(client, backoff_sleeps):
    responses.get(f"{BASE}/organizations/42/people", body=requests.ReadTimeout("slow"))

    with pytest.raises(TransportError, match="did not answer GET /v1/organizations/42/people"):
        list(client.get_organization_people())
    assert len(responses.calls) == 3


# --- the key never leaks ----------------------------------------------------------------------------------


@responses.activate
def test_the_api_key_never_appears_in_logs_or_errors(client, caplog, backoff_sleeps):
    people = f"{BASE}/organizations/42/people"
    responses.get(people, status=500, body=f"upstream rejected Authorization: Bearer {API_KEY}")
    responses.get(people, status=429)
    responses.get(people, status=403, json={"data": None, "error": {"detail": f"Invalid token {API_KEY}."}})
    responses.get(EVENTS, status=400, json={"data": None, "error": {"token": [f"{API_KEY} is not valid"]}})

    errors = []
    with caplog.at_level(logging.DEBUG):
        for call in (client.get_organization_people, client.get_organization_events):
            with pytest.raises(ConnectorError) as info:
                list(call())
            errors.append(info.value)
            logging.getLogger("test").exception("sync failed", exc_info=info.value)

    assert isinstance(errors[0], AuthenticationError) and isinstance(errors[1], RemoteValidationError)
    assert "[redacted]" in str(errors[0]) and "[redacted]" in str(errors[1])
    assert errors[1].field_errors == {"token": ["[redacted] is not valid"]}
    assert caplog.records, "the retries must have been logged"
    for record in caplog.records:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in (caplog.handler.format(record))
    for error in errors:
        assert API_KEY not in "".join(traceback.format_exception(error))
        assert API_KEY not in repr(error)


# --- organization lookup and test connection -----------------------------------------------------------


@responses.activate
def test_get_organization_stops_paging_at_the_match(client):
    page1 = {
        "count": 250,
        "next": f"{BASE}/organizations?cursor=p2&per_page=100",
        "data": load("organizations.json")["data"],
    }
    responses.get(f"{BASE}/organizations", json=page1)

    org = client.get_organization()
    assert org["id"] == 42 and org["name"] == "Example Campaign"
    assert len(responses.calls) == 1


@responses.activate
def test_get_organization_raises_not_found_after_the_last_page():
    client = MobilizeClient(BASE, API_KEY, 999)
    responses.get(
        f"{BASE}/organizations", json={**load("organizations.json"), "next": f"{BASE}/organizations?cursor=2"}
    )
    responses.get(f"{BASE}/organizations?cursor=2", json=empty_page())

    with pytest.raises(NotFoundError, match="no active organization with id 999"):
        client.get_organization()
    assert len(responses.calls) == 2


@responses.activate
def test_test_connection_fetches_the_organization_and_one_authenticated_person(client):
    responses.get(f"{BASE}/organizations", json=load("organizations.json"))
    responses.get(f"{BASE}/organizations/42/people", json=load("people.json"))

    org = client.test_connection()
    assert org["id"] == 42
    assert [path(c) for c in responses.calls] == ["/v1/organizations", "/v1/organizations/42/people"]
    assert query(responses.calls[1]) == [("per_page", "1")]
    assert responses.calls[1].request.headers["Authorization"] == f"Bearer {API_KEY}"


@responses.activate
def test_test_connection_with_a_key_of_another_organization_is_refused(client):
    responses.get(f"{BASE}/organizations", json=load("organizations.json"))
    responses.get(f"{BASE}/organizations/42/people", status=403, json=load("error_403.json"))

    with pytest.raises(AuthenticationError, match="Check the organization's Mobilize API key"):
        client.test_connection()


# --- every yielded record is normalized ------------------------------------------------------------------


@responses.activate
def test_events_are_normalized_whichever_spelling_mobilize_used():
    client = MobilizeClient(BASE, API_KEY, ORG, per_page=2)
    add_event_pages()
    events = {e["id"]: e for e in client.get_organization_events()}

    documented = events[1]["location"]  # the examples' *_value spelling
    assert documented["congressional_district"] == documented["congressional_district_value"] == "12"
    table = events[3]["location"]  # the table's spelling
    assert table["state_senate_district"] == table["state_senate_district_value"] == "26"
    assert events[3]["contact"]["email_address"] == "host@example.org"
    assert "email_adddress" not in events[3]["contact"]
    assert events[4]["location"] is None and events[4]["accessibility_notes"] is None


@responses.activate
def test_attendances_people_and_deleted_events_are_normalized(client):
    responses.get(f"{BASE}/organizations/42/attendances", json=load("attendances.json"))
    responses.get(f"{BASE}/organizations/42/people", json=load("people.json"))
    responses.get(f"{BASE}/organizations/42/events/deleted", json=load("deleted_events.json"))

    across_firewall = list(client.get_organization_attendances())[1]
    assert across_firewall["id"] is None
    assert across_firewall["event"]["event_type"] == "CANVASS" and across_firewall["event"]["timeslots"] == []
    assert across_firewall["person"]["email_addresses"] == []
    assert across_firewall["custom_signup_field_values"] == []
    second_person = list(client.get_organization_people())[1]
    assert second_person["blocked_date"] is None and second_person["phone_numbers"] == []
    assert list(client.get_deleted_events()) == [
        {"id": 11, "deleted_date": 1700100000},
        {"id": 12, "deleted_date": 1700200000},
    ]
