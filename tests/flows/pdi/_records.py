"""Realistic Mobilize records for the PDI mapping tests (not collected: no test_ prefix).

The records are the ActionKit mapping tests' (shared/seeds/004's Event, Timeslot, Location, Contact,
Attendance and Person examples, normalized as the Mobilize client does), plus the shapes only PDI's
rules need: a second timeslot, private addresses in each of Mobilize's wordings, virtual events.
"""

from __future__ import annotations

from typing import Any

from integrations.connectors.mobilize.records import PRIVATE_ADDRESS_TEXT, PRIVATE_ADDRESS_TEXT_OLDER, Event

from ..actionkit._records import (
    DROP,
    EVENT,
    REDUCED_EVENT,
    SHIFT_END,
    SHIFT_START,
    attendance,
    event,
    location,
    person,
    raw_event,
    timeslot,
)

__all__ = [
    "DROP",
    "EVENT",
    "PRIVATE_SENTENCES",
    "REDUCED_EVENT",
    "SECOND_END",
    "SECOND_START",
    "SHIFT_END",
    "SHIFT_START",
    "attendance",
    "event",
    "location",
    "multi_timeslot_event",
    "person",
    "raw_event",
    "timeslot",
]

# The next day's shift of the same event: 2018-07-30 10:00-12:30 in New York (14:00-16:30 UTC).
SECOND_START = 1532959200
SECOND_END = 1532968200

# Mobilize's private-address sentence as the reference prints it (curly apostrophe), as live data
# has it (straight), and its older wording.
PRIVATE_SENTENCES = [
    "This event\u2019s address is private. Sign up for more details",
    PRIVATE_ADDRESS_TEXT,
    PRIVATE_ADDRESS_TEXT_OLDER,
]


def multi_timeslot_event(**changes: Any) -> Event:
    """The example event with a second timeslot the next morning."""
    slots = [
        *EVENT["timeslots"],
        {"id": 12, "start_date": SECOND_START, "end_date": SECOND_END, "max_attendees": 20, "is_full": False},
    ]
    return event(timeslots=slots, **changes)
