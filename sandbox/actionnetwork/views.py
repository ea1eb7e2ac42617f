"""HTTP views of the emulated Action Network API (`/sandbox/actionnetwork/api/v2/...`), as
docs/connectors/actionnetwork.md specifies it.

- `OSDI-API-Token: <token>` names the group (Account); every person a request sees is that group's.
- Each token may make SANDBOX_ACTIONNETWORK_RATE requests (default 4/second); more get a 429
  with `Retry-After: 1`.
- `GET people` pages with `page`/`per_page` (at most 25), filters with OData, answers HAL with a
  `next` link on every page (even the last, even past the end), in creation order.
- `POST people/` is the Person Signup Helper (match by email, then phone; 201 new, 200 match);
  `PUT people/<uuid>` a partial update; `GET people/<uuid>` one person.
- Errors are `{"error": "<sentence>"}`.
Every view runs behind `with_faults("actionnetwork")`, before the method check, auth and the rate
limit; a fault's 429 / 5xx answer is put into the `{"error": ...}` shape (a 429 with `Retry-After`).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.faults import with_faults
from sandbox.ratelimit import over_rate

from . import resources as r
from .models import PERSON_DATA_FIELDS, Account, EmailStatus, Person, PhoneStatus, token_digest

SYSTEM = "actionnetwork"
MAX_PER_PAGE = 25
RETRY_AFTER_SECONDS = 1  # [chosen] what a 429 tells a client to wait
HAL = "application/hal+json"
# Statuses a client may send for an email (the others are Action Network's own findings).
SETTABLE_EMAIL_STATUSES = (EmailStatus.SUBSCRIBED, EmailStatus.UNSUBSCRIBED)
NAME_FIELDS = ("given_name", "family_name")
ADDRESS_FIELDS = ("locality", "region", "postal_code", "country")
_email_validator = EmailValidator()

Handler = Callable[..., HttpResponse]


# --- plumbing --------------------------------------------------------------------------------------


def error_response(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response.sandbox_own_error = True  # in_error_shape leaves it alone
    return response


def hal(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, content_type=HAL)


def in_error_shape(view: Handler) -> Handler:
    """Put a fault's 429 / 5xx answer (sandbox/faults.py's `{"detail": ...}`) into Action Network's
    `{"error": ...}` shape, a 429 with `Retry-After`; the views' own errors pass unchanged."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if getattr(response, "sandbox_own_error", False) or response.status_code not in (429, 500, 503, 504):
            return response
        answer = error_response(response.status_code, f"Sandbox fault: HTTP {response.status_code}.")
        if response.status_code == 429:
            answer["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer

    return wrapped


def authenticate(request: HttpRequest) -> Account | None:
    """The group whose token the request's `OSDI-API-Token` header holds, or None."""
    token = request.META.get("HTTP_OSDI_API_TOKEN", "").strip()
    if not token:
        return None
    return Account.objects.filter(token_digest=token_digest(token)).first()


def endpoint(**handlers: Handler) -> Handler:
    """A view for one path: faults first, then the method (405), auth (401), the per-token rate
    limit (429), then the handler. `handlers` maps HTTP methods (get=..., post=...) to functions
    taking the request, the group and the path's arguments; an ApiError becomes its answer."""
    allowed = sorted(method.upper() for method in handlers)

    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method.lower())
        if handler is None:
            response = error_response(405, f"{request.method} is not allowed here; use {', '.join(allowed)}.")
            response["Allow"] = ", ".join(allowed)
            return response
        account = authenticate(request)
        if account is None:
            return error_response(401, "API Key invalid or not present")
        if over_rate(settings.SANDBOX_ACTIONNETWORK_RATE, "sandbox-actionnetwork", str(account.pk)):
            response = error_response(429, "Too many requests: slow down (about 4 requests per second).")
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        try:
            return handler(request, account, **kwargs)
        except r.ApiError as exc:
            return error_response(exc.status, exc.message)

    return csrf_exempt(in_error_shape(with_faults(SYSTEM)(view)))


@csrf_exempt
@in_error_shape
@with_faults(SYSTEM)
def unknown_path(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Any other path under the API: a JSON 404."""
    return error_response(404, f"No such resource: {request.method} {request.path}")


def base_url(request: HttpRequest) -> str:
    """`http://<host the client used>/sandbox`, so links point back at the server that answered."""
    return request.build_absolute_uri("/sandbox")


def read_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object, or 400."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise r.invalid("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise r.invalid("The request body must be a JSON object.")
    return body


def find_person(account: Account, person_id: str, *, lock: bool = False) -> Person:
    """The group's person with this uuid (the URL id), or the contract's 404."""
    try:
        key = uuid.UUID(person_id)
    except ValueError:
        raise r.person_not_found(person_id) from None
    query = account.people.select_for_update() if lock else account.people
    person = query.filter(uuid=key).first()
    if person is None:
        raise r.person_not_found(person_id)
    return person


# --- GET people ------------------------------------------------------------------------------------


def _positive(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "").strip()
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise r.invalid(f"{name} must be a whole number from 1.")
    return int(raw)


def list_people(request: HttpRequest, account: Account) -> HttpResponse:
    """One page of the group's people in creation order; `next` always present (see the contract)."""
    page = _positive(request, "page", 1)
    per_page = min(_positive(request, "per_page", MAX_PER_PAGE), MAX_PER_PAGE)  # larger asks are cut
    query = account.people.all()
    text = request.GET.get("filter")
    if text is not None:
        query = query.filter(r.filter_query(text))
    start = (page - 1) * per_page
    people = list(query.order_by("id")[start : start + per_page])
    root = base_url(request)
    people_url = f"{r.api_root(root)}people"

    def page_url(number: int) -> str:
        params: dict[str, Any] = {"page": number, "per_page": per_page}
        if text is not None:
            params["filter"] = text
        return f"{people_url}?{urlencode(params)}"

    return hal(
        {
            "page": page,
            "per_page": per_page,
            "_links": {
                "self": {"href": page_url(page)},
                # Always there, as Action Network's (the contract's trap): readers stop on an empty page.
                "next": {"href": page_url(page + 1)},
                "osdi:people": [{"href": r.person_url(person, root)} for person in people],
            },
            "_embedded": {"osdi:people": [r.person_json(person, root) for person in people]},
        }
    )


# --- reading a person from a body ------------------------------------------------------------------


class Changes:
    """What a signup or PUT body asks of a person, checked (400 naming the first problem)."""

    def __init__(self, person: Any) -> None:
        if not isinstance(person, dict):
            raise r.invalid("person must be a JSON object.")
        self.names = {name: _string(person, name) for name in NAME_FIELDS if person.get(name) is not None}
        self.email, self.email_status = _email(person.get("email_addresses"))
        self.phone, self.phone_status, self.number_type = _phone(person.get("phone_numbers"))
        self.address = _address(person.get("postal_addresses"))
        self.custom_fields = _custom_fields(person.get("custom_fields"))


def _string(body: dict[str, Any], name: str, max_length: int = 255) -> str:
    value = body[name]
    if not isinstance(value, str):
        raise r.invalid(f"{name} must be a string.")
    if len(value) > max_length:
        raise r.invalid(f"{name} is longer than {max_length} characters.")
    return value.strip()


def _first_entry(entries: Any, name: str) -> dict[str, Any] | None:
    """The primary entry of an OSDI list (else its first), None when the list is absent or empty.

    A person here has one email and one phone, as Action Network effectively keeps them."""
    if entries is None:
        return None
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise r.invalid(f"{name} must be a list of objects.")
    if not entries:
        return None
    return next((entry for entry in entries if entry.get("primary") is True), entries[0])


def _email(entries: Any) -> tuple[str | None, str | None]:
    entry = _first_entry(entries, "email_addresses")
    if entry is None:
        return None, None
    address = entry.get("address")
    if address is not None:
        if not isinstance(address, str) or not address.strip():
            raise r.invalid("An email address must be a non-empty string.")
        address = address.strip()
        try:
            _email_validator(address)
        except ValidationError:
            raise r.invalid(f"{address!r} is not an email address.") from None
    status = entry.get("status")
    if status is not None and status not in SETTABLE_EMAIL_STATUSES:
        raise r.invalid(f"An email's status must be one of {', '.join(SETTABLE_EMAIL_STATUSES)}.")
    return address, status


def _phone(entries: Any) -> tuple[str | None, str | None, str | None]:
    entry = _first_entry(entries, "phone_numbers")
    if entry is None:
        return None, None, None
    number = entry.get("number")
    if number is not None:
        if not isinstance(number, str):
            raise r.invalid("A phone number must be a string of digits.")
        try:
            number = r.normalize_phone(number)
        except ValueError as exc:
            raise r.invalid(str(exc)) from None
    status = entry.get("status")
    if status is not None and status not in PhoneStatus.values:
        raise r.invalid(f"A phone's status must be one of {', '.join(PhoneStatus.values)}.")
    number_type = entry.get("number_type")
    if number_type is not None and (not isinstance(number_type, str) or len(number_type) > 32):
        raise r.invalid("number_type must be a string (e.g. Mobile).")
    return number, status, number_type


def _address(entries: Any) -> dict[str, Any]:
    entry = _first_entry(entries, "postal_addresses")
    if entry is None:
        return {}
    address = {}
    for name in ADDRESS_FIELDS:
        if entry.get(name) is not None:
            address[name] = _string(entry, name, 64 if name == "country" else 255)
    lines = entry.get("address_lines")
    if lines is not None:
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            raise r.invalid("address_lines must be a list of strings.")
        address["address_lines"] = [line.strip() for line in lines]
    return address


def _custom_fields(value: Any) -> dict[str, str]:
    """Custom fields as Action Network keeps them: strings [chosen: numbers and booleans are
    written as strings, true -> "true"; null is refused]."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise r.invalid("custom_fields must be an object of name -> value.")
    fields = {}
    for name, field in value.items():
        if not name.strip():
            raise r.invalid("A custom field needs a name.")
        if isinstance(field, bool):
            field = "true" if field else "false"
        elif isinstance(field, int | float):
            field = str(field)
        elif not isinstance(field, str):
            raise r.invalid(f"custom field {name!r} must be a string.")
        fields[name] = field
    return fields


# --- applying changes ------------------------------------------------------------------------------


def _give_phone(person: Person, number: str, status: str | None, number_type: str | None) -> None:
    """Set the person's phone: the same number keeps its status unless one is sent; a new number
    is **unsubscribed** unless one is sent (the contract's trap). Another person of the group
    holding the number loses it (the phone moves)."""
    if person.phone != number:
        holder = person.account.people.select_for_update().filter(phone=number).exclude(pk=person.pk).first()
        if holder is not None:
            holder.phone = ""
            holder.phone_status = PhoneStatus.UNSUBSCRIBED
            holder.modified_date = _now()
            holder.save()
        person.phone = number
        person.phone_status = status or PhoneStatus.UNSUBSCRIBED
        person.number_type = number_type or "Mobile"
    else:
        person.phone_status = status or person.phone_status
        person.number_type = number_type or person.number_type


def _apply(person: Person, changes: Changes) -> None:
    """Everything the body sends except the email address (matching decides that): names and
    address fields replace, custom fields merge, the phone as `_give_phone`; a phone status without
    a number is the status of the person's phone (ignored when the person has none)."""
    for name, value in changes.names.items():
        setattr(person, name, value)
    if changes.email_status is not None and person.email:
        person.email_status = changes.email_status
    if changes.phone is not None:
        _give_phone(person, changes.phone, changes.phone_status, changes.number_type)
    elif person.phone:
        person.phone_status = changes.phone_status or person.phone_status
        person.number_type = changes.number_type or person.number_type
    for name, value in changes.address.items():
        setattr(person, name, value)
    person.custom_fields = {**person.custom_fields, **changes.custom_fields}


SNAPSHOT_FIELDS = PERSON_DATA_FIELDS


def _snapshot(person: Person) -> tuple[Any, ...]:
    return tuple(getattr(person, name) for name in SNAPSHOT_FIELDS)


def _now():
    """Now in whole seconds (the API shows seconds, so a stored date is exactly what is shown)."""
    return r.to_datetime(timezone.now())


def _save_if_changed(person: Person, before: tuple[Any, ...]) -> None:
    """Save and bump modified_date when a field changed [chosen: a write that changes nothing
    leaves the person, and its modified_date, alone]."""
    if _snapshot(person) != before:
        person.modified_date = _now()
        person.save()


# --- POST people/: the Person Signup Helper --------------------------------------------------------


def signup(request: HttpRequest, account: Account) -> HttpResponse:
    """Match by email, then phone; update the match (200) or create a person (201)."""
    body = read_body(request)
    if "person" not in body:
        raise r.invalid("The body needs a person.")
    changes = Changes(body["person"])
    if not changes.email and not changes.phone:
        raise r.invalid("A person needs an email address or a phone number.")
    referrer = body.get("action_network:referrer_data") or {}
    if not isinstance(referrer, dict) or not isinstance(referrer.get("source", ""), str):
        raise r.invalid('action_network:referrer_data must be {"source": "<text>"}.')
    tags = body.get("add_tags", [])
    if not isinstance(tags, list):  # tags are not emulated; a list of names is accepted and ignored
        raise r.invalid("add_tags must be a list of tag names.")
    try:
        person, created = _signup(account, changes, referrer.get("source", "").strip()[:255])
    except IntegrityError:
        # A concurrent signup created this email or phone between our read and our write: match
        # again, now finding their person.
        person, created = _signup(account, changes, referrer.get("source", "").strip()[:255])
    return hal(r.person_json(person, base_url(request)), status=201 if created else 200)


@transaction.atomic
def _signup(account: Account, changes: Changes, source: str) -> tuple[Person, bool]:
    people = account.people.select_for_update()
    by_email = people.filter(email__iexact=changes.email).first() if changes.email else None
    by_phone = people.filter(phone=changes.phone).first() if changes.phone else None
    person = by_email
    if person is None and by_phone is not None:
        if changes.email and by_phone.email:
            # Both have emails: two people; the new one takes the phone (`_give_phone` moves it).
            person = None
        else:
            person = by_phone  # one of them is phone-only: the same person (it gains the email)
    if person is None:
        now = _now()
        person = Person(
            account=account,
            email=changes.email or "",
            email_status=changes.email_status or EmailStatus.SUBSCRIBED,
            source=source,
            created_date=now,
            modified_date=now,
        )
        _apply(person, changes)
        person.save()
        return person, True
    before = _snapshot(person)
    if changes.email and not person.email:
        person.email = changes.email
        person.email_status = changes.email_status or EmailStatus.SUBSCRIBED
    _apply(person, changes)
    _save_if_changed(person, before)
    return person, False


# --- GET / PUT people/<uuid> ------------------------------------------------------------------------


def get_person(request: HttpRequest, account: Account, person_id: str) -> HttpResponse:
    return hal(r.person_json(find_person(account, person_id), base_url(request)))


def put_person(request: HttpRequest, account: Account, person_id: str) -> HttpResponse:
    """A partial update: names and address fields replace, custom fields merge, a phone entry with
    a `number` replaces the phone and one with only a `status` changes the phone's status."""
    find_person(account, person_id)  # 404 before 400: an unknown person is the first thing wrong
    changes = Changes(read_body(request))
    try:
        person = _put(account, person_id, changes)
    except IntegrityError:
        raise r.invalid("That email address belongs to another person of this group.") from None
    return hal(r.person_json(person, base_url(request)))


@transaction.atomic
def _put(account: Account, person_id: str, changes: Changes) -> Person:
    person = find_person(account, person_id, lock=True)
    before = _snapshot(person)
    if changes.email and changes.email.lower() != person.email.lower():
        if account.people.filter(email__iexact=changes.email).exclude(pk=person.pk).exists():
            raise r.invalid("That email address belongs to another person of this group.")
        person.email = changes.email
        person.email_status = changes.email_status or EmailStatus.SUBSCRIBED
    _apply(person, changes)
    _save_if_changed(person, before)
    return person


# --- the routes' views -----------------------------------------------------------------------------

people = endpoint(get=list_people, post=signup)
person = endpoint(get=get_person, put=put_person)
