"""Mobilize records as this service sees them: typed shapes and pure normalizers.

Mobilize's own documentation disagrees with itself in places (the Contact table spells
`email_adddress`, the examples `email_address`; the Location table says
`congressional_district`, the examples `congressional_district_value`) and omits fields
depending on who asks (across the independent/coordinated firewall, or without auth). The
client runs every record through these normalizers so that mapping code can rely on one shape:
every documented key is present (None when Mobilize left it out), list fields are lists, and a
location's `address_lines` always has exactly two strings. Records stay plain JSON-serialisable
dicts; keys Mobilize adds later are kept as they come.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypedDict

# --- shapes ----------------------------------------------------------------------------------


class Organization(TypedDict):
    id: int | None
    name: str | None
    slug: str | None
    is_coordinated: bool | None
    is_independent: bool | None
    race_type: str | None
    is_primary_campaign: bool | None
    state: str | None
    district: str | None
    candidate_name: str | None
    event_feed_url: str | None
    created_date: int | None
    modified_date: int | None
    org_type: str | None


class Timeslot(TypedDict):
    id: int | None
    start_date: int | None
    end_date: int | None
    max_attendees: int | None
    is_full: bool | None
    # Private instructions: only for authenticated requests about the organization's own events.
    instructions: str | None


class GeoPoint(TypedDict):
    latitude: float | None
    longitude: float | None


class Location(TypedDict):
    venue: str | None
    address_lines: list[str]  # always exactly two strings, possibly empty
    locality: str | None
    region: str | None
    country: str | None
    postal_code: str | None
    location: GeoPoint | None  # None when Mobilize's geocoding failed
    # Both spellings carry the same value (see the module docstring).
    congressional_district: str | None
    congressional_district_value: str | None
    state_leg_district: str | None
    state_leg_district_value: str | None
    state_senate_district: str | None
    state_senate_district_value: str | None


class Contact(TypedDict):
    name: str | None
    email_address: str | None  # also read from the documented typo `email_adddress`
    phone_number: str | None
    owner_user_id: int | None


class Tag(TypedDict):
    id: int | None
    name: str | None


class EventCampaign(TypedDict):
    id: int | None
    slug: str | None
    event_create_page_url: str | None


class Event(TypedDict):
    id: int | None
    title: str | None
    description: str | None
    featured_image_url: str | None
    high_priority: bool | None
    sponsor: Organization | None
    timeslots: list[Timeslot]
    location: Location | None
    timezone: str | None
    event_type: str | None
    browser_url: str | None
    created_date: int | None
    modified_date: int | None
    visibility: str | None
    address_visibility: str | None
    created_by_volunteer_host: bool | None
    is_virtual: bool | None
    virtual_action_url: str | None
    contact: Contact | None  # None for unauthenticated requests
    accessibility_status: str | None
    accessibility_notes: str | None
    tags: list[Tag]
    approval_status: str | None
    event_campaign: EventCampaign | None
    instructions: str | None


class DeletedEvent(TypedDict):
    id: int | None
    deleted_date: int | None


class EmailAddress(TypedDict):
    primary: bool | None
    address: str | None


class PhoneNumber(TypedDict):
    primary: bool | None
    number: str | None


class PostalAddress(TypedDict):
    primary: bool | None
    postal_code: str | None


class Person(TypedDict):
    id: int | None  # equal to person_id; being deprecated
    person_id: int | None  # being deprecated: null for new people
    user_id: int | None  # the canonical id
    created_date: int | None
    modified_date: int | None
    given_name: str | None
    family_name: str | None
    # Empty when the person's own organization restricts sharing (attendances of promoted events).
    email_addresses: list[EmailAddress]
    phone_numbers: list[PhoneNumber]
    postal_addresses: list[PostalAddress]
    sms_opt_in_status: str | None  # UNSPECIFIED | OPT_IN | OPT_OUT
    blocked_date: int | None


class Referrer(TypedDict):
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    url: str | None


class CustomSignupFieldValue(TypedDict):
    custom_field_id: int | None
    custom_field_name: str | None
    text_value: str | None
    boolean_value: bool | None


class Attendance(TypedDict):
    # Omitted when this organization is independent and the event's is coordinated.
    id: int | None
    created_date: int | None
    modified_date: int | None
    person: Person | None
    event: Event | None  # across the firewall only event_type is present
    timeslot: Timeslot | None
    sponsor: Organization | None
    status: str | None  # REGISTERED | CANCELLED | CONFIRMED
    attended: bool | None
    referrer: Referrer | None
    custom_signup_field_values: list[CustomSignupFieldValue]


# Documented keys of each shape, in documentation order (from the TypedDicts, so one list).
_ORGANIZATION_KEYS = tuple(Organization.__annotations__)
_TIMESLOT_KEYS = tuple(Timeslot.__annotations__)
_LOCATION_SCALAR_KEYS = ("venue", "locality", "region", "country", "postal_code")
_DISTRICT_KEYS = ("congressional_district", "state_leg_district", "state_senate_district")
_TAG_KEYS = tuple(Tag.__annotations__)
_EVENT_CAMPAIGN_KEYS = tuple(EventCampaign.__annotations__)
_REFERRER_KEYS = tuple(Referrer.__annotations__)
_CUSTOM_FIELD_KEYS = tuple(CustomSignupFieldValue.__annotations__)

PRIVATE_ADDRESS_TEXT = "This event's address is private. Sign up for more details"
# The older wording of the same sentence (Mobilize's earlier examples).
PRIVATE_ADDRESS_TEXT_OLDER = "This event address is private. Sign up for more details"


# --- normalizers -----------------------------------------------------------------------------


def _filled(record: Mapping[str, Any] | None, keys: Iterable[str]) -> dict[str, Any]:
    """A copy of `record` with every key in `keys` present (None when missing)."""
    result = dict(record or {})
    for key in keys:
        result.setdefault(key, None)
    return result


def _objects(value: Any) -> list[dict[str, Any]]:
    """A list field as a list of dicts: None becomes [], stray non-objects are dropped."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _object_or_none(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def normalize_organization(org: Mapping[str, Any] | None) -> Organization | None:
    """An Organization with every documented key; None stays None (e.g. an omitted sponsor)."""
    if not isinstance(org, Mapping):
        return None
    return _filled(org, _ORGANIZATION_KEYS)  # type: ignore[return-value]


def normalize_timeslot(timeslot: Mapping[str, Any] | None) -> Timeslot | None:
    """A Timeslot with every documented key (capacity and instructions are often absent)."""
    if not isinstance(timeslot, Mapping):
        return None
    return _filled(timeslot, _TIMESLOT_KEYS)  # type: ignore[return-value]


def _address_lines(value: Any) -> list[str]:
    """Exactly two strings, as Mobilize promises: pad short lists, fold extra lines into line 2."""
    lines = [("" if line is None else str(line)) for line in value] if isinstance(value, list | tuple) else []
    if len(lines) > 2:
        lines = [lines[0], ", ".join(line for line in lines[1:] if line)]
    return [*lines, "", ""][:2]


def normalize_location(location: Mapping[str, Any] | None) -> Location | None:
    """A Location in one shape: both district spellings, two address lines, geo point or None."""
    if not isinstance(location, Mapping):
        return None
    result = _filled(location, _LOCATION_SCALAR_KEYS)
    result["address_lines"] = _address_lines(location.get("address_lines"))
    geo = location.get("location")
    result["location"] = _filled(geo, ("latitude", "longitude")) if isinstance(geo, Mapping) else None
    for key in _DISTRICT_KEYS:
        value = location.get(key)
        if value is None:
            value = location.get(f"{key}_value")
        result[key] = value
        result[f"{key}_value"] = value
    return result  # type: ignore[return-value]


def normalize_contact(contact: Mapping[str, Any] | None) -> Contact | None:
    """A Contact exposing `email_address` whichever spelling Mobilize sent (the typo is dropped)."""
    if not isinstance(contact, Mapping):
        return None
    result = dict(contact)
    typo = result.pop("email_adddress", None)
    if result.get("email_address") is None:
        result["email_address"] = typo
    return _filled(result, ("name", "email_address", "phone_number", "owner_user_id"))  # type: ignore[return-value]


def normalize_event(event: Mapping[str, Any]) -> Event:
    """An Event with every documented key and normalized nested objects.

    Attendances across the firewall carry an event with only `event_type`: that still yields
    a full-shaped Event whose other fields are None (or [] for lists).
    """
    result = _filled(event, Event.__annotations__)
    result["sponsor"] = normalize_organization(event.get("sponsor"))
    result["timeslots"] = [normalize_timeslot(t) for t in _objects(event.get("timeslots"))]
    result["location"] = normalize_location(event.get("location"))
    result["contact"] = normalize_contact(event.get("contact"))
    result["tags"] = [_filled(tag, _TAG_KEYS) for tag in _objects(event.get("tags"))]
    campaign = _object_or_none(event.get("event_campaign"))
    result["event_campaign"] = _filled(campaign, _EVENT_CAMPAIGN_KEYS) if campaign is not None else None
    return result  # type: ignore[return-value]


def normalize_person(person: Mapping[str, Any]) -> Person:
    """A Person with every documented key; the email/phone/postal lists are always lists."""
    result = _filled(person, Person.__annotations__)
    result["email_addresses"] = [_filled(e, ("primary", "address")) for e in _objects(person.get("email_addresses"))]
    result["phone_numbers"] = [_filled(p, ("primary", "number")) for p in _objects(person.get("phone_numbers"))]
    result["postal_addresses"] = [
        _filled(a, ("primary", "postal_code")) for a in _objects(person.get("postal_addresses"))
    ]
    return result  # type: ignore[return-value]


def normalize_attendance(attendance: Mapping[str, Any]) -> Attendance:
    """An Attendance with every documented key and its person, event, timeslot, sponsor normalized."""
    result = _filled(attendance, Attendance.__annotations__)
    person = _object_or_none(attendance.get("person"))
    result["person"] = normalize_person(person) if person is not None else None
    event = _object_or_none(attendance.get("event"))
    result["event"] = normalize_event(event) if event is not None else None
    result["timeslot"] = normalize_timeslot(attendance.get("timeslot"))
    result["sponsor"] = normalize_organization(attendance.get("sponsor"))
    referrer = _object_or_none(attendance.get("referrer"))
    result["referrer"] = _filled(referrer, _REFERRER_KEYS) if referrer is not None else None
    result["custom_signup_field_values"] = [
        _filled(value, _CUSTOM_FIELD_KEYS) for value in _objects(attendance.get("custom_signup_field_values"))
    ]
    return result  # type: ignore[return-value]


def normalize_deleted_event(deleted: Mapping[str, Any]) -> DeletedEvent:
    """A DeletedEvent ({id, deleted_date})."""
    return _filled(deleted, DeletedEvent.__annotations__)  # type: ignore[return-value]


# --- helpers ---------------------------------------------------------------------------------


def _primary_value(entries: Any, field: str) -> str | None:
    """The `field` of the entry marked primary (else the first with a value), stripped; or None.

    Mobilize documents these lists as "length 1, primary always true", but says the email list
    may be empty; reading defensively costs nothing.
    """
    candidates = [entry for entry in _objects(entries) if isinstance(entry.get(field), str) and entry[field].strip()]
    if not candidates:
        return None
    primary = next((entry for entry in candidates if entry.get("primary")), candidates[0])
    return primary[field].strip()


def primary_email(person: Mapping[str, Any]) -> str | None:
    """The person's primary email address, or None when Mobilize withheld it."""
    return _primary_value(person.get("email_addresses"), "address")


def primary_phone(person: Mapping[str, Any]) -> str | None:
    """The person's primary phone number as Mobilize stores it (not reformatted), or None."""
    return _primary_value(person.get("phone_numbers"), "number")


def primary_postal_code(person: Mapping[str, Any]) -> str | None:
    """The person's primary postal (zip) code, or None."""
    return _primary_value(person.get("postal_addresses"), "postal_code")


FirewallSide = Literal["independent", "coordinated", "unknown"]


def firewall_side(org: Mapping[str, Any]) -> FirewallSide:
    """Which side of the campaign-finance firewall an organization is on.

    Decided from `is_independent` / `is_coordinated` (documented as opposites); when neither is
    true, from `org_type` INDEPENDENT / COORDINATED; when both are true or nothing says,
    "unknown", so that masking code treats the organization conservatively instead of guessing
    a legal fact.
    """
    independent, coordinated = org.get("is_independent") is True, org.get("is_coordinated") is True
    if independent and coordinated:
        return "unknown"
    if independent or coordinated:
        return "independent" if independent else "coordinated"
    org_type = str(org.get("org_type") or "").upper()
    if org_type in ("INDEPENDENT", "COORDINATED"):
        return "independent" if org_type == "INDEPENDENT" else "coordinated"
    return "unknown"


def _comparable(text: str) -> str:
    """Fold the ways the private-address sentence is written: curly quotes, case, spacing, end punctuation."""
    for curly in ("\u2019", "\u2018", "\u02bc", "\u2032", "`"):
        text = text.replace(curly, "'")
    return " ".join(text.split()).casefold().rstrip(".")


# "This event's address is private. Sign up for more details" (live data: straight apostrophe; the
# reference's tables: curly), and the older "This event address is private. Sign up for more details"
# (older examples). Only the first sentence is required: the second has changed before.
_PRIVATE_ADDRESS = re.compile(r"^this event(?:'s)? address is private(?:\.|$)")


def is_private_address(location: Mapping[str, Any] | None) -> bool:
    """Whether Mobilize hid this location's address ("This event's address is private...").

    Mobilize signals it in text, not a flag on the location: the venue and the first address
    line are replaced by that sentence, in any of the wordings it has used (see above).
    """
    if not isinstance(location, Mapping):
        return False
    lines = location.get("address_lines")
    candidates = [location.get("venue")]
    if isinstance(lines, list | tuple) and lines:
        candidates.append(lines[0])
    return any(isinstance(text, str) and _PRIVATE_ADDRESS.match(_comparable(text)) is not None for text in candidates)
