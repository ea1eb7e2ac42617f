"""Benchmark: stream a generated organization out of the Mobilize sandbox over real HTTP.

For each size it generates a synthetic organization in a scratch SQLite database, serves the
sandbox from a separate process (as Mobilize would be), and reads every event, attendance and
person with the real `MobilizeClient`. It prints requests/s against Mobilize's 15 GET/s ceiling,
records/s, the 429s met, and the client's peak traced memory while streaming, which must stay
flat as the organization grows (pages are processed as they arrive; nothing is accumulated).

    python bench/fetch_benchmark.py                       # 500 events/12,500 attendances, then 2,000/50,000
    python bench/fetch_benchmark.py --sizes 100x2000      # quicker
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ORGANIZATION_ID = 7001
API_KEY = "bench-key"


def scratch_env(database: Path) -> dict[str, str]:
    """Environment of a production-like process with the sandbox on and a scratch database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mobilize_sync.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_DEBUG": "0",
        "SANDBOX_ENABLED": "1",
        "ALLOW_INSECURE_REMOTES": "1",
        "SECRET_KEY": "bench-only-secret-key",
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q=",
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def sandbox_server(env: dict[str, str]):
    """Serve the project (so the sandbox) from its own process; yield its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/sandbox/mobilize/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure(base_url: str, *, trace_memory: bool) -> dict[str, float]:
    """Read the whole organization once; figures of the run.

    Tracing allocations slows Python down a lot, so throughput and memory come from two reads.
    """
    from integrations.connectors.mobilize import MobilizeClient

    client = MobilizeClient(base_url, API_KEY, ORGANIZATION_ID)
    counts = {"events": 0, "attendances": 0, "people": 0}
    if trace_memory:
        tracemalloc.start()
        tracemalloc.reset_peak()
    started = time.monotonic()
    for _ in client.get_organization_events():
        counts["events"] += 1
    for _ in client.get_organization_attendances():
        counts["attendances"] += 1
    for _ in client.get_organization_people():
        counts["people"] += 1
    seconds = time.monotonic() - started
    peak = 0
    if trace_memory:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    records = sum(counts.values())
    requests = client.stats.total_requests
    return {
        **counts,
        "records": records,
        "requests": requests,
        "seconds": seconds,
        "requests_per_second": requests / seconds,
        "records_per_second": records / seconds,
        "rate_limited": client.stats.rate_limited_responses,
        "throttled_seconds": client.stats.throttled_seconds,
        "peak_mib": peak / 2**20,
        # Time spent on the wire and in the server, per request: what bounds sequential cursor paging.
        "ms_per_request": 1000 * (seconds - client.stats.throttled_seconds) / max(requests, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500x12500,2000x50000", help="EVENTSxATTENDANCES,...")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    # This process only runs the client: it needs settings (rates, timeouts), not a database.
    client_env = scratch_env(Path(tempfile.gettempdir()) / "unused.sqlite3")
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "REDIS_URL"):
        os.environ[key] = client_env[key]
    import django

    django.setup()

    rows = []
    for size in args.sizes.split(","):
        events, attendances = (int(part) for part in size.lower().split("x"))
        with tempfile.TemporaryDirectory() as scratch:
            env = scratch_env(Path(scratch) / "bench.sqlite3")
            generated = time.monotonic()
            manage(env, "migrate", "--noinput")
            manage(
                env,
                "sandbox_generate",
                f"--events={events}",
                f"--attendances={attendances}",
                f"--people={max(attendances // 5, 10)}",
                f"--seed={args.seed}",
                f"--organization-id={ORGANIZATION_ID}",
                f"--api-key={API_KEY}",
            )
            setup_seconds = time.monotonic() - generated
            with sandbox_server(env) as base_url:
                figures = measure(base_url, trace_memory=False)
                figures["peak_mib"] = measure(base_url, trace_memory=True)["peak_mib"]
            rows.append((events, attendances, setup_seconds, figures))

    print(
        "\nMobilize sandbox -> MobilizeClient, over HTTP "
        "(ceiling: Mobilize's 15 GET/s per IP; this client's limit: MOBILIZE_READ_RATE, 14/s)\n"
    )
    header = (
        f"{'events':>7} {'attend.':>8} {'records':>8} {'requests':>8} {'seconds':>8} "
        f"{'req/s':>6} {'records/s':>9} {'429s':>5} {'limiter s':>9} {'ms/req':>6} {'peak MiB':>8}"
    )
    print(header)
    print("-" * len(header))
    for events, attendances, _setup, f in rows:
        print(
            f"{events:>7} {attendances:>8} {f['records']:>8} {f['requests']:>8} {f['seconds']:>8.1f} "
            f"{f['requests_per_second']:>6.2f} {f['records_per_second']:>9.0f} {f['rate_limited']:>5} "
            f"{f['throttled_seconds']:>9.1f} {f['ms_per_request']:>6.0f} {f['peak_mib']:>8.2f}"
        )
    print(
        "\n'limiter s' is time this client waited on its own rate limiter; 'ms/req' the rest of each request "
        "(network and server). Cursor paging is sequential, so a page's latency bounds requests/s below the ceiling."
    )
    if len(rows) >= 2:
        small, large = rows[0][3], rows[-1][3]
        growth = large["records"] / max(small["records"], 1)
        print(
            f"\n{growth:.1f}x the records, {large['peak_mib'] / max(small['peak_mib'], 1e-9):.2f}x the peak memory "
            "(flat means pages are streamed, not accumulated)."
        )


if __name__ == "__main__":
    main()
