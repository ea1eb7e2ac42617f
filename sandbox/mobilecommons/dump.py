"""What the emulated Mobile Commons companies hold, as plain JSON-ready data
(`manage.py sandbox_dump mobilecommons`).

Accounts are listed by login, company key and name (never a password); campaigns with their
opt-in paths; profiles with their status, constituent id, custom columns, source and
subscriptions (campaigns and paths by name); and every Welcome message "sent" (which number,
which path, when). Times are written as the API writes them (`2026-12-01 09:00:00 UTC`). The
output is also a valid `loader.load` input (its accounts, which have no password, must exist
already; Welcome messages are history and are not loaded).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from . import resources as r
from .models import Account, Campaign, Profile, Subscription, WelcomeMessage


def dump() -> dict[str, Any]:
    """Every account (no password), campaign with its paths, profile and Welcome message."""
    profiles = (
        Profile.objects.select_related("account", "source_opt_in_path__campaign")
        .prefetch_related(
            Prefetch("subscriptions", queryset=Subscription.objects.select_related("campaign", "opt_in_path"))
        )
        .order_by("account_id", "id")
    )
    campaigns = Campaign.objects.select_related("account").prefetch_related("opt_in_paths").order_by("id")
    welcomes = WelcomeMessage.objects.select_related("account", "opt_in_path__campaign").order_by("id")
    return {
        "accounts": [
            {"login": a.login, "company_key": a.company_key, "name": a.name} for a in Account.objects.order_by("id")
        ],
        "campaigns": [
            {
                "account": campaign.account.name,
                "id": campaign.pk,
                "name": campaign.name,
                "active": campaign.active,
                "opt_in_paths": [
                    {"id": p.pk, "name": p.name} for p in sorted(campaign.opt_in_paths.all(), key=lambda p: p.pk)
                ],
            }
            for campaign in campaigns
        ],
        "profiles": [r.profile_data(profile) for profile in profiles],
        "welcome_messages": [r.welcome_data(welcome) for welcome in welcomes],
    }
