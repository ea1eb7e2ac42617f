"""Recording clicks on short links (/l/<code>) without holding the redirect (issue 16, item 5).

The rule:

- With a click queue (CLICK_QUEUE_URL, Redis; by default REDIS_URL, so the production shape has
  one), the redirect appends the click, "<member link id>:<epoch microseconds>", to a Redis list
  (one RPUSH) and answers. `drain()` writes queued clicks as Click rows, in batches: the beat task
  `integrations.drain_clicks` every CLICK_DRAIN_SECONDS, and every reader that must be exact (the
  click-through reports, the nudges) right before it reads (`drain_before_reading`). A click keeps
  the time of its request, not of its drain.
- Without one (the embedded `make run` has no Redis), or when Redis does not take the click within
  CLICK_QUEUE_TIMEOUT_SECONDS, the redirect writes the Click row itself.

Nothing lost, nothing written twice. A drain works batch by batch:

1. Claim: a Lua script moves up to CLICK_DRAIN_BATCH clicks from the queue to a new list
   `<prefix>:batch:<uuid>` and adds that name to the set `<prefix>:batches`, atomically: a click is
   in the queue or in exactly one batch.
2. Write, in one database transaction: the batch's Click rows and a ClickBatch row of its name. The
   transaction first takes a lock (PostgreSQL: an advisory transaction lock; SQLite's transactions
   take the write lock when they start), then skips a batch whose ClickBatch exists (its rows were
   committed by a drain that died before step 3) or that is gone from Redis.
3. Forget: delete the batch's list and name, then its ClickBatch row.

A drain killed anywhere leaves its batch in Redis, listed in the set: the next drain writes every
listed batch before claiming new ones. Two drains may take the same listed batch; the lock makes the
second see the first's ClickBatch (or the batch gone) and write nothing. If Redis fails in the middle
of the RPUSH (the command reached Redis but its answer did not reach the web), the click is written
in the request as well and may count twice: a click is never lost, at worst doubled in that case.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from integrations.models import Click, ClickBatch, MemberLink

logger = logging.getLogger("integrations.clicks")

PREFIX = "mobilize-sync:clicks"
QUEUE = f"{PREFIX}:queue"
BATCHES = f"{PREFIX}:batches"
QUEUE_KEYS = (QUEUE, BATCHES)
DRAIN_CLICKS_TASK = "integrations.drain_clicks"
SCHEDULE_NAME = "Ascend: write queued clicks"
# pg_advisory_xact_lock's key for batch writes (any constant no other lock of this service uses).
LOCK_KEY = 0x636C69636B73  # "clicks"
STALE_BATCH_ROW = timedelta(days=1)
# Batches one run of the beat task claims at most (100,000 clicks with the default batch of 1,000).
BEAT_MAX_BATCHES = 100

# KEYS: queue, batches set, new batch; ARGV: how many. Returns the clicks moved (0: none queued).
_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return 0 end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[3], unpack(items))
redis.call('SADD', KEYS[2], KEYS[3])
return #items
"""


def queue_enabled() -> bool:
    """Whether the redirect queues clicks (a click queue is configured) rather than writing them itself."""
    return bool(settings.CLICK_QUEUE_URL)


@lru_cache(maxsize=4)
def _client(url: str, timeout: float) -> redis.Redis:
    # One client (a thread-safe connection pool) per process and URL, made on first use: after the fork.
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def client() -> redis.Redis:
    """The click queue's Redis client (CLICK_QUEUE_URL must be set)."""
    return _client(settings.CLICK_QUEUE_URL, settings.CLICK_QUEUE_TIMEOUT_SECONDS)


def record(member_link_id: int, clicked_at: datetime | None = None) -> None:
    """Record one click: queued when a click queue is configured and answers, else a Click row now."""
    clicked_at = clicked_at or datetime.now(UTC)
    if queue_enabled():
        try:
            client().rpush(QUEUE, f"{member_link_id}:{round(clicked_at.timestamp() * 1_000_000)}")
            return
        except redis.RedisError as exc:
            # Never lose the click: write it here (the redirect is slower while Redis is away).
            logger.warning("Click queue unavailable, writing the click in the request: %s", exc)
    Click.objects.create(member_link_id=member_link_id, clicked_at=clicked_at)


def pending() -> int:
    """Clicks queued or claimed by a batch and not yet written (0 without a click queue)."""
    if not queue_enabled():
        return 0
    redis_client = client()
    batches = [name.decode() for name in redis_client.smembers(BATCHES)]
    return redis_client.llen(QUEUE) + sum(redis_client.llen(name) for name in batches)


def drain(max_batches: int | None = None) -> int:
    """Write queued clicks as Click rows: batches left by interrupted drains, then the queue; rows written.

    `max_batches` bounds the new batches claimed (None: until the queue is empty). Without a click
    queue there is nothing to drain.
    """
    if not queue_enabled():
        return 0
    redis_client = client()
    written = 0
    listed = sorted(name.decode() for name in redis_client.smembers(BATCHES))
    for name in listed:
        written += _write_batch(redis_client, name)
    # A drain that died after forgetting its batch in Redis but before deleting its ClickBatch row left
    # that row: nothing will read it again (batch names are never reused).
    ClickBatch.objects.filter(written_at__lt=timezone.now() - STALE_BATCH_ROW).exclude(name__in=listed).delete()
    claim = redis_client.register_script(_CLAIM)
    claimed = 0
    while max_batches is None or claimed < max_batches:
        name = f"{PREFIX}:batch:{uuid.uuid4().hex}"
        if not claim(keys=[QUEUE, BATCHES, name], args=[settings.CLICK_DRAIN_BATCH]):
            break
        claimed += 1
        written += _write_batch(redis_client, name)
    return written


def drain_before_reading() -> None:
    """Drain the queue so that a reader of Click rows sees every click (a Redis outage is logged, not raised)."""
    try:
        drain()
    except redis.RedisError as exc:
        logger.warning("Click queue unavailable: reading without the queued clicks: %s", exc)


def _write_batch(redis_client: redis.Redis, name: str) -> int:
    """Write one claimed batch (steps 2 and 3 of the module docstring); the Click rows written."""
    written = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # Read under the lock: a drain that wrote this batch first has committed its ClickBatch by now,
        # or has deleted the batch from Redis after committing.
        if not ClickBatch.objects.filter(name=name).exists():
            found = _parse(redis_client.lrange(name, 0, -1))
            if found:
                ClickBatch.objects.create(name=name)
                written = _insert(found)
    redis_client.delete(name)
    redis_client.srem(BATCHES, name)
    ClickBatch.objects.filter(name=name).delete()
    return written


def _parse(items: list[bytes]) -> list[tuple[int, datetime]]:
    """(member link id, clicked at) of a batch's items; a malformed item is logged and dropped."""
    found: list[tuple[int, datetime]] = []
    for item in items:
        try:
            link_id, micros = (int(part) for part in item.split(b":"))
            found.append((link_id, datetime.fromtimestamp(micros / 1_000_000, tz=UTC)))
        except ValueError:
            logger.error("Dropped a malformed queued click: %r", item[:100])
    return found


# One statement per batch on PostgreSQL: the clicks as two arrays, joined to the member links that
# still exist (a click on a link deleted since is dropped, never a foreign-key error that would stop
# the queue). Model instances and bulk_create cost ten times more per click.
_INSERT = (
    "INSERT INTO integrations_click (member_link_id, clicked_at) "
    "SELECT c.id, c.at FROM unnest(%s::bigint[], %s::timestamptz[]) AS c(id, at) "
    "JOIN integrations_memberlink m ON m.id = c.id"
)


def _insert(found: list[tuple[int, datetime]]) -> int:
    """Insert the clicks of member links that still exist; how many were inserted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_INSERT, [[link_id for link_id, _ in found], [at for _, at in found]])
            return cursor.rowcount
    existing = set(MemberLink.objects.filter(pk__in={link_id for link_id, _ in found}).values_list("pk", flat=True))
    rows = [Click(member_link_id=link_id, clicked_at=at) for link_id, at in found if link_id in existing]
    Click.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def ensure_drain_schedule() -> None:
    """With a click queue, the beat task that drains it every CLICK_DRAIN_SECONDS (created once; admin edits kept)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    if not queue_enabled():
        return
    every, _ = IntervalSchedule.objects.get_or_create(
        every=settings.CLICK_DRAIN_SECONDS, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.get_or_create(
        name=SCHEDULE_NAME, defaults={"task": DRAIN_CLICKS_TASK, "interval": every, "kwargs": "{}"}
    )
