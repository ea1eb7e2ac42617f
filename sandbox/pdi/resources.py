"""PDI's JSON shapes: parsing request bodies field by field and rendering the answers.

Each writable object has a list of `Field`s: the JSON name PDI uses, the model attribute, and a
parser that turns the JSON value into the stored one or raises `FieldError` with ASP.NET-style
wording. `parse_body` collects every field's error before answering, as ASP.NET's ModelState does,
so one 400 names all that is wrong with a request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import models

from .models import (
    Calendar,
    Contact,
    ContactEmail,
    ContactPhone,
    Event,
    EventActivity,
    Invitation,
    Location,
    PhoneType,
    RsvpStatus,
)

INVALID_MESSAGE = "The request is invalid."
MAX_ID = 2**63 - 1  # ids are 64-bit: a larger number names nothing (and would overflow the database)

# PDI's enums (apis.md section 3).
CONTACT_STATUSES = ("Prospect", "Active", "Inactive", "None", "")
GENDERS = ("F", "M", "U", "")
RECURRENCE_TYPES = ("daily", "weekly", "monthly")

_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?Z$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_email_validator = EmailValidator()


class Invalid(Exception):
    """A 400 in ASP.NET Web API's envelope: `{"Message": ..., "ModelState": {field: [messages]}}`."""

    def __init__(self, model_state: dict[str, list[str]], message: str = INVALID_MESSAGE) -> None:
        super().__init__(message)
        self.message = message
        self.model_state = model_state

    def body(self) -> dict[str, Any]:
        return {"Message": self.message, "ModelState": self.model_state}


class NotFound(Exception):
    """A 404 `{"Message": "No <object> with id N."}`."""

    def __init__(self, what: str, pk: Any) -> None:
        super().__init__(f"No {what} with id {pk}.")
        self.message = str(self)


class FieldError(Exception):
    """One field's value is not acceptable; the message goes into ModelState under the field's name."""


# --- formats ---------------------------------------------------------------------------------------


def format_datetime(value: datetime | None) -> str | None:
    """PDI's UTC form, `yyyy-MM-ddTHH:mm:ss.fffZ` (milliseconds, always three digits)."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse_datetime_utc(text: Any, name: str = "value") -> datetime:
    """`yyyy-MM-ddTHH:mm:ss[.f{1,7}]Z` as an aware UTC datetime (sub-microsecond digits dropped)."""
    match = _DATETIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise FieldError(f"The value '{text}' is not a valid UTC date and time (yyyy-MM-ddTHH:mm:ss.fffZ).")
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0").ljust(7, "0")[:6])
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=UTC)
    except ValueError:
        raise FieldError(f"The value '{text}' is not a valid UTC date and time (yyyy-MM-ddTHH:mm:ss.fffZ).") from None


def parse_date(text: Any) -> date:
    """`yyyy-MM-dd`."""
    if isinstance(text, str) and _DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise FieldError(f"The value '{text}' is not a valid date (yyyy-MM-dd).")


# --- field parsers ---------------------------------------------------------------------------------
# Each takes the JSON value (never a missing one) and returns what the model stores.


def text(max_length: int | None = None) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise FieldError("The value must be a string.")
        if max_length is not None and len(value) > max_length:
            raise FieldError(f"The field must be a string with a maximum length of {max_length}.")
        return value

    return parse


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError("The value must be true or false (a JSON boolean).")
    return value


def all_day(value: Any) -> str:
    """PDI's `isAllDay` is the string "true" or "false"; a JSON boolean is refused."""
    if value not in ("true", "false"):
        raise FieldError('isAllDay must be the string "true" or "false".')
    return value


def choice(values: Iterable[str], *, case_insensitive: bool = False) -> Callable[[Any], str]:
    values = tuple(values)

    def parse(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            if value in values:
                return value
            if case_insensitive and value.lower() in {v.lower() for v in values}:
                return value
        shown = ", ".join(f"'{v}'" for v in values if v)
        raise FieldError(
            f"The value '{value}' is not valid; expected one of {shown}" + (" or ''." if "" in values else ".")
        )

    return parse


def email(value: Any) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        raise FieldError("The value must be a string.")
    try:
        _email_validator(value)
    except ValidationError:
        raise FieldError(f"'{value}' is not a valid email address.") from None
    return value


def required_email(value: Any) -> str:
    if value is None or value == "":
        raise FieldError("An email address is required.")
    return email(value)


def datetime_utc(value: Any) -> datetime | None:
    if value is None:
        return None
    return parse_datetime_utc(value)


def optional_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    return parse_date(value)


def integer(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError("The value must be a whole number.")
    if not 0 <= value <= 2**31 - 1:
        raise FieldError("The value must be a whole number from 0 to 2147483647.")
    return value


def reference(model: type[models.Model], what: str, *, nullable: bool = False) -> Callable[[Any], Any]:
    """An id of an existing object, which is returned (null allowed when `nullable`)."""

    def parse(value: Any) -> Any:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"The {what} id must be a whole number.")
        found = model.objects.filter(pk=value).first() if value <= MAX_ID else None
        if found is None:
            raise FieldError(f"No {what} with id {value}.")
        return found

    return parse


def phone_number(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError("A phone number is required.")
    digits = re.sub(r"\D", "", value)
    if not 7 <= len(digits) <= 15 or re.search(r"[^\d\s()+.\-]", value):
        raise FieldError(f"'{value}' is not a valid phone number.")
    return value


@dataclass(frozen=True)
class Field:
    """A JSON field of a body: its name, the model attribute, how to parse it, what it defaults to."""

    name: str
    attr: str
    parse: Callable[[Any], Any]
    required: bool = False
    default: Any = None


# Names that are not fields, with a hint for the mistakes worth pointing out.
HINTS = {
    "specificOccurrenceStartUtc": "PDI spells this field specificOcurrenceStartUtc.",
    "email": "A contact has no email field: POST /contacts/{id}/emails.",
    "emailAddress": "A contact has no email field: POST /contacts/{id}/emails.",
    "phone": "A contact has no phone field: POST /contacts/{id}/phones.",
    "phoneNumber": "A contact has no phone field: POST /contacts/{id}/phones.",
}


def parse_body(
    body: dict[str, Any], fields: list[Field], *, partial: bool = False, ignored: Iterable[str] = ()
) -> dict[str, Any]:
    """The model values of a request body, or Invalid naming every field that is wrong.

    Not partial (POST, and PUT of contacts and events): a field left out gets its default (so a PUT
    clears it), a required one left out is an error. Partial (PUT of invitations): only the fields
    sent are returned. An unknown field is an error (`ignored` names read-only ones to pass over).
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    known = {f.name for f in fields}
    for name in body:
        if name not in known and name not in ignored:
            errors[name] = [HINTS.get(name, f"'{name}' is not a field of this object.")]
    for spec in fields:
        if spec.name not in body:
            if partial:
                continue
            if spec.required:
                errors[spec.name] = [f"The {spec.name} field is required."]
                continue
            values[spec.attr] = spec.default
            continue
        value = body[spec.name]
        if spec.required and value in (None, ""):
            errors[spec.name] = [f"The {spec.name} field is required."]
            continue
        try:
            values[spec.attr] = spec.parse(value)
        except FieldError as exc:
            errors[spec.name] = [str(exc)]
    if errors:
        raise Invalid(errors)
    return values


def check_times(values: dict[str, Any], end_name: str) -> None:
    """The end (`end_date_time_utc`, called `end_name` in the body) is not before the start.

    Events and event activities are written whole (POST, or a PUT that replaces), so both times
    are always in `values`.
    """
    starts, ends = values["start_date_time_utc"], values["end_date_time_utc"]
    if ends < starts:
        raise Invalid({end_name: ["The end must not be before the start."]})


# --- objects ---------------------------------------------------------------------------------------

LOCATION_FIELDS = [
    Field("locationName", "location_name", text(255), required=True),
    Field("locationAddress", "location_address", text(500), default=""),
]

CONTACT_FIELDS = [
    Field("namePrefix", "name_prefix", text(50), default=""),
    Field("firstName", "first_name", text(100), default=""),
    Field("middleName", "middle_name", text(100), default=""),
    Field("lastName", "last_name", text(100), default=""),
    Field("nameSuffix", "name_suffix", text(50), default=""),
    Field("nickname", "nickname", text(100), default=""),
    Field("occupation", "occupation", text(255), default=""),
    Field("employer", "employer", text(255), default=""),
    Field("volunteerStatus", "volunteer_status", choice(CONTACT_STATUSES), default=""),
    Field("donorStatus", "donor_status", choice(CONTACT_STATUSES), default=""),
    Field("memberStatus", "member_status", choice(CONTACT_STATUSES), default=""),
    Field("dateOfBirth", "date_of_birth", optional_date, default=None),
    Field("gender", "gender", choice(GENDERS), default=""),
    Field("pdiId", "pdi_id", text(64), default=""),
]
# What a client may echo back from GET /contacts/{id} in a PUT: not changed by it.
CONTACT_READONLY = ("id", "emails", "phones")

EMAIL_FIELDS = [
    Field("emailAddress", "email_address", required_email, required=True),
    Field("isPrimary", "is_primary", boolean, default=False),
]

PHONE_FIELDS = [
    Field("phoneNumber", "phone_number", phone_number, required=True),
    Field("phoneType", "phone_type", choice(PhoneType.values), required=True),
    Field("isPrimary", "is_primary", boolean, default=False),
    Field("extension", "extension", text(16), default=""),
]

EVENT_FIELDS = [
    Field("locationId", "location", reference(Location, "location", nullable=True), default=None),
    Field("name", "name", text(255), required=True),
    Field("description", "description", text(), default=""),
    Field("startDateTimeUtc", "start_date_time_utc", datetime_utc, required=True),
    Field("endDateTimeUtc", "end_date_time_utc", datetime_utc, required=True),
    Field("isAllDay", "is_all_day", all_day, default="false"),
    Field("recurrenceType", "recurrence_type", choice(RECURRENCE_TYPES, case_insensitive=True), default=""),
    Field("recurrenceEndDateTimeUtc", "recurrence_end_date_time_utc", datetime_utc, default=None),
    Field("phone", "phone", text(50), default=""),
    Field("contactEmail", "contact_email", email, default=""),
    Field("website", "website", text(500), default=""),
]
# PUT /events/{id} also takes calendarId [chosen]; left out, the event stays on its calendar.
EVENT_UPDATE_FIELDS = [Field("calendarId", "calendar", reference(Calendar, "calendar"), default=None), *EVENT_FIELDS]
EVENT_READONLY = ("id",)

INVITATION_FIELDS = [
    Field("contactId", "contact", reference(Contact, "contact"), required=True),
    Field("rsvpStatus", "rsvp_status", choice(RsvpStatus.values), default=""),
    Field("isConfirmed", "is_confirmed", boolean, default=False),
    Field("attended", "attended", boolean, default=False),
    Field("specificOcurrenceStartUtc", "specific_ocurrence_start_utc", datetime_utc, default=None),
]
INVITATION_READONLY = ("id", "eventId")

# /eventActivities takes PascalCase names (apis.md: "camelCase except PascalCase /eventActivities").
EVENT_ACTIVITY_FIELDS = [
    Field("CalendarId", "calendar", reference(Calendar, "calendar"), required=True),
    Field("EventId", "event", reference(Event, "event"), required=True),
    Field("ActivityId", "activity_id", integer, default=None),
    Field("LocationId", "location", reference(Location, "location", nullable=True), default=None),
    Field("RecurrenceType", "recurrence_type", choice(RECURRENCE_TYPES, case_insensitive=True), default=""),
    Field("Name", "name", text(255), required=True),
    Field("Description", "description", text(), default=""),
    Field("StartDateTimeUtc", "start_date_time_utc", datetime_utc, required=True),
    Field("EndDateTimeUtc", "end_date_time_utc", datetime_utc, required=True),
    Field("CountGoal", "count_goal", integer, default=None),
    Field("RecurrenceEndDateTimeUtc", "recurrence_end_date_time_utc", datetime_utc, default=None),
]


# --- rendering -------------------------------------------------------------------------------------


def render_calendar(calendar: Calendar) -> dict[str, Any]:
    return {
        "id": calendar.pk,
        "name": calendar.name,
        "description": calendar.description,
        "timeZone": calendar.time_zone,
    }


def render_location(location: Location) -> dict[str, Any]:
    return {"id": location.pk, "locationName": location.location_name, "locationAddress": location.location_address}


def render_email(row: ContactEmail) -> dict[str, Any]:
    return {"id": row.pk, "emailAddress": row.email_address, "isPrimary": row.is_primary}


def render_phone(row: ContactPhone) -> dict[str, Any]:
    return {
        "id": row.pk,
        "phoneNumber": row.phone_number,
        "phoneType": row.phone_type,
        "extension": row.extension,
        "isPrimary": row.is_primary,
    }


def render_contact(contact: Contact) -> dict[str, Any]:
    """The contact with its emails and phones (prefetch them for lists)."""
    body: dict[str, Any] = {"id": contact.pk}
    for spec in CONTACT_FIELDS:
        value = getattr(contact, spec.attr)
        body[spec.name] = format_date(value) if spec.attr == "date_of_birth" else value
    body["emails"] = [render_email(row) for row in contact.emails.all()]
    body["phones"] = [render_phone(row) for row in contact.phones.all()]
    return body


def render_event(event: Event) -> dict[str, Any]:
    return {
        "id": event.pk,
        "calendarId": event.calendar_id,
        "locationId": event.location_id,
        "name": event.name,
        "description": event.description,
        "startDateTimeUtc": format_datetime(event.start_date_time_utc),
        "endDateTimeUtc": format_datetime(event.end_date_time_utc),
        "isAllDay": event.is_all_day,
        "recurrenceType": event.recurrence_type or None,
        "recurrenceEndDateTimeUtc": format_datetime(event.recurrence_end_date_time_utc),
        "phone": event.phone,
        "contactEmail": event.contact_email,
        "website": event.website,
    }


def render_invitation(invitation: Invitation, *, expand: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": invitation.pk,
        "eventId": invitation.event_id,
        "contactId": invitation.contact_id,
        "rsvpStatus": invitation.rsvp_status,
        "isConfirmed": invitation.is_confirmed,
        "attended": invitation.attended,
        "specificOcurrenceStartUtc": format_datetime(invitation.specific_ocurrence_start_utc),
    }
    if expand:
        body["contact"] = render_contact(invitation.contact)
    return body


def render_event_activity(activity: EventActivity) -> dict[str, Any]:
    """Answered in camelCase like every other object [chosen]: only the request body is PascalCase."""
    return {
        "id": activity.pk,
        "calendarId": activity.calendar_id,
        "eventId": activity.event_id,
        "activityId": activity.activity_id,
        "locationId": activity.location_id,
        "recurrenceType": activity.recurrence_type or None,
        "name": activity.name,
        "description": activity.description,
        "startDateTimeUtc": format_datetime(activity.start_date_time_utc),
        "endDateTimeUtc": format_datetime(activity.end_date_time_utc),
        "countGoal": activity.count_goal,
        "recurrenceEndDateTimeUtc": format_datetime(activity.recurrence_end_date_time_utc),
    }
