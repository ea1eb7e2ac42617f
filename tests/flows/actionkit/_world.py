"""A small Mobilize world for the end-to-end ActionKit tests, in the shape of Mobilize's API.

Our organization (coordinated) promotes an independent PAC (across the firewall), which
promotes us back, and a coordinated ally (same side). Times are relative to now, so that
"future" and "past" timeslots stay so whenever the suite runs.
"""

from __future__ import annotations

import copy
import time
from typing import Any

OURS, PAC, ALLY = 1001, 2002, 3003
OUR_KEY = "ours-key"
HOUR, DAY = 3600, 86400


def now() -> int:
    return int(time.time()) // HOUR * HOUR


def organization(org_id: int, name: str, *, independent: bool, promotes: list[int], keys: list[str]) -> dict:
    return {
        "id": org_id,
        "name": name,
        "slug": name.lower().replace(" ", "-"),
        "is_coordinated": not independent,
        "is_independent": independent,
        "race_type": None,
        "is_primary_campaign": False,
        "state": "PA",
        "district": "",
        "candidate_name": "",
        "event_feed_url": f"https://www.mobilize.us/{org_id}/",
        "created_date": 1_700_000_000,
        "modified_date": 1_700_000_000,
        "org_type": "INDEPENDENT" if independent else "CAMPAIGN",
        "sandbox_api_keys": keys,
        "sandbox_promotes": promotes,
    }


ORGANIZATIONS = {
    OURS: organization(OURS, "Demo Campaign", independent=False, promotes=[PAC, ALLY], keys=[OUR_KEY]),
    PAC: organization(PAC, "Independent PAC", independent=True, promotes=[OURS], keys=["pac-key"]),
    ALLY: organization(ALLY, "Allied Party", independent=False, promotes=[], keys=["ally-key"]),
}


def sponsor(org_id: int) -> dict:
    return {key: value for key, value in ORGANIZATIONS[org_id].items() if not key.startswith("sandbox_")}


def location(**overrides: Any) -> dict:
    base = {
        "venue": "Campaign HQ",
        "address_lines": ["1500 Market St", "Suite 300"],
        "locality": "Philadelphia",
        "region": "PA",
        "country": "US",
        "postal_code": "19102",
        "location": {"latitude": 39.95, "longitude": -75.16},
        "congressional_district_value": "3",
    }
    return {**base, **overrides}


def timeslot(timeslot_id: int, start: int, hours: int = 2, **overrides: Any) -> dict:
    return {
        "id": timeslot_id,
        "start_date": start,
        "end_date": start + hours * HOUR,
        "max_attendees": 20,
        "is_full": False,
        "instructions": None,
        **overrides,
    }


def event(event_id: int, owner: int, timeslots: list[dict], **overrides: Any) -> dict:
    base = {
        "id": event_id,
        "title": f"Event {event_id}",
        "description": f"<p>About event {event_id}.</p>",
        "featured_image_url": "",
        "high_priority": False,
        "sponsor": sponsor(owner),
        "timeslots": timeslots,
        "location": location(),
        "timezone": "America/New_York",
        "event_type": "CANVASS",
        "browser_url": f"https://www.mobilize.us/x/event/{event_id}/",
        "created_date": 1_700_000_000,
        "modified_date": now() - DAY,
        "visibility": "PUBLIC",
        "address_visibility": "PUBLIC",
        "created_by_volunteer_host": False,
        "is_virtual": False,
        "virtual_action_url": None,
        "contact": {
            "name": "Riley Organizer",
            "email_address": f"organizer{owner}@example.org",
            "phone_number": "2155550100",
            "owner_user_id": 90000 + owner,
        },
        "accessibility_status": None,
        "accessibility_notes": "",
        "tags": [],
        "approval_status": "APPROVED",
        "event_campaign": None,
        "instructions": "Bring water.",
    }
    return {**base, **overrides}


def person(user_id: int, email: str, given: str, family: str, phone: str, zip_code: str, orgs: list[int]) -> dict:
    return {
        "id": user_id,
        "person_id": user_id,
        "user_id": user_id,
        "created_date": 1_700_000_000,
        "modified_date": now() - DAY,
        "given_name": given,
        "family_name": family,
        "email_addresses": [{"primary": True, "address": email}],
        "phone_numbers": [{"primary": True, "number": phone}],
        "postal_addresses": [{"primary": True, "postal_code": zip_code}],
        "sms_opt_in_status": "OPT_IN",
        "blocked_date": None,
        "sandbox_organizations": orgs,
    }


def attendance(attendance_id: int, who: dict, event_id: int, timeslot_id: int, recruiter: int, **overrides) -> dict:
    return {
        "id": attendance_id,
        "created_date": now() - DAY,
        "modified_date": now() - DAY,
        "person": {"id": who["user_id"]},
        "event": {"id": event_id},
        "timeslot": {"id": timeslot_id},
        "sponsor": {"id": recruiter},
        "status": "REGISTERED",
        "attended": None,
        "referrer": None,
        "custom_signup_field_values": [],
        **overrides,
    }


class World:
    """The data, kept as API-shaped dicts so a test can change one thing and load it again."""

    def __init__(self) -> None:
        t = now() + 30 * DAY
        past = now() - 30 * DAY
        self.people = {
            "ana": person(501, "ana@example.com", "Ana", "Lopez", "(215) 555-0101", "19103", [OURS]),
            "ben": person(502, "ben@example.com", "Ben", "Okafor", "215-555-0102", "19104", [OURS, PAC]),
            "cy": person(503, "cy@example.com", "Cy", "Nguyen", "2155550103", "19106", [OURS]),
            "dee": person(504, "dee@example.com", "Dee", "Park", "+1 215 555 0104", "19107", [OURS]),
        }
        self.events = {
            # Owned: three shifts of one canvass.
            "multi": event(10, OURS, [timeslot(101, t), timeslot(102, t + DAY), timeslot(103, t + 2 * DAY)]),
            "virtual": event(11, OURS, [timeslot(111, t)], is_virtual=True, location=None, title="Phone bank"),
            "virtual_here": event(
                12, OURS, [timeslot(121, t)], is_virtual=True, title="Hybrid training", event_type="TRAINING"
            ),
            "private_address": event(
                13,
                OURS,
                [timeslot(131, t)],
                address_visibility="PRIVATE",
                title="House party",
                event_type="HOUSE_PARTY",
            ),
            "accessible": event(
                14,
                OURS,
                [timeslot(141, t)],
                accessibility_status="ACCESSIBLE",
                accessibility_notes="Ramp at the south door.",
                title="Town hall",
            ),
            "past_and_future": event(15, OURS, [timeslot(151, past), timeslot(152, t)], title="Weekly canvass"),
            # Promoted: the ally's events (same side) and the PAC's (across the firewall).
            "ally_recruited": event(30, ALLY, [timeslot(301, t)], title="Ally rally", event_type="RALLY"),
            "ally_quiet": event(31, ALLY, [timeslot(311, t)], title="Ally meeting"),
            "pac_recruited": event(
                20, PAC, [timeslot(201, t + 3 * HOUR)], title="PAC phone bank", event_type="PHONE_BANK"
            ),
            "pac_quiet": event(21, PAC, [timeslot(211, t)], title="PAC canvass"),
        }
        referrer = {
            "utm_source": "newsletter",
            "utm_medium": "email",
            "utm_campaign": "x" * 150,
            "utm_term": None,
            "utm_content": "button",
            "url": "https://www.mobilize.us/x/event/10/?source=weekly-email&akid=.1501.Xk501q",
        }
        self.attendances = {
            # Ana signs up through our own email for shift 1 of our canvass.
            "ana_multi": attendance(7001, self.people["ana"], 10, 101, OURS, referrer=referrer),
            # Ben was recruited to our canvass by the PAC, across the firewall.
            "ben_multi": attendance(7002, self.people["ben"], 10, 102, PAC),
            # We recruited Cy to the ally's rally (same side).
            "cy_ally": attendance(7003, self.people["cy"], 30, 301, OURS, status="CONFIRMED"),
            # We recruited Dee to the PAC's phone bank (across the firewall).
            "dee_pac": attendance(7004, self.people["dee"], 20, 201, OURS, attended=True, rating="POSITIVE"),
            # Ana attended the past shift of the weekly canvass.
            "ana_past": attendance(7005, self.people["ana"], 15, 151, OURS, attended=True),
        }
        self.deleted_events: list[dict] = []

    def data(self) -> dict:
        return copy.deepcopy(
            {
                "organizations": list(ORGANIZATIONS.values()),
                "events": list(self.events.values()),
                "people": list(self.people.values()),
                "attendances": list(self.attendances.values()),
                "deleted_events": self.deleted_events,
            }
        )

    def touch(self, record: dict) -> dict:
        """Mark a record modified now (Mobilize bumps modified_date on every change)."""
        record["modified_date"] = int(time.time())
        return record
