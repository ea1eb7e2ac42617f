"""Click-through reports of a message, an automation and a flow: the seed's five figures, worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from integrations.flows.ascend import reports
from integrations.models import (
    AscendConfig,
    Automation,
    Click,
    FormSubmission,
    IntegrationKind,
    MemberLink,
    TrackedLink,
)

pytestmark = pytest.mark.django_db

URL_A = "https://www.mobilize.us/x/event/10/"
URL_B = "https://www.mobilize.us/x/event/11/"
PHONES = [f"+1215555{n:04d}" for n in range(11)]
T0 = datetime(2025, 6, 1, 10, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def link(config: AscendConfig, message_id: str, url: str, phone: str) -> MemberLink:
    tracked, _ = TrackedLink.objects.get_or_create(config=config, message_id=message_id, destination_url=url)
    return MemberLink.objects.create(tracked_link=tracked, phone=phone)


def submit(member_link: MemberLink, attendance_id: int, when: datetime) -> None:
    FormSubmission.objects.create(member_link=member_link, mobilize_attendance_id=attendance_id, submitted_at=when)


@pytest.fixture
def config(make_organization, make_integration) -> AscendConfig:
    integration = make_integration(make_organization(name="Reports org"), kind=IntegrationKind.ASCEND)
    return AscendConfig.objects.create(integration=integration)


@pytest.fixture
def other_config(make_organization, make_integration) -> AscendConfig:
    integration = make_integration(make_organization(name="Other org"), kind=IntegrationKind.ASCEND)
    return AscendConfig.objects.create(integration=integration)


@pytest.fixture
def message(config, other_config):
    """msg-1 tracks URL_A (phones 0-9) and URL_B (phones 8, 9, 10).

    URL_A: phone 0 clicks twice and submits, 1 clicks and submits, 2 and 3 click only, 4 submits
    without a recorded click, 5-9 do nothing. URL_B: phone 10 clicks once and submits twice (two
    attendances); 8 and 9 do nothing. Noise that must not count: another message of the same
    integration, and another integration's message of the same id.
    """
    a = {phone: link(config, "msg-1", URL_A, phone) for phone in PHONES[:10]}
    b = {phone: link(config, "msg-1", URL_B, phone) for phone in PHONES[8:]}
    for phone, minutes in ((0, 5), (0, 40), (1, 70), (2, 180), (3, 210)):
        Click.objects.create(member_link=a[PHONES[phone]], clicked_at=at(minutes))
    submit(a[PHONES[0]], 100, at(50))
    submit(a[PHONES[1]], 101, at(80))
    submit(a[PHONES[4]], 104, at(239))
    Click.objects.create(member_link=b[PHONES[10]], clicked_at=at(24 * 60 + 5))
    submit(b[PHONES[10]], 110, at(24 * 60 + 10))
    submit(b[PHONES[10]], 111, at(24 * 60 + 20))
    for noise in (link(config, "msg-2", URL_A, PHONES[5]), link(other_config, "msg-1", URL_A, PHONES[6])):
        Click.objects.create(member_link=noise, clicked_at=at(1))
        submit(noise, 900 + noise.pk, at(2))
    return a, b


def test_one_url_gives_the_five_figures_worked_by_hand(config, message):
    report = reports.message_report(config, "msg-1", URL_A)
    assert report.recipients == 10
    assert (report.clicked, report.clicks) == (4, 5), "phone 0's second click adds a click, not a clicker"
    assert report.click_through_rate == pytest.approx(4 / 10)
    assert report.form_submissions == 3, "phones 0, 1 and 4 (4 without a recorded click)"
    assert report.link_clicked_no_submission == 2, "phones 2 and 3"
    assert report.messages_sent_no_clicks == 5, "phones 5-9: 10 less 4 clickers less phone 4 who submitted"
    assert report.clicked_and_submitted == 2
    assert report.submission_conversion_rate == pytest.approx(2 / 4)
    assert (report.urls, report.url) == ([URL_A, URL_B], URL_A)


def test_the_url_filter_reports_the_other_link_alone(config, message):
    report = reports.message_report(config, "msg-1", URL_B)
    assert (report.recipients, report.clicked, report.clicks) == (3, 1, 1)
    assert report.form_submissions == 2, "two attendances via one member link are two submissions"
    assert report.click_through_rate == pytest.approx(1 / 3)
    assert (report.link_clicked_no_submission, report.messages_sent_no_clicks) == (0, 2)
    assert report.submission_conversion_rate == pytest.approx(1.0)


def test_all_urls_count_a_phone_with_two_links_as_one_recipient(config, message):
    report = reports.message_report(config, "msg-1")
    assert report.recipients == 11, "phones 0-10; 8 and 9 hold a link of each URL"
    assert report.clicked == 5 and report.clicks == 6
    assert report.click_through_rate == pytest.approx(5 / 11)
    assert report.form_submissions == 5
    assert report.link_clicked_no_submission == 2
    assert report.messages_sent_no_clicks == 5, "phones 5-9: 11 less the 6 with any activity"
    assert report.submission_conversion_rate == pytest.approx(3 / 5)
    assert report.url is None


def test_an_unknown_message_is_a_report_of_zeros(config, message):
    report = reports.message_report(config, "never-sent")
    assert (report.recipients, report.clicked, report.form_submissions) == (0, 0, 0)
    assert (report.link_clicked_no_submission, report.messages_sent_no_clicks) == (0, 0)
    assert (report.click_through_rate, report.submission_conversion_rate) == (0.0, 0.0)
    assert report.urls == []
    assert reports.clicks_over_time(config, "never-sent") == []


def test_a_message_nobody_clicked_converts_nothing(config):
    for phone in PHONES[:3]:
        link(config, "quiet", URL_A, phone)
    report = reports.message_report(config, "quiet")
    assert (report.recipients, report.messages_sent_no_clicks, report.click_through_rate) == (3, 3, 0.0)
    assert report.submission_conversion_rate == 0.0, "no clicker: 0, not a division by zero"


def test_clicks_over_time_per_hour_keeps_the_empty_hours(config, message):
    hours = reports.clicks_over_time(config, "msg-1", URL_A)
    assert hours == [
        (T0, 2, 1),
        (T0 + timedelta(hours=1), 1, 1),
        (T0 + timedelta(hours=2), 0, 0),
        (T0 + timedelta(hours=3), 2, 1),
    ]
    assert sum(clicks for _, clicks, _ in hours) == reports.message_report(config, "msg-1", URL_A).clicks


def test_clicks_over_time_per_day_over_all_urls(config, message):
    days = reports.clicks_over_time(config, "msg-1", bucket="day")
    assert days == [(T0.replace(hour=0), 5, 3), (T0.replace(hour=0) + timedelta(days=1), 1, 2)]
    with pytest.raises(ValueError):
        reports.clicks_over_time(config, "msg-1", bucket="week")


def test_suggested_bucket_is_day_only_for_long_spans(config, message):
    assert reports.suggested_bucket(config, "msg-1") == "hour", "a day and 20 minutes"
    Click.objects.create(member_link=message[0][PHONES[5]], clicked_at=at(4 * 24 * 60))
    assert reports.suggested_bucket(config, "msg-1") == "day"
    assert reports.suggested_bucket(config, "never-sent") == "hour"


# --- Groups: an automation's messages, a flow's messages (the seed's Automations and Flow reports) ------
def tag(config: AscendConfig, message_id: str, *, automation: Automation | None = None, flow_id: str = "") -> None:
    TrackedLink.objects.filter(config=config, message_id=message_id).update(automation=automation, flow_id=flow_id)


@pytest.fixture
def groups(config, other_config, make_automation):
    """Automation "Welcome" sends m1 and m2; flow "flow-x" holds m2 and m3.

    m1 (URL_A) to phones 0-3: 0 clicks twice (5, 40 min) and submits (50 min); 1 clicks (70 min);
      2 does nothing; 3 submits without a recorded click (100 min).
    m2 (URL_B) to phones 2-5: 2 clicks (day 1, 0:05) and submits twice (two attendances, 0:20 and 0:30);
      3 clicks only (0:10), though 3 submitted via m1; 4 and 5 do nothing.
    m3 (URL_A) to phones 2 and 6: 2 clicks (day 2, 0:05), no submission; 6 does nothing.
    Phones 2 and 3 got both of the automation's messages, phone 2 both of the flow's.
    Noise: m4 of no group; another organization's automation and a message there in a flow also called flow-x.
    """
    welcome = make_automation(config, "Welcome", ("flow-x", "flow-y"))
    m1 = {n: link(config, "m1", URL_A, PHONES[n]) for n in (0, 1, 2, 3)}
    m2 = {n: link(config, "m2", URL_B, PHONES[n]) for n in (2, 3, 4, 5)}
    m3 = {n: link(config, "m3", URL_A, PHONES[n]) for n in (2, 6)}
    tag(config, "m1", automation=welcome)
    tag(config, "m2", automation=welcome, flow_id="flow-x")
    tag(config, "m3", flow_id="flow-x")
    day = 24 * 60
    for member, minutes in (
        (m1[0], 5),
        (m1[0], 40),
        (m1[1], 70),
        (m2[2], day + 5),
        (m2[3], day + 10),
        (m3[2], 2 * day + 5),
    ):
        Click.objects.create(member_link=member, clicked_at=at(minutes))
    submit(m1[0], 200, at(50))
    submit(m1[3], 203, at(100))
    submit(m2[2], 210, at(day + 20))
    submit(m2[2], 211, at(day + 30))
    theirs = make_automation(other_config, "Welcome")
    for noise in (link(config, "m4", URL_A, PHONES[7]), link(other_config, "m9", URL_A, PHONES[2])):
        Click.objects.create(member_link=noise, clicked_at=at(3))
        submit(noise, 900 + noise.pk, at(4))
    tag(other_config, "m9", automation=theirs, flow_id="flow-x")
    return welcome, theirs


def test_an_automation_reports_its_messages_together_counting_each_message_sent(config, groups):
    welcome, _ = groups
    report = reports.group_report(config, reports.Group.of(automation=welcome))
    assert report.messages == 2
    assert report.recipients == 8, "4 + 4 messages sent: phones 2 and 3 got both and count twice (6 phones)"
    assert (report.clicked, report.clicks) == (4, 5), "(m1, 0) (m1, 1) (m2, 2) (m2, 3); phone 0 clicked twice"
    assert report.click_through_rate == pytest.approx(4 / 8)
    assert report.form_submissions == 4, "(m1, 0), (m1, 3) and two attendances via (m2, 2)"
    assert report.link_clicked_no_submission == 2, "(m1, 1) and (m2, 3): 3's submission came via m1"
    assert report.messages_sent_no_clicks == 3, "(m1, 2), (m2, 4), (m2, 5)"
    assert report.clicked_and_submitted == 2, "(m1, 0) and (m2, 2)"
    assert report.submission_conversion_rate == pytest.approx(2 / 4)
    assert (report.urls, report.url) == ([URL_A, URL_B], None)


def test_an_automation_report_of_one_url(config, groups):
    welcome, _ = groups
    report = reports.group_report(config, reports.Group(automation_id=welcome.pk), URL_B)
    assert (report.messages, report.recipients, report.clicked, report.clicks) == (1, 4, 2, 2)
    assert (report.form_submissions, report.clicked_and_submitted) == (2, 1)
    assert (report.link_clicked_no_submission, report.messages_sent_no_clicks) == (1, 2)
    assert (report.click_through_rate, report.submission_conversion_rate) == (0.5, 0.5)
    assert report.urls == [URL_A, URL_B], "the picker still lists the automation's URLs"


def test_a_flow_reports_its_messages_together_a_member_with_both_counting_twice(config, groups):
    report = reports.group_report(config, reports.Group.of(flow_id="flow-x"))
    assert (report.messages, report.recipients) == (2, 6), "m2 to 4 phones, m3 to 2; phone 2 got both"
    assert (report.clicked, report.clicks) == (3, 3), "phone 2 clicked in m2 and in m3: two messages clicked"
    assert report.click_through_rate == pytest.approx(3 / 6)
    assert report.form_submissions == 2
    assert report.link_clicked_no_submission == 2, "(m2, 3) and (m3, 2): phone 2 submitted via m2, not m3"
    assert report.messages_sent_no_clicks == 3, "(m2, 4), (m2, 5), (m3, 6)"
    assert report.clicked_and_submitted == 1
    assert report.submission_conversion_rate == pytest.approx(1 / 3)
    assert report.urls == [URL_B, URL_A], "in the order first tracked (m2's link before m3's)"


def test_a_group_sums_its_message_reports_per_message_sent(config, groups):
    """Counting per message sent makes a group's counts the sums of its messages' (rates recomputed)."""
    welcome, _ = groups
    for group, messages in (
        (reports.Group.of(automation=welcome), ("m1", "m2")),
        (reports.Group.of(flow_id="flow-x"), ("m2", "m3")),
    ):
        whole = reports.group_report(config, group)
        parts = [reports.message_report(config, message) for message in messages]
        for figure in (
            "recipients",
            "clicked",
            "clicks",
            "form_submissions",
            "clicked_and_submitted",
            "link_clicked_no_submission",
            "messages_sent_no_clicks",
        ):
            assert getattr(whole, figure) == sum(getattr(part, figure) for part in parts), (group, figure)


def test_group_series_and_bucket(config, groups):
    welcome, _ = groups
    midnight = T0.replace(hour=0)
    automation = reports.Group.of(automation=welcome)
    assert reports.group_clicks_over_time(config, automation, bucket="day") == [
        (midnight, 3, 2),
        (midnight + timedelta(days=1), 2, 2),
    ]
    flow = reports.Group.of(flow_id="flow-x")
    assert reports.group_clicks_over_time(config, flow, bucket="day") == [
        (midnight + timedelta(days=1), 2, 2),
        (midnight + timedelta(days=2), 1, 0),
    ]
    hours = reports.group_clicks_over_time(config, automation)
    assert (hours[0], len(hours)) == ((T0, 2, 1), 25), "10:00 on day 0 to 10:00 on day 1, the empty hours kept"
    assert reports.group_suggested_bucket(config, flow) == "hour", "a day, not more than three"


def test_groups_stay_within_their_integration(config, other_config, groups):
    welcome, theirs = groups
    assert reports.group_report(config, reports.Group.of(automation=theirs)).recipients == 0
    their_flow = reports.group_report(other_config, reports.Group.of(flow_id="flow-x"))
    assert (their_flow.messages, their_flow.recipients, their_flow.clicked) == (1, 1, 1), "m9 only: not m2 or m3"
    assert reports.group_report(other_config, reports.Group.of(automation=welcome)).recipients == 0


def test_an_automation_with_nothing_tracked_is_a_report_of_zeros(config, make_automation):
    quiet = make_automation(config, "Quiet", ("flow-q",))
    report = reports.group_report(config, reports.Group.of(automation=quiet))
    assert (report.messages, report.recipients, report.clicked, report.urls) == (0, 0, 0, [])
    assert reports.group_clicks_over_time(config, reports.Group.of(automation=quiet)) == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"message_id": "m1", "flow_id": "flow-x"},
        {"message_id": "", "flow_id": ""},
        {"automation": 1, "flow_id": "f"},
    ],
)
def test_a_group_is_exactly_one_message_automation_or_flow(kwargs):
    with pytest.raises(ValueError, match="exactly one"):
        reports.Group.of(**kwargs)


def test_a_group_knows_its_kind_and_key():
    assert (reports.Group.of(message_id="m1").kind, reports.Group.of(message_id="m1").key) == ("message", "m1")
    assert (reports.Group(automation_id=7).kind, reports.Group(automation_id=7).key) == ("automation", 7)
    flow = reports.Group(message_id="", flow_id="flow-x")
    assert (flow.kind, flow.key, flow.message_id) == ("flow", "flow-x", None), "an empty id is no id"


def test_a_tracked_link_refuses_another_integrations_automation(config, other_config, make_automation):
    theirs = make_automation(other_config, "Theirs")
    tracked = TrackedLink(config=config, message_id="m1", destination_url=URL_A, automation=theirs)
    with pytest.raises(ValidationError) as refused:
        tracked.full_clean()
    assert "automation" in refused.value.message_dict
    tracked.automation = make_automation(config, "Ours")
    tracked.full_clean()


def test_deleting_an_automation_keeps_its_messages_untagged(config, groups):
    welcome, _ = groups
    welcome.delete()
    assert TrackedLink.objects.filter(config=config, message_id__in=["m1", "m2"], automation=None).count() == 2
    assert reports.message_report(config, "m1").recipients == 4
