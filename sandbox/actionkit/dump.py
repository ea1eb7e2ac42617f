"""What the emulated ActionKit instance holds, as plain JSON-ready data (`manage.py sandbox_dump actionkit`).

Mailing lists, each page's list, every user's `subscription_status`, their subscriptions and the
subscription history (with the action that made each change) are in it, so that who an
integration subscribed to which list can be seen at a glance.

Custom fields are dumped as rows (`[{"id", "name", "value"}]`), not as a map: ActionKit keeps a
second row when a name is POSTed twice, and that is exactly what a dump must let one see.
The output is also a valid `loader.load_file` input (ids serve as the file's references).
"""

from __future__ import annotations

from typing import Any

from .models import (
    Action,
    ApiUser,
    Campaign,
    Event,
    EventSignup,
    MailingList,
    Page,
    PageType,
    Subscription,
    SubscriptionHistory,
    User,
)
from .resources import EVENT_TEXT_FIELDS, USER_TEXT_FIELDS, format_timestamp, format_wall_time


def _rows(rows: Any) -> list[dict[str, Any]]:
    return [{"id": row.pk, "name": row.name, "value": row.value} for row in rows.all()]


def dump() -> dict[str, Any]:
    """Every API user (names only), list, campaign, page, user with phones, event, signup, action,
    subscription and subscription change.
    """
    campaigns = []
    for campaign in Campaign.objects.prefetch_related("pages").order_by("id"):
        pages: dict[str, str] = {}
        for page in sorted(campaign.pages.all(), key=lambda p: p.pk):
            pages.setdefault(page.type, page.name)  # the first page of each type; all are under "pages"
        campaigns.append(
            {
                "id": campaign.pk,
                "name": campaign.name,
                "title": campaign.title,
                "default_event_size": campaign.default_event_size,
                "max_event_size": campaign.max_event_size,
                "create_page": pages.get(PageType.EVENT_CREATE),
                "signup_page": pages.get(PageType.EVENT_SIGNUP),
            }
        )
    lists = [{"id": m.pk, "name": m.name, "is_default": m.is_default} for m in MailingList.objects.order_by("id")]
    pages = [
        {
            "id": p.pk,
            "name": p.name,
            "title": p.title,
            "type": p.type,
            "campaign": p.campaign.name,
            "list": p.list.name if p.list else None,
            "status": p.status,
        }
        for p in Page.objects.select_related("campaign", "list").order_by("id")
    ]
    users = []
    for user in User.objects.prefetch_related("phones").order_by("id"):
        entry: dict[str, Any] = {"id": user.pk, "email": user.email}
        entry.update({name: getattr(user, name) for name in USER_TEXT_FIELDS})
        entry["subscription_status"] = user.subscription_status
        entry["created_at"] = format_timestamp(user.created_at)
        entry["phones"] = [
            {
                "id": phone.pk,
                "phone": phone.phone,
                "type": phone.type,
                "source": phone.source,
                "normalized_phone": phone.normalized_phone,
            }
            for phone in user.phones.all()
        ]
        users.append(entry)
    events = []
    for event in Event.objects.select_related("campaign", "creator").prefetch_related("fields").order_by("id"):
        entry = {
            "id": event.pk,
            "campaign": event.campaign.name,
            "creator": event.creator.email if event.creator else None,
            "title": event.title,
            "starts_at": format_wall_time(event.starts_at),
            "ends_at": format_wall_time(event.ends_at),
        }
        entry.update({name: getattr(event, name) for name in EVENT_TEXT_FIELDS})
        entry.update(
            {
                "max_attendees": event.max_attendees,
                "is_private": event.is_private,
                "is_approved": event.is_approved,
                "host_is_confirmed": event.host_is_confirmed,
                "status": event.status,
                "fields": _rows(event.fields),
            }
        )
        events.append(entry)
    signups = [
        {
            "id": signup.pk,
            "event": signup.event_id,
            "email": signup.user.email,
            "page": signup.page.name if signup.page else None,
            "role": signup.role,
            "status": signup.status,
            "attended": signup.attended,
            "fields": _rows(signup.fields),
        }
        for signup in EventSignup.objects.select_related("user", "page").prefetch_related("fields").order_by("id")
    ]
    actions = [
        {
            "id": action.pk,
            "type": action.type,
            "page": action.page.name,
            "email": action.user.email,
            "event": action.event_id,
            "signup": action.signup_id,
            "created_user": action.created_user,
            "subscribed_user": action.subscribed_user,
            "source": action.source,
            "akid": action.akid,
            "fields": action.fields,
            "created_at": format_timestamp(action.created_at),
        }
        for action in Action.objects.select_related("page", "user").order_by("id")
    ]
    subscriptions = [
        {"id": s.pk, "email": s.user.email, "list": s.list.name, "created_at": format_timestamp(s.created_at)}
        for s in Subscription.objects.select_related("user", "list").order_by("id")
    ]
    history = [
        {
            "id": h.pk,
            "email": h.user.email,
            "list": h.list.name,
            "change": h.change,
            "action": h.action_id,
            "created_at": format_timestamp(h.created_at),
        }
        for h in SubscriptionHistory.objects.select_related("user", "list").order_by("id")
    ]
    return {
        "api_users": [{"username": u.username, "is_active": u.is_active} for u in ApiUser.objects.order_by("id")],
        "lists": lists,
        "campaigns": campaigns,
        "pages": pages,
        "users": users,
        "events": events,
        "signups": signups,
        "actions": actions,
        "subscriptions": subscriptions,
        "subscription_history": history,
    }
