"""Click-through reports of Ascend messages (shared/seeds/001, "Step 2: Monitor performance in Reports").

The seed tracks click-through performance "in your Broadcast, Automations, and Flow reports": a report
is of one outgoing message, or of the messages of one automation or of one Ascend flow (a `Group`),
with five figures and a URL dropdown when several Mobilize links are tracked. They are computed here
from the tracking rows (integrations.models.ascend_links): a TrackedLink per (message, URL), tagged
with the message's automation and flow; a MemberLink per (tracked link, phone); a Click per followed
short link and a FormSubmission per attendance attributed to a member link.

The unit every figure counts is a *message sent*: one outgoing message to one phone, i.e. a
(message id, phone) pair with a member link (of the chosen URL, or of any of the group's URLs).
For one message that is one per recipient, so a phone holding two links of the same message is
still one message sent, and it "clicked" when it followed either link. In a group, a member who got
two of its messages counts as two messages sent, each with its own clicks and submissions: a click
on the first and a submission via the second are "clicked, no submission" for the first and a
submission (not a silent message) for the second.
The queries only read the keys of member links with activity, so a broadcast's thousands of silent
recipients cost one COUNT; the arithmetic lives in the pure `summarize`.

Clicks the redirect queued in Redis (integrations/clicks.py) are written before any report reads
them, so a report counts every click answered so far, not only those the beat task has drained.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Max, Min, QuerySet

from integrations.clicks import drain_before_reading
from integrations.models.ascend import AscendConfig, Automation
from integrations.models.ascend_links import Click, FormSubmission, MemberLink, TrackedLink

BUCKETS: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True)
class Group:
    """What a report covers: one outgoing message, or the messages of one automation or of one flow.

    Exactly one of the three is set (`Group.of` builds one from keyword arguments). Automations and
    flows are those of the report's Ascend integration: their tracked links are read within it.
    """

    message_id: str | None = None
    automation_id: int | None = None
    flow_id: str | None = None

    def __post_init__(self) -> None:
        # An empty id is no id (a query string's `flow_id=`): normalised, so `kind` and `key` see None.
        for name in ("message_id", "flow_id"):
            if getattr(self, name) == "":
                object.__setattr__(self, name, None)
        chosen = [value for value in (self.message_id, self.automation_id, self.flow_id) if value is not None]
        if len(chosen) != 1:
            raise ValueError("A report is of exactly one message, automation or flow.")

    @classmethod
    def of(
        cls, *, message_id: str | None = None, automation: Automation | int | None = None, flow_id: str | None = None
    ) -> Group:
        """The group of one message, one automation (the row or its id) or one flow id."""
        automation_id = automation.pk if isinstance(automation, Automation) else automation
        return cls(message_id=message_id or None, automation_id=automation_id, flow_id=flow_id or None)

    @property
    def kind(self) -> str:
        """ "message", "automation" or "flow"."""
        if self.message_id is not None:
            return "message"
        return "automation" if self.automation_id is not None else "flow"

    @property
    def key(self) -> str | int:
        """The message id, the automation's id or the flow id."""
        return next(value for value in (self.message_id, self.automation_id, self.flow_id) if value is not None)

    def lookup(self, prefix: str = "") -> dict[str, Any]:
        """The filter selecting the group's tracked links, from a model reaching them through `prefix`."""
        if self.message_id is not None:
            return {f"{prefix}message_id": self.message_id}
        if self.automation_id is not None:
            return {f"{prefix}automation_id": self.automation_id}
        return {f"{prefix}flow_id": self.flow_id}

    def tracked_links(self, config: AscendConfig) -> QuerySet[TrackedLink]:
        """The group's tracked links in the integration (every URL of every message of the group)."""
        return TrackedLink.objects.filter(config=config, **self.lookup())


@dataclass(frozen=True)
class Report:
    """The seed's five figures for one message or group (and URL), with the counts they are made of.

    Counts are of messages sent, (message, phone) pairs: for one message, its recipients.
    Rates are fractions in [0, 1] (0.4 means 40%); 0 when their denominator is 0.
    """

    recipients: int  # messages sent: (message, phone) pairs
    clicked: int  # messages sent whose short link was followed at least once
    clicks: int  # every click, repeat visits included
    form_submissions: int
    clicked_and_submitted: int
    click_through_rate: float
    link_clicked_no_submission: int
    messages_sent_no_clicks: int
    submission_conversion_rate: float
    urls: list[str] = field(default_factory=list)  # the group's tracked URLs (the picker's choices)
    url: str | None = None  # the URL reported on, None for all of them
    messages: int = 0  # the outgoing messages reported on (1 for a message's report)


def summarize(
    recipients: int,
    clicked: Iterable[Hashable],
    submitted: Iterable[Hashable],
    form_submissions: int,
    clicks: int = 0,
    urls: list[str] | None = None,
    url: str | None = None,
    messages: int = 0,
) -> Report:
    """The five figures from the count of messages sent and which of them clicked and submitted.

    `clicked` and `submitted` are keys of messages sent ((message id, phone) pairs, or phones when
    there is one message); `recipients` counts them all.

    How each maps to the seed's sentence:

    - Click-through rate, "the percentage of recipients who clicked the shortened Mobilize link":
      messages sent with at least one click / messages sent (a second click on one adds nothing).
    - Form submissions, "the estimated total number of Mobilize event submissions received via the
      shortened link": every FormSubmission of the member links, i.e. each synced attendance whose
      referrer carried one of them, whether or not its click was recorded (a link opened by a preview
      that was not counted still brought a submission). Two attendances by one member count twice.
    - Link clicked with no submission, "members who visited the Mobilize event form via the shortened
      link but did not submit": messages sent with a click and no submission via that message.
    - Messages sent with no clicks, "messages sent where no click or submission activity was detected":
      messages sent with neither a click nor a submission.
    - Submission conversion rate, "the percentage of members who clicked the link and went on to submit
      the form": messages sent with a click and a submission / those with a click (0 when none clicked).
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
        messages=messages,
    )


def group_urls(config: AscendConfig, group: Group) -> list[str]:
    """The Mobilize URLs the group's messages track, in the order they were first tracked."""
    rows = group.tracked_links(config).order_by("created_at", "id")
    return list(dict.fromkeys(rows.values_list("destination_url", flat=True)))


def message_urls(config: AscendConfig, message_id: str) -> list[str]:
    """The Mobilize URLs the message tracks, in the order they were first tracked."""
    return group_urls(config, Group(message_id=message_id))


def _member_links(config: AscendConfig, group: Group, url: str | None) -> QuerySet[MemberLink]:
    links = MemberLink.objects.filter(tracked_link__config=config, **group.lookup("tracked_link__"))
    return links.filter(tracked_link__destination_url=url) if url is not None else links


# A message sent, from a member link (MESSAGE_SENT) and from a click or submission (ACTIVITY_KEY).
MESSAGE_SENT = ("tracked_link__message_id", "phone")
ACTIVITY_KEY = ("member_link__tracked_link__message_id", "member_link__phone")


def group_report(config: AscendConfig, group: Group, url: str | None = None) -> Report:
    """The report of one message, automation or flow of one Ascend integration: of one URL, or of all.

    A group (or URL) with no tracked links is a report of zeros.
    """
    drain_before_reading()
    links = _member_links(config, group, url)
    clicks = Click.objects.filter(member_link__in=links)
    submissions = FormSubmission.objects.filter(member_link__in=links)
    return summarize(
        recipients=links.values(*MESSAGE_SENT).distinct().count(),
        # order_by(): the models' default ordering would put the times in the DISTINCT.
        clicked=clicks.order_by().values_list(*ACTIVITY_KEY).distinct(),
        submitted=submissions.order_by().values_list(*ACTIVITY_KEY).distinct(),
        form_submissions=submissions.count(),
        clicks=clicks.count(),
        urls=group_urls(config, group),
        url=url,
        messages=links.values("tracked_link__message_id").distinct().count(),
    )


def message_report(config: AscendConfig, message_id: str, url: str | None = None) -> Report:
    """The report of one outgoing message of one Ascend integration: of one of its URLs, or of all.

    A message (or URL) with no tracked links is a report of zeros.
    """
    return group_report(config, Group(message_id=message_id), url)


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


def group_clicks_over_time(
    config: AscendConfig, group: Group, url: str | None = None, bucket: str = "hour"
) -> list[tuple[datetime, int, int]]:
    """The report's chart: clicks and form submissions per hour (or day) of the group (and URL)."""
    if bucket not in BUCKETS:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")
    drain_before_reading()
    links = _member_links(config, group, url)
    return series(
        Click.objects.filter(member_link__in=links).values_list("clicked_at", flat=True),
        FormSubmission.objects.filter(member_link__in=links).values_list("submitted_at", flat=True),
        bucket,
    )


def clicks_over_time(
    config: AscendConfig, message_id: str, url: str | None = None, bucket: str = "hour"
) -> list[tuple[datetime, int, int]]:
    """The report's chart: clicks and form submissions per hour (or day) of the message (and URL)."""
    return group_clicks_over_time(config, Group(message_id=message_id), url, bucket)


def group_suggested_bucket(config: AscendConfig, group: Group, url: str | None = None) -> str:
    """ "hour" unless the activity spans more than three days (then "day"), so a chart stays readable."""
    drain_before_reading()
    links = _member_links(config, group, url)
    spans = [
        Click.objects.filter(member_link__in=links).aggregate(first=Min("clicked_at"), last=Max("clicked_at")),
        FormSubmission.objects.filter(member_link__in=links).aggregate(
            first=Min("submitted_at"), last=Max("submitted_at")
        ),
    ]
    firsts = [span["first"] for span in spans if span["first"] is not None]
    lasts = [span["last"] for span in spans if span["last"] is not None]
    return "day" if firsts and max(lasts) - min(firsts) > timedelta(days=3) else "hour"


def suggested_bucket(config: AscendConfig, message_id: str, url: str | None = None) -> str:
    """ "hour" unless the message's activity spans more than three days (then "day")."""
    return group_suggested_bucket(config, Group(message_id=message_id), url)
