"""Click-through reports of a message: the seed's five figures on a data set whose answers are worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.flows.ascend import reports
from integrations.models import AscendConfig, Click, FormSubmission, IntegrationKind, MemberLink, TrackedLink

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
