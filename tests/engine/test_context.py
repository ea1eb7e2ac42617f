"""RunContext.synced_id: what a stream gets for a dependency it synced on demand."""

from __future__ import annotations

import pytest

from integrations.engine import RecordError, RunContext
from integrations.engine.adoption import PENDING
from integrations.models import RecordLink


def context(*, dry_run: bool) -> RunContext:
    return RunContext(integration=None, run=None, ledger=None, lock=None, dry_run=dry_run)  # type: ignore[arg-type]


def test_a_synced_dependency_gives_its_destination_id():
    assert context(dry_run=False).synced_id(RecordLink(destination_id="42"), "the event") == 42


@pytest.mark.parametrize("link", [None, RecordLink(destination_id=PENDING)])
def test_a_dependency_that_could_not_be_synced_fails_the_record_retryably_naming_it(link):
    with pytest.raises(RecordError) as failure:
        context(dry_run=False).synced_id(link, "the invitation's PDI event")
    assert failure.value.retryable
    assert str(failure.value).startswith("The invitation's PDI event could not be synced (see its own item)")


def test_in_a_dry_run_a_dependency_still_to_be_made_is_zero():
    assert context(dry_run=True).synced_id(None, "the event") == 0
