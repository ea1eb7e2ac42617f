"""Helpers for the PDI sandbox tests (not collected: the name does not start with test_)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.test import Client

from sandbox.pdi.setup import create_api_user

API = "/sandbox/pdi"
USERNAME = "sync-bot"
PASSWORD = "pdi-Pass-word-1"
API_TOKEN = "pdi-api-token-1"


class Pdi:
    """Django's test client speaking to the PDI sandbox with a session, as a PDI client does."""

    def __init__(self, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token: str | None = None

    def login(self, username: str = USERNAME, password: str = PASSWORD, api_token: str = API_TOKEN):
        response = self.send(
            "post", "/sessions", {"Username": username, "Password": password, "ApiToken": api_token}, auth=False
        )
        if response.status_code == 200:
            self.token = response.json()["AccessToken"]
        return response

    def send(self, method: str, path: str, body: Any = None, *, auth: bool = True, params: Any = None, **extra: Any):
        """One request; `body` is sent as JSON, `params` as the query string."""
        if auth and self.token:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        url = f"{API}{path}"
        if params:
            url = f"{url}?{urlencode(params)}"
        if body is None:
            return getattr(self.client, method)(url, **extra)
        return getattr(self.client, method)(url, data=json.dumps(body), content_type="application/json", **extra)

    def get(self, path: str, **params: Any):
        return self.send("get", path, params=params)

    def post(self, path: str, body: Any, **extra: Any):
        return self.send("post", path, body, **extra)

    def put(self, path: str, body: Any, **extra: Any):
        return self.send("put", path, body, **extra)

    def ok(self, response) -> Any:
        """The JSON of a 200 answer (the test fails with the body otherwise)."""
        assert response.status_code == 200, (response.status_code, response.content)
        return response.json()


def make_user(**kwargs: Any):
    return create_api_user(USERNAME, PASSWORD, API_TOKEN, **kwargs)


def event_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /calendars/{id}/events body."""
    body = {
        "locationId": None,
        "name": "Weekend canvass",
        "description": "Knock doors with us.",
        "startDateTimeUtc": "2030-05-04T14:00:00.000Z",
        "endDateTimeUtc": "2030-05-04T17:00:00.000Z",
        "isAllDay": "false",
        "recurrenceType": None,
        "recurrenceEndDateTimeUtc": None,
        "phone": "2155550100",
        "contactEmail": "organizer@example.org",
        "website": "https://www.mobilize.us/demo/event/1/",
    }
    body.update(overrides)
    return body


def model_state(response) -> dict[str, list[str]]:
    """The ModelState of a 400 in ASP.NET's envelope (the test fails if it is not one)."""
    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    assert body["Message"] == "The request is invalid."
    return body["ModelState"]
