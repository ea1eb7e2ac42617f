"""`manage.py run_sync INTEGRATION [--dry-run] [--full] [--retry-failed]` against the Mobilize sandbox.

The integration run is the organization's Mobilize mirror: the one integration that reads Mobilize.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.engine import RecordError
from integrations.mirror import store
from integrations.models import IntegrationKind, MirrorRecord, MirrorStream, PendingRetry, RecordType, SyncItem, SyncRun


def run_sync(*args: str) -> tuple[SyncRun, str]:
    """Run the command; the SyncRun it made and what it printed."""
    out, err = StringIO(), StringIO()
    before = set(SyncRun.objects.values_list("pk", flat=True))
    try:
        call_command("run_sync", *args, stdout=out, stderr=err)
    finally:
        made = SyncRun.objects.exclude(pk__in=before)
    [run] = made
    return run, out.getvalue()


def assert_summary_of(run: SyncRun, output: str) -> None:
    """The printed summary: status line, every counter of the run, one line per stream."""
    assert f"Run #{run.pk} of {run.integration.name} ({run.integration.organization.name}): " in output
    assert run.get_status_display() in output
    counters = dict(re.findall(r"\b(fetched|created|updated|unchanged|skipped|failed)=(\d+)", output.splitlines()[1]))
    assert counters == {name: str(getattr(run, name)) for name in SyncRun.COUNTERS}
    for stream, stats in run.streams.items():
        assert re.search(rf"^  {stream}\s+fetched={stats['fetched']}\s", output, re.MULTILINE), stream


def test_run_sync_by_id_runs_the_integration_and_prints_its_summary(sandbox_world):
    run, output = run_sync(str(sandbox_world.mirror.pk))
    assert run.integration == sandbox_world.mirror and run.trigger == SyncRun.Trigger.COMMAND
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert run.fetched > 0 and run.created > 0
    assert_summary_of(run, output)


def test_run_sync_by_name(sandbox_world):
    run, output = run_sync("Mobilize mirror")
    assert run.integration == sandbox_world.mirror and run.status == SyncRun.Status.SUCCEEDED
    assert_summary_of(run, output)


def test_run_sync_dry_run_records_what_would_be_written_and_writes_nothing(sandbox_world):
    run, output = run_sync(str(sandbox_world.mirror.pk), "--dry-run")
    assert run.dry_run and "[dry run]" in output.splitlines()[0]
    assert run.created > 0
    assert run.items.filter(action=SyncItem.Action.WOULD_CREATE).count() == run.created
    assert not MirrorRecord.objects.exists() and not MirrorStream.objects.exclude(watermark=None).exists()


def test_run_sync_full_rereads_what_an_incremental_run_does_not(sandbox_world):
    first, _ = run_sync(str(sandbox_world.mirror.pk))
    incremental, _ = run_sync(str(sandbox_world.mirror.pk))
    assert incremental.created == incremental.updated == 0
    assert incremental.fetched < first.fetched, "an incremental refresh reads only what changed lately"
    full, output = run_sync(str(sandbox_world.mirror.pk), "--full")
    assert full.full_resync and full.status == SyncRun.Status.SUCCEEDED
    assert full.fetched >= first.fetched, "a full resync reads from the beginning"
    # The mirror compares what it reads with what it holds: nothing changed, nothing rewritten.
    assert full.unchanged == first.created and full.created == full.updated == 0
    assert_summary_of(full, output)


def test_run_sync_retry_failed_retries_only_the_queued_failures(sandbox_world, monkeypatch):
    # The mirror refuses nothing Mobilize sends, so its store refuses one event here (as a
    # database constraint would), every time it is written.
    original = store.write

    def refusing(organization_id, record_type, raw):
        if record_type == RecordType.EVENT and raw.get("id") == 11:
            raise RecordError("The mirror cannot store event 11: 'Mars/Olympus_Mons' is not a known time zone.")
        return original(organization_id, record_type, raw)

    monkeypatch.setattr(store, "write", refusing)
    first, output = run_sync(str(sandbox_world.mirror.pk))
    assert first.status == SyncRun.Status.PARTIAL and first.failed == 1
    assert "failed events 11 Phone bank" in output and "'Mars/Olympus_Mons' is not a known time zone" in output
    [queued] = PendingRetry.objects.all()
    retry, output = run_sync(str(sandbox_world.mirror.pk), "--retry-failed")
    assert retry.retry_only and retry.fetched == 1 and retry.failed == 1
    assert list(retry.items.values_list("stream", "source_id")) == [(queued.stream, queued.source_id)]
    assert_summary_of(retry, output)


def test_run_sync_refuses_an_ambiguous_name_and_names_the_choices(sandbox_world, make_organization, make_integration):
    other = make_integration(
        make_organization(name="Other Campaign"), kind=IntegrationKind.MOBILIZE_MIRROR, name="Mobilize mirror"
    )
    with pytest.raises(CommandError, match="2 integrations are named 'Mobilize mirror'") as raised:
        call_command("run_sync", "Mobilize mirror", stdout=StringIO(), stderr=StringIO())
    assert f"{sandbox_world.mirror.pk} (Demo Campaign)" in str(raised.value)
    assert f"{other.pk} (Other Campaign)" in str(raised.value)
    assert not SyncRun.objects.exists()


@pytest.mark.parametrize("argument", ["No such integration", "987654"])
def test_run_sync_refuses_an_unknown_id_or_name(sandbox_world, argument):
    with pytest.raises(CommandError, match=f"No integration has the id or name '{argument}'"):
        call_command("run_sync", argument, stdout=StringIO(), stderr=StringIO())
    assert not SyncRun.objects.exists()


def test_run_sync_prints_the_summary_and_raises_when_the_run_failed(sandbox_world):
    organization = sandbox_world.organization
    organization.mobilize_api_key = "a-key-mobilize-never-issued"
    organization.save()
    out = StringIO()
    with pytest.raises(CommandError, match="The run failed"):
        call_command("run_sync", str(sandbox_world.mirror.pk), stdout=out, stderr=StringIO())
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.FAILED
    assert_summary_of(run, out.getvalue())
    assert "! The run stopped: Mobilize answered HTTP 403" in out.getvalue()
    assert "HTTP 403" in out.getvalue() and "API key" in out.getvalue()
    assert "a-key-mobilize-never-issued" not in out.getvalue(), "the refused key is never printed"
