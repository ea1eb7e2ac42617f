"""Mobilize -> ActionKit field mapping: pure functions from normalized Mobilize records to ActionKit payloads.

The rules are Mobilize's own published ActionKit mapping ("MobilizeAmerica ActionKit Integration",
shared/seeds/000_1ac0fb3a0af45d9d.txt); field names are the seed's. Records come in the shape of
`integrations.connectors.mobilize.records` (every documented key present, None when Mobilize left it
out). Payloads go out in the shapes of the shared contract (EventPayload, SignupPayload, UserPayload,
PhonePlan). Custom-field values are strings or None; None means "no value" (the connector does not
create such a field and blanks an existing one). Booleans become 'Yes' / 'No', as the seed says.

Nothing here does I/O, reads settings or looks at the clock: every time comes from a record, so the
same record always maps to the same payload (the ledger hashes payloads to skip unchanged records).
The independent/coordinated firewall is a legal line, so masking is decided here, field by field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers

from integrations.connectors.mobilize.records import (
    Attendance,
    Contact,
    Event,
    Person,
    Timeslot,
    is_private_address,
    primary_email,
    primary_phone,
    primary_postal_code,
)
from integrations.engine.streams import RecordError, SkipRecord

from ..firewall import AttendanceScope

# --- constants ---------------------------------------------------------------------------------

YES = "Yes"
NO = "No"
MASKED = "Masked"

# The seed: "we will use Puerto Natales, Chile when syncing the location of any virtual events that do
# not have a location in Mobilize ... far away from any locations where events can be created".
PUERTO_NATALES_CITY = "Puerto Natales"
PUERTO_NATALES_COUNTRY = "Chile"

PRIVATE_ADDRESS_LINE = "Address provided upon RSVP"
# Mobilize: "For create and update requests, the [country] field is optional and defaults to US."
DEFAULT_COUNTRY = "US"

# Mobilize gives U.S. territories their own ISO codes; the seed wants the territory's display name.
US_TERRITORY_NAMES: dict[str, str] = {
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
    # Not in the lead's list, but a U.S. territory with its own code all the same.
    "UM": "U.S. Minor Outlying Islands",
}

# The seed's event_type values, from Mobilize's enum; every other (or unknown) type is 'Other'.
EVENT_TYPE_NAMES: dict[str, str] = {
    "CANVASS": "Canvass",
    "PHONE_BANK": "Phone Bank",
    "TEXT_BANK": "Text Bank",
    "MEETING": "Meeting",
    "COMMUNITY": "Community Event",
    "FUNDRAISER": "Fundraiser",
    "MEET_GREET": "Meet-and-Greet",
    "HOUSE_PARTY": "House Party",
    "VOTER_REG": "Voter Registration",
    "TRAINING": "Training",
    "FRIEND_TO_FRIEND_OUTREACH": "Friend-to-Friend Outreach",
    "ADVOCACY_CALL": "Contact Your Representative",
    "DEBATE_WATCH_PARTY": "Debate Watch Party",
}
OTHER_EVENT_TYPE = "Other"
EVENT_TYPE_DISPLAY_NAMES: tuple[str, ...] = (*EVENT_TYPE_NAMES.values(), OTHER_EVENT_TYPE)

# accessibility_status custom field: the seed's 'Yes' / 'No' / 'Unknown' (null when unset).
ACCESSIBILITY_STATUS_VALUES: dict[str, str] = {"ACCESSIBLE": YES, "NOT_ACCESSIBLE": NO, "NOT_SURE": "Unknown"}
# ... and the "human-readable format" appended to note_to_attendees.
ACCESSIBILITY_STATUS_WORDS: dict[str, str] = {
    "ACCESSIBLE": "The venue is accessible under the Americans with Disabilities Act (ADA).",
    "NOT_ACCESSIBLE": "The venue is not accessible under the Americans with Disabilities Act (ADA).",
    "NOT_SURE": "The host is not sure whether the venue is accessible under the Americans with Disabilities Act (ADA).",
}

# Phones: the seed's source name, and ActionKit's stored value for the type it shows as "Home".
PHONE_SOURCE = "mobilizeamerica_sync"
PHONE_TYPE = "home"
PHONE_DEFAULT_REGION = "US"

UTM_MAX_LENGTH = 100
REFERRER_MAX_LENGTH = 1000
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

EVENT_STATUS_ACTIVE = "active"
SIGNUP_STATUS_ACTIVE = "active"
SIGNUP_STATUS_CANCELLED = "cancelled"
# "Additional fields we set for ActionKit validation purposes" (the seed).
HOST_VALIDATION_FIELDS: dict[str, int] = {"host_ground_rules": 1, "host_requirements": 1, "host_is_confirmed": 1}
EVENT_SIGNUP_GROUND_RULES = "1"

# --- payload shapes: the keys every payload has ------------------------------------------------

EVENT_PAYLOAD_KEYS = ("page", "email", "event", "fields")
EVENT_NATIVE_KEYS: tuple[str, ...] = (
    "title",
    "venue",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "public_description",
    "note_to_attendees",
    "is_private",
    "max_attendees",
    "status",
    "starts_at_date",
    "starts_at_time",
    "starts_at_ampm",
    "starts_at",
    "ends_at",
    *HOST_VALIDATION_FIELDS,
)
EVENT_FIELD_NAMES: tuple[str, ...] = (
    "link_to_event_information",
    "event_type",
    "shift_times",
    "is_virtual_event",
    "mobilize_timeslot",
    "mobilize_id",
    "host_name",
    "event_owning_organization",
    "host_first_name",
    "host_last_name",
    "event_contact_email",
    "event_contact_number",
    "shift_is_full",
    "created_by_volunteer_host",
    "accessibility_notes",
    "accessibility_status",
    "mobilize_event_campaign_id",
    "mobilize_event_campaign_slug",
    # Ours, not the seed's: the idempotency key (see `timeslot_key`).
    "mobilize_timeslot_id",
)
SIGNUP_PAYLOAD_KEYS = ("page", "email", "user", "phone", "signup", "fields")
SIGNUP_USER_KEYS = ("first_name", "last_name", "zip")
SIGNUP_NATIVE_KEYS = ("event_id", "attended", "status", "source", "akid", "event_signup_ground_rules")
SIGNUP_FIELD_NAMES: tuple[str, ...] = (
    "mobilize_attendance_status",
    "van_attendance_status",
    "mobilize_participation_status",
    "mobilize_signup_source",
    "created_by_volunteer_host",
    *UTM_KEYS,
    "referrer",
    "mobilize_rating",
    "mobilize_feedback",
    "mobilize_timeslot",
    "mobilize_timeslot_start",
    "mobilize_timeslot_end",
    "mobilize_override_start",
    "mobilize_override_end",
    # The seed also lists "[deprecated] event host type" with no name, values or definition; there is
    # nothing to map it from, so it is left out (mapping_table says so on the integration page).
)
USER_PAYLOAD_KEYS = ("email", "first_name", "last_name", "zip", "phone")

# --- masking: what a masked payload may hold -----------------------------------------------------

# A masked event keeps only date/time and event type (the seed); these keys carry those kept facts.
MASKED_EVENT_KEPT_KEYS = frozenset(
    {
        "starts_at_date",
        "starts_at_time",
        "starts_at_ampm",
        "starts_at",
        "ends_at",
        "event_type",
        "mobilize_timeslot",
        "mobilize_timeslot_id",
    }
)
# Every other value of a masked event is one of these constants (or our own page and placeholder email).
MASKED_EVENT_CONSTANTS: tuple[Any, ...] = (
    MASKED,
    PUERTO_NATALES_CITY,
    PUERTO_NATALES_COUNTRY,
    "",
    EVENT_STATUS_ACTIVE,
    True,
    1,
    None,
)
# A masked signup keeps first name, last name, phone, email and zip (the seed), and names our event.
MASKED_SIGNUP_KEPT_KEYS = frozenset({"email", "first_name", "last_name", "zip", "phone", "event_id"})
MASKED_SIGNUP_CONSTANTS: tuple[Any, ...] = (MASKED, SIGNUP_STATUS_ACTIVE, EVENT_SIGNUP_GROUND_RULES, False, None)


# --- interface types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionKitTarget:
    """Where the payloads go: the integration's ActionKitConfig, as plain values."""

    event_create_page: str
    event_signup_page: str  # "" for distributed send
    placeholder_email: str
    distributed_send: bool


@dataclass(frozen=True)
class PhonePlan:
    """What to do with a user's ActionKit phones: create one, update one, or nothing."""

    action: str  # "create" | "update" | "none"
    phone_id: int | None = None
    fields: dict[str, str] = field(default_factory=dict)  # phone, type, source (empty for "none")


# --- small helpers -------------------------------------------------------------------------------


def _str(value: Any) -> str:
    """A native ActionKit text field: the string stripped, "" for anything else."""
    return value.strip() if isinstance(value, str) else ""


def _text(value: Any) -> str | None:
    """A custom-field value: a non-empty stripped string, an integer as text, else None (no value)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return None


def _yes_no(value: Any) -> str | None:
    """The seed's boolean custom-field values: 'Yes' / 'No', None when Mobilize has no value."""
    if value is True:
        return YES
    if value is False:
        return NO
    return None


def _cut(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _contact_email(contact: Mapping[str, Any]) -> str:
    """The contact's email, under `email_address` or the reference's own spelling `email_adddress`.

    The connector's normaliser already folds the typo; reading both here keeps a contact that
    reaches the mapping another way (a stored record, a test literal) from losing its email.
    """
    email = _str(contact.get("email_address"))
    return email or _str(contact.get("email_adddress"))


def _split_name(name: Any) -> tuple[str | None, str | None]:
    """First word / the rest (None when absent), as the seed's host_first_name / host_last_name."""
    words = name.split() if isinstance(name, str) else []
    return (words[0] if words else None, " ".join(words[1:]) or None)


def event_type_name(event_type: str | None) -> str:
    """The seed's display name of a Mobilize event type ('Other' for any type the seed does not list)."""
    if not isinstance(event_type, str):
        return OTHER_EVENT_TYPE
    return EVENT_TYPE_NAMES.get(event_type.strip().upper(), OTHER_EVENT_TYPE)


def _event_label(event: Mapping[str, Any]) -> str:
    event_id = event.get("id")
    return f"Mobilize event {event_id}" if event_id is not None else "A Mobilize event without an id"


def _attendance_label(attendance: Mapping[str, Any]) -> str:
    attendance_id = attendance.get("id")
    if attendance_id is not None:
        return f"Mobilize attendance {attendance_id}"
    return "A Mobilize attendance (Mobilize withheld its id)"


# --- time ----------------------------------------------------------------------------------------


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


_CHECK_EVENT_ZONE = "Check the event's time zone in Mobilize."
_CHECK_FALLBACK_ZONE = "Check the time zone the sync uses when Mobilize withholds an event's (the organization's)."


def _zone(name: Any, whose: str, hint: str = _CHECK_EVENT_ZONE) -> tzinfo:
    """The time zone named by a record; RecordError naming it when it is not a known tz database name."""
    if not isinstance(name, str) or name not in _known_timezones():
        raise RecordError(
            f"{whose} has the time zone {name!r}, which is not a known time zone name, so its times "
            f"cannot be written to ActionKit. {hint}"
        )
    return ZoneInfo(name)


def _local(timestamp: Any, zone: tzinfo, what: str) -> datetime:
    """A Mobilize Unix timestamp as an aware datetime in `zone`."""
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise RecordError(f"{what} has no valid Unix timestamp ({timestamp!r}), so it cannot be placed in time.")
    try:
        return datetime.fromtimestamp(timestamp, tz=zone)
    except (OverflowError, OSError, ValueError):
        raise RecordError(f"{what} has the timestamp {timestamp}, which is out of range.") from None


def _iso(moment: datetime) -> str:
    """The seed's format, e.g. 2018-07-29T22:00:00-04:00 (the offset of the zone at that moment)."""
    return moment.isoformat(timespec="seconds")


def _wall(moment: datetime) -> str:
    """Local wall time as ActionKit's starts_at / ends_at: YYYY-MM-DDTHH:MM:SS, no offset."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def _shift(start: datetime, end: datetime) -> str:
    """The seed's shift format: [start, end]."""
    return f"[{_iso(start)}, {_iso(end)}]"


def _timeslot_times(timeslot: Mapping[str, Any], zone: tzinfo, whose: str) -> tuple[datetime, datetime]:
    """A timeslot's start and end in `zone`; RecordError when either is missing."""
    what = f"Timeslot {timeslot.get('id')} of {whose}" if timeslot.get("id") is not None else f"A timeslot of {whose}"
    start = _local(timeslot.get("start_date"), zone, f"{what} (start)")
    end = _local(timeslot.get("end_date"), zone, f"{what} (end)")
    return start, end


def _start_fields(start: datetime, end: datetime) -> dict[str, str]:
    """ActionKit's start time as the event-create page takes it, plus the low-level wall times."""
    hour12 = start.hour % 12 or 12
    return {
        "starts_at_date": f"{start.month:02d}/{start.day:02d}/{start.year:04d}",
        "starts_at_time": f"{hour12:02d}:{start.minute:02d}",
        "starts_at_ampm": "am" if start.hour < 12 else "pm",
        "starts_at": _wall(start),
        "ends_at": _wall(end),
    }


# --- events --------------------------------------------------------------------------------------


def timeslot_key(timeslot: Timeslot) -> str:
    """The value of our custom event field `mobilize_timeslot_id` for an event made from this timeslot."""
    timeslot_id = timeslot.get("id")
    if timeslot_id is None or isinstance(timeslot_id, bool):
        raise RecordError("A Mobilize timeslot has no id, so its ActionKit event could not be found again.")
    return str(timeslot_id)


def masked_event_key(event_type: str | None, timeslot: Timeslot) -> str:
    """The `mobilize_timeslot_id` of a masked event, e.g. "masked-CANVASS-1700000000-1700003600".

    Made only from the facts a masked event keeps (event type, start, end): across the firewall
    Mobilize withholds the timeslot id, and nothing else may reach ActionKit. Signups to two events
    with the same type and times share one masked event; they are indistinguishable there anyway.
    """
    kind = event_type.strip().upper() if isinstance(event_type, str) else ""
    if not re.fullmatch(r"[A-Z0-9_]{1,64}", kind):
        kind = "OTHER"
    start, end = timeslot.get("start_date"), timeslot.get("end_date")
    for value in (start, end):
        if not isinstance(value, int) or isinstance(value, bool):
            raise RecordError(
                "A Mobilize timeslot across the firewall has no start or end time, so no masked ActionKit "
                "event can be made for its signups."
            )
    return f"masked-{kind}-{start}-{end}"


def _has_location(location: Mapping[str, Any] | None) -> bool:
    """Whether a location says where: any address line, locality, region or postal code."""
    if not location:
        return False
    lines = location.get("address_lines") or []
    return any(
        _str(value) for value in (*lines, location.get("locality"), location.get("region"), location.get("postal_code"))
    )


def _country(code: Any) -> str:
    text = _str(code)
    if not text:
        return DEFAULT_COUNTRY
    return US_TERRITORY_NAMES.get(text.upper(), text)


def _event_location(event: Mapping[str, Any]) -> dict[str, str]:
    """venue, address1, address2, city, state, zip, country of an event."""
    location = event.get("location")
    private = event.get("address_visibility") == "PRIVATE" or is_private_address(location)
    venue = "" if private else _str(_mapping(location).get("venue"))
    if event.get("is_virtual") is True and not _has_location(location):
        return {
            "venue": venue,
            "address1": "",
            "address2": "",
            "city": PUERTO_NATALES_CITY,
            "state": "",
            "zip": "",
            "country": PUERTO_NATALES_COUNTRY,
        }
    location = _mapping(location)
    lines = [*(location.get("address_lines") or []), "", ""]
    return {
        "venue": venue,
        # A private address shows neither line: line 2 (an apartment, a suite) alone still says where.
        "address1": PRIVATE_ADDRESS_LINE if private else _str(lines[0]),
        "address2": "" if private else _str(lines[1]),
        "city": _str(location.get("locality")),
        "state": _str(location.get("region")),
        "zip": _str(location.get("postal_code")),
        "country": _country(location.get("country")),
    }


def _accessibility_words(status: str) -> str:
    words = ACCESSIBILITY_STATUS_WORDS.get(status.upper())
    return words or f"Accessibility status: {status.replace('_', ' ').capitalize()}."


def _note_to_attendees(event: Mapping[str, Any], timeslot: Mapping[str, Any]) -> str:
    """The private instructions (event, then timeslot) and, for in-person events, accessibility."""
    parts: list[str] = []
    for instructions in (event.get("instructions"), timeslot.get("instructions")):
        text = _str(instructions)
        if text and text not in parts:
            parts.append(text)
    status = _str(event.get("accessibility_status"))
    if event.get("is_virtual") is not True and status:
        parts.append(f"Accessibility: {_accessibility_words(status)}")
        notes = _str(event.get("accessibility_notes"))
        if notes:
            parts.append(f"Accessibility notes: {notes}")
    return "\n\n".join(parts)


def _shift_times(event: Mapping[str, Any], zone: tzinfo, whose: str) -> str | None:
    """All the event's timeslots as newline-separated [start, end], in time order (distributed send)."""
    spans = []
    for timeslot in event.get("timeslots") or []:
        if isinstance(timeslot.get("start_date"), int) and isinstance(timeslot.get("end_date"), int):
            spans.append(_timeslot_times(timeslot, zone, whose))
    return "\n".join(_shift(start, end) for start, end in sorted(spans)) or None


def _require_page(page: str, what: str) -> str:
    if not isinstance(page, str) or not page.strip():
        raise RecordError(
            f"No ActionKit {what} page is configured for this integration: enter its short name in the "
            "integration's ActionKit settings."
        )
    return page.strip()


def event_timeslot_payload(event: Event, timeslot: Timeslot, target: ActionKitTarget) -> dict[str, Any]:
    """The EventPayload of one Mobilize timeslot (ActionKit has one event per timeslot, the seed says)."""
    whose = _event_label(event)
    if event.get("id") is None:
        raise RecordError(f"{whose} cannot be synced: Mobilize sent it without an id.")
    key = timeslot_key(timeslot)
    zone = _zone(event.get("timezone"), whose)
    start, end = _timeslot_times(timeslot, zone, whose)
    in_person = event.get("is_virtual") is not True
    max_attendees = timeslot.get("max_attendees")
    sponsor = _mapping(event.get("sponsor"))
    contact = _mapping(event.get("contact"))
    campaign = _mapping(event.get("event_campaign"))
    host_first_name, host_last_name = _split_name(contact.get("name"))
    accessibility_status = _str(event.get("accessibility_status")).upper()

    native: dict[str, Any] = {
        "title": _str(event.get("title")),
        **_event_location(event),
        "public_description": _str(event.get("description")),
        "note_to_attendees": _note_to_attendees(event, timeslot),
        "is_private": event.get("visibility") == "PRIVATE",
        # None: no limit (Mobilize sends null for no maximum).
        "max_attendees": max_attendees
        if isinstance(max_attendees, int) and not isinstance(max_attendees, bool)
        else None,
        "status": EVENT_STATUS_ACTIVE,
        **_start_fields(start, end),
        **HOST_VALIDATION_FIELDS,
    }
    fields: dict[str, str | None] = {
        "link_to_event_information": _text(event.get("browser_url")),
        "event_type": event_type_name(event.get("event_type")),
        "shift_times": _shift_times(event, zone, whose) if target.distributed_send else None,
        "is_virtual_event": NO if in_person else YES,
        "mobilize_timeslot": _shift(start, end),
        "mobilize_id": _text(event.get("id")),
        # Deprecated by the seed in favour of event_owning_organization, still filled for old reports.
        "host_name": _text(sponsor.get("name")),
        "event_owning_organization": _text(sponsor.get("name")),
        "host_first_name": host_first_name,
        "host_last_name": host_last_name,
        "event_contact_email": _contact_email(contact) or None,
        "event_contact_number": _text(contact.get("phone_number")),
        "shift_is_full": _yes_no(timeslot.get("is_full")),
        "created_by_volunteer_host": _yes_no(event.get("created_by_volunteer_host")),
        # Accessibility "is currently only recorded for in-person events" (the seed).
        "accessibility_notes": _text(event.get("accessibility_notes")) if in_person else None,
        "accessibility_status": (
            ACCESSIBILITY_STATUS_VALUES.get(accessibility_status, "Unknown")
            if in_person and accessibility_status
            else None
        ),
        "mobilize_event_campaign_id": _text(campaign.get("id")),
        "mobilize_event_campaign_slug": _text(campaign.get("slug")),
        # Not in the seed: our idempotency key. The flow finds an ActionKit event it created before by
        # this field (mobilize_id is shared by every timeslot of a Mobilize event), so a crash between
        # the ActionKit write and the ledger write never creates a second event for the same timeslot.
        "mobilize_timeslot_id": key,
    }
    return {
        "page": _require_page(target.event_create_page, "event-create"),
        "email": target.placeholder_email,
        "event": native,
        "fields": fields,
    }


def masked_event_payload(
    event_type: str | None, timeslot: Timeslot, timezone: str, target: ActionKitTarget
) -> dict[str, Any]:
    """The EventPayload of an event across the firewall that we recruited to: date/time and type only.

    Takes only the facts it may keep (the event type, the timeslot's times and the time zone to
    show them in), so nothing else about the other side's event can reach ActionKit.
    """
    key = masked_event_key(event_type, timeslot)
    zone = _zone(timezone, "A masked event", _CHECK_FALLBACK_ZONE)
    # Only the times are read from the timeslot (Mobilize withholds its id across the firewall).
    times = {"start_date": timeslot.get("start_date"), "end_date": timeslot.get("end_date")}
    start, end = _timeslot_times(times, zone, "a masked event")
    native: dict[str, Any] = {
        "title": MASKED,
        "venue": MASKED,
        "address1": MASKED,
        "address2": "",
        "city": PUERTO_NATALES_CITY,
        "state": "",
        "zip": "",
        "country": PUERTO_NATALES_COUNTRY,
        "public_description": MASKED,
        "note_to_attendees": "",
        # Private, so the placeholder never shows on public ActionKit event pages and maps: a 'Masked'
        # event in Chile would confuse supporters, and listing it would tell the world that we recruit
        # to an event across the firewall. Signups still attach to a private event.
        "is_private": True,
        "max_attendees": None,
        "status": EVENT_STATUS_ACTIVE,
        **_start_fields(start, end),
        **HOST_VALIDATION_FIELDS,
    }
    fields: dict[str, str | None] = dict.fromkeys(EVENT_FIELD_NAMES, MASKED)
    fields.update(
        {
            "event_type": event_type_name(event_type),
            "mobilize_timeslot": _shift(start, end),
            # shift_times belongs to distributed send, which syncs no signups and so never masks.
            "shift_times": None,
            "mobilize_timeslot_id": key,
        }
    )
    return {
        "page": _require_page(target.event_create_page, "event-create"),
        "email": target.placeholder_email,
        "event": native,
        "fields": fields,
    }


# --- attendances -----------------------------------------------------------------------------------


def _query_value(url: str | None, name: str) -> str | None:
    """The first non-empty value of a query parameter of a URL, or None."""
    if not url:
        return None
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    values = [value.strip() for value in parse_qs(query).get(name, []) if value.strip()]
    return values[0] if values else None


def _attendance_status(attended: Any, status: str | None) -> str | None:
    """The seed's mobilize_attendance_status: ATTENDED / CANCELLED / NO_SHOW, else the signup status."""
    if attended is True:
        return "ATTENDED"
    if status == "CANCELLED":
        return "CANCELLED"
    if attended is False:
        return "NO_SHOW"
    return status


def _rating(value: Any) -> str | None:
    """mobilize_rating from the attendance's undocumented `rating` (POSITIVE / NEGATIVE)."""
    return {"POSITIVE": "Positive", "NEGATIVE": "Negative"}.get(_str(value).upper())


def _signup_person(attendance: Mapping[str, Any]) -> tuple[str, dict[str, str], str | None]:
    """The email, user fields and phone a signup keeps (masked or not)."""
    person = _mapping(attendance.get("person"))
    email = primary_email(person)
    if not email:
        # Not a failure anyone can fix: Mobilize withholds it by design, so it is skipped with the reason.
        raise SkipRecord(
            f"{_attendance_label(attendance)} is not synced: Mobilize did not share the volunteer's email "
            "address (their organization restricts sharing), and ActionKit needs an email for every signup."
        )
    user = {
        "first_name": _str(person.get("given_name")),
        "last_name": _str(person.get("family_name")),
        "zip": _str(primary_postal_code(person)),
    }
    return email, user, normalize_phone(primary_phone(person))


def signup_payload(
    attendance: Attendance,
    *,
    ak_event_id: int,
    scope: AttendanceScope,
    target: ActionKitTarget,
    fallback_timezone: str,
) -> dict[str, Any]:
    """The SignupPayload of one Mobilize attendance, masked as its scope requires.

    `fallback_timezone` places the timeslot in time when Mobilize withheld the event's time zone.
    """
    label = _attendance_label(attendance)
    if scope is AttendanceScope.NOT_OURS:
        raise SkipRecord(f"{label} is neither for our event nor recruited by us, so it is not synced.")
    if target.distributed_send:
        raise SkipRecord("Distributed-send integrations sync events only, no signups.")
    page = _require_page(target.event_signup_page, "event signup")
    email, user, phone = _signup_person(attendance)

    if scope is AttendanceScope.PROMOTED_ACROSS_FIREWALL:
        # The seed: only first name, last name, phone, email and zip survive; attended is always false.
        return {
            "page": page,
            "email": email,
            "user": user,
            "phone": phone,
            "signup": {
                "event_id": ak_event_id,
                "attended": False,
                "status": SIGNUP_STATUS_ACTIVE,
                "source": None,
                "akid": None,
                "event_signup_ground_rules": EVENT_SIGNUP_GROUND_RULES,
            },
            "fields": dict.fromkeys(SIGNUP_FIELD_NAMES, MASKED),
        }

    event = _mapping(attendance.get("event"))
    timeslot = _mapping(attendance.get("timeslot"))
    referrer = _mapping(attendance.get("referrer"))
    if scope is AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL:
        # The recruiter's feed URL and UTM tags would name the organization the seed masks. Mobilize
        # already omits the referrer of promoted signups for everyone but the promoter (changelog
        # 2023-05-11); dropping it here keeps the line should a referrer ever come through anyway.
        referrer = {}
    sponsor = attendance.get("sponsor")
    status = _text(attendance.get("status"))
    attended = attendance.get("attended")
    url = _text(referrer.get("url"))
    # Times are shown in the event's zone; Mobilize withholds it across the firewall: then the fallback.
    if event.get("timezone") is not None:
        zone_of = (event.get("timezone"), f"The event of {label}", _CHECK_EVENT_ZONE)
    else:
        zone_of = (fallback_timezone, f"{label} (its event's time zone withheld)", _CHECK_FALLBACK_ZONE)

    def moment(value: Any, what: str) -> str | None:
        if isinstance(value, str):  # undocumented fields may come already formatted
            return value.strip() or None
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        return _iso(_local(value, _zone(*zone_of), f"{label} ({what})"))

    start = moment(timeslot.get("start_date"), "timeslot start")
    end = moment(timeslot.get("end_date"), "timeslot end")
    virtual = event.get("is_virtual") is True
    fields: dict[str, str | None] = {
        "mobilize_attendance_status": _attendance_status(attended, status),
        # Deprecated by the seed (VAN's own marking): Python's spelling of the three-valued boolean.
        "van_attendance_status": "True" if attended is True else "False" if attended is False else "None",
        "mobilize_participation_status": status,
        "mobilize_signup_source": (
            MASKED
            if scope is AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL or sponsor is None
            else _text(sponsor.get("name"))
        ),
        "created_by_volunteer_host": _yes_no(event.get("created_by_volunteer_host")),
        **{key: _cut(_text(referrer.get(key)), UTM_MAX_LENGTH) for key in UTM_KEYS},
        "referrer": _cut(url, REFERRER_MAX_LENGTH),
        "mobilize_rating": _rating(attendance.get("rating")),
        "mobilize_feedback": _text(attendance.get("feedback")),
        "mobilize_timeslot": f"[{start}, {end}]" if start and end else None,
        "mobilize_timeslot_start": start,
        "mobilize_timeslot_end": end,
        # "For virtual events where the volunteer can specify a time to take the action" (the seed).
        "mobilize_override_start": moment(attendance.get("override_start_date"), "override start") if virtual else None,
        "mobilize_override_end": moment(attendance.get("override_end_date"), "override end") if virtual else None,
    }
    return {
        "page": page,
        "email": email,
        "user": user,
        "phone": phone,
        "signup": {
            "event_id": ak_event_id,
            # The seed: false when marked missed or when attendance is unknown.
            "attended": attended is True,
            # Ours, not the seed's: a cancelled Mobilize signup is cancelled in ActionKit, so that
            # ActionKit's attendee counts (and max_attendees) stay right.
            "status": SIGNUP_STATUS_CANCELLED if status == "CANCELLED" else SIGNUP_STATUS_ACTIVE,
            "source": _query_value(url, "source"),
            "akid": _query_value(url, "akid"),
            "event_signup_ground_rules": EVENT_SIGNUP_GROUND_RULES,
        },
        "fields": fields,
    }


# --- people --------------------------------------------------------------------------------------


def user_payload(person: Person) -> dict[str, Any]:
    """The UserPayload of a Mobilize person (volunteer); RecordError when Mobilize gave no email."""
    email = primary_email(person)
    if not email:
        who = person.get("user_id") or person.get("id")
        raise RecordError(
            f"Mobilize person {who} has no email address, and ActionKit identifies every user by email, "
            "so they cannot be synced."
        )
    return {
        "email": email,
        "first_name": _str(person.get("given_name")),
        "last_name": _str(person.get("family_name")),
        "zip": _str(primary_postal_code(person)),
        "phone": normalize_phone(primary_phone(person)),
    }


def host_user_payload(contact: Contact) -> dict[str, Any]:
    """The UserPayload of an event's contact (its host or organizer); SkipRecord when it has no email."""
    contact = _mapping(contact)  # type: ignore[assignment]
    email = _contact_email(contact)
    if not email:
        raise SkipRecord("The event's contact has no email address, so there is no ActionKit user to sync.")
    first_name, last_name = _split_name(contact.get("name"))
    return {
        "email": email,
        "first_name": first_name or "",
        "last_name": last_name or "",
        "zip": "",
        "phone": normalize_phone(contact.get("phone_number")),
    }


# --- phones --------------------------------------------------------------------------------------


def normalize_phone(number: str | None) -> str | None:
    """A phone number in E.164 (+12125550123) when it parses as a possible number (default region US).

    Anything else comes back as given, stripped, rather than lost; blank is None.
    """
    if not isinstance(number, str) or not number.strip():
        return None
    text = number.strip()
    try:
        parsed = phonenumbers.parse(text, PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _phone_type(phone: Mapping[str, Any]) -> str:
    # The phone resource's field is `type`; one ActionKit client sends `phone_type` (shared/apis.md).
    return _str(phone.get("type", phone.get("phone_type"))).lower()


def plan_phone(number: str | None, existing: Sequence[Mapping[str, Any]]) -> PhonePlan:
    """Decide the seed's phone rule from the ActionKit user's existing phones.

    Our own (source mobilizeamerica_sync) phone is updated; failing that, a phone with the same
    number is matched and left alone; failing that, a new phone is created.
    """
    wanted = normalize_phone(number)
    if wanted is None:
        return PhonePlan("none")
    fields = {"phone": wanted, "type": PHONE_TYPE, "source": PHONE_SOURCE}
    phones = [phone for phone in existing if isinstance(phone, Mapping)]
    ours = [phone for phone in phones if _str(phone.get("source")) == PHONE_SOURCE]
    if ours:
        # Of several of our phones, the one already holding the number (else the first) is ours.
        phone = next((p for p in ours if normalize_phone(p.get("phone")) == wanted), ours[0])
        if normalize_phone(phone.get("phone")) == wanted and _phone_type(phone) == PHONE_TYPE:
            return PhonePlan("none", phone.get("id"))
        return PhonePlan("update", phone.get("id"), fields)
    match = next((phone for phone in phones if normalize_phone(phone.get("phone")) == wanted), None)
    if match is not None:
        return PhonePlan("none", match.get("id"))
    return PhonePlan("create", None, fields)


# --- the admin page's mapping table ------------------------------------------------------------------

_EVENT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("(integration setting)", "event.page", "The event-create page short name of the ActionKit campaign."),
    ("(integration setting)", "event.email", "The placeholder email for events (events have no person)."),
    ("event.title", "event.title", "As in Mobilize."),
    ("event.location.venue", "event.venue", "As in Mobilize; empty when the address is private."),
    (
        "event.location.address_lines[0]",
        "event.address1",
        f"Line 1 of the address; '{PRIVATE_ADDRESS_LINE}' when the address is private.",
    ),
    ("event.location.address_lines[1]", "event.address2", "Line 2 of the address; empty when the address is private."),
    (
        "event.location.locality",
        "event.city",
        f"The city; '{PUERTO_NATALES_CITY}' for virtual events without a location.",
    ),
    ("event.location.region", "event.state", "The state; empty for virtual events without a location."),
    ("event.location.postal_code", "event.zip", "The zip code; empty for virtual events without a location."),
    (
        "event.location.country",
        "event.country",
        "The country code (US when missing); U.S. territories by name (e.g. Puerto Rico); "
        f"'{PUERTO_NATALES_COUNTRY}' for virtual events without a location.",
    ),
    ("event.description", "event.public_description", "The public description."),
    (
        "event.instructions, timeslot.instructions, event.accessibility_status, event.accessibility_notes",
        "event.note_to_attendees",
        "The private instructions; for in-person events, the accessibility status in words and the notes.",
    ),
    ("event.visibility", "event.is_private", "True when the event is PRIVATE."),
    ("timeslot.max_attendees", "event.max_attendees", "The timeslot's capacity; none for no limit."),
    ("(timeslot deleted)", "event.status", "'active'; 'deleted' when the timeslot was deleted in Mobilize."),
    ("timeslot.start_date", "event.starts_at_date", "MM/DD/YYYY in the event's time zone."),
    ("timeslot.start_date", "event.starts_at_time", "hh:mm (12-hour clock) in the event's time zone."),
    ("timeslot.start_date", "event.starts_at_ampm", "am or pm."),
    ("timeslot.start_date", "event.starts_at", "YYYY-MM-DDTHH:MM:SS, local time of the event."),
    ("timeslot.end_date", "event.ends_at", "YYYY-MM-DDTHH:MM:SS, local time of the event."),
    ("(constant)", "event.host_ground_rules", "1 (ActionKit validation)."),
    ("(constant)", "event.host_requirements", "1 (ActionKit validation)."),
    ("(constant)", "event.host_is_confirmed", "1 (ActionKit validation)."),
    ("event.browser_url", "eventfield.link_to_event_information", "Link to the Mobilize signup page."),
    (
        "event.event_type",
        "eventfield.event_type",
        f"One of: {', '.join(EVENT_TYPE_DISPLAY_NAMES)} (Other for every other type).",
    ),
    ("event.is_virtual", "eventfield.is_virtual_event", "'Yes' or 'No'."),
    (
        "timeslot.start_date, timeslot.end_date",
        "eventfield.mobilize_timeslot",
        "[start, end], ISO 8601 with the offset of the event's time zone.",
    ),
    ("event.id", "eventfield.mobilize_id", "The Mobilize event id (shared by all its timeslots)."),
    ("event.sponsor.name", "eventfield.host_name", "Deprecated: the owning organization's name."),
    ("event.sponsor.name", "eventfield.event_owning_organization", "The owning organization's name."),
    ("event.contact.name", "eventfield.host_first_name", "The contact's first word of name."),
    ("event.contact.name", "eventfield.host_last_name", "The rest of the contact's name."),
    ("event.contact.email_address", "eventfield.event_contact_email", "As in Mobilize."),
    ("event.contact.phone_number", "eventfield.event_contact_number", "As in Mobilize."),
    ("timeslot.is_full", "eventfield.shift_is_full", "'Yes' or 'No'."),
    ("event.created_by_volunteer_host", "eventfield.created_by_volunteer_host", "'Yes' or 'No'."),
    ("event.accessibility_notes", "eventfield.accessibility_notes", "In-person events only."),
    (
        "event.accessibility_status",
        "eventfield.accessibility_status",
        "'Yes' (ACCESSIBLE), 'No' (NOT_ACCESSIBLE), 'Unknown' (NOT_SURE); in-person events only.",
    ),
    ("event.event_campaign.id", "eventfield.mobilize_event_campaign_id", "Empty when not from an event campaign."),
    ("event.event_campaign.slug", "eventfield.mobilize_event_campaign_slug", "Empty when not from an event campaign."),
    (
        "timeslot.id",
        "eventfield.mobilize_timeslot_id",
        "Ours: how the sync finds the ActionKit event it made for a timeslot.",
    ),
)
_SHIFT_TIMES_ROW = (
    "event.timeslots",
    "eventfield.shift_times",
    "All the event's timeslots as [start, end], one per line (distributed send only).",
)
_SIGNUP_ROWS: tuple[tuple[str, str, str], ...] = (
    ("(integration setting)", "eventsignup.page", "The event signup page short name of the ActionKit campaign."),
    ("attendance.person.email_addresses", "eventsignup.email", "The email the volunteer signed up with."),
    ("attendance.person.given_name", "user.first_name", "As in Mobilize (kept when masked)."),
    ("attendance.person.family_name", "user.last_name", "As in Mobilize (kept when masked)."),
    ("attendance.person.postal_addresses", "user.zip", "As in Mobilize (kept when masked)."),
    (
        "attendance.person.phone_numbers",
        "phone.phone",
        f"E.164; source {PHONE_SOURCE}, type Home: updates our phone, else matches the same number, else creates.",
    ),
    ("attendance.timeslot", "eventsignup.event_id", "The ActionKit event of the timeslot."),
    (
        "attendance.attended",
        "eventsignup.attended",
        "True only when marked attended; false when missed, unknown or masked.",
    ),
    ("attendance.status", "eventsignup.status", "'cancelled' for CANCELLED, else 'active'."),
    ("attendance.referrer.url", "eventsignup.source", "The ?source= parameter of the signup URL."),
    ("attendance.referrer.url", "eventsignup.akid", "The ?akid= parameter of the signup URL."),
    ("(constant)", "eventsignup.event_signup_ground_rules", "'1' (ActionKit validation)."),
    (
        "attendance.attended, attendance.status",
        "eventsignupfield.mobilize_attendance_status",
        "ATTENDED, CANCELLED, NO_SHOW, else REGISTERED or CONFIRMED.",
    ),
    ("attendance.attended", "eventsignupfield.van_attendance_status", "Deprecated: 'None', 'True' or 'False'."),
    ("attendance.status", "eventsignupfield.mobilize_participation_status", "REGISTERED, CANCELLED or CONFIRMED."),
    (
        "attendance.sponsor.name",
        "eventsignupfield.mobilize_signup_source",
        "The recruiting organization; 'Masked' when it is across the firewall.",
    ),
    ("event.created_by_volunteer_host", "eventsignupfield.created_by_volunteer_host", "'Yes' or 'No'."),
    *(
        (f"attendance.referrer.{key}", f"eventsignupfield.{key}", f"Limited to {UTM_MAX_LENGTH} characters.")
        for key in UTM_KEYS
    ),
    ("attendance.referrer.url", "eventsignupfield.referrer", f"Limited to {REFERRER_MAX_LENGTH} characters."),
    ("attendance.rating", "eventsignupfield.mobilize_rating", "'Positive' or 'Negative'."),
    ("attendance.feedback", "eventsignupfield.mobilize_feedback", "The volunteer's feedback."),
    ("attendance.timeslot", "eventsignupfield.mobilize_timeslot", "[start, end] in the event's time zone."),
    ("attendance.timeslot.start_date", "eventsignupfield.mobilize_timeslot_start", "ISO 8601 with offset."),
    ("attendance.timeslot.end_date", "eventsignupfield.mobilize_timeslot_end", "ISO 8601 with offset."),
    (
        "attendance.override_start_date",
        "eventsignupfield.mobilize_override_start",
        "Virtual events only: the time the volunteer chose.",
    ),
    (
        "attendance.override_end_date",
        "eventsignupfield.mobilize_override_end",
        "Virtual events only: the time the volunteer chose.",
    ),
    (
        "(none)",
        "eventsignupfield.[deprecated] event host type",
        "Not synced: the seed lists it without a name, values or definition.",
    ),
    (
        "(firewall)",
        "masked event",
        f"An event across the firewall we recruited to keeps date/time and event type; the rest is '{MASKED}', "
        f"in {PUERTO_NATALES_CITY}, {PUERTO_NATALES_COUNTRY}, private.",
    ),
    (
        "(firewall)",
        "masked signup",
        f"Keeps first name, last name, phone, email and zip; attended false; every custom field '{MASKED}'.",
    ),
)
_USER_ROWS: tuple[tuple[str, str, str], ...] = (
    ("person.email_addresses", "user.email", "Mobilize people and dashboard users; one ActionKit user per email."),
    ("event.contact.email_address", "user.email", "The event's contact (host or organizer)."),
    ("event.contact.name", "user.first_name / user.last_name", "First word / the rest."),
)


def mapping_table(distributed_send: bool) -> list[tuple[str, str, str]]:
    """(Mobilize field, ActionKit field, rule) rows for the integration page.

    Distributed send syncs events only (with shift_times); CRM style syncs events, signups and users.
    """
    if distributed_send:
        rows = []
        for row in _EVENT_ROWS:
            rows.append(row)
            if row[1] == "eventfield.event_type":
                rows.append(_SHIFT_TIMES_ROW)
        return rows
    return [*_EVENT_ROWS, *_SIGNUP_ROWS, *_USER_ROWS]
