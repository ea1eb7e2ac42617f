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
