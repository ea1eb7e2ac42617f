"""Benchmark: the Mobilize -> PDI flow on a generated organization, both sandboxes over real HTTP.

Three runs of the same integration, as bench/actionkit_benchmark.py does for ActionKit:
  1. the first sync (every contact, event and invitation is created),
  2. a rerun with no change at the source (must write nothing),
  3. a rerun after changing some attendances (status) and events (title) in Mobilize.
Every event type the generated organizations use is mapped to a PDI calendar of its own, so
every timeslot in the organization's list is synced. It prints records/s, PDI GETs and writes
per run (the session logins, POST /sessions, apart), PDI writes per created and per changed
record, and the requests by endpoint: the figures that say how much of a PDI account's capacity
a campaign's sync uses.

The sandboxes are served from their own process (as the real services would be); this process
runs the sync with the production code. PDI documents no rate limit, so --pdi-rate sets the
client's (production defaults: PDI_READ_RATE 10/second, PDI_WRITE_RATE 5/second).

    python bench/pdi_benchmark.py [--events 40 --attendances 400 --people 150 --changes 40]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import (  # noqa: E402
    Measured,
    add_generated_arguments,
    change_source,
    count_requests,
    create_organization,
    generated_environment,
    measured_run,
    print_failures,
)
from bench.fetch_benchmark import ORGANIZATION_ID, sandbox_server  # noqa: E402

PDI_USER, PDI_PASSWORD, PDI_TOKEN = "bench-sync", "bench-pdi-password", "bench-pdi-token"
SESSIONS = ("sessions",)


def map_every_event_type(config) -> list[str]:
    """One PDI calendar per event type the generated organizations' events use, each mapped; the types."""
    from integrations.models import PdiCalendar, PdiCalendarMapping
    from integrations.models.pdi import event_type_label
    from sandbox.mobilize.models import Event
    from sandbox.pdi.setup import create_calendar

    # The organization, the one it promotes across the firewall and the allied one it promotes.
    owners = [ORGANIZATION_ID, ORGANIZATION_ID + 1, ORGANIZATION_ID + 2]
    types = sorted(set(Event.objects.filter(organization_id__in=owners).values_list("event_type", flat=True)))
    for event_type in types:
        name = event_type_label(event_type)
        remote = create_calendar(name)
        calendar = PdiCalendar.objects.create(config=config, pdi_id=str(remote.pk), name=name)
        PdiCalendarMapping.objects.create(config=config, event_type=event_type, calendar=calendar)
    return types


def per(count: int, records: int | None) -> str:
    """count per record, one decimal ("-" when there is no record to divide by)."""
    return f"{count / records:.1f}" if records else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_generated_arguments(parser)
    parser.add_argument("--pdi-rate", default="50/second")
    args = parser.parse_args()

    env = generated_environment(args, {"PDI_READ_RATE": args.pdi_rate, "PDI_WRITE_RATE": args.pdi_rate})
    from integrations.connectors.mobilize import MobilizeClient
    from integrations.connectors.pdi import PdiClient
    from integrations.models import Integration, IntegrationKind, PdiConfig, PdiEnvironment
    from sandbox.pdi.setup import create_api_user

    requests = count_requests(PdiClient, "/sandbox/pdi/")
    mobilize = count_requests(MobilizeClient, "/sandbox/mobilize/v1/")

    with sandbox_server(env) as mobilize_url:
        server = mobilize_url.removesuffix("/sandbox/mobilize/v1")
        create_api_user(PDI_USER, PDI_PASSWORD, PDI_TOKEN)
        organization = create_organization(mobilize_url)
        integration = Integration.objects.create(organization=organization, name="PDI", kind=IntegrationKind.PDI)
        config = PdiConfig.objects.create(
            integration=integration,
            api_token=PDI_TOKEN,
            username=PDI_USER,
            password=PDI_PASSWORD,
            environment=PdiEnvironment.CUSTOM,
            base_url=f"{server}/sandbox/pdi",
        )
        types = map_every_event_type(config)

        rows = [
            measured_run("first sync", organization, integration, requests, None, mobilize),
            measured_run("rerun, no change", organization, integration, requests, 0, mobilize),
        ]
        changes = change_source(args.changes)
        rows.append(measured_run("rerun after changes", organization, integration, requests, changes.records, mobilize))

    print(
        f"\nPDI flow, generated organization: {args.events} events, {args.attendances} attendances, "
        f"{args.people} people; {len(types)} event types, each mapped to a PDI calendar ({', '.join(types)}); "
        f"PDI client rate {args.pdi_rate}\n"
    )
    header = (
        f"{'run':<20} {'status':<8} {'read':>5} {'created':>7} {'updated':>7} {'skipped':>7} {'failed':>6} "
        f"{'seconds':>7} {'rec/s':>6} {'GETs':>5} {'writes':>6} {'logins':>6} {'w/created':>9} {'w/changed':>9} "
        f"{'Mobilize':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        run = row.run
        writes = row.writes(exclude=SESSIONS)
        print(
            f"{row.label:<20} {run.status:<8} {run.fetched:>5} {run.created:>7} {run.updated:>7} {run.skipped:>7} "
            f"{run.failed:>6} {row.seconds:>7.1f} {run.fetched / row.seconds:>6.0f} "
            f"{row.count('GET'):>5} {writes:>6} {row.requests[('POST', 'sessions')]:>6} "
            f"{per(writes, run.created):>9} {per(writes, row.changed):>9} {sum(row.mobilize.values()):>8}"
        )
    print_failures(rows)
    print(
        "\nread: mirror records the run read; GETs and writes: PDI requests, the logins (POST /sessions) apart; "
        "w/created, w/changed: PDI writes per created record and per record changed at the source; "
        "Mobilize: requests to Mobilize during the run (the flow reads the mirror)."
    )
    print_breakdown(rows)
    last = rows[-1]
    writes = last.writes(exclude=SESSIONS)
    print(
        f"\nChanged {changes.records} records at the source ({changes.attendances} signups' status, "
        f"{changes.events} events renamed = {changes.timeslots} timeslots): {writes} PDI writes, "
        f"{per(writes, changes.records)} per changed record; {last.run.updated} records updated."
    )


def print_breakdown(rows: list[Measured]) -> None:
    """PDI requests by method and endpoint, per run (where the GETs and writes go), and Mobilize's if any."""
    for system, counts in (("PDI", [row.requests for row in rows]), ("Mobilize", [row.mobilize for row in rows])):
        endpoints = sorted({key for counted in counts for key in counted})
        if not endpoints:
            continue
        print(f"\n{system} requests by endpoint:")
        print(f"  {'':<36}" + "".join(f"{row.label:>21}" for row in rows))
        for method, what in endpoints:
            print(f"  {method + ' /' + what:<36}" + "".join(f"{counted[(method, what)]:>21}" for counted in counts))


if __name__ == "__main__":
    main()
