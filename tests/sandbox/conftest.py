"""Fixtures for the Mobilize sandbox tests: the demo data, a small API client, generous rates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from sandbox.mobilize.loader import load_file

DEMO_FILE = Path(django_settings.BASE_DIR) / "sandbox" / "fixtures" / "mobilize_demo.json"
BASE = "/sandbox/mobilize/v1"
DEMO_KEY = "demo-mobilize-key"  # organization 1001, coordinated
INDEPENDENT_KEY = "demo-independent-key"  # organization 2002, independent, restricts sharing
ALLIED_KEY = "demo-allied-key"  # organization 3003, coordinated


@pytest.fixture(autouse=True)
def _generous_sandbox_rate(settings):
    """View tests fire many requests a second; the rate-limit tests set their own rate."""
    settings.SANDBOX_GET_RATE = "100000/second"
    settings.SANDBOX_FAULTS = []


@pytest.fixture
def demo(db) -> None:
    """The demo document loaded into the sandbox."""
    load_file(DEMO_FILE)


class Api:
    """Django's test client speaking to the sandbox: `get(path, key=..., **params) -> (status, body)`."""

    def __init__(self) -> None:
        self.client = Client()

    def get(self, path: str, key: str | None = None, params: Any = None, **headers: str):
        if key is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        response = self.client.get(f"{BASE}/{path.lstrip('/')}", params or {}, **headers)
        try:
            body = response.json()
        except ValueError:
            body = response.content
        return response.status_code, body

    def all(self, path: str, key: str | None = None, params: Any = None) -> list[dict]:
        """Every record of a list endpoint, following `next` links."""
        status, body = self.get(path, key, params)
        assert status == 200, body
        records = list(body["data"])
        while body["next"]:
            headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
            response = self.client.get(body["next"], **headers)
            assert response.status_code == 200, response.content
            body = response.json()
            records.extend(body["data"])
        return records


@pytest.fixture
def api() -> Api:
    return Api()


# --- small factories for focused tests (ids are explicit, as Mobilize's are) ----------------------


class Factory:
    """Build sandbox records with sensible defaults; each call takes the next id."""

    def __init__(self) -> None:
        self._next = 100

    def next_id(self) -> int:
        self._next += 1
        return self._next

    def org(self, *, coordinated: bool = True, key: str | None = None, promotes=(), **fields):
        from sandbox.mobilize.models import ApiKey, Organization

        org_id = fields.pop("id", None) or self.next_id()
        fields.setdefault("name", f"Org {org_id}")
        fields.setdefault("slug", f"org-{org_id}")
        org = Organization(id=org_id, is_coordinated=coordinated, **fields)
        org.save(touch="modified_date" not in fields)
        if key:
            ApiKey.objects.create(key=key, organization=org)
        org.promotes.set(promotes)
        return org

    def event(self, org, *, slots=((1_900_000_000, 1_900_003_600),), location: dict | None = None, **fields):
        from sandbox.mobilize.models import Event, Location, Timeslot

        event_id = fields.pop("id", None) or self.next_id()
        fields.setdefault("title", f"Event {event_id}")
        event = Event(id=event_id, organization=org, **fields)
        event.save(touch="modified_date" not in fields)
        if location is not None:
            Location(event=event, **location).save(touch=False)
        for start, end in slots:
            Timeslot(id=self.next_id(), event=event, start_date=start, end_date=end).save(touch=False)
        return event

    def person(self, *orgs, **fields):
        from sandbox.mobilize.models import Person

        person_id = fields.pop("id", None) or self.next_id()
        fields.setdefault("email_address", f"person{person_id}@example.com")
        fields.setdefault("user_id", person_id + 90000)
        person = Person(id=person_id, person_id=person_id, **fields)
        person.save(touch="modified_date" not in fields)
        person.organizations.set(orgs)
        return person

    def attendance(self, person, event, *, sponsor=None, timeslot=None, **fields):
        from sandbox.mobilize.models import Attendance

        attendance = Attendance(
            id=fields.pop("id", None) or self.next_id(),
            person=person,
            event=event,
            timeslot=timeslot or event.timeslots.first(),
            sponsor=sponsor or event.organization,
            **fields,
        )
        attendance.save(touch="modified_date" not in fields)
        return attendance


@pytest.fixture
def make(db) -> Factory:
    return Factory()
