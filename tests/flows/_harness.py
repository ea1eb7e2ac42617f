"""What the end-to-end flow tests share: a Mobilize world in the sandbox, the mirror, runs over it."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.engine import RunOptions, run_sync
from integrations.models import Integration, SyncRun


@dataclass
class MirrorWorld:
    """A Mobilize world (tests/flows/actionkit/_world.py) for one organization, read through its mirror."""

    world: object
    organization: object

    def load(self) -> None:
        """Load the world into the Mobilize sandbox (as Mobilize would now answer)."""
        from sandbox.mobilize.loader import load_data

        load_data(self.world.data())

    def refresh_mirror(self) -> None:
        """Read Mobilize into the organization's mirror, as its refresh job does every 30 s."""
        from integrations.mirror.refresh import refresh_until_caught_up

        for run in refresh_until_caught_up(self.organization, fan_out=False):
            assert run.status != SyncRun.Status.FAILED, run.message

    def run(self, integration: Integration, **options) -> SyncRun:
        """Refresh the mirror from the Mobilize sandbox, then run the integration."""
        self.refresh_mirror()
        run = run_sync(integration, RunOptions(**options))
        run.refresh_from_db()
        return run
