"""Load emulated Mobile Commons companies from a JSON file (`manage.py sandbox_load mobilecommons FILE`).

The file (every key optional; `dump.dump()` output is also accepted):

    {
      "accounts": [{"login": "mc@example.org", "password": "...", "company_key": "", "name": "Demo"}],
      "campaigns": [{"account": "Demo", "name": "Main", "active": true,
                     "opt_in_paths": [{"name": "Action Network sync"}, {"name": "Website"}]}],
      "profiles": [{"account": "Demo", "phone_number": "(202) 555-0101", "email": "...",
                    "first_name": "...", "last_name": "...", "street1": "...", "postal_code": "...",
                    "constituent_id": "...", "custom_columns": {"team": "blue"},
                    "source": {"type": "Keyword", "name": "JOIN", "campaign": "Main", "opt_in_path": "Website"},
                    "subscriptions": [{"campaign": "Main", "opt_in_path": "Website", "status": "Active"}],
                    "opted_out": false, "updated_at": "2026-12-01T09:00:00Z"}]
    }

`account` (an account's name) may be left out when the file lists exactly one account. An
account without `password` (as a dump lists them) must exist already (matched by login and
company key). Campaigns and paths are named; a subscription's `status` is `Active` or
`Opted-Out`. `opted_out: true` (or `opted_out_at`) opts the profile out. Times are ISO 8601 or
Mobile Commons' `2026-12-01 09:00:00 UTC`; a profile's `updated_at` left out is now for a new
profile and kept for an existing one. Loading is idempotent (accounts by login and company key,
campaigns and paths by name, profiles by phone, subscriptions by campaign). Welcome messages are
history: they are not loaded.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from sandbox.files import entries, load_json_file, named_account, required

from . import rules
from .models import Account, Campaign, OptInPath, Profile, Subscription, SubscriptionStatus
from .setup import add_campaign, create_account, phone_of


def load_file(path: str | Path) -> str:
    """Load the file into the sandbox's Mobile Commons tables; return a one-line summary."""
    return load_json_file(path, system="Mobile Commons", holds="accounts, campaigns, profiles", load=load)


@transaction.atomic
def load(data: dict[str, Any]) -> dict[str, int]:
    """Load already-parsed file data; return how many of each kind were loaded."""
    counts = dict.fromkeys(("accounts", "campaigns", "profiles"), 0)
    accounts: dict[str, Account] = {}
    for index, entry in enumerate(entries(data, "accounts")):
        where = f"accounts[{index}]"
        login = required(entry, "login", where)
        company_key = entry.get("company_key") or ""
        if entry.get("password"):
            account = create_account(login, entry["password"], company_key, entry.get("name") or login)
        else:
            found = Account.objects.filter(login__iexact=login, company_key=company_key).first()
            if found is None:
                raise ValueError(f"{where}: a new account needs a 'password'.")
            account = found
        accounts[account.name] = account
        counts["accounts"] += 1
    for index, entry in enumerate(entries(data, "campaigns")):
        where = f"campaigns[{index}]"
        paths = entry.get("opt_in_paths") or []
        if not isinstance(paths, list) or not all(isinstance(p, dict) and p.get("name") for p in paths):
            raise ValueError(f"{where}: 'opt_in_paths' must be a list of objects with a 'name'.")
        campaign, _ = add_campaign(
            named_account(entry, accounts, where), required(entry, "name", where), paths=tuple(p["name"] for p in paths)
        )
        active = bool(entry.get("active", True))
        if campaign.active != active:
            campaign.active = active
            campaign.save(update_fields=["active"])
        counts["campaigns"] += 1
    for index, entry in enumerate(entries(data, "profiles")):
        _load_profile(entry, accounts, f"profiles[{index}]")
        counts["profiles"] += 1
    return counts


def _time(entry: dict[str, Any], key: str, where: str) -> datetime | None:
    value = entry.get(key)
    if value in (None, ""):
        return None
    parsed = rules.parse_time(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"{where}: {key} {value!r} is not a time (ISO 8601 or 2026-12-01 09:00:00 UTC).")
    return parsed


def _path(account: Account, campaign_name: Any, path_name: Any, where: str) -> tuple[Campaign, OptInPath | None]:
    campaign = account.campaigns.filter(name=campaign_name).order_by("id").first()
    if campaign is None:
        raise ValueError(f"{where}: no campaign named {campaign_name!r} in account {account.name!r}.")
    if path_name in (None, ""):
        return campaign, None
    path = campaign.opt_in_paths.filter(name=path_name).order_by("id").first()
    if path is None:
        raise ValueError(f"{where}: no opt-in path named {path_name!r} in campaign {campaign_name!r}.")
    return campaign, path


def _load_profile(entry: dict[str, Any], accounts: dict[str, Account], where: str) -> None:
    account = named_account(entry, accounts, where)
    try:
        phone = phone_of(str(required(entry, "phone_number", where)))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    now = timezone.now()
    profile = account.profiles.filter(phone_number=phone).first()
    if profile is None:
        profile = Profile(account=account, phone_number=phone, created_at=now, updated_at=now)
    for name in rules.STANDARD_FIELDS:
        if entry.get(name) is not None:
            setattr(profile, name, str(entry[name]))
    columns = entry.get("custom_columns")
    if columns is not None:
        if not isinstance(columns, dict):
            raise ValueError(f"{where}: 'custom_columns' must be an object (column name -> value).")
        profile.custom_columns = {name: str(value) for name, value in columns.items() if value not in (None, "")}
    if entry.get("constituent_id"):
        profile.custom_columns = {**profile.custom_columns, "constituent_id": str(entry["constituent_id"])}
    source = entry.get("source")
    if isinstance(source, dict):
        profile.source_type = source.get("type") or ""
        profile.source_name = source.get("name") or ""
        profile.source_opt_in_path = None
        if source.get("campaign"):
            profile.source_opt_in_path = _path(account, source["campaign"], source.get("opt_in_path"), where)[1]
    elif profile.pk is None:
        profile.source_type, profile.source_name = rules.SOURCE_API
    profile.created_at = _time(entry, "created_at", where) or profile.created_at
    opted_out_at = _time(entry, "opted_out_at", where)
    if opted_out_at is not None or entry.get("opted_out"):
        profile.opted_out_at = opted_out_at or profile.opted_out_at or now
        profile.opted_out_source = entry.get("opted_out_source") or profile.opted_out_source or "API"
    profile.updated_at = _time(entry, "updated_at", where) or profile.updated_at
    profile.save()
    for index, sub in enumerate(entries(entry, "subscriptions")):
        _load_subscription(profile, sub, f"{where}.subscriptions[{index}]")


def _load_subscription(profile: Profile, entry: dict[str, Any], where: str) -> None:
    campaign, path = _path(profile.account, required(entry, "campaign", where), entry.get("opt_in_path"), where)
    status = entry.get("status") or SubscriptionStatus.ACTIVE
    if status not in SubscriptionStatus.values:
        raise ValueError(f"{where}: status must be one of {', '.join(SubscriptionStatus.values)}.")
    opted_out_at = _time(entry, "opted_out_at", where)
    if status == SubscriptionStatus.OPTED_OUT:
        opted_out_at = opted_out_at or profile.opted_out_at or profile.updated_at
    existing = Subscription.objects.filter(profile=profile, campaign=campaign).first()
    Subscription.objects.update_or_create(
        profile=profile,
        campaign=campaign,
        defaults={
            "opt_in_path": path,
            "status": status,
            "activated_at": _time(entry, "activated_at", where)
            or (existing.activated_at if existing else None)
            or profile.created_at,
            "opted_out_at": opted_out_at if status == SubscriptionStatus.OPTED_OUT else None,
        },
    )


__all__ = ["load", "load_file"]
