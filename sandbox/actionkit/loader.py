"""Load an emulated ActionKit instance from a JSON file (`manage.py sandbox_load actionkit FILE`).

The file (every key optional; `dump.dump()` output is also accepted):

    {
      "api_users": [{"username": "sync", "password": "..."}],
      "lists": [{"name": "Volunteers"}],
      "campaigns": [{"name": "house-parties", "title": "House parties", "max_event_size": 200,
                     "default_event_size": 50, "create_page": "house-parties_host",
                     "signup_page": "house-parties_attend"}],
      "pages": [{"name": "extra_attend", "type": "EventSignup", "campaign": "house-parties",
                 "list": "Volunteers"}],
      "users": [{"email": "a@example.com", "first_name": "Ada", "zip": "94110",
                 "phones": [{"phone": "+1 202 555 0100", "type": "mobile", "source": "import"}]}],
      "events": [{"id": 1, "campaign": "house-parties", "creator": "host@example.com",
                  "title": "...", "starts_at": "2030-05-01T18:00:00", "ends_at": null, "zip": "94110",
                  "status": "active", "fields": {"mobilize_id": "42"}}],
      "signups": [{"event": 1, "email": "a@example.com", "role": "attendee", "status": "active",
                   "attended": false, "fields": [{"name": "mobilize_attendance_status", "value": "REGISTERED"}]}],
      "subscriptions": [{"email": "a@example.com", "list": "Volunteers"}]
    }

Loading is idempotent: API users, campaigns, pages and users are matched by name or email, events
by (campaign, creator, title, starts_at), signups by (event, user, role); custom fields are replaced
by the file's rows. An event's `id` in the file is only a reference for its signups. A page
without a `list` is on the default list ("Default list"); a subscription is added with its
"subscribe" history entry (a dump's `subscription_history` and `actions` are not loaded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from sandbox.files import load_json_file, required

from .models import Campaign, Event, EventSignup, MailingList, Page, PageType, SignupRole
from .resources import EVENT_TEXT_FIELDS, USER_TEXT_FIELDS, Invalid, parse_wall_time
from .setup import _ensure_page, ensure_api_user, ensure_campaign, ensure_list, ensure_phone, ensure_user, subscribe


def load_file(path: str | Path) -> str:
    """Load the file into the sandbox's ActionKit tables; return a one-line summary."""
    return load_json_file(path, system="ActionKit", holds="api_users, campaigns, users, events...", load=load)


@transaction.atomic
def load(data: dict[str, Any]) -> dict[str, int]:
    """Load already-parsed file data; return how many of each kind were loaded."""
    counts = dict.fromkeys(
        ("API users", "lists", "campaigns", "pages", "users", "phones", "events", "signups", "subscriptions"), 0
    )
    for index, entry in enumerate(data.get("api_users") or []):
        if not entry.get("password"):
            continue  # a dump lists API users without their passwords
        ensure_api_user(required(entry, "username", f"api_users[{index}]"), entry["password"])
        counts["API users"] += 1
    for index, entry in enumerate(data.get("lists") or []):
        ensure_list(required(entry, "name", f"lists[{index}]"))
        counts["lists"] += 1
    for index, entry in enumerate(data.get("campaigns") or []):
        where = f"campaigns[{index}]"
        ensure_campaign(
            required(entry, "name", where),
            required(entry, "create_page", where),
            entry.get("signup_page") or None,
            max_attendees_cap=entry.get("max_event_size"),
            default_event_size=entry.get("default_event_size"),
            title=entry.get("title") or "",
        )
        counts["campaigns"] += 1
    for index, entry in enumerate(data.get("pages") or []):
        where = f"pages[{index}]"
        page_type = required(entry, "type", where)
        if page_type not in PageType.values:
            raise ValueError(f"{where}: type must be one of {', '.join(PageType.values)}.")
        page = _ensure_page(
            _campaign(required(entry, "campaign", where), where), entry["name"], page_type, entry.get("title", "")
        )
        if entry.get("list") and page.list.name != entry["list"]:
            page.list = _list(entry["list"], where)
            page.save()
        counts["pages"] += 1
    for index, entry in enumerate(data.get("users") or []):
        where = f"users[{index}]"
        fields = {name: entry[name] or "" for name in USER_TEXT_FIELDS if name in entry}
        user = ensure_user(required(entry, "email", where), **fields)
        counts["users"] += 1
        for phone in entry.get("phones") or []:
            ensure_phone(
                user,
                required(phone, "phone", f"{where}.phones"),
                type=phone.get("type") or "home",
                source=phone.get("source") or "",
            )
            counts["phones"] += 1
    events: dict[Any, Event] = {}
    for index, entry in enumerate(data.get("events") or []):
        event = _load_event(entry, f"events[{index}]")
        events[entry.get("id", index)] = event
        counts["events"] += 1
    for index, entry in enumerate(data.get("signups") or []):
        _load_signup(entry, f"signups[{index}]", events)
        counts["signups"] += 1
    for index, entry in enumerate(data.get("subscriptions") or []):
        where = f"subscriptions[{index}]"
        user = ensure_user(required(entry, "email", where))
        subscribe(user, _list(required(entry, "list", where), where))
        counts["subscriptions"] += 1
    return counts


def _campaign(name: str, where: str) -> Campaign:
    campaign = Campaign.objects.filter(name=name).first()
    if campaign is None:
        raise ValueError(f"{where}: no campaign named '{name}' (list it under \"campaigns\" first).")
    return campaign


def _list(name: str, where: str) -> MailingList:
    mailing_list = MailingList.objects.filter(name=name).first()
    if mailing_list is None and name == MailingList.DEFAULT_NAME:
        mailing_list = MailingList.default()
    if mailing_list is None:
        raise ValueError(f"{where}: no list named '{name}' (list it under \"lists\" first).")
    return mailing_list


def _wall_time(value: Any, where: str, key: str) -> Any:
    try:
        return parse_wall_time(value, key)
    except Invalid as exc:
        raise ValueError(f"{where}: {exc.errors[key][0]}") from None


def _replace_fields(owner: Any, fields: Any, where: str) -> None:
    rows = [{"name": k, "value": v} for k, v in fields.items()] if isinstance(fields, dict) else list(fields or [])
    wanted = [(required(row, "name", f"{where}.fields"), row.get("value") or "") for row in rows]
    if list(owner.fields.order_by("id").values_list("name", "value")) == wanted:
        return  # unchanged: keep the rows (and their ids)
    owner.fields.all().delete()
    for name, value in wanted:
        owner.fields.create(name=name, value=value)


def _load_event(entry: dict[str, Any], where: str) -> Event:
    campaign = _campaign(required(entry, "campaign", where), where)
    creator = ensure_user(entry["creator"]) if entry.get("creator") else None
    starts_at = _wall_time(entry.get("starts_at"), where, "starts_at")
    title = entry.get("title") or ""
    event = Event.objects.filter(campaign=campaign, creator=creator, title=title, starts_at=starts_at).first()
    event = event or Event(campaign=campaign, creator=creator, title=title, starts_at=starts_at)
    event.ends_at = _wall_time(entry.get("ends_at"), where, "ends_at")
    for name in EVENT_TEXT_FIELDS:
        if name in entry:
            setattr(event, name, entry[name] or "")
    for name in ("max_attendees", "is_private", "is_approved", "host_is_confirmed", "status"):
        if name in entry and entry[name] is not None:
            setattr(event, name, entry[name])
    event.save()
    if creator is not None:
        EventSignup.objects.get_or_create(event=event, user=creator, role=SignupRole.HOST)
    if "fields" in entry:
        _replace_fields(event, entry["fields"], where)
    return event


def _load_signup(entry: dict[str, Any], where: str, events: dict[Any, Event]) -> None:
    reference = required(entry, "event", where)
    event = events.get(reference)
    if event is None:
        raise ValueError(f'{where}: event {reference!r} is not the id of an event in this file\'s "events".')
    user = ensure_user(required(entry, "email", where))
    role = entry.get("role") or SignupRole.ATTENDEE
    page = Page.objects.filter(name=entry["page"]).first() if entry.get("page") else None
    signup, _ = EventSignup.objects.get_or_create(event=event, user=user, role=role)
    signup.page = page or signup.page
    signup.status = entry.get("status") or signup.status
    signup.attended = bool(entry.get("attended", signup.attended))
    signup.save()
    if "fields" in entry:
        _replace_fields(signup, entry["fields"], where)


__all__ = ["load", "load_file"]
