"""Mobile Commons connector: the API client (profiles, opt-outs, campaigns), XML parsed with defusedxml."""

from __future__ import annotations

from .client import ERROR_TYPES, MAX_LIMIT, MobileCommonsClient, MobileCommonsError

__all__ = ["ERROR_TYPES", "MAX_LIMIT", "MobileCommonsClient", "MobileCommonsError"]
