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


# --- The message's automation and flow (the Automations and Flow reports group by them) ---------------
@pytest.fixture
def welcome(ascend_a, make_automation):
    return make_automation(ascend_a.ascend, "Welcome", ("flow-x", "flow-y"))


def test_a_message_is_tagged_with_its_automation_and_flow_and_the_list_shows_them(api, tenant_a, ascend_a, welcome):
    response = api(tenant_a.operator).post(URL, body(ascend_a, automation=welcome.pk, flow_id="flow-y"), format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["automation"], response.json()["flow_id"]) == (welcome.pk, "flow-y")
    api(tenant_a.operator).post(URL, body(ascend_a, message_id="msg-plain"), format="json")
    listed = {row["message_id"]: row for row in api(tenant_a.viewer).get(URL).json()["results"]}
    assert (listed["msg-42"]["automation"], listed["msg-42"]["flow_id"]) == (welcome.pk, "flow-y")
    assert (listed["msg-plain"]["automation"], listed["msg-plain"]["flow_id"]) == (None, "")
    tracked = TrackedLink.objects.get(message_id="msg-42")
    assert (tracked.automation, tracked.flow_id) == (welcome, "flow-y")


def test_the_tags_belong_to_the_message_every_url_carries_them(api, tenant_a, ascend_a, welcome):
    client = api(tenant_a.operator)
    client.post(URL, body(ascend_a), format="json")  # the first URL, posted untagged
    second = client.post(URL, body(ascend_a, url=EVENT_URL + "&x=2", automation=welcome.pk), format="json")
    assert second.status_code == 201
    third = client.post(URL, body(ascend_a, url=EVENT_URL + "&x=3", flow_id="flow-x"), format="json")
    assert (third.json()["automation"], third.json()["flow_id"]) == (welcome.pk, "flow-x"), "inherits the automation"
    rows = TrackedLink.objects.filter(message_id="msg-42")
    assert rows.count() == 3
    assert set(rows.values_list("automation", "flow_id")) == {(welcome.pk, "flow-x")}, "the earlier links tagged too"
    again = client.post(URL, body(ascend_a, phones=["215-555-0109"]), format="json")
    assert (again.status_code, again.json()["automation"], again.json()["flow_id"]) == (200, welcome.pk, "flow-x")


@pytest.mark.parametrize("field", ["automation", "flow_id"])
def test_a_message_cannot_change_its_automation_or_flow(api, tenant_a, ascend_a, welcome, make_automation, field):
    other = make_automation(ascend_a.ascend, "Other", ("flow-y",))
    client = api(tenant_a.operator)
    client.post(URL, body(ascend_a, automation=welcome.pk, flow_id="flow-x"), format="json")
    change = {"automation": other.pk} if field == "automation" else {"flow_id": "flow-y"}
    response = client.post(
        URL, body(ascend_a, url=EVENT_URL + "&x=2", phones=["215-555-0109"], **change), format="json"
    )
    assert response.status_code == 400
    assert "another" in response.json()[field][0]
    assert TrackedLink.objects.count() == 1 and MemberLink.objects.count() == 2, "nothing written"


def test_the_automation_must_be_this_integrations(
    api, tenant_a, tenant_b, ascend_a, ascend_b, make_integration, make_automation
):
    theirs = make_automation(ascend_b.ascend, "Theirs")
    second = make_integration(tenant_a.org, kind=IntegrationKind.ASCEND, name="Ascend A2")
    AscendConfig.objects.create(integration=second)
    sibling = make_automation(second.ascend, "Of the other integration")
    for automation_id in (theirs.pk, sibling.pk, 999_999):
        response = api(tenant_a.operator).post(URL, body(ascend_a, automation=automation_id), format="json")
        assert response.status_code == 400, automation_id
        assert response.json() == {"automation": ["Not an automation of this integration."]}, "says no more"
    assert not TrackedLink.objects.exists()


def test_the_flow_must_be_one_the_automation_starts(api, tenant_a, ascend_a, welcome):
    response = api(tenant_a.operator).post(URL, body(ascend_a, automation=welcome.pk, flow_id="flow-z"), format="json")
    assert response.status_code == 400
    assert "flow-x, flow-y" in response.json()["flow_id"][0]
    alone = api(tenant_a.operator).post(URL, body(ascend_a, flow_id="flow-z"), format="json")
    assert alone.status_code == 201, "a flow with no automation is any flow id"
    too_long = api(tenant_a.operator).post(URL, body(ascend_a, message_id="m2", flow_id="f" * 65), format="json")
    assert too_long.status_code == 400 and "flow_id" in too_long.json()


def test_a_flow_given_later_must_be_one_of_the_messages_automation(api, tenant_a, ascend_a, welcome):
    client = api(tenant_a.operator)
    client.post(URL, body(ascend_a, automation=welcome.pk), format="json")
    response = client.post(URL, body(ascend_a, flow_id="flow-z"), format="json")
    assert response.status_code == 400 and "'Welcome'" in response.json()["flow_id"][0]
    assert TrackedLink.objects.get().flow_id == ""
