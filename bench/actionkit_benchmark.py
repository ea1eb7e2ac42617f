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
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    add_generated_arguments,
    change_source,
    count_requests,
    create_organization,
    generated_environment,
    measured_run,
    print_failures,
)
from bench.fetch_benchmark import sandbox_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_generated_arguments(parser)
    parser.add_argument("--actionkit-rate", default="50/second")
    args = parser.parse_args()

    env = generated_environment(
        args, {"ACTIONKIT_READ_RATE": args.actionkit_rate, "ACTIONKIT_WRITE_RATE": args.actionkit_rate}
    )
    from integrations.connectors.actionkit import ActionKitClient
    from integrations.models import ActionKitConfig, ActionKitConnection, Integration, IntegrationKind
    from sandbox.actionkit.setup import ensure_api_user, ensure_campaign

    requests = count_requests(ActionKitClient)

    with sandbox_server(env) as mobilize_url:
        server = mobilize_url.removesuffix("/sandbox/mobilize/v1")
        ensure_api_user("bench", "bench-password")
        campaign = ensure_campaign("bench-crm", "bench-host", "bench-signup")
        organization = create_organization(mobilize_url)
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

        rows = [
            measured_run("first sync", organization, integration, requests, None),
            measured_run("rerun, no change", organization, integration, requests, 0),
        ]
        changes = change_source(args.changes)
        rows.append(measured_run("rerun after changes", organization, integration, requests, changes.records))

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
    for row in rows:
        run, seconds, writes = row.run, row.seconds, row.writes()
        written = run.created + run.updated
        per = f"{writes / written:.1f}" if written else "-"
        print(
            f"{row.label:<22} {run.status:<10} {run.fetched:>8} {run.created:>8} {run.updated:>8} {seconds:>8.1f} "
            f"{run.fetched / seconds:>9.0f} {row.count('GET'):>8} {writes:>9} {per:>13}"
        )
    print_failures(rows)
    last = rows[-1]
    changed, writes = last.changed, last.writes()
    print(
        f"\nChanged {changed} records at the source (timeslots of renamed events count one each): "
        f"{writes} ActionKit writes, {writes / max(changed or 1, 1):.1f} per changed record."
    )


if __name__ == "__main__":
    main()
