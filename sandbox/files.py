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
