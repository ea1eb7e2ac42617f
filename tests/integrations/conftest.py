"""Fixtures for the service core: the Mobilize and ActionKit sandboxes over HTTP, and an in-memory flow.

The sandbox worlds follow tests/flows/actionkit (its `World` is reused) but with secrets chosen
here, recognisable in any log line or message that would leak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from integrations.engine import RunOptions, run_sync
from integrations.mirror.refresh import ensure_mirror_integration
from integrations.models import (
    ActionKitConfig,
    ActionKitConnection,
    Integration,
    IntegrationKind,
    Organization,
    SyncRun,
)
from tests.flows.actionkit._world import OURS, World

from . import _memory

# Recognisable secrets: none of them may ever appear in a log record, a run message or an item error.
MOBILIZE_KEY = "mobkey-SECRET-7c1e9a-do-not-log"
AK_USER = "sync-bot"
AK_PASSWORD = "akpass-SECRET-4f2b8d-do-not-log"


@dataclass
class SandboxWorld:
    """Our organization on the Mobilize sandbox, and (when asked) its ActionKit integrations."""

    world: World
    organization: Organization
    mirror: Integration
    mobilize_key: str
    crm: Integration | None = None
    connection: ActionKitConnection | None = None

    def load(self) -> None:
        """Load the world into the Mobilize sandbox, with our organization's key set to `mobilize_key`."""
        from sandbox.mobilize.loader import load_data

        data = self.world.data()
        for organization in data["organizations"]:
            if organization["id"] == OURS:
                organization["sandbox_api_keys"] = [self.mobilize_key]
        load_data(data)

    def refresh_mirror(self) -> None:
        """Read Mobilize into the mirror (as its refresh job does), without fanning out to the integrations."""
        from integrations.mirror.refresh import refresh_until_caught_up

        refresh_until_caught_up(self.organization, fan_out=False)

    def sync(self, integration: Integration | None = None, **options: Any) -> SyncRun:
        """Run an integration (the mirror by default); a Mobilize-source one after a mirror refresh."""
        integration = integration or self.mirror
        if integration.kind in IntegrationKind.mobilize_source_kinds():
            self.refresh_mirror()
        run = run_sync(integration, RunOptions(**options))
        run.refresh_from_db()
        return run


@pytest.fixture
def sandbox_world(transactional_db, live_server, make_organization) -> SandboxWorld:
    """Our organization on the Mobilize sandbox (served by live_server) with its Mobilize mirror integration.

    A mirror refresh that changes the mirror fans out to the organization's other integrations
    (with eager tasks, before `sync` returns).
    """
    organization = make_organization(
        name="Demo Campaign",
        mobilize_id=OURS,
        mobilize_api_key=MOBILIZE_KEY,
        mobilize_base_url=f"{live_server.url}/sandbox/mobilize/v1",
    )
    result = SandboxWorld(World(), organization, ensure_mirror_integration(organization), MOBILIZE_KEY)
    result.load()
    return result


@pytest.fixture
def crm_world(sandbox_world, live_server, make_integration) -> SandboxWorld:
    """The Mobilize sandbox world plus a CRM-style ActionKit integration on the ActionKit sandbox."""
    from sandbox.actionkit.setup import ensure_api_user, ensure_campaign

    ensure_api_user(AK_USER, AK_PASSWORD)
    campaign = ensure_campaign("mobilize-crm", "crm-host", "crm-signup", max_attendees_cap=100)
    connection = ActionKitConnection.objects.create(
        organization=sandbox_world.organization,
        name="ActionKit",
        base_url=f"{live_server.url}/sandbox/actionkit",
        username=AK_USER,
        password=AK_PASSWORD,
    )
    crm = make_integration(sandbox_world.organization, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    ActionKitConfig.objects.create(
        integration=crm,
        connection=connection,
        campaign_id=campaign.pk,
        event_create_page="crm-host",
        event_signup_page="crm-signup",
    )
    sandbox_world.crm, sandbox_world.connection = crm, connection
    return sandbox_world


@pytest.fixture
def memory(monkeypatch) -> _memory.MemoryState:
    """Integrations of the tests' kind run an in-memory flow (no HTTP), for tests inside one transaction."""
    return _memory.install(monkeypatch)
