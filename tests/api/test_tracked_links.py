"""POST/GET /api/tracked-links/: Ascend tracked links, organization-scoped like the rest of the API."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from integrations.models import AscendConfig, IntegrationKind, MemberLink, TrackedLink
from integrations.models.ascend_links import CODE_LENGTH

URL = "/api/tracked-links/"
EVENT_URL = "https://www.mobilize.us/demo/event/10/?source=sms"


@pytest.fixture
def ascend_a(tenant_a, make_integration):
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ASCEND, name="Ascend A")
    AscendConfig.objects.create(integration=integration)
    return integration


@pytest.fixture
def ascend_b(tenant_b, make_integration):
    integration = make_integration(tenant_b.org, kind=IntegrationKind.ASCEND, name="Ascend B")
    AscendConfig.objects.create(integration=integration)
    return integration


def body(integration, **overrides) -> dict:
    return {
        "integration": integration.pk,
        "message_id": "msg-42",
        "url": EVENT_URL,
        "phones": ["(215) 555-0101", "+1 215 555 0102"],
        **overrides,
    }


def test_operator_creates_one_short_link_per_phone(api, tenant_a, ascend_a):
    response = api(tenant_a.operator).post(URL, body(ascend_a), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["integration"], data["message_id"], data["url"]) == (ascend_a.pk, "msg-42", EVENT_URL)
    assert [link["phone"] for link in data["links"]] == ["+12155550101", "+12155550102"], "E.164"
    for link in data["links"]:
        short = urlsplit(link["short_url"])
        assert (short.scheme, short.netloc, short.path) == ("http", "testserver", f"/l/{link['code']}")
        assert len(link["code"]) == CODE_LENGTH
    assert len({link["code"] for link in data["links"]}) == 2
    tracked = TrackedLink.objects.get()
    assert tracked.config == ascend_a.ascend and tracked.destination_url == EVENT_URL
    assert MemberLink.objects.filter(tracked_link=tracked).count() == 2


def test_posting_the_same_message_again_adds_only_new_phones(api, tenant_a, ascend_a):
    first = api(tenant_a.operator).post(URL, body(ascend_a), format="json").json()
    again = api(tenant_a.operator).post(
        URL, body(ascend_a, phones=["215-555-0102", "215-555-0103", "2155550103"]), format="json"
    )
    assert again.status_code == 200
    data = again.json()
    assert data["id"] == first["id"]
    assert [link["phone"] for link in data["links"]] == ["+12155550101", "+12155550102", "+12155550103"]
    kept = {link["phone"]: link["code"] for link in first["links"]}
    assert {link["phone"]: link["code"] for link in data["links"][:2]} == kept, "existing codes never change"


def test_list_shows_only_the_callers_organization(api, tenant_a, tenant_b, ascend_a, ascend_b, superuser):
    api(tenant_a.operator).post(URL, body(ascend_a), format="json")
    api(tenant_b.operator).post(URL, body(ascend_b, message_id="msg-b"), format="json")
    mine = api(tenant_a.viewer).get(URL).json()["results"]
    assert [row["message_id"] for row in mine] == ["msg-42"]
    theirs = TrackedLink.objects.get(message_id="msg-b")
    assert api(tenant_a.viewer).get(f"{URL}{theirs.pk}/").status_code == 404
    assert api(tenant_b.viewer).get(f"{URL}{theirs.pk}/").status_code == 200
    assert {row["message_id"] for row in api(superuser).get(URL).json()["results"]} == {"msg-42", "msg-b"}


def test_another_organizations_integration_is_a_404(api, tenant_a, ascend_b):
    response = api(tenant_a.admin).post(URL, body(ascend_b), format="json")
    assert response.status_code == 404
    assert not TrackedLink.objects.exists()


def test_a_viewer_may_not_create(api, tenant_a, ascend_a):
    assert api(tenant_a.viewer).post(URL, body(ascend_a), format="json").status_code == 403
    assert not TrackedLink.objects.exists()


def test_anonymous_is_refused(api, ascend_a):
    assert api().post(URL, body(ascend_a), format="json").status_code in (401, 403)
    assert api().get(URL).status_code in (401, 403)


def test_an_integration_of_another_kind_is_refused(api, tenant_a):
    response = api(tenant_a.admin).post(URL, body(tenant_a.integration), format="json")
    assert response.status_code == 400
    assert "integration" in response.json()


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://mobilize.us/event/10/"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"phones": ["215-555-0101", "12345"]}, "phones"),
        ({"phones": ["call me"]}, "phones"),
        ({"phones": []}, "phones"),
        ({"message_id": ""}, "message_id"),
        ({"message_id": "m" * 201}, "message_id"),
    ],
)
def test_invalid_input_is_a_400_and_creates_nothing(api, tenant_a, ascend_a, overrides, field):
    response = api(tenant_a.operator).post(URL, body(ascend_a, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not TrackedLink.objects.exists() and not MemberLink.objects.exists()
