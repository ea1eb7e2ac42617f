"""Action Network connector: the API client (people read by page, found, signed up and updated)."""

from __future__ import annotations

from .client import MAX_PER_PAGE, ActionNetworkClient

__all__ = ["MAX_PER_PAGE", "ActionNetworkClient"]
