"""What the flow benchmarks (ActionKit, PDI) share: a generated organization, counted requests, measured runs.

Each flow benchmark generates a synthetic organization in a scratch SQLite database, serves the
sandboxes from their own process (bench.fetch_benchmark.sandbox_server), runs one integration
three times (first sync, rerun with no change, rerun after changes at the source) and counts the
destination client's requests. The steps are the same for every destination; only the
integration's configuration and the table differ.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.fetch_benchmark import API_KEY, ORGANIZATION_ID, manage, scratch_env


def add_generated_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that size the generated organization and the changes made before the third run."""
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--attendances", type=int, default=400)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument(
        "--changes", type=int, default=40, help="attendances changed before run 3 (and a tenth as many events)"
    )
    parser.add_argument("--seed", type=int, default=3)


def generated_environment(args: argparse.Namespace, settings: dict[str, str]) -> dict[str, str]:
    """A scratch database holding the generated organization; this process set up on it (django.setup()).

    `settings` are extra environment variables (the destination client's rates) for this process
    and the sandbox server alike. Returns the environment to serve the sandbox with.
    """
    scratch = tempfile.mkdtemp(prefix="mobilize-sync-bench-")
    env = scratch_env(Path(scratch) / "bench.sqlite3")
    env.update(settings)
    os.environ.update({key: env[key] for key in env if key.isupper()})
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
    return env


def count_requests(client_class: type, marker: str = "") -> Counter:
    """Count every request instances of `client_class` send, by (METHOD, endpoint).

    The endpoint is the path after `marker` (e.g. "/sandbox/pdi/"), without its query and with
    numeric ids as {id}: "events/{id}/invitations". `measured_run` clears the counter before each run.
    """
    seen: Counter = Counter()
    original = client_class.request

    def counting(self, method, path_or_url, **kwargs):
        path = (path_or_url.split(marker)[-1] if marker else path_or_url).split("?")[0].strip("/")
        seen[(method.upper(), re.sub(r"(?<=/)\d+(?=/|$)|^\d+(?=/|$)", "{id}", path))] += 1
        return original(self, method, path_or_url, **kwargs)

    client_class.request = counting
    return seen


def create_organization(mobilize_url: str) -> Any:
    """The generated organization, as this service's tenant, reading the Mobilize sandbox at `mobilize_url`."""
    from integrations.models import Organization

    return Organization.objects.create(
        name="Bench", mobilize_id=ORGANIZATION_ID, mobilize_base_url=mobilize_url, mobilize_api_key=API_KEY
    )


@dataclass
class Measured:
    """One measured run: the SyncRun, its wall time and the destination requests it sent."""

    label: str
    run: Any
    seconds: float
    requests: Counter = field(default_factory=Counter)
    changed: int | None = None
    mobilize: Counter = field(default_factory=Counter)

    def count(self, method: str | None = None, *, exclude: tuple[str, ...] = ()) -> int:
        """Requests of this method (None: every method), leaving out the endpoints in `exclude`."""
        return sum(
            n for (m, what), n in self.requests.items() if (method is None or m == method) and what not in exclude
        )

    def writes(self, *, exclude: tuple[str, ...] = ()) -> int:
        """Requests other than GETs (leaving out the endpoints in `exclude`)."""
        return self.count(exclude=exclude) - self.count("GET", exclude=exclude)


def measured_run(
    label: str,
    organization: Any,
    integration: Any,
    requests: Counter,
    changed: int | None,
    mobilize: Counter | None = None,
) -> Measured:
    """Refresh the mirror (outside the timing), then run the integration once and measure it.

    `requests` counts the destination client's requests; `mobilize`, when given, the Mobilize
    client's during the run (the flows read the mirror, so it should stay empty).
    """
    from integrations.engine import RunOptions, run_sync
    from integrations.mirror.refresh import refresh_until_caught_up

    # The mirror's refresh is its own job; the benchmark times the integration only.
    refresh_until_caught_up(organization, fan_out=False)
    requests.clear()
    if mobilize is not None:
        mobilize.clear()
    started = time.monotonic()
    run = run_sync(integration, RunOptions())
    seconds = time.monotonic() - started
    return Measured(label, run, seconds, Counter(requests), changed, Counter(mobilize or {}))


@dataclass
class SourceChanges:
    """What `change_source` changed in the Mobilize sandbox."""

    attendances: int
    events: int
    timeslots: int

    @property
    def records(self) -> int:
        """Changed records as a destination sees them: each attendance, and each timeslot of a renamed event."""
        return self.attendances + self.timeslots


def change_source(changes: int) -> SourceChanges:
    """Change `changes` attendances' status (REGISTERED -> CONFIRMED) and rename a tenth as many events."""
    from sandbox.mobilize.models import Attendance, Event

    now = int(time.time())
    attendances = list(
        Attendance.objects.filter(status="REGISTERED", event__organization_id=ORGANIZATION_ID).order_by("id")[:changes]
    )
    for attendance in attendances:
        Attendance.objects.filter(pk=attendance.pk).update(status="CONFIRMED", modified_date=now)
    events = list(Event.objects.filter(organization_id=ORGANIZATION_ID).order_by("id")[: max(changes // 10, 1)])
    for event in events:
        Event.objects.filter(pk=event.pk).update(title=f"{event.title} (moved)", modified_date=now)
    timeslots = sum(event.timeslots.count() for event in events)
    return SourceChanges(len(attendances), len(events), timeslots)


def print_failures(rows: list[Measured], limit: int = 5) -> None:
    """The first failed items of each run, with their errors."""
    for row in rows:
        failures = row.run.items.filter(action="failed").values_list("stream", "source_id", "error")[:limit]
        for stream, source_id, error in failures:
            print(f"  {row.label}: failed {stream} {source_id}: {error}")
