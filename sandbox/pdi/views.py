"""HTTP views of the emulated PDI API (`/sandbox/pdi/...`), as docs/connectors/pdi.md specifies it.

- `POST /sessions` (PascalCase body and answer) gives an AccessToken; every other call needs
  `Authorization: Bearer <AccessToken>` of a live session, else 401 with ASP.NET's message.
- Lists take `limit` (1 to 2,000) and a 1-based `cursor` page number and answer
  `{"data": [...], "totalCount": N}`, ordered by id.
- Invalid input is a 400 `{"Message": "The request is invalid.", "ModelState": {...}}`; a missing
  object a 404 `{"Message": "No <object> with id N."}`; PUT of an invitation a 204 with no body.
Every view runs behind `with_faults("pdi")`, before the method check and auth.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.faults import QUERY_PARAM, with_faults

from . import resources as r
from .models import (
    ApiUser,
    Calendar,
    Contact,
    ContactEmail,
    ContactPhone,
    Event,
    EventActivity,
    Invitation,
    Location,
    Session,
    token_digest,
)

SYSTEM = "pdi"
DEFAULT_LIMIT = 100  # [chosen] when a client leaves `limit` out; the contract's client never does
MAX_LIMIT = 2000
DENIED = "Authorization has been denied for this request."

Handler = Callable[..., HttpResponse]


# --- plumbing --------------------------------------------------------------------------------------


def message(text: str, status: int) -> JsonResponse:
    return JsonResponse({"Message": text}, status=status)


def no_content() -> HttpResponse:
    """PDI's "some successes have an empty body": 204, no body and no content type."""
    response = HttpResponse(status=204)
    del response["Content-Type"]
    return response


def authenticate(request: HttpRequest) -> ApiUser | None:
    """The API user of the live session whose AccessToken the request carries, or None."""
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    session = (
        Session.objects.live().select_related("user").filter(token_digest=token_digest(token), user__is_active=True)
    ).first()
    return session.user if session is not None else None


def endpoint(*, public: bool = False, **handlers: Handler) -> Handler:
    """A view for one path: faults first, then the method (405), then auth (401), then the handler.

    `handlers` maps HTTP methods (get=..., post=...) to functions taking the request and the path's
    arguments. Invalid and NotFound raised inside become PDI's 400 and 404 answers.
    """
    allowed = sorted(method.upper() for method in handlers)

    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method.lower())
        if handler is None:
            response = message(f"The requested resource does not support http method '{request.method}'.", 405)
            response["Allow"] = ", ".join(allowed)
            return response
        if not public and authenticate(request) is None:
            return message(DENIED, 401)
        try:
            return handler(request, **{name: int(value) for name, value in kwargs.items()})  # path ids
        except r.Invalid as exc:
            return JsonResponse(exc.body(), status=400)
        except r.NotFound as exc:
            return message(exc.message, 404)

    return csrf_exempt(with_faults(SYSTEM)(view))


@csrf_exempt
@with_faults(SYSTEM)
def unknown_path(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Any other path under /sandbox/pdi/: ASP.NET Web API's JSON 404."""
    uri = request.build_absolute_uri()
    return message(f"No HTTP resource was found that matches the request URI '{uri}'.", 404)


def read_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object (400 if it is not one)."""
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise r.Invalid({"body": [f"The media type '{content_type}' is not supported; send application/json."]})
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise r.Invalid({"body": ["The request body is not valid JSON."]}) from None
    if not isinstance(body, dict):
        raise r.Invalid({"body": ["The request body must be a JSON object."]})
    return body


def get_or_404(query: QuerySet | type, what: str, pk: int) -> Any:
    manager = query.objects if isinstance(query, type) else query
    found = manager.filter(pk=pk).first() if pk <= r.MAX_ID else None
    if found is None:
        raise r.NotFound(what, pk)
    return found


def _whole(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise r.Invalid({name: [f"The value '{raw}' is not valid for {name}."]}) from None


def paged(request: HttpRequest, query: QuerySet, render: Callable[[Any], dict[str, Any]]) -> JsonResponse:
    """One page: `limit` (1..2000, default 100), `cursor` the 1-based page number (default 1)."""
    limit = _whole(request, "limit", DEFAULT_LIMIT)
    cursor = _whole(request, "cursor", 1)
    if not 1 <= limit <= MAX_LIMIT:
        raise r.Invalid({"limit": [f"limit must be between 1 and {MAX_LIMIT}."]})
    if cursor < 1:
        raise r.Invalid({"cursor": ["cursor is the page number, starting at 1."]})
    query = query.order_by("id")
    offset = (cursor - 1) * limit
    # A cursor far past the end is an empty page (and an OFFSET the database could not take).
    rows = query[offset : offset + limit] if offset <= r.MAX_ID else []
    return JsonResponse({"data": [render(obj) for obj in rows], "totalCount": query.count()})


def check_params(request: HttpRequest, allowed: tuple[str, ...]) -> None:
    """Refuse a query parameter the endpoint does not know [chosen]: a misspelt filter would
    otherwise silently widen the search (e.g. every contact instead of one email's)."""
    known = {"limit", "cursor", QUERY_PARAM, *allowed}
    unknown = [name for name in request.GET if name not in known]
    if unknown:
        raise r.Invalid({name: [f"'{name}' is not a parameter of this list."] for name in unknown})


def flag(request: HttpRequest, name: str) -> bool | None:
    """A true/false query parameter (None when absent)."""
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise r.Invalid({name: [f"The value '{raw}' is not valid for {name}; use true or false."]})


def date_range(request: HttpRequest, field: str) -> Q:
    """`startDate` / `endDate` (yyyy-MM-dd, inclusive) on the UTC day of `field`."""
    condition = Q()
    errors: dict[str, list[str]] = {}
    for name, lookup in (("startDate", "gte"), ("endDate", "lt")):
        raw = request.GET.get(name)
        if not raw:
            continue
        try:
            day = r.parse_date(raw)
        except r.FieldError as exc:
            errors[name] = [str(exc)]
            continue
        if lookup == "lt":
            day += timedelta(days=1)  # the end date's whole day is in the range
        condition &= Q(**{f"{field}__{lookup}": datetime.combine(day, time.min, tzinfo=UTC)})
    if errors:
        raise r.Invalid(errors)
    return condition


def save(obj: Any, values: dict[str, Any]) -> Any:
    for attr, value in values.items():
        setattr(obj, attr, value)
    obj.save()
    return obj


def contacts() -> QuerySet[Contact]:
    return Contact.objects.prefetch_related("emails", "phones")


# --- sessions --------------------------------------------------------------------------------------


def create_session(request: HttpRequest) -> HttpResponse:
    """POST /sessions `{"Username", "Password", "ApiToken"}` -> `{"AccessToken", "ExpirationDate"}`."""
    body = read_body(request)
    missing = {
        name: [f"The {name} field is required."]
        for name in ("Username", "Password", "ApiToken")
        if not isinstance(body.get(name), str) or not body[name]
    }
    if missing:
        raise r.Invalid(missing)
    user = ApiUser.objects.filter(username=body["Username"], is_active=True).first()
    if user is None or not user.check_credentials(body["Password"], body["ApiToken"]):
        return message("The username, password or API token is not correct.", 401)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    user.sessions.filter(expires_at__lte=now).delete()  # keep the table small
    session = Session.objects.create(
        user=user, token_digest=token_digest(token), expires_at=now + timedelta(seconds=user.session_seconds)
    )
    return JsonResponse({"AccessToken": token, "ExpirationDate": r.format_datetime(session.expires_at)})


# --- calendars and locations -----------------------------------------------------------------------


def list_calendars(request: HttpRequest) -> HttpResponse:
    check_params(request, ())
    return paged(request, Calendar.objects.all(), r.render_calendar)


def list_locations(request: HttpRequest) -> HttpResponse:
    check_params(request, ())
    return paged(request, Location.objects.all(), r.render_location)


def create_location(request: HttpRequest) -> HttpResponse:
    values = r.parse_body(read_body(request), r.LOCATION_FIELDS, ignored=("id",))
    return JsonResponse(r.render_location(save(Location(), values)))


def get_location(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(r.render_location(get_or_404(Location, "location", pk)))


def update_location(request: HttpRequest, pk: int) -> HttpResponse:
    location = get_or_404(Location, "location", pk)
    values = r.parse_body(read_body(request), r.LOCATION_FIELDS, ignored=("id",))
    return JsonResponse(r.render_location(save(location, values)))


# --- contacts --------------------------------------------------------------------------------------


def _digits(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def list_contacts(request: HttpRequest) -> HttpResponse:
    """Search: `email` with `searchByEmail=true` (exact, any of the contact's emails, case-insensitive),
    or `firstName` / `lastName` / `phone` with `searchByEmail=false` (each given must match)."""
    check_params(request, ("email", "searchByEmail", "firstName", "lastName", "phone"))
    by_email = flag(request, "searchByEmail")
    query = contacts()
    if by_email:
        address = request.GET.get("email", "").strip()
        if not address:
            raise r.Invalid({"email": ["An email is required with searchByEmail=true."]})
        query = query.filter(emails__email_address__iexact=address)
    else:
        if request.GET.get("email"):
            # [chosen] PDI's flag decides what is searched; an email sent without it is a client bug.
            raise r.Invalid({"email": ["Set searchByEmail=true to search by email."]})
        for name, attr in (("firstName", "first_name"), ("lastName", "last_name")):
            if request.GET.get(name):
                query = query.filter(**{f"{attr}__iexact": request.GET[name].strip()})
        if request.GET.get("phone"):
            wanted = _digits(request.GET["phone"])
            # Numbers are stored as sent; comparing their digits in Python is fine at sandbox sizes.
            ids = [row.contact_id for row in ContactPhone.objects.all() if _digits(row.phone_number) == wanted]
            query = query.filter(pk__in=ids)
    return paged(request, query.distinct(), r.render_contact)


def _contact_values(request: HttpRequest) -> dict[str, Any]:
    values = r.parse_body(read_body(request), r.CONTACT_FIELDS, ignored=r.CONTACT_READONLY)
    if not values["first_name"].strip() and not values["last_name"].strip():
        # [chosen] a contact must have a name of some kind
        raise r.Invalid({"firstName": ["A contact needs a firstName or a lastName."]})
    return values


def create_contact(request: HttpRequest) -> HttpResponse:
    contact = save(Contact(), _contact_values(request))
    return JsonResponse(r.render_contact(contacts().get(pk=contact.pk)))


def get_contact(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(r.render_contact(get_or_404(contacts(), "contact", pk)))


def update_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """PUT replaces the contact's fields (a field left out is cleared); emails and phones stay."""
    contact = get_or_404(Contact, "contact", pk)
    save(contact, _contact_values(request))
    return JsonResponse(r.render_contact(contacts().get(pk=pk)))


@transaction.atomic
def _add_row(contact: Contact, model: type, values: dict[str, Any]) -> Any:
    if values.get("is_primary"):
        # One primary email (phone) per contact: a new primary one demotes the others [chosen].
        model.objects.filter(contact=contact, is_primary=True).update(is_primary=False)
    return model.objects.create(contact=contact, **values)


def add_email(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_or_404(Contact, "contact", pk)
    values = r.parse_body(read_body(request), r.EMAIL_FIELDS, ignored=("id",))
    return JsonResponse(r.render_email(_add_row(contact, ContactEmail, values)))


def add_phone(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_or_404(Contact, "contact", pk)
    values = r.parse_body(read_body(request), r.PHONE_FIELDS, ignored=("id",))
    return JsonResponse(r.render_phone(_add_row(contact, ContactPhone, values)))


# --- events ----------------------------------------------------------------------------------------


def list_events(request: HttpRequest) -> HttpResponse:
    check_params(request, ("startDate", "endDate"))
    return paged(request, Event.objects.filter(date_range(request, "start_date_time_utc")), r.render_event)


def get_event(request: HttpRequest, pk: int) -> HttpResponse:
    return JsonResponse(r.render_event(get_or_404(Event, "event", pk)))


def create_event(request: HttpRequest, calendar_id: int) -> HttpResponse:
    calendar = get_or_404(Calendar, "calendar", calendar_id)
    values = r.parse_body(read_body(request), r.EVENT_FIELDS, ignored=r.EVENT_READONLY)
    r.check_times(values, "endDateTimeUtc")
    return JsonResponse(r.render_event(save(Event(calendar=calendar), values)))


def update_event(request: HttpRequest, pk: int) -> HttpResponse:
    """PUT replaces the event's fields; `calendarId` left out keeps the event on its calendar."""
    event = get_or_404(Event, "event", pk)
    values = r.parse_body(read_body(request), r.EVENT_UPDATE_FIELDS, ignored=r.EVENT_READONLY)
    if values["calendar"] is None:
        del values["calendar"]
    r.check_times(values, "endDateTimeUtc")
    return JsonResponse(r.render_event(save(event, values)))


# --- invitations -----------------------------------------------------------------------------------


def list_invitations(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_or_404(Event, "event", event_id)
    check_params(request, ("expand",))
    expand = bool(flag(request, "expand"))
    query = event.invitations.all()
    if expand:
        query = query.select_related("contact").prefetch_related(
            Prefetch("contact__emails"), Prefetch("contact__phones")
        )
    return paged(request, query, lambda invitation: r.render_invitation(invitation, expand=expand))


def _already_invited(contact: Contact, event: Event) -> r.Invalid:
    return r.Invalid({"contactId": [f"The contact {contact.pk} is already invited to the event {event.pk}."]})


def create_invitation(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_or_404(Event, "event", event_id)
    values = r.parse_body(read_body(request), r.INVITATION_FIELDS, ignored=r.INVITATION_READONLY)
    if Invitation.objects.filter(event=event, contact=values["contact"]).exists():
        raise _already_invited(values["contact"], event)
    try:
        with transaction.atomic():
            invitation = save(Invitation(event=event), values)
    except IntegrityError:
        raise _already_invited(values["contact"], event) from None  # a concurrent POST won the race
    return JsonResponse(r.render_invitation(invitation))


def update_invitation(request: HttpRequest, event_id: int, pk: int) -> HttpResponse:
    """PUT changes only the fields sent and answers 204 with no body."""
    event = get_or_404(Event, "event", event_id)
    invitation = get_or_404(event.invitations.all(), "invitation", pk)
    values = r.parse_body(read_body(request), r.INVITATION_FIELDS, partial=True, ignored=r.INVITATION_READONLY)
    contact = values.get("contact")
    moved = contact is not None and contact.pk != invitation.contact_id
    if moved and Invitation.objects.filter(event=event, contact=contact).exists():
        raise _already_invited(contact, event)
    try:
        with transaction.atomic():
            save(invitation, values)
    except IntegrityError:
        raise _already_invited(contact, event) from None  # a concurrent request invited them first
    return no_content()


# --- event activities (PascalCase bodies) ----------------------------------------------------------


def list_event_activities(request: HttpRequest) -> HttpResponse:
    check_params(request, ("startDate", "endDate"))
    query = EventActivity.objects.filter(date_range(request, "start_date_time_utc"))
    return paged(request, query, r.render_event_activity)


def create_event_activity(request: HttpRequest) -> HttpResponse:
    values = r.parse_body(read_body(request), r.EVENT_ACTIVITY_FIELDS, ignored=("Id",))
    if values["event"].calendar_id != values["calendar"].pk:
        raise r.Invalid(
            {"EventId": [f"The event {values['event'].pk} is not on the calendar {values['calendar'].pk}."]}
        )
    r.check_times(values, "EndDateTimeUtc")
    return JsonResponse(r.render_event_activity(save(EventActivity(), values)))


# --- the routes' views -----------------------------------------------------------------------------

sessions = endpoint(public=True, post=create_session)
calendars = endpoint(get=list_calendars)
calendar_events = endpoint(post=create_event)
locations = endpoint(get=list_locations, post=create_location)
location = endpoint(get=get_location, put=update_location)
contact_list = endpoint(get=list_contacts, post=create_contact)
contact = endpoint(get=get_contact, put=update_contact)
contact_emails = endpoint(post=add_email)
contact_phones = endpoint(post=add_phone)
events = endpoint(get=list_events)
event = endpoint(get=get_event, put=update_event)
invitations = endpoint(get=list_invitations, post=create_invitation)
invitation = endpoint(put=update_invitation)
event_activities = endpoint(get=list_event_activities, post=create_event_activity)
