"""The action processor, `POST /rest/v1/action/`: what submitting a host or signup page does.

From ActionKit's "Generic Action Processing", "Add An Event To A Campaign" and "Add A Signup To
An Event": `page` (short name) and `email` are required; the user is matched by email or created
(`created_user`); on an event-create page the event is created in the page's campaign from the
`event_*` fields (the start as three fields, validated to be in the future and within the
campaign's maximum size) and the action taker becomes its host; on a signup page the user is
signed up for `event_id`. Like ActionKit's processor, acting on a page subscribes the user to the
page's mailing list unless the action says `suppress_subscribe` (a true value); the answer's
`subscribed_user` says whether this action put the user on the list. Choices where the
documentation is silent are listed in README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from .models import (
    Action,
    Event,
    EventField,
    EventSignup,
    EventStatus,
    MailingList,
    Page,
    PageType,
    SignupRole,
    SignupStatus,
    User,
)
from .resources import Context, Invalid, format_timestamp, parse_bool, parse_int, parse_text
from .setup import subscribe

# User fields an action may carry (ActionKit's user form fields); blank values never erase data.
USER_ACTION_FIELDS = (
    "prefix",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "address1",
    "address2",
    "city",
    "state",
    "region",
    "zip",
    "plus4",
    "postal",
    "country",
    "lang",
)
# The `event_<name>` fields an event-create page takes. Anything else prefixed `event_` is refused,
# so that a misspelt field is an error here rather than silently dropped.
EVENT_TEXT_FIELDS = (
    "title",
    "venue",
    "address1",
    "address2",
    "city",
    "state",
    "region",
    "zip",
    "postal",
    "country",
    "public_description",
    "directions",
    "note_to_attendees",
)
EVENT_FLAG_FIELDS = ("is_private", "host_is_confirmed", "is_approved")
EVENT_OTHER_FIELDS = (
    "max_attendees",
    "starts_at_date",
    "starts_at_time",
    "starts_at_ampm",
    "host_ground_rules",
    "host_requirements",
)
EVENT_FIELDS = frozenset(EVENT_TEXT_FIELDS + EVENT_FLAG_FIELDS + EVENT_OTHER_FIELDS)

# The instance has no geocoder: an event's time zone comes from its US state; elsewhere the
# start is compared with the current time at UTC-12 (the last place on Earth where a day ends),
# so that an event that is in the future where it happens is never refused.
STATE_TIME_ZONES = {
    **dict.fromkeys(
        (
            "CT",
            "DE",
            "DC",
            "FL",
            "GA",
            "IN",
            "KY",
            "ME",
            "MD",
            "MA",
            "MI",
            "NH",
            "NJ",
            "NY",
            "NC",
            "OH",
            "PA",
            "RI",
            "SC",
            "VT",
            "VA",
            "WV",
        ),
        "America/New_York",
    ),
    **dict.fromkeys(
        ("AL", "AR", "IL", "IA", "KS", "LA", "MN", "MS", "MO", "NE", "ND", "OK", "SD", "TN", "TX", "WI"),
        "America/Chicago",
    ),
    **dict.fromkeys(("CO", "ID", "MT", "NM", "UT", "WY"), "America/Denver"),
    "AZ": "America/Phoenix",
    **dict.fromkeys(("CA", "NV", "OR", "WA"), "America/Los_Angeles"),
    "AK": "America/Anchorage",
    "HI": "Pacific/Honolulu",
    "PR": "America/Puerto_Rico",
    "VI": "America/St_Thomas",
    "GU": "Pacific/Guam",
    "MP": "Pacific/Saipan",
    "AS": "Pacific/Pago_Pago",
}
LATEST_ZONE = ZoneInfo("Etc/GMT+12")  # POSIX sign: this is UTC-12


def local_now(state: str, *, now: datetime | None = None) -> datetime:
    """The current wall time (naive) where an event in `state` happens."""
    zone = ZoneInfo(STATE_TIME_ZONES[state.upper()]) if state.upper() in STATE_TIME_ZONES else LATEST_ZONE
    return (now or datetime.now(UTC)).astimezone(zone).replace(tzinfo=None)


def parse_start(date: Any, time: Any, ampm: Any) -> datetime:
    """`MM/DD/YYYY`, `hh:mm` and `am`/`pm` (the event create page's three fields) as a naive wall time."""
    errors: dict[str, list[str]] = {}
    for name, value in (("event_starts_at_date", date), ("event_starts_at_time", time), ("event_starts_at_ampm", ampm)):
        if value in (None, ""):
            errors[name] = ["This field is required: the start is sent as date, time and am/pm."]
    if errors:
        raise Invalid(errors)
    date_text, time_text, ampm_text = str(date).strip(), str(time).strip(), str(ampm).strip().lower()
    if not re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", date_text):
        errors["event_starts_at_date"] = [f"'{date_text}' is not a date of the form MM/DD/YYYY."]
    if not re.fullmatch(r"\d{1,2}:\d{2}", time_text):
        errors["event_starts_at_time"] = [f"'{time_text}' is not a time of the form hh:mm."]
    if ampm_text not in ("am", "pm"):
        errors["event_starts_at_ampm"] = [f"'{ampm_text}' is not am or pm."]
    if errors:
        raise Invalid(errors)
    try:
        return datetime.strptime(f"{date_text} {time_text} {ampm_text}", "%m/%d/%Y %I:%M %p")
    except ValueError:
        raise Invalid(
            {"event_starts_at": [f"'{date_text} {time_text} {ampm_text}' is not a valid date and time."]}
        ) from None


@dataclass
class Outcome:
    """What the processor did, for the response."""

    action: Action
    redirect_url: str


def process(data: dict[str, Any], *, remote_addr: str = "") -> Outcome:
    """Validate and record one action; raises Invalid (400) without writing anything."""
    with transaction.atomic():
        page = _page(data)
        # Read before anything is written, so that a malformed value is a 400 that changes nothing.
        suppress_subscribe = parse_bool(data.get("suppress_subscribe", ""), "suppress_subscribe")
        user, created_user = _user(data)
        custom = {
            key[len("action_") :]: parse_text(value, key) for key, value in data.items() if key.startswith("action_")
        }
        source = parse_text(data.get("source"), "source", 255) or "restful_api"
        akid = parse_text(data.get("akid"), "akid", 255)
        action = Action(page=page, user=user, created_user=created_user, source=source, akid=akid, fields=custom)
        if page.type == PageType.EVENT_CREATE:
            action.type = "EventCreate"
            action.event = _create_event(page, user, data, custom)
        else:
            action.type = "EventSignup"
            action.signup = _signup(page, user, data)
        action.save()
        if not suppress_subscribe:
            action.subscribed_user = subscribe(user, page.list or MailingList.default(), action=action)
            if action.subscribed_user:
                action.save(update_fields=["subscribed_user", "updated_at"])
    redirect = f"/cms/thanks/{page.name}?action_id={action.pk}&akid={user.akid}&ar=1&rd=1"
    return Outcome(action=action, redirect_url=redirect)


def _page(data: dict[str, Any]) -> Page:
    name = parse_text(data.get("page"), "page").strip()
    if not name:
        raise Invalid({"page": ["This field is required: the short name of the page acted on."]})
    page = Page.objects.select_related("campaign").filter(name=name).first()
    if page is None:
        raise Invalid({"page": [f"No page named '{name}'."]})
    if page.status != "active":
        raise Invalid({"page": [f"The page '{name}' is not active."]})
    return page


def _user(data: dict[str, Any]) -> tuple[User, bool]:
    email = parse_text(data.get("email"), "email").strip()
    updates = {name: parse_text(data.get(name), name).strip() for name in USER_ACTION_FIELDS}
    updates = {name: value for name, value in updates.items() if value}
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Invalid({"email": [f"'{email}' is not a valid email address."]}) from None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(email=email, source=parse_text(data.get("source"), "source", 255), **updates)
            user.save()
            return user, True
    else:
        akid = parse_text(data.get("akid"), "akid").strip()
        match = re.match(r"^\.?(\d+)\.", akid)
        user = User.objects.filter(pk=int(match[1])).first() if match else None
        if user is None:
            raise Invalid({"email": ["An email address (or the akid of an existing user) is required."]})
    if updates:
        for name, value in updates.items():
            setattr(user, name, value)
        user.save()
    return user, False


def _create_event(page: Page, user: User, data: dict[str, Any], custom: dict[str, str]) -> Event:
    campaign = page.campaign
    unknown = sorted(
        key
        for key in data
        if key.startswith("event_") and key[len("event_") :] not in EVENT_FIELDS and key != "event_id"
    )
    if unknown:
        raise Invalid({key: [f"'{key}' is not a field of the event create page."] for key in unknown})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in EVENT_TEXT_FIELDS:
        try:
            values[name] = parse_text(
                data.get(f"event_{name}"), f"event_{name}", Event._meta.get_field(name).max_length
            )
        except Invalid as exc:
            errors.update(exc.errors)
    if not values.get("title", "").strip():
        errors["event_title"] = ["This field is required."]
    if not (values.get("zip") or values.get("postal") or values.get("city")):
        errors["event_zip"] = ["Give the event's ZIP/postal code or city: the address must be geocoded."]
    for name in ("host_ground_rules", "host_requirements"):
        try:
            accepted = parse_bool(data.get(f"event_{name}", ""), f"event_{name}")
        except Invalid as exc:
            errors.update(exc.errors)
            continue
        if not accepted:
            errors[f"event_{name}"] = ['The host must accept this (send "1").']
    try:
        starts_at = parse_start(
            data.get("event_starts_at_date"), data.get("event_starts_at_time"), data.get("event_starts_at_ampm")
        )
    except Invalid as exc:
        errors.update(exc.errors)
        starts_at = None
    if starts_at is not None and starts_at <= local_now(values.get("state", "")):
        errors["event_starts_at"] = [
            f"The event must start in the future ({starts_at:%m/%d/%Y %I:%M %p} has passed where it takes place)."
        ]
    try:
        max_attendees = parse_int(data.get("event_max_attendees"), "event_max_attendees")
    except Invalid as exc:
        errors.update(exc.errors)
        max_attendees = None
    if max_attendees is None:
        max_attendees = campaign.default_event_size
    elif campaign.max_event_size is not None and max_attendees > campaign.max_event_size:
        errors["event_max_attendees"] = [
            f"The maximum number of attendees is {campaign.max_event_size} for this campaign (got {max_attendees})."
        ]
    flags: dict[str, bool] = {}
    for name in EVENT_FLAG_FIELDS:
        if f"event_{name}" in data:
            try:
                flags[name] = parse_bool(data[f"event_{name}"], f"event_{name}")
            except Invalid as exc:
                errors.update(exc.errors)
    if errors:
        raise Invalid(errors)
    if values.get("zip") and not values.get("postal"):
        values["postal"] = values["zip"]
    event = Event(
        campaign=campaign,
        creator=user,
        starts_at=starts_at.replace(tzinfo=UTC) if starts_at else None,
        max_attendees=max_attendees,
        status=EventStatus.ACTIVE,
        is_private=flags.get("is_private", False),
        is_approved=flags.get("is_approved", not campaign.require_staff_approval),
        host_is_confirmed=flags.get("host_is_confirmed", not campaign.require_email_confirmation),
        **values,
    )
    event.save()
    EventSignup.objects.create(event=event, user=user, role=SignupRole.HOST, status=SignupStatus.ACTIVE)
    # Custom `action_<name>` fields of a host action become the event's custom fields (third-party
    # scripts read them back as the event's `fields`, see apis.md section 2).
    EventField.objects.bulk_create(EventField(event=event, name=name, value=value) for name, value in custom.items())
    return event


def _signup(page: Page, user: User, data: dict[str, Any]) -> EventSignup:
    if "event_id" not in data or data.get("event_id") in (None, ""):
        raise Invalid({"event_id": ["This field is required: the id of the event to sign up for."]})
    event_id = parse_int(data.get("event_id"), "event_id", nullable=False)
    if not parse_bool(data.get("event_signup_ground_rules", ""), "event_signup_ground_rules"):
        raise Invalid({"event_signup_ground_rules": ['The ground rules must be accepted (send "1").']})
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.campaign_id != page.campaign_id:
        raise Invalid({"event_id": [f"No event {event_id} in the campaign of page '{page.name}'."]})
    if event.status != EventStatus.ACTIVE:
        raise Invalid({"event_id": [f"Event {event_id} is {event.status} and takes no signups."]})
    signup, created = EventSignup.objects.get_or_create(
        event=event, user=user, role=SignupRole.ATTENDEE, defaults={"page": page, "status": SignupStatus.ACTIVE}
    )
    if not created and signup.status != SignupStatus.ACTIVE:
        # Signing up again re-activates a cancelled signup, as a person re-submitting the page would.
        signup.status = SignupStatus.ACTIVE
        signup.save(update_fields=["status", "updated_at"])
    return signup


def response_body(outcome: Outcome, ctx: Context, *, authenticated: bool, remote_addr: str = "") -> dict[str, Any]:
    """The processor's answer: everything when authenticated, the four documented keys otherwise."""
    action, user = outcome.action, outcome.action.user
    if not authenticated:
        return {"action_id": action.pk, "akid": user.akid, "rd": 1, "redirect_url": outcome.redirect_url}
    is_create = action.type == "EventCreate"
    body: dict[str, Any] = {
        "akid": user.akid,
        "created_at": format_timestamp(action.created_at),
        "created_user": action.created_user,
        "fields": action.fields,
        "id": action.pk,
        "ip_address": remote_addr,
        "is_forwarded": False,
        "link": None,
        "mailing": None,
        "opq_id": "",
        "page": ctx.uri("eventcreatepage" if is_create else "eventsignuppage", action.page_id),
        "redirect_url": outcome.redirect_url,
        "referring_mailing": None,
        "referring_user": None,
        "resource_uri": ctx.uri("eventcreateaction" if is_create else "eventsignupaction", action.pk),
        "source": action.source,
        "status": action.status,
        "subscribed_user": action.subscribed_user,
        "taf_emails_sent": None,
        "type": action.type,
        "updated_at": format_timestamp(action.updated_at),
        "user": ctx.uri("user", user.pk),
    }
    if is_create:
        body["event"] = ctx.uri("event", action.event_id)
    else:
        body["signup"] = ctx.uri("eventsignup", action.signup_id)
    return body
