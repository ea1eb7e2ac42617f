"""Sending the "Link clicked, no form submission" nudges (issue 16, item 4; models/nudges.py).

`send_due_nudges` runs every minute (beat task `integrations.send_due_nudges`). For each enabled,
unexpired nudge outside its quiet hours, each member link of its tracked link that was clicked at
least `delay` ago, has no form submission and has no finished NudgeSend gets the text:

1. the NudgeSend row is written first (state pending), then
2. the text is sent through Ascend with the idempotency key `nudge-<nudge id>-<member link id>`,
3. and the row records the Ascend message id (state sent).

A crash between 1 and 3 leaves a pending row; the next minute sends it again with the same key,
and Ascend answers the first message instead of sending a second one. So each member gets a nudge
at most once, and a pending one is not lost. Inside quiet hours nothing is sent (the member waits
for the next minute outside them); after expiry or a submission nothing is sent, pending or not.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.clicks import drain_before_reading
from integrations.connectors.errors import ConnectorError
from integrations.models import Click, FormSubmission, MemberLink
from integrations.models.nudges import Nudge, NudgeSend, nudge_key

logger = logging.getLogger("integrations.nudges")

SEND_DUE_NUDGES_TASK = "integrations.send_due_nudges"
SCHEDULE_NAME = "Ascend: send due nudges"
DETAIL_MAX_LENGTH = NudgeSend._meta.get_field("detail").max_length


def in_quiet_hours(nudge: Nudge, now: datetime) -> bool:
    """Whether `now` falls in the nudge's quiet hours, read in its time zone (start inclusive, end exclusive).

    Quiet hours may wrap midnight (21 to 9); the same start and end hour means none.
    """
    start, end = nudge.quiet_start_hour, nudge.quiet_end_hour
    if start == end:
        return False
    hour = now.astimezone(ZoneInfo(nudge.time_zone or "UTC")).hour
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def active_nudges(now: datetime) -> QuerySet[Nudge]:
    """The nudges that may send at `now`: enabled and not expired."""
    return (
        Nudge.objects.filter(enabled=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("tracked_link__config__integration__organization")
        .order_by("id")
    )


def due_member_links(nudge: Nudge, now: datetime) -> QuerySet[MemberLink]:
    """The nudge's member links due at `now`: clicked `delay` ago or earlier, no submission, not finished.

    A pending NudgeSend (written, the send not confirmed) counts as not finished: it is sent again
    with the same idempotency key.
    """
    clicked = Click.objects.filter(member_link=OuterRef("pk"), clicked_at__lte=now - nudge.delay)
    submitted = FormSubmission.objects.filter(member_link=OuterRef("pk"))
    finished = NudgeSend.objects.filter(nudge=nudge, member_link=OuterRef("pk")).exclude(state=NudgeSend.State.PENDING)
    return (
        MemberLink.objects.filter(tracked_link_id=nudge.tracked_link_id)
        .filter(Exists(clicked))
        .exclude(Exists(submitted))
        .exclude(Exists(finished))
        .order_by("id")
    )


def send_due_nudges(now: datetime | None = None) -> int:
    """Send every nudge that is due at `now` (default: the current time); returns how many texts were sent."""
    from integrations.ascend_services import ascend_adapter

    now = now or timezone.now()
    # Clicks the redirect queued (integrations/clicks.py) count as soon as they were made, not once drained.
    drain_before_reading()
    sent = 0
    for nudge in active_nudges(now):
        if in_quiet_hours(nudge, now):
            continue
        due = list(due_member_links(nudge, now))
        if not due:
            continue
        config = nudge.tracked_link.config
        try:
            adapter = ascend_adapter(config)
        except ValueError as exc:
            # The integration's settings are incomplete: nothing can be sent; try again next minute.
            logger.warning("Nudge %s: Ascend is not configured: %s", nudge.pk, exc)
            continue
        group_members: dict[str, bool] = {}
        for member_link in due:
            if _send_one(nudge, member_link, adapter, now, group_members):
                sent += 1
    return sent


def _send_one(nudge: Nudge, member_link: MemberLink, adapter, now: datetime, group_members: dict[str, bool]) -> bool:
    """Write (or find) the member link's NudgeSend, then send it; True when a text went out."""
    from integrations.ascend_services import config_secrets
    from integrations.connectors.ascend import MemberUnsubscribed
    from integrations.pdi_services import readable_error

    # The row first: once it exists, no later run can pick this member link as a new one.
    row, _ = NudgeSend.objects.get_or_create(nudge=nudge, member_link=member_link, defaults={"created_at": now})
    if row.state != NudgeSend.State.PENDING:
        return False
    try:
        if nudge.only_group_id and not _in_group(adapter, member_link.phone, nudge.only_group_id, group_members):
            _finish(row, NudgeSend.State.SKIPPED, f"Not a member of Ascend group {nudge.only_group_id}.")
            return False
        message = adapter.send_message(member_link.phone, nudge.message, nudge_key(nudge.pk, member_link.pk))
    except MemberUnsubscribed:
        _finish(row, NudgeSend.State.SKIPPED, "The member is unsubscribed in Ascend.")
        return False
    except ConnectorError as exc:
        detail = readable_error(exc, *config_secrets(nudge.tracked_link.config))[:DETAIL_MAX_LENGTH]
        if exc.retryable:
            # Stays pending: the next minute sends it again under the same key.
            NudgeSend.objects.filter(pk=row.pk).update(detail=detail)
            logger.info("Nudge %s to member link %s: will retry: %s", nudge.pk, member_link.pk, detail)
        else:
            _finish(row, NudgeSend.State.FAILED, detail)
        return False
    row.state = NudgeSend.State.SENT
    row.sent_at = now
    row.message_id = str(message.get("id") or "")
    row.detail = ""
    row.save(update_fields=["state", "sent_at", "message_id", "detail"])
    return True


def _in_group(adapter, phone: str, group_id: str, cache: dict[str, bool]) -> bool:
    """Whether Ascend has the member in the group (one read per phone per run)."""
    if phone not in cache:
        member = adapter.read_member(phone) or {}
        cache[phone] = str(group_id) in {str(group) for group in member.get("groups") or ()}
    return cache[phone]


def _finish(row: NudgeSend, state: str, detail: str) -> None:
    row.state = state
    row.detail = detail
    row.save(update_fields=["state", "detail"])


@transaction.atomic
def ensure_nudge_schedule() -> PeriodicTask:
    """The beat task that sends due nudges every minute (created once; edits in the admin are kept)."""
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    task, _ = PeriodicTask.objects.get_or_create(
        name=SCHEDULE_NAME, defaults={"task": SEND_DUE_NUDGES_TASK, "interval": every, "kwargs": "{}"}
    )
    return task
