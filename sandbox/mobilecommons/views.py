"""HTTP views of the emulated Mobile Commons API (`/sandbox/mobilecommons/api/...`), as
docs/connectors/mobilecommons.md specifies it.

- HTTP Basic auth with the login and password; `company=<key>` names the company when the login
  has a company key. A wrong login is a 401 HTML page (`<h4>Access denied</h4><p>...</p>`).
- Every answer is XML, `<response success="true">...</response>`; errors are
  `<response success="false"><error id=".." message=".."/></response>` served with HTTP 200.
- Lists take `limit` (at most 1000) and `page` and carry `num`, `page`, `limit`, `page_count`.
Every view runs behind `with_faults("mobilecommons")`, before the method check and auth; a
fault's 429 / 5xx answer is an HTML page (a 429 with `Retry-After`), a malformed one truncated
XML. `X-Sandbox-Fault: mc-error=<id>` (or `?sandbox_fault=mc-error=<id>`) forces a
`success="false"` answer with that error id.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.faults import HEADER, QUERY_PARAM, with_faults

from . import resources as r
from . import rules
from .models import Account, Profile, Subscription

SYSTEM = "mobilecommons"
MAX_LIMIT = 1000
RETRY_AFTER_SECONDS = 1  # [chosen] what a faulted 429 tells a client to wait
MC_ERROR_FAULT = "mc-error"
# Parameters of profile_update that are not custom columns: its own, the shared ones, and the
# profile's read-only fields (ignored rather than stored as a column named "status") [chosen].
RESERVED_PARAMS = {
    "phone_number",
    "opt_in_path_id",
    "company",
    QUERY_PARAM,
    "id",
    "status",
    "created_at",
    "updated_at",
    "opted_out_at",
    "opted_out_source",
    "source",
    "address",
    "custom_columns",
    "subscriptions",
}
_FALSE = {"false", "0", "no", "off"}
_FAULT_PAGES = {
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
    504: "Gateway timeout",
}
_TRUNCATED_XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<response success="true"><profiles num="1" page="1"><prof'

Params = dict[str, str]
Handler = Callable[[HttpRequest, Account, Params], HttpResponse]


# --- plumbing --------------------------------------------------------------------------------------


def _credentials(request: HttpRequest) -> tuple[str, str] | None:
    scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    login, sep, password = decoded.partition(":")
    return (login, password) if sep else None


def authenticate(request: HttpRequest, params: Params) -> Account | None:
    """The account of the Basic login and password and the `company` parameter (empty: the
    login's account without a company key), or None."""
    credentials = _credentials(request)
    if credentials is None:
        return None
    login, password = credentials
    company = params.get("company", "").strip()
    account = Account.objects.filter(login__iexact=login, company_key=company).first()
    return account if account is not None and account.check_password(password) else None


def access_denied() -> HttpResponse:
    response = r.html_page(401, "Access denied", "Your login, password or company key is not valid.")
    response["WWW-Authenticate"] = 'Basic realm="Mobile Commons"'
    return response


def request_params(request: HttpRequest) -> Params:
    """Query parameters, and for a POST its form parameters too (a form value wins); last value of each."""
    params = {name: request.GET[name] for name in request.GET}
    if request.method == "POST":
        params.update({name: request.POST[name] for name in request.POST})
    return params


def flag(params: Params, name: str, default: bool) -> bool:
    """A true/false parameter: `false`, `0`, `no`, `off` are false, any other value true; absent or
    empty, the default."""
    value = params.get(name, "").strip().lower()
    if not value:
        return default
    return value not in _FALSE


def forced_error(request: HttpRequest) -> HttpResponse | None:
    """The answer `mc-error=<id>` forces (a success="false" answer with HTTP 200), if asked for."""
    text = (request.META.get(HEADER) or request.GET.get(QUERY_PARAM) or "").strip().lower()
    name, _, value = text.partition("=")
    if name.strip() != MC_ERROR_FAULT:
        return None
    error_id = int(value) if value.strip().isdigit() else 1
    return r.error_response(rules.McError(error_id, rules.FORCED_MESSAGES.get(error_id, "Sandbox fault")))


def in_mc_shape(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer forced `mc-error` faults, and put the shared faults' answers (sandbox/faults.py's
    JSON) into Mobile Commons' shapes: an HTML page for a 429 (with `Retry-After`) or a 5xx,
    truncated XML for a malformed body. The views never answer JSON, so any JSON is a fault's."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        forced = forced_error(request)
        if forced is not None:
            return forced
        response = view(request, *args, **kwargs)
        if not response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 200:
            return HttpResponse(_TRUNCATED_XML, content_type=r.XML_CONTENT_TYPE)
        title = _FAULT_PAGES.get(response.status_code, "Error")
        answer = r.html_page(response.status_code, title, f"Sandbox fault: HTTP {response.status_code}.")
        if response.status_code == 429:
            answer["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer

    return wrapped


def endpoint(method: str, handler: Handler) -> Callable[..., HttpResponse]:
    """A view for one API call: faults first, then the method (405), then auth (401), then the
    handler with the account and the parameters. A `McError` raised inside is its error answer."""

    def view(request: HttpRequest) -> HttpResponse:
        if request.method != method:
            response = r.html_page(405, "Method not allowed", f"Use {method} for this API call.")
            response["Allow"] = method
            return response
        params = request_params(request)
        account = authenticate(request, params)
        if account is None:
            return access_denied()
        try:
            return handler(request, account, params)
        except rules.McError as exc:
            return r.error_response(exc)

    return csrf_exempt(in_mc_shape(with_faults(SYSTEM)(view)))


@csrf_exempt
@in_mc_shape
@with_faults(SYSTEM)
def unknown_path(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Any other path under /sandbox/mobilecommons/: a 404 HTML page."""
    return r.html_page(404, "Not found", f"No such API call: {request.path}.")


def profiles_of(account: Account) -> QuerySet[Profile]:
    """The account's profiles, with what rendering them needs."""
    return (
        Profile.objects.filter(account=account)
        .select_related("source_opt_in_path")
        .prefetch_related(Prefetch("subscriptions", queryset=Subscription.objects.select_related("campaign")))
    )


def required_phone(params: Params) -> str:
    """The `phone_number` parameter, normalized: error 7 when missing or empty, 5 when not a number."""
    raw = params.get("phone_number", "")
    if not raw.strip():
        raise rules.missing_parameter("phone_number")
    phone = rules.normalize_phone(raw)
    if phone is None:
        raise rules.invalid_phone()
    return phone


def render(profile: Profile, params: Params) -> Any:
    return r.render_profile(
        profile,
        custom_columns=flag(params, "include_custom_columns", True),
        subscriptions=flag(params, "include_subscriptions", True),
    )


def whole_profile(account: Account, profile: Profile) -> HttpResponse:
    return r.xml_response(r.render_profile(profiles_of(account).get(pk=profile.pk)))


def whole_number(params: Params, name: str, default: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) < 2**31:
        raise rules.invalid_parameter(name, "a whole number from 1")
    return int(raw)


# --- the API calls ---------------------------------------------------------------------------------


def profile_update(request: HttpRequest, account: Account, params: Params) -> HttpResponse:
    """Create or update the profile of `phone_number`; `opt_in_path_id` subscribes it once only."""
    phone = required_phone(params)
    path = None
    if params.get("opt_in_path_id", "").strip():
        path = rules.find_opt_in_path(account, params["opt_in_path_id"])
    fields: dict[str, str] = {}
    custom: dict[str, str] = {}
    for name, value in params.items():
        if name in RESERVED_PARAMS:
            continue
        value = value.strip()
        limit = rules.STANDARD_FIELDS.get(name)
        if limit is None:
            if not name.strip() or len(name) > rules.MAX_CUSTOM_NAME:
                raise rules.invalid_parameter(name[:40], "not a custom column name")
            limit = rules.MAX_CUSTOM_VALUE
            custom[name] = value
        else:
            fields[name] = value
        if len(value) > limit:
            raise rules.invalid_parameter(name, f"at most {limit} characters")
    outcome = rules.update_profile(account, phone, fields, custom, path)
    return whole_profile(account, outcome.profile)


def profile(request: HttpRequest, account: Account, params: Params) -> HttpResponse:
    """One profile by phone number; an unknown number is error 5 (Profile not found)."""
    phone = required_phone(params)
    found = profiles_of(account).filter(phone_number=phone).first()
    if found is None:
        raise rules.profile_not_found()
    return r.xml_response(render(found, params))


def profiles(request: HttpRequest, account: Account, params: Params) -> HttpResponse:
    """A page of the account's profiles (by phone numbers, by `updated_at` from/to), by updated_at then id."""
    query = profiles_of(account)
    if params.get("phone_number", "").strip():
        phones = []
        for raw in params["phone_number"].split(","):
            if not raw.strip():
                continue  # a trailing comma names no number
            phone = rules.normalize_phone(raw)
            if phone is None:
                raise rules.invalid_phone()
            phones.append(phone)
        query = query.filter(phone_number__in=phones)
    for name, lookup in (("from", "updated_at__gte"), ("to", "updated_at__lt")):
        if params.get(name, "").strip():
            at = rules.parse_time(params[name])
            if at is None:
                raise rules.invalid_parameter(name, "ISO 8601, e.g. 2026-12-01T09:00:00Z")
            query = query.filter(**{lookup: at})
    limit = min(whole_number(params, "limit", MAX_LIMIT), MAX_LIMIT)
    page = whole_number(params, "page", 1)
    total = query.count()
    rows = list(query.order_by("updated_at", "id")[(page - 1) * limit : page * limit]) if total else []
    container = ET.Element(
        "profiles",
        {"num": str(len(rows)), "page": str(page), "limit": str(limit), "page_count": str(math.ceil(total / limit))},
    )
    container.extend(render(row, params) for row in rows)
    return r.xml_response(container)


def profile_opt_out(request: HttpRequest, account: Account, params: Params) -> HttpResponse:
    """Opt the number out of `campaign_id` (or, without one, of everything): sticky."""
    phone = required_phone(params)
    campaign = None
    if params.get("campaign_id", "").strip():
        campaign = rules.find_campaign(account, params["campaign_id"])
    found = account.profiles.filter(phone_number=phone).first()
    if found is None:
        raise rules.profile_not_found()
    return whole_profile(account, rules.opt_out(found, campaign))


def campaigns(request: HttpRequest, account: Account, params: Params) -> HttpResponse:
    """The account's campaigns, with their opt-in paths when `include_opt_in_paths` is true."""
    with_paths = flag(params, "include_opt_in_paths", False)
    container = ET.Element("campaigns")
    for campaign in account.campaigns.prefetch_related("opt_in_paths").order_by("id"):
        container.append(r.render_campaign(campaign, opt_in_paths=with_paths))
    return r.xml_response(container)


# --- the routes' views -----------------------------------------------------------------------------

profile_update_view = endpoint("POST", profile_update)
profile_view = endpoint("GET", profile)
profiles_view = endpoint("GET", profiles)
profile_opt_out_view = endpoint("POST", profile_opt_out)
campaigns_view = endpoint("GET", campaigns)
