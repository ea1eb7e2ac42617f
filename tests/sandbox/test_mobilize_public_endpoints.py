"""The public single event, the deprecated /events aliases, and JSON error envelopes for any path or method."""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import BASE, DEMO_KEY, INDEPENDENT_KEY

pytestmark = pytest.mark.django_db

ENVELOPE_404 = {"data": None, "error": {"detail": "Not found."}}


@pytest.fixture
def strict() -> Client:
    """A client that gets Django's CSRF check, as any real client without a session cookie would."""
    return Client(enforce_csrf_checks=True)


# --- GET /events/:event_id ---------------------------------------------------------------------------


def test_get_a_public_event_by_id_whoever_owns_it(api, demo):
    status, body = api.get("events/10001")
    assert status == 200
    assert list(body) == ["data"]
    event = body["data"]
    assert event["id"] == 10001 and event["sponsor"]["id"] == 1001
    assert event["contact"] is None and event["instructions"] is None, "privileged data needs the owner's key"
    _, promoted = api.get("events/20001")  # another organization's event: the platform's, not an organization's
    assert promoted["data"]["sponsor"]["id"] == 2002


def test_get_a_public_event_shows_privileged_data_only_to_the_owners_key(api, demo):
    _, owner = api.get("events/10001", DEMO_KEY)
    contact = owner["data"]["contact"]
    assert (contact.get("email_address") or contact.get("email_adddress")) == "events@demo-campaign.example.org"
    _, other = api.get("events/10001", INDEPENDENT_KEY)
    assert other["data"]["contact"] is None


def test_get_a_public_event_hides_a_private_address_from_everyone_but_the_owner(api, demo):
    from integrations.connectors.mobilize import is_private_address

    _, public = api.get("events/10004")
    assert is_private_address(public["data"]["location"])
    _, owner = api.get("events/10004", DEMO_KEY)
    assert owner["data"]["location"]["venue"] == "The Nguyens' home"


def test_get_a_public_event_is_404_for_a_private_unapproved_or_unknown_event(api, make):
    org = make.org(key="k")
    private = make.event(org, visibility="PRIVATE")
    pending = make.event(org, approval_status="NEEDS_APPROVAL")
    for event_id in (private.id, pending.id, 987654):
        for key in (None, "k"):  # "to fetch a private event, use the organization event endpoint instead"
            assert api.get(f"events/{event_id}", key) == (404, ENVELOPE_404)
    assert api.get(f"organizations/{org.id}/events/{private.id}", "k")[0] == 200


def test_get_a_public_event_refuses_a_bad_key(api, make):
    event = make.event(make.org())
    status, body = api.get(f"events/{event.id}", "not-a-key")
    assert status == 403 and body["data"] is None


# --- the deprecated aliases --------------------------------------------------------------------------


def test_deprecated_events_list_is_an_alias_of_organization_1s_events(api, make):
    promoted = make.org()
    one = make.org(id=1, promotes=[promoted])
    own, theirs = make.event(one), make.event(promoted)
    make.event(make.org())  # someone else's: not organization 1's
    assert {e["id"] for e in api.all("events")} == {own.id, theirs.id}
    assert {e["id"] for e in api.all("events", params={"organization_id": promoted.id})} == {theirs.id}
    assert api.get("events", params={"organization_id": "hello"}) == (
        400,
        {"data": None, "error": {"organization_id": {"0": ["A valid integer is required."]}}},
    ), "the reference's own example of an error, for /v1/events?organization_id=hello"


def test_deprecated_events_list_pages_with_cursor_links_on_its_own_path(api, make):
    one = make.org(id=1)
    for _ in range(3):
        make.event(one)
    status, body = api.get("events", params={"per_page": 2})
    assert status == 200 and body["count"] == 3
    assert "/sandbox/mobilize/v1/events?" in body["next"] and "cursor=" in body["next"]
    assert len(api.all("events", params={"per_page": 2})) == 3


def test_deprecated_deleted_events_is_an_alias_of_organization_1s_deleted_events(api, make):
    one = make.org(id=1)
    gone = make.event(one).mark_deleted(5000)
    make.event(make.org()).mark_deleted(5000)
    assert api.all("events/deleted") == [{"id": gone.id, "deleted_date": 5000}]
    assert api.all("events/deleted", params={"updated_since": 6000}) == []


def test_deprecated_aliases_answer_as_organization_1_would_when_it_is_missing(api, db):
    assert api.get("events") == (404, ENVELOPE_404)
    assert api.get("events/deleted") == (404, ENVELOPE_404)


# --- JSON error envelopes for any path and method ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "nope",
        "organizations/1001/volunteers",
        "organizations/not-a-number/events",
        "organizations/1001/events/10001/attendances/extra",
        "events/abc",
        "",
    ],
)
def test_an_unknown_path_is_a_json_404_envelope(strict, path):
    for method in ("get", "post", "put", "delete"):
        response = getattr(strict, method)(f"{BASE}/{path}")
        assert response.status_code == 404, (method, path)
        assert response["Content-Type"] == "application/json"
        assert response.json() == ENVELOPE_404


@pytest.mark.parametrize("path", ["/sandbox/mobilize", "/sandbox/mobilize/", "/sandbox/mobilize/v2/events"])
def test_a_path_outside_v1_is_a_json_404_envelope_too(strict, db, path):
    response = strict.post(path)
    assert response.status_code == 404 and response.json() == ENVELOPE_404


@pytest.mark.parametrize(
    "path",
    ["organizations", "organizations/1001/events", "organizations/1001/events/10001", "events", "events/10001"],
)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_to_a_read_only_path_is_a_json_405_not_a_csrf_page(strict, demo, path, method):
    response = getattr(strict, method)(
        f"{BASE}/{path}", "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {DEMO_KEY}"
    )
    assert response.status_code == 405, response.content[:200]
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"data": None, "error": {"detail": f'Method "{method.upper()}" not allowed.'}}
    assert response["Allow"] == "GET"
