"""GET /api/tracked-links/report/: a message's five figures, its URLs and its series; organization-scoped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.models import AscendConfig, Click, FormSubmission, IntegrationKind, MemberLink, TrackedLink

URL = "/api/tracked-links/report/"
EVENT_A = "https://www.mobilize.us/demo/event/10/"
EVENT_B = "https://www.mobilize.us/demo/event/11/"
NOON = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ascend_a(tenant_a, make_integration):
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ASCEND, name="Ascend A")
    config = AscendConfig.objects.create(integration=integration)
    # EVENT_A to four phones: one clicks twice and submits, one clicks only. EVENT_B to one phone, silent.
    links = []
    for url, phones in (
        (EVENT_A, ["+12155550101", "+12155550102", "+12155550103", "+12155550104"]),
        (EVENT_B, ["+12155550105"]),
    ):
        tracked = TrackedLink.objects.create(config=config, message_id="msg-7", destination_url=url)
        links += [MemberLink.objects.create(tracked_link=tracked, phone=phone) for phone in phones]
    Click.objects.create(member_link=links[0], clicked_at=NOON)
    Click.objects.create(member_link=links[0], clicked_at=NOON.replace(minute=30))
    Click.objects.create(member_link=links[1], clicked_at=NOON.replace(hour=14))
    FormSubmission.objects.create(member_link=links[0], mobilize_attendance_id=1, submitted_at=NOON.replace(minute=45))
    return integration


@pytest.fixture
def ascend_b(tenant_b, make_integration):
    integration = make_integration(tenant_b.org, kind=IntegrationKind.ASCEND, name="Ascend B")
    config = AscendConfig.objects.create(integration=integration)
    TrackedLink.objects.create(config=config, message_id="msg-7", destination_url=EVENT_A)
    return integration


def test_the_report_of_one_url(api, tenant_a, ascend_a):
    response = api(tenant_a.viewer).get(URL, {"integration": ascend_a.pk, "message_id": "msg-7", "url": EVENT_A})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["integration"], data["message_id"], data["url"]) == (ascend_a.pk, "msg-7", EVENT_A)
    assert data["urls"] == [EVENT_A, EVENT_B], "the picker's choices"
    assert (data["recipients"], data["clicked"], data["clicks"]) == (4, 2, 3)
    assert data["click_through_rate"] == pytest.approx(0.5)
    assert data["form_submissions"] == 1
    assert data["link_clicked_no_submission"] == 1
    assert data["messages_sent_no_clicks"] == 2
    assert data["submission_conversion_rate"] == pytest.approx(0.5)
    assert data["bucket"] == "hour"
    assert [(point["clicks"], point["submissions"]) for point in data["series"]] == [(2, 1), (0, 0), (1, 0)]
    assert data["series"][0]["start"].startswith("2025-06-01T12:00:00")


def test_all_urls_and_a_day_series(api, tenant_a, ascend_a):
    data = api(tenant_a.viewer).get(URL, {"integration": ascend_a.pk, "message_id": "msg-7", "bucket": "day"}).json()
    assert data["url"] is None
    assert (data["recipients"], data["messages_sent_no_clicks"]) == (5, 3)
    assert data["click_through_rate"] == pytest.approx(2 / 5)
    assert [(point["clicks"], point["submissions"]) for point in data["series"]] == [(3, 1)]


def test_another_organization_gets_a_404(api, tenant_a, tenant_b, ascend_a, ascend_b):
    theirs = api(tenant_a.viewer).get(URL, {"integration": ascend_b.pk, "message_id": "msg-7"})
    assert theirs.status_code == 404
    assert api(tenant_b.viewer).get(URL, {"integration": ascend_a.pk, "message_id": "msg-7"}).status_code == 404
    assert api(tenant_b.viewer).get(URL, {"integration": ascend_b.pk, "message_id": "msg-7"}).status_code == 200


def test_bad_queries(api, tenant_a, ascend_a, make_integration):
    client = api(tenant_a.viewer)
    assert client.get(URL, {"integration": ascend_a.pk}).status_code == 400, "message_id is required"
    assert client.get(URL, {"integration": ascend_a.pk, "message_id": "unknown"}).status_code == 404
    wrong_url = client.get(URL, {"integration": ascend_a.pk, "message_id": "msg-7", "url": "https://x.example/"})
    assert wrong_url.status_code == 400 and EVENT_A in wrong_url.json()["url"][0]
    bad_bucket = client.get(URL, {"integration": ascend_a.pk, "message_id": "msg-7", "bucket": "week"})
    assert bad_bucket.status_code == 400
    memory = make_integration(tenant_a.org, name="Not Ascend")
    assert client.get(URL, {"integration": memory.pk, "message_id": "msg-7"}).status_code == 404
    assert api().get(URL, {"integration": ascend_a.pk, "message_id": "msg-7"}).status_code in (401, 403)


# --- Groups: an automation's or a flow's messages together ---------------------------------------------
@pytest.fixture
def grouped(ascend_a, make_automation):
    """msg-7 (above) and msg-8 are Welcome's and in flow-x; msg-9 is in flow-x alone.

    msg-8 (EVENT_B) to +12155550101, who also got msg-7, and +12155550106: 0101 clicks at 13:00, no
    submission. msg-9 (EVENT_A) to +12155550107, who clicks and submits at 16:00.
    """
    config = ascend_a.ascend
    welcome = make_automation(config, "Welcome", ("flow-x",))
    TrackedLink.objects.filter(config=config, message_id="msg-7").update(automation=welcome, flow_id="flow-x")
    eight = TrackedLink.objects.create(
        config=config, message_id="msg-8", destination_url=EVENT_B, automation=welcome, flow_id="flow-x"
    )
    got_both = MemberLink.objects.create(tracked_link=eight, phone="+12155550101")
    MemberLink.objects.create(tracked_link=eight, phone="+12155550106")
    Click.objects.create(member_link=got_both, clicked_at=NOON.replace(hour=13))
    nine = TrackedLink.objects.create(config=config, message_id="msg-9", destination_url=EVENT_A, flow_id="flow-x")
    clicker = MemberLink.objects.create(tracked_link=nine, phone="+12155550107")
    Click.objects.create(member_link=clicker, clicked_at=NOON.replace(hour=16))
    FormSubmission.objects.create(member_link=clicker, mobilize_attendance_id=9, submitted_at=NOON.replace(hour=16))
    return welcome


def test_the_report_of_an_automation(api, tenant_a, ascend_a, grouped):
    response = api(tenant_a.viewer).get(URL, {"integration": ascend_a.pk, "automation": grouped.pk})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["message_id"], data["automation"], data["flow_id"], data["messages"]) == (None, grouped.pk, None, 2)
    assert data["urls"] == [EVENT_A, EVENT_B]
    # msg-7: 5 sent, 2 clicked (3 clicks), 1 submitted; msg-8: 2 sent, +12155550101 clicked (a second message).
    assert (data["recipients"], data["clicked"], data["clicks"]) == (7, 3, 4)
    assert data["click_through_rate"] == pytest.approx(3 / 7)
    assert (data["form_submissions"], data["clicked_and_submitted"]) == (1, 1)
    assert data["link_clicked_no_submission"] == 2, "+12155550102 in msg-7, +12155550101 in msg-8"
    assert data["messages_sent_no_clicks"] == 4
    assert data["submission_conversion_rate"] == pytest.approx(1 / 3)
    assert [(point["clicks"], point["submissions"]) for point in data["series"]] == [(2, 1), (1, 0), (1, 0)]


def test_the_report_of_a_flow_and_of_one_of_its_urls(api, tenant_a, ascend_a, grouped):
    client = api(tenant_a.viewer)
    data = client.get(URL, {"integration": ascend_a.pk, "flow_id": "flow-x", "bucket": "day"}).json()
    assert (data["flow_id"], data["automation"], data["messages"], data["recipients"]) == ("flow-x", None, 3, 8)
    assert (data["clicked"], data["form_submissions"], data["clicked_and_submitted"]) == (4, 2, 2)
    assert data["messages_sent_no_clicks"] == 4
    assert [(point["clicks"], point["submissions"]) for point in data["series"]] == [(5, 2)]
    one = client.get(URL, {"integration": ascend_a.pk, "flow_id": "flow-x", "url": EVENT_A}).json()
    assert (one["url"], one["messages"], one["recipients"], one["clicked"]) == (EVENT_A, 2, 5, 3)
    assert one["urls"] == [EVENT_A, EVENT_B]


def test_the_message_report_is_unchanged_by_grouping(api, tenant_a, ascend_a, grouped):
    data = api(tenant_a.viewer).get(URL, {"integration": ascend_a.pk, "message_id": "msg-7"}).json()
    assert (data["message_id"], data["automation"], data["flow_id"], data["messages"]) == ("msg-7", None, None, 1)
    assert (data["recipients"], data["clicked"], data["messages_sent_no_clicks"]) == (5, 2, 3)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"message_id": "msg-7", "flow_id": "flow-x"},
        {"message_id": "msg-7", "automation": "AUTOMATION"},
        {"automation": "AUTOMATION", "flow_id": "flow-x"},
        {"message_id": "", "flow_id": " "},
    ],
)
def test_exactly_one_of_message_automation_or_flow(api, tenant_a, ascend_a, grouped, query):
    query = {name: grouped.pk if value == "AUTOMATION" else value for name, value in query.items()}
    response = api(tenant_a.viewer).get(URL, {"integration": ascend_a.pk, **query})
    assert response.status_code == 400
    assert "exactly one of message_id" in response.json()["non_field_errors"][0]


def test_group_queries_that_name_nothing(api, tenant_a, tenant_b, ascend_a, ascend_b, grouped, make_automation):
    client = api(tenant_a.viewer)
    theirs = make_automation(ascend_b.ascend, "Theirs")
    refused = client.get(URL, {"integration": ascend_a.pk, "automation": theirs.pk})
    assert refused.status_code == 400
    assert refused.json() == {"automation": ["Not an automation of this integration."]}
    assert client.get(URL, {"integration": ascend_b.pk, "automation": theirs.pk}).status_code == 404
    assert api(tenant_b.viewer).get(URL, {"integration": ascend_a.pk, "automation": grouped.pk}).status_code == 404
    assert api(tenant_b.viewer).get(URL, {"integration": ascend_b.pk, "automation": grouped.pk}).status_code == 400
    assert client.get(URL, {"integration": ascend_a.pk, "automation": "x"}).status_code == 400
    assert client.get(URL, {"integration": ascend_a.pk, "flow_id": "flow-nope"}).status_code == 404
    wrong_url = client.get(URL, {"integration": ascend_a.pk, "automation": grouped.pk, "url": "https://x.example/"})
    assert wrong_url.status_code == 400 and EVENT_B in wrong_url.json()["url"][0]
    quiet = make_automation(ascend_a.ascend, "Quiet")
    zeros = client.get(URL, {"integration": ascend_a.pk, "automation": quiet.pk}).json()
    assert (zeros["messages"], zeros["recipients"], zeros["urls"], zeros["series"]) == (0, 0, [], [])
