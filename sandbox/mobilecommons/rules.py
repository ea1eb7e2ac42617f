"""Mobile Commons' rules as the sandbox plays them (docs/connectors/mobilecommons.md): phones, times,
the error ids, and what changes a profile: updates keyed on the phone, once-only opt-in through an
opt-in path (with its Welcome message), sticky opt-out, the derived status.

The views (the API) and setup.py (what the phone's owner does, for tests and the admin) both
change profiles only through these functions, so both obey the same rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .models import Account, Campaign, OptInPath, Profile, Subscription, SubscriptionStatus, WelcomeMessage

# The profile fields profile_update takes by name (with their length limits); any other parameter
# that is not reserved is a custom column.
STANDARD_FIELDS: dict[str, int] = {
    "email": 254,
    "first_name": 100,
    "last_name": 100,
    "street1": 255,
    "street2": 255,
    "city": 100,
    "state": 100,
    "postal_code": 20,
    "country": 100,
}
MAX_CUSTOM_VALUE = 255  # [chosen] a custom column holds at most this many characters
MAX_CUSTOM_NAME = 100

STATUS_ACTIVE = "Active Subscriber"
STATUS_OPTED_OUT = "Opted-Out"
STATUS_NONE = "Profiles with no Subscriptions"

# How a profile came to be (its <source type=... name=...>).
SOURCE_API = ("API", "API")  # profile_update without an opt-in path
SOURCE_WEB = "Web"  # profile_update (or a sandbox helper) with an opt-in path: name = the path's
SOURCE_KEYWORD = ("Keyword", "JOIN")  # the phone's owner texted JOIN
SOURCE_STOP = ("Keyword", "STOP")  # a number the account did not know texted STOP
OPT_OUT_SOURCE_API = "API"
OPT_OUT_SOURCE_STOP = "Texted STOP"

# North American numbers: an optional 1, then an area code and an exchange that do not start with 0 or 1.
_NANP = re.compile(r"1?([2-9][0-9]{2}[2-9][0-9]{6})")
_PHONE_CHARACTERS = re.compile(r"[0-9+\-(). ]+")


class McError(Exception):
    """A `success="false"` answer (served with HTTP 200): `<error id="..." message="..."/>`."""

    def __init__(self, error_id: int, message: str) -> None:
        super().__init__(message)
        self.error_id = error_id
        self.message = message


def invalid_phone() -> McError:
    return McError(5, "Invalid phone number")


def profile_not_found() -> McError:
    return McError(5, "Profile not found")


def invalid_opt_in_path() -> McError:
    return McError(6, "Invalid opt-in path")


def missing_parameter(name: str) -> McError:
    return McError(7, f"Missing required parameter: {name}")


def invalid_parameter(name: str, why: str) -> McError:
    """[chosen] a parameter with a value the API cannot use is error 7 too (a RemoteValidationError)."""
    return McError(7, f"Invalid parameter: {name} ({why})")


def invalid_campaign() -> McError:
    return McError(8, "Invalid campaign")


# Messages of the ids `X-Sandbox-Fault: mc-error=<id>` forces.
FORCED_MESSAGES = {
    1: "Internal error",
    5: "Invalid phone number",
    6: "Invalid opt-in path",
    7: "Missing required parameter: phone_number",
    8: "Invalid campaign",
}


# --- phones and times ------------------------------------------------------------------------------


def normalize_phone(value: str | None) -> str | None:
    """The number as Mobile Commons stores it (digits with the country code), or None if it is not one.

    Any usual spelling of a US number is accepted (`(202) 555-0123`, `202.555.0123`, `+1 202 555 0123`,
    `12025550123`) and stored as 11 digits. A number written with `+` and another country code is
    kept as its 8 to 15 digits. Letters, or a US number of the wrong length, are not phone numbers.
    """
    text = (value or "").strip()
    if not text or not _PHONE_CHARACTERS.fullmatch(text) or "+" in text[1:]:
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+") and not digits.startswith("1"):
        return digits if 8 <= len(digits) <= 15 and not digits.startswith("0") else None
    match = _NANP.fullmatch(digits)
    return "1" + match.group(1) if match else None


def format_time(value: datetime | None) -> str:
    """`2026-12-01 09:00:00 UTC`, Mobile Commons' way; empty for no time."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def parse_time(value: str) -> datetime | None:
    """An aware datetime from ISO 8601 (`2026-12-01T09:00:00Z`; no zone means UTC), Mobile Commons'
    own `2026-12-01 09:00:00 UTC`, or a date (its midnight UTC); None if it is none of these."""
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[: -len(" UTC")] + "+00:00"
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            parsed = datetime.combine(day, time.min) if day else None
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- status ----------------------------------------------------------------------------------------


def profile_status(profile: Profile) -> str:
    """`Active Subscriber` (an Active subscription), `Opted-Out` (opted out, or only opted-out
    subscriptions), or `Profiles with no Subscriptions` (never subscribed)."""
    subscriptions = list(profile.subscriptions.all())
    if any(s.status == SubscriptionStatus.ACTIVE for s in subscriptions):
        return STATUS_ACTIVE
    if profile.opted_out_at is not None or subscriptions:
        return STATUS_OPTED_OUT
    return STATUS_NONE


def is_subscribed(profile: Profile) -> bool:
    """The profile has an Active subscription (to any campaign)."""
    return profile.subscriptions.filter(status=SubscriptionStatus.ACTIVE).exists()


# --- changes ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What `update_profile` did: the profile, and whether it was created, changed and subscribed."""

    profile: Profile
    created: bool
    changed: bool
    subscribed: bool


def find_opt_in_path(account: Account, value: str) -> OptInPath:
    """The account's opt-in path of this id, in an active campaign; else error 6."""
    path = None
    if value.strip().isdigit() and int(value) < 2**63:
        path = (
            OptInPath.objects.select_related("campaign")
            .filter(pk=int(value), campaign__account=account, campaign__active=True)
            .first()
        )
    if path is None:
        raise invalid_opt_in_path()
    return path


def find_campaign(account: Account, value: str) -> Campaign:
    """The account's campaign of this id; else error 8."""
    campaign = None
    if value.strip().isdigit() and int(value) < 2**63:
        campaign = account.campaigns.filter(pk=int(value)).first()
    if campaign is None:
        raise invalid_campaign()
    return campaign


def update_profile(
    account: Account,
    phone: str,
    fields: dict[str, str],
    custom: dict[str, str],
    path: OptInPath | None = None,
    *,
    source: tuple[str, str] | None = None,
    touch: bool = False,
) -> Outcome:
    """Create or update the account's profile of this (normalized) phone, as profile_update does.

    `fields` (standard fields) and `custom` (custom columns) hold only what was sent: a field sent
    empty is cleared (a custom column sent empty is removed), one not sent is left alone. `path`
    subscribes the number once only (see `subscribe`). A new profile's source is `source`, else
    the path (type Web) or the API. `updated_at` moves only when something changed, or always
    with `touch` (the phone's owner texted in).
    """
    try:
        return _update_profile(account, phone, fields, custom, path, source, touch)
    except IntegrityError:
        # Another request created this phone's profile between our read and our insert: apply
        # the same changes to theirs.
        return _update_profile(account, phone, fields, custom, path, source, touch)


@transaction.atomic
def _update_profile(
    account: Account,
    phone: str,
    fields: dict[str, str],
    custom: dict[str, str],
    path: OptInPath | None,
    source: tuple[str, str] | None,
    touch: bool,
) -> Outcome:
    now = timezone.now()
    profile = Profile.objects.select_for_update().filter(account=account, phone_number=phone).first()
    created = profile is None
    if profile is None:
        profile = Profile(account=account, phone_number=phone, created_at=now, updated_at=now)
        if source is not None:
            profile.source_type, profile.source_name = source
            profile.source_opt_in_path = path
        elif path is not None:
            profile.source_type, profile.source_name, profile.source_opt_in_path = SOURCE_WEB, path.name, path
        else:
            profile.source_type, profile.source_name = SOURCE_API
    changed = created
    for name, value in fields.items():
        changed = changed or getattr(profile, name) != value
        setattr(profile, name, value)
    columns = dict(profile.custom_columns)
    for name, value in custom.items():
        if value == "":
            columns.pop(name, None)
        else:
            columns[name] = value
    changed = changed or columns != profile.custom_columns
    profile.custom_columns = columns
    if changed or touch:
        profile.updated_at = now
        profile.save()
    subscribed = path is not None and subscribe(profile, path, now=now)
    if subscribed and not changed and not touch:
        profile.updated_at = now
        profile.save(update_fields=["updated_at"])
    return Outcome(profile, created, changed or subscribed, subscribed)


def subscribe(profile: Profile, path: OptInPath, *, now: datetime | None = None) -> bool:
    """Subscribe the number to the path's campaign and "send" the path's Welcome message, only if
    it was never subscribed to that campaign and never opted out (once-only opt-in, sticky
    opt-out). Returns whether it subscribed; does not touch the profile itself."""
    if profile.opted_out_at is not None:
        return False
    if Subscription.objects.filter(profile=profile, campaign_id=path.campaign_id).exists():
        return False
    now = now or timezone.now()
    Subscription.objects.create(
        profile=profile,
        campaign_id=path.campaign_id,
        opt_in_path=path,
        status=SubscriptionStatus.ACTIVE,
        activated_at=now,
    )
    WelcomeMessage.objects.create(
        account_id=profile.account_id, phone=profile.phone_number, opt_in_path=path, sent_at=now
    )
    return True


@transaction.atomic
def opt_out(
    profile: Profile, campaign: Campaign | None = None, *, source: str = OPT_OUT_SOURCE_API, touch: bool = False
) -> Profile:
    """Opt the number out of the campaign (or, without one, of everything): its Active
    subscriptions become Opted-Out. With no Active subscription left the profile itself is opted
    out (`opted_out_at`, `opted_out_source`), for good. `updated_at` moves when something changed,
    or always with `touch`. Returns the profile as it now is."""
    now = timezone.now()
    profile = Profile.objects.select_for_update().get(pk=profile.pk)
    active = profile.subscriptions.filter(status=SubscriptionStatus.ACTIVE)
    if campaign is not None:
        active = active.filter(campaign=campaign)
    changed = active.update(status=SubscriptionStatus.OPTED_OUT, opted_out_at=now) > 0
    everything = campaign is None or not profile.subscriptions.filter(status=SubscriptionStatus.ACTIVE).exists()
    if everything and profile.opted_out_at is None:
        profile.opted_out_at = now
        profile.opted_out_source = source
        changed = True
    if changed or touch:
        profile.updated_at = now
        profile.save()
    return profile
