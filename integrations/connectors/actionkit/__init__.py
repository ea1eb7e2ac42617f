"""ActionKit connector: the REST API client (users, phones, events, signups, custom fields, pages)."""

from __future__ import annotations

from .client import (
    EVENT_PAGE_FIELDS,
    EVENT_RESOURCE_FIELDS,
    ActionKitClient,
    ActionKitSetupError,
    ActionResult,
    id_from_uri,
    start_fields,
    starts_at_from_fields,
)

__all__ = [
    "EVENT_PAGE_FIELDS",
    "EVENT_RESOURCE_FIELDS",
    "ActionKitClient",
    "ActionKitSetupError",
    "ActionResult",
    "id_from_uri",
    "start_fields",
    "starts_at_from_fields",
]
