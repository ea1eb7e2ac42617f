"""Make an emulated ActionKit instance: API users, mailing lists, event campaigns with their pages,
users, phones and list subscriptions.

Tests, the demo and `loader.py` call these; each is idempotent ("ensure"), so running a setup twice
leaves one of everything.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from .models import (
    Action,
    ApiUser,
    Campaign,
    MailingList,
    Page,
    PageType,
    Phone,
    Subscription,
    SubscriptionChange,
    SubscriptionHistory,
    User,
)


def ensure_api_user(username: str, password: str) -> ApiUser:
    """An active API user with this password (created, or its password reset)."""
    user = ApiUser.objects.filter(username=username).first() or ApiUser(username=username)
    user.set_password(password)
    user.is_active = True
    user.save()
    return user


def _ensure_page(campaign: Campaign, name: str, page_type: str, title: str) -> Page:
    page = Page.objects.filter(name=name).first()
    if page is None:
        return Page.objects.create(name=name, type=page_type, campaign=campaign, title=title)
    if page.type != page_type or page.campaign_id != campaign.pk:
        raise ValueError(
            f"A page named '{name}' already exists ({page.get_type_display()} of campaign '{page.campaign.name}'): "
            "ActionKit page short names are unique across every campaign and page type."
        )
    return page


@transaction.atomic
def ensure_campaign(
    name: str,
    create_page: str,
    signup_page: str | None = None,
    max_attendees_cap: int | None = None,
    *,
    default_event_size: int | None = None,
    title: str = "",
) -> Campaign:
    """An event campaign with its event-create (host) page and, for CRM style, its signup page.

    `max_attendees_cap` is the campaign's maximum event size: the action processor refuses an event
    whose max_attendees is above it (None: no cap).
    """
    campaign = Campaign.objects.filter(name=name).first() or Campaign(name=name)
    campaign.title = title or campaign.title or name.replace("-", " ").replace("_", " ").title()
    campaign.max_event_size = max_attendees_cap
    campaign.default_event_size = default_event_size
    campaign.save()
    _ensure_page(campaign, create_page, PageType.EVENT_CREATE, f"{campaign.title} - Host")
    if signup_page:
        _ensure_page(campaign, signup_page, PageType.EVENT_SIGNUP, f"{campaign.title} - Attend")
    return campaign


def ensure_user(email: str, **fields: Any) -> User:
    """The user of this email (matched case-insensitively), created or updated with `fields`."""
    user = User.objects.filter(email__iexact=email).first() or User(email=email)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    return user


def ensure_phone(user: User, phone: str, *, type: str = "home", source: str = "") -> Phone:
    """A phone of the user with this number, type and source (one per number and source)."""
    existing = user.phones.filter(phone=phone, source=source).first()
    if existing is not None:
        if existing.type != type:
            existing.type = type
            existing.save()
        return existing
    return Phone.objects.create(user=user, phone=phone, type=type, source=source)


def ensure_list(name: str) -> MailingList:
    """The mailing list of this name (created if missing); "Default list" is the instance's default."""
    if name == MailingList.DEFAULT_NAME:
        return MailingList.default()
    return MailingList.objects.get_or_create(name=name)[0]


def subscribe(user: User, mailing_list: MailingList, *, action: Action | None = None) -> bool:
    """Subscribe the user to the list, as acting on a page of that list does; True if they were not on it.

    A new subscription gets a "subscribe" history entry (naming the action that made it) and makes
    the user's `subscription_status` "subscribed". Subscribing a subscriber changes nothing.
    """
    _, created = Subscription.objects.get_or_create(user=user, list=mailing_list)
    if not created:
        return False
    SubscriptionHistory.objects.create(user=user, list=mailing_list, change=SubscriptionChange.SUBSCRIBE, action=action)
    if user.subscription_status != "subscribed":
        user.subscription_status = "subscribed"
        user.save(update_fields=["subscription_status", "updated_at"])
    return True
