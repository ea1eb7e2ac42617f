"""Make an emulated Action Network group and its people, for tests, the demo and `loader.py`.

    from sandbox.actionnetwork.setup import add_person, change_person, create_account

    group = create_account("my-token")  # OSDI-API-Token: my-token
    ana = add_person(group, given_name="Ana", email="ana@example.com", phone="+1 (202) 555-0101",
                     custom_fields={"mobile_opt_in": "true"}, modified_date="2026-12-01T09:00:00Z")
    change_person(ana, phone_status="unsubscribed")  # modified_date becomes now

Dates are datetimes (naive means UTC) or ISO 8601 strings, kept in whole seconds; "now" is
`django.utils.timezone.now()`, so time-machine moves it. Phones are stored as 11 digits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import resources as r
from .models import PERSON_DATA_FIELDS, Account, EmailStatus, Person, PhoneStatus, token_digest

# The fields change_person sets (custom_fields merged into the person's).
PERSON_FIELDS = (*PERSON_DATA_FIELDS, "source")


def create_account(token: str = "an-sandbox-token", name: str = "Sandbox group") -> Account:  # noqa: S107
    """The group reached with this token (created, or renamed to `name`)."""
    account = Account.objects.filter(token_digest=token_digest(token)).first() or Account()
    account.set_token(token)
    account.name = name
    account.save()
    return account


def add_person(
    account: Account,
    *,
    given_name: str = "",
    family_name: str = "",
    email: str | None = None,
    email_status: str = "subscribed",
    phone: str | None = None,
    phone_status: str = "subscribed",
    number_type: str = "Mobile",
    custom_fields: dict[str, Any] | None = None,
    postal_code: str = "",
    locality: str = "",
    region: str = "",
    country: str = "",
    address_lines: list[str] | None = None,
    modified_date: datetime | str | None = None,
    created_date: datetime | str | None = None,
    source: str = "",
) -> Person:
    """A new person of the group, as if they had signed up (statuses as given: the API's defaults
    do not apply here). `phone` in any common US form (`+1 (202) 555-0123`) is stored as 11 digits.

    Dates: `modified_date` defaults to `created_date`, which defaults to now. Raises ValueError for
    an email or phone another person of the group has, a bad phone, status or date.
    """
    modified = r.to_datetime(modified_date or created_date or timezone.now())
    created = r.to_datetime(created_date) if created_date else modified
    if created > modified:
        raise ValueError(f"created_date {r.format_date(created)} is after modified_date {r.format_date(modified)}.")
    person = Person(account=account, created_date=created, modified_date=modified)
    set_fields(
        person,
        {
            "given_name": given_name,
            "family_name": family_name,
            "email": email or "",
            "email_status": email_status,
            "phone": phone or "",
            "phone_status": phone_status,
            "number_type": number_type,
            "custom_fields": custom_fields or {},
            "postal_code": postal_code,
            "locality": locality,
            "region": region,
            "country": country,
            "address_lines": list(address_lines or []),
            "source": source,
        },
    )
    return person


def change_person(person: Person, *, modified_date: datetime | str | None = None, **fields: Any) -> Person:
    """Set these model fields (PERSON_FIELDS; `custom_fields` merged into the person's) as if the
    person were edited in Action Network, and bump `modified_date` to the given date or now."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValueError(f"Not person fields: {', '.join(sorted(unknown))}; use {', '.join(PERSON_FIELDS)}.")
    if "custom_fields" in fields:
        fields["custom_fields"] = {**person.custom_fields, **(fields["custom_fields"] or {})}
    person.modified_date = r.to_datetime(modified_date or timezone.now())
    set_fields(person, fields)
    return person


def person_json(person: Person) -> dict[str, Any]:
    """The person as the API answers it (its `_links` under SANDBOX_BASE_URL)."""
    return r.person_json(person)


def find_person(account: Account, *, email: str | None = None, phone: str | None = None) -> Person | None:
    """The group's person with this email (any case), else with this phone (any common form), else None."""
    if email:
        found = account.people.filter(email__iexact=email.strip()).first()
        if found is not None:
            return found
    if phone:
        return account.people.filter(phone=r.normalize_phone(phone)).first()
    return None


def set_fields(person: Person, fields: dict[str, Any]) -> None:
    """Set these model fields as given and save (no date is touched: the caller sets them).
    ValueError for a bad phone or status, or an email or phone another person of the group has."""
    if fields.get("phone"):
        fields["phone"] = r.normalize_phone(fields["phone"])
    if fields.get("email"):
        fields["email"] = fields["email"].strip()
    for name, choices in (("email_status", EmailStatus), ("phone_status", PhoneStatus)):
        if name in fields and fields[name] not in choices.values:
            raise ValueError(f"{name} must be one of {', '.join(choices.values)}, not {fields[name]!r}.")
    for name, value in fields.items():
        setattr(person, name, value)
    others = person.account.people.exclude(pk=person.pk) if person.pk else person.account.people.all()
    if person.email and others.filter(email__iexact=person.email).exists():
        raise ValueError(f"Another person of {person.account} has the email {person.email}.")
    if person.phone and others.filter(phone=person.phone).exists():
        raise ValueError(f"Another person of {person.account} has the phone {person.phone}.")
    with transaction.atomic():
        person.save()
