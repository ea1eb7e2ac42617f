"""The PDI (Political Data Inc., "bluevote") API client: calendars, locations, contacts, events, invitations.

The contract is docs/connectors/pdi.md (what the sandbox serves too); PDI's publicly known quirks
are in shared/apis.md section 3. In short:

- A session: `POST /sessions` with `{"Username", "Password", "ApiToken"}` (PascalCase) answers
  `{"AccessToken", "ExpirationDate"}`; every other request carries `Authorization: Bearer <token>`.
  The client logs in lazily, renews the session when fewer than 60 seconds of it remain, and
  after a 401 logs in again and repeats the request once.
- Lists: `limit` (at most 2,000) and `cursor` (a 1-based page number), always both, and
  `{"data": [...], "totalCount": N}`. Pages are fetched only when the consumer asks for them.
- Field names are PDI's camelCase; `isAllDay` is the string "true"/"false"; the invitation's
  `specificOcurrenceStartUtc` is misspelled by PDI and must be sent that way.
- Errors: ASP.NET Web API's `{"Message", "ModelState"}` envelope.

Rate limits, retries with backoff (never a create POST after the server may have acted) and
typed errors come from `HttpClient`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
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
    describe_field_errors,
    flatten_field_errors,
)
from ..http import Credential, HttpClient

logger = logging.getLogger(__name__)

SESSIONS_PATH = "sessions"
MAX_LIMIT = 2000  # PDI answers 400 to a larger `limit`.
# Renew a session with less than this left, so that no request is sent with a token about to lapse.
RENEW_MARGIN = timedelta(seconds=60)
# How long a session is assumed to last when PDI's ExpirationDate cannot be read.
FALLBACK_SESSION = timedelta(minutes=5)
PHONE_TYPES = ("Home", "Work", "Direct", "Mobile", "Fax", "Other")
RSVP_STATUSES = ("Yes", "No", "Maybe", "Scheduled", "Invited", "Cancelled", "No-Show", "Completed", "")
# PDI's spelling (sic) of the invitation field, and the spelling a caller may reasonably write.
OCCURRENCE_FIELD = "specificOcurrenceStartUtc"
OCCURRENCE_FIELD_CORRECTLY_SPELLED = "specificOccurrenceStartUtc"
# The lists a GET of a contact carries: PDI manages them through their own endpoints.
CONTACT_READ_ONLY = ("id", "emails", "phones")
CONTACT_NOT_FIELDS = ("email", "emailAddress", "phone", "phoneNumber")

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")  # older ASP.NET JSON dates


def parse_expiration(value: Any) -> datetime | None:
    """PDI's session ExpirationDate as an aware UTC datetime, or None when it cannot be read.

    ISO 8601 with or without a zone ("2026-12-02T11:15:00.000Z"; a naive value is UTC, as
    PDI's datetimes are), or ASP.NET's older `/Date(<ms>)/`.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    legacy = _MS_DATE.match(text)
    if legacy:
        return datetime.fromtimestamp(int(legacy[1]) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # PDI's query booleans: searchByEmail=true, expand=true
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()  # yyyy-MM-dd
    return str(value)


def _encode(params: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Query pairs in order; None is left out, booleans are true/false, dates yyyy-MM-dd."""
    return [(str(key), _query_value(value)) for key, value in (params or {}).items() if value is not None]


def _day(value: date, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"{name}={value!r} is not a date.")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _all_day(value: Any) -> str:
    """PDI's `isAllDay` is the string "true" or "false", not a JSON boolean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower()
    raise ValueError(f"isAllDay={value!r}: PDI takes the string 'true' or 'false'.")


class PdiClient(HttpClient):
    """One PDI account, used through the API user PDI issued (API token, username, password)."""

    system = "PDI"

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        api_token: str,
        *,
        page_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        base_url = (base_url or "").strip()
        if not base_url:
            raise ValueError("The PDI API address is required, e.g. https://api.bluevote.com.")
        super().__init__(base_url, **kwargs)
        self.username = (username or "").strip()
        self._password = Credential(password or "")
        self._api_token = Credential((api_token or "").strip())
        # PDI documents no rate limit; these are ours, read at construction so settings win.
        self.read_rate = settings.PDI_READ_RATE
        self.write_rate = settings.PDI_WRITE_RATE
        size = settings.PDI_PAGE_SIZE if page_size is None else page_size
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"page_size={size!r}: a PDI page holds 1 to {MAX_LIMIT} records.")
        self.page_size = min(size, MAX_LIMIT)
        self._access_token: Credential | None = None
        self.session_expires_at: datetime | None = None
        # True while POST /sessions is in flight: it carries no bearer, its 401 means wrong
        # credentials, and (making a session being harmless to repeat) it is retried after a 5xx.
        self._logging_in = False

    def __repr__(self) -> str:
        return f"<PdiClient {self.base_url} user={self.username!r}>"

    # --- the session ---------------------------------------------------------------------------------
    def login(self) -> None:
        """Open a session: POST /sessions {"Username", "Password", "ApiToken"}; keep its token and expiry.

        A 401 is an AuthenticationError saying the API token, username or password was refused.
        An ExpirationDate without a zone is UTC; one that cannot be read (or already past by this
        server's clock) is taken as five minutes from now, with a warning: a 401 before then is
        handled by logging in again.
        """
        missing = [
            name
            for name, value in (
                ("API token", self._api_token),
                ("username", self.username),
                ("password", self._password),
            )
            if not value
        ]
        if missing:
            raise AuthenticationError(
                f"PDI needs an API token, a username and a password; the {' and '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing. Enter the credentials PDI support issued."
            )
        self._access_token = None
        self.session_expires_at = None
        payload = {
            "Username": self.username,
            "Password": self._password.reveal(),
            "ApiToken": self._api_token.reveal(),
        }
        self._logging_in = True
        try:
            token, raw_expiration = self.request_json("POST", SESSIONS_PATH, json=payload, validate=self._session_body)
        finally:
            self._logging_in = False
        now = _now()
        expires = parse_expiration(raw_expiration)
        if expires is None:
            logger.warning(
                "PDI: the session's ExpirationDate %s is not a date; assuming the session lasts %d minutes",
                repr(raw_expiration)[:60],
                FALLBACK_SESSION.total_seconds() // 60,
            )
            expires = now + FALLBACK_SESSION
        elif expires <= now:
            # Renewing before every request would double the traffic for nothing: the clocks
            # disagree, and a 401 (handled) says when the session really ends.
            logger.warning(
                "PDI: the session's ExpirationDate %s is already past by this server's clock (is a clock wrong?); "
                "assuming the session lasts %d minutes",
                expires.isoformat(),
                FALLBACK_SESSION.total_seconds() // 60,
            )
            expires = now + FALLBACK_SESSION
        self._access_token = Credential(token)
        self.session_expires_at = expires
        logger.info(
            "PDI: logged in as %r at %s; the session ends at %s", self.username, self.origin, expires.isoformat()
        )

    def _session_body(self, body: Any) -> tuple[str, Any]:
        # Never put the body in a message: it holds the token.
        if not isinstance(body, dict):
            raise MalformedResponseError(
                f"PDI answered POST /{SESSIONS_PATH} with a JSON {type(body).__name__} instead of a session.",
                retryable=False,
            )
        token = body.get("AccessToken", body.get("accessToken"))
        if not isinstance(token, str) or not token.strip():
            raise MalformedResponseError(
                f"PDI answered POST /{SESSIONS_PATH} without an AccessToken; no session was opened.", retryable=False
            )
        return token.strip(), body.get("ExpirationDate", body.get("expirationDate"))

    def _session_is_fresh(self) -> bool:
        if self._access_token is None or self.session_expires_at is None:
            return False
        return self.session_expires_at - _now() >= RENEW_MARGIN

    def request(self, method: str, path_or_url: str, **kwargs: Any) -> requests.Response:
        """Send a request in a live session (see `HttpClient.request` for limits and retries).

        Logs in first when there is no session or fewer than 60 seconds of it remain. A 401 means
        PDI ended the session early: log in again and repeat the request once (a 401 is a refusal
        before any processing, so even a create is safe to repeat); a second 401 is an
        AuthenticationError.
        """
        if self._logging_in:
            return super().request(method, path_or_url, **kwargs)
        if not self._session_is_fresh():
            self.login()
        shown = urlsplit(self.url_for(path_or_url)).path
        try:
            return super().request(method, path_or_url, **kwargs)
        except AuthenticationError as exc:
            if exc.status != 401:
                raise
            logger.info("PDI refused the session on %s %s; logging in again and repeating it once", method, shown)
        self.login()
        try:
            return super().request(method, path_or_url, **kwargs)
        except AuthenticationError as again:
            if again.status != 401:
                raise
            raise AuthenticationError(
                f"PDI refused {method.upper()} {shown} twice, the second time right after a fresh login "
                f"({again.details or 'no details'}). The API user '{self.username}' can log in but its sessions "
                "are not accepted here: ask PDI support whether the user has API access to this part of PDI.",
                status=401,
            ) from again

    # --- HttpClient hooks --------------------------------------------------------------------------
    def prepare(self, request_kwargs: dict[str, Any]) -> None:
        """The session's bearer token on every attempt but the login itself (read anew each attempt)."""
        if self._access_token is not None and not self._logging_in:
            headers = dict(request_kwargs.get("headers") or {})  # never mutate the caller's dict
            headers["Authorization"] = f"Bearer {self._access_token.reveal()}"
            request_kwargs["headers"] = headers

    def should_retry(self, method: str, exc: BaseException) -> bool:
        """The base rule, except that a login is retried like an idempotent request: a session is
        harmless to open twice."""
        if self._logging_in and isinstance(exc, ConnectorError) and exc.retryable:
            return True
        return super().should_retry(method, exc)

    def error_message(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        """Read PDI's `{"Message": ..., "ModelState": {"<field>": ["<why>"]}}` into a sentence and field errors.

        Also takes lowercase `message` / `errors`, ASP.NET's `MessageDetail` / `ExceptionMessage`,
        and ModelState's "" key (errors about the whole body). HTML pages and plain text become a
        short line. Anything echoing a credential is redacted.
        """
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            keyed = {str(key).lower(): value for key, value in body.items()}
            general: list[str] = []
            for key in ("message", "messagedetail", "exceptionmessage"):
                value = keyed.get(key)
                if isinstance(value, str) and value.strip():
                    general.append(value.strip())
            errors = keyed.get("modelstate", keyed.get("errors"))
            field_errors: dict[str, list[str]] = {}
            if isinstance(errors, str) and errors.strip():
                general.append(errors.strip())
            elif isinstance(errors, list):
                general.extend(message for messages in flatten_field_errors(errors).values() for message in messages)
            elif isinstance(errors, dict):
                field_errors = flatten_field_errors(errors)
                general.extend(field_errors.pop("error", []))
            field_errors = {name: [self._redact(m) for m in messages] for name, messages in field_errors.items()}
            parts = [self._redact(message).rstrip(".") + "." for message in general if message]
            if field_errors:
                parts.append(describe_field_errors(field_errors).rstrip(".") + ".")
            if parts:
                return " ".join(parts), field_errors
        return self._fallback_detail(response), {}

    def error_for(self, method: str, path: str, response: requests.Response) -> ConnectorError:
        """PDI's statuses with sentences a campaign's staff can act on."""
        status = response.status_code
        if status not in (400, 401, 403, 404) and status < 500:
            return super().error_for(method, path, response)  # 429 and the rest: the base's wording
        detail, field_errors = self.error_message(response)
        where = f"PDI answered HTTP {status} to {method} {path}"
        if status == 401 and self._logging_in:
            return AuthenticationError(
                f"PDI refused the API token, username or password ({detail}). Check the PDI credentials of this "
                f"integration (API user '{self.username}' at {self.origin}): production and QA have separate "
                "credentials, issued by PDI support.",
                status=status,
                details=detail,
            )
        if status == 401:
            return AuthenticationError(f"{where}: the session was refused ({detail}).", status=status, details=detail)
        if status == 403:
            return AuthenticationError(
                f"{where}: the API user '{self.username}' may not do this ({detail}). Ask PDI support to give "
                "the API user access to calendars, events, contacts and invitations.",
                status=status,
                details=detail,
            )
        if status == 404:
            return NotFoundError(f"{where}: not found ({detail}).", status=status)
        if status == 400:
            return RemoteValidationError(
                f"{where}: PDI rejected the request: {detail}", status=status, field_errors=field_errors
            )
        return ServerError(f"{where}: PDI failed on its side ({detail}); this is usually temporary.", status=status)

    def _fallback_detail(self, response: requests.Response) -> str:
        content_type = response.headers.get("Content-Type", "")
        text = response.text.strip()
        if "html" in content_type or text.startswith("<"):
            return f"an HTML error page ({response.reason or 'no reason given'})"
        return self._redact(" ".join(text[:200].split())) or response.reason or "no details"

    def _redact(self, text: str) -> str:
        """A server may echo what it refused; no credential may reach a log or a run message."""
        for secret in (self._password, self._api_token, self._access_token):
            value = secret.reveal() if secret is not None else ""
            if value and len(value) >= 4:
                text = text.replace(value, "[redacted]")
        return text

    # --- lists and objects ---------------------------------------------------------------------------
    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[dict]:
        """Yield every record of a list endpoint, one page at a time.

        Every request sends `limit` (this client's page size) and `cursor` (the 1-based page
        number), page 1 included: PDI's default page size is not documented, so a first page
        without `limit` could skip or repeat records on the next. The next page is asked for
        while the page was full and `cursor * limit < totalCount`. `path` is relative to the base
        URL ("calendars"; a leading slash is ignored so that a base path such as the sandbox's
        is kept).
        """
        if params and ({"limit", "cursor"} & set(params)):
            raise ValueError("paginate sends limit and cursor itself; set page_size on the client instead.")
        path = path.strip("/")
        shown = "/" + path
        query = _encode(params)
        limit = self.page_size
        cursor = 1
        previous_ids: list[Any] | None = None
        while True:
            send = [*query, ("limit", str(limit)), ("cursor", str(cursor))]
            body = self.request_json("GET", path, params=send, validate=lambda b: self._list_envelope(b, shown))
            records, total = body["data"], body["totalCount"]
            logger.debug("PDI GET %s page %d: %d of %d records", shown, cursor, len(records), total)
            ids = [record.get("id") for record in records]
            if ids and ids == previous_ids:
                # A server ignoring `cursor` (or repeating its last page) would answer the same page for ever.
                raise MalformedResponseError(
                    f"PDI answered GET {shown} page {cursor} with the records of page {cursor - 1}; "
                    "stopping instead of looping.",
                    retryable=False,
                )
            previous_ids = ids
            yield from records
            if len(records) < limit or cursor * limit >= total:
                return
            cursor += 1

    @staticmethod
    def _list_envelope(body: Any, shown: str) -> dict[str, Any]:
        where = f"PDI answered GET {shown} with"
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{where} {_json_type(body)} instead of its {{data, totalCount}} envelope.")
        data = body.get("data")
        if not isinstance(data, list):
            raise MalformedResponseError(f"{where} `data` as {_json_type(data)} where a list was expected.")
        if not all(isinstance(record, dict) for record in data):
            raise MalformedResponseError(f"{where} `data` items that are not all objects.")
        total = body.get("totalCount")
        if isinstance(total, bool) or not isinstance(total, int):
            raise MalformedResponseError(f"{where} `totalCount` as {_json_type(total)} where a number was expected.")
        return body

    @staticmethod
    def _object(body: Any, where: str, *, retryable: bool = True) -> dict:
        # "Responses without data are single objects"; a {"data": {...}} wrapper is tolerated.
        if isinstance(body, dict) and "id" not in body and isinstance(body.get("data"), dict):
            body = body["data"]
        if not isinstance(body, dict):
            raise MalformedResponseError(
                f"{where} {_json_type(body)} where an object was expected.", retryable=retryable
            )
        return body

    def _get(self, path: str) -> dict:
        where = f"PDI answered GET /{path} with"
        return self.request_json("GET", path, validate=lambda body: self._object(body, where))

    def _write(self, method: str, path: str, payload: Mapping[str, Any], *, creating: bool) -> dict:
        """Send a write and return the object PDI answered.

        An empty body is a success ({} is returned) except for a create, whose caller needs the
        new id: that, or a body that is not an object with an id, is a MalformedResponseError that
        is not retried, since the object may have been created (the next run's lookup finds it).
        """
        response = self.request(method, path, json=dict(payload))
        what = f"PDI answered {method} /{path} with HTTP {response.status_code} and"
        maybe = " The object may have been created." if creating else ""
        if not response.content.strip():
            if creating:
                raise MalformedResponseError(f"{what} an empty body, so its id is unknown.{maybe}", retryable=False)
            return {}
        try:
            body = response.json()
        except ValueError:
            raise MalformedResponseError(f"{what} a body that is not JSON.{maybe}", retryable=False) from None
        obj = self._object(body, what, retryable=False)
        if creating and (isinstance(obj.get("id"), bool) or not isinstance(obj.get("id"), int)):
            raise MalformedResponseError(f"{what} no id.{maybe}", retryable=False)
        return obj

    # --- calendars and locations -------------------------------------------------------------------
    def calendars(self) -> list[dict]:
        """The account's calendars: GET /calendars -> [{id, name, description, timeZone}]."""
        return list(self.paginate("calendars"))

    def locations(self) -> Iterator[dict]:
        """The account's locations, streamed: GET /locations -> {id, locationName, locationAddress}."""
        return self.paginate("locations")

    def create_location(self, name: str, address: str) -> dict:
        """Create a location: POST /locations {locationName, locationAddress (one line)}; returns it."""
        if not (name or "").strip():
            raise ValueError("A PDI location needs a name.")
        payload = {"locationName": name.strip(), "locationAddress": (address or "").strip()}
        return self._write("POST", "locations", payload, creating=True)

    # --- contacts ----------------------------------------------------------------------------------
    def find_contacts_by_email(self, email: str) -> list[dict]:
        """The contacts with an email address: GET /contacts?email=<email>&searchByEmail=true.

        PDI's match is exact and case-insensitive. A contact whose `emails` list is present but
        lacks the address is dropped, so that a looser search never makes a false match.
        """
        email = (email or "").strip()
        if not email:
            return []
        wanted = email.lower()
        found = []
        for contact in self.paginate("contacts", {"email": email, "searchByEmail": True}):
            emails = contact.get("emails")
            if isinstance(emails, list) and emails:
                addresses = {
                    str(item.get("emailAddress", "")).strip().lower() for item in emails if isinstance(item, dict)
                }
                if wanted not in addresses:
                    continue
            found.append(contact)
        return found

    def find_contacts_by_name(self, first_name: str, last_name: str) -> list[dict]:
        """The contacts with a name: GET /contacts?firstName=<first>&lastName=<last>&searchByEmail=false."""
        first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
        if not (first_name or last_name):
            return []
        params = {"firstName": first_name or None, "lastName": last_name or None, "searchByEmail": False}
        return list(self.paginate("contacts", params))

    def get_contact(self, contact_id: int) -> dict:
        """A contact with its emails and phones: GET /contacts/{id} (NotFoundError for a missing one)."""
        return self._get(f"contacts/{int(contact_id)}")

    @staticmethod
    def _contact_payload(fields: Mapping[str, Any]) -> dict[str, Any]:
        wrong = [name for name in CONTACT_NOT_FIELDS if name in fields]
        if wrong:
            raise ValueError(
                f"A PDI contact has no {', '.join(wrong)} field: "
                "add addresses with add_email and numbers with add_phone."
            )
        # A fetched contact can be sent back as is: its id and lists are PDI's to manage.
        return {name: value for name, value in fields.items() if name not in CONTACT_READ_ONLY}

    def create_contact(self, fields: Mapping[str, Any]) -> dict:
        """Create a contact: POST /contacts {firstName, lastName, ...}; returns it with its id.

        PDI's contact has no email or phone field: add them with `add_email` / `add_phone`.
        """
        return self._write("POST", "contacts", self._contact_payload(fields), creating=True)

    def update_contact(self, contact_id: int, fields: Mapping[str, Any]) -> dict:
        """Change a contact: PUT /contacts/{id} with its fields; returns it ({} for an empty answer)."""
        return self._write("PUT", f"contacts/{int(contact_id)}", self._contact_payload(fields), creating=False)

    def add_email(self, contact_id: int, email: str, *, primary: bool = True) -> dict:
        """Add an email address: POST /contacts/{id}/emails {emailAddress, isPrimary} -> {id, emailAddress, isPrimary}.

        An address PDI does not accept is a RemoteValidationError with PDI's reason.
        """
        email = (email or "").strip()
        if not email:
            raise ValueError("An email address is required.")
        payload = {"emailAddress": email, "isPrimary": bool(primary)}
        return self._write("POST", f"contacts/{int(contact_id)}/emails", payload, creating=True)

    def add_phone(self, contact_id: int, number: str, *, phone_type: str = "Mobile", primary: bool = True) -> dict:
        """Add a phone: POST /contacts/{id}/phones {phoneNumber, phoneType, isPrimary}.

        `phone_type` is one of Home, Work, Direct, Mobile, Fax, Other (any case).
        """
        number = (number or "").strip()
        if not number:
            raise ValueError("A phone number is required.")
        canonical = {kind.lower(): kind for kind in PHONE_TYPES}.get((phone_type or "").strip().lower())
        if canonical is None:
            raise ValueError(f"phone_type={phone_type!r}: PDI takes one of {', '.join(PHONE_TYPES)}.")
        payload = {"phoneNumber": number, "phoneType": canonical, "isPrimary": bool(primary)}
        return self._write("POST", f"contacts/{int(contact_id)}/phones", payload, creating=True)

    # --- events ------------------------------------------------------------------------------------
    def events(self, start: date, end: date) -> Iterator[dict]:
        """Events starting from `start` to `end` inclusive, streamed: GET /events?startDate&endDate (yyyy-MM-dd)."""
        start, end = _day(start, "start"), _day(end, "end")
        if end < start:
            raise ValueError(f"The end date {end} is before the start date {start}.")
        return self.paginate("events", {"startDate": start, "endDate": end})

    def get_event(self, event_id: int) -> dict:
        """An event: GET /events/{id} (NotFoundError for a missing one)."""
        return self._get(f"events/{int(event_id)}")

    @staticmethod
    def _event_payload(fields: Mapping[str, Any]) -> dict[str, Any]:
        payload = dict(fields)
        if "isAllDay" in payload:
            payload["isAllDay"] = _all_day(payload["isAllDay"])
        return payload

    def create_event(self, calendar_id: int, fields: Mapping[str, Any]) -> dict:
        """Create an event in a calendar: POST /calendars/{calendarId}/events; returns it with its id.

        Fields: locationId, name, description, startDateTimeUtc, endDateTimeUtc (UTC
        yyyy-MM-ddTHH:mm:ss.fffZ), isAllDay (sent as the string "true"/"false"; a bool is
        converted), recurrenceType, recurrenceEndDateTimeUtc, phone, contactEmail, website.
        """
        payload = self._event_payload(fields)
        if "calendarId" in payload and payload["calendarId"] != int(calendar_id):
            raise ValueError(f"fields say calendarId={payload['calendarId']!r} but the event goes to {calendar_id}.")
        return self._write("POST", f"calendars/{int(calendar_id)}/events", payload, creating=True)

    def update_event(self, event_id: int, fields: Mapping[str, Any]) -> dict:
        """Change an event: PUT /events/{id} with the create fields plus `calendarId` (required).

        Returns the event ({} for an empty answer).
        """
        payload = self._event_payload(fields)
        calendar_id = payload.get("calendarId")
        if isinstance(calendar_id, bool) or not isinstance(calendar_id, int):
            raise ValueError("PUT /events/{id} needs the event's calendarId (a number) in its fields.")
        return self._write("PUT", f"events/{int(event_id)}", payload, creating=False)

    # --- invitations -------------------------------------------------------------------------------
    def invitations(self, event_id: int) -> Iterator[dict]:
        """An event's invitations, each with its `contact`, streamed: GET /events/{id}/invitations?expand=true."""
        return self.paginate(f"events/{int(event_id)}/invitations", {"expand": True})

    @staticmethod
    def _invitation_payload(fields: Mapping[str, Any]) -> dict[str, Any]:
        payload = dict(fields)
        if OCCURRENCE_FIELD_CORRECTLY_SPELLED in payload:
            # PDI reads only its own spelling; the correct one would be silently ignored.
            value = payload.pop(OCCURRENCE_FIELD_CORRECTLY_SPELLED)
            if OCCURRENCE_FIELD in payload and payload[OCCURRENCE_FIELD] != value:
                raise ValueError(f"Both {OCCURRENCE_FIELD} and {OCCURRENCE_FIELD_CORRECTLY_SPELLED} given, differing.")
            payload[OCCURRENCE_FIELD] = value
        status = payload.get("rsvpStatus")
        if "rsvpStatus" in payload and status not in RSVP_STATUSES:
            raise ValueError(f"rsvpStatus={status!r}: PDI takes one of {', '.join(repr(s) for s in RSVP_STATUSES)}.")
        return payload

    def create_invitation(self, event_id: int, fields: Mapping[str, Any]) -> dict:
        """Invite a contact: POST /events/{eventId}/invitations
        {contactId, rsvpStatus, isConfirmed, attended, specificOcurrenceStartUtc (sic)}; returns it.

        A contact already invited to the event is a RemoteValidationError (PDI's 400).
        """
        return self._write(
            "POST", f"events/{int(event_id)}/invitations", self._invitation_payload(fields), creating=True
        )

    def update_invitation(self, event_id: int, invitation_id: int, fields: Mapping[str, Any]) -> None:
        """Change an invitation: PUT /events/{eventId}/invitations/{id} with some of its fields.

        PDI answers 204 with an empty body.
        """
        path = f"events/{int(event_id)}/invitations/{int(invitation_id)}"
        self.request("PUT", path, json=self._invitation_payload(fields))

    # --- test connection -----------------------------------------------------------------------------
    def test_connection(self) -> list[str]:
        """Log in and list the calendars; return sentences saying what was checked (no secrets).

        Raises AuthenticationError with a sentence a campaign's staff can act on when the
        credentials are refused.
        """
        self.login()
        host = urlsplit(self.base_url).netloc
        checked = [f"PDI: logged in as {self.username} at {host}."]
        calendars = self.calendars()
        names = [str(calendar.get("name") or f"#{calendar.get('id')}") for calendar in calendars]
        if not names:
            checked.append("PDI: 0 calendars: create one in PDI, then refresh the calendars here.")
        else:
            shown = ", ".join(names[:10]) + (f", and {len(names) - 10} more" if len(names) > 10 else "")
            checked.append(f"PDI: {len(names)} calendar{'s' if len(names) != 1 else ''}: {shown}.")
        return checked
