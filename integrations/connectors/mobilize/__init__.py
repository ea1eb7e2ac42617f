"""Mobilize connector: the API client and the normalized record shapes it yields."""

from __future__ import annotations

from .client import MobilizeClient, comparison, comparisons, unix_timestamp
from .records import (
    Attendance,
    Contact,
    DeletedEvent,
    Event,
    Location,
    Organization,
    Person,
    Timeslot,
    firewall_side,
    is_private_address,
    normalize_attendance,
    normalize_event,
    normalize_person,
    primary_email,
    primary_phone,
    primary_postal_code,
)

__all__ = [
    "Attendance",
    "Contact",
    "DeletedEvent",
    "Event",
    "Location",
    "MobilizeClient",
    "Organization",
    "Person",
    "Timeslot",
    "comparison",
    "comparisons",
    "firewall_side",
    "is_private_address",
    "normalize_attendance",
    "normalize_event",
    "normalize_person",
    "primary_email",
    "primary_phone",
    "primary_postal_code",
    "unix_timestamp",
]
