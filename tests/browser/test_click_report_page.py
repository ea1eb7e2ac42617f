"""The Click-through report page in a real browser: from the Ascend page, the figures, the chart, the URL picker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from integrations.models import AscendConfig, Click, FormSubmission, IntegrationKind, MemberLink, TrackedLink

pytestmark = pytest.mark.browser

EVENT_A = "https://www.mobilize.us/demo/event/10/"
EVENT_B = "https://www.mobilize.us/demo/event/11/"
T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


def tracked(config, url: str, phones: list[str]) -> list[MemberLink]:
    link = TrackedLink.objects.create(config=config, message_id="msg-june", destination_url=url)
    return [MemberLink.objects.create(tracked_link=link, phone=phone) for phone in phones]


def test_report_figures_chart_and_url_picker(page, log_in, tenant_a, tenant_b, make_integration, screenshots):
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ASCEND, name="Ascend SMS")
    config = AscendConfig.objects.create(integration=integration)
    # EVENT_A: 4 recipients, 2 clicked (one twice, at 9:00 and 11:00), 1 of them submitted.
    # EVENT_B: 1 recipient who clicked and submitted at 10:00.
    a = tracked(config, EVENT_A, ["+12155550101", "+12155550102", "+12155550103", "+12155550104"])
    (b,) = tracked(config, EVENT_B, ["+12155550105"])
    Click.objects.create(member_link=a[0], clicked_at=T0)
    Click.objects.create(member_link=a[0], clicked_at=T0 + timedelta(hours=2))
    Click.objects.create(member_link=a[1], clicked_at=T0 + timedelta(minutes=20))
    FormSubmission.objects.create(member_link=a[0], mobilize_attendance_id=1, submitted_at=T0 + timedelta(minutes=5))
    Click.objects.create(member_link=b, clicked_at=T0 + timedelta(hours=1))
    FormSubmission.objects.create(member_link=b, mobilize_attendance_id=2, submitted_at=T0 + timedelta(hours=1))
    other = make_integration(tenant_b.org, kind=IntegrationKind.ASCEND, name="Theirs")
    AscendConfig.objects.create(integration=other)

    log_in(tenant_a.viewer)
    page.goto(f"/admin/integrations/integration/{integration.pk}/change/")
    row = page.locator('#ascend-reports tr.ascend-tracked-message[data-message-id="msg-june"]')
    expect(row).to_contain_text("2")
    row.locator("a.ascend-report-link").click()

    # All links: 5 recipients, 3 clicked, 2 submitted (both clickers), 2 silent.
    expect(page.locator("#click-report-title")).to_contain_text("msg-june")
    expect(page.locator("#figure-click-through-rate .value")).to_have_text("60.0%")
    expect(page.locator("#figure-click-through-rate .detail")).to_contain_text("3 of 5 recipients clicked (4 clicks")
    expect(page.locator("#figure-form-submissions .value")).to_have_text("2")
    expect(page.locator("#figure-clicked-no-submission .value")).to_have_text("1")
    expect(page.locator("#figure-sent-no-clicks .value")).to_have_text("2")
    expect(page.locator("#figure-conversion-rate .value")).to_have_text("66.7%")
    bars = page.locator("#click-chart g.bar")
    expect(bars).to_have_count(3)  # 9:00, 10:00, 11:00
    assert [bars.nth(i).get_attribute("data-clicks") for i in range(3)] == ["2", "1", "1"]
    assert [bars.nth(i).get_attribute("data-submissions") for i in range(3)] == ["1", "1", "0"]
    assert float(bars.nth(0).locator("rect.clicks").get_attribute("height")) > float(
        bars.nth(1).locator("rect.clicks").get_attribute("height")
    ), "the busiest hour is the tallest bar"
    page.screenshot(path=screenshots / "click_report_all.png", full_page=True)

    # The picker: EVENT_A alone (submitting the select's form reloads the page on that URL).
    expect(page.locator("#id_url option")).to_have_count(3)
    page.select_option("#id_url", EVENT_A)
    page.wait_for_url("**url=*")
    expect(page.locator("#id_url option:checked")).to_have_text(EVENT_A)
    expect(page.locator("#figure-click-through-rate .value")).to_have_text("50.0%")
    expect(page.locator("#figure-form-submissions .value")).to_have_text("1")
    expect(page.locator("#figure-sent-no-clicks .value")).to_have_text("2")
    expect(page.locator("#figure-conversion-rate .value")).to_have_text("50.0%")
    expect(bars).to_have_count(3)
    assert [bars.nth(i).get_attribute("data-clicks") for i in range(3)] == ["2", "0", "1"]
    page.screenshot(path=screenshots / "click_report_url.png", full_page=True)

    # Another organization's integration, or an unknown message, is not found.
    assert page.goto(f"/admin/integrations/integration/{other.pk}/click-report/?message_id=msg-june").status == 404
    report = f"/admin/integrations/integration/{integration.pk}/click-report/"
    assert page.goto(f"{report}?message_id=nope").status == 404
    assert page.goto(f"{report}?message_id=msg-june&url=https://x.example/").status == 404


def test_automation_and_flow_reports(page, log_in, tenant_a, tenant_b, make_integration, make_automation, screenshots):
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ASCEND, name="Ascend SMS")
    config = AscendConfig.objects.create(
        integration=integration, flows_cache=[{"id": "flow-x", "name": "Welcome series"}]
    )
    welcome = make_automation(config, "Welcome", ("flow-x",))
    theirs = make_automation(
        AscendConfig.objects.create(integration=make_integration(tenant_b.org, kind=IntegrationKind.ASCEND)), "Theirs"
    )

    def message(message_id: str, url: str, phones: list[str], **tags) -> list[MemberLink]:
        link = TrackedLink.objects.create(config=config, message_id=message_id, destination_url=url, **tags)
        return [MemberLink.objects.create(tracked_link=link, phone=phone) for phone in phones]

    # Welcome sends msg-a (EVENT_A, 3 phones) and msg-b (EVENT_B, 2 phones; 0101 got both), both in flow-x;
    # msg-c (EVENT_A, 1 phone) is in flow-x alone. 0101 clicks and submits in msg-a, clicks only in msg-b.
    a = message(
        "msg-a", EVENT_A, ["+12155550101", "+12155550102", "+12155550103"], automation=welcome, flow_id="flow-x"
    )
    b = message("msg-b", EVENT_B, ["+12155550101", "+12155550104"], automation=welcome, flow_id="flow-x")
    (c,) = message("msg-c", EVENT_A, ["+12155550105"], flow_id="flow-x")
    Click.objects.create(member_link=a[0], clicked_at=T0)
    FormSubmission.objects.create(member_link=a[0], mobilize_attendance_id=1, submitted_at=T0 + timedelta(minutes=10))
    Click.objects.create(member_link=a[1], clicked_at=T0 + timedelta(hours=1))
    Click.objects.create(member_link=b[0], clicked_at=T0 + timedelta(hours=2))
    Click.objects.create(member_link=c, clicked_at=T0 + timedelta(hours=2))
    FormSubmission.objects.create(member_link=c, mobilize_attendance_id=2, submitted_at=T0 + timedelta(hours=2))

    log_in(tenant_a.viewer)
    page.goto(f"/admin/integrations/integration/{integration.pk}/change/")
    page.locator("#ascend-automations tr.ascend-automation", has_text="Welcome").locator(
        "a.ascend-automation-report"
    ).click()

    # Welcome: 5 messages sent (0101 counts twice), 3 clicked (a0, a1, b0), 1 submission, 2 silent (a2, b1).
    expect(page.locator("#click-report-title")).to_contain_text("Automation Welcome")
    expect(page.locator("#click-report-scope")).to_contain_text("2 messages tracked")
    expect(page.locator("#id_by option:checked")).to_have_text("An automation's messages")
    expect(page.locator("#figure-click-through-rate .value")).to_have_text("60.0%")
    expect(page.locator("#figure-click-through-rate .detail")).to_contain_text(
        "3 of 5 messages sent were clicked (3 clicks"
    )
    expect(page.locator("#figure-form-submissions .value")).to_have_text("1")
    expect(page.locator("#figure-clicked-no-submission .value")).to_have_text("2")
    expect(page.locator("#figure-sent-no-clicks .value")).to_have_text("2")
    expect(page.locator("#figure-conversion-rate .value")).to_have_text("33.3%")
    bars = page.locator("#click-chart g.bar")
    expect(bars).to_have_count(3)
    assert [bars.nth(i).get_attribute("data-clicks") for i in range(3)] == ["1", "1", "1"]
    assert [bars.nth(i).get_attribute("data-submissions") for i in range(3)] == ["1", "0", "0"]
    page.screenshot(path=screenshots / "click_report_automation.png", full_page=True)

    # The URL picker lists the automation's two links; EVENT_B is msg-b alone.
    expect(page.locator("#id_url option")).to_have_count(3)
    page.select_option("#id_url", EVENT_B)
    page.wait_for_url("**url=*")
    expect(page.locator("#click-report-title")).to_contain_text("Automation Welcome")
    expect(page.locator("#figure-click-through-rate .value")).to_have_text("50.0%")
    expect(page.locator("#figure-conversion-rate .value")).to_have_text("0.0%")
    expect(bars).to_have_count(1)

    # "Report on" a flow: only the flow select shows; flow-x is all three messages: 6 sent, 4 clicked (a0, a1,
    # b0, c), 2 submitted (a0, c), 2 silent (a2, b1).
    page.select_option("#id_by", "flow")
    expect(page.locator("#id_message_id")).to_be_hidden()
    expect(page.locator("#id_automation")).to_be_hidden()
    expect(page.locator("#id_flow_id option")).to_have_count(1)  # flow-x once, though three messages name it
    expect(page.locator("#id_flow_id option:checked")).to_have_text("Welcome series (flow-x)")
    page.click("#click-report-choose input[type=submit]")
    expect(page.locator("#click-report-title")).to_contain_text("Flow Welcome series (flow-x)")
    expect(page.locator("#figure-click-through-rate .value")).to_have_text("66.7%")
    expect(page.locator("#figure-click-through-rate .detail")).to_contain_text(
        "4 of 6 messages sent were clicked (4 clicks"
    )
    expect(page.locator("#figure-form-submissions .value")).to_have_text("2")
    expect(page.locator("#figure-clicked-no-submission .value")).to_have_text("2")
    expect(page.locator("#figure-sent-no-clicks .value")).to_have_text("2")
    expect(page.locator("#figure-conversion-rate .value")).to_have_text("50.0%")
    page.screenshot(path=screenshots / "click_report_flow.png", full_page=True)

    # The tracked messages table links each message's automation and flow reports.
    row = page.locator("#click-report-messages tr", has_text="msg-c")
    expect(row).to_contain_text("Welcome series")
    page.locator("#click-report-messages tr", has_text="msg-a").get_by_role("link", name="Welcome", exact=True).click()
    expect(page.locator("#click-report-title")).to_contain_text("Automation Welcome")

    # The automation's own list links its report too.
    page.goto("/admin/integrations/automation/")
    page.locator("a.automation-click-report").click()
    expect(page.locator("#figure-click-through-rate .value")).to_have_text("60.0%")

    # Another organization's automation, a malformed id or two choices at once: not found.
    report = f"/admin/integrations/integration/{integration.pk}/click-report/"
    assert page.goto(f"{report}?automation={theirs.pk}").status == 404
    assert page.goto(f"{report}?by=automation&automation=abc").status == 404
    assert page.goto(f"{report}?message_id=msg-a&automation={welcome.pk}").status == 404
    assert page.goto(f"{report}?flow_id=flow-nope").status == 404
