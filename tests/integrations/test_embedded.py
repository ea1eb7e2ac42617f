"""The embedded default runs like production: `manage.py run_embedded` (what `make run` starts) runs
the web server, a real Celery worker and Celery beat on a broker in a local folder; the `.env` that
`make run` writes lets every management command run without exported variables; the test settings
ignore a developer's `.env`.

The process tests start real processes on SQLite and a broker folder in a temporary directory,
with a clean environment (neither the suite's DATABASE_URL nor REDIS_URL reaches them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path
from queue import Empty

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import override_settings
from kombu import Connection

from mobilize_sync import broker, devenv

ROOT = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key().decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """PATH and what is given: no DATABASE_URL, REDIS_URL, SECRET_KEY or test settings leak in."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONUNBUFFERED": "1", **extra}


def manage(*args: str, env: dict[str, str], cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def last_json(output: str) -> dict:
    """The JSON a `manage.py shell -c` script printed last (logging may precede it)."""
    return json.loads(output.strip().splitlines()[-1])


# --- The broker ------------------------------------------------------------------------------


def folder_connection(folder: Path) -> Connection:
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "control_folder": str(folder / "c")}
    return Connection(transport=broker.Transport, transport_options=options)


def test_a_message_is_never_visible_before_it_is_whole(tmp_path, monkeypatch):
    """A consumer polling while a message is written finds nothing (kombu's stock transport shows an
    empty file under the final name, which stops the worker's consumer with a JSON error)."""
    seen_while_writing = []
    real_replace = os.replace
    with folder_connection(tmp_path) as producer, folder_connection(tmp_path) as consumer:
        producer_channel, consumer_channel = producer.default_channel, consumer.default_channel

        def replace(source, target):
            try:
                seen_while_writing.append(consumer_channel._get("q"))
            except Empty:
                seen_while_writing.append(None)
            real_replace(source, target)

        monkeypatch.setattr(broker.os, "replace", replace)
        producer_channel._put("q", {"body": "hello"})
        assert seen_while_writing == [None], "the consumer saw the message before it was complete"
        assert consumer_channel._get("q") == {"body": "hello"}
        with pytest.raises(Empty):
            consumer_channel._get("q")
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == [], "nothing is left behind"


def test_concurrent_consumers_take_each_message_exactly_once(tmp_path):
    with folder_connection(tmp_path) as producer:
        for number in range(200):
            producer.default_channel._put("q", {"n": number})
    taken: list[int] = []

    def consume():
        with folder_connection(tmp_path) as connection:
            channel = connection.default_channel
            while True:
                try:
                    taken.append(channel._get("q")["n"])
                except Empty:
                    return

    threads = [threading.Thread(target=consume) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == list(range(200))


# --- The development .env --------------------------------------------------------------------


def test_the_dev_env_is_written_once_with_working_secrets_and_never_overwritten(tmp_path):
    path = tmp_path / ".env"
    assert devenv.write_dev_env(path) is True
    text = path.read_text()
    values = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert values["DJANGO_DEBUG"] == "1"
    assert len(values["SECRET_KEY"]) >= 50
    [key] = values["FIELD_ENCRYPTION_KEYS"].split(",")
    Fernet(key.encode())  # a valid key
    assert path.stat().st_mode & 0o777 == 0o600, "it holds secrets"

    assert devenv.write_dev_env(path) is False
    assert path.read_text() == text, "an existing .env is never touched"
    other = tmp_path / "other" / ".env"
    other.parent.mkdir()
    devenv.write_dev_env(other)
    assert dict(line.split("=", 1) for line in other.read_text().splitlines() if line.startswith("SECRET_KEY")) != {
        "SECRET_KEY": values["SECRET_KEY"]
    }, "each checkout gets its own secret"


def test_the_dev_env_keeps_the_old_development_key_for_an_existing_database(tmp_path):
    (tmp_path / "db.sqlite3").write_bytes(b"")
    devenv.write_dev_env(tmp_path / ".env")
    keys = re.search(r"^FIELD_ENCRYPTION_KEYS=(.+)$", (tmp_path / ".env").read_text(), re.MULTILINE).group(1)
    new, old = keys.split(",")
    assert old == devenv.LEGACY_DEV_KEY and new != old, "new credentials use the new key; stored ones still read"


READ_DEBUG = "import django; from django.conf import settings; django.setup(); print(settings.DEBUG)"


def test_the_test_settings_ignore_a_developers_env(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=1\nSECRET_KEY=from-the-dot-env\n")

    def debug(settings_module: str) -> str:
        env = clean_env(DJANGO_SETTINGS_MODULE=settings_module, DJANGO_ENV_FILE=str(env_file), PYTHONPATH=str(ROOT))
        done = subprocess.run(
            [sys.executable, "-c", READ_DEBUG], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    assert debug("mobilize_sync.settings") == "True", "the settings read the .env"
    assert debug("mobilize_sync.test_settings") == "False", "the test settings do not"


# --- The demo without a worker -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_says_so_when_no_worker_would_run_its_syncs(monkeypatch):
    from mobilize_sync.celery import app

    monkeypatch.setattr(app.control, "ping", lambda timeout: [])
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False), pytest.raises(CommandError, match="No Celery worker"):
        call_command("demo", address=f"127.0.0.1:{free_port()}", stdout=StringIO())


# --- Real processes ------------------------------------------------------------------------------

SEED_AND_SYNC_NOW = """
import json, time
from django.core.management import call_command
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from integrations.models import Integration, IntegrationKind, Organization, SyncRun
from integrations.services import RUN_TASK_NAME, trigger_sync

call_command("sandbox_generate", events=3, attendances=6, people=4, seed=3, organization_id=4242, api_key="k")
# Two organizations (the generated one and its ally), each with its mirror, made in one
# transaction so that beat's mirror tick never sees an organization without one.
with transaction.atomic():
    organization = Organization.objects.create(
        name="Embedded", mobilize_id=4242, mobilize_api_key="k", mobilize_base_url="{url}/sandbox/mobilize/v1"
    )
    ally = Organization.objects.create(
        name="Ally", mobilize_id=4244, mobilize_api_key="k-allied", mobilize_base_url="{url}/sandbox/mobilize/v1"
    )
    now = Integration.objects.create(organization=organization, kind=IntegrationKind.MOBILIZE_MIRROR, name="now")
    scheduled = Integration.objects.create(organization=ally, kind=IntegrationKind.MOBILIZE_MIRROR, name="beat")
every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.create(
    name="every 2 s", task=RUN_TASK_NAME, interval=every,
    kwargs=json.dumps({{"integration_id": scheduled.pk, "trigger": SyncRun.Trigger.SCHEDULE}}),
)

started = time.monotonic()
trigger_sync(now)  # what the admin's and the API's "Sync now" call
returned_after = time.monotonic() - started

deadline = time.monotonic() + 60
manual = schedule = None
while time.monotonic() < deadline and not (manual and schedule):
    done = SyncRun.objects.exclude(status=SyncRun.Status.RUNNING)
    manual = done.filter(integration=now, trigger=SyncRun.Trigger.MANUAL).first()
    schedule = done.filter(integration=scheduled, trigger=SyncRun.Trigger.SCHEDULE).first()
    time.sleep(0.25)
print(json.dumps({{
    "returned_after": returned_after,
    "manual": manual and [manual.status, manual.fetched],
    "schedule": schedule and [schedule.status, schedule.fetched],
}}))
"""


@pytest.mark.slow
def test_run_embedded_runs_sync_now_on_the_worker_fires_beat_schedules_and_stops_everything(tmp_path):
    address = f"127.0.0.1:{free_port()}"
    env = clean_env(
        DJANGO_READ_ENV_FILE="0",
        DJANGO_DEBUG="1",
        SECRET_KEY="embedded-test",
        FIELD_ENCRYPTION_KEYS=KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        VAR_DIR=str(tmp_path / "var"),
        # The mirror's tick would also refresh "now": keep it out of the way of the Sync now run.
        MIRROR_REFRESH_SECONDS="3600",
    )
    migrated = manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr

    output = tmp_path / "run_embedded.out"
    with output.open("w") as out:
        supervisor = subprocess.Popen(
            [sys.executable, "manage.py", "run_embedded", "--noreload", "--address", address],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "Running (Ctrl-C" not in output.read_text() and supervisor.poll() is None:
            assert time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        assert supervisor.poll() is None, output.read_text()
        banner = output.read_text()
        logs = tmp_path / "var" / "log"
        for name in ("web", "worker", "beat"):
            assert f"log {logs / name}.log" in banner

        script = manage("shell", "-c", SEED_AND_SYNC_NOW.format(url=f"http://{address}"), env=env, timeout=120)
        assert script.returncode == 0, script.stderr
        result = last_json(script.stdout)
        assert result["returned_after"] < 1.0, "Sync now only queues the run"
        assert result["manual"] is not None, (logs / "worker.log").read_text()[-3000:]
        assert result["manual"][0] == "succeeded" and result["manual"][1] > 0
        assert result["schedule"] is not None, (logs / "beat.log").read_text()[-3000:]
        assert result["schedule"][0] in ("succeeded", "skipped")
        assert "Task integrations.run_integration" in (logs / "worker.log").read_text()
        assert "Sending due task every 2 s" in (logs / "beat.log").read_text()
    finally:
        if supervisor.poll() is None:
            supervisor.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            supervisor.wait(timeout=30)
        except subprocess.TimeoutExpired:
            supervisor.kill()
    text = output.read_text()
    assert supervisor.returncode == 0, text
    assert text.rstrip().endswith("Stopped.")
    pids = [int(pid) for pid in re.search(r"pids (\d+), (\d+), (\d+)", text).groups()]
    for pid in pids:  # each child leads its own process group: nothing of any group is left
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)


SEED_INTEGRATION = """
from django.core.management import call_command
from integrations.models import Integration, IntegrationKind, Organization

call_command("sandbox_generate", events=2, attendances=4, people=3, seed=5, organization_id=77, api_key="k")
organization = Organization.objects.create(
    name="Dot env", mobilize_id=77, mobilize_api_key="k", mobilize_base_url="{url}/sandbox/mobilize/v1"
)
Integration.objects.create(organization=organization, kind=IntegrationKind.MOBILIZE_MIRROR, name="Check")
"""


@pytest.mark.slow
def test_management_commands_need_only_the_env_file_make_run_writes(tmp_path):
    """`make run` writes .env with `python -m mobilize_sync.devenv .env`; then `manage.py run_sync`
    (and migrate, shell, runserver) work with no variable exported. Here in a copy of the project
    package, so the .env and db.sqlite3 sit beside a BASE_DIR of their own, not the developer's."""
    shutil.copytree(ROOT / "mobilize_sync", tmp_path / "mobilize_sync", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = clean_env(PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")  # integrations and sandbox from the project

    before = manage("run_sync", "Check", env=env, cwd=tmp_path)
    assert before.returncode != 0 and "SECRET_KEY is not set" in before.stderr, "without the .env: refused"

    written = subprocess.run(
        [sys.executable, "-m", "mobilize_sync.devenv", ".env"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert written.returncode == 0 and (tmp_path / ".env").exists(), written.stderr
    assert manage("migrate", "--noinput", env=env, cwd=tmp_path).returncode == 0
    address = f"127.0.0.1:{free_port()}"
    seeded = manage("shell", "-c", SEED_INTEGRATION.format(url=f"http://{address}"), env=env, cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", address],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", int(address.rpartition(":")[2]))) == 0:
                    break
            assert server.poll() is None and time.monotonic() < deadline, "the web server did not start"
            time.sleep(0.2)
        ran = manage("run_sync", "Check", env=env, cwd=tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert re.search(r"^Run #1 of Check \(.+\): Succeeded", ran.stdout, re.MULTILINE), ran.stdout
    assert (tmp_path / "db.sqlite3").exists(), "the copy's own database, not the developer's"
