"""Reading the sandbox's JSON data files (`manage.py sandbox_load SYSTEM FILE`), for every system."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def load_json_file(
    path: str | Path, *, system: str, holds: str, load: Callable[[dict[str, Any]], dict[str, int]]
) -> str:
    """Parse a file holding one JSON object, `load` it, and return a one-line summary of the counts.

    `holds` names what the object holds, for the error a file of another shape gets.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable JSON file ({exc}).") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the file must hold a JSON object with {holds}.")
    counts = load(data)
    summary = ", ".join(f"{count} {name}" for name, count in counts.items())
    return f"Loaded {system} sandbox data from {path.name}: {summary}."


def entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The list of objects a data file holds under `key` (none: an empty list); anything else is a ValueError."""
    found = data.get(key) or []
    if not isinstance(found, list) or not all(isinstance(entry, dict) for entry in found):
        raise ValueError(f'"{key}" must be a list of objects.')
    return found


def required(entry: dict[str, Any], key: str, where: str) -> Any:
    """An entry's value that must be present and not blank; `where` names the entry in the error."""
    if not isinstance(entry, dict) or entry.get(key) in (None, ""):
        raise ValueError(f"{where}: '{key}' is required.")
    return entry[key]


def named_account(entry: dict[str, Any], accounts: dict[str, Any], where: str, *, what: str = "account") -> Any:
    """The account an entry names by its `account` key; none named is fine when the file has only one."""
    name = entry.get("account")
    if name is None:
        if len(accounts) != 1:
            raise ValueError(f"{where}: name its 'account' (the file lists {len(accounts)} {what}s).")
        return next(iter(accounts.values()))
    if name not in accounts:
        raise ValueError(f'{where}: {what} {name!r} is not one of the file\'s "accounts".')
    return accounts[name]
