"""PDI connector: the API client (session, calendars, locations, contacts, events, invitations)."""

from __future__ import annotations

from .client import MAX_LIMIT, PHONE_TYPES, RSVP_STATUSES, PdiClient, parse_expiration

__all__ = ["MAX_LIMIT", "PHONE_TYPES", "RSVP_STATUSES", "PdiClient", "parse_expiration"]
