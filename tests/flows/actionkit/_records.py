"""Realistic Mobilize records for the ActionKit mapping tests (not collected: no test_ prefix).

Shapes are copied from the Mobilize API reference (shared/seeds/004_*.txt: the Event, Timeslot,
Location, Contact, Attendance, Person and Referrer examples) and go through the connector's
normalizers, exactly as the flow receives them. The times are the seed's own example shift,
[2018-07-29T22:00:00-04:00, 2018-07-29T23:00:00-04:00].
"""

from __future__ import annotations

import copy
from typing import Any

from integrations.connectors.mobilize.records import Attendance, Event, normalize_attendance, normalize_event
from integrations.flows.actionkit.mapping import ActionKitTarget
from integrations.flows.firewall import OrgRef

# The seed's example shift: 2018-07-29 22:00-23:00 in New York (EDT, -04:00).
SHIFT_START = 1532916000
SHIFT_END = 1532919600

CRM = ActionKitTarget(
    event_create_page="mobilize-events-host",
    event_signup_page="mobilize-events-attend",
    placeholder_email="mobilize-events@example.org",
    distributed_send=False,
)
DISTRIBUTED_SEND = ActionKitTarget(
    event_create_page="mobilize-feed-host",
    event_signup_page="",
    placeholder_email="mobilize-events@example.org",
    distributed_send=True,
)

CAMPAIGN: dict[str, Any] = {
    "id": 42,
    "name": "Example Campaign",
    "slug": "example-campaign",
    "is_coordinated": True,
    "is_independent": False,
    "is_primary_campaign": False,
    "state": "NY",
    "district": "14",
    "candidate_name": "Alex Example",
    "race_type": "CONGRESSIONAL",
    "event_feed_url": "https://www.mobilize.us/example-campaign/",
    "created_date": 1524232122,
    "modified_date": 1700000000,
    "org_type": "CAMPAIGN",
}
STATE_PARTY: dict[str, Any] = {
    "id": 77,
    "name": "New York State Democrats",
    "slug": "nydems",
    "is_coordinated": True,
    "is_independent": False,
    "is_primary_campaign": False,
    "state": "NY",
    "district": "",
    "candidate_name": "",
    "race_type": None,
    "event_feed_url": "https://www.mobilize.us/nydems/",
    "created_date": 1517329224,
    "modified_date": 1536160166,
    "org_type": "STATE_PARTY",
}
INDEPENDENT_PAC: dict[str, Any] = {
    "id": 99,
    "name": "Independent Action PAC",
    "slug": "independent-action",
    "is_coordinated": False,
    "is_independent": True,
    "is_primary_campaign": False,
    "state": "",
    "district": "",
    "candidate_name": "",
    "race_type": None,
    "event_feed_url": "https://www.mobilize.us/independent-action/",
    "created_date": 1517329224,
    "modified_date": 1536160166,
    "org_type": "INDEPENDENT",
}
# An organization whose side Mobilize does not tell (both flags false, no firewall org_type).
UNDECLARED_ORG: dict[str, Any] = {
    **STATE_PARTY,
    "id": 55,
    "name": "Neighbours United",
    "slug": "neighbours-united",
    "is_coordinated": False,
    "is_independent": False,
    "org_type": "CAMPAIGN",
}

OUR_CAMPAIGN = OrgRef(id=42, name="Example Campaign", side="coordinated")
OUR_PAC = OrgRef(id=99, name="Independent Action PAC", side="independent")

EVENT: dict[str, Any] = {
    "id": 1,
    "description": "<p>Knock doors with us.</p>",
    "timezone": "America/New_York",
    "title": "Canvass for Alex",
    "featured_image_url": "",
    "high_priority": False,
    "sponsor": CAMPAIGN,
    "timeslots": [
        {
            "id": 11,
            "start_date": SHIFT_START,
            "end_date": SHIFT_END,
            "max_attendees": 20,
            "is_full": False,
            "instructions": "",
        }
    ],
    "is_virtual": False,
    "location": {
        "venue": "Campaign HQ",
        "address_lines": ["204 E 13th St", "Suite 2"],
        "locality": "New York",
        "region": "NY",
        "country": "US",
        "postal_code": "10003",
        "location": {"latitude": 40.7322535, "longitude": -73.9874105},
        "congressional_district_value": "12",
        "state_leg_district_value": "66",
        "state_senate_district_value": "27",
    },
    "event_type": "CANVASS",
    "created_date": 1690000000,
    "modified_date": 1700000001,
    "browser_url": "https://www.mobilize.us/example-campaign/event/1/",
    "visibility": "PUBLIC",
    "address_visibility": "PUBLIC",
    "created_by_volunteer_host": False,
    "virtual_action_url": None,
    "accessibility_status": "ACCESSIBLE",
    "accessibility_notes": "Ramp at the southern entrance.",
    "contact": {
        "name": "Jordan Lee Smith",
        "email_address": "replyto@thisemail.org",
        "phone_number": "1234567890",
        "owner_user_id": 555,
    },
    "tags": [{"id": 3, "name": "Canvass"}],
    "approval_status": "APPROVED",
    "event_campaign": None,
    "instructions": "Bring a hat",
}

PERSON: dict[str, Any] = {
    "id": 57,
    "person_id": 57,
    "user_id": 9057,
    "created_date": 1536249605,
    "modified_date": 1536588703,
    "given_name": "Maria",
    "family_name": "Gonzalez",
    "email_addresses": [{"primary": True, "address": "maria@example.com"}],
    "phone_numbers": [{"primary": True, "number": "(212) 555-0123"}],
    "postal_addresses": [{"primary": True, "postal_code": "10003"}],
    "sms_opt_in_status": "OPT_IN",
    "blocked_date": None,
}

ATTENDANCE: dict[str, Any] = {
    "id": 198,
    "attended": None,
    "created_date": 1536588703,
    "modified_date": 1536588703,
    "person": PERSON,
    "event": EVENT,
    "timeslot": {"id": 11, "start_date": SHIFT_START, "end_date": SHIFT_END},
    "sponsor": CAMPAIGN,
    "status": "REGISTERED",
    "referrer": {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "summer-canvass",
        "utm_term": None,
        "utm_content": "button",
        "url": "https://www.mobilize.us/example-campaign/event/1/?source=email_0729&akid=.748090.k2VtV5",
    },
    "custom_signup_field_values": [
        {"custom_field_id": 4, "custom_field_name": "tshirt", "text_value": "M", "boolean_value": None}
    ],
}

# Across the firewall Mobilize sends an attendance "event" reduced to its event_type, and the
# timeslot without its id (the Attendance object's omission notes).
REDUCED_EVENT: dict[str, Any] = {"event_type": "CANVASS"}


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(base)
    for key, value in changes.items():
        if value is _DROP:
            record.pop(key, None)
        else:
            record[key] = copy.deepcopy(value)
    return record


_DROP = object()
DROP: Any = _DROP  # pass as a value to leave a key out, as Mobilize does


def raw_event(**changes: Any) -> dict[str, Any]:
    """The literal EVENT with top-level keys replaced (DROP removes one)."""
    return _merged(EVENT, changes)


def event(**changes: Any) -> Event:
    """The literal EVENT with changes, normalized as the Mobilize client would."""
    return normalize_event(raw_event(**changes))


def location(**changes: Any) -> dict[str, Any]:
    """The literal event location with keys replaced."""
    return _merged(EVENT["location"], changes)


def timeslot(event_record: Event, index: int = 0) -> Any:
    return event_record["timeslots"][index]


def person(**changes: Any) -> dict[str, Any]:
    return _merged(PERSON, changes)


def attendance(**changes: Any) -> Attendance:
    """The literal ATTENDANCE with top-level keys replaced, normalized."""
    return normalize_attendance(_merged(ATTENDANCE, changes))


def referrer(**changes: Any) -> dict[str, Any]:
    return _merged(ATTENDANCE["referrer"], changes)
