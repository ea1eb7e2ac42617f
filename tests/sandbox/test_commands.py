"""The sandbox commands (sandbox_load, sandbox_dump, sandbox_generate) and the sandbox being off in production."""

from __future__ import annotations

import importlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import Resolver404, clear_url_caches, resolve

from sandbox.mobilize.dump import dump
from sandbox.mobilize.models import ApiKey, Attendance, Event, Organization

from .conftest import DEMO_FILE

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_sandbox_load_loads_a_systems_file_and_says_what_it_loaded():
    output = run("sandbox_load", "mobilize", str(DEMO_FILE))
    assert "organizations" in output and "attendances" in output
    assert Organization.objects.filter(pk=1001, name="Demo Campaign").exists()


def test_sandbox_load_twice_changes_nothing():
    run("sandbox_load", "mobilize", str(DEMO_FILE))
    before = dump()
    run("sandbox_load", "mobilize", str(DEMO_FILE))
    assert dump() == before


def test_sandbox_load_refuses_an_unknown_system_naming_the_known_ones():
    with pytest.raises(CommandError, match=r"Unknown sandbox system 'pdq'.*mobilize"):
        run("sandbox_load", "pdq", str(DEMO_FILE))
    with pytest.raises(CommandError, match="not a sandbox system name"):
        run("sandbox_load", "../etc", str(DEMO_FILE))


def test_sandbox_load_refuses_a_missing_or_broken_file(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        run("sandbox_load", "mobilize", str(tmp_path / "nope.json"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"events": [{"id": 1, "title": "No sponsor"}]}')
    with pytest.raises(CommandError, match="sponsor"):
        run("sandbox_load", "mobilize", str(broken))
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        run("sandbox_load", "mobilize", str(broken))


def test_sandbox_dump_prints_json_the_loader_reads_back(tmp_path):
    run("sandbox_load", "mobilize", str(DEMO_FILE))
    printed = run("sandbox_dump", "mobilize")
    data = json.loads(printed)
    assert data == json.loads(json.dumps(dump()))
    Attendance.objects.all().delete()
    Event.objects.all().delete()
    saved = tmp_path / "dump.json"
    saved.write_text(printed)
    run("sandbox_load", "mobilize", str(saved))
    assert json.loads(run("sandbox_dump", "mobilize", indent=0)) == data


def test_sandbox_dump_refuses_an_unknown_system():
    with pytest.raises(CommandError, match="Unknown sandbox system"):
        run("sandbox_dump", "nothing")


def test_sandbox_generate_takes_the_smoke_tests_options():
    output = run("sandbox_generate", events=6, attendances=30, people=20, seed=7, organization_id=4242, api_key="smoke")
    assert "Generated Mobilize organization 4242" in output and "'smoke'" in output
    assert Event.objects.count() == 6 and Attendance.objects.count() == 30
    assert ApiKey.objects.get(key="smoke").organization_id == 4242


def test_sandbox_generate_takes_command_line_flags():
    run("sandbox_generate", "--events", "3", "--attendances", "5", "--organization-id", "31", "--api-key", "flag")
    assert Organization.objects.filter(pk__in=[31, 32, 33]).count() == 3
    with pytest.raises(CommandError):
        run("sandbox_generate", "--events", "0", "--attendances", "5")


def test_without_sandbox_enabled_the_project_has_no_sandbox_routes(settings):
    import mobilize_sync.urls

    assert resolve("/sandbox/mobilize/v1/enums")
    settings.SANDBOX_ENABLED = False
    try:
        importlib.reload(mobilize_sync.urls)
        clear_url_caches()
        assert not any(str(p.pattern).startswith("sandbox") for p in mobilize_sync.urls.urlpatterns)
        with pytest.raises(Resolver404):
            resolve("/sandbox/mobilize/v1/enums")
        assert resolve("/healthz")
    finally:
        settings.SANDBOX_ENABLED = True
        importlib.reload(mobilize_sync.urls)
        clear_url_caches()
    assert resolve("/sandbox/mobilize/v1/enums")
