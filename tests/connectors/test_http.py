"""The shared HTTP base: which failures are retried, how long it waits, what the errors say."""

from __future__ import annotations

import email.utils
import time
from typing import Any

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
from integrations.connectors.http import MAX_RETRY_AFTER_SECONDS, HttpClient, parse_retry_after

BASE = "https://remote.example/api/v2"


class DemoClient(HttpClient):
    """The smallest connector: a name, a token header, nothing else."""

    system = "Demo"
    read_rate = "50/second"
    write_rate = "7/second"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prepared = 0

    def prepare(self, request_kwargs: dict[str, Any]) -> None:
        self.prepared += 1
        request_kwargs["headers"] = {**(request_kwargs.get("headers") or {}), "X-Token": "t"}


@pytest.fixture
def client(recording_limiter) -> DemoClient:
    return DemoClient(BASE, max_attempts=4, limiter=recording_limiter)


# --- retries for reads ----------------------------------------------------------------------


@responses.activate
def test_get_500_then_200_succeeds_after_one_retry(client, backoff_sleeps):
    responses.get(f"{BASE}/things", status=500, body="boom")
    responses.get(f"{BASE}/things", json={"ok": True})

    assert client.request_json("GET", "things") == {"ok": True}
    assert len(responses.calls) == 2
    assert client.stats.retries == 1
    assert client.prepared == 2  # auth is re-applied on every attempt
    assert len(backoff_sleeps) == 1 and 0 < backoff_sleeps[0] <= 0.05  # test settings' backoff cap


@responses.activate
def test_5xx_on_every_attempt_raises_server_error_after_max_attempts(client, backoff_sleeps):
    responses.get(f"{BASE}/things", status=503, body="Service Unavailable")

    with pytest.raises(ServerError) as info:
        client.request("GET", "things")
    assert len(responses.calls) == 4
    assert info.value.status == 503 and info.value.retryable
    assert str(info.value) == "Demo answered HTTP 503 to GET /api/v2/things: Service Unavailable"


@responses.activate
def test_connection_error_is_retried(client, backoff_sleeps):
    responses.get(f"{BASE}/things", body=requests.ConnectionError("connection reset by peer"))
    responses.get(f"{BASE}/things", json={"ok": 1})

    assert client.request_json("GET", "things") == {"ok": 1}
    assert len(responses.calls) == 2


@responses.activate
def test_read_timeout_is_retried(client, backoff_sleeps):
    responses.get(f"{BASE}/things", body=requests.ReadTimeout("read timed out"))
    responses.get(f"{BASE}/things", json={"ok": 1})

    assert client.request_json("GET", "things") == {"ok": 1}
    assert client.stats.retries == 1


@responses.activate
def test_exhausting_attempts_on_timeouts_raises_a_readable_transport_error(client, backoff_sleeps):
    responses.get(f"{BASE}/things", body=requests.ReadTimeout("read timed out"))

    with pytest.raises(TransportError) as info:
        client.request("GET", "things")
    assert len(responses.calls) == 4
    assert str(info.value) == f"Demo did not answer GET /api/v2/things within {client.timeout:g}s."
    assert len(backoff_sleeps) == 3


@responses.activate
def test_broken_body_is_retried_as_a_transport_error(client, backoff_sleeps):
    responses.get(f"{BASE}/things", body=requests.exceptions.ChunkedEncodingError("incomplete read"))
    responses.get(f"{BASE}/things", json={"ok": 1})

    assert client.request_json("GET", "things") == {"ok": 1}


@responses.activate
def test_a_request_that_cannot_be_sent_is_a_connector_error_not_a_crash(client, backoff_sleeps):
    responses.get(f"{BASE}/things", body=requests.exceptions.InvalidURL("bad"))

    with pytest.raises(ConnectorError) as info:
        client.request("GET", "things")
    assert not info.value.retryable
    assert len(responses.calls) == 1
    assert "check the base URL" in str(info.value)


# --- what is never retried ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, RemoteValidationError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
    ],
)
@responses.activate
def test_4xx_is_never_retried(client, backoff_sleeps, status, error_type):
    responses.get(f"{BASE}/things", status=status, body="nope")

    with pytest.raises(error_type) as info:
        client.request("GET", "things")
    assert len(responses.calls) == 1
    assert not info.value.retryable
    assert info.value.status == status
    assert backoff_sleeps == []


@responses.activate
def test_post_is_not_retried_on_500(client, backoff_sleeps):
    """After a 5xx the remote may have acted: resending a POST could create a duplicate."""
    responses.post(f"{BASE}/things", status=500, body="oops")

    with pytest.raises(ServerError):
        client.request("POST", "things", json={"a": 1})
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_not_retried_on_read_timeout(client, backoff_sleeps):
    responses.post(f"{BASE}/things", body=requests.ReadTimeout("read timed out"))

    with pytest.raises(TransportError):
        client.request("POST", "things", json={"a": 1})
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_retried_when_it_surely_was_not_processed(client, backoff_sleeps):
    responses.post(f"{BASE}/things", status=429)
    responses.post(f"{BASE}/things", body=requests.ConnectTimeout("connect timed out"))
    responses.post(f"{BASE}/things", status=201, json={"id": 5})

    assert client.request_json("POST", "things", json={"a": 1}) == {"id": 5}
    assert len(responses.calls) == 3


# --- 429 and Retry-After --------------------------------------------------------------------------


@responses.activate
def test_429_is_retried_and_retry_after_is_honoured(client, backoff_sleeps):
    responses.get(f"{BASE}/things", status=429, headers={"Retry-After": "7"})
    responses.get(f"{BASE}/things", json={"ok": 1})

    assert client.request_json("GET", "things") == {"ok": 1}
    assert backoff_sleeps == [7.0]
    assert client.stats.rate_limited_responses == 1


@responses.activate
def test_429_without_retry_after_backs_off_exponentially(client, backoff_sleeps):
    responses.get(f"{BASE}/things", status=429)

    with pytest.raises(RateLimitedError) as info:
        client.request("GET", "things")
    assert "rate limit exceeded" in str(info.value)
    assert len(responses.calls) == 4
    assert len(backoff_sleeps) == 3 and all(0 < s <= 0.05 for s in backoff_sleeps)


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, None), ("", None), ("3", 3.0), (" 12 ", 12.0), ("1.5", 1.5), ("-4", 0.0), ("nonsense", None)],
)
def test_parse_retry_after_seconds(header, expected):
    assert parse_retry_after(header) == expected


def test_parse_retry_after_is_capped_and_reads_http_dates():
    assert parse_retry_after("86400") == MAX_RETRY_AFTER_SECONDS
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    assert 55 <= parse_retry_after(in_a_minute) <= 60
    assert parse_retry_after(email.utils.formatdate(time.time() - 60, usegmt=True)) == 0.0


# --- malformed bodies ----------------------------------------------------------------------------


@responses.activate
def test_malformed_json_is_retried_then_raised(client, backoff_sleeps):
    responses.get(f"{BASE}/things", body="<html>gateway hiccup</html>", content_type="text/html")

    with pytest.raises(MalformedResponseError) as info:
        client.request_json("GET", "things")
    assert len(responses.calls) == 4
    assert info.value.retryable
    assert "/api/v2/things" in str(info.value) and "not valid JSON" in str(info.value)


@responses.activate
def test_malformed_json_then_good_body_succeeds(client, backoff_sleeps):
    responses.get(f"{BASE}/things", body='{"truncat')
    responses.get(f"{BASE}/things", json={"ok": 1})

    assert client.request_json("GET", "things") == {"ok": 1}


@responses.activate
def test_validate_hook_is_retried_by_the_same_policy(client, backoff_sleeps):
    responses.get(f"{BASE}/things", json={"nothing": "here"})
    responses.get(f"{BASE}/things", json={"data": [1]})

    def validate(body):
        if "data" not in body:
            raise MalformedResponseError("no data")
        return body["data"]

    assert client.request_json("GET", "things", validate=validate) == [1]
    assert len(responses.calls) == 2


@responses.activate
def test_malformed_post_body_is_not_resent(client, backoff_sleeps):
    responses.post(f"{BASE}/things", body="not json", status=201)

    with pytest.raises(MalformedResponseError):
        client.request_json("POST", "things", json={})
    assert len(responses.calls) == 1


# --- rate limiting and URLs -------------------------------------------------------------------------


@responses.activate
def test_every_attempt_takes_a_slot_keyed_by_origin_and_verb_class(client, recording_limiter, backoff_sleeps):
    responses.get(f"{BASE}/things", status=502)
    responses.get(f"{BASE}/things", json={})
    responses.put(f"{BASE}/things/1", json={})

    client.request("GET", "things")
    client.request("PUT", "things/1", json={})
    assert recording_limiter.calls == [
        ("Demo:https://remote.example:read", "50/second"),
        ("Demo:https://remote.example:read", "50/second"),
        ("Demo:https://remote.example:write", "7/second"),
    ]
    assert client.stats.requests == {"GET": 2, "PUT": 1}


def test_url_for_relative_root_relative_and_absolute(client):
    assert client.url_for("things") == f"{BASE}/things"
    assert client.url_for("/other/path/") == "https://remote.example/other/path/"
    assert client.url_for("https://elsewhere.example/x") == "https://elsewhere.example/x"
