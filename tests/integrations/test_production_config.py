"""The production configuration: settings refuse to start without their secrets, the sandbox is off,
docker-compose describes the production shape.

Settings are imported in a subprocess with a clean environment. The subprocess imports a byte-for-byte
copy of the `mobilize_sync` package placed in a temporary directory, so that a developer's `.env`
beside the real one (read by the settings) cannot change the outcome; `integrations` and `sandbox`
still come from the project.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("settings")
    shutil.copytree(ROOT / "mobilize_sync", where / "mobilize_sync", ignore=shutil.ignore_patterns("__pycache__"))
    return where


def python(project_copy: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter whose environment holds only PATH, the import path and `env`."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": f"{project_copy}{os.pathsep}{ROOT}"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=project_copy,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


READ_SETTINGS = """
    import json
    import os
    import mobilize_sync.settings as s
    assert str(s.BASE_DIR) != os.environ["PROJECT_ROOT"], "the copy must be imported, not the project"
    print(json.dumps({
        "DEBUG": s.DEBUG,
        "SANDBOX_ENABLED": s.SANDBOX_ENABLED,
        "sandbox_apps": [app for app in s.INSTALLED_APPS if app.startswith("sandbox")],
        "ALLOW_INSECURE_REMOTES": s.ALLOW_INSECURE_REMOTES,
        "FIELD_ENCRYPTION_KEYS": s.FIELD_ENCRYPTION_KEYS,
        "SESSION_COOKIE_SECURE": getattr(s, "SESSION_COOKIE_SECURE", None),
        "CSRF_COOKIE_SECURE": getattr(s, "CSRF_COOKIE_SECURE", None),
        "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
        "CELERY_BROKER_URL": s.CELERY_BROKER_URL,
        "CELERY_BROKER_TRANSPORT": getattr(s, "CELERY_BROKER_TRANSPORT", None),
        "RATE_LIMIT_STORAGE_URL": s.RATE_LIMIT_STORAGE_URL,
    }))
"""


def read_settings(project_copy: Path, **env: str) -> dict:
    result = python(project_copy, READ_SETTINGS, PROJECT_ROOT=str(ROOT), **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def refusal(project_copy: Path, **env: str) -> str:
    """The last line of the traceback of a settings import that must fail."""
    result = python(project_copy, "import mobilize_sync.settings", **env)
    assert result.returncode != 0, "the settings imported although they must refuse to"
    return result.stderr.strip().splitlines()[-1]


def test_settings_refuse_to_start_without_secret_key_outside_debug(project_copy):
    line = refusal(project_copy, FIELD_ENCRYPTION_KEYS=KEY)
    assert line.startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set")
    assert refusal(project_copy, SECRET_KEY="", FIELD_ENCRYPTION_KEYS=KEY).endswith(line.split(": ", 1)[1])


def test_settings_refuse_to_start_without_field_encryption_keys_outside_debug(project_copy):
    line = refusal(project_copy, SECRET_KEY="a-long-random-production-secret")
    assert line.startswith("django.core.exceptions.ImproperlyConfigured: FIELD_ENCRYPTION_KEYS is not set")
    assert "Fernet.generate_key()" in line, "the message says how to make a key"


def test_settings_refuse_a_key_that_is_not_a_fernet_key_without_repeating_it(project_copy):
    line = refusal(project_copy, SECRET_KEY="s", FIELD_ENCRYPTION_KEYS=f"{KEY},change-me-please")
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key" in line
    assert "change-me-please" not in line


def test_production_settings_keep_the_sandbox_off_and_remotes_strict(project_copy):
    found = read_settings(project_copy, SECRET_KEY="s", FIELD_ENCRYPTION_KEYS=f"{KEY},{OTHER_KEY}")
    assert found["DEBUG"] is False
    assert found["SANDBOX_ENABLED"] is False and found["sandbox_apps"] == []
    assert found["ALLOW_INSECURE_REMOTES"] is False
    assert found["FIELD_ENCRYPTION_KEYS"] == [KEY, OTHER_KEY], "comma-separated: first encrypts, all decrypt"
    assert found["SESSION_COOKIE_SECURE"] is True and found["CSRF_COOKIE_SECURE"] is True


def test_production_with_redis_queues_tasks_on_a_worker(project_copy):
    found = read_settings(
        project_copy, SECRET_KEY="s", FIELD_ENCRYPTION_KEYS=KEY, REDIS_URL="redis://redis.internal:6379/0"
    )
    assert found["CELERY_TASK_ALWAYS_EAGER"] is False
    assert found["CELERY_BROKER_URL"] == found["RATE_LIMIT_STORAGE_URL"] == "redis://redis.internal:6379/0"
    assert found["CELERY_BROKER_TRANSPORT"] is None, "the broker folder is only the embedded default's"


def test_the_sandbox_runs_only_when_enabled(project_copy):
    code = """
        import django
        from django.urls import Resolver404, resolve
        django.setup()
        try:
            resolve("/sandbox/mobilize/v1/organizations")
        except Resolver404:
            print("no sandbox")
        else:
            print("sandbox served")
        resolve("/healthz")
    """
    env = {"DJANGO_SETTINGS_MODULE": "mobilize_sync.settings", "SECRET_KEY": "s", "FIELD_ENCRYPTION_KEYS": KEY}
    off = python(project_copy, code, **env)
    assert off.returncode == 0, off.stderr
    assert off.stdout.strip() == "no sandbox"
    on = python(project_copy, code, **env, SANDBOX_ENABLED="1")
    assert on.returncode == 0, on.stderr
    assert on.stdout.strip() == "sandbox served"


def test_development_needs_no_environment_at_all(project_copy):
    found = read_settings(project_copy, DJANGO_DEBUG="1")
    assert found["DEBUG"] is True and found["SANDBOX_ENABLED"] is True
    assert found["ALLOW_INSECURE_REMOTES"] is True
    # Tasks go to a real worker (make run starts it) over a broker that needs no server.
    assert found["CELERY_TASK_ALWAYS_EAGER"] is False and found["CELERY_BROKER_URL"] == "filesystem://"
    assert found["CELERY_BROKER_TRANSPORT"] == "mobilize_sync.broker:Transport"


def test_the_celery_app_finds_the_sync_task_and_schedules_from_the_database(project_copy):
    code = """
        import django
        django.setup()
        from mobilize_sync.celery import app
        app.loader.import_default_modules()
        print(app.conf.beat_scheduler)
        print("integrations.run_integration" in app.tasks)
    """
    env = {"DJANGO_SETTINGS_MODULE": "mobilize_sync.settings", "SECRET_KEY": "s", "FIELD_ENCRYPTION_KEYS": KEY}
    result = python(project_copy, code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django_celery_beat.schedulers:DatabaseScheduler", "True"]


# --- docker-compose and the image ---------------------------------------------------------------------


@pytest.fixture
def compose_config(tmp_path) -> dict:
    """`docker-compose config` of the project's file, with a throwaway .env in a temporary copy."""
    docker_compose = shutil.which("docker-compose")
    if docker_compose is None:
        pytest.fail(
            "docker-compose is not installed: `make test` installs it (apt-get install docker-compose); "
            "`config` needs no engine"
        )
    import yaml

    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text(f"SECRET_KEY=throwaway-secret\nFIELD_ENCRYPTION_KEYS={KEY}\n")
    result = subprocess.run(
        [docker_compose, "-f", "docker-compose.yml", "config"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_docker_compose_validates_and_runs_every_service_with_a_healthcheck(compose_config):
    services = compose_config["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert not service["healthcheck"].get("disable"), name


def test_docker_compose_wires_the_app_to_postgres_and_redis_in_order(compose_config):
    services = compose_config["services"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert re.fullmatch(r"postgres://\w+:\w+@postgres:5432/\w+", environment["DATABASE_URL"])
        assert environment["REDIS_URL"].startswith("redis://redis:6379/")
        assert environment["SECRET_KEY"] == "throwaway-secret", "secrets come from .env"
        assert environment["FIELD_ENCRYPTION_KEYS"] == KEY
        assert "build" in services[name], "the three run the project's image"
    assert {k: v["condition"] for k, v in services["web"]["depends_on"].items()} == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }
    assert services["web"]["healthcheck"].get("start_period"), "the first migrate gets time before checks count"
    for name in ("worker", "beat"):
        # They start once web has migrated the database and answers.
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "migrate" in services["web"]["command"] and "gunicorn" in services["web"]["command"]
    worker, beat = services["worker"]["command"], services["beat"]["command"]
    assert worker[:4] == ["celery", "-A", "mobilize_sync", "worker"]
    assert beat[:4] == ["celery", "-A", "mobilize_sync", "beat"]
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_the_image_never_receives_local_secrets_or_the_virtualenv():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", "db.sqlite3", ".git", ".pytest-db"):
        assert entry in ignored, f"{entry} would be copied into the image by `COPY . .`"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER app" in dockerfile, "the service does not run as root"
