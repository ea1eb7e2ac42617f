"""The PDI flow under failure: a crash after any write, sessions expiring, 429s and 500s, a rejected record."""

from __future__ import annotations

import pytest

from integrations.connectors.pdi import PdiClient
from integrations.engine import RunOptions, run_sync
from integrations.models import PendingRetry, SyncItem, SyncRun

from . import _pdi

pytestmark = pytest.mark.django_db(transaction=True)


class ProcessKilled(BaseException):
    """The worker dying: a BaseException, so nothing in the engine or the flow catches it."""


@pytest.fixture
def clean_result(pdi):
    """What PDI holds after one uninterrupted run (the reference for the crash tests)."""
    run = pdi.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    return _pdi.state(), pdi.data_writes


def wipe_pdi_and_ledger(pdi) -> None:
    _pdi.wipe_written()
    integration = pdi.integration
    for related in (integration.links, integration.mirror_cursors, integration.pending_retries, integration.runs):
        related.all().delete()


@pytest.mark.parametrize("fraction", [0.02, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0])
def test_a_crash_after_any_pdi_write_then_a_rerun_loses_and_duplicates_nothing(
    pdi, clean_result, monkeypatch, fraction
):
    reference, total_writes = clean_result
    wipe_pdi_and_ledger(pdi)
    crash_after = max(1, int(total_writes * fraction))
    writes = {"count": 0}
    original = PdiClient.request

    def dies_after_a_write(self, method, path_or_url, **kwargs):
        response = original(self, method, path_or_url, **kwargs)
        if method.upper() != "GET" and not str(path_or_url).rstrip("/").endswith("sessions"):
            writes["count"] += 1
            if writes["count"] == crash_after:
                raise ProcessKilled  # the write reached PDI; the ledger never heard of it
        return response

    monkeypatch.setattr(PdiClient, "request", dies_after_a_write)
    with pytest.raises(ProcessKilled):
        run_sync(pdi.integration, RunOptions())
    monkeypatch.setattr(PdiClient, "request", original)

    rerun = pdi.sync()
    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.message
    _pdi.assert_no_duplicates()
    assert _pdi.state() == reference, "the same result as a run that never crashed"
    again = pdi.sync()
    assert (again.created, again.updated) == (0, 0)


def test_a_session_that_expires_in_the_middle_of_a_run_is_renewed_and_the_run_succeeds(pdi, monkeypatch):
    from sandbox.pdi.setup import expire_sessions

    original = PdiClient.request
    sent = {"count": 0}

    def expiring(self, method, path_or_url, **kwargs):
        sent["count"] += 1
        if sent["count"] == 12:
            expire_sessions()  # PDI now answers 401 to the token this client holds
        return original(self, method, path_or_url, **kwargs)

    monkeypatch.setattr(PdiClient, "request", expiring)
    run = pdi.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert pdi.requests[("POST", "sessions")] == 2, "logged in once, and once more after the 401"
    _pdi.assert_no_duplicates()


def test_pdi_429s_and_500s_are_retried_and_the_run_succeeds(pdi):
    from sandbox.models import FaultRule

    FaultRule.objects.create(system="pdi", kind="429", remaining=3)
    FaultRule.objects.create(system="pdi", method="GET", kind="500", remaining=2)
    FaultRule.objects.create(system="pdi", method="PUT", kind="503", remaining=1)
    run = pdi.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert not FaultRule.objects.exclude(remaining=0).exclude(method="PUT").exists(), "every fault was met"
    _pdi.assert_no_duplicates()
    assert len(_pdi.events_of(pdi.world.events["multi"])) == 3


def test_a_500_on_a_create_fails_that_record_alone_and_the_next_run_fixes_it(pdi):
    from sandbox.models import FaultRule

    # A create POST is not idempotent: after a 500 PDI may have acted, so it is not resent blindly;
    # the record fails (retryable) and the next run looks for it before creating.
    FaultRule.objects.create(
        system="pdi", method="POST", path_pattern=r"/calendars/\d+/events", kind="500", remaining=1
    )
    first = pdi.sync()
    assert first.status == SyncRun.Status.PARTIAL
    failed = list(first.items.filter(action=SyncItem.Action.FAILED))
    assert any("500" in item.error for item in failed), [item.error for item in failed]
    assert all(item.retryable for item in failed)
    second = pdi.sync()
    assert second.status == SyncRun.Status.SUCCEEDED, second.message
    assert not PendingRetry.objects.filter(integration=pdi.integration).exists()
    _pdi.assert_no_duplicates()


def test_a_record_pdi_rejects_fails_alone_with_pdis_message(pdi):
    dee = pdi.world.touch(pdi.world.people["dee"])
    dee["email_addresses"] = [{"primary": True, "address": "dee..park@example.com"}]
    pdi.load()
    run = pdi.sync()
    assert run.status == SyncRun.Status.PARTIAL
    failed = list(run.items.filter(action=SyncItem.Action.FAILED))
    contact_failure = [item for item in failed if item.stream == "contacts"]
    assert contact_failure, [(item.stream, item.error) for item in failed]
    assert "PDI" in contact_failure[0].error and "email" in contact_failure[0].error.lower()
    assert not contact_failure[0].retryable, "PDI will refuse it again until someone changes the email"
    assert len(_pdi.events_of(pdi.world.events["multi"])) == 3, "everything else was synced"
    again = pdi.sync()
    _pdi.assert_no_duplicates()
    assert again.created == 0


def test_a_wrong_pdi_password_fails_the_run_with_a_readable_reason_and_writes_nothing(pdi):
    config = pdi.integration.pdi
    config.password = "wrong-password"
    config.save()
    run = pdi.sync()
    assert run.status == SyncRun.Status.FAILED, "the run does not start"
    assert run.items.count() == 0
    assert run.message.startswith("The run did not start:") and "\n" not in run.message
    assert "PDI" in run.message
    assert "wrong-password" not in run.message
    assert pdi.data_writes == 0
