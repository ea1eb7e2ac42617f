"""Load emulated Ascend accounts from a JSON file (`manage.py sandbox_load ascend FILE`).

The file (every key optional; `dump.dump()` output is also accepted):

    {
      "accounts": [{"name": "Demo Ascend", "api_key": "sandbox-ascend-key"}],
      "flows": [{"account": "Demo Ascend", "name": "Welcome to the event"}],
      "groups": [{"account": "Demo Ascend", "name": "Volunteers", "kind": "list", "external_id": null}],
      "members": [{"account": "Demo Ascend", "phone": "+12155550103", "first_name": "Dev",
                   "last_name": "Okafor", "email": "...", "zip": "19106", "custom_fields": {},
                   "subscription_status": "unsubscribed",
                   "opt_in": {"source": "mobilize", "at": "2026-03-01T12:00:00Z"},
                   "groups": ["Volunteers"]}]
    }

`account` may be left out when the file lists exactly one account. A member's `groups` are
group names of the same account. An account without `api_key` (as a dump lists them) must exist
already. Loading is idempotent (see setup.py for how records are matched). Flow starts and
messages are history a sync makes: they are not loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from sandbox.files import entries, load_json_file, named_account, required

from .models import Account, GroupKind, GroupMembership, SubscriptionStatus
from .setup import create_account, create_flow, create_group, create_member

MEMBER_KEYS = {"first_name", "last_name", "email", "zip", "custom_fields"}


def load_file(path: str | Path) -> str:
    """Load the file into the sandbox's Ascend tables; return a one-line summary."""
    return load_json_file(path, system="Ascend", holds="accounts, flows, groups, members", load=load)


@transaction.atomic
def load(data: dict[str, Any]) -> dict[str, int]:
    """Load already-parsed file data; return how many of each kind were loaded."""
    counts = dict.fromkeys(("accounts", "flows", "groups", "members"), 0)
    accounts: dict[str, Account] = {}
    for index, entry in enumerate(entries(data, "accounts")):
        where = f"accounts[{index}]"
        name = required(entry, "name", where)
        if entry.get("api_key"):
            accounts[name] = create_account(name, entry["api_key"])
        else:
            account = Account.objects.filter(name=name).first()
            if account is None:
                raise ValueError(f"{where}: a new account needs an 'api_key'.")
            accounts[name] = account
        counts["accounts"] += 1
    for index, entry in enumerate(entries(data, "flows")):
        where = f"flows[{index}]"
        create_flow(named_account(entry, accounts, where), required(entry, "name", where))
        counts["flows"] += 1
    for index, entry in enumerate(entries(data, "groups")):
        where = f"groups[{index}]"
        kind = entry.get("kind") or GroupKind.LIST
        if kind not in GroupKind.values:
            raise ValueError(f"{where}: kind must be one of {', '.join(GroupKind.values)}.")
        create_group(
            named_account(entry, accounts, where), required(entry, "name", where), kind, entry.get("external_id")
        )
        counts["groups"] += 1
    for index, entry in enumerate(entries(data, "members")):
        _load_member(entry, accounts, f"members[{index}]")
        counts["members"] += 1
    return counts


def _load_member(entry: dict[str, Any], accounts: dict[str, Account], where: str) -> None:
    account = named_account(entry, accounts, where)
    status = entry.get("subscription_status") or SubscriptionStatus.SUBSCRIBED
    if status not in SubscriptionStatus.values:
        raise ValueError(f"{where}: subscription_status must be subscribed or unsubscribed.")
    fields = {key: entry[key] for key in MEMBER_KEYS if entry.get(key) is not None}
    opt_in = entry.get("opt_in")
    if isinstance(opt_in, dict):
        fields["opt_in_source"] = opt_in.get("source") or ""
        fields["opt_in_at"] = opt_in.get("at")
    try:
        member = create_member(
            account, required(entry, "phone", where), subscribed=status == SubscriptionStatus.SUBSCRIBED, **fields
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    for name in entry.get("groups") or []:
        group = account.groups.filter(name=name).order_by("id").first()
        if group is None:
            raise ValueError(f"{where}: no group named {name!r} in account {account.name!r}.")
        GroupMembership.objects.get_or_create(group=group, member=member)


__all__ = ["load", "load_file"]
