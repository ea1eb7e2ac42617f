"""Make an emulated Mobile Commons company, and act as the phone's owner (text JOIN, text STOP).

Tests, the demo, the admin and `loader.py` call these. The makers are idempotent: accounts are
matched by login and company key, campaigns by name within the account, opt-in paths by name
within the campaign, profiles by phone. Phones are taken in any usual spelling and stored as
digits with the country code (`(202) 555-0123` -> `12025550123`); a value that is not a phone
number is a ValueError. `text_join` and `text_stop` change profiles through rules.py, so they
obey the API's own rules (once-only opt-in, sticky opt-out).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import rules
from .models import Account, Campaign, OptInPath, Profile, Subscription, SubscriptionStatus, WelcomeMessage


def create_account(
    login: str = "mc@example.org",
    password: str = "mc-sandbox-password",  # noqa: S107 (the sandbox's well-known demo password)
    company_key: str = "",
    name: str = "Sandbox company",
) -> Account:
    """The account of this login and company key, created or given this password and name.

    With a company key, every request must send `company=<key>`.
    """
    account = Account.objects.filter(login__iexact=login, company_key=company_key).first()
    account = account or Account(login=login, company_key=company_key)
    account.set_password(password)
    account.name = name
    account.save()
    return account


def add_campaign(
    account: Account, name: str, *, paths: tuple[str, ...] = ("Web opt-in",)
) -> tuple[Campaign, list[OptInPath]]:
    """The account's (active) campaign of this name and its opt-in paths of these names, created if missing."""
    campaign = account.campaigns.filter(name=name).order_by("id").first()
    if campaign is None:
        campaign = Campaign.objects.create(account=account, name=name)
    found = []
    for path_name in paths:
        path = campaign.opt_in_paths.filter(name=path_name).order_by("id").first()
        found.append(path or OptInPath.objects.create(campaign=campaign, name=path_name))
    return campaign, found


def phone_of(phone: str) -> str:
    """The phone as stored (digits with the country code), or a ValueError."""
    normalized = rules.normalize_phone(phone)
    if normalized is None:
        raise ValueError(f"{phone!r} is not a phone number (e.g. 12025550123 or (202) 555-0123).")
    return normalized


@transaction.atomic
def add_profile(
    account: Account,
    phone: str,
    *,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    postal_code: str = "",
    constituent_id: str | None = None,
    subscribed_path: OptInPath | None = None,
    opted_out: bool = False,
    updated_at: datetime | None = None,
) -> Profile:
    """The account's profile of this phone, created or given these fields, as it would be after
    some history: `subscribed_path` makes an Active subscription to its campaign (no Welcome
    message: that happened before); `opted_out` makes the number opted out (the path's
    subscription Opted-Out, `opted_out_at` set); `constituent_id` sets that custom column;
    `updated_at` (default now) is set as given."""
    phone = phone_of(phone)
    now = timezone.now()
    profile = account.profiles.filter(phone_number=phone).first()
    if profile is None:
        profile = Profile(account=account, phone_number=phone, created_at=updated_at or now)
        if subscribed_path is not None:
            profile.source_type, profile.source_name = rules.SOURCE_WEB, subscribed_path.name
            profile.source_opt_in_path = subscribed_path
        else:
            profile.source_type, profile.source_name = rules.SOURCE_API
    profile.email, profile.first_name, profile.last_name, profile.postal_code = (
        email,
        first_name,
        last_name,
        postal_code,
    )
    if constituent_id is not None:
        profile.custom_columns = {**profile.custom_columns, "constituent_id": constituent_id}
    if opted_out:
        profile.opted_out_at = profile.opted_out_at or now
        profile.opted_out_source = profile.opted_out_source or rules.OPT_OUT_SOURCE_API
    profile.updated_at = now
    profile.save()
    if subscribed_path is not None:
        Subscription.objects.update_or_create(
            profile=profile,
            campaign_id=subscribed_path.campaign_id,
            defaults={
                "opt_in_path": subscribed_path,
                "status": SubscriptionStatus.OPTED_OUT if opted_out else SubscriptionStatus.ACTIVE,
                "activated_at": profile.created_at,
                "opted_out_at": profile.opted_out_at if opted_out else None,
            },
        )
    if opted_out:
        profile.subscriptions.filter(status=SubscriptionStatus.ACTIVE).update(
            status=SubscriptionStatus.OPTED_OUT, opted_out_at=profile.opted_out_at
        )
    if updated_at is not None:
        profile.updated_at = updated_at
        profile.save(update_fields=["updated_at"])
    return profile


def text_join(
    account: Account, phone: str, path: OptInPath, *, email: str = "", first_name: str = "", last_name: str = ""
) -> Profile:
    """The phone's owner texts the path's keyword (JOIN): the profile is created if needed (source
    Keyword), given the non-empty fields, and subscribed to the path's campaign with a Welcome
    message, unless it was ever subscribed to that campaign or opted out (the API's rules).
    `updated_at` moves: the owner texted in."""
    if path.campaign.account_id != account.pk:
        raise ValueError(f"The opt-in path {path} is not one of {account.name}'s.")
    fields = {
        name: value for name, value in (("email", email), ("first_name", first_name), ("last_name", last_name)) if value
    }
    outcome = rules.update_profile(account, phone_of(phone), fields, {}, path, source=rules.SOURCE_KEYWORD, touch=True)
    return outcome.profile


def text_stop(account: Account, phone: str) -> Profile:
    """The phone's owner texts STOP: opted out of every campaign for good (`opted_out_source`
    "Texted STOP"); a number the account did not know gets an opted-out profile. `updated_at` moves."""
    phone = phone_of(phone)
    profile = account.profiles.filter(phone_number=phone).first()
    if profile is None:
        profile = rules.update_profile(account, phone, {}, {}, source=rules.SOURCE_STOP).profile
    return rules.opt_out(profile, source=rules.OPT_OUT_SOURCE_STOP, touch=True)


def profile_by_phone(account: Account, phone: str) -> Profile | None:
    """The account's profile of this phone (any spelling), or None."""
    normalized = rules.normalize_phone(phone)
    return account.profiles.filter(phone_number=normalized).first() if normalized else None


def is_subscribed(profile: Profile) -> bool:
    """The profile has an Active subscription (to any campaign)."""
    return rules.is_subscribed(profile)


def welcomes(account: Account, phone: str | None = None) -> QuerySet[WelcomeMessage]:
    """The Welcome messages "sent" for the account (to this phone, any spelling), oldest first."""
    query = account.welcome_messages.select_related("opt_in_path__campaign").order_by("sent_at", "id")
    if phone is not None:
        query = query.filter(phone=rules.normalize_phone(phone) or phone)
    return query
