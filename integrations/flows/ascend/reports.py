"""Click-through reports of one outgoing Ascend message (shared/seeds/001, "Step 2: Monitor performance").

The seed's widget shows five figures per message, and a URL dropdown when the message tracks several
Mobilize links. They are computed here from the tracking rows (integrations.models.ascend_links):
a TrackedLink per (message, URL), a MemberLink per (tracked link, phone), a Click per followed short
link and a FormSubmission per attendance attributed to a member link.

A *recipient* is a phone with a member link of the message (of the chosen URL, or of any of its URLs).
For one URL that is exactly its member links; over all URLs a phone holding two links of the same
message is still one recipient (one message sent), and it "clicked" when it followed either link.
The queries only read the ids of member links with activity, so a broadcast's thousands of silent
recipients cost one COUNT; the arithmetic lives in the pure `summarize`.

Clicks the redirect queued in Redis (integrations/clicks.py) are written before any report reads
them, so a report counts every click answered so far, not only those the beat task has drained.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Max, Min, QuerySet

from integrations.clicks import drain_before_reading
from integrations.models.ascend import AscendConfig
from integrations.models.ascend_links import Click, FormSubmission, MemberLink, TrackedLink

BUCKETS: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True)
class Report:
    """The seed's five figures for one message (and URL), with the counts they are made of.

    Rates are fractions in [0, 1] (0.4 means 40%); 0 when their denominator is 0.
    """

    recipients: int
    clicked: int  # recipients who followed their short link at least once
    clicks: int  # every click, repeat visits included
    form_submissions: int
    clicked_and_submitted: int
    click_through_rate: float
    link_clicked_no_submission: int
    messages_sent_no_clicks: int
    submission_conversion_rate: float
    urls: list[str] = field(default_factory=list)  # the message's tracked URLs (the picker's choices)
    url: str | None = None  # the URL reported on, None for all of them


def summarize(
    recipients: int,
    clicked: Iterable[str],
    submitted: Iterable[str],
    form_submissions: int,
    clicks: int = 0,
    urls: list[str] | None = None,
    url: str | None = None,
) -> Report:
    """The five figures from the recipients count and who clicked and who submitted (phones).

    How each maps to the seed's sentence:

    - Click-through rate, "the percentage of recipients who clicked the shortened Mobilize link":
      recipients with at least one click / recipients (a second click by the same member adds nothing).
    - Form submissions, "the estimated total number of Mobilize event submissions received via the
      shortened link": every FormSubmission of the member links, i.e. each synced attendance whose
      referrer carried one of them, whether or not its click was recorded (a link opened by a preview
      that was not counted still brought a submission). Two attendances by one member count twice.
    - Link clicked with no submission, "members who visited the Mobilize event form via the shortened
      link but did not submit": recipients with a click and no submission.
    - Messages sent with no clicks, "messages sent where no click or submission activity was detected":
      recipients with neither a click nor a submission (one message per recipient).
    - Submission conversion rate, "the percentage of members who clicked the link and went on to submit
      the form": recipients with a click and a submission / recipients with a click (0 when none clicked).
    """
    clicked_set, submitted_set = set(clicked), set(submitted)
    converted = len(clicked_set & submitted_set)
    active = len(clicked_set | submitted_set)
    return Report(
        recipients=recipients,
        clicked=len(clicked_set),
        clicks=clicks,
        form_submissions=form_submissions,
        clicked_and_submitted=converted,
        click_through_rate=len(clicked_set) / recipients if recipients else 0.0,
        link_clicked_no_submission=len(clicked_set - submitted_set),
        messages_sent_no_clicks=max(recipients - active, 0),
        submission_conversion_rate=converted / len(clicked_set) if clicked_set else 0.0,
        urls=list(urls or []),
        url=url,
    )


def message_urls(config: AscendConfig, message_id: str) -> list[str]:
    """The Mobilize URLs the message tracks, in the order they were first tracked."""
    rows = TrackedLink.objects.filter(config=config, message_id=message_id).order_by("created_at", "id")
    return list(dict.fromkeys(rows.values_list("destination_url", flat=True)))


def _member_links(config: AscendConfig, message_id: str, url: str | None) -> QuerySet[MemberLink]:
    links = MemberLink.objects.filter(tracked_link__config=config, tracked_link__message_id=message_id)
    return links.filter(tracked_link__destination_url=url) if url is not None else links


def message_report(config: AscendConfig, message_id: str, url: str | None = None) -> Report:
    """The report of one outgoing message of one Ascend integration: of one of its URLs, or of all.

    A message (or URL) with no tracked links is a report of zeros.
    """
    drain_before_reading()
    links = _member_links(config, message_id, url)
    recipients = links.values("phone").distinct().count()
    clicks = Click.objects.filter(member_link__in=links)
    submissions = FormSubmission.objects.filter(member_link__in=links)
    return summarize(
        recipients=recipients,
        clicked=clicks.values_list("member_link__phone", flat=True).distinct(),
        submitted=submissions.values_list("member_link__phone", flat=True).distinct(),
        form_submissions=submissions.count(),
        clicks=clicks.count(),
        urls=message_urls(config, message_id),
        url=url,
    )


def bucket_start(moment: datetime, bucket: str = "hour") -> datetime:
    """The start (UTC) of the hour or day holding `moment`."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")
    moment = moment.astimezone(UTC)
    start = moment.replace(minute=0, second=0, microsecond=0)
    return start.replace(hour=0) if bucket == "day" else start


def series(
    clicked_at: Iterable[datetime], submitted_at: Iterable[datetime], bucket: str = "hour"
) -> list[tuple[datetime, int, int]]:
    """(bucket start, clicks, submissions) from the first active bucket to the last, empty ones included."""
    clicks = Counter(bucket_start(moment, bucket) for moment in clicked_at)
    submissions = Counter(bucket_start(moment, bucket) for moment in submitted_at)
    starts = clicks.keys() | submissions.keys()
    if not starts:
        return []
    step, current, last = BUCKETS[bucket], min(starts), max(starts)
    rows = []
    while current <= last:
        rows.append((current, clicks.get(current, 0), submissions.get(current, 0)))
        current += step
    return rows


def clicks_over_time(
    config: AscendConfig, message_id: str, url: str | None = None, bucket: str = "hour"
) -> list[tuple[datetime, int, int]]:
    """The report's chart: clicks and form submissions per hour (or day) of the message (and URL)."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")
    drain_before_reading()
    links = _member_links(config, message_id, url)
    return series(
        Click.objects.filter(member_link__in=links).values_list("clicked_at", flat=True),
        FormSubmission.objects.filter(member_link__in=links).values_list("submitted_at", flat=True),
        bucket,
    )


def suggested_bucket(config: AscendConfig, message_id: str, url: str | None = None) -> str:
    """ "hour" unless the activity spans more than three days (then "day"), so a chart stays readable."""
    drain_before_reading()
    links = _member_links(config, message_id, url)
    spans = [
        Click.objects.filter(member_link__in=links).aggregate(first=Min("clicked_at"), last=Max("clicked_at")),
        FormSubmission.objects.filter(member_link__in=links).aggregate(
            first=Min("submitted_at"), last=Max("submitted_at")
        ),
    ]
    firsts = [span["first"] for span in spans if span["first"] is not None]
    lasts = [span["last"] for span in spans if span["last"] is not None]
    return "day" if firsts and max(lasts) - min(firsts) > timedelta(days=3) else "hour"
