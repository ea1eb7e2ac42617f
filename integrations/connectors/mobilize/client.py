"""The Mobilize (MobilizeAmerica) API client: read-only, streaming, polite.

Methods are named after Mobilize's own resources (List organization events ->
`get_organization_events`) and their docstrings repeat Mobilize's documented semantics, so a
reader can match them to https://github.com/mobilizeamerica/api without guessing. Lists are
generators that yield one normalized record at a time and fetch the next page only when the
consumer asks for it: memory does not grow with the size of the organization.

Everything else (rate limits, retries with backoff, typed errors) comes from `HttpClient`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from datetime import datetime
from typing import Any, Literal, TypeVar

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
from .records import (
    Attendance,
    DeletedEvent,
    Event,
    Organization,
    Person,
    normalize_attendance,
    normalize_deleted_event,
    normalize_event,
    normalize_organization,
    normalize_person,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# --- query parameters --------------------------------------------------------------------------

COMPARISON_OPERATORS = ("gte", "gt", "lte", "lt")
_COMPARISON = re.compile(r"^(gte|gt|lte|lt)_(now|\d+)$")

Timestamp = int | float | datetime
ComparisonOperator = Literal["gte", "gt", "lte", "lt"]
# "gte_now", "lt_1515110400", or a helper tuple ("gte", 1514764800) / ("gte", "now") / ("lt", datetime).
Comparison = str | tuple[str, Timestamp | str]
Comparisons = Comparison | Iterable[Comparison]
Params = Mapping[str, Any] | Sequence[tuple[str, Any]]


def unix_timestamp(value: Timestamp | str) -> int:
    """Mobilize's timestamps are Unix seconds; accept ints, aware datetimes and digit strings."""
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is not a timestamp")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone: Mobilize timestamps are UTC, pass an aware datetime")
        return int(value.timestamp())
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise TypeError(f"{value!r} is not a timestamp (Unix seconds or an aware datetime)")


def comparison(operator: ComparisonOperator, value: Timestamp | Literal["now"]) -> str:
    """One comparison filter value.

    comparison("gte", "now") -> "gte_now"; comparison("lt", 1515110400) -> "lt_1515110400".
    """
    if operator not in COMPARISON_OPERATORS:
        raise ValueError(f"{operator!r} is not a Mobilize comparison operator ({', '.join(COMPARISON_OPERATORS)})")
    return f"{operator}_{'now' if value == 'now' else unix_timestamp(value)}"


def comparisons(name: str, value: Comparisons | None) -> list[tuple[str, str]]:
    """Query pairs for a comparison filter; several are sent as repeated parameters (all must hold)."""
    if value is None:
        return []
    items: Iterable[Any]
    if isinstance(value, str) or (isinstance(value, tuple) and len(value) == 2 and value[0] in COMPARISON_OPERATORS):
        items = [value]
    else:
        items = value
    pairs = []
    for item in items:
        if isinstance(item, tuple) and len(item) == 2:
            text = comparison(item[0], item[1])
        elif isinstance(item, str):
            text = item.strip()
        else:
            text = ""
        if not _COMPARISON.match(text):
            raise ValueError(
                f"{name}={item!r} is not a Mobilize comparison filter: use e.g. 'gte_now', "
                "'gte_1514764800' or ('gte', 1514764800)."
            )
        pairs.append((name, text))
    return pairs


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # Mobilize's booleans are lowercase words
    if isinstance(value, datetime):
        return str(unix_timestamp(value))
    return str(value)


def encode_params(params: Params | None) -> list[tuple[str, str]]:
    """Query pairs in order: None is left out, lists/tuples/sets become repeated parameters."""
    items = params.items() if isinstance(params, Mapping) else (params or [])
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, set | frozenset):
            value = sorted(value, key=str)
        if isinstance(value, list | tuple):
            pairs.extend((key, _query_value(v)) for v in value if v is not None)
        else:
            pairs.append((key, _query_value(value)))
    return pairs


def _many(value: Any) -> list[Any] | None:
    """A repeatable parameter as a list; a lone string is one value, not its characters."""
    if value is None:
        return None
    if isinstance(value, str | int):
        return [value]
    return list(value)


# --- the client --------------------------------------------------------------------------------


class MobilizeClient(HttpClient):
    """One organization's view of Mobilize, authenticated with that organization's API key.

    `warnings` collects sentences the run should show (e.g. a search-backend result cap); the
    engine copies them into the run's message.
    """

    system = "Mobilize"

    def __init__(
        self,
        base_url: str | None,
        api_key: str | None,
        organization_id: int | str,
        *,
        per_page: int = 100,
        **http_kwargs: Any,
    ) -> None:
        super().__init__(base_url or settings.MOBILIZE_DEFAULT_BASE_URL, **http_kwargs)
        try:
            self.organization_id = int(organization_id)
        except (TypeError, ValueError):
            raise ValueError(f"{organization_id!r} is not a Mobilize organization id (a number).") from None
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        # Mobilize's default is 25 and its maximum is undocumented; 100 is known to work and
        # cuts the number of requests (and of rate-limit slots) by four.
        self.per_page = per_page
        # Per origin IP, "may adjust at short notice": read at construction so settings win.
        self.read_rate = settings.MOBILIZE_READ_RATE
        self.write_rate = settings.MOBILIZE_WRITE_RATE
        self._api_key = Credential((api_key or "").strip())
        self.warnings: list[str] = []

    def __repr__(self) -> str:
        return f"<MobilizeClient {self.base_url} organization={self.organization_id}>"

    # --- HttpClient hooks ----------------------------------------------------------------------
    def prepare(self, request_kwargs: dict[str, Any]) -> None:
        """Bearer auth on every attempt; without a key Mobilize answers public data only."""
        if self._api_key:
            headers = dict(request_kwargs.get("headers") or {})  # never mutate the caller's dict
            headers["Authorization"] = f"Bearer {self._api_key.reveal()}"
            request_kwargs["headers"] = headers

    def error_message(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        """Read Mobilize's error envelope `{"data": null, "error": {...}}` into a sentence and field errors.

        `error` is nested per field and item, e.g. {"organization_id": {"0": ["A valid integer
        is required."]}}; general messages come as a string or under `detail`.
        """
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if error is None and isinstance(body, dict) and body.get("detail"):
            error = {"detail": body["detail"]}  # a framework-level answer (e.g. throttling, auth)
        if isinstance(error, str) and error.strip():
            return self._redact(error.strip()), {}
        if isinstance(error, dict | list) and error:
            general: list[str] = []
            if isinstance(error, dict):
                error = dict(error)
                for key in ("detail", "message", "non_field_errors", "__all__"):
                    if key in error:
                        for messages in flatten_field_errors(error.pop(key)).values():
                            general.extend(messages)
            field_errors = {
                field: [self._redact(message) for message in messages]
                for field, messages in flatten_field_errors(error).items()
            }
            general.extend(field_errors.pop("error", []))
            parts = [self._redact(message) for message in general]
            if field_errors:
                parts.append(describe_field_errors(field_errors))
            return " ".join(part.rstrip(".") + "." for part in parts if part), field_errors
        return self._fallback_detail(response), {}

    def error_for(self, method: str, path: str, response: requests.Response) -> ConnectorError:
        """Mobilize's statuses with sentences a campaign's staff can act on."""
        status = response.status_code
        if status not in (400, 403, 404) and status < 500:
            return super().error_for(method, path, response)  # 429 and the rest: the base's wording
        detail, field_errors = self.error_message(response)
        where = f"Mobilize answered HTTP {status} to {method} {path}"
        org = self.organization_id
        if status == 403:
            return AuthenticationError(
                f"{where}: the API key was refused ({detail}). Check the organization's Mobilize API key: "
                f"it must be a key Mobilize issued for organization {org}, with permission to read its "
                "private events, attendances and people.",
                status=status,
            )
        if status == 404:
            return NotFoundError(
                f"{where}: not found ({detail}). It does not exist, or organization {org} "
                "neither owns nor promotes it.",
                status=status,
            )
        if status == 400:
            return RemoteValidationError(
                f"{where}: Mobilize rejected the request: {detail}", status=status, field_errors=field_errors
            )
        return ServerError(
            f"{where}: Mobilize failed on its side ({detail}); this is usually temporary.", status=status
        )

    def _fallback_detail(self, response: requests.Response) -> str:
        content_type = response.headers.get("Content-Type", "")
        text = response.text.strip()
        if "html" in content_type or text.startswith("<"):
            return f"an HTML error page ({response.reason or 'no reason given'})"
        return self._redact(" ".join(text[:200].split())) or response.reason or "no details"

    def _redact(self, text: str) -> str:
        """Some servers echo the token they refused; it must not reach a log or a run message."""
        return self._api_key.redact(text)

    # --- envelope and paging -------------------------------------------------------------------
    def _envelope(self, body: Any, shown: str, expect: type) -> dict[str, Any]:
        """Check a 2xx body against Mobilize's documented envelope; MalformedResponseError if not."""
        where = f"Mobilize answered GET {shown} with"
        if not isinstance(body, dict):
            raise MalformedResponseError(f"{where} a JSON {type(body).__name__} instead of its {{data: ...}} envelope.")
        error = body.get("error")
        if error:
            detail = describe_field_errors(flatten_field_errors(error)) if not isinstance(error, str) else error
            raise MalformedResponseError(f"{where} a success status but an error: {self._redact(detail)}")
        if "data" not in body:
            raise MalformedResponseError(f"{where} a body that has no `data`.")
        data = body["data"]
        if not isinstance(data, expect) or (isinstance(data, list) and not all(isinstance(r, dict) for r in data)):
            wanted = "a list of objects" if expect is list else "an object"
            raise MalformedResponseError(f"{where} `data` as {_json_type(data)} where {wanted} was expected.")
        return body

    def _get_object(self, path: str, normalize: Callable[[dict[str, Any]], T]) -> T:
        shown = "/" + path.lstrip("/")
        body = self.request_json("GET", path, validate=lambda b: self._envelope(b, shown, dict))
        return normalize(body["data"])

    def paginate(
        self,
        path: str,
        params: Params | None = None,
        *,
        normalize: Callable[[dict[str, Any]], Any] | None = None,
    ) -> Iterator[Any]:
        """Yield every record of a list endpoint, one page at a time.

        Sends `per_page` (this client's, unless `params` has one) with the first request, then
        follows Mobilize's cursor `next` link verbatim until it is null: the link already carries
        the whole original query plus the cursor, so nothing is re-sent (adding `page` back to a
        cursor link, say, would mix two paging schemes). `page` in `params` only picks the
        starting page, as Mobilize documents.

        When Mobilize's search backend caps the results (`results_limited_to` below `count`),
        records past the cap are silently unreachable: that is logged and added to `warnings`.
        """
        shown = "/" + path.lstrip("/")
        query = encode_params(params)
        if not any(key == "per_page" for key, _ in query):
            query.append(("per_page", str(self.per_page)))
        url: str = path
        send: list[tuple[str, str]] | None = query
        fetched: set[str] = set()
        warned = False
        page = 0
        while True:
            body = self.request_json("GET", url, params=send, validate=lambda b: self._envelope(b, shown, list))
            page += 1
            records = body["data"]
            logger.debug("Mobilize GET %s page %d: %d records", shown, page, len(records))
            if not warned:
                warned = self._check_results_limited(shown, body)
            for record in records:
                yield normalize(record) if normalize is not None else record
            next_url = body.get("next")
            if not next_url:
                return
            url = self.next_page_url("`next` link", shown, self.url_for(url), next_url, fetched)
            send = None

    def _check_results_limited(self, shown: str, body: Mapping[str, Any]) -> bool:
        limit, count = body.get("results_limited_to"), body.get("count")
        if not (isinstance(limit, int) and isinstance(count, int) and limit < count):
            return False
        message = f"Mobilize limited GET {shown} to {limit} of {count} results (search backend)"
        logger.warning("%s", message)
        if message not in self.warnings:
            self.warnings.append(message)
        return True

    def _org_path(self, *parts: object) -> str:
        return "/".join(["organizations", str(self.organization_id), *(str(p) for p in parts)])

    # --- Organizations -------------------------------------------------------------------------
    def get_organizations(self, updated_since: Timestamp | None = None) -> Iterator[Organization]:
        """List all organizations: GET /organizations.

        "Return all active organizations on the platform. This endpoint is publicly accessible."
        `updated_since`: Unix timestamp of organizations to filter by modified_date.
        """
        params = {"updated_since": unix_timestamp(updated_since) if updated_since is not None else None}
        return self.paginate("organizations", params, normalize=normalize_organization)

    def get_organization(self) -> Organization:
        """This client's organization, found in GET /organizations.

        Mobilize has no endpoint for one organization, so the list is streamed until the match
        (and no further). Raises NotFoundError when no active organization has this id.
        """
        with closing(self.get_organizations()) as organizations:
            for organization in organizations:
                if organization.get("id") == self.organization_id:
                    return organization
        raise NotFoundError(
            f"Mobilize at {self.base_url} lists no active organization with id {self.organization_id}: "
            "check the organization's Mobilize id (the number in its Mobilize dashboard URL)."
        )

    def get_promoted_organizations(self) -> Iterator[Organization]:
        """List all the organizations promoted by an organization.

        GET /organizations/:id/promoted_organizations.

        "Fetches a list of all the organizations that an organization has promoted. This
        endpoint is accessible only to members of the promoting organization." (auth required)
        """
        return self.paginate(self._org_path("promoted_organizations"), normalize=normalize_organization)

    # --- Events --------------------------------------------------------------------------------
    def get_organization_events(
        self,
        *,
        updated_since: Timestamp | None = None,
        timeslot_start: Comparisons | None = None,
        timeslot_end: Comparisons | None = None,
        visibility: str | Iterable[str] | None = ("PUBLIC", "PRIVATE"),
        approval_status: str | Iterable[str] | None = ("APPROVED",),
        organization_id: int | Iterable[int] | None = None,
        event_types: str | Iterable[str] | None = None,
        event_campaign_id: int | None = None,
        is_virtual: bool | None = None,
        high_priority_only: bool | None = None,
        state: str | None = None,
    ) -> Iterator[Event]:
        """List organization events: GET /organizations/:id/events.

        "Fetch all events for an organization. This includes both events owned by the
        organization and events of other organizations promoted by this specified
        organization." Pass `organization_id` (one or more owner ids) to keep only events those
        organizations own.

        - `updated_since`: Unix timestamp to filter by events' modified_date.
        - `timeslot_start` / `timeslot_end`: comparison filters ("gte_now", "gte_1514764800",
          ("lt", 1515110400)); several are all applied. They "only return Timeslots on those
          Events that meet the filter conditions": they trim each event's timeslots.
        - `visibility`: Mobilize defaults to PUBLIC only; this client asks for PUBLIC and
          PRIVATE because a sync needs private events. PRIVATE needs an authenticated key with
          permission to see the organization's private events, else Mobilize answers 403.
        - `approval_status`: Mobilize defaults to APPROVED only; ask for NEEDS_APPROVAL,
          REJECTED or NEEDS_HOST_VERIFICATION explicitly (authenticated, with permission).
        - `event_types` (repeatable), `event_campaign_id`, `is_virtual`, `high_priority_only`
          ("pinned" events only when true), `state` (two-letter code of the event's location).

        Search-backend filters (zipcode, max_dist, exclude_full, tag_id) are deliberately not
        offered: they cap results at `results_limited_to` (~1000), which a sync must not hit.
        """
        params: list[tuple[str, Any]] = [
            ("updated_since", unix_timestamp(updated_since) if updated_since is not None else None),
            *comparisons("timeslot_start", timeslot_start),
            *comparisons("timeslot_end", timeslot_end),
            ("visibility", _many(visibility)),
            ("approval_status", _many(approval_status)),
            ("organization_id", [int(i) for i in _many(organization_id) or []] or None),
            ("event_types", _many(event_types)),
            ("event_campaign_id", event_campaign_id),
            ("is_virtual", is_virtual),
            ("high_priority_only", high_priority_only),
            ("state", state),
        ]
        return self.paginate(self._org_path("events"), params, normalize=normalize_event)

    def get_organization_event(self, event_id: int) -> Event:
        """Get an organization event: GET /organizations/:id/events/:event_id.

        "Fetch a single event for an organization. This can be an event owned by the
        organization or an event of another organization promoted by the specified
        organization. If the event requested is neither owned nor promoted by this
        organization, the endpoint will return a 404 NOT FOUND." (NotFoundError)
        """
        return self._get_object(self._org_path("events", int(event_id)), normalize_event)

    def get_deleted_events(
        self,
        *,
        updated_since: Timestamp | None = None,
        visibility: str | Iterable[str] | None = ("PUBLIC", "PRIVATE"),
    ) -> Iterator[DeletedEvent]:
        """List deleted organization events: GET /organizations/:id/events/deleted.

        "Fetch deleted events for an organization. This includes both events owned by the
        organization and events of other organizations promoted by this specified
        organization." Records are {id, deleted_date}. `updated_since` filters by the events'
        modified_date. `visibility` as for events (Mobilize's default is PUBLIC only), except
        that PRIVATE without permission returns no events instead of a 403.
        """
        params = {
            "updated_since": unix_timestamp(updated_since) if updated_since is not None else None,
            "visibility": _many(visibility),
        }
        return self.paginate(self._org_path("events", "deleted"), params, normalize=normalize_deleted_event)

    # --- Attendances ---------------------------------------------------------------------------
    def get_organization_attendances(self, *, updated_since: Timestamp | None = None) -> Iterator[Attendance]:
        """List organization attendances: GET /organizations/:id/attendances (auth required).

        "Fetch all attendances which were either promoted by the organization or were for
        events owned by the organization." One attendance per person per timeslot.
        `updated_since` filters by the attendances' modified_date. Across the firewall
        (independent organization, coordinated event) Mobilize omits the attendance id, the
        timeslot id and all of the event but `event_type`.
        """
        params = {"updated_since": unix_timestamp(updated_since) if updated_since is not None else None}
        return self.paginate(self._org_path("attendances"), params, normalize=normalize_attendance)

    def get_organization_attendance(self, attendance_id: int) -> Attendance:
        """Get an organization attendance: GET /organizations/:id/attendances/:attendance_id (auth required).

        "Fetch a single attendance for an organization."
        """
        return self._get_object(self._org_path("attendances", int(attendance_id)), normalize_attendance)

    def get_event_attendances(self, event_id: int) -> Iterator[Attendance]:
        """List organization attendances for an event: GET /organizations/:id/events/:event_id/attendances.

        "Fetch all attendances for the given event if the event is either promoted by the
        organization or owned by the organization." (auth required)
        """
        return self.paginate(self._org_path("events", int(event_id), "attendances"), normalize=normalize_attendance)

    # --- People --------------------------------------------------------------------------------
    def get_organization_people(self, *, updated_since: Timestamp | None = None) -> Iterator[Person]:
        """List organization people: GET /organizations/:id/people (auth required).

        "Fetch all people (volunteers) who are affiliated with the organization."
        `updated_since` filters by the people's modified_date. People are unique by email;
        `user_id` is the canonical id (`id`/`person_id` are being deprecated).
        """
        params = {"updated_since": unix_timestamp(updated_since) if updated_since is not None else None}
        return self.paginate(self._org_path("people"), params, normalize=normalize_person)

    # --- Enums ---------------------------------------------------------------------------------
    def get_enums(self) -> dict[str, Any]:
        """Get enums: GET /enums.

        "Fetch a list of enums and their available values": keys event_type, visibility,
        accessibility_status, approval_status, timezone, sms_opt_in, transactional_sms_opt_in.
        """
        return self._get_object("enums", dict)

    # --- Test connection -----------------------------------------------------------------------
    def test_connection(self) -> Organization:
        """Prove the key works for this organization; return the Organization.

        Listing organizations is public, so finding the organization alone proves nothing about
        the key: one page of its people (per_page=1) needs an authenticated member of the
        organization, and a wrong key or a key of another organization is refused with 403.
        """
        organization = self.get_organization()
        with closing(self.paginate(self._org_path("people"), {"per_page": 1})) as people:
            next(people, None)
        return organization


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )
