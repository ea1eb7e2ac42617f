"""Signup-to-destination delay through the Mobilize mirror, with a real Celery worker and beat.

The production shape, default settings (MIRROR_REFRESH_SECONDS=30, MIRROR_REFRESH_SLICE_SECONDS=8,
ActionKit 5 writes/s, Mobilize 14 GET/s): PostgreSQL, Redis as broker and rate-limit store, one
`celery worker --concurrency 4` (prefork, as docker-compose.yml runs it) and one `celery beat`
with django-celery-beat's DatabaseScheduler (the mirror's tick is created when beat starts). Both
sandboxes are served over HTTP by their own process (`runserver`), as Mobilize and ActionKit
would be. One generated organization has an ActionKit CRM integration and a distributed-send
one, both synced once before the worker starts.

1. Delay. Signups are made in the Mobilize sandbox through its models, as Mobilize records them
   (`save()` bumps `modified_date`): new signups of existing volunteers to owned events, and a
   quarter status changes (an active signup cancelled), a few seconds apart, every fourth moment
   two at once. The ActionKit sandbox is polled (its database, every 0.25 s) until the signup
   shows (or its status is `cancelled`). Printed: p50, p95, max seconds, and the two legs
   (change -> mirror row written, mirror -> ActionKit). Goal: p95 < 60 s.
   With `--ascend` the organization also has an Ascend (SMS) integration (issue 15 item 6), Sync
   accounts and Create new members on, every owned event synced before the signups: new signups
   are then made by volunteers with a phone and SMS opt-in, and the Ascend sandbox is polled too
   until the member is in the event's group (delay per new signup; cancellations are ActionKit's).
2. Replays. With the mirror's tick paused (as an admin would disable it; so every GET counted is
   the replay's) and nothing queued or running: a full resync of the CRM integration, then a new
   integration (a second distributed-send one, into its own ActionKit campaign) and its first
   run, both through the worker. Mobilize GETs are counted at the sandbox (a 0 ms latency fault
   rule on Mobilize GETs counts its hits). Expected: 0 and 0.

    DATABASE_URL=postgres://... REDIS_URL=redis://... python bench/signup_delay_benchmark.py
    ... --signups 8 --no-replays          # a quick look (about 5 minutes)
    ... --signups 24 --no-replays --ascend  # also Ascend: signup -> member in the event group
    ... --quiet-signups 3                 # also the first signup after 20 quiet minutes (back-off), +12 min

It creates (and drops first) the database `<DATABASE_URL's name>_signupdelay` and uses REDIS_URL's
database as broker and rate-limit store. About 12-15 minutes with the defaults on a loaded
2-core machine (measured: 742 s).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fetch_benchmark import API_KEY, ORGANIZATION_ID, manage, sandbox_server, scratch_env  # noqa: E402

AK_USER, AK_PASSWORD = "bench", "bench-password"
POLL_SECONDS = 0.25


def bench_database(database_url: str, suffix: str = "signupdelay") -> str:
    """Create (fresh) `<name>_<suffix>` on the same server; its URL."""
    import psycopg

    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parts._replace(path=f"/{name}").geturl()


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A celery process (worker or beat) in its own process group, its output in `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mobilize_sync", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    """SIGTERM (a worker finishes its running tasks), then SIGKILL after 30 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (p in 0..100)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- counting Mobilize GETs at the sandbox -----------------------------------------------------------
class MobilizeGets:
    """Mobilize GETs the sandbox answered: the hits of a 0 ms latency fault rule on them (sandbox/faults.py)."""

    def __init__(self) -> None:
        from sandbox.models import FaultKind, FaultRule

        self.rule = FaultRule.objects.create(
            system="mobilize", method="GET", kind=FaultKind.LATENCY, latency_ms=0, note="signup delay bench: counter"
        )

    def count(self) -> int:
        self.rule.refresh_from_db(fields=["hits"])
        return self.rule.hits


# --- the changes made in Mobilize and how each is seen in ActionKit ---------------------------------
@dataclass
class Change:
    kind: str  # "new signup" or "cancelled"
    attendance_id: int
    email: str
    ak_event_id: int
    made_at: float = 0.0
    seen_at: float | None = None
    mirrored_at: float | None = None
    extra: dict = field(default_factory=dict)
    # With --ascend, a new signup is also awaited in Ascend: the member of this phone in the event's group.
    phone: str | None = None
    event_id: int | None = None
    ascend_seen_at: float | None = None

    def arrived(self) -> bool:
        from sandbox.actionkit.models import EventSignup

        signup = EventSignup.objects.filter(
            event_id=self.ak_event_id, user__email__iexact=self.email, role="attendee"
        ).first()
        if signup is None:
            return False
        return self.kind == "new signup" or signup.status == "cancelled"

    @property
    def delay(self) -> float:
        return (self.seen_at or 0.0) - self.made_at

    @property
    def in_ascend(self) -> bool:
        """Whether this change is awaited in Ascend (a new signup while an Ascend integration is measured)."""
        return self.phone is not None

    def arrived_in_ascend(self, account_id: int) -> bool:
        """The Ascend sandbox has the volunteer's member (by phone) in the group of the signup's event."""
        from sandbox.ascend.models import GroupMembership

        return GroupMembership.objects.filter(
            member__account_id=account_id,
            member__phone=self.phone,
            group__account_id=account_id,
            group__external_id=f"mobilize-event-{self.event_id}",
        ).exists()

    @property
    def ascend_delay(self) -> float:
        return (self.ascend_seen_at or 0.0) - self.made_at

    def done(self) -> bool:
        """Seen everywhere it is awaited."""
        return self.seen_at is not None and (not self.in_ascend or self.ascend_seen_at is not None)


class Source:
    """Picks what to change in the Mobilize sandbox so that ActionKit will show it unambiguously.

    `sms_only`: new signups are made by volunteers with a valid phone and SMS opt-in (Ascend takes
    those only), each to an event they have not signed up for in this run (so its Ascend group
    membership is new), and each carries the phone Ascend will know the member by.
    """

    def __init__(self, campaign_id: int, rng: random.Random, *, sms_only: bool = False) -> None:
        from sandbox.actionkit.models import EventField, EventSignup, User
        from sandbox.mobilize.models import Attendance, Person, Timeslot

        self.rng = rng
        now = int(time.time())
        # Future timeslots of events the organization owns, with their ActionKit event in the CRM campaign.
        ak_event_of = {
            int(value): event_id
            for value, event_id in EventField.objects.filter(
                name="mobilize_timeslot_id", event__campaign_id=campaign_id, event__status="active"
            ).values_list("value", "event_id")
            if value.isdigit()
        }
        self.timeslots = [
            slot
            for slot in Timeslot.objects.filter(
                event__organization_id=ORGANIZATION_ID, start_date__gt=now + 3600, pk__in=list(ak_event_of)
            ).select_related("event")
        ]
        self.ak_event_of = ak_event_of
        # Volunteers of the organization (their email is shown to it) who are ActionKit users already.
        ak_emails = {email.lower() for email in User.objects.values_list("email", flat=True)}
        self.people = [
            person
            for person in Person.objects.filter(organizations__id=ORGANIZATION_ID).distinct()
            if person.email_address.lower() in ak_emails
        ]
        self.sms_only = sms_only
        self.phone_of: dict[int, str] = {}
        self.joined: set[tuple[int, int]] = set()  # (person, event) of this run's new signups
        if sms_only:
            self.phone_of = {
                person.pk: phone
                for person in self.people
                if person.sms_opt_in_status == "OPT_IN" and (phone := e164(person.phone_number))
            }
            self.people = [person for person in self.people if person.pk in self.phone_of]
        self.taken = set(Attendance.objects.values_list("person_id", "timeslot_id"))
        # Active signups the organization recruited to its own events, mirrored in ActionKit as active.
        active = set(
            EventSignup.objects.filter(event__campaign_id=campaign_id, role="attendee", status="active").values_list(
                "user__email", "event_id"
            )
        )
        self.cancellable = [
            a
            for a in Attendance.objects.filter(
                event__organization_id=ORGANIZATION_ID,
                sponsor_id=ORGANIZATION_ID,
                status__in=["REGISTERED", "CONFIRMED"],
                timeslot_id__in=list(ak_event_of),
            ).select_related("person")
            if (a.person.email_address, ak_event_of[a.timeslot_id]) in active
        ]
        rng.shuffle(self.cancellable)
        if not self.timeslots or not self.people:
            raise SystemExit("The generated organization has no future owned timeslot or no synced volunteer.")

    def new_signup(self) -> Change:
        from sandbox.mobilize.models import Attendance

        for _ in range(1000):
            person, slot = self.rng.choice(self.people), self.rng.choice(self.timeslots)
            if (person.pk, slot.pk) not in self.taken and (person.pk, slot.event_id) not in self.joined:
                break
        else:
            raise SystemExit("No free (volunteer, timeslot) pair left: generate more events or people.")
        self.taken.add((person.pk, slot.pk))
        if self.sms_only:
            self.joined.add((person.pk, slot.event_id))
        made_at = time.time()
        # save() stamps created_date/modified_date with now, as Mobilize does for a new signup.
        attendance = Attendance.objects.create(
            person=person, event=slot.event, timeslot=slot, sponsor_id=ORGANIZATION_ID, status="REGISTERED"
        )
        change = Change("new signup", attendance.pk, person.email_address, self.ak_event_of[slot.pk], made_at)
        if self.sms_only:
            change.phone, change.event_id = self.phone_of[person.pk], slot.event_id
        return change

    def cancellation(self) -> Change:
        if not self.cancellable:
            return self.new_signup()
        attendance = self.cancellable.pop()
        made_at = time.time()
        attendance.set_status("CANCELLED")  # bumps modified_date
        ak_event = self.ak_event_of[attendance.timeslot_id]
        return Change("cancelled", attendance.pk, attendance.person.email_address, ak_event, made_at)


def e164(number: str) -> str | None:
    """A Mobilize phone number as the Ascend flow sends it (E.164), or None when it is not valid."""
    from integrations.flows.ascend.mapping import mobile_phone

    return mobile_phone({"phone_numbers": [{"primary": True, "number": number}]}) if number else None


def mirrored_at(change: Change) -> float | None:
    """When the mirror row of the changed attendance was last written (this refresh's write)."""
    from integrations.models import MirrorRecord

    row = (
        MirrorRecord.objects.filter(
            organization__mobilize_id=ORGANIZATION_ID, record_type="attendance", mobilize_id=str(change.attendance_id)
        )
        .values_list("updated_at", flat=True)
        .first()
    )
    return row.timestamp() if isinstance(row, datetime) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--signups", type=int, default=30, help="changes made in Mobilize (at least 20 for p95)")
    parser.add_argument("--spacing", type=float, default=4.0, help="mean seconds between change moments")
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--attendances", type=int, default=400)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=420.0, help="seconds a change may take before it is lost")
    parser.add_argument("--no-replays", action="store_true", help="skip part 2 (full resync, new integration)")
    parser.add_argument(
        "--quiet-signups", type=int, default=0, help="also: signups each made after a simulated quiet period (back-off)"
    )
    parser.add_argument("--quiet-minutes", type=float, default=20.0, help="the simulated quiet period")
    parser.add_argument(
        "--ascend", action="store_true", help="also an Ascend integration: new signups measured to Ascend too"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    began = time.monotonic()

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("The benchmark needs a PostgreSQL DATABASE_URL and a REDIS_URL (the production shape).")
    env = scratch_env(Path("/unused"))
    env.update(DATABASE_URL=bench_database(database_url), REDIS_URL=redis_url, CELERY_TASK_ALWAYS_EAGER="0")
    env["LOG_LEVEL"] = "INFO"
    # Every other setting is left at its default in the worker and beat.
    prefixes = ("MIRROR_", "ACTIONKIT_", "ASCEND_", "MOBILIZE_", "SYNC_", "HTTP_")
    for name in [key for key in env if key.startswith(prefixes)]:
        env.pop(name)
    os.environ.update({key: value for key, value in env.items() if key.isupper()})
    os.environ["LOG_LEVEL"] = "WARNING"  # the workers log at INFO into their files; this process prints figures
    # This process only makes the first syncs, before the worker starts: no need to wait on ActionKit.
    os.environ.update(ACTIONKIT_READ_RATE="500/second", ACTIONKIT_WRITE_RATE="500/second")
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
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    from integrations import ascend_services, services
    from integrations.engine import RunOptions, run_sync
    from integrations.mirror.refresh import refresh_until_caught_up
    from integrations.models import (
        ActionKitConfig,
        ActionKitConnection,
        AscendEvent,
        Integration,
        IntegrationKind,
        MirrorFanOut,
        MirrorState,
        Organization,
        SyncRun,
    )
    from sandbox.actionkit.setup import ensure_api_user, ensure_campaign
    from sandbox.ascend.setup import create_account
    from sandbox.mobilize.models import Event

    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery")
    logs = Path(tempfile.mkdtemp(prefix="signup-delay-"))
    processes: list[subprocess.Popen] = []

    with sandbox_server(env) as mobilize_url:
        server = mobilize_url.removesuffix("/sandbox/mobilize/v1")
        ensure_api_user(AK_USER, AK_PASSWORD)
        organization = Organization.objects.create(
            name="Bench", mobilize_id=ORGANIZATION_ID, mobilize_base_url=mobilize_url, mobilize_api_key=API_KEY
        )
        connection = ActionKitConnection.objects.create(
            organization=organization,
            name="AK",
            base_url=f"{server}/sandbox/actionkit",
            username=AK_USER,
            password=AK_PASSWORD,
        )

        def integration(kind: str, name: str) -> tuple[Integration, int]:
            """An integration as an admin makes it: its config, and its 15-minute schedule (the safety net)."""
            crm = kind == IntegrationKind.ACTIONKIT_CRM
            campaign = ensure_campaign(f"bench-{name}", f"bench-{name}-host", f"bench-{name}-signup" if crm else None)
            made = Integration.objects.create(organization=organization, name=name, kind=kind)
            ActionKitConfig.objects.create(
                integration=made,
                connection=connection,
                campaign_id=campaign.pk,
                event_create_page=f"bench-{name}-host",
                event_signup_page=f"bench-{name}-signup" if crm else "",
            )
            services.ensure_schedule(made)
            return made, campaign.pk

        crm, crm_campaign = integration(IntegrationKind.ACTIONKIT_CRM, "crm")
        ds, _ = integration(IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, "ds")
        measured = [crm, ds]
        account = sms = None
        if args.ascend:
            # As an admin sets it up: the account's key, Sync accounts and Create new members on, the
            # default field rules, and every event of the organization synced on the Events tab now,
            # before the signups (older submissions are skipped: the generated ones are days old).
            account = create_account("Bench SMS", "bench-ascend-key")
            sms = Integration.objects.create(organization=organization, name="sms", kind=IntegrationKind.ASCEND)
            config = ascend_services.ensure_config(sms)
            config.base_url, config.api_key = f"{server}/sandbox/ascend", "bench-ascend-key"
            config.sync_accounts = config.create_new_members = True
            config.save()
            synced_at = timezone.now()
            AscendEvent.objects.bulk_create(
                AscendEvent(config=config, mobilize_event_id=pk, title=title[:500], synced=True, synced_at=synced_at)
                for pk, title in Event.objects.filter(organization_id=ORGANIZATION_ID).values_list("pk", "title")
            )
            services.ensure_schedule(sms)
            measured.append(sms)
        first = time.monotonic()
        refresh_until_caught_up(organization)
        first_runs = [run_sync(made, RunOptions()) for made in measured]
        for run in first_runs:
            if run.status != SyncRun.Status.SUCCEEDED:
                sys.exit(f"The first sync of {run.integration.name} ended {run.status}: {run.message}")
        created = ", ".join(f"{run.integration.name} created {run.created}" for run in first_runs)
        print(f"first syncs: {created} ({time.monotonic() - first:.0f} s, in this process)", flush=True)
        # The first refresh fanned out to Redis before any worker: start from a clean queue.
        broker.delete("celery")
        MirrorFanOut.objects.all().delete()
        source = Source(crm_campaign, rng, sms_only=args.ascend)
        gets = MobilizeGets()

        workers_started = time.time()
        worker = ["worker", "--concurrency", "4", "-l", "INFO", "-n", "bench@%h"]
        processes.append(start(worker, env, logs / "worker.log"))
        processes.append(
            start(
                [
                    "beat",
                    "-l",
                    "INFO",
                    "--scheduler",
                    "django_celery_beat.schedulers:DatabaseScheduler",
                    "--pidfile",
                    str(logs / "beat.pid"),
                    "--schedule",
                    str(logs / "beat-schedule"),
                ],
                env,
                logs / "beat.log",
            )
        )
        try:
            # Steady state: the worker and beat are up once beat's tick has had a refresh run on the worker.
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                state = MirrorState.objects.get(organization=organization)
                if state.last_refresh_at and state.last_refresh_at.timestamp() > workers_started:
                    break
                if any(p.poll() is not None for p in processes):
                    sys.exit(f"A celery process died; logs in {logs}")
                time.sleep(0.5)
            else:
                sys.exit(f"No mirror refresh within 180 s of starting worker and beat; logs in {logs}")
            print(f"worker and beat up; first tick's refresh done ({time.time() - workers_started:.0f} s)", flush=True)
            time.sleep(rng.uniform(0, 30))  # start at a random moment of the tick

            # --- 1. signups -> ActionKit ---------------------------------------------------------
            gets_before = gets.count()
            phase_started = time.monotonic()
            changes: list[Change] = []
            pending: list[Change] = []
            moment = 0
            next_at = time.monotonic()
            while len(changes) < args.signups or pending:
                now = time.monotonic()
                if len(changes) < args.signups and now >= next_at:
                    moment += 1
                    burst = 2 if moment % 4 == 0 else 1
                    for _ in range(min(burst, args.signups - len(changes))):
                        made = source.cancellation() if len(changes) % 4 == 3 else source.new_signup()
                        changes.append(made)
                        pending.append(made)
                    next_at = now + rng.uniform(args.spacing * 0.5, args.spacing * 1.5)
                for change in list(pending):
                    shown = f"{change.kind:<10} attendance {change.attendance_id}"
                    if change.mirrored_at is None:
                        change.mirrored_at = mirrored_at(change) if change.made_at else None
                        if change.mirrored_at is not None and change.mirrored_at < change.made_at:
                            change.mirrored_at = None  # an older write of a changed attendance
                    if change.seen_at is None and change.arrived():
                        change.seen_at = time.time()
                        change.mirrored_at = change.mirrored_at or mirrored_at(change)
                        print(f"  {shown}: {change.delay:5.1f} s", flush=True)
                    if change.in_ascend and change.ascend_seen_at is None and change.arrived_in_ascend(account.pk):
                        change.ascend_seen_at = time.time()
                        print(f"  {shown}: {change.ascend_delay:5.1f} s  Ascend", flush=True)
                    if change.done():
                        pending.remove(change)
                    elif time.time() - change.made_at > args.timeout:
                        pending.remove(change)
                        where = "ActionKit" if change.seen_at is None else "Ascend"
                        print(f"  {shown}: LOST in {where} (> {args.timeout:.0f} s)")
                if any(p.poll() is not None for p in processes):
                    sys.exit(f"A celery process died; logs in {logs}")
                time.sleep(POLL_SECONDS)
            phase_seconds = time.monotonic() - phase_started
            phase_gets = gets.count() - gets_before
            mirror_runs = SyncRun.objects.filter(integration__organization=organization).exclude(
                integration_id__in=[made.pk for made in measured]
            )
            fanned = SyncRun.objects.filter(integration=crm, trigger=SyncRun.Trigger.MIRROR).count()
            fanned_ascend = (
                SyncRun.objects.filter(integration=sms, trigger=SyncRun.Trigger.MIRROR).count() if args.ascend else 0
            )

            # --- 1b. the first signup after a quiet period (the mirror has backed off) -------------
            quiet: list[Change] = []
            for _ in range(args.quiet_signups):
                quiet.append(after_quiet(organization, source, args.quiet_minutes, rng, args.timeout, processes, logs))

            # --- 2. replays cost Mobilize nothing ----------------------------------------------
            replays: list[tuple[str, int, SyncRun]] = []
            if not args.no_replays:
                tick = PeriodicTask.objects.get(task=services.MIRROR_TICK_TASK)
                tick.enabled = False
                tick.save()  # save() (not update()) tells the DatabaseScheduler its schedule changed
                wait_quiet(broker, organization, timeout=300)

                def replay(label: str, integration: Integration, **options) -> None:
                    before_run = SyncRun.objects.filter(integration=integration).order_by("-pk").first()
                    counted = gets.count()
                    services.trigger_sync(integration, **options)
                    run = wait_run(integration, after=before_run.pk if before_run else 0, timeout=900)
                    replays.append((label, gets.count() - counted, run))

                replay("full resync of the CRM integration", crm, full_resync=True)
                added, _ = integration(IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, "ds2")
                replay("a new integration's first run (distributed send)", added)
                tick.enabled = True
                tick.save()
        finally:
            for process in processes:
                stop(process)

        fields_of = {
            "mirror runs kept (idle runs replace each other)": mirror_runs.count(),
            "CRM runs triggered by the mirror": fanned,
        }
        if args.ascend:
            fields_of["Ascend runs triggered by the mirror"] = fanned_ascend

    delays = [c.delay for c in changes if c.seen_at is not None]
    lost = [c for c in changes if c.seen_at is None]
    to_mirror = [c.mirrored_at - c.made_at for c in changes if c.seen_at and c.mirrored_at]
    to_ak = [c.seen_at - c.mirrored_at for c in changes if c.seen_at and c.mirrored_at]
    print("\n1. Signup to destination: Mobilize sandbox -> mirror (beat tick, refresh) -> fan-out -> ActionKit sandbox")
    print(
        f"   {args.events} events, {args.attendances} attendances, {args.people} people; worker --concurrency 4 "
        "(prefork) + beat (DatabaseScheduler), PostgreSQL + Redis, default settings"
    )
    kinds = {kind: sum(1 for c in changes if c.kind == kind) for kind in ("new signup", "cancelled")}
    print(
        f"   {len(changes)} changes ({kinds['new signup']} new signups, {kinds['cancelled']} cancellations) over "
        f"{phase_seconds:.0f} s; arrived {len(delays)}, lost {len(lost)}"
    )
    if delays:
        print(
            f"   delay seconds: p50 {statistics.median(delays):.1f}  p95 {percentile(delays, 95):.1f}  "
            f"max {max(delays):.1f}  min {min(delays):.1f}  mean {statistics.fmean(delays):.1f}  "
            f"(goal p95 < 60: {'met' if percentile(delays, 95) < 60 else 'NOT met'})"
        )
    if to_mirror:
        print(
            f"   change -> mirror row: p50 {statistics.median(to_mirror):.1f}  p95 {percentile(to_mirror, 95):.1f}  "
            f"max {max(to_mirror):.1f};  mirror row -> ActionKit: p50 {statistics.median(to_ak):.1f}  "
            f"p95 {percentile(to_ak, 95):.1f}  max {max(to_ak):.1f}"
        )
    awaited = [c for c in changes if c.in_ascend]
    if awaited:
        report_ascend(awaited)
    if quiet:
        interval = refresh_interval(args.quiet_minutes * 60)
        shown = ", ".join(f"{c.delay:.1f}" if c.seen_at else "lost" for c in quiet)
        print(
            f"   after {args.quiet_minutes:g} min without a change (refresh every {interval:.0f} s by then), "
            f"one signup at a random moment, {len(quiet)} times: {shown} s"
        )
    print(f"   Mobilize GETs during the signups: {phase_gets} ({60 * phase_gets / phase_seconds:.1f}/min)")
    for name, value in fields_of.items():
        print(f"   {name}: {value}")
    if replays:
        print("\n2. Mobilize GETs spent by replays (mirror tick paused; counted at the sandbox)")
        for label, spent, run in replays:
            print(
                f"   {label}: {spent} GETs  (run #{run.pk} {run.status}: fetched {run.fetched}, "
                f"created {run.created}, updated {run.updated}, unchanged {run.unchanged})"
            )
    print(f"\n({time.monotonic() - began:.0f} s; worker and beat logs in {logs})")
    lost_in_ascend = [c for c in changes if c.in_ascend and c.ascend_seen_at is None]
    if lost or lost_in_ascend or any(c.seen_at is None for c in quiet) or any(spent for _, spent, _ in replays):
        sys.exit(1)


def report_ascend(awaited: list[Change]) -> None:
    """The Ascend figures: each new signup's delay until its member is in the event's Ascend group."""
    delays = [c.ascend_delay for c in awaited if c.ascend_seen_at is not None]
    print(
        f"   Ascend (fan-out -> Ascend run -> member in the event group): {len(awaited)} new signups, "
        f"arrived {len(delays)}, lost {len(awaited) - len(delays)}"
    )
    if delays:
        p95 = percentile(delays, 95)
        print(
            f"   Ascend delay seconds: p50 {statistics.median(delays):.1f}  p95 {p95:.1f}  max {max(delays):.1f}  "
            f"min {min(delays):.1f}  mean {statistics.fmean(delays):.1f}  (goal p95 < 60: "
            f"{'met' if p95 < 60 else 'NOT met'})"
        )
    to_ascend = [c.ascend_seen_at - c.mirrored_at for c in awaited if c.ascend_seen_at and c.mirrored_at]
    if to_ascend:
        print(
            f"   mirror row -> Ascend: p50 {statistics.median(to_ascend):.1f}  "
            f"p95 {percentile(to_ascend, 95):.1f}  max {max(to_ascend):.1f}"
        )


def after_quiet(organization, source: Source, minutes: float, rng, timeout: float, processes, logs) -> Change:
    """One signup at a random moment of the refresh interval of an organization quiet for `minutes`.

    The quiet period is simulated: its last change is dated `minutes` ago, then one refresh is
    awaited (it finds nothing, so the date stays) to set the back-off's rhythm.
    """
    from integrations.models import MirrorState

    while True:
        stamp = time.time()
        MirrorState.objects.filter(organization=organization).update(
            last_change_at=datetime.fromtimestamp(stamp - minutes * 60, tz=UTC)
        )
        while True:
            state = MirrorState.objects.get(organization=organization)
            if state.last_refresh_at and state.last_refresh_at.timestamp() > stamp:
                break
            if any(p.poll() is not None for p in processes):
                sys.exit(f"A celery process died; logs in {logs}")
            time.sleep(0.5)
        if state.last_change_at.timestamp() < stamp - 60:
            break  # the refresh found nothing: the back-off is in force
    time.sleep(rng.uniform(0, refresh_interval(time.time() - state.last_change_at.timestamp())))
    change = source.new_signup()
    while not change.arrived():
        if time.time() - change.made_at > timeout:
            print(f"  after quiet: attendance {change.attendance_id}: LOST (> {timeout:.0f} s)", flush=True)
            return change
        time.sleep(POLL_SECONDS)
    change.seen_at = time.time()
    print(f"  after quiet: attendance {change.attendance_id}: {change.delay:5.1f} s", flush=True)
    return change


def refresh_interval(quiet_seconds: float) -> float:
    from integrations.mirror.refresh import refresh_interval as interval

    return interval(quiet_seconds)


def wait_quiet(broker, organization, *, timeout: float) -> None:
    """Until nothing of the organization is queued or running (checked on 8 polls in a row)."""
    from integrations.models import MirrorFanOut, MirrorState, SyncRun

    deadline, calm = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        busy = (
            broker.llen("celery")
            or SyncRun.objects.filter(integration__organization=organization, status=SyncRun.Status.RUNNING).exists()
            or MirrorFanOut.objects.filter(integration__organization=organization).exists()
            or MirrorState.objects.filter(organization=organization, refresh_queued_at__isnull=False).exists()
        )
        calm = 0 if busy else calm + 1
        if calm >= 8:
            return
        time.sleep(0.5)
    raise SystemExit("The organization did not go quiet: runs still queued or running.")


def wait_run(integration, *, after: int, timeout: float):
    """The first run of `integration` newer than run `after`, once it has finished."""
    from integrations.models import SyncRun

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(integration=integration, pk__gt=after).order_by("pk").first()
        if run is not None and run.status != SyncRun.Status.RUNNING:
            return run
        time.sleep(0.5)
    raise SystemExit(f"No finished run of {integration.name} within {timeout:.0f} s.")


if __name__ == "__main__":
    main()
