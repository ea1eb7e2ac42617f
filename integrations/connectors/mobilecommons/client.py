"""The Upland Mobile Commons API client: profiles (upsert, lookup, list, opt-out) and campaigns.

The contract is docs/connectors/mobilecommons.md (what the sandbox serves too); what is publicly
known of Mobile Commons' API is in shared/apis.md section 5. In short:

- HTTP Basic with a Mobile Commons login (email) and password; logins with several companies add
  `company=<key>` to every request (with the other parameters: the query of a GET, the form body
  of a POST). A wrong login answers 401 with an HTML page (`<h4>Access denied</h4><p>...</p>`).
- Every answer is XML, `<response success="true">...</response>`, parsed with defusedxml (no DTD,
  no entities: an XML bomb or an external entity is refused). `success="false"` carries
  `<error id="5" message="..."/>` **with HTTP 200**; the error id decides the typed error
  (`ERROR_TYPES`): 1 is a server failure and retried, 5 is "not found" for a profile lookup, the
  rest are refusals of the request's content.
- Lists: `limit` (at most 1000) and a 1-based `page`; `<profiles num page limit page_count>`.
  The reader stops at `page_count` or `num="0"` and fetches a page only when the consumer asks.
- Times in answers look like `2026-12-01 09:00:00 UTC`; `from`/`to` take ISO 8601 (`...T09:00:00Z`).

Rate limits, retries with backoff (429 with Retry-After, 5xx, timeouts) and typed errors come
from `HttpClient`. Every request this client sends is safe to repeat (see `idempotent_methods`).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.conf import settings
from tenacity import Retrying, retry_if_exception, stop_after_attempt

from ..errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    ServerError,
)
from ..http import Credential, HttpClient, parse_retry_after
from ..ratelimit import RateLimiter

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # a type only: parsing is defusedxml's

logger = logging.getLogger(__name__)

MAX_LIMIT = 1000  # Mobile Commons' largest page
ERROR_NOT_FOUND = 5  # "Invalid phone number" / "Profile not found"
ERROR_INTERNAL = 1
# Mobile Commons' error ids and what they mean (docs/connectors/mobilecommons.md); an id not
# listed is a refusal of the request too.
ERROR_TYPES: dict[int, str] = {
    1: "internal error",
    5: "invalid phone number or profile not found",
    6: "invalid opt-in path",
    7: "missing required parameter",
    8: "invalid campaign",
}
ADDRESS_FIELDS = ("street1", "street2", "city", "state", "postal_code", "country")
SOURCE_FIELDS = ("type", "name", "id", "opt_in_path_id")
_MISSING_PARAMETER = re.compile(r"missing required parameter:\s*(\S+)", re.IGNORECASE)
_HTML_TEXT = re.compile(r"<(h[1-6]|p)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


class MobileCommonsError(RemoteValidationError):
    """Mobile Commons refused the request (`success="false"`); `error_id` is its error id."""

    def __init__(self, message: str, *, error_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.error_id = error_id


class _SharedBudget:
    """Makes reads and writes draw on one budget: MOBILECOMMONS_RATE paces every call.

    HttpClient keys its limiter per verb class (`...:read`, `...:write`); Mobile Commons counts
    calls per company, whatever their verb, so the suffix is dropped.
    """

    def __init__(self, limiter: RateLimiter) -> None:
        self._limiter = limiter

    def acquire(self, key: str, rate: str) -> float:
        return self._limiter.acquire(key.rsplit(":", 1)[0], rate)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._limiter, name)


def _int_attribute(element: Element, name: str, where: str) -> int | None:
    value = element.get(name)
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise MalformedResponseError(f"{where} <{element.tag} {name}={value[:20]!r}>, not a number.") from None


def _html_summary(text: str) -> str:
    """The headings and paragraphs of an HTML error page, as one line ("Access denied: ...")."""
    parts = []
    for _tag, inner in _HTML_TEXT.findall(text[:10_000]):
        line = " ".join(html.unescape(_TAG.sub(" ", inner)).split())
        if line and line not in parts:
            parts.append(line)
    return ": ".join(parts)


def _utc_param(value: datetime, name: str) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"{name}={value!r} is not a datetime.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}={value!r} has no time zone; pass an aware datetime.")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MobileCommonsClient(HttpClient):
    """One Mobile Commons login (and company), used with HTTP Basic. One method per endpoint used."""

    system = "mobilecommons"
    # Every request of this client may be repeated after a 5xx or a timeout: GETs read;
    # `profile_update` is an upsert keyed on the phone (and a number is opted in once only, so a
    # repeat sends no second Welcome message); `profile_opt_out` leaves an opted-out number so.
    idempotent_methods = HttpClient.idempotent_methods | {"POST"}

    def __init__(
        self,
        base_url: str,
        login: str,
        password: str,
        *,
        company_key: str = "",
        limiter: RateLimiter | None = None,
        session: requests.Session | None = None,
        timeout: float | None = None,
        max_attempts: int | None = None,
    ) -> None:
        base_url = (base_url or "").strip()
        if not base_url:
            raise ValueError("The Mobile Commons API address is required, e.g. https://secure.mcommons.com/api/.")
        super().__init__(base_url, timeout=timeout, max_attempts=max_attempts, limiter=limiter, session=session)
        self.limiter = _SharedBudget(self.limiter)
        self.session.headers["Accept"] = "application/xml"
        self.login = (login or "").strip()
        self._password = Credential(password or "")
        self.company_key = (company_key or "").strip()
        # Mobile Commons allows 160 concurrent calls per company and documents no rate; this is ours,
        # read at construction so settings win.
        self.read_rate = self.write_rate = settings.MOBILECOMMONS_RATE

    def __repr__(self) -> str:
        company = f" company={self.company_key!r}" if self.company_key else ""
        return f"<MobileCommonsClient {self.base_url} login={self.login!r}{company}>"

    # --- HttpClient hooks --------------------------------------------------------------------------
    def prepare(self, request_kwargs: dict[str, Any]) -> None:
        """HTTP Basic with the login and password on every attempt (the password read only here)."""
        request_kwargs["auth"] = (self.login, self._password.reveal())

    def error_message(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        """A non-2xx answer as a short line: Mobile Commons' XML error, an HTML page's h4/p, or text."""
        try:
            root = fromstring(response.content, forbid_dtd=True)
        except (DefusedXmlException, ParseError, ValueError):
            root = None
        if root is not None and root.tag == "response":
            error_id, message = self._error_of(root)
            if message:
                return self._redact(f"Mobile Commons error {error_id}: {message}"), {}
        text = response.text.strip()
        content_type = response.headers.get("Content-Type", "")
        if "html" in content_type or text.startswith("<"):
            summary = _html_summary(text)
            return self._redact(summary) if summary else f"an HTML page ({response.reason or 'no reason given'})", {}
        return self._redact(" ".join(text[:200].split())) or response.reason or "no details", {}

    def error_for(self, method: str, path: str, response: requests.Response) -> ConnectorError:
        """HTTP statuses as typed errors with sentences a campaign's staff can act on."""
        status = response.status_code
        detail, field_errors = self.error_message(response)
        where = f"Mobile Commons answered HTTP {status} to {method} {path}"
        if status == 429:
            self.stats.rate_limited_responses += 1
            return RateLimitedError(
                f"{where}: too many requests; backing off.",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            return ServerError(f"{where}: {detail}; this is usually temporary.", status=status)
        if status in (401, 403):
            company = f", password and company key ({self.company_key})" if self.company_key else " and password"
            return AuthenticationError(
                f"{where}: the login {self.login or '(none)'} was refused ({detail}). "
                f"Check the Mobile Commons login{company} of this integration.",
                status=status,
                details=detail,
            )
        if status == 404:
            return NotFoundError(
                f"{where}: not found ({detail}). Check the Mobile Commons API address ({self.base_url}).",
                status=status,
            )
        if status in (400, 409, 422):
            return RemoteValidationError(f"{where}: {detail}", status=status, field_errors=field_errors)
        return ConnectorError(f"{where}: {detail}", status=status)

    def _redact(self, text: str) -> str:
        """A server may echo what it refused; the password may reach no log or run message."""
        return self._password.redact(text)

    # --- requests and answers ----------------------------------------------------------------------
    def call(
        self, method: str, endpoint: str, params: Mapping[str, Any] | None = None, *, lookup: bool = False
    ) -> Element:
        """Send one API call and return its `<response success="true">` element.

        `params` go in the query of a GET and the form body of a POST, `company` with them; None
        values are left out (a parameter not sent is left alone by Mobile Commons). Each attempt
        parses the body: error id 1 and a body that is not the documented XML are retried like a
        5xx; other `success="false"` answers raise at once (`lookup`: error 5 is NotFoundError).
        """
        if not self.login or not self._password:
            missing = " and ".join(
                name for name, value in (("login", self.login), ("password", self._password)) if not value
            )
            raise AuthenticationError(
                f"Mobile Commons needs a login (email) and a password; the {missing} "
                f"{'are' if ' and ' in missing else 'is'} missing. Enter the credentials of a Mobile Commons API login."
            )
        method = method.upper()
        pairs = [(str(name), str(value)) for name, value in (params or {}).items() if value is not None]
        if self.company_key:
            pairs.append(("company", self.company_key))
        kwargs: dict[str, Any] = {"data": pairs} if method == "POST" else {"params": pairs}
        path = urlsplit(self.url_for(endpoint)).path

        def attempt() -> Element:
            return self._document(self.request(method, endpoint, **kwargs), method, path, lookup=lookup)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            # Only what this loop adds: the HTTP errors were retried already by `request`.
            retry=retry_if_exception(self._body_error_is_retryable),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        return retrying(attempt)

    @staticmethod
    def _body_error_is_retryable(exc: BaseException) -> bool:
        if not isinstance(exc, ConnectorError) or not exc.retryable:
            return False
        return isinstance(exc, MalformedResponseError) or getattr(exc, "error_id", None) is not None

    def _document(self, response: requests.Response, method: str, path: str, *, lookup: bool) -> Element:
        where = f"Mobile Commons answered {method} {path} with"
        content = response.content
        if not content.strip():
            raise MalformedResponseError(f"{where} an empty body where XML was expected.")
        try:
            root = fromstring(content, forbid_dtd=True)
        except DefusedXmlException as exc:
            # Mobile Commons sends no DTD: one is a broken or hostile server, not a passing failure.
            raise MalformedResponseError(
                f"{where} XML declaring a DTD or entities ({type(exc).__name__}); refused unread.", retryable=False
            ) from None
        except (ParseError, ValueError):
            raise MalformedResponseError(f"{where} a body that is not XML ({len(content)} bytes).") from None
        if root.tag != "response":
            raise MalformedResponseError(f"{where} <{root.tag[:40]}> where <response> was expected.")
        success = (root.get("success") or "").strip().lower()
        if success == "true":
            return root
        if success == "false":
            raise self._refusal(root, method, path, lookup=lookup)
        raise MalformedResponseError(f"{where} <response success={root.get('success')!r}>, neither true nor false.")

    def _error_of(self, root: Element) -> tuple[int | None, str]:
        error = root.find("error")
        if error is None:
            return None, ""
        message = (error.get("message") or error.text or "").strip()
        try:
            error_id = int((error.get("id") or "").strip())
        except ValueError:
            error_id = None
        return error_id, self._redact(" ".join(message.split()))

    def _refusal(self, root: Element, method: str, path: str, *, lookup: bool) -> ConnectorError:
        """A `success="false"` answer as the typed error its id means (docs/connectors/mobilecommons.md)."""
        error_id, message = self._error_of(root)
        said = f"Mobile Commons error {error_id if error_id is not None else '(no id)'}: {message or 'no message'}"
        shown = f"{said} ({method} {path})"
        if error_id == ERROR_INTERNAL:
            error: ConnectorError = ServerError(f"{shown}; this is usually temporary.", status=200, details=message)
        elif error_id == ERROR_NOT_FOUND and lookup:
            error = NotFoundError(f"{shown}.", status=200, details=message)
        else:
            missing = _MISSING_PARAMETER.search(message)
            field_errors = {missing[1]: [message]} if missing else {}
            error = MobileCommonsError(
                f"{shown}.", error_id=error_id, status=200, details=message, field_errors=field_errors
            )
        error.error_id = error_id  # on every body error, whatever its type
        return error

    # --- parsing -----------------------------------------------------------------------------------
    @staticmethod
    def parse_time(value: str | None) -> datetime | None:
        """A time of an answer as an aware UTC datetime; "" or None is None.

        Mobile Commons writes `2026-12-01 09:00:00 UTC`; ISO 8601 (`2026-12-01T09:00:00Z`,
        `+00:00` offsets) is read too, and a time without a zone is UTC. Anything else is a ValueError.
        """
        if value is None:
            return None
        text = value.strip()
        if not text:
            return None
        if text.upper().endswith(" UTC"):
            text = text[:-4].strip() + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a Mobile Commons time such as '2026-12-01 09:00:00 UTC'.") from None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    def _time(self, value: str | None, name: str, where: str) -> datetime | None:
        try:
            return self.parse_time(value)
        except ValueError:
            raise MalformedResponseError(f"{where} has {name}={value!r}, not a time.", retryable=False) from None

    def parse_profile(self, element: Element, where: str = "Mobile Commons answered") -> dict:
        """A `<profile>` element as the dict the flows use (every key present; "" for an absent text).

        `where` ("Mobile Commons answered GET /api/profiles page 2") starts the error messages.
        """
        profile_id = (element.get("id") or "").strip()
        if not profile_id:
            raise MalformedResponseError(f"{where} with a <profile> without an id.", retryable=False)
        where = f"{where}: profile {profile_id}"

        def text(parent: Element | None, tag: str) -> str:
            return (parent.findtext(tag) or "").strip() if parent is not None else ""

        def attribute(element: Element, name: str) -> str:
            # The contract writes these as attributes; a child element of that name is read too.
            value = element.get(name)
            return (value if value is not None else element.findtext(name) or "").strip()

        source = element.find("source")
        address = element.find("address")
        custom_columns: dict[str, str] = {}
        for column in element.findall("custom_columns/custom_column"):
            name = (column.get("name") or "").strip()
            if name:
                custom_columns[name] = (column.text or "").strip()
        subscriptions = [
            {
                "campaign_id": attribute(sub, "campaign_id"),
                "campaign_name": attribute(sub, "campaign_name"),
                "opt_in_path_id": attribute(sub, "opt_in_path_id"),
                "status": attribute(sub, "status"),
                "activated_at": self._time(attribute(sub, "activated_at"), "activated_at", where),
                "opted_out_at": self._time(attribute(sub, "opted_out_at"), "opted_out_at", where),
            }
            for sub in element.findall("subscriptions/subscription")
        ]
        return {
            "id": profile_id,
            "phone_number": text(element, "phone_number"),
            "email": text(element, "email"),
            "first_name": text(element, "first_name"),
            "last_name": text(element, "last_name"),
            "status": text(element, "status"),
            "created_at": self._time(text(element, "created_at"), "created_at", where),
            "updated_at": self._time(text(element, "updated_at"), "updated_at", where),
            "opted_out_at": self._time(text(element, "opted_out_at"), "opted_out_at", where),
            "opted_out_source": text(element, "opted_out_source"),
            "address": {name: text(address, name) for name in ADDRESS_FIELDS},
            "custom_columns": custom_columns,
            "subscriptions": subscriptions,
            "source": {name: (source.get(name) or "").strip() if source is not None else "" for name in SOURCE_FIELDS},
        }

    def _one_profile(self, root: Element, method: str, path: str) -> dict:
        where = f"Mobile Commons answered {method} {path}"
        element = root.find("profile")
        if element is None:
            raise MalformedResponseError(f"{where} with no <profile> in a successful answer.", retryable=False)
        return self.parse_profile(element, where)

    # --- profiles ----------------------------------------------------------------------------------
    def profile_update(self, params: Mapping[str, str]) -> dict:
        """Create or update the profile of `params["phone_number"]`: POST profile_update (form); returns it.

        Parameters: phone_number (required), email, first_name, last_name, street1, street2,
        city, state, postal_code, country, opt_in_path_id, and custom columns by name. A value
        sent empty clears that field; None is not sent (the field is left alone). Error 5 (an
        invalid phone), 6 (an unknown opt-in path) and 7 (a missing parameter) are
        MobileCommonsError; an opted-out number stays opted out (Mobile Commons answers success).
        """
        root = self.call("POST", "profile_update", params)
        return self._one_profile(root, "POST", urlsplit(self.url_for("profile_update")).path)

    def get_profile(self, phone: str) -> dict | None:
        """The profile of a phone (digits with the country code), or None when Mobile Commons has none
        (its error 5): GET profile?phone_number=&include_custom_columns=true&include_subscriptions=true."""
        params = {"phone_number": phone, "include_custom_columns": "true", "include_subscriptions": "true"}
        try:
            root = self.call("GET", "profile", params, lookup=True)
        except NotFoundError as exc:
            if getattr(exc, "error_id", None) != ERROR_NOT_FOUND:
                raise  # an HTTP 404: the address is wrong, not the phone
            return None
        return self._one_profile(root, "GET", urlsplit(self.url_for("profile")).path)

    def iter_profiles(
        self,
        *,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        limit: int = MAX_LIMIT,
    ) -> Iterator[dict]:
        """Every profile updated in [updated_from, updated_to], with custom columns and subscriptions.

        GET profiles?include_custom_columns=true&include_subscriptions=true&from=&to=&limit=&page=
        (times as ISO 8601 UTC, `2026-12-01T09:00:00Z`). Lazy: a page is fetched when the consumer
        reaches it, and only one is held. Stops after `page_count` pages or at a page of
        `num="0"`; an empty first page yields nothing.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit={limit!r}: a Mobile Commons page holds 1 to {MAX_LIMIT} profiles.")
        params: dict[str, str] = {"include_custom_columns": "true", "include_subscriptions": "true"}
        if updated_from is not None:
            params["from"] = _utc_param(updated_from, "updated_from")
        if updated_to is not None:
            params["to"] = _utc_param(updated_to, "updated_to")
        params["limit"] = str(limit)
        return self._profile_pages(params, limit)

    def _profile_pages(self, params: dict[str, str], limit: int) -> Iterator[dict]:
        path = urlsplit(self.url_for("profiles")).path
        page = 1
        previous_ids: list[str] | None = None
        while True:
            root = self.call("GET", "profiles", {**params, "page": str(page)})
            answered = f"Mobile Commons answered GET {path} page {page}"
            where = f"{answered} with"
            container = root.find("profiles")
            if container is None:
                raise MalformedResponseError(f"{where} no <profiles> in a successful answer.", retryable=False)
            num = _int_attribute(container, "num", where)
            page_count = _int_attribute(container, "page_count", where)
            profiles = [self.parse_profile(element, answered) for element in container.findall("profile")]
            logger.debug("Mobile Commons GET %s page %d of %s: %d profiles", path, page, page_count, len(profiles))
            ids = [profile["id"] for profile in profiles]
            if ids and ids == previous_ids:
                # A server ignoring `page` would answer the same page for ever.
                raise MalformedResponseError(
                    f"{where} the profiles of page {page - 1}; stopping instead of looping.", retryable=False
                )
            previous_ids = ids
            yield from profiles
            if num == 0 or not profiles:
                return
            if page_count is not None and page >= page_count:
                return
            if page_count is None and len(profiles) < limit:
                return
            page += 1

    def opt_out(self, phone: str, campaign_id: str | None = None) -> None:
        """Opt a number out: POST profile_opt_out (phone_number, campaign_id; no campaign: all of them)."""
        self.call("POST", "profile_opt_out", {"phone_number": phone, "campaign_id": campaign_id or None})

    # --- campaigns ---------------------------------------------------------------------------------
    def campaigns(self) -> list[dict]:
        """The company's campaigns with their opt-in paths: GET campaigns?include_opt_in_paths=1.

        Returns [{"id", "name", "active": bool, "opt_in_paths": [{"id", "name"}]}].
        """
        root = self.call("GET", "campaigns", {"include_opt_in_paths": "1"})
        container = root.find("campaigns")
        if container is None:
            path = urlsplit(self.url_for("campaigns")).path
            raise MalformedResponseError(
                f"Mobile Commons answered GET {path} with no <campaigns> in a successful answer.", retryable=False
            )

        def name_of(element: Element) -> str:
            return (element.findtext("name") or element.get("name") or "").strip()

        found = []
        for campaign in container.findall("campaign"):
            active = campaign.get("active")
            if active is None:
                active = campaign.findtext("active") or ""
            found.append(
                {
                    "id": (campaign.get("id") or "").strip(),
                    "name": name_of(campaign),
                    "active": active.strip().lower() == "true",
                    "opt_in_paths": [
                        {"id": (path.get("id") or "").strip(), "name": name_of(path)}
                        for path in campaign.findall("opt_in_paths/opt_in_path")
                    ],
                }
            )
        return found

    # --- test connection -----------------------------------------------------------------------------
    def test(self) -> list[str]:
        """List the campaigns (one authenticated call); return sentences saying what was checked.

        A refused login is an AuthenticationError whose sentence says what to check.
        """
        campaigns = self.campaigns()
        host = urlsplit(self.base_url).netloc
        company = f", company {self.company_key}" if self.company_key else ""
        checked = [f"Mobile Commons: logged in as {self.login} at {host}{company}."]
        paths = sum(len(campaign["opt_in_paths"]) for campaign in campaigns)
        if not campaigns:
            checked.append("Mobile Commons: 0 campaigns: create a campaign and an opt-in path in Mobile Commons.")
            return checked
        active = sum(1 for campaign in campaigns if campaign["active"])
        names = [campaign["name"] or f"#{campaign['id']}" for campaign in campaigns]
        shown = ", ".join(names[:10]) + (f", and {len(names) - 10} more" if len(names) > 10 else "")
        plural = "s" if len(campaigns) != 1 else ""
        checked.append(f"Mobile Commons: {len(campaigns)} campaign{plural} ({active} active): {shown}.")
        if paths:
            checked.append(f"Mobile Commons: {paths} opt-in path{'s' if paths != 1 else ''} to choose from.")
        else:
            checked.append("Mobile Commons: 0 opt-in paths: create one in Mobile Commons for web opt-ins.")
        return checked
