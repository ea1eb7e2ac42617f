"""Nudges ("link clicked, no form submission", issue 16 item 4) against the Ascend sandbox over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django_celery_beat.models import PeriodicTask

from integrations import nudges, tasks
from integrations.ascend_services import ascend_adapter
from integrations.models import (
    AscendConfig,
    Click,
    FormSubmission,
    IntegrationKind,
    MemberLink,
    Nudge,
    NudgeSend,
    TrackedLink,
)
from integrations.models.nudges import nudge_key

pytestmark = pytest.mark.django_db(transaction=True)

ASCEND_KEY = "ascend-nudge-key"
ANA, BEN, CY = "+12155550101", "+12155550102", "+12155550103"
# 12:00 in New York (EDT): outside the default quiet hours (21:00-09:00).
NOON_NY = datetime(2025, 6, 10, 16, 0, tzinfo=UTC)
CLICKED = NOON_NY - timedelta(days=1, hours=1)


@pytest.fixture
def account(live_server):
    from sandbox.ascend.setup import create_account, create_member

    account = create_account("Nudge SMS", ASCEND_KEY)
    for phone in (ANA, BEN, CY):
        create_member(account, phone)
    return account


@pytest.fixture
def link(live_server, account, make_organization, make_integration) -> TrackedLink:
    organization = make_organization(name="Nudging Campaign")
    integration = make_integration(organization, kind=IntegrationKind.ASCEND, name="Ascend")
    config = AscendConfig.objects.create(
        integration=integration, base_url=f"{live_server.url}/sandbox/ascend", api_key=ASCEND_KEY
    )
    return TrackedLink.objects.create(
        config=config, message_id="msg-1", destination_url="https://www.mobilize.us/x/event/10/"
    )


def member(link: TrackedLink, phone: str, *clicks: datetime) -> MemberLink:
    made = MemberLink.objects.create(tracked_link=link, phone=phone)
    for when in clicks:
        Click.objects.create(member_link=made, clicked_at=when)
    return made


def nudge(link: TrackedLink, **fields) -> Nudge:
    fields.setdefault("message", "Still coming? Finish signing up: https://www.mobilize.us/x/event/10/")
    return Nudge.objects.create(tracked_link=link, delay=timedelta(days=1), **fields)


def texts(account, phone: str | None = None) -> list:
    query = account.messages.all()
    return list(query.filter(phone=phone) if phone else query)


def test_a_due_member_gets_the_nudge_once_with_the_message_id(link, account):
    ana = member(link, ANA, CLICKED)
    n = nudge(link)

    assert nudges.send_due_nudges(NOON_NY) == 1

    [text] = texts(account)
    assert (text.phone, text.body, text.idempotency_key) == (ANA, n.message, f"nudge-{n.pk}-{ana.pk}")
    send = NudgeSend.objects.get(nudge=n, member_link=ana)
    assert (send.state, send.message_id, send.sent_at) == (NudgeSend.State.SENT, str(text.pk), NOON_NY)
    assert nudges.send_due_nudges(NOON_NY + timedelta(minutes=1)) == 0
    assert nudges.send_due_nudges(NOON_NY + timedelta(days=3)) == 0
    assert len(texts(account)) == 1


def test_nothing_before_the_delay_is_over_nor_for_a_member_who_never_clicked(link, account):
    member(link, ANA, NOON_NY - timedelta(hours=23))
    member(link, BEN)  # got the link, never followed it
    nudge(link)

    assert nudges.send_due_nudges(NOON_NY) == 0
    assert texts(account) == [] and not NudgeSend.objects.exists()
    assert nudges.send_due_nudges(NOON_NY + timedelta(hours=1)) == 1
    assert [t.phone for t in texts(account)] == [ANA]


def test_quiet_hours_wait_then_the_nudge_goes_out_after_them(link, account):
    member(link, ANA, CLICKED)
    nudge(link)
    late_evening = datetime(2025, 6, 11, 2, 30, tzinfo=UTC)  # 22:30 in New York
    early_morning = datetime(2025, 6, 11, 12, 59, tzinfo=UTC)  # 08:59 in New York

    assert nudges.send_due_nudges(late_evening) == 0
    assert nudges.send_due_nudges(early_morning) == 0
    assert texts(account) == [] and not NudgeSend.objects.exists()
    assert nudges.send_due_nudges(early_morning + timedelta(minutes=1)) == 1  # 09:00
    assert len(texts(account, ANA)) == 1


def test_quiet_hours_are_read_in_the_nudges_own_time_zone():
    paris = Nudge(quiet_start_hour=21, quiet_end_hour=9, time_zone="Europe/Paris")
    new_york = Nudge(quiet_start_hour=21, quiet_end_hour=9, time_zone="America/New_York")
    ten_pm_paris = datetime(2025, 6, 10, 20, 0, tzinfo=UTC)  # 16:00 in New York
    assert nudges.in_quiet_hours(paris, ten_pm_paris) and not nudges.in_quiet_hours(new_york, ten_pm_paris)
    assert not nudges.in_quiet_hours(paris, NOON_NY)  # 18:00 in Paris
    same_day = Nudge(quiet_start_hour=1, quiet_end_hour=5, time_zone="UTC")
    assert [nudges.in_quiet_hours(same_day, NOON_NY.replace(hour=h)) for h in (0, 1, 4, 5)] == [
        False,
        True,
        True,
        False,
    ]
    never = Nudge(quiet_start_hour=9, quiet_end_hour=9, time_zone="UTC")
    assert not any(nudges.in_quiet_hours(never, NOON_NY.replace(hour=h)) for h in range(24))


def test_an_expired_nudge_never_sends(link, account):
    member(link, ANA, CLICKED)
    n = nudge(link, expires_at=NOON_NY - timedelta(minutes=1))

    assert nudges.send_due_nudges(NOON_NY) == 0
    assert nudges.send_due_nudges(NOON_NY + timedelta(days=2)) == 0
    assert texts(account) == [] and not n.sends.exists()


def test_a_disabled_nudge_never_sends(link, account):
    member(link, ANA, CLICKED)
    nudge(link, enabled=False)

    assert nudges.send_due_nudges(NOON_NY) == 0
    assert texts(account) == []


def test_a_member_who_submitted_the_form_is_never_nudged(link, account):
    ana = member(link, ANA, CLICKED)
    member(link, BEN, CLICKED)
    FormSubmission.objects.create(member_link=ana, mobilize_attendance_id=77, submitted_at=CLICKED + timedelta(hours=2))
    nudge(link)

    assert nudges.send_due_nudges(NOON_NY) == 1
    assert nudges.send_due_nudges(NOON_NY + timedelta(days=1)) == 0
    assert [t.phone for t in texts(account)] == [BEN]
    assert not NudgeSend.objects.filter(member_link=ana).exists()


def test_a_member_who_clicked_twice_gets_one_nudge(link, account):
    member(link, ANA, CLICKED, CLICKED + timedelta(minutes=5))
    nudge(link)

    assert nudges.send_due_nudges(NOON_NY) == 1
    assert nudges.send_due_nudges(NOON_NY + timedelta(hours=1)) == 0
    assert len(texts(account, ANA)) == 1 and NudgeSend.objects.count() == 1


def test_a_crash_after_the_row_and_before_the_send_sends_once_on_the_next_run(link, account):
    ana = member(link, ANA, CLICKED)
    n = nudge(link)
    # What a worker killed between writing the row and calling Ascend leaves behind.
    NudgeSend.objects.create(nudge=n, member_link=ana, created_at=NOON_NY)

    assert nudges.send_due_nudges(NOON_NY + timedelta(minutes=1)) == 1
    assert nudges.send_due_nudges(NOON_NY + timedelta(minutes=2)) == 0
    [text] = texts(account)
    assert NudgeSend.objects.get().message_id == str(text.pk)


def test_a_crash_after_ascend_sent_and_before_the_id_was_stored_does_not_text_twice(link, account):
    ana = member(link, ANA, CLICKED)
    n = nudge(link)
    NudgeSend.objects.create(nudge=n, member_link=ana, created_at=NOON_NY)
    first = ascend_adapter(link.config).send_message(ANA, n.message, nudge_key(n.pk, ana.pk))

    assert nudges.send_due_nudges(NOON_NY + timedelta(minutes=1)) == 1  # Ascend answers the first message
    [text] = texts(account)
    assert str(text.pk) == str(first["id"]) == NudgeSend.objects.get().message_id


def test_a_pending_nudge_is_not_sent_after_expiry_or_a_submission(link, account):
    ana, ben = member(link, ANA, CLICKED), member(link, BEN, CLICKED)
    n = nudge(link, expires_at=NOON_NY + timedelta(hours=1))
    for ml in (ana, ben):
        NudgeSend.objects.create(nudge=n, member_link=ml, created_at=NOON_NY)
    FormSubmission.objects.create(member_link=ana, mobilize_attendance_id=5, submitted_at=NOON_NY)

    assert nudges.send_due_nudges(NOON_NY + timedelta(hours=2)) == 0
    assert nudges.send_due_nudges(NOON_NY + timedelta(minutes=1)) == 1
    assert [t.phone for t in texts(account)] == [BEN]


def test_the_group_filter_skips_members_outside_the_group(link, account):
    from sandbox.ascend.models import GroupMembership
    from sandbox.ascend.setup import create_group

    group = create_group(account, "Volunteers")
    GroupMembership.objects.create(group=group, member=account.members.get(phone=BEN))
    member(link, ANA, CLICKED)
    member(link, BEN, CLICKED)
    nudge(link, only_group_id=str(group.pk))

    assert nudges.send_due_nudges(NOON_NY) == 1
    assert [t.phone for t in texts(account)] == [BEN]
    skipped = NudgeSend.objects.get(member_link__phone=ANA)
    assert skipped.state == NudgeSend.State.SKIPPED and skipped.message_id == ""
    assert nudges.send_due_nudges(NOON_NY + timedelta(days=1)) == 0


def test_an_unsubscribed_member_is_skipped_for_good(link, account):
    from sandbox.ascend.setup import unsubscribe

    unsubscribe(account, ANA)
    member(link, ANA, CLICKED)
    nudge(link)

    assert nudges.send_due_nudges(NOON_NY) == 0
    assert NudgeSend.objects.get().state == NudgeSend.State.SKIPPED
    assert nudges.send_due_nudges(NOON_NY + timedelta(minutes=1)) == 0
    assert texts(account) == []


def test_the_beat_task_runs_every_minute_and_sends(link, account):
    nudges.ensure_nudge_schedule()
    nudges.ensure_nudge_schedule()
    [task] = PeriodicTask.objects.filter(task="integrations.send_due_nudges")
    assert (task.interval.every, task.interval.period, task.enabled) == (1, "minutes", True)

    member(link, ANA, CLICKED)
    nudge(link, quiet_start_hour=0, quiet_end_hour=0)  # the real clock may be in New York's night
    assert tasks.send_due_nudges.delay().get() == 1  # now is the real clock: the click is long past
    assert len(texts(account, ANA)) == 1
