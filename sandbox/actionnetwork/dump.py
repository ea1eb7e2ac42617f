"""What the emulated Action Network groups hold, as plain JSON-ready data (`manage.py sandbox_dump
actionnetwork`).

Groups are listed by name only (never a token). Each person is flat and readable at a glance: uuid,
names, email and its status, phone and its status, address, custom fields, the `source` of the
signup that created them, and the created/modified dates. The output is also a valid
`loader.load` input (its groups, which have no token, must exist already).
"""

from __future__ import annotations

from typing import Any

from . import resources as r
from .models import Account, Person


def person_entry(person: Person) -> dict[str, Any]:
    """One person as the dump (and the loader) writes it."""
    return {
        "account": person.account.name,
        "uuid": str(person.uuid),
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        "email_status": person.email_status,
        "phone": person.phone,
        "phone_status": person.phone_status,
        "number_type": person.number_type,
        "address_lines": list(person.address_lines),
        "locality": person.locality,
        "region": person.region,
        "postal_code": person.postal_code,
        "country": person.country,
        "custom_fields": dict(person.custom_fields),
        "source": person.source,
        "created_date": r.format_date(person.created_date),
        "modified_date": r.format_date(person.modified_date),
    }


def dump() -> dict[str, Any]:
    """Every group (name only) and every person, in creation order."""
    return {
        "accounts": [{"name": account.name} for account in Account.objects.order_by("id")],
        "people": [person_entry(person) for person in Person.objects.select_related("account").order_by("id")],
    }
