"""Fault injection shared by every emulated system: per request, per FaultRule, per setting."""

from __future__ import annotations

import json

import pytest

import sandbox.faults as faults
from sandbox.faults import Fault, parse_fault
from sandbox.models import FaultKind, FaultRule

from .conftest import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture
def slept(monkeypatch) -> list[float]:
    """Record the faults' sleeps instead of sleeping (no test here measures time)."""
    calls: list[float] = []
    monkeypatch.setattr(faults.time, "sleep", calls.append)
    return calls


def get(client, path="enums", **extra):
    return client.get(f"{BASE}/{path}", **extra)


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("429", Fault("429")),
        ("500", Fault("500")),
        (" 503 ", Fault("503")),
        ("TIMEOUT", Fault("timeout")),
        ("malformed", Fault("malformed")),
        ("latency=250", Fault("latency", 250)),
        ("latency", Fault("latency", 500)),
        ("teapot", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_fault_reads_the_documented_names(text, fault):
    assert parse_fault(text) == fault


@pytest.mark.parametrize("status", ["429", "500", "503"])
def test_a_status_fault_asked_for_in_the_header_answers_that_status(client, status):
    response = get(client, HTTP_X_SANDBOX_FAULT=status)
    assert response.status_code == int(status)
    assert "detail" in response.json()
    assert "Retry-After" not in response  # Mobilize documents none


def test_a_fault_can_be_asked_for_with_the_query_parameter(client):
    assert client.get(f"{BASE}/enums", {"sandbox_fault": "503"}).status_code == 503


def test_a_malformed_fault_is_a_200_whose_body_is_not_json(client):
    response = get(client, HTTP_X_SANDBOX_FAULT="malformed")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.content)


def test_a_timeout_fault_holds_the_request_then_answers_504(client, settings, slept):
    settings.SANDBOX_TIMEOUT_FAULT_SECONDS = 7.5
    response = get(client, HTTP_X_SANDBOX_FAULT="timeout")
    assert slept == [7.5]
    assert response.status_code == 504


def test_a_latency_fault_delays_the_real_answer(client, slept):
    response = get(client, HTTP_X_SANDBOX_FAULT="latency=250")
    assert slept == [0.25]
    assert response.status_code == 200 and "event_type" in response.json()["data"]


def test_faults_come_before_the_systems_own_auth(client):
    response = get(client, "organizations", HTTP_X_SANDBOX_FAULT="500", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code == 500


def test_a_fault_rule_with_a_countdown_faults_that_many_requests_then_stops(client):
    rule = FaultRule.objects.create(system="mobilize", kind=FaultKind.SERVER_ERROR, remaining=2)
    assert [get(client).status_code for _ in range(4)] == [500, 500, 200, 200]
    rule.refresh_from_db()
    assert (rule.remaining, rule.hits) == (0, 2)


def test_a_fault_rule_without_a_countdown_faults_every_match_and_counts_hits(client):
    rule = FaultRule.objects.create(kind=FaultKind.UNAVAILABLE)
    assert [get(client).status_code for _ in range(3)] == [503, 503, 503]
    rule.refresh_from_db()
    assert rule.hits == 3 and rule.remaining is None


def test_a_fault_rule_matches_on_system_method_and_path(client):
    FaultRule.objects.create(system="actionkit", kind=FaultKind.SERVER_ERROR)
    FaultRule.objects.create(system="mobilize", method="POST", kind=FaultKind.SERVER_ERROR)
    FaultRule.objects.create(system="mobilize", path_pattern=r"/people$", kind=FaultKind.RATE_LIMIT)
    FaultRule.objects.create(system="mobilize", kind=FaultKind.SERVER_ERROR, enabled=False)
    assert get(client).status_code == 200
    assert get(client, "organizations/1/people").status_code == 429


def test_the_sandbox_faults_setting_imposes_faults_on_the_whole_process(client, settings):
    settings.SANDBOX_FAULTS = [{"system": "mobilize", "path_pattern": "enums", "kind": "503"}]
    assert get(client).status_code == 503
    assert get(client, "organizations").status_code == 200


def test_a_per_request_fault_is_not_carried_into_next_links(client, make):
    for _ in range(3):
        make.org()
    response = client.get(f"{BASE}/organizations", {"per_page": 1, "sandbox_fault": "latency=0"})
    assert response.status_code == 200
    assert "sandbox_fault" not in response.json()["next"]
