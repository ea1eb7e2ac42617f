"""The campaign-finance firewall as Mobilize draws it, for every flow whose source is Mobilize.

Mobilize separates coordinated organizations (campaigns, parties) from independent ones (PACs):
across that line it withholds data (an attendance's id, timeslot id and event but its type, a
promoting organization's name). These pure functions say how an attendance or event relates to
our organization; each flow decides what that means for its destination (ActionKit masks, PDI
writes the contact without an invitation).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integrations.connectors.mobilize.records import Attendance, Event, firewall_side


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class OrgRef:
    """Our organization, as classify_attendance needs it."""

    id: int
    name: str
    side: str  # "coordinated" | "independent" | "unknown"


class AttendanceScope(enum.Enum):
    """How an attendance relates to us, which decides whether and how it is synced."""

    # Our event, recruited by us or a same-side organization: full details.
    OWN_EVENT = "own_event"
    # Our event, recruited by an organization across the firewall: mobilize_signup_source masked.
    OWN_EVENT_RECRUITED_ACROSS_FIREWALL = "own_event_recruited_across_firewall"
    # We recruited to a same-side organization's event: full details.
    PROMOTED_SAME_SIDE = "promoted_same_side"
    # We recruited to an event across the firewall: masked event and masked signup.
    PROMOTED_ACROSS_FIREWALL = "promoted_across_firewall"
    # Neither our event nor our recruit: not synced.
    NOT_OURS = "not_ours"


def event_reduced(event: Mapping[str, Any] | None) -> bool:
    """Whether Mobilize reduced the event to its event_type (its firewall omission)."""
    return not event or (event.get("id") is None and not _mapping(event.get("sponsor")))


def across_firewall(our_side: str, org: Mapping[str, Any]) -> bool:
    """Whether another organization is across the firewall from us.

    When either side is unknown it counts as across: the firewall is a legal line, and masking a
    same-side organization's data costs far less than unmasking the other side's.
    """
    if our_side not in ("coordinated", "independent"):
        return True
    theirs = firewall_side(org)
    return theirs == "unknown" or theirs != our_side


def event_across_firewall(event: Event, our: OrgRef) -> bool:
    """Whether an event belongs to an organization across the firewall from ours.

    Our own events never are; an event whose owner Mobilize withheld counts as across.
    """
    owner = {} if event_reduced(event) else _mapping(_mapping(event).get("sponsor"))
    if owner.get("id") is not None and owner.get("id") == our.id:
        return False
    return not owner or across_firewall(our.side, owner)


def classify_attendance(attendance: Attendance, our: OrgRef) -> AttendanceScope:
    """How an attendance relates to our organization (see AttendanceScope)."""
    event = attendance.get("event")
    event_owner = {} if event_reduced(event) else _mapping(_mapping(event).get("sponsor"))
    recruiter = attendance.get("sponsor")  # the promoter if any, else the event's organization
    our_event = event_owner.get("id") is not None and event_owner.get("id") == our.id
    our_recruit = recruiter is not None and recruiter.get("id") is not None and recruiter.get("id") == our.id
    if our_event:
        if our_recruit:
            return AttendanceScope.OWN_EVENT
        # Mobilize omits the sponsor exactly when it is across the firewall from us.
        if recruiter is None or across_firewall(our.side, recruiter):
            return AttendanceScope.OWN_EVENT_RECRUITED_ACROSS_FIREWALL
        return AttendanceScope.OWN_EVENT
    if our_recruit:
        # An event reduced to its event_type is Mobilize telling us it is across the firewall.
        if not event_owner or across_firewall(our.side, event_owner):
            return AttendanceScope.PROMOTED_ACROSS_FIREWALL
        return AttendanceScope.PROMOTED_SAME_SIDE
    return AttendanceScope.NOT_OURS
