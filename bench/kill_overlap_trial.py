"""Kill-and-overlap trial: two real Celery workers, PostgreSQL and Redis, random kill -9 and forced lock loss.

On a generated organization (both sandboxes served over HTTP from their own process), an
ActionKit CRM integration is synced by two `celery worker` processes while this script:
  - changes some events and attendances in Mobilize before each round, so every run has work;
  - sends two triggers at once (the workers contend for the integration's lock);
  - then either kills the worker holding the lock with SIGKILL (and starts a new one), or forces
    a lock loss: it terminates the PostgreSQL session holding the advisory lock
    (`pg_terminate_backend`), sends another trigger, and the holder must stop before its next write;
  - sweeps for dead holders as Celery beat does every minute (`recover_interrupted_runs`).
Then a clean final run, and a reference integration synced once without any fault into its own
ActionKit campaign from the same final Mobilize data. It prints:
  duplicates: ActionKit events per mobilize_timeslot_id > 1, signups per user+event > 1,
              signup custom field rows repeated (same signup, name and value);
  losses:     timeslots and signups the reference has and the trial's campaign lacks;
  overlaps:   pairs of runs whose destination writes interleave in time;
expected 0, 0 and 0, with the counts of kills and lock losses.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/kill_overlap_trial.py [--kills 10]

It creates (and drops first) the database `<DATABASE_URL's name>_killtrial` and uses REDIS_URL's
database as broker. About 3-6 minutes with the defaults.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fetch_benchmark import API_KEY, ORGANIZATION_ID, manage, sandbox_server, scratch_env  # noqa: E402

AK_USER, AK_PASSWORD = "trial", "trial-password"


# --- what the trial measures (also used by tests/smoke/test_overlap.py) ---------------------------
def duplicates(campaign_id: int) -> dict[str, int]:
    """Extra destination records in one ActionKit campaign: each count is copies beyond the first."""
    from django.db.models import Count

    from sandbox.actionkit.models import EventField, EventSignup, EventSignupField

    def extra(queryset, *fields) -> int:
        groups = queryset.values(*fields).annotate(n=Count("id")).filter(n__gt=1)
        return sum(group["n"] - 1 for group in groups)

    return {
        "events per mobilize_timeslot_id": extra(
            EventField.objects.filter(name="mobilize_timeslot_id", event__campaign_id=campaign_id), "value"
        ),
        "signups per user+event": extra(EventSignup.objects.filter(event__campaign_id=campaign_id), "user", "event"),
        "signup field rows": extra(
            EventSignupField.objects.filter(parent__event__campaign_id=campaign_id), "parent", "name", "value"
        ),
    }


def destination_keys(campaign_id: int) -> tuple[set[str], set[tuple[str, str]]]:
    """What a campaign holds: timeslot keys of its events, and (user email, timeslot key) of its signups."""
    from sandbox.actionkit.models import EventField, EventSignup

    key_of = dict(
        EventField.objects.filter(name="mobilize_timeslot_id", event__campaign_id=campaign_id).values_list(
            "event_id", "value"
        )
    )
    signups = {
        (email, key_of.get(event_id, f"event {event_id}"))
        for email, event_id in EventSignup.objects.filter(event__campaign_id=campaign_id).values_list(
            "user__email", "event_id"
        )
    }
    return set(key_of.values()), signups


def losses(campaign_id: int, reference_campaign_id: int) -> dict[str, int]:
    """Records an uninterrupted sync (the reference) wrote that the trial's campaign lacks."""
    events, signups = destination_keys(campaign_id)
    reference_events, reference_signups = destination_keys(reference_campaign_id)
    return {"timeslots": len(reference_events - events), "signups": len(reference_signups - signups)}


def overlapping_runs(integration_id: int) -> list[tuple[int, int]]:
    """Pairs of runs whose destination writes (created/updated items) interleave in time."""
    from django.db.models import Max, Min

    from integrations.models import SyncItem

    spans = list(
        SyncItem.objects.filter(run__integration_id=integration_id, action__in=["created", "updated"])
        .values("run_id")
        .annotate(first=Min("created_at"), last=Max("created_at"))
        .order_by("first")
    )
    return [(a["run_id"], b["run_id"]) for i, a in enumerate(spans) for b in spans[i + 1 :] if b["first"] < a["last"]]


def terminate_lock_session(integration_id: int) -> int:
    """Force a lock loss: end the PostgreSQL session holding the integration's advisory lock."""
    from django.db import connection

    from integrations.engine.lock import ADVISORY_NAMESPACE

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND granted",
            [ADVISORY_NAMESPACE, integration_id],
        )
        return len(cursor.fetchall())


def start_worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen:
    """A real `celery worker` (solo pool: the task runs in the worker process itself)."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mobilize_sync", "worker", "--pool", "solo", "-n", name, "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


# --- the trial -------------------------------------------------------------------------------------
def trial_database(database_url: str) -> str:
    """Create (fresh) `<name>_killtrial` on the same server; its URL."""
    import psycopg

    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_killtrial"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=10, help="rounds; every third forces a lock loss instead")
    parser.add_argument("--events", type=int, default=16)
    parser.add_argument("--attendances", type=int, default=150)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--actionkit-rate", default="40/second", help="the workers' ActionKit write rate")
    parser.add_argument("--lock-ttl", type=float, default=4.0, help="SYNC_LOCK_TTL_SECONDS of the workers")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("The trial needs a PostgreSQL DATABASE_URL and a REDIS_URL.")
    env = scratch_env(Path("/unused"))
    env.update(
        DATABASE_URL=trial_database(database_url),
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        ACTIONKIT_READ_RATE="100/second",
        ACTIONKIT_WRITE_RATE=args.actionkit_rate,
        SYNC_LOCK_TTL_SECONDS=str(args.lock_ttl),
        HTTP_BACKOFF_INITIAL_SECONDS="0.05",
        HTTP_BACKOFF_MAX_SECONDS="0.5",
        LOG_LEVEL="INFO",
    )
    os.environ.update({key: value for key, value in env.items() if key.isupper()})
    # This process syncs only the reference, with nothing to disturb: no need to wait on a rate.
    os.environ.update(ACTIONKIT_READ_RATE="500/second", ACTIONKIT_WRITE_RATE="500/second")
    started = time.monotonic()
    manage(env, "migrate", "--noinput")
    manage(
        env,
        "sandbox_generate",
        f"--events={args.events}",
        f"--attendances={args.attendances}",
        f"--people={args.people}",
        f"--seed={args.seed}",
        f"--organization-id={ORGANIZATION_ID}",
        f"--api-key={API_KEY}",
    )
    import django

    django.setup()
    import redis

    from integrations.engine import RunOptions, run_sync
    from integrations.engine.recovery import recover_interrupted_runs
    from integrations.models import (
        ActionKitConfig,
        ActionKitConnection,
        Integration,
        IntegrationKind,
        Organization,
        SyncLock,
        SyncRun,
    )
    from mobilize_sync.celery import app as celery_app
    from sandbox.actionkit.setup import ensure_api_user, ensure_campaign
    from sandbox.mobilize.models import Attendance, Event

    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / f"kill-trial-{os.getpid()}"
    logs.mkdir(parents=True, exist_ok=True)

    with sandbox_server(env) as mobilize_url:
        server = mobilize_url.removesuffix("/sandbox/mobilize/v1")
        ensure_api_user(AK_USER, AK_PASSWORD)
        organization = Organization.objects.create(
            name="Trial", mobilize_id=ORGANIZATION_ID, mobilize_base_url=mobilize_url, mobilize_api_key=API_KEY
        )
        connection = ActionKitConnection.objects.create(
            organization=organization,
            name="AK",
            base_url=f"{server}/sandbox/actionkit",
            username=AK_USER,
            password=AK_PASSWORD,
        )

        def crm(name: str) -> tuple[Integration, int]:
            campaign = ensure_campaign(f"trial-{name}", f"trial-{name}-host", f"trial-{name}-signup")
            integration = Integration.objects.create(
                organization=organization, name=name, kind=IntegrationKind.ACTIONKIT_CRM
            )
            ActionKitConfig.objects.create(
                integration=integration,
                connection=connection,
                campaign_id=campaign.pk,
                event_create_page=f"trial-{name}-host",
                event_signup_page=f"trial-{name}-signup",
            )
            return integration, campaign.pk

        integration, campaign_id = crm("crm")
        # The CRM flow reads the organization's Mobilize mirror: fill it once, without fanning out
        # (the trial triggers its runs itself; the data does not change during the trial).
        from integrations.mirror.refresh import refresh_until_caught_up

        refresh_until_caught_up(organization, fan_out=False)

        workers: dict[str, subprocess.Popen] = {}
        serial = iter(range(1, 10_000))

        def ensure_workers() -> None:
            for name in ("w1", "w2"):
                if name not in workers or workers[name].poll() is not None:
                    workers[name] = start_worker(env, f"{name}-{next(serial)}@trial", logs / f"{name}.log")

        def trigger(reason: str = "manual") -> None:
            celery_app.send_task(
                "integrations.run_integration", kwargs={"integration_id": integration.pk, "trigger": reason}
            )

        def holder_pid(timeout: float) -> int | None:
            """The pid of the worker whose run holds the lock, once a run is under way."""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                row = SyncLock.objects.filter(integration=integration).first()
                if row is not None and row.run_id:
                    pid = int(row.holder.split(":")[1])
                    if any(worker.pid == pid for worker in workers.values()):
                        return pid
                time.sleep(0.1)
            return None

        def quiet(timeout: float) -> bool:
            """Wait until nothing is queued or running."""
            deadline, calm = time.monotonic() + timeout, 0
            while time.monotonic() < deadline:
                busy = (
                    broker.llen("celery")
                    or SyncRun.objects.filter(integration=integration, status=SyncRun.Status.RUNNING).exists()
                )
                calm = 0 if busy else calm + 1
                if calm >= 6:
                    return True
                recover_interrupted_runs()
                time.sleep(0.5)
            return False

        def touch_source() -> None:
            now = int(time.time())
            for event in Event.objects.filter(organization_id=ORGANIZATION_ID).order_by("?")[:3]:
                Event.objects.filter(pk=event.pk).update(
                    title=f"{event.title.split(' #')[0]} #{now}", modified_date=now
                )
            for attendance in Attendance.objects.filter(event__organization_id=ORGANIZATION_ID).order_by("?")[:15]:
                status = "CONFIRMED" if attendance.status == "REGISTERED" else "REGISTERED"
                Attendance.objects.filter(pk=attendance.pk).update(status=status, modified_date=now)

        tally: Counter = Counter()
        ensure_workers()
        time.sleep(4)  # the workers connect to the broker
        try:
            for round_number in range(1, args.kills + 1):
                touch_source()
                trigger()
                trigger()  # two at once: the workers contend for the lock
                pid = holder_pid(timeout=30)
                if pid is None:
                    tally["rounds without a run to disturb"] += 1
                    quiet(60)
                    continue
                time.sleep(rng.uniform(0.5, 8.0))
                if round_number % 3 == 0:
                    if terminate_lock_session(integration.pk):
                        tally["lock losses forced"] += 1
                        trigger()  # a rival arrives while the holder may still be finishing a request
                else:
                    victim = next((w for w in workers.values() if w.pid == pid), None)
                    if victim is not None and victim.poll() is None:
                        os.kill(pid, signal.SIGKILL)
                        victim.wait()
                        tally["workers killed (kill -9)"] += 1
                    ensure_workers()
                time.sleep(rng.uniform(0.5, 2.0))
                recover_interrupted_runs()  # what Celery beat does every minute
                print(f"round {round_number}: {dict(tally)}", flush=True)
            quiet(420)
            ensure_workers()
            trigger()  # the clean final run
            time.sleep(2)
            quiet(420)
        finally:
            for worker in workers.values():
                worker.send_signal(signal.SIGTERM)
            for worker in workers.values():
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()

        final = SyncRun.objects.filter(integration=integration).exclude(status=SyncRun.Status.SKIPPED).first()
        reference, reference_campaign_id = crm("reference")
        reference_run = run_sync(reference, RunOptions())

        runs = Counter(SyncRun.objects.filter(integration=integration).values_list("status", flat=True))
        lost_runs = SyncRun.objects.filter(integration=integration, message__startswith="Stopped before its next write")
        dupes = duplicates(campaign_id)
        missing = losses(campaign_id, reference_campaign_id)
        overlaps = overlapping_runs(integration.pk)

    print(f"\nKill-and-overlap trial: {args.events} events, {args.attendances} attendances, {args.people} people;")
    print(f"two solo celery workers, lock TTL {args.lock_ttl} s, ActionKit writes {args.actionkit_rate}\n")
    for name, count in sorted(tally.items()):
        print(f"  {name:<34} {count}")
    print(f"  {'runs stopped by a lost lock':<34} {lost_runs.count()}")
    print(f"  {'runs by status':<34} {dict(runs)}")
    print(f"  {'final run':<34} #{final.pk} {final.status} {final.message.splitlines()[0] if final.message else ''}")
    print(f"  {'reference run':<34} #{reference_run.pk} {reference_run.status}")
    print("\nduplicates")
    for name, count in dupes.items():
        print(f"  {name:<34} {count}")
    print("losses (in the reference, missing from the trial)")
    for name, count in missing.items():
        print(f"  {name:<34} {count}")
    print(f"overlapping runs (writes interleaved) {len(overlaps)} {overlaps[:5]}")
    total_dupes, total_losses = sum(dupes.values()), sum(missing.values())
    print(f"\nDUPLICATES {total_dupes}  LOSSES {total_losses}  OVERLAPS {len(overlaps)}")
    print(f"({time.monotonic() - started:.0f} s; worker logs in {logs})")
    sys.exit(1 if total_dupes or total_losses or overlaps else 0)


if __name__ == "__main__":
    main()
