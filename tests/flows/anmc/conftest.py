"""End-to-end fixtures: the Action Network and Mobile Commons sandboxes over HTTP, and the pair on them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.connectors.actionnetwork import ActionNetworkClient
from integrations.connectors.mobilecommons import MobileCommonsClient
from integrations.engine import RunOptions, run_sync
from integrations.models import AnMcConfig, Integration, IntegrationKind, McOptInPath, SyncItem, SyncRun
from integrations.models.anmc import PULL_STREAM, PUSH_STREAM

AN_TOKEN = "an-e2e-token"
MC_LOGIN, MC_PASSWORD = "sync@example.org", "mc-e2e-password"
OPT_IN_FIELD = "mobile_opt_in"


@dataclass
class Pair:
    """The integration, both sandbox accounts, and what each client sent."""

    integration: Integration
    an_account: object
    mc_account: object
    campaign: object
    path: object
    requests: Counter = field(default_factory=Counter)

    @property
    def config(self) -> AnMcConfig:
        return AnMcConfig.objects.get(integration=self.integration)

    def run(self, streams: list[str] | None = None, **options) -> SyncRun:
        run = run_sync(Integration.objects.get(pk=self.integration.pk), RunOptions(stream_names=streams, **options))
        run.refresh_from_db()
        return run

    def pull(self, **options) -> SyncRun:
        return self.run([PULL_STREAM], **options)

    def push(self, **options) -> SyncRun:
        return self.run([PUSH_STREAM], **options)

    def writes(self, system: str | None = None) -> int:
        """Writes sent so far (POST/PUT), to one system or both."""
        return sum(
            count
            for (name, method, _), count in self.requests.items()
            if method in ("POST", "PUT") and (system is None or name == system)
        )

    def items(self, run: SyncRun, action: str | None = None) -> list[SyncItem]:
        items = run.items.order_by("id")
        return list(items.filter(action=action) if action else items)

    # --- the two sandboxes, as the tests look at them ---

    def an_person(self, *, email: str | None = None, phone: str | None = None):
        from sandbox.actionnetwork.setup import find_person

        return find_person(self.an_account, email=email, phone=phone)

    def an_people(self):
        from sandbox.actionnetwork.models import Person

        return Person.objects.filter(account=self.an_account)

    def profile(self, phone: str):
        from sandbox.mobilecommons.setup import profile_by_phone

        return profile_by_phone(self.mc_account, phone)

    def profiles(self):
        return self.mc_account.profiles.all()

    def subscribed(self, phone: str) -> bool:
        from sandbox.mobilecommons.setup import is_subscribed

        profile = self.profile(phone)
        return profile is not None and is_subscribed(profile)

    def welcomes(self, phone: str | None = None) -> int:
        from sandbox.mobilecommons.setup import welcomes

        return welcomes(self.mc_account, phone).count()

    def add_person(self, **fields):
        from sandbox.actionnetwork.setup import add_person

        fields.setdefault("modified_date", timezone.now() - timedelta(hours=1))
        return add_person(self.an_account, **fields)


@pytest.fixture
def anmc_requests(monkeypatch) -> Counter:
    """Every request either client sends, by (system, method, endpoint)."""
    seen: Counter = Counter()
    for client, marker, system in (
        (ActionNetworkClient, "/api/v2/", "actionnetwork"),
        (MobileCommonsClient, "/mobilecommons/api/", "mobilecommons"),
    ):
        original = client.request

        def counting(self, method, path_or_url, *, _original=original, _marker=marker, _system=system, **kwargs):
            endpoint = path_or_url.split(_marker)[-1].lstrip("/").split("?")[0].split("/")[0]
            seen[(_system, method.upper(), endpoint)] += 1
            return _original(self, method, path_or_url, **kwargs)

        monkeypatch.setattr(client, "request", counting)
    return seen


def configure(integration: Integration, live_url: str, path, **settings) -> AnMcConfig:
    """The pair's settings against the two sandboxes, activated a day ago, the given opt-in path the default."""
    config = AnMcConfig.objects.create(
        integration=integration,
        an_login="organizer@example.org",
        an_password="an-password",
        an_api_token=AN_TOKEN,
        an_base_url=f"{live_url}/sandbox/actionnetwork/api/v2/",
        mc_login=MC_LOGIN,
        mc_password=MC_PASSWORD,
        mc_base_url=f"{live_url}/sandbox/mobilecommons/api/",
        opt_in_field=OPT_IN_FIELD,
        active=True,
        activated_at=timezone.now() - timedelta(days=1),
        **settings,
    )
    config.default_opt_in_path = McOptInPath.objects.create(
        config=config, mc_id=str(path.pk), name=path.name, campaign_id=str(path.campaign_id)
    )
    config.save()
    return config


@pytest.fixture
def pair(transactional_db, live_server, make_organization, make_integration, anmc_requests) -> Pair:
    from sandbox.actionnetwork.setup import create_account as an_account
    from sandbox.mobilecommons.setup import add_campaign
    from sandbox.mobilecommons.setup import create_account as mc_account

    organization = make_organization(name="Demo Campaign")
    integration = make_integration(
        organization, kind=IntegrationKind.ACTIONNETWORK_MOBILECOMMONS, name="Action Network <-> Mobile Commons"
    )
    an = an_account(token=AN_TOKEN)
    mc = mc_account(login=MC_LOGIN, password=MC_PASSWORD)
    campaign, (path, _website) = add_campaign(mc, "Main", paths=("Action Network sync", "Website"))
    configure(integration, live_server.url, path)
    return Pair(integration, an, mc, campaign, path, anmc_requests)
