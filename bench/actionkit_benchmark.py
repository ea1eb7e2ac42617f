"""Benchmark: the ActionKit CRM flow on a generated organization, both sandboxes over real HTTP.

Three runs of the same integration:
  1. the first sync (everything is created),
  2. a rerun with no change at the source (must write nothing),
  3. a rerun after changing some attendances (status) and events (title) in Mobilize.
It prints records/s and ActionKit requests per run, and ActionKit writes per created and per
changed record: the figures that say how much of ActionKit's capacity a campaign's sync uses.

The sandboxes are served from their own process (as the real services would be); this process
runs the sync with the production code. The local ActionKit sandbox documents no rate limit, so
--actionkit-rate sets the client's (production default: ACTIONKIT_WRITE_RATE, 5/second).

    python bench/actionkit_benchmark.py [--events 40 --attendances 400 --changes 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fetch_benchmark import API_KEY, ORGANIZATION_ID, manage, sandbox_server, scratch_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--attendances", type=int, default=400)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument(
        "--changes", type=int, default=40, help="attendances changed before run 3 (and a tenth as many events)"
    )
    parser.add_argument("--actionkit-rate", default="50/second")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="mobilize-sync-bench-")
    env = scratch_env(Path(scratch) / "bench.sqlite3")
    env.update(ACTIONKIT_READ_RATE=args.actionkit_rate, ACTIONKIT_WRITE_RATE=args.actionkit_rate)
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
    from integrations.connectors.actionkit import ActionKitClient
    from integrations.engine import RunOptions, run_sync
    from integrations.models import ActionKitConfig, ActionKitConnection, Integration, IntegrationKind, Organization
    from sandbox.actionkit.setup import ensure_api_user, ensure_campaign
    from sandbox.mobilize.models import Attendance, Event

    requests: Counter = Counter()
    original = ActionKitClient.request

    def counting(self, method, path_or_url, **kwargs):
        requests[method.upper()] += 1
        return original(self, method, path_or_url, **kwargs)

    ActionKitClient.request = counting

    with sandbox_server(env) as mobilize_url:
        server = mobilize_url.removesuffix("/sandbox/mobilize/v1")
        ensure_api_user("bench", "bench-password")
        campaign = ensure_campaign("bench-crm", "bench-host", "bench-signup")
        organization = Organization.objects.create(
            name="Bench", mobilize_id=ORGANIZATION_ID, mobilize_base_url=mobilize_url, mobilize_api_key=API_KEY
        )
        connection = ActionKitConnection.objects.create(
            organization=organization,
            name="AK",
            base_url=f"{server}/sandbox/actionkit",
            username="bench",
            password="bench-password",
        )
        integration = Integration.objects.create(
            organization=organization, name="CRM", kind=IntegrationKind.ACTIONKIT_CRM
        )
        ActionKitConfig.objects.create(
            integration=integration,
            connection=connection,
            campaign_id=campaign.pk,
            event_create_page="bench-host",
            event_signup_page="bench-signup",
        )

        rows = []

        from integrations.mirror.refresh import refresh_until_caught_up

        def measured(label: str, changed: int | None) -> None:
            # The mirror's refresh, outside the timing; the benchmark runs the integration itself.
            refresh_until_caught_up(organization, fan_out=False)
            requests.clear()
            started = time.monotonic()
            run = run_sync(integration, RunOptions())
            seconds = time.monotonic() - started
            writes = sum(count for method, count in requests.items() if method != "GET")
            rows.append((label, run, seconds, writes, requests["GET"], changed))

        measured("first sync", None)
        measured("rerun, no change", 0)
        now = int(time.time())
        attendances = list(
            Attendance.objects.filter(status="REGISTERED", event__organization_id=ORGANIZATION_ID).order_by("id")[
                : args.changes
            ]
        )
        for attendance in attendances:
            Attendance.objects.filter(pk=attendance.pk).update(status="CONFIRMED", modified_date=now)
        events = list(
            Event.objects.filter(organization_id=ORGANIZATION_ID).order_by("id")[: max(args.changes // 10, 1)]
        )
        for event in events:
            Event.objects.filter(pk=event.pk).update(title=f"{event.title} (moved)", modified_date=now)
        timeslots = sum(event.timeslots.count() for event in events)
        measured("rerun after changes", len(attendances) + timeslots)

    print(
        f"\nActionKit CRM flow, generated organization: {args.events} events, {args.attendances} attendances, "
        f"{args.people} people; ActionKit client rate {args.actionkit_rate}\n"
    )
    header = (
        f"{'run':<22} {'status':<10} {'records':>8} {'created':>8} {'updated':>8} {'seconds':>8} "
        f"{'records/s':>9} {'AK GETs':>8} {'AK writes':>9} {'writes/record':>13}"
    )
    print(header)
    print("-" * len(header))
    for label, run, seconds, writes, gets, _changed in rows:
        written = run.created + run.updated
        per = f"{writes / written:.1f}" if written else "-"
        print(
            f"{label:<22} {run.status:<10} {run.fetched:>8} {run.created:>8} {run.updated:>8} {seconds:>8.1f} "
            f"{run.fetched / seconds:>9.0f} {gets:>8} {writes:>9} {per:>13}"
        )
    for label, run, *_ in rows:
        failures = list(run.items.filter(action="failed").values_list("stream", "source_id", "error")[:5])
        for stream, source_id, error in failures:
            print(f"  {label}: failed {stream} {source_id}: {error}")
    label, run, _seconds, writes, _gets, changed = rows[-1]
    print(
        f"\nChanged {changed} records at the source (timeslots of renamed events count one each): "
        f"{writes} ActionKit writes, {writes / max(changed or 1, 1):.1f} per changed record."
    )


if __name__ == "__main__":
    main()
