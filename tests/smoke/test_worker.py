"""Smoke test of the production shape: a real `celery worker` process takes a sync from Redis,
reads Mobilize (the sandbox, over HTTP) and records the run in PostgreSQL.

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

from integrations.models import IntegrationKind, SyncRun
from mobilize_sync.celery import app as celery_app

pytestmark = [pytest.mark.smoke, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        pytest.fail("The smoke test needs REDIS_URL and a PostgreSQL DATABASE_URL (see .ci/run).")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mobilize_sync.test_settings",
        # The worker must use the test database this test process created.
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mobilize_sync", "worker", "--pool", "solo", "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    print(output[-4000:])


def test_worker_runs_a_sync_sent_through_the_broker(worker, live_server, make_organization, make_integration):
    call_command("sandbox_generate", events=6, attendances=30, people=20, seed=7, organization_id=4242, api_key="smoke")
    organization = make_organization(
        mobilize_id=4242, mobilize_api_key="smoke", mobilize_base_url=f"{live_server.url}/sandbox/mobilize/v1"
    )
    integration = make_integration(organization, kind=IntegrationKind.MOBILIZE_MIRROR, name="Mobilize mirror")

    celery_app.send_task("integrations.run_integration", kwargs={"integration_id": integration.pk, "trigger": "manual"})

    deadline = time.monotonic() + 90
    run = None
    while time.monotonic() < deadline:
        run = SyncRun.objects.filter(integration=integration).exclude(status=SyncRun.Status.RUNNING).first()
        if run is not None or worker.poll() is not None:
            break
        time.sleep(0.5)
    assert worker.poll() is None, "the celery worker exited early"
    assert run is not None, "the worker did not finish a run within 90 s"
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.fetched > 0 and run.created == run.fetched - run.skipped - run.failed
