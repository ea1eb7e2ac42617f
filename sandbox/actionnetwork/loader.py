"""Load emulated Action Network groups from a JSON file (`manage.py sandbox_load actionnetwork FILE`).

The file (every key optional; `dump.dump()` output is also accepted):

    {
      "accounts": [{"name": "Demo group", "token": "sandbox-actionnetwork-token"}],
      "people": [{"account": "Demo group", "uuid": "0b5e...", "given_name": "Ana", "family_name": "Alvarez",
                  "email": "ana@example.com", "email_status": "subscribed",
                  "phone": "12025550101", "phone_status": "subscribed", "number_type": "Mobile",
                  "address_lines": ["1 Main St"], "locality": "Washington", "region": "DC",
                  "postal_code": "20001", "country": "US", "custom_fields": {"mobile_opt_in": "true"},
                  "source": "", "created_date": "-30d", "modified_date": "-3h"}]
    }

`account` may be left out when the file lists exactly one group; a group without `token` (as a
dump lists them) must exist already (by name). Dates are ISO 8601, or relative to the moment of
loading: `now`, `-<n>m`, `-<n>h`, `-<n>d` (so a demo's "changed 3 hours ago" stays recent).
A person is matched by `uuid`, else by email, else by phone, and updated; otherwise created
(with that uuid when given). Statuses are set as written: the API's defaults do not apply.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from sandbox.files import entries, load_json_file, named_account

from . import resources as r
from .models import Account, Person
from .setup import PERSON_FIELDS, add_person, create_account, find_person, set_fields

_RELATIVE = re.compile(r"^-(\d+)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def load_file(path: str | Path) -> str:
    """Load the file into the sandbox's Action Network tables; return a one-line summary."""
    return load_json_file(path, system="Action Network", holds="accounts, people", load=load)


@transaction.atomic
def load(data: dict[str, Any]) -> dict[str, int]:
    """Load already-parsed file data; return how many of each kind were loaded."""
    counts = dict.fromkeys(("accounts", "people"), 0)
    accounts: dict[str, Account] = {}
    for index, entry in enumerate(entries(data, "accounts")):
        where = f"accounts[{index}]"
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: 'name' is required.")
        if entry.get("token"):
            accounts[name] = create_account(entry["token"], name)
        else:
            account = Account.objects.filter(name=name).order_by("id").first()
            if account is None:
                raise ValueError(f"{where}: a new group needs a 'token'.")
            accounts[name] = account
        counts["accounts"] += 1
    for index, entry in enumerate(entries(data, "people")):
        where = f"people[{index}]"
        try:
            _load_person(entry, _account(entry, accounts, where))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        counts["people"] += 1
    return counts


def _account(entry: dict[str, Any], accounts: dict[str, Account], where: str) -> Account:
    return named_account(entry, accounts, where, what="group")


def when(value: str | None, now: datetime) -> datetime | None:
    """A file's date: ISO 8601, `now` or `-<n>m|h|d` before `now`; None when absent."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date.")
    if value.strip() == "now":
        return r.to_datetime(now)
    match = _RELATIVE.match(value.strip())
    if match:
        return r.to_datetime(now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}))
    return r.to_datetime(value)


def _load_person(entry: dict[str, Any], account: Account) -> Person:
    now = timezone.now()
    created, modified = when(entry.get("created_date"), now), when(entry.get("modified_date"), now)
    fields = {name: entry[name] for name in PERSON_FIELDS if entry.get(name) is not None}
    person = None
    if entry.get("uuid"):
        person = account.people.filter(uuid=uuid.UUID(str(entry["uuid"]))).first()
    person = person or find_person(account, email=fields.get("email"), phone=fields.get("phone"))
    if person is None:
        if entry.get("uuid") and Person.objects.filter(uuid=uuid.UUID(str(entry["uuid"]))).exists():
            raise ValueError(f"uuid {entry['uuid']} is a person of another group.")
        person = add_person(account, modified_date=modified, created_date=created, **fields)
        if entry.get("uuid"):
            person.uuid = uuid.UUID(str(entry["uuid"]))
            person.save(update_fields=["uuid"])
        return person
    person.created_date = created or person.created_date
    person.modified_date = modified or person.modified_date
    set_fields(person, fields)
    return person


__all__ = ["load", "load_file", "when"]
