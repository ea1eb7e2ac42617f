"""Two real `celery worker` processes, a slow ActionKit and a 1-second lock lease: never two writers.

The defect this guards: the lease was renewed only between records, so one ActionKit request
slower than the lease let a second worker start the same integration while the first still
wrote (201 ActionKit events instead of 147, duplicated signup fields). Now the lock is held by
the run's own PostgreSQL session and the row's heartbeat comes from a thread, so triggers that
arrive while a slow request is in flight are skipped, and writes of two runs never interleave.

Run by `make smoke` (CI runs it after `make test`) with DATABASE_URL and REDIS_URL set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from bench.kill_overlap_trial import duplicates, overlapping_runs
from integrations.models import ActionKitConfig, ActionKitConnection, IntegrationKind, SyncRun
from mobilize_sync.celery import app as celery_app

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_workers(tmp_path):
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.fail("The smoke test needs REDIS_URL and a PostgreSQL DATABASE_URL (see .ci/run).")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mobilize_sync.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # A lease far shorter than one slow request: the old lease lapsed here.
        "SYNC_LOCK_TTL_SECONDS": "1",
        "HTTP_TIMEOUT_SECONDS": "10",
    }
    celery_app.connection_for_write().default_channel.client.delete("celery")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mobilize_sync", "worker", "--pool", "solo", "-n", f"w{n}@overlap"],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / f"w{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for n in (1, 2)
    ]
    time.sleep(3)  # both connect to the broker before the triggers
    yield processes
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    for n in (1, 2):
        print((tmp_path / f"w{n}.log").read_text()[-3000:])


def test_two_workers_and_a_slow_remote_never_write_at_once(two_workers, live_server, make_organization):
    from sandbox.actionkit.setup import ensure_api_user, ensure_campaign
    from sandbox.models import FaultKind, FaultRule

    call_command("sandbox_generate", events=4, attendances=16, people=10, seed=5, organization_id=4343, api_key="ov")
    organization = make_organization(
        mobilize_id=4343, mobilize_api_key="ov", mobilize_base_url=f"{live_server.url}/sandbox/mobilize/v1"
    )
    ensure_api_user("ov", "ov-password")
    campaign = ensure_campaign("overlap", "overlap-host", "overlap-signup")
    ak = ActionKitConnection.objects.create(
        organization=organization,
        name="AK",
        base_url=f"{live_server.url}/sandbox/actionkit",
        username="ov",
        password="ov-password",
    )
    integration = organization.integrations.create(name="CRM", kind=IntegrationKind.ACTIONKIT_CRM)
    ActionKitConfig.objects.create(
        integration=integration,
        connection=ak,
        campaign_id=campaign.pk,
        event_create_page="overlap-host",
        event_signup_page="overlap-signup",
    )
    # The CRM flow reads the organization's Mobilize mirror: fill it first (no fan-out: the test
    # triggers the runs itself).
    from integrations.mirror.refresh import refresh_until_caught_up

    refresh_until_caught_up(organization, fan_out=False)
    # The first three ActionKit writes each take 2.5 s: two and a half leases, three times over.
    FaultRule.objects.create(system="actionkit", method="POST", kind=FaultKind.LATENCY, latency_ms=2500, remaining=3)

    def trigger() -> None:
        celery_app.send_task("integrations.run_integration", kwargs={"integration_id": integration.pk})

    trigger()
    trigger()
    for _ in range(3):
        time.sleep(2.5)  # each while a slow request is in flight and the lease would have lapsed
        trigger()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        runs = list(SyncRun.objects.filter(integration=integration))
        if len(runs) == 5 and all(run.status != SyncRun.Status.RUNNING for run in runs):
            break
        assert all(process.poll() is None for process in two_workers), "a worker exited"
        time.sleep(0.5)
    runs = list(SyncRun.objects.filter(integration=integration).order_by("pk"))
    assert len(runs) == 5, [(run.pk, run.status) for run in runs]
    statuses = [run.status for run in runs]
    skipped = [run for run in runs if run.status == SyncRun.Status.SKIPPED]
    assert len(skipped) >= 3, f"triggers during the slow requests must be skipped, got {statuses}"
    assert all("in progress" in run.message for run in skipped)
    assert SyncRun.Status.INTERRUPTED not in statuses, "no live run is ever marked interrupted"
    writers = [run for run in runs if run.created or run.updated]
    assert len(writers) == 1 and writers[0].status == SyncRun.Status.SUCCEEDED, statuses
    assert overlapping_runs(integration.pk) == []
    assert duplicates(campaign.pk) == {
        "events per mobilize_timeslot_id": 0,
        "signups per user+event": 0,
        "signup field rows": 0,
    }
