"""Mobilize -> PDI field mapping: pure functions from normalized Mobilize records to PDI payloads.

The rules are Mobilize's own description of its PDI integration (shared/seeds/002_696b330b3e00aa0b.txt);
PDI's field names and spellings are PDI's (docs/connectors/pdi.md). Records come in the shape of
`integrations.connectors.mobilize.records` (every documented key present, None when Mobilize left it
out). Nothing here does I/O, reads settings or looks at the clock: every time comes from a record, so
the same record always maps to the same payload (the ledger hashes payloads to skip unchanged records).

The seed's rules, as mapped here:

- One PDI event per Mobilize timeslot, in the calendar mapped from the event's type (the flow picks the
  calendar; an unmapped type is skipped with that reason, or goes to the calendar for unmapped types
  when the integration chose one). Every event in the organization's list is synced: its own and the
  events it promotes.
- Volunteers are matched to an existing PDI contact by email only; otherwise a contact is created with
  the volunteer's name, email and phone.
- Each attendance becomes an invitation on its timeslot's event, and `attended` is exactly the seed's:
  Mobilize "Completed" (attended true) -> true, "No-Show" (attended false) -> false, null -> false.

Where the seed and PDI's public record are silent, these are the choices made:

- Times. PDI takes UTC as `yyyy-MM-ddTHH:mm:ss.fffZ`; Mobilize gives Unix seconds, so the milliseconds
  are always `.000`. `isAllDay` is the string "false" (PDI's spelling): a Mobilize timeslot always has
  a start and an end time. `recurrenceType` and `recurrenceEndDateTimeUtc` are null, because each
  timeslot is its own PDI event and never a recurrence; for the same reason an invitation never
  carries `specificOcurrenceStartUtc` (PDI wants it only for one occurrence of a recurring event).
- Description. Written as Mobilize gives it (stripped), not converted: Mobilize's reference calls it
  HTML, but rewriting the text could only lose something, and PDI shows what it is given.
- Event phone and email. From the event's contact. The phone is formatted like a contact's phone
  (below) when it is a valid number; otherwise it is written as Mobilize gives it, because on an event
  it is text to read, not a number PDI dials or matches.
- Locations. An event's PDI location is found among the account's locations by `location_key`
  (its one-line address and name, case and spacing folded) or created. In person: the name is the
  venue, else the first address line, else the city; the address is one line, "address lines, City,
  ST 12345", followed by the country only outside the United States (U.S. territories count as
  inside: "San Juan, PR 00901"). A venue alone (no address line, city, state or zip) says nowhere,
  so such an event has no location.
- Private addresses. When Mobilize hides the address (the venue or an address line replaced by
  "This event's address is private. Sign up for more details", or the older "This event address
  is private...") or the event's `address_visibility` is PRIVATE, only what Mobilize still shows the
  public is written: city, state and zip, never the venue or either address line. The location is
  named "Private address (<city>)". The host's choice is kept even for our own events, whose real
  address Mobilize does show us: who can read a PDI calendar is not ours to control, so PDI never
  shows more than Mobilize shows the public. The street is never reconstructed (not from the venue,
  the second address line or the coordinates).
- Virtual events. A virtual event without a location has no PDI location (no placeholder: PDI
  needs none, and a made-up place would show on the calendar). A virtual event with a location is
  treated like an event in person: the address Mobilize gives is the only "where" there is.
- Contacts. The match key is the primary email, stripped and lower-cased (PDI's email search is
  case-insensitive). A person without an email cannot be matched or created: a RecordError says so.
  Names are written as Mobilize gives them, stripped.
- Phones. Parsed with `phonenumbers` (default region US). PDI documents no phone format; a number of
  the United States or its territories is written as its 10 national digits ("2025550123"), the
  usual form of U.S. voter-file phones, which is what a PDI account mostly holds; any other country
  keeps its country in E.164 ("+442079460958"). An extension is dropped. An invalid number is not
  written (a wrong number in a voter database is worse than none). The type is "Mobile": the number
  a volunteer gives Mobilize is the one its SMS opt-in (`sms_opt_in_status`) is about.
- Invitations. `rsvpStatus`: REGISTERED and CONFIRMED -> "Yes", CANCELLED -> "Cancelled"; any other
  status fails naming it rather than being guessed. `isConfirmed` is true only for CONFIRMED.
- The firewall. When Mobilize withholds an attendance's event or timeslot (across the independent /
  coordinated firewall it omits the attendance id and the timeslot id and reduces the event to its
  event_type), the flow writes the volunteer's contact, with what Mobilize shows, but no invitation:
  there is no timeslot to find the PDI event by, and the event is never reconstructed from the type
  and times that remain.
- Deleted timeslots and events are cancelled in PDI, not removed: PDI's documented API has no event
  delete and events have no status field, and an event's invitations are its attendance history,
  which removing the event would erase. The event keeps its times, calendar and invitations; its
  name becomes "Cancelled: <name>" (never prefixed twice) and its description starts
  "Deleted in Mobilize (<date>). ", so that it reads as cancelled in every PDI calendar view.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from integrations.connectors.mobilize.records import is_private_address, primary_email, primary_phone
from integrations.engine import RecordError, SkipRecord

# --- constants ---------------------------------------------------------------------------------

# PDI's event field is a string, not a boolean (docs/connectors/pdi.md).
IS_ALL_DAY = "false"
# Mobilize asks volunteers for a mobile number; PDI's types are Home/Work/Direct/Mobile/Fax/Other.
PHONE_TYPE = "Mobile"
PHONE_DEFAULT_REGION = "US"
# Numbers of these regions are written as 10 national digits (the United States and its territories).
US_PHONE_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM"})
# Countries whose addresses end at "City, ST 12345": the United States and its territories.
US_COUNTRY_CODES = frozenset({"US", "USA", "PR", "GU", "VI", "AS", "MP", "UM"})
US_TERRITORY_CODES = frozenset({"PR", "GU", "VI", "AS", "MP", "UM"})

RSVP_STATUS: dict[str, str] = {"REGISTERED": "Yes", "CONFIRMED": "Yes", "CANCELLED": "Cancelled"}
CONFIRMED_STATUS = "CONFIRMED"

PRIVATE_LOCATION_NAME = "Private address"
CANCELLED_PREFIX = "Cancelled: "
DELETED_PREFIX = "Deleted in Mobilize"
# "Deleted in Mobilize (2024-03-05). " or, without a date, "Deleted in Mobilize. ".
_DELETED_NOTE = re.compile(r"^Deleted in Mobilize(?: \([^)]*\))?\.(?: |$)")

EVENT_PAYLOAD_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "startDateTimeUtc",
    "endDateTimeUtc",
    "isAllDay",
    "recurrenceType",
    "recurrenceEndDateTimeUtc",
    "phone",
    "contactEmail",
    "website",
)
LOCATION_PAYLOAD_KEYS: tuple[str, ...] = ("locationName", "locationAddress")
CONTACT_PAYLOAD_KEYS: tuple[str, ...] = ("firstName", "lastName")
INVITATION_PAYLOAD_KEYS: tuple[str, ...] = ("contactId", "rsvpStatus", "isConfirmed", "attended")

# PDI's datetime format, as the property tests check it.
PDI_DATETIME_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$")


# --- small helpers -------------------------------------------------------------------------------


def _str(value: Any) -> str:
    """A text field: the string stripped, "" for anything else."""
    return value.strip() if isinstance(value, str) else ""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _event_label(event: Mapping[str, Any]) -> str:
    event_id = event.get("id")
    return f"Mobilize event {event_id}" if event_id is not None else "A Mobilize event without an id"


def _attendance_label(attendance: Mapping[str, Any]) -> str:
    attendance_id = attendance.get("id")
    if attendance_id is not None:
        return f"Mobilize attendance {attendance_id}"
    return "A Mobilize attendance (Mobilize withheld its id)"


def _person_label(person: Mapping[str, Any]) -> str:
    who = person.get("user_id") or person.get("id")
    return f"Mobilize person {who}" if who is not None else "A Mobilize person without an id"


def _contact_email_of_event(contact: Mapping[str, Any]) -> str | None:
    """The event contact's email, under `email_address` or the reference's typo `email_adddress`.

    The connector's normaliser already folds the typo; reading both keeps a contact that reaches the
    mapping another way (a stored record, a test literal) from losing its email.
    """
    return _str(contact.get("email_address")) or _str(contact.get("email_adddress")) or None


# --- times ---------------------------------------------------------------------------------------


def _utc(timestamp: int) -> datetime:
    try:
        return datetime.fromtimestamp(timestamp, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise RecordError(f"The Unix timestamp {timestamp} is out of range, so it cannot be written to PDI.") from None


def pdi_datetime(timestamp: int | None) -> str | None:
    """A Mobilize Unix timestamp as PDI's UTC datetime, "yyyy-MM-ddTHH:mm:ss.000Z"; None for no time.

    Anything but an integer (None, a bool, text) is no time; an integer outside the years 1-9999 is a
    RecordError.
    """
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        return None
    moment = _utc(timestamp)
    # Formatted by hand: strftime's %Y does not pad years before 1000 on every platform.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.000Z"
    )


def _pdi_date(timestamp: int) -> str:
    """A Unix timestamp as its UTC date, yyyy-MM-dd."""
    moment = _utc(timestamp)
    return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"


# --- events --------------------------------------------------------------------------------------


def _event_phone(number: Any) -> str | None:
    """The event's contact phone: formatted like a contact's when valid, else as Mobilize gives it."""
    text = _str(number)
    if not text:
        return None
    return _format_phone(text) or text


def event_payload(event: Mapping[str, Any], timeslot: Mapping[str, Any]) -> dict[str, Any]:
    """The PDI event of one Mobilize timeslot (the seed: "for each time slot ... an Event is created").

    The flow adds `locationId` (and `calendarId` on updates). RecordError when the event has no
    title or the timeslot no start or end: PDI requires both, and nothing else can stand in for them.
    """
    event = _mapping(event)
    timeslot = _mapping(timeslot)
    whose = _event_label(event)
    name = _str(event.get("title"))
    if not name:
        raise RecordError(f"{whose} has no title, and a PDI event needs a name. Give the event a title in Mobilize.")
    slot = f"Timeslot {timeslot.get('id')} of {whose}" if timeslot.get("id") is not None else f"A timeslot of {whose}"
    start = pdi_datetime(timeslot.get("start_date"))
    end = pdi_datetime(timeslot.get("end_date"))
    missing = [what for what, value in (("start", start), ("end", end)) if value is None]
    if missing:
        raise RecordError(f"{slot} has no {' or '.join(missing)} time, so it cannot be placed on a PDI calendar.")
    contact = _mapping(event.get("contact"))
    return {
        "name": name,
        "description": _str(event.get("description")),
        "startDateTimeUtc": start,
        "endDateTimeUtc": end,
        "isAllDay": IS_ALL_DAY,
        "recurrenceType": None,
        "recurrenceEndDateTimeUtc": None,
        "phone": _event_phone(contact.get("phone_number")),
        "contactEmail": _contact_email_of_event(contact),
        "website": _str(event.get("browser_url")) or None,
    }


def cancelled_event_payload(previous: Mapping[str, Any], deleted_at: int | None) -> dict[str, Any]:
    """What the PDI event of a deleted Mobilize timeslot or event becomes: cancelled, not removed.

    PDI's documented API has no way to delete an event and no event status, and the event's
    invitations are the volunteers' attendance history, which removing it would erase. So the event
    stays where it is, with its times, calendar, location and invitations, and says it is cancelled:
    the name gets "Cancelled: " (never twice) and the description starts "Deleted in Mobilize
    (<yyyy-MM-dd>). " (the UTC date of `deleted_at`; "Deleted in Mobilize. " when Mobilize gives none;
    just the note when the description was empty).
    Applied to a payload it already cancelled, it gives the same payload again (with the new date),
    so the ledger sees no change on reruns.
    """
    payload = dict(previous)
    name = _str(payload.get("name"))
    if not name:
        name = CANCELLED_PREFIX.strip()
    elif not name.startswith(CANCELLED_PREFIX) and name != CANCELLED_PREFIX.strip():
        name = f"{CANCELLED_PREFIX}{name}"
    description = _DELETED_NOTE.sub("", _str(payload.get("description")), count=1)
    if isinstance(deleted_at, int) and not isinstance(deleted_at, bool):
        note = f"{DELETED_PREFIX} ({_pdi_date(deleted_at)})."
    else:
        note = f"{DELETED_PREFIX}."
    payload["name"] = name
    payload["description"] = f"{note} {description}" if description else note
    return payload


# --- locations -----------------------------------------------------------------------------------


def _is_private(event: Mapping[str, Any], location: Mapping[str, Any]) -> bool:
    """Whether the address is private: the event says so, or Mobilize's sentence stands in for it.

    Mobilize puts the sentence in the venue and the first address line; it is looked for in every
    line, so that a sentence moved to line 2 can never let the street through.
    """
    if _str(event.get("address_visibility")).upper() == "PRIVATE" or is_private_address(location):
        return True
    return any(is_private_address({"address_lines": [line]}) for line in location.get("address_lines") or [])


def _has_address(location: Mapping[str, Any]) -> bool:
    """Whether a location says where: an address line, city, state or zip (a venue alone does not)."""
    lines = location.get("address_lines") or []
    return any(
        _str(value) for value in (*lines, location.get("locality"), location.get("region"), location.get("postal_code"))
    )


def _locality_parts(location: Mapping[str, Any]) -> list[str]:
    """["City", "ST 12345", "Country"]: the country only outside the United States and its territories."""
    city = _str(location.get("locality"))
    region = _str(location.get("region"))
    country = _str(location.get("country"))
    code = country.upper()
    if code in US_TERRITORY_CODES and not region:
        # A territory's code is its state in a U.S. address: "San Juan, PR 00901".
        region = code
    state_zip = " ".join(part for part in (region, _str(location.get("postal_code"))) if part)
    parts = [city, state_zip]
    if country and code not in US_COUNTRY_CODES:
        parts.append(country)
    return [part for part in parts if part]


def location_payload(event: Mapping[str, Any]) -> dict[str, str] | None:
    """The PDI location of an event ({locationName, locationAddress}), or None when it has none.

    See the module docstring for private addresses and virtual events.
    """
    event = _mapping(event)
    location = _mapping(event.get("location"))
    if not _has_address(location):
        # No location at all, or a virtual event without one: no PDI location.
        return None
    locality = _locality_parts(location)
    if _is_private(event, location):
        # Only what Mobilize shows the public: never the venue or an address line.
        if not locality:
            return None
        city = _str(location.get("locality"))
        return {
            "locationName": f"{PRIVATE_LOCATION_NAME} ({city})" if city else PRIVATE_LOCATION_NAME,
            "locationAddress": ", ".join(locality),
        }
    lines = [_str(line) for line in location.get("address_lines") or []]
    lines = [line for line in lines if line]
    address = ", ".join([*lines, *locality])
    name = _str(location.get("venue")) or (lines[0] if lines else "") or _str(location.get("locality")) or address
    return {"locationName": name, "locationAddress": address}


def _fold(text: Any) -> str:
    """Text compared loosely: Unicode-normalized, casefolded, one space between words and after commas."""
    folded = unicodedata.normalize("NFKC", _str(text)).casefold()
    folded = " ".join(folded.split())
    return re.sub(r"\s*,\s*", ", ", folded).strip(" ,")


def location_key(location: Mapping[str, Any]) -> str:
    """The key that finds an existing PDI location: its one-line address and name, folded.

    "12 Main St,  Springfield" and "12 main st, springfield" have the same key. Takes a PDI
    location (from `GET /locations`) or a `location_payload`.
    """
    location = _mapping(location)
    return f"{_fold(location.get('locationAddress'))}|{_fold(location.get('locationName'))}"


# --- contacts ------------------------------------------------------------------------------------


def contact_email(person: Mapping[str, Any]) -> str:
    """The person's primary email, stripped and lower-cased: how a PDI contact is matched (the seed).

    RecordError when Mobilize gave no email: the seed identifies volunteers by email only.
    """
    email = primary_email(_mapping(person))
    if not email:
        raise RecordError(
            f"{_person_label(_mapping(person))} has no email address, and PDI contacts are matched by email "
            "only (volunteers are identified by their email), so they cannot be synced."
        )
    return email.strip().lower()


def contact_payload(person: Mapping[str, Any]) -> dict[str, str]:
    """The PDI contact created for a volunteer no PDI contact matches by email: {firstName, lastName}.

    PDI's contact has no email or phone field; the flow adds them with `contact_email` and
    `contact_phone`. RecordError when the person has no email (see `contact_email`).
    """
    person = _mapping(person)
    contact_email(person)  # a person without an email is never created: it could never be matched again
    return {"firstName": _str(person.get("given_name")), "lastName": _str(person.get("family_name"))}


def _format_phone(text: str) -> str | None:
    """A valid number as 10 digits (U.S. and territories) or E.164 (elsewhere); None when invalid."""
    try:
        parsed = phonenumbers.parse(text, PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.region_code_for_number(parsed) in US_PHONE_REGIONS:
        return phonenumbers.national_significant_number(parsed)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    # E.164 allows 15 digits; phonenumbers' metadata takes a few longer German numbers as valid.
    return e164 if len(e164) <= 16 else None


def contact_phone(person: Mapping[str, Any]) -> str | None:
    """The person's phone for PDI: "2025550123" (U.S.), "+442079460958" (elsewhere), None when absent or invalid."""
    number = primary_phone(_mapping(person))
    return _format_phone(number) if number else None


# --- invitations ---------------------------------------------------------------------------------


def withheld_across_firewall(attendance: Mapping[str, Any]) -> bool:
    """Whether Mobilize withheld this attendance's event or timeslot (across the firewall).

    Across the independent / coordinated firewall Mobilize omits the attendance's id and its timeslot's
    id and reduces the event to its event_type. Any one of those means there is no PDI event to invite
    the volunteer to: the flow writes the contact (what Mobilize shows) but no invitation, and never
    reconstructs the event from what is left.
    """
    attendance = _mapping(attendance)
    event = _mapping(attendance.get("event"))
    timeslot = _mapping(attendance.get("timeslot"))
    return attendance.get("id") is None or event.get("id") is None or timeslot.get("id") is None


def invitation_payload(attendance: Mapping[str, Any], contact_id: int) -> dict[str, Any]:
    """The PDI invitation of one attendance, for the volunteer's PDI contact.

    `attended` is the seed's rule exactly: Mobilize attended true ("Completed") -> true, false
    ("No-Show") -> false, null -> false. `specificOcurrenceStartUtc` is left out: our PDI events are
    one per timeslot, never recurring. SkipRecord when Mobilize withheld the event (see
    `withheld_across_firewall`); RecordError for a status this mapping does not know.
    """
    attendance = _mapping(attendance)
    label = _attendance_label(attendance)
    if withheld_across_firewall(attendance):
        raise SkipRecord(
            f"{label}: Mobilize withholds its event across the firewall, so the volunteer's contact is synced "
            "but no invitation (the event is never reconstructed)."
        )
    if not _is_int(contact_id):
        raise RecordError(f"{label}: the volunteer's PDI contact is not synced yet.", retryable=True)
    status = _str(attendance.get("status")).upper()
    if status not in RSVP_STATUS:
        shown = attendance.get("status")
        raise RecordError(
            f"{label} has the status {shown!r}, which has no PDI RSVP status in this mapping "
            f"(known: {', '.join(RSVP_STATUS)})."
        )
    return {
        "contactId": contact_id,
        "rsvpStatus": RSVP_STATUS[status],
        "isConfirmed": status == CONFIRMED_STATUS,
        "attended": attendance.get("attended") is True,
    }


# --- the integration page's mapping table --------------------------------------------------------------

_EVENT_ROWS: tuple[tuple[str, str, str], ...] = (
    (
        "(the organization's event list)",
        "events synced",
        "Every event in the organization's list: the events it owns and the events it promotes, with the "
        "volunteers who signed up for them through its feed.",
    ),
    ("event.timeslots", "event", "One PDI event per Mobilize timeslot: an event with three timeslots is three."),
    (
        "event.event_type",
        "event.calendarId",
        "The PDI calendar mapped to the event type on this page. An unmapped type is skipped with that reason, "
        "or goes to the calendar for unmapped types when one is chosen; never guessed.",
    ),
    ("event.title", "event.name", "As in Mobilize; an event without a title fails with that reason."),
    ("event.description", "event.description", "As Mobilize gives it (not converted)."),
    ("timeslot.start_date", "event.startDateTimeUtc", "UTC, yyyy-MM-ddTHH:mm:ss.000Z."),
    ("timeslot.end_date", "event.endDateTimeUtc", "UTC, yyyy-MM-ddTHH:mm:ss.000Z."),
    ("(constant)", "event.isAllDay", "The string 'false' (PDI's spelling): timeslots have start and end times."),
    ("(constant)", "event.recurrenceType", "None: each timeslot is its own event, never recurring."),
    ("(constant)", "event.recurrenceEndDateTimeUtc", "None: never recurring."),
    (
        "event.contact.phone_number",
        "event.phone",
        "Formatted like contact phones when valid, else as in Mobilize; empty when absent.",
    ),
    ("event.contact.email_address", "event.contactEmail", "As in Mobilize; empty when absent."),
    ("event.browser_url", "event.website", "The Mobilize event page."),
    (
        "event.location",
        "event.locationId",
        "A PDI location with the same address and name (case and spacing ignored), else a new one.",
    ),
    (
        "event.location.venue, address_lines, locality",
        "location.locationName",
        "The venue, else the first address line, else the city; 'Private address (<city>)' when private.",
    ),
    (
        "event.location.address_lines, locality, region, postal_code, country",
        "location.locationAddress",
        "One line: 'address lines, City, ST 12345', the country only outside the U.S.",
    ),
    (
        "event.address_visibility, private address text",
        "location",
        "Private address: only city, state and zip are written; the street is never reconstructed.",
    ),
    (
        "event.is_virtual",
        "location",
        "A virtual event without a location has no PDI location; one with a location is treated like in person.",
    ),
    (
        "(timeslot or event deleted)",
        "event.name, event.description",
        "Cancelled, not removed (PDI has no event delete; invitations are the attendance history): name "
        "'Cancelled: <name>', description starting 'Deleted in Mobilize (<date>). '.",
    ),
)
_CONTACT_ROWS: tuple[tuple[str, str, str], ...] = (
    (
        "person.email_addresses",
        "contact (match)",
        "Matched to an existing PDI contact by email only (primary email, case ignored); a person without "
        "an email fails with that reason.",
    ),
    (
        "person.given_name, family_name, email_addresses, phone_numbers",
        "contact (create)",
        "No contact has the email: one is created with name, email and phone.",
    ),
    ("person.given_name", "contact.firstName", "As in Mobilize."),
    ("person.family_name", "contact.lastName", "As in Mobilize."),
    ("person.email_addresses", "contact.emails.emailAddress", "The primary email, lower-cased; primary."),
    (
        "person.phone_numbers",
        "contact.phones.phoneNumber",
        "U.S. numbers as 10 digits, others +E.164; an invalid number is not written.",
    ),
    ("(constant)", "contact.phones.phoneType", f"'{PHONE_TYPE}': Mobilize asks volunteers for a mobile number."),
)
_INVITATION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("attendance", "invitation", "One invitation per attendance, on its timeslot's PDI event."),
    ("attendance.person", "invitation.contactId", "The volunteer's PDI contact (matched by email, or created)."),
    ("attendance.status", "invitation.rsvpStatus", "REGISTERED -> Yes, CONFIRMED -> Yes, CANCELLED -> Cancelled."),
    ("attendance.status", "invitation.isConfirmed", "True for CONFIRMED, else false."),
    (
        "attendance.attended",
        "invitation.attended",
        "Completed (attended true) -> true; No-Show (attended false) -> false; null -> false.",
    ),
    ("(none)", "invitation.specificOcurrenceStartUtc", "Not sent: the events are never recurring."),
    (
        "(firewall)",
        "invitation",
        "Mobilize withholds the event across the firewall: the contact is written, no invitation, and the "
        "event is never reconstructed.",
    ),
)


def mapping_table() -> list[tuple[str, str, str]]:
    """(Mobilize field, PDI field, rule) rows for the integration page: events, contacts, invitations."""
    return [*_EVENT_ROWS, *_CONTACT_ROWS, *_INVITATION_ROWS]
