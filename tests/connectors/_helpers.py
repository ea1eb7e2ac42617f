"""Helpers shared by the connector tests (not collected: the name does not start with test_)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> Any:
    """A fixture file: Mobilize-shaped JSON copied from the API reference (see fixtures/)."""
    return json.loads((FIXTURES / name).read_text())
