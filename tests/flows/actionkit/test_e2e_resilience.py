"""The CRM flow under failure: crashes mid-run, ActionKit 429s and 500s, a record ActionKit rejects."""

from __future__ import annotations

from collections import Counter

import pytest

from integrations.connectors.actionkit import ActionKitClient
from integrations.engine import RunOptions, run_sync
from integrations.models import PendingRetry, SyncItem, SyncRun

from . import _ak

pytestmark = pytest.mark.django_db(transaction=True)


class ProcessKilled(BaseException):
    """The worker dying: a BaseException, so nothing in the engine or the flow catches it."""


def assert_no_duplicates(setup) -> None:
    """One ActionKit event per timeslot, one signup per person and event, one user per email."""
    from sandbox.actionkit.models import EventSignup, Phone, User

    _ak.events(setup.crm_campaign)  # fails on two events with one timeslot key or two fields of a name
    _ak.signups(setup.crm_campaign)  # fails on two fields of one name on a signup
    pairs = Counter(EventSignup.objects.filter(role="attendee").values_list("user_id", "event_id"))
    assert max(pairs.values()) == 1, "a person signed up twice for one event"
    emails = Counter(email.lower() for email in User.objects.values_list("email", flat=True))
    assert max(emails.values()) == 1, "two users with one email"
    phones = Counter(Phone.objects.values_list("user_id", "normalized_phone", "source"))
    assert max(phones.values()) == 1, "a phone written twice"


def expected_state(setup) -> tuple:
    events = _ak.events(setup.crm_campaign)
    signups = sorted(
        (row.user.email, row.event.title, row.status, row.attended) for row, _ in _ak.signups(setup.crm_campaign)
    )
    return sorted(events), signups


@pytest.fixture
def clean_result(setup):
    """What ActionKit holds after one uninterrupted run (the reference for the crash tests)."""
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    return expected_state(setup), setup.writes


def wipe_actionkit_and_ledger(setup) -> None:
    from sandbox.actionkit.models import Action, Event, EventSignup, Phone, User

    Action.objects.all().delete()
    EventSignup.objects.all().delete()
    Event.objects.all().delete()
    Phone.objects.all().delete()
    User.objects.all().delete()
    setup.crm.links.all().delete()
    setup.crm.watermarks.all().delete()
    setup.crm.mirror_cursors.all().delete()
    setup.crm.pending_retries.all().delete()
    setup.crm.runs.all().delete()


@pytest.mark.parametrize("fraction", [0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 0.97])
def test_a_crash_after_any_actionkit_write_then_a_rerun_loses_and_duplicates_nothing(
    setup, clean_result, monkeypatch, fraction
):
    reference, total_writes = clean_result
    wipe_actionkit_and_ledger(setup)
    crash_after = max(1, int(total_writes * fraction))
    writes = {"count": 0}
    original = ActionKitClient.request

    def dies_after_a_write(self, method, path_or_url, **kwargs):
        response = original(self, method, path_or_url, **kwargs)
        if method.upper() != "GET":
            writes["count"] += 1
            if writes["count"] == crash_after:
                raise ProcessKilled  # the write reached ActionKit; the ledger never heard of it
        return response

    monkeypatch.setattr(ActionKitClient, "request", dies_after_a_write)
    with pytest.raises(ProcessKilled):
        run_sync(setup.crm, RunOptions())
    monkeypatch.setattr(ActionKitClient, "request", original)

    rerun = setup.sync()
    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.message
    assert_no_duplicates(setup)
    assert expected_state(setup) == reference, "the same result as a run that never crashed"
    again = setup.sync()
    assert (again.created, again.updated) == (0, 0)


def test_actionkit_429s_and_500s_are_retried_and_the_run_succeeds(setup, settings):
    from sandbox.models import FaultRule

    FaultRule.objects.create(system="actionkit", kind="429", remaining=3)
    FaultRule.objects.create(system="actionkit", method="GET", kind="500", remaining=2)
    FaultRule.objects.create(system="actionkit", method="PATCH", kind="503", remaining=2)
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert not FaultRule.objects.exclude(remaining=0).exists(), "every fault was met and got past"
    assert_no_duplicates(setup)
    assert len(_ak.events(setup.crm_campaign)) >= 10


def test_a_500_on_a_create_action_fails_that_record_alone_and_the_next_run_fixes_it(setup):
    from sandbox.models import FaultRule

    # POST /action/ is not idempotent: after a 500 ActionKit may or may not have acted, so the
    # flow does not resend it blindly; the record fails (retryable) and the next run looks first.
    FaultRule.objects.create(system="actionkit", method="POST", path_pattern="/action/", kind="500", remaining=1)
    first = setup.sync()
    assert first.status == SyncRun.Status.PARTIAL
    failed = list(first.items.filter(action=SyncItem.Action.FAILED))
    assert any("500" in item.error for item in failed), [item.error for item in failed]
    assert all(item.retryable for item in failed), "a 500 (and a signup waiting on its event) may pass"
    assert first.created > 10, "the run went on"
    second = setup.sync()
    assert second.status == SyncRun.Status.SUCCEEDED, second.message
    assert not PendingRetry.objects.filter(integration=setup.crm).exists()
    assert_no_duplicates(setup)


def test_a_record_actionkit_rejects_fails_alone_with_actionkits_message(setup):
    # The campaign allows at most 100 attendees per event; this timeslot asks for 500.
    accessible = setup.world.events["accessible"]
    accessible["timeslots"][0]["max_attendees"] = 500
    setup.load()
    run = setup.sync()
    assert run.status == SyncRun.Status.PARTIAL
    [failed] = run.items.filter(action=SyncItem.Action.FAILED)
    assert failed.source_id == "141"
    assert "max_attendees" in failed.error or "500" in failed.error, failed.error
    assert "ActionKit" in failed.error
    assert not failed.retryable, "ActionKit will refuse it again until someone changes the event"
    events = _ak.events(setup.crm_campaign)
    assert "141" not in events and "101" in events, "everything else was synced"


def test_mobilize_server_errors_are_retried_within_the_run(setup):
    from sandbox.models import FaultRule

    FaultRule.objects.create(system="mobilize", kind="500", remaining=2)
    FaultRule.objects.create(system="mobilize", kind="429", remaining=2)
    run = setup.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert len(_ak.events(setup.crm_campaign)) >= 10


def test_a_wrong_actionkit_password_fails_the_run_with_a_readable_reason_and_writes_nothing(setup):
    connection = setup.crm.actionkit.connection
    connection.password = "wrong"
    connection.save()
    run = setup.sync()
    assert run.status == SyncRun.Status.FAILED, "the run does not start"
    assert run.items.count() == 0, "one sentence, not a failed item per record"
    assert run.message.startswith("The run did not start:") and run.message.count("\n") == 0
    assert "password" in run.message.lower()
    assert "wrong" not in run.message, "the password is never repeated"
    assert setup.writes == 0
