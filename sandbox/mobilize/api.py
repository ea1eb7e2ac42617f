"""The mechanics every emulated Mobilize endpoint shares: envelope, errors, auth, rate limit,
query parameters and cursor paging.

Mobilize runs on Django REST Framework (its error texts are DRF's), so validation messages and
the shape of field errors follow DRF: a scalar parameter's errors are a list
(`{"updated_since": ["A valid integer is required."]}`), a repeatable parameter's are keyed by
position (`{"organization_id": {"0": ["A valid integer is required."]}}`, the reference's own
example).
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse

from sandbox.faults import QUERY_PARAM as FAULT_PARAM
from sandbox.faults import with_faults
from sandbox.ratelimit import over_rate as sandbox_over_rate

from .models import ApiKey, Organization
from .serializers import Viewer

DEFAULT_PER_PAGE = 25
# Mobilize documents no maximum; third-party code uses up to 500. Larger asks are clamped.
MAX_PER_PAGE = 1000


class ApiError(Exception):
    """An error answer: `error` becomes the envelope's error object, `status` the HTTP status."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(status, error)
        self.status = status
        self.error = error


def error_response(status: int, error: dict[str, Any]) -> JsonResponse:
    """Mobilize's error envelope: data null, an error object, no paging keys."""
    return JsonResponse({"data": None, "error": error}, status=status)


def not_found() -> ApiError:
    return ApiError(404, {"detail": "Not found."})


def forbidden(detail: str) -> ApiError:
    return ApiError(403, {"detail": detail})


# --- authentication ----------------------------------------------------------------------------


def authenticate(request: HttpRequest) -> Organization | None:
    """The organization of the request's bearer key, None without an Authorization header.

    A malformed header, a wrong scheme or an unknown key is refused with 403 on every endpoint,
    public ones included, as the reference says of "malformed, missing or otherwise incorrect"
    keys.
    """
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise forbidden("Invalid authorization header: send `Authorization: Bearer <API key>`.")
    key = ApiKey.objects.select_related("organization").filter(key=token).first()
    if key is None:
        raise forbidden("Invalid API key.")
    return key.organization


# --- rate limit --------------------------------------------------------------------------------


def over_rate(request: HttpRequest) -> bool:
    """Take one GET slot for the client's IP; True when the client is over SANDBOX_GET_RATE
    (sandbox/ratelimit.py keeps the window)."""
    ip = request.META.get("REMOTE_ADDR") or "unknown"
    return sandbox_over_rate(settings.SANDBOX_GET_RATE, "sandbox-mobilize", "get", ip)


# --- query parameters --------------------------------------------------------------------------

_COMPARISON = re.compile(r"^(gte|gt|lte|lt)_(now|\d+)$")
_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n"}
INVALID_INTEGER = "A valid integer is required."
INVALID_BOOLEAN = "Must be a valid boolean."
INVALID_NUMBER = "A valid number is required."
INVALID_COMPARISON = (
    "Invalid comparison: use gte_, gt_, lte_ or lt_ followed by a Unix timestamp or `now`, e.g. gte_1514764800."
)


def _integer(text: str) -> int | None:
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?\d+\.0*", text):  # DRF accepts integral decimals ("12.0")
        return int(float(text))
    return None


class QueryParams:
    """Parse a request's query parameters, collecting every error before answering 400."""

    def __init__(self, request: HttpRequest) -> None:
        self.query = request.GET
        self.errors: dict[str, Any] = {}

    def _add(self, name: str, message: str, index: int | None = None) -> None:
        if index is None:
            self.errors.setdefault(name, []).append(message)
        else:
            self.errors.setdefault(name, {}).setdefault(str(index), []).append(message)

    def integer(self, name: str, *, default: int | None = None, min_value: int | None = None) -> int | None:
        text = self.query.get(name)
        if text is None:
            return default
        value = _integer(text)
        if value is None:
            self._add(name, INVALID_INTEGER)
            return default
        if min_value is not None and value < min_value:
            self._add(name, f"Ensure this value is greater than or equal to {min_value}.")
            return default
        return value

    def number(self, name: str) -> float | None:
        text = self.query.get(name)
        if text is None:
            return None
        try:
            return float(text)
        except ValueError:
            self._add(name, INVALID_NUMBER)
            return None

    def integers(self, name: str) -> list[int]:
        values = []
        for index, text in enumerate(self.query.getlist(name)):
            value = _integer(text)
            if value is None:
                self._add(name, INVALID_INTEGER, index)
            else:
                values.append(value)
        return values

    def choices(self, name: str, allowed: Iterable[str]) -> list[str]:
        allowed = set(allowed)
        values = []
        for index, text in enumerate(self.query.getlist(name)):
            if text in allowed:
                values.append(text)
            else:
                self._add(name, f'"{text}" is not a valid choice.', index)
        return values

    def boolean(self, name: str) -> bool | None:
        text = self.query.get(name)
        if text is None:
            return None
        if text.strip().lower() in _TRUE:
            return True
        if text.strip().lower() in _FALSE:
            return False
        self._add(name, INVALID_BOOLEAN)
        return None

    def string(self, name: str) -> str | None:
        text = self.query.get(name)
        return text.strip() if text is not None and text.strip() else None

    def comparisons(self, name: str) -> list[tuple[str, int]]:
        """`gte_1514764800`, `lt_now`... as (lookup, unix time); repeatable, all must hold."""
        values = []
        for index, text in enumerate(self.query.getlist(name)):
            match = _COMPARISON.match(text.strip())
            if match is None:
                self._add(name, INVALID_COMPARISON, index)
                continue
            operator, value = match.groups()
            values.append((operator, int(time.time()) if value == "now" else int(value)))
        return values

    def paging(self) -> Paging:
        per_page = self.integer("per_page", default=DEFAULT_PER_PAGE, min_value=1)
        page = self.integer("page", default=1, min_value=1)
        return Paging(min(per_page or DEFAULT_PER_PAGE, MAX_PER_PAGE), page or 1, self.query.get("cursor"))

    def check(self) -> None:
        """Raise the collected errors as a 400."""
        if self.errors:
            raise ApiError(400, self.errors)


# --- cursor paging -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    per_page: int
    page: int
    cursor: str | None


def encode_cursor(direction: str, boundary: int) -> str:
    """An opaque cursor: "after id N" (next) or "before id N" (previous)."""
    return base64.urlsafe_b64encode(f"{direction}{boundary}".encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[str, int]:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    match = re.fullmatch(r"([ab])(\d+)", text)
    if match is None:
        # DRF's CursorPagination answers an invalid cursor with 404.
        raise ApiError(404, {"detail": "Invalid cursor"})
    return match.group(1), int(match.group(2))


def _link(request: HttpRequest, cursor: str) -> str:
    """An absolute URL repeating the request's query with `cursor` in place of page/cursor."""
    pairs = [
        (key, value)
        for key, values in request.GET.lists()
        if key not in ("cursor", "page", FAULT_PARAM)  # a per-request fault is not carried on
        for value in values
    ]
    pairs.append(("cursor", cursor))
    return f"{request.build_absolute_uri(request.path)}?{urlencode(pairs)}"


def each(serialize: Callable[[Any], dict[str, Any]]) -> Callable[[list[Any]], list[dict[str, Any]]]:
    """A page renderer that serializes each record on its own."""
    return lambda rows: [serialize(row) for row in rows]


def page_response(
    request: HttpRequest,
    queryset: QuerySet,
    render: Callable[[list[Any]], list[dict[str, Any]]],
    paging: Paging,
    *,
    results_limited_to: int | None = None,
    count: Callable[[], int] | None = None,
) -> JsonResponse:
    """One page of `queryset` in Mobilize's envelope, keyset-paged on id; `render` turns the page's
    records into API objects (`each(serializer)` for the simple case).

    A keyset cursor ("after id N") stays valid while records are added or removed, unlike an
    offset, and costs one index range scan per page however deep the page is. `page` only
    picks the starting page (an offset, once). `results_limited_to` emulates the search
    backend's cap: only the first N matches (by id) are reachable, `count` still counts all.
    `count` counts the same records where differently written queries count faster.
    """
    ordered = queryset.order_by("id")
    total = count() if count is not None else queryset.count()
    if results_limited_to is not None:
        cutoff = list(ordered.values_list("id", flat=True)[results_limited_to - 1 : results_limited_to])
        if cutoff:
            ordered = ordered.filter(id__lte=cutoff[0])
        elif results_limited_to <= 0:
            ordered = ordered.none()
    size = paging.per_page
    if paging.cursor:
        direction, boundary = decode_cursor(paging.cursor)
        if direction == "a":
            rows = list(ordered.filter(id__gt=boundary)[: size + 1])
            has_next = len(rows) > size
            rows = rows[:size]
            has_previous = ordered.filter(id__lte=boundary).exists()
        else:
            rows = list(ordered.filter(id__lt=boundary).order_by("-id")[: size + 1])
            has_previous = len(rows) > size
            rows = rows[:size][::-1]
            has_next = ordered.filter(id__gte=boundary).exists()
    else:
        offset = (paging.page - 1) * size
        rows = list(ordered[offset : offset + size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        has_previous = offset > 0 and bool(rows)
    body: dict[str, Any] = {
        "count": total,
        "next": _link(request, encode_cursor("a", rows[-1].id)) if has_next and rows else None,
        "previous": _link(request, encode_cursor("b", rows[0].id)) if has_previous and rows else None,
    }
    if results_limited_to is not None:
        body["results_limited_to"] = results_limited_to
    body["data"] = render(rows)
    return JsonResponse(body)


# --- the endpoint decorator --------------------------------------------------------------------


@dataclass
class Call:
    """What a view gets: the request, its parameters, and who is asking."""

    request: HttpRequest
    params: QueryParams
    viewer: Viewer

    @property
    def org(self) -> Organization:
        if self.viewer.org is None:
            raise RuntimeError("this endpoint has no organization in its path")
        return self.viewer.org


def endpoint(*, auth: bool = False) -> Callable:
    """Make a function `view(call, **url_kwargs) -> JsonResponse` a Mobilize endpoint.

    In order: faults (`with_faults("mobilize")`), GET only, the per-IP rate limit, the bearer
    key, the organization in the path (404 if unknown), and for `auth` endpoints membership of
    that organization (403). ApiError anywhere becomes the error envelope.
    """

    def decorate(view: Callable[..., JsonResponse]) -> Callable[..., JsonResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, organization_id: int | None = None, **kwargs: Any) -> JsonResponse:
            if request.method not in ("GET", "HEAD"):
                response = error_response(405, {"detail": f'Method "{request.method}" not allowed.'})
                response["Allow"] = "GET"
                return response
            if over_rate(request):
                return error_response(429, {"detail": "Request was throttled: more than the GET rate limit."})
            try:
                key_org = authenticate(request)
                org = None
                if organization_id is not None:
                    org = Organization.objects.filter(pk=organization_id).first()
                    if org is None:
                        raise not_found()
                viewer = Viewer(org=org, key_org=key_org)
                if auth and not viewer.permitted:
                    if key_org is None:
                        raise forbidden("Authentication credentials were not provided.")
                    raise forbidden("You do not have permission to perform this action.")
                return view(Call(request, QueryParams(request), viewer), **kwargs)
            except ApiError as error:
                return error_response(error.status, error.error)

        return with_faults("mobilize")(wrapped)

    return decorate
