"""The Ascend flow under failure: a crash after any Ascend write, 429s and 500s."""

from __future__ import annotations

import pytest

from integrations.connectors.ascend import AscendClient
from integrations.engine import RunOptions, run_sync
from integrations.models import Activity, SyncRun

from . import _ascend

pytestmark = pytest.mark.django_db(transaction=True)


class ProcessKilled(BaseException):
    """The worker dying: a BaseException, so nothing in the engine or the flow catches it."""


def with_automations(ascend) -> None:
    from sandbox.ascend.setup import create_flow

    row = ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    ascend.automation("Welcome", row, Activity.REGISTERS, create_flow(ascend.account, "Welcome"))
    a, b = create_flow(ascend.account, "Reminder A"), create_flow(ascend.account, "Reminder B")
    ascend.automation("A/B", row, Activity.REGISTERS, a, b, groups=())


@pytest.mark.parametrize("crash_after", [1, 2, 3, 4, 5, 6, 7, 8])
def test_a_crash_after_any_ascend_write_then_a_rerun_fires_nothing_twice(ascend, monkeypatch, crash_after):
    with_automations(ascend)
    writes = {"count": 0}
    original = AscendClient.request

    def dies_after_a_write(self, method, path_or_url, **kwargs):
        response = original(self, method, path_or_url, **kwargs)
        if method.upper() != "GET":
            writes["count"] += 1
            if writes["count"] == crash_after:
                raise ProcessKilled  # the write reached Ascend; the ledger never heard of it
        return response

    monkeypatch.setattr(AscendClient, "request", dies_after_a_write)
    ascend.refresh_mirror()
    with pytest.raises(ProcessKilled):
        run_sync(ascend.integration, RunOptions())
    monkeypatch.setattr(AscendClient, "request", original)

    rerun = ascend.sync()
    assert rerun.status == SyncRun.Status.SUCCEEDED, rerun.message
    starts = _ascend.starts()
    assert {phone for flow, phone in starts if flow == "Welcome"} == {"+12155550101", "+12155550102"}
    assert _ascend.start_count() == 4, "each member got each automation's flow exactly once"
    assert _ascend.group_members("Event 10") == {"+12155550101", "+12155550102"}
    again = ascend.sync()
    assert (again.created, again.updated) == (0, 0) and _ascend.start_count() == 4


def test_ascend_429s_and_500s_are_retried_and_the_run_succeeds(ascend):
    from sandbox.models import FaultRule

    with_automations(ascend)
    FaultRule.objects.create(system="ascend", kind="429", remaining=3)
    FaultRule.objects.create(system="ascend", method="GET", kind="500", remaining=2)
    FaultRule.objects.create(system="ascend", method="POST", path_pattern="/starts", kind="503", remaining=1)
    run = ascend.sync()
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    assert _ascend.start_count() == 4
