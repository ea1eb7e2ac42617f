"""The Action Network (OSDI 1.1.1, "AEP") API client: people read, found, signed up and updated.

The contract is docs/connectors/actionnetwork.md (what the sandbox serves too); Action Network's
publicly known behaviour is in shared/apis.md section 4. In short:

- `OSDI-API-Token: <token>` on every request; JSON bodies; answers are HAL+JSON. The base URL
  (`https://actionnetwork.org/api/v2/`, or the sandbox's) may carry a path: paths are relative.
- `GET people` pages with `page` (1-based) and `per_page` (at most 25). The collection has no
  totals, keeps a `next` link on its last page and is not ordered by `modified_date`, so the
  reader asks for page after page until one has no people, and never follows `next`.
- Filters are OData: `modified_date gt '<ISO>'`, `email_address eq '<x>'`, joined by ` and `.
- People are created or updated only through the Person Signup Helper (`POST people/`), which
  matches by email, then phone: repeating one is harmless, so it is retried like a PUT.
- Errors: `{"error": "<sentence>"}`. About 4 requests per second per token, reads and writes
  together (`ACTIONNETWORK_RATE`).

Retries with backoff and typed errors come from `HttpClient`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import requests
from django.conf import settings

from ..errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    ServerError,
    describe_field_errors,
    flatten_field_errors,
)
from ..http import Credential, HttpClient, parse_retry_after
from ..ratelimit import RateLimiter

logger = logging.getLogger(__name__)

NAME = "Action Network"  # how sentences name the system (`system` is the machine name)
MAX_PER_PAGE = 25  # Action Network's max_page_size: "Currently 25"
PEOPLE_PATH = "people"
IDENTIFIER_PREFIX = "action_network:"
PEOPLE_KEY = "osdi:people"
_DIGITS = re.compile(r"\D")


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


def _filter_time(value: datetime, name: str, *, round_up: bool) -> str:
    """An aware datetime as the filter's `YYYY-MM-DDTHH:MM:SSZ` (Action Network keeps whole seconds).

    A fraction of a second is dropped from a lower bound and rounded up on an upper one, so that
    a window is never narrower than asked: a person modified in the bound's own second is read.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"{name}={value!r} is not a datetime.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}={value!r} has no time zone: Action Network's dates are UTC, give an aware datetime.")
    moment = value.astimezone(UTC)
    whole = moment.replace(microsecond=0)
    if round_up and moment.microsecond:
        whole += timedelta(seconds=1)
    return whole.strftime("%Y-%m-%dT%H:%M:%SZ")


def _literal(value: str) -> str:
    """An OData string literal: quoted, a quote inside doubled (o'brien@example.com)."""
    return "'" + value.replace("'", "''") + "'"


def _phone(phone: str) -> str:
    """A phone as Action Network stores it: digits only, a 10-digit (US) number with its leading 1."""
    digits = _DIGITS.sub("", phone)
    return "1" + digits if len(digits) == 10 else digits


class ActionNetworkClient(HttpClient):
    """One Action Network group (list), reached with its OSDI API token."""

    system = "actionnetwork"

    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        limiter: RateLimiter | None = None,
        session: requests.Session | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
    ) -> None:
        base_url = (base_url or "").strip()
        if not base_url:
            raise ValueError("The Action Network API address is required, e.g. https://actionnetwork.org/api/v2/.")
        super().__init__(base_url, timeout=timeout, max_attempts=max_attempts, limiter=limiter, session=session)
        token = (api_token or "").strip()
        self._api_token = Credential(token)
        # Read at construction so that settings (and tests) win over the class defaults.
        self.read_rate = self.write_rate = settings.ACTIONNETWORK_RATE
        # Action Network counts requests per token: the window is keyed by a digest of it (never
        # the token itself, which would sit in Redis) so that two groups do not slow each other.
        self._token_digest = hashlib.sha256(token.encode()).hexdigest()[:16] if token else "none"

    def __repr__(self) -> str:
        return f"<ActionNetworkClient {self.base_url}>"

    # --- HttpClient hooks ------------------------------------------------------------------------
    def request(self, method: str, path_or_url: str, *, idempotent: bool = False, **kwargs: Any) -> requests.Response:
        """Send a request (see `HttpClient.request`); `idempotent` says a POST may be repeated
        after a 5xx or a timeout (the signup helper's upsert)."""
        if not self._api_token:
            raise AuthenticationError(
                f"{NAME} needs an OSDI API token; none is set. Enter the token from Action Network's API & Sync page."
            )
        return super().request(method, path_or_url, idempotent=idempotent, **kwargs)

    def rate_limit(self, method: str) -> tuple[str, str]:
        """One window per token for reads and writes together: Action Network's 4/s counts both."""
        return f"{self.system}:{self.origin}:token-{self._token_digest}", settings.ACTIONNETWORK_RATE

    def prepare(self, request_kwargs: dict[str, Any]) -> None:
        """The token in `OSDI-API-Token` on every attempt."""
        headers = dict(request_kwargs.get("headers") or {})  # never mutate the caller's dict
        headers["OSDI-API-Token"] = self._api_token.reveal()
        request_kwargs["headers"] = headers

    def error_message(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        """Read `{"error": "<sentence>"}` into that sentence (a list or object into field errors).

        HTML pages and plain text become a short line; anything echoing the token is redacted.
        """
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error", body.get("errors")) if isinstance(body, dict) else None
        if isinstance(error, str) and error.strip():
            return self._redact(error.strip()).rstrip(".") + ".", {}
        if isinstance(error, (list, dict)) and error:
            field_errors = {
                name: [self._redact(why) for why in reasons] for name, reasons in flatten_field_errors(error).items()
            }
            general = field_errors.pop("error", [])
            parts = [message.rstrip(".") + "." for message in general]
            if field_errors:
                parts.append(describe_field_errors(field_errors).rstrip(".") + ".")
            if parts:
                return " ".join(parts), field_errors
        content_type = response.headers.get("Content-Type", "")
        text = response.text.strip()
        if "html" in content_type or text.startswith("<"):
            return f"an HTML error page ({response.reason or 'no reason given'})", {}
        return self._redact(" ".join(text[:200].split())) or response.reason or "no details", {}

    def error_for(self, method: str, path: str, response: requests.Response) -> ConnectorError:
        """The contract's statuses as typed errors whose sentences carry Action Network's own
        (also in `details`, for a run's per-record message)."""
        status = response.status_code
        detail, field_errors = self.error_message(response)
        where = f"{NAME} answered HTTP {status} to {method} {path}"
        if status == 429:
            self.stats.rate_limited_responses += 1
            return RateLimitedError(
                f"{where}: rate limit exceeded ({detail}); backing off.",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                details=detail,
            )
        if status >= 500:
            return ServerError(
                f"{where}: {NAME} failed on its side ({detail}); this is usually temporary.",
                status=status,
                details=detail,
            )
        if status in (401, 403):
            return AuthenticationError(
                f"{where}: the OSDI API token was refused ({detail}). Check the token of this integration "
                "(Action Network: Start Organizing, Details, API & Sync).",
                status=status,
                details=detail,
            )
        if status == 404:
            return NotFoundError(f"{where}: not found ({detail}).", status=status, details=detail)
        if status in (400, 409, 422):
            return RemoteValidationError(
                f"{where}: {NAME} rejected the request: {detail}",
                status=status,
                field_errors=field_errors,
                details=detail,
            )
        return ConnectorError(f"{where}: {detail}", status=status, details=detail)

    def _redact(self, text: str) -> str:
        """A server may echo what it refused; the token may reach no log or run message."""
        return self._api_token.redact(text)

    # --- bodies ------------------------------------------------------------------------------------
    def _shown(self, path: str) -> str:
        return urlsplit(self.url_for(path)).path

    def _people_page(self, page: int, per_page: int, filter_: str | None) -> list[dict]:
        """One page of `GET people`: its `_embedded["osdi:people"]` ([] when empty or absent)."""
        shown = self._shown(PEOPLE_PATH)
        where = f"{NAME} answered GET {shown} page {page} with"

        def validate(body: Any) -> list[dict]:
            if not isinstance(body, dict):
                raise MalformedResponseError(f"{where} {_json_type(body)} instead of a HAL object.")
            embedded = body.get("_embedded")
            if embedded is None:
                return []
            if not isinstance(embedded, dict):
                raise MalformedResponseError(
                    f"{where} `_embedded` as {_json_type(embedded)} where an object was expected."
                )
            people = embedded.get(PEOPLE_KEY)
            if people is None:
                return []
            if not isinstance(people, list):
                raise MalformedResponseError(
                    f"{where} `_embedded.{PEOPLE_KEY}` as {_json_type(people)} where a list was expected."
                )
            if not all(isinstance(person, dict) for person in people):
                raise MalformedResponseError(f"{where} `_embedded.{PEOPLE_KEY}` items that are not all objects.")
            return people

        params = [("page", str(page)), ("per_page", str(per_page))]
        if filter_:
            params.append(("filter", filter_))
        return self.request_json("GET", PEOPLE_PATH, params=params, validate=validate)

    def _person_body(self, response: requests.Response, method: str, path: str) -> dict:
        """The person a write answered. Not retried when it is not one: the write may have landed
        (a signup repeated on the next run matches the same person)."""
        what = f"{NAME} answered {method} {self._shown(path)} with HTTP {response.status_code} and"
        if not response.content.strip():
            raise MalformedResponseError(f"{what} an empty body where the person was expected.", retryable=False)
        try:
            body = response.json()
        except ValueError:
            raise MalformedResponseError(f"{what} a body that is not JSON.", retryable=False) from None
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{what} {_json_type(body)} where the person was expected.", retryable=False)
        return body

    # --- people --------------------------------------------------------------------------------------
    def iter_people(
        self,
        *,
        modified_since: datetime | None = None,
        modified_before: datetime | None = None,
        per_page: int = MAX_PER_PAGE,
    ) -> Iterator[dict]:
        """Yield the people (optionally modified in a window), one page in memory at a time.

        Sends `page` 1, 2, ... with `per_page` (cut to 25) and `filter=modified_date gt '<since>'`
        (` and modified_date lt '<before>'`), both bounds exclusive, in UTC as `...Z`. Stops at
        the first page whose `_embedded["osdi:people"]` is empty or absent; `next` is never
        followed (it is present on the last page too). Nothing is sent until the first person is
        asked for; a page is fetched only when the previous one is consumed. A page that is not a
        HAL object is a MalformedResponseError (retried first); a page repeating the previous
        one (a server ignoring `page`) stops the list with an error instead of looping.
        """
        if isinstance(per_page, bool) or not isinstance(per_page, int) or per_page < 1:
            raise ValueError(f"per_page={per_page!r}: an Action Network page holds 1 to {MAX_PER_PAGE} people.")
        per_page = min(per_page, MAX_PER_PAGE)
        clauses = []
        if modified_since is not None:
            clauses.append(f"modified_date gt '{_filter_time(modified_since, 'modified_since', round_up=False)}'")
        if modified_before is not None:
            clauses.append(f"modified_date lt '{_filter_time(modified_before, 'modified_before', round_up=True)}'")
        return self._iter_pages(per_page, " and ".join(clauses) or None)

    def _iter_pages(self, per_page: int, filter_: str | None) -> Iterator[dict]:
        page = 1
        previous: list[dict] | None = None
        while True:
            people = self._people_page(page, per_page, filter_)
            logger.debug("%s GET people page %d: %d people", NAME, page, len(people))
            if not people:
                return
            if people == previous:
                raise MalformedResponseError(
                    f"{NAME} answered GET {self._shown(PEOPLE_PATH)} page {page} with the people of page {page - 1}; "
                    "stopping instead of looping.",
                    retryable=False,
                )
            previous = people
            yield from people
            page += 1

    def get_person(self, person_id: str) -> dict:
        """One person: GET people/<uuid> (an `action_network:` prefix is dropped).

        NotFoundError (with Action Network's "Couldn't find person with id = ..." ) for an unknown id.
        """
        path = f"{PEOPLE_PATH}/{self._segment(person_id)}"
        where = f"{NAME} answered GET {self._shown(path)} with"

        def validate(body: Any) -> dict:
            if not isinstance(body, dict):
                raise MalformedResponseError(f"{where} {_json_type(body)} where the person was expected.")
            return body

        return self.request_json("GET", path, validate=validate)

    def find_people(self, *, email: str | None = None, phone: str | None = None) -> list[dict]:
        """The people with this email and/or phone: GET people?filter=email_address eq '<email>'
        (and/or `phone_number eq '<11 digits>'`, joined by ` and `), first page only.

        Action Network keeps emails and phones unique, so one page (25) holds every match. The
        phone is sent as Action Network stores it: digits only, a 10-digit number with its leading 1.
        """
        clauses = []
        if email is not None and email.strip():
            clauses.append(f"email_address eq {_literal(email.strip())}")
        if phone is not None and _phone(phone):
            clauses.append(f"phone_number eq {_literal(_phone(phone))}")
        if not clauses:
            raise ValueError("find_people needs an email or a phone.")
        return self._people_page(1, MAX_PER_PAGE, " and ".join(clauses))

    def signup(self, person: dict, *, source: str | None = None, tags: Sequence[str] = ()) -> tuple[dict, bool]:
        """Create or update a person through the Person Signup Helper; return (person, created).

        POST people/ {"person": person, "action_network:referrer_data": {"source": source}
        (when given), "add_tags": [...] (when given)}. Action Network matches by email, then
        phone, and updates the match with what is sent. Mind the trap: a new phone number is
        `unsubscribed` unless `person` gives its `status`.

        `created`: True for HTTP 201 (the contract's answer for a new person). Any other success
        (200, which is also what Action Network may answer for both) is read as Parsons does:
        created when the answer's `created_date` equals its `modified_date` (both readable).
        Repeating a signup is harmless (it matches the person the first attempt made), so unlike
        other POSTs it is retried after a 5xx or a timeout. If the failed attempt had landed, the
        retry is answered as a match: the person is right, but `created` may then say False for
        a person this call made.
        """
        if not isinstance(person, Mapping):
            raise TypeError(f"person must be a dict of Action Network person fields, not {type(person).__name__}.")
        if isinstance(tags, str):
            raise TypeError("tags must be a list of tag names, not one string.")
        payload: dict[str, Any] = {"person": dict(person)}
        if source:
            payload["action_network:referrer_data"] = {"source": source}
        if tags:
            payload["add_tags"] = [str(tag) for tag in tags]
        path = f"{PEOPLE_PATH}/"
        response = self.request("POST", path, json=payload, idempotent=True)
        body = self._person_body(response, "POST", path)
        if response.status_code == 201:
            return body, True
        created_at = self.parse_date(body.get("created_date"))
        modified_at = self.parse_date(body.get("modified_date"))
        return body, created_at is not None and created_at == modified_at

    def update_person(self, person_id: str, changes: dict) -> dict:
        """Change some of a person's fields: PUT people/<uuid> with `changes`; returns the person.

        Top-level fields replace, `custom_fields` merge; `phone_numbers: [{"status": ...}]`
        without a `number` changes the phone's status alone (a `number` replaces the phone).
        An empty answer (Parsons accepts 204) returns {}. NotFoundError for an unknown id.
        """
        if not isinstance(changes, Mapping):
            raise TypeError(f"changes must be a dict of Action Network person fields, not {type(changes).__name__}.")
        path = f"{PEOPLE_PATH}/{self._segment(person_id)}"
        response = self.request("PUT", path, json=dict(changes))
        if not response.content.strip():
            return {}
        return self._person_body(response, "PUT", path)

    def test(self) -> list[str]:
        """One cheap authenticated read (people page 1, one per page); sentences saying what was
        checked (no secret, no person's data). AuthenticationError when the token is refused."""
        people = self._people_page(1, 1, None)
        host = urlsplit(self.base_url).netloc
        checked = [f"{NAME}: the OSDI API token was accepted by {host}."]
        if people:
            checked.append(f"{NAME}: the people list can be read (it holds people).")
        else:
            checked.append(f"{NAME}: the people list can be read; it is empty so far.")
        return checked

    # --- identifiers and dates ----------------------------------------------------------------------
    @classmethod
    def _segment(cls, person_id: str) -> str:
        value = person_id.strip() if isinstance(person_id, str) else ""
        value = value.removeprefix(IDENTIFIER_PREFIX)
        if not value:
            raise ValueError(f"person_id={person_id!r}: an Action Network person id (a uuid) is required.")
        return quote(value, safe="")

    @staticmethod
    def person_id(person: dict) -> str:
        """A person's uuid: from its `action_network:<uuid>` identifier, else from the last segment
        of `_links.self.href` (`.../people/<uuid>`). ValueError when it has neither."""
        if isinstance(person, Mapping):
            identifiers = person.get("identifiers")
            for identifier in identifiers if isinstance(identifiers, list) else ():
                if isinstance(identifier, str) and identifier.startswith(IDENTIFIER_PREFIX):
                    uuid = identifier.removeprefix(IDENTIFIER_PREFIX).strip()
                    if uuid:
                        return uuid
            links = person.get("_links")
            own = links.get("self") if isinstance(links, Mapping) else None
            href = own.get("href") if isinstance(own, Mapping) else None
            if isinstance(href, str):
                segments = [segment for segment in urlsplit(href.strip()).path.split("/") if segment]
                if len(segments) >= 2 and segments[-2] == PEOPLE_PATH:
                    return unquote(segments[-1])
        # Never the person in the message: it is someone's contact data.
        raise ValueError(
            f"The {NAME} person has no '{IDENTIFIER_PREFIX}' identifier and no _links.self.href; its id is unknown."
        )

    @staticmethod
    def parse_date(value: str | None) -> datetime | None:
        """An Action Network date as an aware UTC datetime; None for None, "" or an unreadable value.

        Reads `2026-12-01T09:00:00Z` (the sandbox's), `2019-02-28T00:00:00.000+0000` (the
        fixtures'), any other ISO 8601 form with an offset, and a naive one as UTC.
        """
        if not isinstance(value, str) or not value.strip():
            return None
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


__all__ = ["MAX_PER_PAGE", "ActionNetworkClient"]
