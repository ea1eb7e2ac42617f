"""End-to-end fixtures: the Mobilize and PDI sandboxes over HTTP, and a PDI integration on them.

The Mobilize side is the ActionKit tests' world (tests/flows/actionkit/_world.py): our
coordinated organization, an ally on the same side and an independent PAC across the firewall.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

from integrations.connectors.pdi import PdiClient
from integrations.models import (
    Integration,
    IntegrationKind,
    PdiCalendar,
    PdiCalendarMapping,
    PdiConfig,
    PdiEnvironment,
    SyncRun,
)
from tests.flows._harness import MirrorWorld
from tests.flows.actionkit._world import OUR_KEY, OURS, PAC, World

PDI_USER, PDI_PASSWORD, PDI_TOKEN = "sync-bot", "pdi-secret-password", "pdi-api-token"
# Event type -> sandbox calendar name. MEETING (and the rest) stay unmapped on purpose.
CALENDARS = {
    "CANVASS": "Canvassing",
    "PHONE_BANK": "Phone banks",
    "RALLY": "Rallies",
    "TRAINING": "Trainings",
    "HOUSE_PARTY": "House parties",
}


@dataclass
class PdiSetup(MirrorWorld):
    integration: Integration
    requests: Counter = field(default_factory=Counter)

    def sync(self, **options) -> SyncRun:
        """Refresh the mirror from the Mobilize sandbox, then run the PDI integration."""
        return self.run(self.integration, **options)

    @property
    def writes(self) -> int:
        return sum(count for (method, _), count in self.requests.items() if method not in ("GET",))

    @property
    def data_writes(self) -> int:
        """Writes other than logging in."""
        return sum(count for (method, what), count in self.requests.items() if method != "GET" and what != "sessions")


@pytest.fixture
def pdi_requests(monkeypatch) -> Counter:
    """Every request a PDI client sends, by (method, first path segment)."""
    seen: Counter = Counter()
    original = PdiClient.request

    def counting(self, method, path_or_url, **kwargs):
        path = path_or_url.split("/sandbox/pdi/")[-1].lstrip("/")
        seen[(method.upper(), path.split("/")[0].split("?")[0])] += 1
        return original(self, method, path_or_url, **kwargs)

    monkeypatch.setattr(PdiClient, "request", counting)
    return seen


def configure_pdi(organization, integration: Integration, base_url: str) -> PdiConfig:
    """PDI settings against the sandbox, with the calendars of CALENDARS mapped."""
    from sandbox.pdi.setup import create_calendar

    config = PdiConfig.objects.create(
        integration=integration,
        api_token=PDI_TOKEN,
        username=PDI_USER,
        password=PDI_PASSWORD,
        environment=PdiEnvironment.CUSTOM,
        base_url=base_url,
    )
    for event_type, name in CALENDARS.items():
        remote = create_calendar(name)
        calendar = PdiCalendar.objects.create(config=config, pdi_id=str(remote.pk), name=name)
        PdiCalendarMapping.objects.create(config=config, event_type=event_type, calendar=calendar)
    PdiCalendarMapping.objects.create(config=config, event_type="MEETING", calendar=None)
    return config


@pytest.fixture
def pdi(transactional_db, live_server, make_organization, make_integration, pdi_requests) -> PdiSetup:
    from sandbox.pdi.setup import create_api_user

    create_api_user(PDI_USER, PDI_PASSWORD, PDI_TOKEN)
    organization = make_organization(
        name="Demo Campaign",
        mobilize_id=OURS,
        mobilize_api_key=OUR_KEY,
        mobilize_base_url=f"{live_server.url}/sandbox/mobilize/v1",
    )
    integration = make_integration(organization, kind=IntegrationKind.PDI, name="PDI")
    configure_pdi(organization, integration, f"{live_server.url}/sandbox/pdi")
    setup = PdiSetup(World(), organization, integration, pdi_requests)
    setup.load()
    return setup


@pytest.fixture
def pac_pdi(pdi, live_server, make_organization, make_integration) -> PdiSetup:
    """The independent PAC's own PDI integration: it promotes our (coordinated) events."""
    organization = make_organization(
        name="Independent PAC",
        mobilize_id=PAC,
        mobilize_api_key="pac-key",
        mobilize_base_url=f"{live_server.url}/sandbox/mobilize/v1",
    )
    integration = make_integration(organization, kind=IntegrationKind.PDI, name="PAC PDI")
    config = PdiConfig.objects.create(
        integration=integration,
        api_token=PDI_TOKEN,
        username=PDI_USER,
        password=PDI_PASSWORD,
        environment=PdiEnvironment.CUSTOM,
        base_url=f"{live_server.url}/sandbox/pdi",
    )
    for mapping in pdi.integration.pdi.calendar_mappings.select_related("calendar"):
        calendar = None
        if mapping.calendar is not None:
            calendar = PdiCalendar.objects.create(
                config=config, pdi_id=mapping.calendar.pdi_id, name=mapping.calendar.name
            )
        PdiCalendarMapping.objects.create(config=config, event_type=mapping.event_type, calendar=calendar)
    return PdiSetup(pdi.world, organization, integration, pdi.requests)
