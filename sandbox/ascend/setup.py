"""Make an emulated Ascend account: the account and its API key, flows, members, groups; unsubscribe.

Tests, the demo and `loader.py` call these. All are idempotent: accounts are matched by name,
flows and groups by name within the account (groups by external_id when they have one), members
by phone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import resources as r
from .models import Account, Flow, Group, GroupKind, Member, SubscriptionStatus

MEMBER_ATTRS = ("first_name", "last_name", "email", "zip", "custom_fields", "opt_in_source", "opt_in_at")


def create_account(name: str, api_key: str) -> Account:
    """The active account of this name, created or given this API key."""
    account = Account.objects.filter(name=name).first() or Account(name=name)
    account.set_api_key(api_key)
    account.is_active = True
    account.save()
    return account


def create_flow(account: Account, name: str) -> Flow:
    """The account's flow of this name (created if missing)."""
    return account.flows.filter(name=name).order_by("id").first() or Flow.objects.create(account=account, name=name)


def create_group(account: Account, name: str, kind: str = GroupKind.LIST, external_id: str | None = None) -> Group:
    """The account's group with this external_id (or, without one, this name), created if missing."""
    query = account.groups.filter(external_id=external_id) if external_id else account.groups.filter(name=name)
    group = query.order_by("id").first() or Group(account=account, external_id=external_id)
    group.name = name
    group.kind = kind
    group.save()
    return group


def create_member(account: Account, phone: str, *, subscribed: bool = True, **fields: Any) -> Member:
    """The account's member with this E.164 phone, created or updated with `fields` (first_name,
    last_name, email, zip, custom_fields, opt_in_source, opt_in_at) and this subscription."""
    if not r.is_e164(phone):
        raise ValueError(f"{phone!r} is not an E.164 phone number (e.g. +12155550101).")
    unknown = set(fields) - set(MEMBER_ATTRS)
    if unknown:
        raise ValueError(f"Not member fields: {', '.join(sorted(unknown))}; use {', '.join(MEMBER_ATTRS)}.")
    if isinstance(fields.get("opt_in_at"), str):
        at: datetime | None = r.parse_iso_datetime(fields["opt_in_at"])
        if at is None:
            raise ValueError(f"opt_in_at {fields['opt_in_at']!r} is not an ISO 8601 datetime with a zone.")
        fields["opt_in_at"] = at
    member = account.members.filter(phone=phone).first() or Member(account=account, phone=phone)
    fields["subscription_status"] = SubscriptionStatus.SUBSCRIBED if subscribed else SubscriptionStatus.UNSUBSCRIBED
    changed = member.pk is None
    for attr, value in fields.items():
        changed = changed or getattr(member, attr) != value
        setattr(member, attr, value)
    if changed:  # loading the same file again leaves updated_at alone
        member.save()
    return member


def unsubscribe(account: Account, phone: str) -> Member:
    """The member texted STOP: from now on every API write touching them is a 422 `unsubscribed`.

    Raises Member.DoesNotExist when the account has no member with this phone.
    """
    member = account.members.get(phone=phone)
    member.subscription_status = SubscriptionStatus.UNSUBSCRIBED
    member.save(update_fields=["subscription_status", "updated_at"])
    return member
