"""HTTP views of the emulated ActionKit REST API (`/sandbox/actionkit/rest/v1/...`).

What is emulated, from ActionKit's manual and the clients that use it (apis.md section 2):
- every path ends with a slash; without one the answer is a 301 to the slash URL (Django's
  redirect, which makes clients drop a POST/PATCH body);
- HTTP Basic auth of an API user on every resource (401 otherwise), except the action
  processor, which also takes anonymous POSTs and then answers only a minimal body;
- lists: `_limit` (default 20, at most 100) / `_offset`, Django-style filters, `order_by`, and
  `{"meta": {...}, "objects": [...]}` with `meta.next` a path relative to the host;
- create: 201 with a `Location` header and an empty body; PATCH: 202 with an empty body;
  400 `{"errors": {...}}` for invalid data; 404 with an empty body for missing objects.
Every view runs behind `with_faults("actionkit")`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from django.db.models import ProtectedError
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.views.decorators.csrf import csrf_exempt

from sandbox.faults import QUERY_PARAM, with_faults

from . import processor
from .models import ApiUser, Campaign
from .resources import DEFAULT_LIMIT, MAX_LIMIT, RESOURCES, Context, Filter, Invalid, Missing, Resource

SYSTEM = "actionkit"
LIST_RESERVED = ("_limit", "_offset", "order_by", "format", QUERY_PARAM)
REALM = 'Basic realm="ActionKit"'


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CSRF-exempt (an API, not a form), faults first, and 400 for Invalid anywhere inside."""

    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Invalid as exc:
            return JsonResponse(exc.body(), status=400)
        except Missing:
            return HttpResponseNotFound(b"")

    guarded.__name__ = view.__name__
    guarded.__doc__ = view.__doc__
    return csrf_exempt(with_faults(SYSTEM)(guarded))


# --- auth, bodies, context -----------------------------------------------------------------------


def _credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def authenticate(request: HttpRequest) -> ApiUser | None:
    """The API user of valid Basic credentials, or None."""
    credentials = _credentials(request)
    if credentials is None:
        return None
    user = ApiUser.objects.filter(username=credentials[0], is_active=True).first()
    return user if user is not None and user.check_password(credentials[1]) else None


def unauthorized() -> HttpResponse:
    # Tastypie's BasicAuthentication answers 401 with an empty body and a challenge.
    response = HttpResponse(b"", status=401)
    response["WWW-Authenticate"] = REALM
    return response


def context(request: HttpRequest) -> Context:
    """URIs carry the prefix the API was reached under, so that a client can follow them."""
    return Context(prefix=request.path.split("/rest/v1/", 1)[0])


def read_body(request: HttpRequest, *, allow_form: bool = False) -> dict[str, Any]:
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if allow_form and content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return {key: values[-1] for key, values in request.POST.lists()}
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid(["The request body is not valid JSON."]) from None
    if not isinstance(body, dict):
        raise Invalid(["The request body must be a JSON object."])
    return body


def _resource(name: str) -> Resource:
    resource = RESOURCES.get(name)
    if resource is None:
        raise Missing(name)
    return resource


def _params(request: HttpRequest) -> list[tuple[str, str]]:
    return [(key, value) for key, values in request.GET.lists() for value in values]


def paged(request: HttpRequest, query: Any, resource: Resource, ctx: Context) -> JsonResponse:
    """One page of a list with Tastypie's `meta` (next/previous relative to the host)."""
    raw_limit = request.GET.get("_limit", "")
    raw_offset = request.GET.get("_offset", "")
    try:
        limit = int(raw_limit) if raw_limit else DEFAULT_LIMIT
        offset = int(raw_offset) if raw_offset else 0
    except ValueError:
        raise Invalid({"_limit": ["_limit and _offset must be whole numbers."]}) from None
    if limit < 0 or offset < 0:
        raise Invalid({"_limit": ["_limit and _offset must not be negative."]})
    limit = MAX_LIMIT if limit == 0 or limit > MAX_LIMIT else limit  # "at most 100 objects per request"
    total = query.count()
    objects = [resource.render(obj, ctx) for obj in query[offset : offset + limit]]

    def link(at: int) -> str:
        params = request.GET.copy()
        params.pop(QUERY_PARAM, None)  # a fault asked for on one request is not carried along
        params["_limit"] = str(limit)
        params["_offset"] = str(at)
        return f"{request.path}?{params.urlencode()}"

    meta = {
        "limit": limit,
        "offset": offset,
        "total_count": total,
        "next": link(offset + limit) if offset + limit < total else None,
        "previous": link(max(offset - limit, 0)) if offset > 0 else None,
    }
    return JsonResponse({"meta": meta, "objects": objects})


def _order(request: HttpRequest) -> list[str]:
    return [item for value in request.GET.getlist("order_by") for item in value.split(",") if item]


def created(request: HttpRequest, ctx: Context, resource: str, pk: int) -> HttpResponse:
    response = HttpResponse(b"", status=201)
    response["Location"] = request.build_absolute_uri(ctx.uri(resource, pk))
    return response


# --- views ---------------------------------------------------------------------------------------


@api_view
def collection(request: HttpRequest, resource: str) -> HttpResponse:
    """GET a filtered, ordered page of a resource; POST to create one."""
    spec = _resource(resource)
    if authenticate(request) is None:
        return unauthorized()
    ctx = context(request)
    if request.method == "GET":
        query = spec.filtered_all(_params(request), reserved=LIST_RESERVED)
        return paged(request, spec.ordered(query, _order(request)), spec, ctx)
    if request.method == "POST":
        obj = spec.create(read_body(request))
        return created(request, ctx, resource, obj.pk)
    return HttpResponseNotAllowed(["GET", "POST"])


@api_view
def detail(request: HttpRequest, resource: str, pk: int) -> HttpResponse:
    """GET one object; PATCH (or PUT, treated alike) changes the fields sent; DELETE removes it."""
    spec = _resource(resource)
    if authenticate(request) is None:
        return unauthorized()
    obj = spec.get(pk)
    if request.method == "GET":
        return JsonResponse(spec.render(obj, context(request)))
    if spec.readonly:
        return HttpResponseNotAllowed(["GET"])
    if request.method in ("PATCH", "PUT"):
        spec.update(obj, read_body(request))
        return HttpResponse(b"", status=202 if request.method == "PATCH" else 204)
    if request.method == "DELETE":
        try:
            obj.delete()
        except ProtectedError:
            # e.g. a list that pages or subscriptions still use, a campaign that still has events
            raise Invalid([f"The {resource} {pk} is still in use and cannot be deleted."]) from None
        return HttpResponse(b"", status=204)
    return HttpResponseNotAllowed(["GET", "PATCH", "PUT", "DELETE"])


@api_view
def schema(request: HttpRequest, resource: str) -> HttpResponse:
    """GET /rest/v1/<resource>/schema/: the fields, filters and orderings of a resource."""
    spec = _resource(resource)
    if authenticate(request) is None:
        return unauthorized()
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return JsonResponse(spec.schema())


# The event search's `filter[...]` / `exclude[...]` reach the event's related objects too.
EVENT_SEARCH_FILTERS = {
    "creator__email": Filter("creator__email", "email"),
    "signups__user__email": Filter("signups__user__email", "email"),
}


@api_view
def event_search(request: HttpRequest, pk: int) -> HttpResponse:
    """GET /rest/v1/campaign/<id>/event_search/: the campaign's events by `filter[...]`, `exclude[...]`.

    e.g. `filter[field__name]=mobilize_id&filter[field__value]=42`: both conditions hold for the same
    custom field row, as in one Django `filter()` call. Events of every status are searched.
    """
    if authenticate(request) is None:
        return unauthorized()
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None:
        raise Missing(pk)
    spec = RESOURCES["event"]
    include: list[Any] = []
    exclude: list[Any] = []
    for key, value in _params(request):
        if key.startswith("filter[") and key.endswith("]"):
            include.append(spec.filter_q(key[7:-1], value, extra=EVENT_SEARCH_FILTERS))
        elif key.startswith("exclude[") and key.endswith("]"):
            exclude.append(spec.filter_q(key[8:-1], value, extra=EVENT_SEARCH_FILTERS))
        elif key == "event_id":
            include.append(spec.filter_q("id", value))
    query = spec.queryset().filter(campaign=campaign)
    for condition in include[:1]:
        for other in include[1:]:
            condition &= other
        query = query.filter(condition)
    for condition in exclude:
        query = query.exclude(condition)
    order = _order(request)
    if request.GET.get("reverse") in ("1", "true"):
        order = [item[1:] if item.startswith("-") else f"-{item}" for item in order or ["id"]]
    return paged(request, spec.ordered(query.distinct(), order), spec, context(request))


@api_view
def action(request: HttpRequest) -> HttpResponse:
    """POST /rest/v1/action/: the action processor (see processor.py)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    authenticated = False
    if request.META.get("HTTP_AUTHORIZATION"):
        if authenticate(request) is None:
            return unauthorized()  # wrong credentials are refused even where none are needed
        authenticated = True
    data = read_body(request, allow_form=True)
    remote_addr = request.META.get("REMOTE_ADDR", "")
    outcome = processor.process(data, remote_addr=remote_addr)
    ctx = context(request)
    body = processor.response_body(outcome, ctx, authenticated=authenticated, remote_addr=remote_addr)
    typed = "eventcreateaction" if outcome.action.type == "EventCreate" else "eventsignupaction"
    if authenticated:
        response: HttpResponse = JsonResponse(body, status=201)
    else:
        # As documented for anonymous actions: JSON text served as text/html.
        response = HttpResponse(json.dumps(body), status=201, content_type="text/html; charset=utf-8")
    response["Location"] = request.build_absolute_uri(ctx.uri(typed, outcome.action.pk))
    return response


@api_view
def add_slash(request: HttpRequest, path: str) -> HttpResponse:
    """ActionKit's paths end with a slash; Django redirects the others (and a POST body is lost)."""
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{request.path}/" + (f"?{query}" if query else ""))
