"""Helpers for the Mobile Commons sandbox tests (not collected: the name does not start with test_)."""

from __future__ import annotations

import base64
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from django.test import Client

API = "/sandbox/mobilecommons/api"
LOGIN = "mc@example.org"
PASSWORD = "mc-sandbox-password"


def basic(login: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


class Mc:
    """Django's test client speaking to the Mobile Commons sandbox with HTTP Basic auth (and a
    company key when given), as the connector does."""

    def __init__(
        self, login: str | None = LOGIN, password: str = PASSWORD, company: str = "", client: Client | None = None
    ) -> None:
        self.client = client or Client()
        self.login = login
        self.password = password
        self.company = company

    def _extra(self, extra: dict[str, Any]) -> dict[str, Any]:
        if self.login is not None:
            extra.setdefault("HTTP_AUTHORIZATION", basic(self.login, self.password))
        return extra

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"company": self.company, **params} if self.company else params

    def get(self, call: str, params: dict[str, Any] | None = None, **extra: Any):
        return self.client.get(f"{API}/{call}", self._params(params or {}), **self._extra(extra))

    def post(self, call: str, params: dict[str, Any] | None = None, **extra: Any):
        """A POST with form parameters (the company key, when there is one, in the query string)."""
        url = f"{API}/{call}" + (f"?company={self.company}" if self.company else "")
        return self.client.post(url, params or {}, **self._extra(extra))


def xml_of(response) -> Element:
    """The `<response success="true">` root of a successful answer (the test fails with the body otherwise)."""
    assert response.status_code == 200, (response.status_code, response.content)
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    root = ElementTree.fromstring(response.content)
    assert root.tag == "response" and root.get("success") == "true", response.content
    return root


def error_of(response, error_id: int) -> str:
    """The message of a `success="false"` answer, checked to be served with HTTP 200 and to carry this id."""
    assert response.status_code == 200, (response.status_code, response.content)
    root = ElementTree.fromstring(response.content)
    assert root.tag == "response" and root.get("success") == "false", response.content
    errors = root.findall("error")
    assert len(errors) == 1 and errors[0].get("id") == str(error_id), response.content
    return errors[0].get("message")


def profile_of(response) -> Element:
    """The one `<profile>` of a successful answer."""
    profiles = xml_of(response).findall("profile")
    assert len(profiles) == 1, profiles
    return profiles[0]


def text(element: Element, path: str) -> str:
    """The text of a child element ("" when it is empty); the test fails when it is missing."""
    found = element.find(path)
    assert found is not None, f"no <{path}>"
    return found.text or ""


def custom_columns(profile: Element) -> dict[str, str]:
    return {column.get("name"): column.text or "" for column in profile.findall("custom_columns/custom_column")}


def subscriptions(profile: Element) -> list[dict[str, str]]:
    return [dict(element.attrib) for element in profile.findall("subscriptions/subscription")]
