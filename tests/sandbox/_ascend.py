"""Helpers for the Ascend sandbox tests (not collected: the name does not start with test_)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from django.test import Client

API = "/sandbox/ascend/v1"
API_KEY = "ascend-test-key-1"


class Ascend:
    """Django's test client speaking to the Ascend sandbox with an API key, as the connector does."""

    def __init__(self, api_key: str | None = API_KEY, client: Client | None = None) -> None:
        self.client = client or Client()
        self.api_key = api_key

    def send(self, method: str, path: str, body: Any = None, *, params: Any = None, **extra: Any):
        """One request; `body` is sent as JSON, `params` as the query string."""
        if self.api_key:
            extra.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.api_key}")
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

    def member_path(self, phone: str) -> str:
        """`/members/%2B1...`: the phone URL-encoded, as the contract writes it."""
        return f"/members/{quote(phone, safe='')}"


def json_of(response, status: int) -> Any:
    """The JSON of an answer with this status (the test fails with the body otherwise)."""
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


def error_of(response, status: int, code: str) -> dict[str, Any]:
    """The `error` object of an error answer, checked to have this status and code."""
    error = json_of(response, status)["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    return error
