"""Clicks queued in Redis by the redirect and written as Click rows by the drain (integrations/clicks.py).

The queue tests need a real Redis (REDIS_URL; each test worker uses its own Redis database) and run
on the configured database; the kill and concurrency tests need PostgreSQL (its advisory lock). The
fallbacks (no queue, Redis away) need neither.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations import clicks, tasks
from integrations.flows.ascend import reports
from integrations.models import AscendConfig, Click, ClickBatch, IntegrationKind, MemberLink, TrackedLink

from .test_redirect import PHONE_BROWSER, PREVIEWS

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
needs_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="concurrent drains are serialized by PostgreSQL's advisory lock"
)


@pytest.fixture
def queue(settings):
    """A click queue in this test worker's own Redis database, empty before and after the test."""
    if not settings.REDIS_URL:
        pytest.skip("the click queue needs Redis (REDIS_URL)")
    settings.CLICK_QUEUE_URL = settings.RATE_LIMIT_STORAGE_URL  # per test worker (test_settings.py)
    redis_client = clicks.client()

    def empty() -> None:
        redis_client.delete(*clicks.QUEUE_KEYS, *redis_client.scan_iter(f"{clicks.PREFIX}:batch:*"))

    empty()
    yield redis_client
    empty()


@pytest.fixture
def tracked(make_organization, make_integration) -> TrackedLink:
    integration = make_integration(make_organization(), kind=IntegrationKind.ASCEND, name="Ascend")
    config = AscendConfig.objects.create(integration=integration)
    return TrackedLink.objects.create(config=config, message_id="msg-7", destination_url="https://www.mobilize.us/e/7/")


def members(tracked: TrackedLink, count: int) -> list[MemberLink]:
    return MemberLink.objects.bulk_create(
        [MemberLink(tracked_link=tracked, phone=f"+1267555{n:04d}") for n in range(count)]
    )


def click(code: str, **headers) -> int:
    headers.setdefault("HTTP_USER_AGENT", PHONE_BROWSER)
    return Client().get(f"/l/{code}", **headers).status_code


def queue_clicks(links: list[MemberLink], count: int, seed: int = 1) -> dict[int, int]:
    """`count` clicks spread over `links`, pushed as the redirect pushes them; clicks per link id."""
    rng = random.Random(seed)
    sent: dict[int, int] = {}
    for _ in range(count):
        link = rng.choice(links)
        clicks.record(link.pk)
        sent[link.pk] = sent.get(link.pk, 0) + 1
    return sent


def recorded() -> dict[int, int]:
    counts: dict[int, int] = {}
    for link_id in Click.objects.values_list("member_link_id", flat=True):
        counts[link_id] = counts.get(link_id, 0) + 1
    return counts


def test_a_click_is_queued_in_the_request_and_the_drain_writes_it_once_with_its_own_time(queue, tracked):
    [link] = members(tracked, 1)
    before = timezone.now()
    assert click(link.code) == 302
    after = timezone.now()
    assert not Click.objects.exists(), "the request only queued the click"
    assert clicks.pending() == 1

    assert clicks.drain() == 1
    row = Click.objects.get()
    assert row.member_link_id == link.pk
    assert before <= row.clicked_at <= after, "the time of the request, not of the drain"
    assert clicks.pending() == 0
    assert clicks.drain() == 0
    assert Click.objects.count() == 1
    assert not ClickBatch.objects.exists(), "a written batch leaves nothing behind"


def test_what_is_not_a_click_is_not_queued_either(queue, tracked):
    [link] = members(tracked, 1)
    assert Client().head(f"/l/{link.code}", HTTP_USER_AGENT=PHONE_BROWSER).status_code == 302
    assert click(link.code, HTTP_USER_AGENT=PREVIEWS[0]) == 302
    assert click(link.code, HTTP_SEC_PURPOSE="prefetch") == 302
    assert Client().get(f"/l/{link.code}").status_code == 302  # no User-Agent
    assert clicks.pending() == 0 and clicks.drain() == 0
    assert not Click.objects.exists()


def test_batches_write_every_queued_click_exactly_once(queue, tracked, settings):
    settings.CLICK_DRAIN_BATCH = 7
    links = members(tracked, 5)
    sent = queue_clicks(links, 52)
    assert clicks.drain(max_batches=2) == 14, "two batches of 7"
    assert clicks.pending() == 38
    assert clicks.drain() == 38
    assert recorded() == sent


def test_a_drain_that_dies_before_its_commit_loses_nothing(queue, tracked, monkeypatch):
    links = members(tracked, 3)
    sent = queue_clicks(links, 10)

    def dies(*args, **kwargs):
        raise SystemExit("killed mid-write")

    with monkeypatch.context() as patch:
        patch.setattr(clicks, "_insert", dies)
        with pytest.raises(SystemExit):
            clicks.drain()
    assert not Click.objects.exists() and not ClickBatch.objects.exists(), "the transaction rolled back"
    assert queue.llen(clicks.QUEUE) == 0 and queue.scard(clicks.BATCHES) == 1, "the clicks wait in their batch"
    assert clicks.pending() == 10

    assert clicks.drain() == 10
    assert recorded() == sent
    assert clicks.pending() == 0 and queue.scard(clicks.BATCHES) == 0


def test_a_drain_that_dies_after_its_commit_writes_nothing_twice(queue, tracked, monkeypatch):
    links = members(tracked, 3)
    sent = queue_clicks(links, 10)

    def dies(*names):
        raise SystemExit("killed before forgetting the batch")

    with monkeypatch.context() as patch:
        patch.setattr(queue, "delete", dies)
        with pytest.raises(SystemExit):
            clicks.drain()
    assert recorded() == sent, "committed"
    assert ClickBatch.objects.count() == 1 and clicks.pending() == 10, "but still listed in Redis"

    assert clicks.drain() == 0, "the batch's ClickBatch says it was written"
    assert recorded() == sent
    assert clicks.pending() == 0 and not ClickBatch.objects.exists()


def test_clicks_on_a_member_link_deleted_before_the_drain_are_dropped_not_stuck(queue, tracked):
    kept, deleted = members(tracked, 2)
    clicks.record(kept.pk)
    clicks.record(deleted.pk)
    queue.rpush(clicks.QUEUE, b"garbage")
    deleted.delete()
    assert clicks.drain() == 1
    assert recorded() == {kept.pk: 1}
    assert clicks.pending() == 0


def test_a_stale_batch_row_is_pruned_a_day_later_but_not_while_its_batch_waits(queue, tracked):
    old = timezone.now() - timedelta(days=2)
    ClickBatch.objects.create(name=f"{clicks.PREFIX}:batch:forgotten", written_at=old)
    waiting = ClickBatch.objects.create(name=f"{clicks.PREFIX}:batch:waiting", written_at=old)
    queue.rpush(waiting.name, f"{members(tracked, 1)[0].pk}:1700000000000000")
    queue.sadd(clicks.BATCHES, waiting.name)
    assert clicks.drain() == 0, "the waiting batch was written already (its row says so)"
    assert not ClickBatch.objects.exists()
    assert clicks.pending() == 0


def test_reports_and_nudges_read_queued_clicks(queue, tracked):
    first, second = members(tracked, 2)
    assert click(first.code) == click(first.code) == click(second.code) == 302
    report = reports.message_report(tracked.config, "msg-7")
    assert (report.clicks, report.clicked, report.recipients) == (3, 2, 2)
    assert clicks.pending() == 0
    click(second.code)
    [(_, chart_clicks, _)] = reports.clicks_over_time(tracked.config, "msg-7")
    assert chart_clicks == 4

    from integrations import nudges

    click(first.code)
    assert nudges.send_due_nudges() == 0  # no nudge configured; it drains before it looks
    assert Click.objects.count() == 5


def test_the_beat_task_drains_and_is_scheduled_every_click_drain_seconds(queue, tracked, settings):
    settings.CLICK_DRAIN_SECONDS = 3
    clicks.ensure_drain_schedule()
    clicks.ensure_drain_schedule()
    [task] = PeriodicTask.objects.filter(task=clicks.DRAIN_CLICKS_TASK)
    assert (task.interval.every, task.interval.period, task.enabled) == (3, "seconds", True)
    [link] = members(tracked, 1)
    click(link.code)
    assert tasks.drain_clicks.delay().get() == 1
    assert Click.objects.count() == 1


def test_without_a_click_queue_the_click_is_written_in_the_request_and_no_drain_is_scheduled(tracked, settings):
    settings.CLICK_QUEUE_URL = ""
    [link] = members(tracked, 1)
    assert click(link.code) == 302
    assert Click.objects.filter(member_link=link).count() == 1
    assert clicks.pending() == 0 and clicks.drain() == 0
    clicks.ensure_drain_schedule()
    assert not PeriodicTask.objects.filter(task=clicks.DRAIN_CLICKS_TASK).exists()


def test_when_redis_does_not_answer_the_click_is_written_in_the_request(tracked, settings):
    settings.CLICK_QUEUE_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CLICK_QUEUE_TIMEOUT_SECONDS = 0.2
    [link] = members(tracked, 1)
    started = time.monotonic()
    assert click(link.code) == 302
    assert time.monotonic() - started < 5
    assert Click.objects.filter(member_link=link).count() == 1, "never lost"
    # A report still answers (with the rows there are) while the queue is away.
    assert reports.message_report(tracked.config, "msg-7").clicks == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_write_each_click_once(queue, tracked, settings):
    settings.CLICK_DRAIN_BATCH = 50
    links = members(tracked, 20)
    sent = queue_clicks(links, 2000)
    # Batches left by "dead" drains, which every drain below takes first, all at once.
    for n in range(3):
        queue.register_script(clicks._CLAIM)(
            keys=[clicks.QUEUE, clicks.BATCHES, f"{clicks.PREFIX}:batch:left-{n}"], args=[50]
        )
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            barrier.wait()
            clicks.drain()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert recorded() == sent
    assert clicks.pending() == 0


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_drains_killed_at_random_moments_lose_and_duplicate_nothing(queue, tracked, settings):
    """Real processes, SIGKILLed mid-drain (several batches in), then one drain to the end."""
    links = members(tracked, 200)
    rng, sent = random.Random(5), {}
    now = round(time.time() * 1_000_000)
    with queue.pipeline(transaction=False) as pipe:
        for n in range(60000):  # pushed as clicks.record pushes them, in one round trip
            link_id = rng.choice(links).pk
            pipe.rpush(clicks.QUEUE, f"{link_id}:{now + n}")
            sent[link_id] = sent.get(link_id, 0) + 1
        pipe.execute()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mobilize_sync.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CLICK_QUEUE_URL": settings.CLICK_QUEUE_URL,
        "CLICK_DRAIN_BATCH": "300",
    }
    script = (
        "import django; django.setup(); from integrations import clicks; print('ready', flush=True); clicks.drain()"
    )
    rng = random.Random(11)
    killed = 0
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.02, 0.2))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
    assert killed >= 2, "the drains finished before they could be killed: queue more clicks"
    assert clicks.pending() > 0, "the kills left clicks to write"

    clicks.drain()
    assert recorded() == sent, "every click once"
    assert clicks.pending() == 0


def test_a_click_keeps_microseconds(queue, tracked):
    [link] = members(tracked, 1)
    moment = datetime(2025, 6, 1, 12, 30, 15, 123456, tzinfo=UTC)
    clicks.record(link.pk, moment)
    clicks.drain()
    assert Click.objects.get().clicked_at == moment
