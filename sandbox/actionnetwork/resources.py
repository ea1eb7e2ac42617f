"""Action Network's shapes (docs/connectors/actionnetwork.md): errors, phones, dates, the OSDI
person, and the OData `filter` of the people list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime

from .models import Person

API_PATH = "/actionnetwork/api/v2/"  # under SANDBOX_BASE_URL (or the request's own host)
IDENTIFIER_PREFIX = "action_network:"


class ApiError(Exception):
    """An error answer: `{"error": message}` with this HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def invalid(message: str) -> ApiError:
    return ApiError(400, message)


def person_not_found(person_id: str) -> ApiError:
    return ApiError(404, f"Couldn't find person with id = {person_id}")


# --- phones and dates ------------------------------------------------------------------------------


def normalize_phone(text: str) -> str:
    """A phone as Action Network stores it: 11 digits with the leading 1, no "+".

    `+1 (202) 555-0123`, `202-555-0123` and `12025550123` all give `12025550123`. Raises
    ValueError for anything that is not a US/NANP number of 10 or 11 digits (the contract's
    "11 digits with the leading 1").
    """
    digits = re.sub(r"\D", "", text or "")
    if len(digits) == 10:
        digits = "1" + digits
    if len(digits) != 11 or not digits.startswith("1") or re.search(r"[^\d\s()+.\-]", text or ""):
        raise ValueError(f"{text!r} is not a phone number of 10 digits, or 11 with the leading 1.")
    return digits


def format_date(value: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SSZ`, in UTC: how the sandbox writes every date."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_datetime(value: datetime | str) -> datetime:
    """An aware UTC datetime in whole seconds (the API shows seconds, so it stores no more).

    Takes a datetime (naive means UTC), an ISO 8601 datetime (`2026-12-01T09:00:00Z`, also
    `2019-02-28T00:00:00.000+0000`) or a date (midnight UTC). Raises ValueError otherwise.
    """
    if isinstance(value, str):
        text = value.strip()
        parsed: datetime | None = None
        try:
            parsed = parse_datetime(text)
            if parsed is None and (day := parse_date(text)) is not None:
                parsed = datetime.combine(day, time())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValueError(f"{value!r} is not an ISO 8601 date or datetime.")
        value = parsed
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise ValueError(f"{value!r} is not a datetime.")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


# --- the OSDI person --------------------------------------------------------------------------------


def api_root(base_url: str | None = None) -> str:
    """The API's root URL ending in `/api/v2/`: under `base_url` (a request's `http://host/sandbox`)
    or SANDBOX_BASE_URL."""
    root = (base_url or settings.SANDBOX_BASE_URL).rstrip("/")
    return f"{root}{API_PATH}"


def person_url(person: Person, base_url: str | None = None) -> str:
    return f"{api_root(base_url)}people/{person.uuid}"


def person_json(person: Person, base_url: str | None = None) -> dict[str, Any]:
    """The person as the API answers it (OSDI; the contract's example shape)."""
    emails = []
    if person.email:
        emails.append({"address": person.email, "primary": True, "status": person.email_status})
    phones = []
    if person.phone:
        phones.append(
            {"number": person.phone, "number_type": person.number_type, "status": person.phone_status, "primary": True}
        )
    addresses = []
    if any((person.address_lines, person.locality, person.region, person.postal_code, person.country)):
        addresses.append(
            {
                "primary": True,
                "address_lines": list(person.address_lines),
                "locality": person.locality,
                "region": person.region,
                "postal_code": person.postal_code,
                "country": person.country,
            }
        )
    return {
        "identifiers": [f"{IDENTIFIER_PREFIX}{person.uuid}"],
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email_addresses": emails,
        "phone_numbers": phones,
        "postal_addresses": addresses,
        "custom_fields": dict(person.custom_fields),
        "created_date": format_date(person.created_date),
        "modified_date": format_date(person.modified_date),
        "_links": {"self": {"href": person_url(person, base_url)}},
    }


# --- the people list's OData filter ----------------------------------------------------------------

_CLAUSE = re.compile(r"\s*([a-z_]+)\s+(eq|gt|lt)\s+'((?:[^']|'')*)'\s*", re.IGNORECASE)
_AND = re.compile(r"(?<=\s)and(?=\s)", re.IGNORECASE)
# The (field, operator) pairs the contract lists, and the query each makes.
_CLAUSES = {
    ("modified_date", "gt"): lambda value: Q(modified_date__gt=to_datetime(value)),
    ("modified_date", "lt"): lambda value: Q(modified_date__lt=to_datetime(value)),
    ("email_address", "eq"): lambda value: Q(email__iexact=value) & ~Q(email=""),
    # Compared as sent: the contract's form is 11 digits, so "+12025550123" matches nobody.
    ("phone_number", "eq"): lambda value: Q(phone=value) & ~Q(phone=""),
}


@dataclass(frozen=True)
class Clause:
    field: str
    operator: str
    value: str


def parse_filter(text: str) -> list[Clause]:
    """The clauses of `filter`, joined by ` and `; ApiError 400 "Invalid filter" for anything
    else (another field or operator, `or`, a date that is not one, unbalanced quotes)."""
    clauses: list[Clause] = []
    position = 0
    while True:
        match = _CLAUSE.match(text, position)
        if match is None:
            raise invalid("Invalid filter")
        field, operator = match.group(1).lower(), match.group(2).lower()
        if (field, operator) not in _CLAUSES:
            raise invalid("Invalid filter")
        clauses.append(Clause(field, operator, match.group(3).replace("''", "'")))
        position = match.end()
        if position == len(text):
            break
        joint = _AND.match(text, position)
        if joint is None:
            raise invalid("Invalid filter")
        position = joint.end()
    return clauses


def filter_query(text: str) -> Q:
    """The query of an OData `filter` (all clauses must hold); 400 "Invalid filter" as parse_filter."""
    query = Q()
    for clause in parse_filter(text):
        try:
            query &= _CLAUSES[(clause.field, clause.operator)](clause.value)
        except ValueError:
            raise invalid("Invalid filter") from None
    return query
