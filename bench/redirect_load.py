"""Load on the public short-link redirect /l/<code> (issue 16, item 5), in the production shape.

PostgreSQL, Redis, gunicorn started as docker-compose.yml starts the web service (the settings in
gunicorn.conf.py, DEBUG off), a Celery worker and beat (beat runs the task that writes queued
clicks, and nothing else), and wrk (Debian's package `wrk`) with one thread, all on this machine.
One organization with an Ascend integration has a tracked link with --links member links; wrk
follows random member links with a phone's User-Agent (bench/redirect_load.lua) for --seconds over
--connections connections, kept open (--close: a new connection per request, as phones arriving one
by one make).

Printed per phase: requests/s, p50/p90/p99/max latency, errors (answers other than 302, and socket
errors: while gunicorn is down wrk retries each refused connection at once, so those count attempts,
not clicks), the CPU each part used per request (phase 1: on a shared machine requests/s depend on
the neighbours, CPU per request much less), and the lost-click check: each 302 wrk received carries
its member link's token (utm_content), so the clicks sent per member link are compared with the
Click rows written for it once the queue is empty: lost = 302s received but not recorded, extra =
recorded but never received. Both must be 0 (the last second of each phase sends non-click requests
to a link of its own, so wrk's cut-off leaves no click in flight).

1. steady: wrk alone.
2. restart: the same, with gunicorn reloaded (SIGHUP: new workers, the old ones finish their
   requests), the Celery worker killed (SIGKILL, mid-drain if it was draining) and started again,
   and gunicorn stopped (SIGTERM: graceful) and started again, during the load. Requests refused
   while it is down are errors, not clicks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ms_load REDIS_URL=redis://127.0.0.1:6379/9 \\
        python bench/redirect_load.py
    ... --seconds 30 --connections 8 --links 2000      # the defaults
    ... --connections 16 --close                       # twice the web's threads; a connection per request
    ... --set CLICK_QUEUE_URL=                         # write each click in the request instead
    ... --gunicorn="--worker-class sync --workers 3"   # other gunicorn options (they win over gunicorn.conf.py)

It creates (and drops first) the database `<DATABASE_URL's name>_redirectload` and uses REDIS_URL's
database as broker and click queue (the keys of both are cleared first). About 2 minutes.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fetch_benchmark import free_port, manage, scratch_env  # noqa: E402
from bench.signup_delay_benchmark import bench_database, start, stop  # noqa: E402

PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
LUA = Path(__file__).with_suffix(".lua")


@dataclass
class WrkResult:
    """What wrk's `done` printed (bench/redirect_load.lua)."""

    requests: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    latency_ms: dict[str, float] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)
    links: Counter = field(default_factory=Counter)  # 302s received per utm_content token

    @classmethod
    def parse(cls, output: str) -> WrkResult:
        result = cls()
        for line in output.splitlines():
            parts = line.split()
            if not parts:
                continue
            if parts[:2] == ["RESULT", "requests"]:
                result.requests = int(parts[2])
            elif parts[:2] == ["RESULT", "duration_us"]:
                result.seconds = int(parts[2]) / 1e6
            elif parts[:2] == ["RESULT", "errors"]:
                result.errors = dict(
                    zip(("connect", "read", "write", "status", "timeout"), map(int, parts[2:]), strict=True)
                )
            elif parts[:2] == ["RESULT", "latency_us"]:
                values = [float(value) / 1000 for value in parts[2:]]
                result.latency_ms = dict(zip(("p50", "p90", "p99", "max", "mean"), values, strict=True))
            elif parts[0] == "STATUS":
                result.statuses[int(parts[1])] += int(parts[2])
            elif parts[0] == "LINK":
                result.links[parts[1]] += int(parts[2])
        return result

    @property
    def socket_errors(self) -> int:
        return sum(value for key, value in self.errors.items() if key != "status")

    @property
    def not_302(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != 302)


class Web:
    """gunicorn as the web service runs it (gunicorn.conf.py), on a local port, in its own process group."""

    def __init__(self, env: dict[str, str], extra: list[str], log: Path) -> None:
        self.env, self.extra, self.log = env, extra, log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "mobilize_sync.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.extra,
        ]

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, self.log)

    def reload(self) -> None:
        """SIGHUP: gunicorn starts new workers and lets the old ones finish their requests."""
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)

    def restart(self) -> float:
        """SIGTERM (graceful: running requests finish), wait for the exit, start again; seconds down."""
        assert self.process is not None
        stopped = time.monotonic()
        stop(self.process)
        self.start()
        return time.monotonic() - stopped

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


# --- CPU accounting: on a shared machine requests/s depend on the neighbours; CPU per request does not.
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat's fields after the command name (state is [0], pgrp [2], utime [11] ... cstime [14])."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def group_cpu(pgid: int) -> float:
    """CPU seconds of a process group: its live processes, and the children its leader has reaped."""
    total = 0
    for pid in _pids():
        fields = _stat(pid)
        if fields is not None and int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if pid == pgid else 0)
    return total / TICK


def pids_cpu(pids: list[int]) -> float:
    fields = [_stat(pid) for pid in pids]
    return sum(int(f[11]) + int(f[12]) for f in fields if f is not None) / TICK


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy (every core) since boot."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICK


class CpuMeter:
    """CPU seconds of each part of the production shape, sampled before and after a phase."""

    def __init__(self, web: Web, processes: dict[str, subprocess.Popen], database: str) -> None:
        self.web, self.processes, self.database = web, processes, database
        self.redis = [pid for pid in _pids() if (Path(f"/proc/{pid}/comm").read_text().strip() == "redis-server")]

    def backends(self) -> list[int]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.database])
            return [row[0] for row in cursor.fetchall()]

    def sample(self) -> dict[str, float]:
        import resource

        assert self.web.process is not None
        return {
            "web": group_cpu(self.web.process.pid),
            "PostgreSQL": pids_cpu(self.backends()),
            "Redis": pids_cpu(self.redis),
            "Celery": sum(group_cpu(process.pid) for process in self.processes.values()),
            "wrk": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
            "machine": machine_busy(),
        }


def cpu_line(before: dict[str, float], after: dict[str, float], requests: int, seconds: float) -> str:
    """CPU per request of each part, what 2 cores would serve at that cost, and what the neighbours used."""
    used = {name: after[name] - before[name] for name in before}
    ours = sum(value for name, value in used.items() if name != "machine")
    parts = ", ".join(f"{name} {1000 * value / requests:.2f}" for name, value in used.items() if name != "machine")
    per_request = ours / requests
    others = max(used["machine"] - ours, 0.0) / seconds
    return (
        f"CPU ms/request    {parts}; total {1000 * per_request:.2f} -> 2 cores: ~{2 / per_request:,.0f} requests/s "
        f"with nothing else running (other processes used {others:.2f} of the 2 cores meanwhile)"
    )


def gunicorn_settings(env: dict[str, str]) -> str:
    """What gunicorn.conf.py sets under `env` (the command line's options win over these)."""
    found: dict = {}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        exec((ROOT / "gunicorn.conf.py").read_text(), found)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return f"workers {found['workers']}, {found['worker_class']}, threads {found['threads']}"


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    """Until /healthz answers on the port (gunicorn's workers are up)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited ({process.returncode}); its log: {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"gunicorn did not answer within {timeout:.0f} s; its log: {log}")


def run_wrk(
    port: int,
    codes: Path,
    tail_code: str,
    seconds: int,
    connections: int,
    *,
    clicks: bool = True,
    close: bool = False,
    during=None,
) -> WrkResult:
    """wrk for `seconds` (clicks until the last second, or none); `during(started)` runs meanwhile."""
    clicks_until = int(time.time()) + seconds - 1 if clicks else 0
    process = subprocess.Popen(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}",
            "--",
            str(codes),
            tail_code,
            str(clicks_until),
            PHONE_AGENT,
            "close" if close else "keep-alive",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = time.monotonic()
    if during is not None:
        during(started)
    output, _ = process.communicate(timeout=seconds + 60)
    if process.returncode != 0:
        sys.exit(f"wrk failed ({process.returncode}):\n{output}")
    return WrkResult.parse(output)


def click_counts(link_ids: list[int]) -> Counter:
    """Click rows per member link id."""
    from django.db.models import Count

    from integrations.models import Click

    rows = Click.objects.filter(member_link_id__in=link_ids).values("member_link_id").annotate(n=Count("id"))
    return Counter({row["member_link_id"]: row["n"] for row in rows})


def queued_clicks() -> int:
    """Clicks taken by the web but not yet written as Click rows (0 when clicks are written in the request)."""
    from integrations import clicks

    return clicks.pending()


def settle(link_ids: list[int], timeout: float) -> tuple[Counter, float]:
    """Wait until no click is queued and the Click rows stop changing; the counts and the seconds waited."""
    started = time.monotonic()
    last, stable_since = None, time.monotonic()
    while time.monotonic() - started < timeout:
        counts = click_counts(link_ids)
        if queued_clicks() or counts != last:
            last, stable_since = counts, time.monotonic()
        elif time.monotonic() - stable_since >= 1.0:
            return counts, time.monotonic() - started
        time.sleep(0.25)
    return click_counts(link_ids), time.monotonic() - started


@dataclass
class Check:
    """Clicks sent (302s received per member link) against Click rows written."""

    sent: int
    recorded: int
    lost: int
    extra: int
    tail_recorded: int


def check_clicks(result: WrkResult, before: Counter, after: Counter, token_of: dict[int, str], tail_id: int) -> Check:
    received = {link_id: result.links.get(token, 0) for link_id, token in token_of.items() if link_id != tail_id}
    recorded = {link_id: after.get(link_id, 0) - before.get(link_id, 0) for link_id in received}
    return Check(
        sent=sum(received.values()),
        recorded=sum(recorded.values()),
        lost=sum(max(received[i] - recorded[i], 0) for i in received),
        extra=sum(max(recorded[i] - received[i], 0) for i in received),
        tail_recorded=after.get(tail_id, 0) - before.get(tail_id, 0),
    )


def report(
    label: str,
    result: WrkResult,
    check: Check,
    drained_in: float,
    events: list[str],
    load: float,
    notes: tuple[str, ...] | list[str] = (),
) -> None:
    rate = result.requests / result.seconds if result.seconds else 0.0
    lat = result.latency_ms
    print(f"\n{label}: {result.requests} requests in {result.seconds:.1f} s (load average before: {load:.1f})")
    for event in events:
        print(f"  {event}")
    print(f"  requests/s        {rate:8.0f}")
    print(
        f"  latency ms        p50 {lat['p50']:.1f}  p90 {lat['p90']:.1f}  p99 {lat['p99']:.1f}  "
        f"max {lat['max']:.1f}  mean {lat['mean']:.1f}"
    )
    errors = ", ".join(f"{key} {value}" for key, value in result.errors.items() if key != "status")
    others = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items()) if status != 302)
    print(
        f"  errors            answers other than 302: {result.not_302} ({others or 'none'}); "
        f"socket errors: {result.socket_errors} ({errors})"
    )
    print(
        f"  clicks            sent (302s received) {check.sent}, recorded {check.recorded}, lost {check.lost}, "
        f"extra {check.extra}; non-click requests recorded {check.tail_recorded}; queue empty after {drained_in:.1f} s"
    )
    verdict = "OK" if check.lost == check.extra == check.tail_recorded == 0 else "MISMATCH"
    print(f"  check             {verdict}")
    for note in notes:
        print(f"  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=2000, help="member links of the tracked link")
    parser.add_argument("--seconds", type=int, default=30, help="length of each phase")
    parser.add_argument(
        "--connections", type=int, default=8, help="wrk's open connections, one thread (8: the web service's threads)"
    )
    parser.add_argument("--close", action="store_true", help="a new connection per request (Connection: close)")
    parser.add_argument("--gunicorn", default="", help="more gunicorn options, after gunicorn.conf.py's")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a setting for web and worker")
    parser.add_argument("--no-restart", action="store_true", help="skip phase 2")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: it is Debian's package `wrk` (sudo apt-get install wrk).")
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        sys.exit("The benchmark needs a PostgreSQL DATABASE_URL and a REDIS_URL (the production shape).")

    env = scratch_env(Path("/unused"))
    env.update(
        DATABASE_URL=bench_database(database_url, "redirectload"),
        REDIS_URL=redis_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        SANDBOX_ENABLED="0",
        LOG_LEVEL="WARNING",
    )
    for item in args.set:
        name, _, value = item.partition("=")
        env[name] = value
    os.environ.update({key: value for key, value in env.items() if key.isupper()})
    manage(env, "migrate", "--noinput")
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django_celery_beat.models import PeriodicTask

    from integrations import clicks, nudges, services
    from integrations.flows.ascend import tracking
    from integrations.models import (
        AscendConfig,
        Click,
        Integration,
        IntegrationKind,
        MemberLink,
        Organization,
        TrackedLink,
    )

    broker = redis.Redis.from_url(redis_url)
    broker.delete("celery", *clicks.QUEUE_KEYS)

    organization = Organization.objects.create(
        name="Bench", mobilize_id=7001, mobilize_base_url="https://api.mobilize.us/v1", mobilize_api_key="bench-key"
    )
    integration = Integration.objects.create(organization=organization, name="sms", kind=IntegrationKind.ASCEND)
    config = AscendConfig.objects.create(integration=integration)
    tracked = TrackedLink.objects.create(
        config=config, message_id="bench-blast", destination_url="https://www.mobilize.us/bench/event/1/?source=sms"
    )
    MemberLink.objects.bulk_create(
        [MemberLink(tracked_link=tracked, phone=f"+1215{5550000 + n:07d}") for n in range(args.links)], batch_size=1000
    )
    tail_tracked = TrackedLink.objects.create(
        config=config, message_id="bench-tail", destination_url="https://www.mobilize.us/bench/event/2/"
    )
    tail = MemberLink.objects.create(tracked_link=tail_tracked, phone="+12155559999")
    links = list(MemberLink.objects.filter(tracked_link=tracked).values_list("id", "code"))
    token_of = {link_id: tracking.encode_member_link(link_id) for link_id, _ in links}
    token_of[tail.pk] = tracking.encode_member_link(tail.pk)
    link_ids = list(token_of)

    # Beat runs the click drain only: the other schedules (the mirror's tick would try to read the real
    # Mobilize for the bench organization) are created as beat would, then switched off.
    services.ensure_mirror_schedules()
    nudges.ensure_nudge_schedule()
    clicks.ensure_drain_schedule()
    PeriodicTask.objects.exclude(task=clicks.DRAIN_CLICKS_TASK).update(enabled=False)

    logs = Path(tempfile.mkdtemp(prefix="redirect-load-"))
    codes = logs / "codes.txt"
    codes.write_text("".join(f"{code}\n" for _, code in links))
    web = Web(env, shlex.split(args.gunicorn), logs / "gunicorn.log")
    beat_args = [
        "beat",
        "-l",
        "INFO",
        "--scheduler",
        "django_celery_beat.schedulers:DatabaseScheduler",
        "--pidfile",
        str(logs / "beat.pid"),
        "--schedule",
        str(logs / "beat-schedule"),
    ]
    worker_args = ["worker", "--concurrency", "4", "-l", "INFO", "-n", "bench@%h"]
    queued = clicks.queue_enabled()
    processes: dict[str, subprocess.Popen] = {}
    try:
        web.start()
        if queued:
            processes["worker"] = start(worker_args, env, logs / "worker.log")
            processes["beat"] = start(beat_args, env, logs / "beat.log")
            # Measure from a steady state: beat scheduled the drain and the worker ran it.
            probe = MemberLink.objects.create(tracked_link=tail_tracked, phone="+12155559998")
            clicks.record(probe.pk)
            deadline = time.monotonic() + 120
            while not Click.objects.filter(member_link=probe).exists():
                if time.monotonic() > deadline or any(p.poll() is not None for p in processes.values()):
                    sys.exit(f"No queued click written within 120 s (or a celery process died); logs in {logs}")
                time.sleep(0.25)
            time.sleep(3)
        recording = (
            f"queued in Redis, written by the beat task every {settings.CLICK_DRAIN_SECONDS} s"
            if queued
            else "written in the request"
        )
        wrk = f"wrk -t1 -c{args.connections}" + (" (Connection: close)" if args.close else "")
        print(
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores; {args.links} member links; {wrk}; "
            f"gunicorn {' '.join(web.command[4:])} (+ gunicorn.conf.py: {gunicorn_settings(env)}); "
            f"clicks {recording}; logs in {logs}",
            flush=True,
        )
        # Warm up (every worker imports its code and opens its connections): non-click requests only.
        run_wrk(web.port, codes, tail.code, 3, args.connections, clicks=False)

        meter = CpuMeter(web, processes, settings.DATABASES["default"]["NAME"])
        before, load = click_counts(link_ids), os.getloadavg()[0]
        cpu_before = meter.sample()
        result = run_wrk(web.port, codes, tail.code, args.seconds, args.connections, close=args.close)
        cpu_after = meter.sample()
        after, waited = settle(link_ids, timeout=120)
        cpu_after["Celery"] = meter.sample()["Celery"]  # with the drain of the last clicks
        check = check_clicks(result, before, after, token_of, tail.pk)
        cpu = cpu_line(cpu_before, cpu_after, result.requests, result.seconds)
        report("1. steady", result, check, waited, [], load, [cpu])

        if args.no_restart:
            return
        events: list[str] = []

        def disturb(started: float) -> None:
            """Reload gunicorn at 15%, kill the Celery worker at 25%, restart gunicorn at 40% of the phase.

            Early enough for gunicorn to answer again well before the clicks stop: a click sent while it
            is down waits in the listen backlog and is answered when it is back.
            """

            def at(fraction: float) -> None:
                time.sleep(max(started + args.seconds * fraction - time.monotonic(), 0))

            at(0.15)
            web.reload()
            events.append(f"t={time.monotonic() - started:4.1f} s  gunicorn SIGHUP (graceful reload)")
            if queued:
                at(0.25)
                worker = processes["worker"]
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
                processes["worker"] = start(worker_args, env, logs / "worker.log")
                events.append(f"t={time.monotonic() - started:4.1f} s  Celery worker SIGKILL, started again")
            at(0.40)
            moment = time.monotonic() - started
            down = web.restart()
            events.append(f"t={moment:4.1f} s  gunicorn SIGTERM, started again: answering after {down:.1f} s")

        before, load = click_counts(link_ids), os.getloadavg()[0]
        result = run_wrk(web.port, codes, tail.code, args.seconds, args.connections, close=args.close, during=disturb)
        after, waited = settle(link_ids, timeout=120)
        report("2. restart", result, check_clicks(result, before, after, token_of, tail.pk), waited, events, load)
    finally:
        web.stop()
        for process in processes.values():
            stop(process)


if __name__ == "__main__":
    main()
