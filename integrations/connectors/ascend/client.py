"""The Ascend (SMS) API client and the adapter the Ascend flow calls.

Ascend publishes no API documentation, so the contract is this project's own:
docs/connectors/ascend.md (what the sandbox serves too). In short:

- `Authorization: Bearer <API key>` on every request; JSON bodies; paths under `/v1/` relative
  to the account's base URL (which may carry a path, as the sandbox's does).
- Members are keyed by their E.164 phone, URL-encoded in paths (`%2B12155550101`).
- Lists: `?limit=` (1-200) and `?cursor=` -> `{"data": [...], "next_cursor": "..." | null}`;
  pages are fetched only when the consumer asks for them.
- Errors: `{"error": {"code", "message", "fields": {name: [why]}}}`; 422 `unsubscribed` is
  `MemberUnsubscribed`, a 409 on a group create carries the existing group in `error.existing`.
- 429 and 5xx are retried; a POST only when it surely did not land, or when it carries an
  `idempotency_key` (flow starts, messages) or is idempotent by contract (adding group members).

`AscendAdapter` wraps the client in the six operations the flow uses: when Ascend's real API is
known, a new adapter replaces this one and the flow does not change.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from ..errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    NotFoundError,
    RemoteValidationError,
    ServerError,
    TransportError,
    describe_field_errors,
    flatten_field_errors,
)
from ..http import Credential, HttpClient

logger = logging.getLogger(__name__)

MAX_LIMIT = 200  # the contract's largest page
# Phones per POST /v1/groups/{id}/members: the contract sets no maximum; this keeps a big event's
# body small and a 400 (an unknown phone) confined to one chunk's worth of work.
ADD_TO_GROUP_CHUNK = 200
OPT_IN_SOURCE = "mobilize"
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")


class MemberUnsubscribed(RemoteValidationError):
    """Ascend refused to touch an unsubscribed member (422 `unsubscribed`). Never retried: the
    member must resubscribe in Ascend first."""

    retryable = False


class MemberNotFound(NotFoundError):
    """No member with this phone, and the caller did not ask for one to be created."""


class ConflictError(RemoteValidationError):
    """HTTP 409: the object exists already; `existing` is the one Ascend named, if it did."""

    def __init__(self, message: str, *, existing: dict | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.existing = existing


def _phone(phone: str) -> str:
    """A phone checked to be E.164, so that a path never names a member ambiguously."""
    value = (phone or "").strip() if isinstance(phone, str) else phone
    if not isinstance(value, str) or not _E164.match(value):
        raise ValueError(f"phone={phone!r}: Ascend takes E.164 phones such as +12155550101.")
    return value


def _segment(value: str) -> str:
    """One URL path segment, everything (`+`, `/`) percent-encoded."""
    return quote(str(value), safe="")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }.get(type(value), f"a {type(value).__name__}")


class AscendClient(HttpClient):
    """One Ascend account, reached with its API key. One method per endpoint of the contract."""

    system = "Ascend"

    def __init__(self, base_url: str, api_key: str, *, page_size: int = MAX_LIMIT, **kwargs: Any) -> None:
        base_url = (base_url or "").strip()
        if not base_url:
            raise ValueError("The Ascend API address is required, e.g. http://127.0.0.1:8000/sandbox/ascend.")
        super().__init__(base_url, **kwargs)
        self._api_key = Credential((api_key or "").strip())
        # Ascend documents no rate limit; these are ours, read at construction so settings win.
        self.read_rate = settings.ASCEND_READ_RATE
        self.write_rate = settings.ASCEND_WRITE_RATE
        if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_LIMIT:
            raise ValueError(f"page_size={page_size!r}: an Ascend page holds 1 to {MAX_LIMIT} records.")
        self.page_size = page_size

    def __repr__(self) -> str:
        return f"<AscendClient {self.base_url}>"

    # --- HttpClient hooks --------------------------------------------------------------------------
    def request(
        self, method: str, path_or_url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send a request (see `HttpClient.request`); `idempotent` says a POST may be repeated.

        By default a POST whose JSON body carries an `idempotency_key` is idempotent: Ascend
        answers a repeat with the first result, so a POST after a 5xx or a read timeout is resent.
        """
        if not self._api_key:
            raise AuthenticationError("Ascend needs an API key; none is set. Enter the key Ascend issued.")
        if idempotent is None:
            payload = kwargs.get("json")
            idempotent = isinstance(payload, Mapping) and bool(payload.get("idempotency_key"))
        return super().request(method, path_or_url, idempotent=idempotent, **kwargs)

    def prepare(self, request_kwargs: dict[str, Any]) -> None:
        """The API key as a bearer token on every attempt."""
        headers = dict(request_kwargs.get("headers") or {})  # never mutate the caller's dict
        headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
        request_kwargs["headers"] = headers

    def _envelope(self, response: requests.Response) -> dict | None:
        try:
            body = response.json()
        except ValueError:
            return None
        error = body.get("error") if isinstance(body, dict) else None
        return error if isinstance(error, dict) else None

    def error_message(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        """Read `{"error": {"code", "message", "fields"}}` into a sentence and field errors.

        HTML pages and plain text become a short line; anything echoing the API key is redacted.
        """
        error = self._envelope(response)
        if error is not None:
            parts: list[str] = []
            message = error.get("message")
            if isinstance(message, str) and message.strip():
                parts.append(self._redact(message.strip()).rstrip(".") + ".")
            field_errors = {
                name: [self._redact(why) for why in reasons]
                for name, reasons in flatten_field_errors(error.get("fields") or {}).items()
            }
            if field_errors:
                parts.append(describe_field_errors(field_errors).rstrip(".") + ".")
            if not parts and isinstance(error.get("code"), str):
                parts.append(f"{error['code']}.")
            if parts:
                return " ".join(parts), field_errors
        content_type = response.headers.get("Content-Type", "")
        text = response.text.strip()
        if "html" in content_type or text.startswith("<"):
            return f"an HTML error page ({response.reason or 'no reason given'})", {}
        return self._redact(" ".join(text[:200].split())) or response.reason or "no details", {}

    def error_for(self, method: str, path: str, response: requests.Response) -> ConnectorError:
        """The contract's statuses as typed errors with sentences a campaign's staff can act on."""
        status = response.status_code
        if status == 429 or status >= 500:
            return super().error_for(method, path, response)
        detail, field_errors = self.error_message(response)
        error = self._envelope(response) or {}
        code = error.get("code") if isinstance(error.get("code"), str) else None
        where = f"Ascend answered HTTP {status} to {method} {path}"
        if status in (401, 403):
            return AuthenticationError(
                f"{where}: the API key was refused ({detail}). Check the Ascend API key of this integration.",
                status=status,
                details=code,
            )
        if status == 404:
            return NotFoundError(f"{where}: not found ({detail}).", status=status, details=code)
        if status == 409:
            existing = error.get("existing")
            return ConflictError(
                f"{where}: it exists already ({detail}).",
                status=status,
                field_errors=field_errors,
                existing=existing if isinstance(existing, dict) else None,
                details=code,
            )
        if status == 422 and code == "unsubscribed":
            return MemberUnsubscribed(
                f"{where}: the member is unsubscribed and Ascend will not change or message them ({detail}).",
                status=status,
                field_errors=field_errors,
                details=code,
            )
        if status in (400, 422):
            return RemoteValidationError(
                f"{where}: Ascend rejected the request: {detail}",
                status=status,
                field_errors=field_errors,
                details=code,
            )
        return ConnectorError(f"{where}: {detail}", status=status, details=code)

    def _redact(self, text: str) -> str:
        """A server may echo what it refused; the API key may reach no log or run message."""
        return self._api_key.redact(text)

    # --- bodies --------------------------------------------------------------------------------------
    def _get(self, path: str, params: Any = None) -> dict:
        where = f"Ascend answered GET /{path} with"

        def validate(body: Any) -> dict:
            if not isinstance(body, dict):
                raise MalformedResponseError(f"{where} {_json_type(body)} where an object was expected.")
            return body

        return self.request_json("GET", path, params=params, validate=validate)

    def _write(
        self, method: str, path: str, payload: Mapping[str, Any], *, key: str, **kwargs: Any
    ) -> tuple[dict, int]:
        """Send a write; return the object Ascend answered (which must hold `key`) and the status.

        A body that is not that object is a MalformedResponseError that is not retried: the write
        may have landed (a repeat with the same idempotency key, or the next run, finds it).
        """
        response = self.request(method, path, json=dict(payload), **kwargs)
        what = f"Ascend answered {method} /{path} with HTTP {response.status_code} and"
        try:
            body = response.json()
        except ValueError:
            raise MalformedResponseError(f"{what} a body that is not JSON.", retryable=False) from None
        if not isinstance(body, dict) or key not in body:
            raise MalformedResponseError(
                f"{what} {_json_type(body)} without `{key}` where the object was expected.", retryable=False
            )
        return body, response.status_code

    # --- lists ---------------------------------------------------------------------------------------
    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict]:
        """Yield every record of a list endpoint, a page at a time, following `next_cursor`.

        Every request sends `limit` (the page size); the next page is asked for only when the
        consumer reaches the end of this one. A cursor answered twice stops the list with an error
        instead of looping.
        """
        if params and ({"limit", "cursor"} & set(params)):
            raise ValueError("paginate sends limit and cursor itself; set page_size on the client instead.")
        path = path.strip("/")
        shown = "/" + path
        query = [(str(name), str(value)) for name, value in (params or {}).items() if value is not None]
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            send = [*query, ("limit", str(self.page_size))] + ([("cursor", cursor)] if cursor else [])
            records, next_cursor = self.request_json(
                "GET", path, params=send, validate=lambda body: self._list_envelope(body, shown)
            )
            logger.debug("Ascend GET %s: a page of %d records", shown, len(records))
            yield from records
            if not next_cursor:
                return
            if next_cursor in seen:
                raise MalformedResponseError(
                    f"Ascend answered GET {shown} with a next_cursor already followed; stopping instead of looping.",
                    retryable=False,
                )
            seen.add(next_cursor)
            cursor = next_cursor

    @staticmethod
    def _list_envelope(body: Any, shown: str) -> tuple[list[dict], str | None]:
        where = f"Ascend answered GET {shown} with"
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{where} {_json_type(body)} instead of its {{data, next_cursor}} envelope.")
        data = body.get("data")
        if not isinstance(data, list):
            raise MalformedResponseError(f"{where} `data` as {_json_type(data)} where a list was expected.")
        if not all(isinstance(record, dict) for record in data):
            raise MalformedResponseError(f"{where} `data` items that are not all objects.")
        next_cursor = body.get("next_cursor")
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise MalformedResponseError(
                f"{where} `next_cursor` as {_json_type(next_cursor)} where a string or null was expected."
            )
        return data, next_cursor

    # --- members -------------------------------------------------------------------------------------
    def get_member(self, phone: str) -> dict:
        """A member: GET /v1/members/{phone} (NotFoundError for an unknown phone)."""
        return self._get(f"v1/members/{_segment(_phone(phone))}")

    def put_member(
        self,
        phone: str,
        *,
        fields: Mapping[str, Any],
        custom_fields: Mapping[str, Any],
        create: bool,
        opt_in_at: str | None = None,
    ) -> tuple[dict, bool]:
        """Upsert a member: PUT /v1/members/{phone} {fields, custom_fields, create, opt_in?}.

        Returns the member and whether Ascend created it (201). Only the fields given are set.
        A missing member with `create=False` is a NotFoundError; an unsubscribed one is
        MemberUnsubscribed. `opt_in_at` (ISO 8601) sends `opt_in: {"source": "mobilize", "at"}`.
        """
        payload: dict[str, Any] = {
            "fields": dict(fields),
            "custom_fields": dict(custom_fields),
            "create": bool(create),
        }
        if opt_in_at:
            payload["opt_in"] = {"source": OPT_IN_SOURCE, "at": opt_in_at}
        member, status = self._write("PUT", f"v1/members/{_segment(_phone(phone))}", payload, key="phone")
        return member, status == 201

    # --- groups --------------------------------------------------------------------------------------
    def create_group(self, name: str, external_id: str, *, kind: str = "event") -> dict:
        """Create a group: POST /v1/groups {name, kind, external_id} -> the group.

        A group with this `external_id` already is a ConflictError whose `existing` is that group.
        Not retried after a 5xx (it may have landed); `find_group` finds it then.
        """
        if not (name or "").strip():
            raise ValueError("An Ascend group needs a name.")
        payload = {"name": name.strip(), "kind": kind, "external_id": external_id}
        group, _status = self._write("POST", "v1/groups", payload, key="id")
        return group

    def find_group(self, external_id: str) -> dict | None:
        """The group with an external id, or None: GET /v1/groups?external_id= (0 or 1 group)."""
        for group in self.paginate("v1/groups", {"external_id": external_id}):
            return group
        return None

    def add_to_group(self, group_id: str, phones: Sequence[str]) -> dict:
        """Add members: POST /v1/groups/{id}/members {phones} -> {added, already}.

        Idempotent by contract (a member already in the group is counted in `already`), so it is
        retried like a PUT. An unknown phone is a RemoteValidationError.
        """
        payload = {"phones": [_phone(phone) for phone in phones]}
        body, _status = self._write(
            "POST", f"v1/groups/{_segment(group_id)}/members", payload, key="added", idempotent=True
        )
        return body

    def groups(self) -> Iterator[dict]:
        """The account's groups, streamed: GET /v1/groups."""
        return self.paginate("v1/groups")

    # --- flows and messages --------------------------------------------------------------------------
    def start_flow(self, flow_id: str, phone: str, idempotency_key: str, context: Mapping[str, Any]) -> dict:
        """Start a flow for a member: POST /v1/flows/{flow_id}/starts {phone, idempotency_key, context}.

        The same key again answers the first start (200), so the POST is retried after a 5xx.
        An unsubscribed member is MemberUnsubscribed.
        """
        if not (idempotency_key or "").strip():
            raise ValueError("A flow start needs an idempotency_key: it is what makes a repeat harmless.")
        payload = {"phone": _phone(phone), "idempotency_key": idempotency_key, "context": dict(context)}
        start, _status = self._write("POST", f"v1/flows/{_segment(flow_id)}/starts", payload, key="id")
        return start

    def send_message(self, phone: str, body: str, idempotency_key: str) -> dict:
        """Send a text: POST /v1/messages {phone, body, idempotency_key}; idempotent like flow starts."""
        if not (idempotency_key or "").strip():
            raise ValueError("A message needs an idempotency_key: it is what makes a repeat harmless.")
        if not (body or "").strip():
            raise ValueError("A message needs a body.")
        payload = {"phone": _phone(phone), "body": body, "idempotency_key": idempotency_key}
        message, _status = self._write("POST", "v1/messages", payload, key="id")
        return message

    def flows(self) -> Iterator[dict]:
        """The account's flows, streamed: GET /v1/flows -> {id, name}."""
        return self.paginate("v1/flows")

    def account(self) -> dict:
        """The account the API key belongs to: GET /v1/account -> {id, name}."""
        return self._get("v1/account")


class AscendAdapter:
    """The six operations the flow uses; the only thing a vendor's real API would replace."""

    def __init__(self, client: AscendClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"<AscendAdapter {self.client!r}>"

    def read_member(self, phone: str) -> dict | None:
        """The member with this phone, or None when Ascend has none."""
        try:
            return self.client.get_member(phone)
        except NotFoundError:
            return None

    def upsert_member(
        self,
        phone: str,
        fields: Mapping[str, Any],
        custom_fields: Mapping[str, Any],
        *,
        create: bool,
        opt_in_at: str | None = None,
    ) -> tuple[dict, bool]:
        """Set exactly these fields on the member with this phone; create it when `create` allows.

        Returns (member, created). Raises MemberUnsubscribed for an unsubscribed member (never
        retried) and MemberNotFound when the member is missing and `create` is False.
        """
        try:
            return self.client.put_member(
                phone, fields=fields, custom_fields=custom_fields, create=create, opt_in_at=opt_in_at
            )
        except NotFoundError as exc:
            if create:
                raise  # with create=True a 404 is not about the member: say what Ascend said
            raise MemberNotFound(
                f"Ascend has no member with phone {phone} and this update may not create one.",
                status=exc.status,
                details=exc.details,
            ) from exc

    def ensure_group(self, name: str, external_id: str) -> dict:
        """The event group with this external id: created, or the one that exists already.

        A 409 names the existing group; if it does not, or a create failed on Ascend's side (it
        may have landed), the group is looked up by `external_id`.
        """
        try:
            return self.client.create_group(name, external_id)
        except ConflictError as exc:
            if exc.existing is not None:
                return exc.existing
            found = self.client.find_group(external_id)
            if found is None:
                raise
            return found
        except (ServerError, TransportError, MalformedResponseError):
            found = self.client.find_group(external_id)
            if found is None:
                raise
            logger.info("Ascend: the create of group %s failed but it had landed; using it", external_id)
            return found

    def add_to_group(self, group_id: str, phones: Sequence[str]) -> None:
        """Add these members to the group (each phone once; those already in it are fine)."""
        unique = list(dict.fromkeys(phones))
        for start in range(0, len(unique), ADD_TO_GROUP_CHUNK):
            self.client.add_to_group(group_id, unique[start : start + ADD_TO_GROUP_CHUNK])

    def start_flow(self, flow_id: str, phone: str, idempotency_key: str, context: Mapping[str, Any]) -> dict:
        """Start a flow for a member, at most once per idempotency key."""
        return self.client.start_flow(flow_id, phone, idempotency_key, context)

    def send_message(self, phone: str, body: str, idempotency_key: str) -> dict:
        """Text a member, at most once per idempotency key."""
        return self.client.send_message(phone, body, idempotency_key)

    def flows(self) -> list[dict]:
        """Every flow of the account ({id, name}), for the settings page's choices."""
        return list(self.client.flows())

    def test_connection(self) -> list[str]:
        """Read the account and its flows; return sentences saying what was checked (no secrets)."""
        account = self.client.account()
        name = str(account.get("name") or f"#{account.get('id')}")
        checked = [f"Ascend: the API key works for account {name}."]
        names = [str(flow.get("name") or f"#{flow.get('id')}") for flow in self.flows()]
        if not names:
            checked.append("Ascend: 0 flows: create one in Ascend to start it from Mobilize events.")
        else:
            shown = ", ".join(names[:10]) + (f", and {len(names) - 10} more" if len(names) > 10 else "")
            checked.append(f"Ascend: {len(names)} flow{'s' if len(names) != 1 else ''}: {shown}.")
        return checked


__all__ = [
    "MAX_LIMIT",
    "AscendAdapter",
    "AscendClient",
    "ConflictError",
    "MemberNotFound",
    "MemberUnsubscribed",
]
