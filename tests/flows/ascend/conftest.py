"""End-to-end fixtures: the Mobilize and Ascend sandboxes over HTTP, and an Ascend integration on them.

The Mobilize side is the ActionKit tests' world (tests/flows/actionkit/_world.py). Our canvass
(event 10, three shifts) is synced; Ana and Ben signed up for it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from integrations.connectors.ascend import AscendClient
from integrations.models import AscendConfig, AscendEvent, Automation, FieldRule, Integration, IntegrationKind
from integrations.models.ascend import CORE_FIELDS
from tests.flows._harness import MirrorWorld
from tests.flows.actionkit._world import OUR_KEY, OURS, World

ASCEND_KEY = "ascend-secret-key"


@dataclass
class AscendSetup(MirrorWorld):
    integration: Integration
    account: object
    requests: Counter = field(default_factory=Counter)

    @property
    def config(self) -> AscendConfig:
        """The settings the integration's runs read (the same object: a change here is seen there)."""
        return self.integration.ascend

    def sync(self, **options):
        """Refresh the mirror from the Mobilize sandbox, then run the Ascend integration."""
        return self.run(self.integration, **options)

    def synced_event(self, key: str, *, since_minutes: int = 60) -> AscendEvent:
        """Mark one of the world's events synced on the Events tab (as of `since_minutes` ago)."""
        event = self.world.events[key]
        row, _ = AscendEvent.objects.update_or_create(
            config=self.config,
            mobilize_event_id=event["id"],
            defaults={
                "title": event["title"],
                "synced": True,
                "synced_at": timezone.now() - timezone.timedelta(minutes=since_minutes),
            },
        )
        return row

    def automation(self, name: str, row: AscendEvent, activity: str, *flows, groups=()) -> Automation:
        return Automation.objects.create(
            config=self.config,
            name=name,
            event=row,
            activity=activity,
            flow_ids=[str(flow.pk) for flow in flows],
            group_ids=[str(group) for group in groups],
        )

    @property
    def writes(self) -> int:
        return sum(count for (method, _), count in self.requests.items() if method != "GET")


@pytest.fixture
def ascend_requests(monkeypatch) -> Counter:
    seen: Counter = Counter()
    original = AscendClient.request

    def counting(self, method, path_or_url, **kwargs):
        path = path_or_url.split("/v1/")[-1]
        seen[(method.upper(), path.split("/")[0].split("?")[0])] += 1
        return original(self, method, path_or_url, **kwargs)

    monkeypatch.setattr(AscendClient, "request", counting)
    return seen


@pytest.fixture
def ascend(transactional_db, live_server, make_organization, make_integration, ascend_requests) -> AscendSetup:
    from sandbox.ascend.setup import create_account

    account = create_account("Campaign SMS", ASCEND_KEY)
    organization = make_organization(
        name="Demo Campaign",
        mobilize_id=OURS,
        mobilize_api_key=OUR_KEY,
        mobilize_base_url=f"{live_server.url}/sandbox/mobilize/v1",
    )
    integration = make_integration(organization, kind=IntegrationKind.ASCEND, name="Ascend")
    config = AscendConfig.objects.create(
        integration=integration,
        base_url=f"{live_server.url}/sandbox/ascend",
        api_key=ASCEND_KEY,
        sync_accounts=True,
        create_new_members=True,
    )
    for mobilize_field, ascend_field in CORE_FIELDS.items():
        FieldRule.objects.create(
            config=config, mobilize_field=mobilize_field, ascend_field=ascend_field, is_default=True
        )
    setup = AscendSetup(World(), organization, integration, account, ascend_requests)
    setup.load()
    return setup
