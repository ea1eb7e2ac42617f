"""Helpers for the ActionKit sandbox tests (not collected: the name does not start with test_)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

from sandbox.actionkit.setup import ensure_api_user, ensure_campaign

API = "/sandbox/actionkit/rest/v1"
USERNAME = "sync-bot"
PASSWORD = "s3cret-Actionkit-pw"
CREATE_PAGE = "house-parties_host"
SIGNUP_PAGE = "house-parties_attend"


def basic(username: str = USERNAME, password: str = PASSWORD) -> dict[str, str]:
    """Django test client kwargs for HTTP Basic auth."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def make_instance(*, cap: int | None = 200, default_size: int | None = 50):
    """An API user and a campaign with its host and signup pages; returns the campaign."""
    ensure_api_user(USERNAME, PASSWORD)
    return ensure_campaign(
        "house-parties", CREATE_PAGE, SIGNUP_PAGE, max_attendees_cap=cap, default_event_size=default_size
    )


def future_start(days: int = 30) -> datetime:
    return (datetime.now() + timedelta(days=days)).replace(hour=19, minute=30, second=0, microsecond=0)


def host_fields(start: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    """The host page fields of a valid event (as the docs' example, with a future start)."""
    start = start or future_start()
    fields = {
        "event_title": "My House Party",
        "event_venue": "My House",
        "event_address1": "123 Main Street",
        "event_city": "San Francisco",
        "event_state": "CA",
        "event_zip": "94110",
        "event_max_attendees": "100",
        "event_public_description": "This party is the best house party of all.",
        "event_host_ground_rules": "1",
        "event_host_requirements": "1",
        "event_starts_at_date": start.strftime("%m/%d/%Y"),
        "event_starts_at_time": start.strftime("%I:%M"),
        "event_starts_at_ampm": start.strftime("%p").lower(),
    }
    fields.update(overrides)
    return {key: value for key, value in fields.items() if value is not None}


def post_json(client, path: str, body: Any, **extra: Any):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def patch_json(client, path: str, body: Any, **extra: Any):
    return client.patch(path, data=json.dumps(body), content_type="application/json", **extra)


def id_from_location(response) -> int:
    return int(response["Location"].rstrip("/").rsplit("/", 1)[1])
