"""The ActionKit REST API client: users, phones, events, event signups and their custom fields.

Methods are named after ActionKit's own resources (`eventsignup`, `eventfield`, the `action`
processor) and their docstrings repeat ActionKit's documented semantics (docs.actionkit.com:
"Generic Action Processing", "Add An Event To A Campaign", "Add A Signup To An Event",
"Updating a Signup", "Searching Campaigns, Events and Signups"), so a reader can match each call
to the manual. Every path is `rest/v1/<resource>/...` and always ends with a slash: without it
ActionKit (Django) redirects, and the redirect drops a POST or PATCH body.

Lists are generators that fetch the next page only when the consumer asks for it. Rate limits,
retries with backoff (never a non-idempotent POST after the server may have acted) and typed
errors come from `HttpClient`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from ..errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    NotFoundError,
    RemoteValidationError,
    ServerError,
    flatten_field_errors,
)
from ..http import Credential, HttpClient

logger = logging.getLogger(__name__)

API_ROOT = "rest/v1"
MAX_LIMIT = 100  # "The maximum number of objects returned per request is 100."

# The event fields ActionKit's `event` resource has, i.e. what the low-level POST/PATCH take.
EVENT_RESOURCE_FIELDS = (
    "title",
    "venue",
    "address1",
    "address2",
    "city",
    "state",
    "region",
    "zip",
    "plus4",
    "postal",
    "country",
    "latitude",
    "longitude",
    "public_description",
    "directions",
    "note_to_attendees",
    "notes",
    "is_private",
    "is_approved",
    "host_is_confirmed",
    "max_attendees",
    "status",
    "starts_at",
    "ends_at",
)
# The fields an event create ("host") page takes as `event_<name>`. The start is three fields;
# the end and the status are not page fields and are set on the event resource afterwards.
EVENT_PAGE_FIELDS = (
    "title",
    "venue",
    "address1",
    "address2",
    "city",
    "state",
    "region",
    "zip",
    "postal",
    "country",
    "public_description",
    "directions",
    "note_to_attendees",
    "is_private",
    "is_approved",
    "host_is_confirmed",
    "max_attendees",
    "starts_at_date",
    "starts_at_time",
    "starts_at_ampm",
    "host_ground_rules",
    "host_requirements",
)
PAGE_KINDS = ("eventcreatepage", "eventsignuppage")

_ID_IN_URI = re.compile(r"/(?P<resource>[a-z_]+)/(?P<id>\d+)/?$")


# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionResult:
    """What the action processor answered (`POST /rest/v1/action/`), with ids parsed from its URIs.

    `created_user` is None when the answer does not say (an unauthenticated request gets only
    `action_id`, `akid`, `rd` and `redirect_url`).
    """

    action_id: int | None
    akid: str
    created_user: bool | None
    user_id: int | None
    event_id: int | None
    signup_id: int | None
    type: str
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


class ActionKitSetupError(ConnectorError):
    """The ActionKit instance is reachable but not set up as the integration's settings say."""


def id_from_uri(uri: str | int | None) -> int | None:
    """The id at the end of an ActionKit URI (`/rest/v1/event/300/`, an absolute URL, or an id)."""
    if uri is None or uri == "":
        return None
    if isinstance(uri, int) and not isinstance(uri, bool):
        return uri
    text = str(uri).strip()
    if text.isdigit():
        return int(text)
    match = _ID_IN_URI.search(urlsplit(text).path)
    if not match:
        raise ValueError(f"{uri!r} is not an ActionKit object URI such as /rest/v1/event/300/.")
    return int(match["id"])


def _form_value(value: Any) -> str:
    """Action processor fields are form fields: booleans as "1"/"0", everything as text."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def start_fields(starts_at: str) -> dict[str, str]:
    """`YYYY-MM-DDTHH:MM:SS` as the host page's three start fields (MM/DD/YYYY, hh:mm, am/pm)."""
    moment = datetime.fromisoformat(starts_at)
    return {
        "starts_at_date": moment.strftime("%m/%d/%Y"),
        "starts_at_time": moment.strftime("%I:%M"),
        "starts_at_ampm": moment.strftime("%p").lower(),
    }


def starts_at_from_fields(event: Mapping[str, Any]) -> str | None:
    """The three start fields as ActionKit's `starts_at` (`YYYY-MM-DDTHH:MM:SS`), or None."""
    date, time, ampm = (event.get(f"starts_at_{part}") for part in ("date", "time", "ampm"))
    if not (date and time and ampm):
        return None
    moment = datetime.strptime(f"{date} {time} {ampm}".upper(), "%m/%d/%Y %I:%M %p")
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def event_resource_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """The native `event` resource fields a PATCH of this canonical event dict sends."""
    return _event_resource_payload(event)


def _event_resource_payload(event: Mapping[str, Any]) -> dict[str, Any]:
    """The native `event` resource names of a canonical event dict (page-only keys dropped)."""
    payload = {name: event[name] for name in EVENT_RESOURCE_FIELDS if name in event}
    if "starts_at" not in payload:
        starts_at = starts_at_from_fields(event)
        if starts_at:
            payload["starts_at"] = starts_at
    if payload.get("zip") and "postal" not in payload:
        payload["postal"] = payload["zip"]  # the host page fills both; keep the two routes alike
    return payload


# --- the client ----------------------------------------------------------------------------------


class ActionKitClient(HttpClient):
    """One ActionKit instance, used as one staff API user (HTTP Basic auth)."""

    system = "ActionKit"

    def __init__(self, base_url: str, username: str, password: str, **http_kwargs: Any) -> None:
        base_url = (base_url or "").strip()
        if not base_url:
            raise ValueError("The ActionKit instance address is required, e.g. https://yourcampaign.actionkit.com.")
        # The address is the instance's, but a pasted ".../rest/v1" is forgiven.
        base_url = re.sub(r"/rest/v1/?$", "", base_url.rstrip("/"))
        super().__init__(base_url, **http_kwargs)
        self.username = (username or "").strip()
        self._password = Credential(password or "")
        # ActionKit documents no rate limit; these are ours, read at construction so settings win.
        self.read_rate = settings.ACTIONKIT_READ_RATE
        self.write_rate = settings.ACTIONKIT_WRITE_RATE
        # The path prefix of URIs on this instance ("" for ActionKit; the sandbox serves under one).
        self.uri_prefix = urlsplit(self.base_url).path.rstrip("/")

    def __repr__(self) -> str:
        return f"<ActionKitClient {self.base_url} user={self.username!r}>"

    # --- HttpClient hooks --------------------------------------------------------------------------
    def prepare(self, request_kwargs: dict[str, Any]) -> None:
        """HTTP Basic auth with the API user on every attempt."""
        request_kwargs["auth"] = (self.username, self._password.reveal())

    def error_message(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        """Read ActionKit's `{"errors": {"field": ["msg"]}}` / `{"errors": ["msg"]}` into a sentence.

        HTML pages (Django's error pages, a proxy's) and plain text are reduced to a short line.
        Whatever the server echoes, the password is redacted from the sentence and field errors.
        """
        detail, field_errors = self._read_errors(response)
        redacted = {name: [self._redact(m) for m in messages] for name, messages in field_errors.items()}
        return self._redact(detail), redacted

    def _read_errors(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            errors = body.get("errors", body.get("error"))
            if errors is None and body.get("detail"):
                errors = body["detail"]
            if isinstance(errors, str) and errors.strip():
                return errors.strip(), {}
            if isinstance(errors, list) and errors:
                return self._sentence([m for ms in flatten_field_errors(errors).values() for m in ms]), {}
            if isinstance(errors, dict) and errors:
                errors = dict(errors)
                general: list[str] = []
                for key in ("__all__", "non_field_errors", "detail"):
                    if key in errors:
                        general.extend(m for ms in flatten_field_errors(errors.pop(key)).values() for m in ms)
                field_errors = flatten_field_errors(errors)
                parts = [m.rstrip(".") for m in general]
                parts.extend(
                    f"{name}: {' '.join(m.rstrip('.') for m in messages)}" for name, messages in field_errors.items()
                )
                return "; ".join(part for part in parts if part) + ".", field_errors
        return self._fallback_detail(response), {}

    def error_for(self, method: str, path: str, response: requests.Response) -> ConnectorError:
        """ActionKit's statuses with sentences a campaign's staff can act on."""
        status = response.status_code
        if status not in (400, 401, 403, 404) and status < 500:
            return super().error_for(method, path, response)  # 429 and the rest: the base's wording
        detail, field_errors = self.error_message(response)
        where = f"ActionKit answered HTTP {status} to {method} {path}"
        if status == 401:
            return AuthenticationError(
                f"{where}: the API user '{self.username}' and its password were refused ({detail}). "
                "Check the username and password of the ActionKit connection: the user must be an active "
                "ActionKit staff user with API access.",
                status=status,
            )
        if status == 403:
            return AuthenticationError(
                f"{where}: the API user '{self.username}' may not do this ({detail}). Check the API user and "
                "password, and give the user the permissions it needs (API access, events, users).",
                status=status,
            )
        if status == 404:
            return NotFoundError(f"{where}: not found ({detail}). It does not exist on this instance.", status=status)
        if status == 400:
            return RemoteValidationError(
                f"{where}: ActionKit rejected the request: {detail}", status=status, field_errors=field_errors
            )
        return ServerError(
            f"{where}: ActionKit failed on its side ({detail}); this is usually temporary.", status=status
        )

    @staticmethod
    def _sentence(parts: Sequence[str]) -> str:
        return " ".join(part.rstrip(".") + "." for part in parts if part) or "no details"

    def _fallback_detail(self, response: requests.Response) -> str:
        content_type = response.headers.get("Content-Type", "")
        text = response.text.strip()
        if "html" in content_type or text.startswith("<"):
            title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
            heading = " ".join(unescape(title[1]).split()) if title else ""
            return f"an HTML error page ({heading or response.reason or 'no reason given'})"
        return self._redact(" ".join(text[:200].split())) or response.reason or "no details"

    def _redact(self, text: str) -> str:
        """A server may echo what it refused; the password must not reach a log or a run message."""
        return self._password.redact(text)

    # --- paths and URIs ------------------------------------------------------------------------------
    @staticmethod
    def path(resource: str, object_id: int | str | None = None, *more: str) -> str:
        """`rest/v1/<resource>/[<id>/][...]`: relative to the instance, always with the trailing slash."""
        parts = [API_ROOT, resource.strip("/")]
        if object_id is not None:
            parts.append(str(int(object_id)))
        parts.extend(part.strip("/") for part in more)
        return "/".join(parts) + "/"

    def uri(self, resource: str, object_id: int | str) -> str:
        """The object's URI as ActionKit writes foreign keys: `/rest/v1/<resource>/<id>/`."""
        return f"{self.uri_prefix}/{self.path(resource, object_id)}"

    @staticmethod
    def id_from_uri(uri: str | int | None) -> int | None:
        """The id at the end of an ActionKit URI or URL (`/rest/v1/user/5/` -> 5)."""
        return id_from_uri(uri)

    # --- generic resource access ---------------------------------------------------------------------
    def _check_write(self, method: str, path: str, response: requests.Response) -> None:
        if 300 <= response.status_code < 400:
            # Redirects are not followed for writes: the body would be lost on the way.
            raise ConnectorError(
                f"ActionKit redirected {method} /{path} to {response.headers.get('Location', '?')} instead of "
                "acting on it; check the instance address (it must be the https address of the instance).",
                status=response.status_code,
            )

    def list(
        self, resource: str, params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None
    ) -> Iterator[dict]:
        """Every object of a list endpoint, one page at a time: GET /rest/v1/<resource>/?<filters>.

        Filters are Django lookups (`email=...`, `user=<id>`, `created_at__gte=...`, `order_by=-id`).
        ActionKit returns at most 100 objects per request (`_limit`, clamped here) and
        `{"meta": {"next": "/rest/v1/<resource>/?_limit=100&_offset=100", ...}, "objects": [...]}`:
        `meta.next` is a path relative to the host, followed until it is null. Objects seen on an
        earlier page are skipped (offset paging can repeat an object when data changes meanwhile);
        the ids seen are the only thing kept between pages.
        """
        query = _encode(params)
        limits = [value for key, value in query if key == "_limit"]
        query = [(k, v) for k, v in query if k != "_limit"]
        limit = (
            min(int(limits[-1]), MAX_LIMIT) if limits and limits[-1].isdigit() and int(limits[-1]) > 0 else MAX_LIMIT
        )
        query.append(("_limit", str(limit)))
        shown = "/" + self.path(resource)
        url = self.url_for(self.path(resource))
        send: list[tuple[str, str]] | None = query
        seen_ids: set[Any] = set()
        fetched: set[str] = set()
        while True:
            body = self.request_json("GET", url, params=send, validate=lambda b: self._list_envelope(b, shown))
            for obj in body["objects"]:
                object_id = obj.get("id")
                if object_id is not None:
                    if object_id in seen_ids:
                        continue
                    seen_ids.add(object_id)
                yield obj
            next_url = body["meta"].get("next")
            if not next_url:
                return
            url = self.next_page_url("`meta.next`", shown, url, next_url, fetched)
            send = None

    def _list_envelope(self, body: Any, shown: str) -> dict[str, Any]:
        where = f"ActionKit answered GET {shown} with"
        if not isinstance(body, dict) or not isinstance(body.get("objects"), list):
            raise MalformedResponseError(f"{where} a body that is not its {{meta, objects}} list envelope.")
        if not all(isinstance(obj, dict) for obj in body["objects"]):
            raise MalformedResponseError(f"{where} `objects` that are not all objects.")
        if not isinstance(body.get("meta"), dict):
            body["meta"] = {}
        return body

    def _first(self, resource: str, params: Mapping[str, Any]) -> dict | None:
        with closing(self.list(resource, params)) as objects:
            return next(objects, None)

    def get(self, resource: str, object_id: int | str) -> dict:
        """One object: GET /rest/v1/<resource>/<id>/ (NotFoundError for a missing one)."""
        shown = "/" + self.path(resource, object_id)
        return self.request_json("GET", self.path(resource, object_id), validate=lambda b: self._object(b, shown))

    @staticmethod
    def _object(body: Any, shown: str) -> dict:
        if not isinstance(body, dict):
            raise MalformedResponseError(f"ActionKit answered GET {shown} with a body that is not an object.")
        return body

    def create(self, resource: str, payload: Mapping[str, Any]) -> int:
        """Create an object: POST /rest/v1/<resource>/; ActionKit answers 201 with the new object's
        URI in the `Location` header and a body that may be empty or not JSON. Returns the new id.
        """
        path = self.path(resource)
        response = self.request("POST", path, json=dict(payload), allow_redirects=False)
        self._check_write("POST", path, response)
        location = response.headers.get("Location")
        if location:
            try:
                object_id = id_from_uri(location)
            except ValueError:
                object_id = None
            if object_id is not None:
                return object_id
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and (body.get("id") or body.get("resource_uri")):
            return int(body.get("id") or id_from_uri(body["resource_uri"]))
        raise MalformedResponseError(
            f"ActionKit answered POST /{path} with HTTP {response.status_code} but no Location of the new "
            f"{resource}; it may have been created.",
            retryable=False,
        )

    def patch(self, resource: str, object_id: int | str, payload: Mapping[str, Any]) -> None:
        """Change the fields sent: PATCH /rest/v1/<resource>/<id>/ (ActionKit answers 202, no body)."""
        path = self.path(resource, object_id)
        response = self.request("PATCH", path, json=dict(payload), allow_redirects=False)
        self._check_write("PATCH", path, response)

    def schema(self, resource: str) -> dict:
        """The resource's schema: GET /rest/v1/<resource>/schema/ -> {"fields": {...}, "filtering": ...}."""
        shown = "/" + self.path(resource, None, "schema")

        def validate(body: Any) -> dict:
            if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
                raise MalformedResponseError(f"ActionKit answered GET {shown} without a `fields` object.")
            return body

        return self.request_json("GET", self.path(resource, None, "schema"), validate=validate)

    # --- users -------------------------------------------------------------------------------------
    def find_user_by_email(self, email: str) -> dict | None:
        """The user of an email address, or None: GET /rest/v1/user/?email=<email>.

        "In ActionKit an email address is a user": at most one user has an email. The address is
        URL-encoded, so a `+` goes as %2B (sent raw it would be read as a space and match nobody).
        """
        email = (email or "").strip()
        if not email:
            return None
        candidates = list(self.list("user", {"email": email, "_limit": 10}))
        exact = [user for user in candidates if str(user.get("email", "")).lower() == email.lower()]
        return (exact or candidates or [None])[0]

    def create_user(self, payload: Mapping[str, Any]) -> int:
        """Create a user: POST /rest/v1/user/ with `email` and user fields; returns the user id.

        A second user with the same email is refused (400).
        """
        return self.create("user", payload)

    def update_user(self, user_id: int, payload: Mapping[str, Any]) -> None:
        """Change a user's fields: PATCH /rest/v1/user/<id>/."""
        self.patch("user", user_id, payload)

    # --- phones ------------------------------------------------------------------------------------
    def user_phones(self, user_id: int) -> list[dict]:
        """A user's phones: GET /rest/v1/phone/?user=<id> (each {id, phone, type, source, normalized_phone})."""
        return list(self.list("phone", {"user": int(user_id), "order_by": "id"}))

    def create_phone(self, user_id: int, *, phone: str, type: str, source: str) -> int:
        """Add a phone to a user: POST /rest/v1/phone/ with the user's URI, `phone`, `type`, `source`.

        The field is `type` (home, work, mobile), as /rest/v1/phone/schema/ lists it; Parsons'
        `add_phone` sends `phone_type`, which is not a field of the resource.
        """
        return self.create("phone", {"user": self.uri("user", user_id), "phone": phone, "type": type, "source": source})

    def update_phone(self, phone_id: int, payload: Mapping[str, Any]) -> None:
        """Change a phone: PATCH /rest/v1/phone/<id>/ (e.g. {"phone": ..., "type": "home"})."""
        self.patch("phone", phone_id, payload)

    # --- the action processor ----------------------------------------------------------------------
    def act(self, page: str, email: str, fields: Mapping[str, Any] | None = None) -> ActionResult:
        """Take an action on a page: POST /rest/v1/action/ (ActionKit's generic action processing).

        "The only required parameters for action processing are page - the name of the Page - and
        user email." The user is matched by email or created (`created_user`); what else happens
        depends on the page (an event create page creates an event, a signup page a signup). Fields
        whose value is None are not sent. Answers 201 with the action; never retried after the
        server may have acted (a POST is not idempotent).
        """
        payload: dict[str, Any] = {"page": page, "email": email}
        for key, value in (fields or {}).items():
            if value is not None:
                payload[key] = _form_value(value)
        path = self.path("action")
        response = self.request("POST", path, json=payload, allow_redirects=False)
        self._check_write("POST", path, response)
        try:
            body = response.json()
        except ValueError:
            raise MalformedResponseError(
                f"ActionKit answered POST /{path} on page '{page}' with HTTP {response.status_code} and a body that "
                "is not JSON; the action may have been recorded.",
                retryable=False,
            ) from None
        if not isinstance(body, dict):
            raise MalformedResponseError(
                f"ActionKit answered POST /{path} with a JSON {type(body).__name__}, not an action.", retryable=False
            )
        return self._action_result(body)

    def _action_result(self, body: dict[str, Any]) -> ActionResult:
        def uri_id(key: str) -> int | None:
            try:
                return id_from_uri(body.get(key))
            except ValueError:
                return None

        action_id = body.get("id", body.get("action_id"))
        created_user = body.get("created_user")
        return ActionResult(
            action_id=int(action_id) if action_id is not None else None,
            akid=str(body.get("akid") or ""),
            created_user=bool(created_user) if created_user is not None else None,
            user_id=uri_id("user"),
            event_id=uri_id("event"),
            signup_id=uri_id("signup"),
            type=str(body.get("type") or ""),
            raw=body,
        )

    # --- events ------------------------------------------------------------------------------------
    def create_event_via_page(
        self,
        page: str,
        email: str,
        event: Mapping[str, Any],
        *,
        fields: Mapping[str, str | None] | None = None,
    ) -> ActionResult:
        """Create an event by acting on the campaign's event create ("host") page.

        "Add An Event To A Campaign": POST /rest/v1/action/ with `page`, `email` and the event as
        `event_<name>` fields; the start as `event_starts_at_date` (MM/DD/YYYY), `_time` (hh:mm)
        and `_ampm`. The processor validates that the start is in the future and that
        max_attendees is within the campaign's maximum, geocodes the address, creates the
        `eventcreateaction` ("Act as host" needs it) and makes the action taker the host.

        `fields` (custom event fields, None values skipped) travel with the action as
        `action_<name>` and become the event's custom fields in the same request, so a
        natural-key lookup (`find_events_by_field`) finds the event even if the caller stops
        right after. The end time and a status other than active are not host page fields: they
        are PATCHed onto the new event afterwards. Returns the action; the event id is `event_id`.

        Acting on a page subscribes the action taker to the page's mailing list unless the action
        says `suppress_subscribe`; this always says it. The taker of an event create action is
        whoever the event is made in the name of (the integration's placeholder address, not a
        person), and making an event is no request for email, so no setting subscribes anyone here.
        """
        payload = {name: event[name] for name in EVENT_PAGE_FIELDS if name in event and event[name] is not None}
        if not all(f"starts_at_{part}" in payload for part in ("date", "time", "ampm")) and event.get("starts_at"):
            payload.update(start_fields(str(event["starts_at"])))
        if "zip" in payload and "postal" not in payload:
            payload["postal"] = payload["zip"]
        action_fields = {f"event_{name}": value for name, value in payload.items()}
        action_fields.update({f"action_{name}": value for name, value in (fields or {}).items() if value is not None})
        action_fields["suppress_subscribe"] = True
        result = self.act(page, email, action_fields)
        if result.event_id is None:
            raise MalformedResponseError(
                f"ActionKit's answer to the event create action on page '{page}' names no event "
                f"(action {result.action_id}): is '{page}' an event create page, and is the API user authenticated?",
                retryable=False,
            )
        follow_up = {name: event[name] for name in ("ends_at",) if event.get(name)}
        if event.get("status") and event["status"] != "active":
            follow_up["status"] = event["status"]
        if follow_up:
            try:
                self.update_event(result.event_id, follow_up)
            except ConnectorError as exc:
                exc.message = f"Event {result.event_id} was created, but setting {', '.join(follow_up)} failed: {exc}"
                exc.args = (exc.message,)
                exc.created_event_id = result.event_id  # type: ignore[attr-defined]
                raise
        return result

    def create_event(self, campaign_id: int, creator_user_id: int, event: Mapping[str, Any]) -> int:
        """Create an event directly: POST /rest/v1/event/ with the native names; returns its id.

        The low-level route: `campaign` and `creator` as URIs, `starts_at`/`ends_at` as
        `YYYY-MM-DDTHH:MM:SS` (local time). It skips the action processor's checks, so it takes
        past start times (Mobilize events that already happened), but creates no
        `eventcreateaction`. The creator becomes the event's host.
        """
        payload = _event_resource_payload(event)
        payload.update({"campaign": self.uri("campaign", campaign_id), "creator": self.uri("user", creator_user_id)})
        return self.create("event", payload)

    def update_event(self, event_id: int, event: Mapping[str, Any]) -> None:
        """Change an event: PATCH /rest/v1/event/<id>/ with the native names of the event resource.

        Keys that are not event resource fields (the host page's `starts_at_date`,
        `host_ground_rules`, ...) are left out; the three start fields become `starts_at` when
        `starts_at` itself is absent. Cancelling or deleting through the API sends no email.
        """
        payload = _event_resource_payload(event)
        if payload:
            self.patch("event", event_id, payload)

    def get_event(self, event_id: int) -> dict:
        """An event: GET /rest/v1/event/<id>/ (its custom fields are in `fields`)."""
        return self.get("event", event_id)

    def event_fields(self, event_id: int) -> dict[str, dict[str, Any]]:
        """An event's custom fields by name: GET /rest/v1/eventfield/?event=<id> -> {name: {id, value}}.

        ActionKit keeps rows, and a name POSTed twice has two; the oldest row is the one used.
        """
        return self._field_rows("eventfield", {"event": int(event_id)}, f"event {event_id}")

    def set_event_fields(
        self,
        event_id: int,
        fields: Mapping[str, str | None],
        existing: MutableMapping[str, dict[str, Any]] | None = None,
    ) -> dict[str, int]:
        """Make an event's custom fields say `fields`; returns {name: eventfield id}.

        An existing row of a name is PATCHed (PATCH /rest/v1/eventfield/<id>/) when its value
        differs; a new name is POSTed ({"event": URI, "name", "value"}). A second POST of a name
        would add a second row, so a row is never created for a name that has one. None means
        "no value": no row is created for it, and an existing row is blanked (value ""). Pass
        `existing` (from `event_fields`) to save the lookup; it is kept up to date.
        """
        return self._set_fields(
            "eventfield", "event", self.uri("event", event_id), fields, existing, lambda: self.event_fields(event_id)
        )

    def find_events_by_field(self, campaign_id: int, name: str, value: str) -> list[dict]:
        """The campaign's events whose custom field `name` is `value`, oldest first.

        ActionKit's event search: GET /rest/v1/campaign/<id>/event_search/?filter[field__name]=<name>
        &filter[field__value]=<value>&order_by=id. Events of every status are included.
        """
        params = {"filter[field__name]": name, "filter[field__value]": value, "order_by": "id"}
        return list(self.list(f"campaign/{int(campaign_id)}/event_search", params))

    # --- signups -----------------------------------------------------------------------------------
    def signup_via_page(
        self,
        page: str,
        email: str,
        event_id: int,
        *,
        user: Mapping[str, Any],
        source: str | None = None,
        akid: str | None = None,
        subscribe: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> ActionResult:
        """Sign a person up for an event by acting on the campaign's signup page.

        "Add A Signup To An Event": POST /rest/v1/action/ with `page`, `email`, `event_id` and
        `event_signup_ground_rules` "1"; the user fields (first_name, last_name, zip, ...) update
        the user. `source` and `akid` (the mailing link's, for attribution) are sent only when
        given. Also creates the EventSignupAction. Returns the action; the signup is `signup_id`.

        ActionKit's processor subscribes whoever acts on a page to the page's mailing list unless
        the action says `suppress_subscribe`. Unless `subscribe` is true, the action says it: a
        signup made by a sync is no request for email.
        """
        fields: dict[str, Any] = {"event_id": int(event_id), "event_signup_ground_rules": "1"}
        fields.update({key: value for key, value in user.items() if key != "email"})
        if source is not None:
            fields["source"] = source
        if akid is not None:
            fields["akid"] = akid
        if not subscribe:
            fields["suppress_subscribe"] = True
        fields.update(extra or {})
        result = self.act(page, email, fields)
        if result.signup_id is None:
            raise MalformedResponseError(
                f"ActionKit's answer to the signup action on page '{page}' for event {event_id} names no signup "
                f"(action {result.action_id}): is '{page}' a signup page, and is the API user authenticated?",
                retryable=False,
            )
        return result

    def find_signup(self, user_id: int, event_id: int, *, role: str | None = "attendee") -> dict | None:
        """A user's signup for an event: GET /rest/v1/eventsignup/?user=<id>&event=<id>&role=<role>.

        `role` defaults to attendee: an event's creator also has a host signup.
        """
        params: dict[str, Any] = {"user": int(user_id), "event": int(event_id), "order_by": "id"}
        if role:
            params["role"] = role
        return self._first("eventsignup", params)

    def update_signup(self, signup_id: int, payload: Mapping[str, Any]) -> None:
        """Change a signup: PATCH /rest/v1/eventsignup/<id>/ with e.g. {"status": "cancelled"},
        {"role": "host"} or {"attended": true}. "When done through the API these types of changes do
        not trigger an email notification."
        """
        self.patch("eventsignup", signup_id, payload)

    def signup_fields(self, signup_id: int) -> dict[str, dict[str, Any]]:
        """A signup's custom fields by name: GET /rest/v1/eventsignupfield/?parent=<id> -> {name: {id, value}}."""
        return self._field_rows("eventsignupfield", {"parent": int(signup_id)}, f"signup {signup_id}")

    def set_signup_fields(
        self,
        signup_id: int,
        fields: Mapping[str, str | None],
        existing: MutableMapping[str, dict[str, Any]] | None = None,
    ) -> dict[str, int]:
        """Make a signup's custom fields say `fields` (eventsignupfield rows {parent: URI, name, value}),
        with the same rules as `set_event_fields`; returns {name: eventsignupfield id}.
        """
        return self._set_fields(
            "eventsignupfield",
            "parent",
            self.uri("eventsignup", signup_id),
            fields,
            existing,
            lambda: self.signup_fields(signup_id),
        )

    # --- custom field rows ---------------------------------------------------------------------------
    def _field_rows(self, resource: str, params: dict[str, Any], owner: str) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for row in self.list(resource, {**params, "order_by": "id"}):
            name = row.get("name")
            if not isinstance(name, str):
                continue
            if name in rows:
                logger.warning("ActionKit %s has more than one %s named %r; using the oldest", owner, resource, name)
                continue
            rows[name] = {"id": row.get("id"), "value": row.get("value")}
        return rows

    def _set_fields(
        self,
        resource: str,
        parent_key: str,
        parent_uri: str,
        fields: Mapping[str, str | None],
        existing: MutableMapping[str, dict[str, Any]] | None,
        load: Any,
    ) -> dict[str, int]:
        rows = existing if existing is not None else load()
        ids: dict[str, int] = {}
        for name, value in fields.items():
            row = rows.get(name)
            if value is None:
                if row is None:
                    continue
                wanted = ""
            else:
                wanted = str(value)
            if row is None:
                row_id = self.create(resource, {parent_key: parent_uri, "name": name, "value": wanted})
                rows[name] = {"id": row_id, "value": wanted}
            elif row.get("value") != wanted:
                self.patch(resource, row["id"], {"value": wanted})
                row["value"] = wanted
            ids[name] = int(rows[name]["id"])
        return ids

    # --- setup checks --------------------------------------------------------------------------------
    def get_campaign(self, campaign_id: int) -> dict:
        """An event campaign: GET /rest/v1/campaign/<id>/ (NotFoundError naming the id if missing)."""
        try:
            return self.get("campaign", campaign_id)
        except NotFoundError as exc:
            raise NotFoundError(
                f"ActionKit at {self.origin} has no event campaign with id {campaign_id}: check the campaign id "
                "(the number in the campaign's dashboard URL).",
                status=exc.status,
            ) from exc

    def find_page(self, kind: str, short_name: str) -> dict | None:
        """A page by its short name: GET /rest/v1/<eventcreatepage|eventsignuppage>/?name=<short name>."""
        if kind not in PAGE_KINDS:
            raise ValueError(f"{kind!r} is not an event page kind ({', '.join(PAGE_KINDS)}).")
        short_name = (short_name or "").strip()
        if not short_name:
            return None
        for page in self.list(kind, {"name": short_name, "_limit": 10}):
            if page.get("name") == short_name:
                return page
        return None

    def test_connection(self, campaign_id: int, create_page: str, signup_page: str | None = None) -> list[str]:
        """Check the settings of an ActionKit integration; return sentences saying what was checked.

        The credentials work, the event campaign exists, and each page exists and belongs to that
        campaign. Raises AuthenticationError, NotFoundError or ActionKitSetupError with a sentence
        a campaign's staff can act on.
        """
        campaign = self.get_campaign(campaign_id)
        checked = [
            f"Signed in to ActionKit at {self.origin} as API user '{self.username}'.",
            f"Event campaign {campaign_id} exists: '{campaign.get('title') or campaign.get('name')}' "
            f"({campaign.get('name')}).",
        ]
        pages = [("eventcreatepage", "event create (host) page", create_page)]
        if signup_page:
            pages.append(("eventsignuppage", "signup page", signup_page))
        for kind, label, short_name in pages:
            page = self.find_page(kind, short_name)
            if page is None:
                section = "Event creation" if kind == "eventcreatepage" else "Event signup"
                raise NotFoundError(
                    f"ActionKit has no {label} with the short name '{short_name}': copy the short name from the "
                    f"campaign's dashboard ({section} -> edit)."
                )
            try:
                page_campaign = id_from_uri(page.get("campaign"))
            except ValueError:
                page_campaign = None
            if page_campaign != int(campaign_id):
                raise ActionKitSetupError(
                    f"The {label} '{short_name}' belongs to campaign {page_campaign}, not to campaign {campaign_id}: "
                    "each integration needs the pages of its own event campaign."
                )
            checked.append(f"The {label} '{short_name}' exists in campaign {campaign_id}.")
        return checked


def _encode(params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> list[tuple[str, str]]:
    """Query pairs in order; None left out, booleans as true/false, lists as repeated parameters."""
    items = params.items() if isinstance(params, Mapping) else (params or [])
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            pairs.append((key, ("true" if item else "false") if isinstance(item, bool) else str(item)))
    return pairs
