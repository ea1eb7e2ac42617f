"""End-to-end fixtures: the Mobilize and ActionKit sandboxes over HTTP, and our integrations on them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

from integrations.connectors.actionkit import ActionKitClient
from integrations.models import ActionKitConfig, ActionKitConnection, Integration, IntegrationKind, SyncRun

from .._harness import MirrorWorld
from ._world import OUR_KEY, OURS, World

AK_USER, AK_PASSWORD = "sync-bot", "ak-secret-password"


@dataclass
class Setup(MirrorWorld):
    crm: Integration
    distributed_send: Integration
    crm_campaign: object
    ds_campaign: object
    requests: Counter = field(default_factory=Counter)

    def sync(self, integration: Integration | None = None, **options) -> SyncRun:
        """Refresh the mirror from the Mobilize sandbox, then run the integration (the CRM one by default)."""
        return self.run(integration or self.crm, **options)

    @property
    def writes(self) -> int:
        return sum(count for (method, _), count in self.requests.items() if method != "GET")


@pytest.fixture
def ak_requests(monkeypatch) -> Counter:
    """Every request an ActionKit client sends, by (method, resource)."""
    seen: Counter = Counter()
    original = ActionKitClient.request

    def counting(self, method, path_or_url, **kwargs):
        resource = path_or_url.split("rest/v1/")[-1].split("/")[0]
        seen[(method.upper(), resource)] += 1
        return original(self, method, path_or_url, **kwargs)

    monkeypatch.setattr(ActionKitClient, "request", counting)
    return seen


@pytest.fixture
def setup(transactional_db, live_server, make_organization, make_integration, ak_requests) -> Setup:
    from sandbox.actionkit.setup import ensure_api_user, ensure_campaign

    world = World()
    ensure_api_user(AK_USER, AK_PASSWORD)
    crm_campaign = ensure_campaign("mobilize-crm", "crm-host", "crm-signup", max_attendees_cap=100)
    ds_campaign = ensure_campaign("mobilize-ds", "ds-host", max_attendees_cap=100)
    organization = make_organization(
        name="Demo Campaign",
        mobilize_id=OURS,
        mobilize_api_key=OUR_KEY,
        mobilize_base_url=f"{live_server.url}/sandbox/mobilize/v1",
    )
    connection = ActionKitConnection.objects.create(
        organization=organization,
        name="ActionKit",
        base_url=f"{live_server.url}/sandbox/actionkit",
        username=AK_USER,
        password=AK_PASSWORD,
    )
    crm = make_integration(organization, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    ActionKitConfig.objects.create(
        integration=crm,
        connection=connection,
        campaign_id=crm_campaign.pk,
        event_create_page="crm-host",
        event_signup_page="crm-signup",
    )
    ds = make_integration(organization, kind=IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, name="DS")
    ActionKitConfig.objects.create(
        integration=ds, connection=connection, campaign_id=ds_campaign.pk, event_create_page="ds-host"
    )
    result = Setup(world, organization, crm, ds, crm_campaign, ds_campaign, ak_requests)
    result.load()
    return result
