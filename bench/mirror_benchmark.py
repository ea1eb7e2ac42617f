"""Benchmark the Mobilize mirror against the sandbox served from its own process, over HTTP.

1. Mobilize GETs per idle refresh of one organization feeding 1, 2 and 4 integrations.
2. Peak traced memory of a first (full) refresh at two organization sizes (must stay flat).
3. 20 organizations sharing one rate limit while one of them backfills a large organization:
   429s met, and how long after each tick every quiet organization's refresh had finished.

    python bench/mirror_benchmark.py                         # defaults below
    python bench/mirror_benchmark.py --sizes 50x1000,200x4000 --backfill 2000x50000 --ticks 8
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fetch_benchmark import manage, sandbox_server, scratch_env  # noqa: E402

API_KEY = "bench-key"
BIG_ORG = 7001


def generate(env: dict[str, str], org_id: int, events: int, attendances: int) -> None:
    manage(
        env,
        "sandbox_generate",
        f"--events={events}",
        f"--attendances={attendances}",
        f"--people={max(attendances // 5, 10)}",
        f"--organization-id={org_id}",
        f"--api-key={API_KEY}-{org_id}",
    )


def local_setup(database: Path) -> None:
    """This process keeps the mirror in its own scratch database."""
    env = scratch_env(database)
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "REDIS_URL"):
        os.environ[key] = env[key]
    os.environ["SANDBOX_ENABLED"] = "0"
    manage({**env, "SANDBOX_ENABLED": "0"}, "migrate", "--noinput")
    import django

    django.setup()


class Clients:
    """Every MirrorClient made, so their requests and 429s can be summed."""

    def __init__(self) -> None:
        from integrations.mirror import source

        self.made: list = []
        original = source.MirrorClient.__init__

        def remembering(client, *args, **kwargs):
            original(client, *args, **kwargs)
            self.made.append(client)

        source.MirrorClient.__init__ = remembering

    def gets(self) -> int:
        return sum(c.stats.requests["GET"] for c in self.made)

    def rate_limited(self) -> int:
        return sum(c.stats.rate_limited_responses for c in self.made)


def organization(base_url: str, org_id: int, integrations: int = 0):
    from integrations.mirror import refresh
    from integrations.models import Integration, IntegrationKind, Organization

    org, _ = Organization.objects.get_or_create(
        mobilize_id=org_id,
        defaults={"name": f"Org {org_id}", "mobilize_api_key": f"{API_KEY}-{org_id}", "mobilize_base_url": base_url},
    )
    for number in range(
        Integration.objects.filter(organization=org).exclude(kind="mobilize_mirror").count(), integrations
    ):
        Integration.objects.create(
            organization=org, kind=IntegrationKind.ACTIONKIT_CRM, name=f"CRM {number}", enabled=False
        )
    return org, refresh.ensure_mirror_integration(org)


def idle_gets(base_url: str, clients: Clients) -> list[tuple[int, int]]:
    from integrations.mirror import refresh

    rows = []
    _, mirror = organization(base_url, 9001)
    refresh.refresh(mirror)
    for count in (1, 2, 4):
        organization(base_url, 9001, count)
        before = clients.gets()
        refresh.refresh(mirror)
        rows.append((count, clients.gets() - before))
    return rows


def refresh_memory(base_url: str, org_id: int) -> tuple[int, float, float]:
    from django.conf import settings

    from integrations.mirror import refresh
    from integrations.models import MirrorRecord

    settings.MIRROR_REFRESH_SLICE_SECONDS = 10_000
    _, mirror = organization(base_url, org_id)
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.monotonic()
    refresh.refresh(mirror)
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return MirrorRecord.objects.filter(organization__mobilize_id=org_id).count(), seconds, peak / 2**20


def shared_limit(base_url: str, quiet_ids: list[int], ticks: int, clients: Clients) -> dict:
    from django.conf import settings

    from integrations.mirror import refresh
    from integrations.models import Integration, MirrorState

    settings.MIRROR_REFRESH_SLICE_SECONDS = 8.0
    interval = settings.MIRROR_REFRESH_SECONDS
    for org_id in quiet_ids:
        _, mirror = organization(base_url, org_id)
        refresh.refresh(mirror)  # quiet organizations are already mirrored
    organization(base_url, BIG_ORG)
    queue: list[int] = []
    refresh._enqueue_refresh = queue.append
    before_429 = clients.rate_limited()
    worst_quiet, backfill_done_tick, quiet_missed = 0.0, None, 0
    for tick in range(ticks):
        # Every quiet organization is made due, as a change would (the worst case for fairness).
        MirrorState.objects.exclude(organization__mobilize_id=BIG_ORG).update(last_change_at=None, last_refresh_at=None)
        started = time.monotonic()
        refresh.tick()
        refreshed = set()
        for integration_id in list(queue):
            integration = Integration.objects.select_related("organization").get(pk=integration_id)
            refresh.refresh(integration)
            if integration.organization.mobilize_id != BIG_ORG:
                worst_quiet = max(worst_quiet, time.monotonic() - started)
                refreshed.add(integration.organization.mobilize_id)
        queue.clear()
        quiet_missed += len(set(quiet_ids) - refreshed)
        print(f"   tick {tick + 1}: {len(refreshed)} quiet refreshed, {time.monotonic() - started:.1f} s", flush=True)
        big = MirrorState.objects.get(organization__mobilize_id=BIG_ORG)
        if backfill_done_tick is None and not big.more_to_read:
            backfill_done_tick = tick + 1
        rest = interval - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)
    return {
        "429s": clients.rate_limited() - before_429,
        "worst_quiet_seconds": worst_quiet,
        "quiet_missed": quiet_missed,
        "backfill_ticks": backfill_done_tick,
        "interval": interval,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100x2500,400x10000", help="EVENTSxATTENDANCES for the memory figures")
    parser.add_argument("--backfill", default="2000x50000", help="the large organization of the shared-limit run")
    parser.add_argument("--ticks", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        sandbox_env = scratch_env(Path(scratch) / "sandbox.sqlite3")
        manage(sandbox_env, "migrate", "--noinput")
        sizes = [tuple(int(p) for p in s.split("x")) for s in args.sizes.split(",")]
        for index, (events, attendances) in enumerate(sizes):
            generate(sandbox_env, 8001 + index, events, attendances)
        generate(sandbox_env, 9001, 20, 200)
        quiet_ids = list(range(9101, 9120))
        for org_id in quiet_ids:
            generate(sandbox_env, org_id, 10, 100)
        big_events, big_attendances = (int(p) for p in args.backfill.split("x"))
        generate(sandbox_env, BIG_ORG, big_events, big_attendances)
        local_setup(Path(scratch) / "mirror.sqlite3")
        clients = Clients()
        with sandbox_server(sandbox_env) as base_url:
            idle = idle_gets(base_url, clients)
            memory = [(e, a, *refresh_memory(base_url, 8001 + i)) for i, (e, a) in enumerate(sizes)]
            shared = shared_limit(base_url, quiet_ids, args.ticks, clients)

    print("\n1. Mobilize GETs per idle refresh of one organization")
    for count, gets in idle:
        print(f"   {count} integration(s): {gets} GETs")
    print("\n2. First refresh (everything new), peak traced memory")
    print(f"   {'events':>7} {'attend.':>8} {'records':>8} {'seconds':>8} {'peak MiB':>8}")
    for events, attendances, records, seconds, peak in memory:
        print(f"   {events:>7} {attendances:>8} {records:>8} {seconds:>8.1f} {peak:>8.2f}")
    print(
        f"\n3. 20 organizations, one limit, organization {BIG_ORG} backfilling {args.backfill} (events x attendances)"
    )
    print(
        f"   429s: {shared['429s']}; quiet organizations not refreshed at a tick: {shared['quiet_missed']}; "
        f"latest quiet refresh finished {shared['worst_quiet_seconds']:.1f} s after its tick "
        f"(interval {shared['interval']} s); backfill finished at tick {shared['backfill_ticks']}"
    )


if __name__ == "__main__":
    main()
