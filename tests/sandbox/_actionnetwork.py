"""Helpers for the Action Network sandbox tests (not collected: the name does not start with test_)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.test import Client

API = "/sandbox/actionnetwork/api/v2"
TOKEN = "an-test-token-1"


class ActionNetwork:
    """Django's test client speaking to the Action Network sandbox with a token, as the connector does."""

    def __init__(self, token: str | None = TOKEN, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token = token

    def send(self, method: str, path: str, body: Any = None, *, params: Any = None, **extra: Any):
        """One request; `body` is sent as JSON, `params` as the query string."""
        if self.token:
            extra.setdefault("HTTP_OSDI_API_TOKEN", self.token)
        url = f"{API}{path}"
        if params:
            url = f"{url}?{urlencode(params)}"
        if body is None:
            return getattr(self.client, method)(url, **extra)
        return getattr(self.client, method)(url, data=json.dumps(body), content_type="application/json", **extra)

    def get(self, path: str, **params: Any):
        return self.send("get", path, params=params)

    def people(self, **params: Any) -> dict[str, Any]:
        """`GET people` with these parameters, checked to be a 200."""
        return json_of(self.get("/people", **params), 200)

    def signup(self, person: dict[str, Any], **extra_body: Any):
        return self.send("post", "/people/", {"person": person, **extra_body})

    def put(self, uuid: Any, body: Any):
        return self.send("put", f"/people/{uuid}", body)


def json_of(response, status: int) -> Any:
    """The JSON of an answer with this status (the test fails with the body otherwise)."""
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


def error_of(response, status: int) -> str:
    """The `error` sentence of an error answer with this status."""
    body = json_of(response, status)
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"], body
    return body["error"]


def uuid_of(person: dict[str, Any]) -> str:
    """The URL id of an OSDI person: its action_network identifier without the prefix."""
    (identifier,) = [i for i in person["identifiers"] if i.startswith("action_network:")]
    return identifier.removeprefix("action_network:")


def embedded(page: dict[str, Any]) -> list[dict[str, Any]]:
    return page["_embedded"]["osdi:people"]
