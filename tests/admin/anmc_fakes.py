"""Action Network and Mobile Commons accounts in memory behind `anmc_services`' two client builders.

`install(monkeypatch)` replaces `anmc_services.action_network_client` and
`anmc_services.mobile_commons_client` with builders of fakes answering `campaigns()` and `test()`
the way the connectors do (docs/connectors/*.md), from the FakeAccounts it returns. The
connectors' HTTP is tested with `responses` in their own tests; these tests are about what the
admin does with the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations import anmc_services
from integrations.models import AnMcConfig


@dataclass
class FakeAccounts:
    """What Mobile Commons and Action Network answer, and who asked."""

    campaigns: list[dict[str, Any]] = field(default_factory=list)
    mc_error: Exception | None = None
    an_error: Exception | None = None
    asked: list[str] = field(default_factory=list)

    def campaign(self, campaign_id: int, name: str, paths: list[tuple[int, str]], active: bool = True) -> None:
        """Add a campaign with its opt-in paths, as `MobileCommonsClient.campaigns()` lists one."""
        self.campaigns.append(
            {
                "id": str(campaign_id),
                "name": name,
                "active": active,
                "opt_in_paths": [{"id": str(path_id), "name": path_name} for path_id, path_name in paths],
            }
        )


class _FakeMobileCommons:
    def __init__(self, accounts: FakeAccounts, config: AnMcConfig) -> None:
        self.accounts, self.config = accounts, config

    def campaigns(self) -> list[dict[str, Any]]:
        self.accounts.asked.append("mc.campaigns")
        if self.accounts.mc_error is not None:
            raise self.accounts.mc_error
        return [dict(campaign) for campaign in self.accounts.campaigns]

    def test(self) -> list[str]:
        self.accounts.asked.append("mc.test")
        if self.accounts.mc_error is not None:
            raise self.accounts.mc_error
        return [f"Mobile Commons: logged in as {self.config.mc_login}; {len(self.accounts.campaigns)} campaigns."]


class _FakeActionNetwork:
    def __init__(self, accounts: FakeAccounts, config: AnMcConfig) -> None:
        self.accounts, self.config = accounts, config

    def test(self) -> list[str]:
        self.accounts.asked.append("an.test")
        if self.accounts.an_error is not None:
            raise self.accounts.an_error
        return ["Action Network: the OSDI API token works (api entry point read)."]


def install(monkeypatch) -> FakeAccounts:
    """Answer both client builders from a FakeAccounts for this test (credentials still required)."""
    accounts = FakeAccounts()
    real_an, real_mc = anmc_services.action_network_client, anmc_services.mobile_commons_client

    def action_network_client(config: AnMcConfig) -> _FakeActionNetwork:
        if not config.an_api_token:
            real_an(config)  # the real builder's refusal (a ValueError), before any import
        return _FakeActionNetwork(accounts, config)

    def mobile_commons_client(config: AnMcConfig) -> _FakeMobileCommons:
        if not (config.mc_login and config.mc_password):
            real_mc(config)
        return _FakeMobileCommons(accounts, config)

    monkeypatch.setattr(anmc_services, "action_network_client", action_network_client)
    monkeypatch.setattr(anmc_services, "mobile_commons_client", mobile_commons_client)
    return accounts
