"""The demo waits for each integration's run that did the work, not for a twin skipped by the lock."""

from __future__ import annotations

import time

import pytest

from integrations.management.commands.demo import Command
from integrations.models import SyncRun


@pytest.mark.django_db
def test_the_demo_reports_the_run_that_held_the_lock_not_the_one_it_skipped(make_organization, make_integration):
    integration = make_integration(make_organization())
    SyncRun.objects.create(integration=integration, status=SyncRun.Status.SKIPPED)
    worked = SyncRun.objects.create(integration=integration, status=SyncRun.Status.SUCCEEDED, created=18)
    [reported] = Command()._wait([integration], {integration.pk: 0}, time.monotonic() + 1)
    assert reported == worked
