"""HTTP views of the emulated Ascend API (`/sandbox/ascend/v1/...`), as docs/connectors/ascend.md
specifies it.

- `Authorization: Bearer <API key>` names the account; every object a request sees is that account's.
- Lists take `limit` (1 to 200, default 50) and an opaque `cursor` and answer
  `{"data": [...], "next_cursor": "..." | null}`, ordered by id.
- Errors are `{"error": {"code", "message", ...}}`: 400 invalid (with `fields`), 401 unauthorized,
  404 not_found, 405 method_not_allowed, 409 conflict (with `existing`), 422 unsubscribed.
Every view runs behind `with_faults("ascend")`, before the method check and auth; a fault's
429 / 5xx answer is put into Ascend's envelope (a 429 with `Retry-After`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.faults import QUERY_PARAM, with_faults

from . import resources as r
from .models import Account, FlowStart, Group, GroupKind, GroupMembership, Member, Message, key_digest

SYSTEM = "ascend"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_ID = 2**63 - 1  # ids are 64-bit: a larger number names nothing (and would overflow the database)
RETRY_AFTER_SECONDS = 1  # [chosen] what a faulted 429 tells a client to wait
MEMBER_FIELDS = {"first_name": 100, "last_name": 100, "email": 254, "zip": 20}  # name -> max length
MAX_MESSAGE_LENGTH = 1600  # [chosen] ten SMS segments
_email_validator = EmailValidator()
_FAULT_CODES = {429: "rate_limited", 500: "server_error", 503: "unavailable", 504: "timeout"}

Handler = Callable[..., HttpResponse]


# --- plumbing --------------------------------------------------------------------------------------


def error_response(exc: r.ApiError) -> JsonResponse:
    return JsonResponse(exc.body(), status=exc.status)


def in_envelope(view: Handler) -> Handler:
    """Put a fault's 429 / 5xx answer (sandbox/faults.py's `{"detail": ...}`) into Ascend's error
    envelope, a 429 with `Retry-After` as the contract says. The views themselves never answer
    these statuses, so any such answer is a fault's."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        code = _FAULT_CODES.get(response.status_code)
        if code is None:
            return response
        answer = error_response(r.ApiError(code, f"Sandbox fault: HTTP {response.status_code}."))
        answer.status_code = response.status_code
        if response.status_code == 429:
            answer["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer

    return wrapped


def authenticate(request: HttpRequest) -> Account | None:
    """The active account whose API key the request's bearer token is, or None."""
    scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        return None
    return Account.objects.filter(api_key_digest=key_digest(key), is_active=True).first()


def endpoint(**handlers: Handler) -> Handler:
    """A view for one path: faults first, then the method (405), then auth (401), then the handler.

    `handlers` maps HTTP methods (get=..., post=...) to functions taking the request, the account
    and the path's arguments. An `ApiError` raised inside becomes its error answer.
    """
    allowed = sorted(method.upper() for method in handlers)

    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = handlers.get(request.method.lower())
        try:
            if handler is None:
                response = error_response(
                    r.ApiError("method_not_allowed", f"{request.method} is not allowed here; use {', '.join(allowed)}.")
                )
                response["Allow"] = ", ".join(allowed)
                return response
            account = authenticate(request)
            if account is None:
                raise r.ApiError("unauthorized", "Send a valid API key: Authorization: Bearer <API key>.")
            return handler(request, account, **kwargs)
        except r.ApiError as exc:
            return error_response(exc)

    return csrf_exempt(in_envelope(with_faults(SYSTEM)(view)))


@csrf_exempt
@in_envelope
@with_faults(SYSTEM)
def unknown_path(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Any other path under /sandbox/ascend/: a JSON 404 in Ascend's envelope."""
    return error_response(r.ApiError("not_found", f"No such resource: {request.method} {request.path}."))


def read_body(request: HttpRequest, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The request's JSON object (400 if it is not one, or if it has a key the endpoint does not know)."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise r.invalid({"body": ["The request body is not valid JSON."]}) from None
    if not isinstance(body, dict):
        raise r.invalid({"body": ["The request body must be a JSON object."]})
    unknown = [name for name in body if name not in allowed]
    if unknown:
        raise r.invalid({name: [f"'{name}' is not a field of this request."] for name in unknown})
    return body


def check_params(request: HttpRequest, allowed: tuple[str, ...] = ()) -> None:
    """Refuse a query parameter the list does not know [chosen]: a misspelt filter would otherwise
    silently answer every group instead of the one asked for."""
    known = {"limit", "cursor", QUERY_PARAM, *allowed}
    unknown = [name for name in request.GET if name not in known]
    if unknown:
        raise r.invalid({name: [f"'{name}' is not a parameter of this list."] for name in unknown})


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor starts after (400 for anything this API did not hand out)."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, _, number = text.partition(":")
    if prefix != "after" or not number.isdigit() or int(number) > MAX_ID:
        raise r.invalid({"cursor": ["Not a cursor this API gave out; pass next_cursor as it came."]})
    return int(number)


def paged(request: HttpRequest, query: QuerySet, render: Callable[[Any], dict[str, Any]]) -> JsonResponse:
    """One page after the cursor (keyset on id), and the cursor of the next one if there is one."""
    raw = request.GET.get("limit", "")
    if raw == "":
        limit = DEFAULT_LIMIT
    elif raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT:
        limit = int(raw)
    else:
        raise r.invalid({"limit": [f"limit must be a whole number from 1 to {MAX_LIMIT}."]})
    cursor = request.GET.get("cursor", "")
    if cursor:
        query = query.filter(id__gt=decode_cursor(cursor))
    rows = list(query.order_by("id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].pk) if more else None
    return JsonResponse({"data": [render(row) for row in rows], "next_cursor": next_cursor})


def find(query: QuerySet, pk: str | int, what: str) -> Any:
    """The object of this id in the (account's) query, or a 404."""
    pk = int(pk)
    found = query.filter(pk=pk).first() if pk <= MAX_ID else None
    if found is None:
        raise r.ApiError("not_found", f"No {what} with id {pk}.")
    return found


def members(account: Account) -> QuerySet[Member]:
    return account.members.prefetch_related("memberships")


def groups(account: Account) -> QuerySet[Group]:
    return account.groups.annotate(member_total=Count("memberships"))


def render_group(group: Group) -> dict[str, Any]:
    return r.render_group(group, getattr(group, "member_total", None))


def text(body: dict[str, Any], name: str, *, max_length: int, required: bool, errors: dict[str, list[str]]) -> Any:
    """A string field of the body (None when absent or null and not required); errors collected."""
    value = body.get(name)
    if value is None:
        if required:
            errors[name] = [f"{name} is required."]
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        errors[name] = [f"{name} must be a non-empty string." if required else f"{name} must be a string or null."]
    elif len(value) > max_length:
        errors[name] = [f"{name} is longer than {max_length} characters."]
    return value


def idempotency_key(body: dict[str, Any], errors: dict[str, list[str]]) -> str | None:
    key = text(body, "idempotency_key", max_length=255, required=False, errors=errors)
    if key == "":
        errors["idempotency_key"] = ["idempotency_key must not be empty (leave it out or null instead)."]
    return key


def subscribed_member(account: Account, phone: str) -> Member:
    """The account's member with this phone, who must exist (400) and be subscribed (422)."""
    member = account.members.filter(phone=phone).first()
    if member is None:
        raise r.invalid({"phone": [f"{phone} is not a member of this account."]})
    if not member.is_subscribed:
        raise r.unsubscribed([phone])
    return member


# --- account, flows --------------------------------------------------------------------------------


def get_account(request: HttpRequest, account: Account) -> HttpResponse:
    return JsonResponse({"id": account.pk, "name": account.name})


def list_flows(request: HttpRequest, account: Account) -> HttpResponse:
    check_params(request)
    return paged(request, account.flows.all(), r.render_flow)


def start_flow(request: HttpRequest, account: Account, flow_id: str) -> HttpResponse:
    """POST /v1/flows/{id}/starts: 201, or 200 with the first start of the same idempotency_key."""
    flow = find(account.flows.all(), flow_id, "flow")
    body = read_body(request, ("phone", "idempotency_key", "context"))
    errors: dict[str, list[str]] = {}
    key = idempotency_key(body, errors)
    context = body.get("context")
    if context is None:
        context = {}
    elif not isinstance(context, dict):
        errors["context"] = ["context must be a JSON object."]
    if not r.is_e164(body.get("phone")):
        errors["phone"] = [f"{body.get('phone')!r} is not an E.164 phone number (e.g. +12155550101)."]
    if errors:
        raise r.invalid(errors)
    return _once(
        account.flow_starts,
        key,
        r.render_flow_start,
        lambda member: FlowStart.objects.create(
            account=account, flow=flow, member=member, phone=member.phone, idempotency_key=key, context=context
        ),
        lambda: subscribed_member(account, body["phone"]),
    )


def _once(
    existing: Any, key: str | None, render: Callable, create: Callable[[Member], Any], member: Callable[[], Member]
) -> HttpResponse:
    """Create once per idempotency key: the first answer again (200) when the key was seen."""
    if key is not None:
        first = existing.filter(idempotency_key=key).first()
        if first is not None:
            return JsonResponse(render(first), status=200)
    target = member()
    try:
        with transaction.atomic():
            made = create(target)
    except IntegrityError:
        # A concurrent request with the same key landed first: answer its object.
        return JsonResponse(render(existing.get(idempotency_key=key)), status=200)
    return JsonResponse(render(made), status=201)


# --- messages --------------------------------------------------------------------------------------


def send_message(request: HttpRequest, account: Account) -> HttpResponse:
    """POST /v1/messages: 201, or 200 with the first message of the same idempotency_key."""
    body = read_body(request, ("phone", "body", "idempotency_key"))
    errors: dict[str, list[str]] = {}
    key = idempotency_key(body, errors)
    content = text(body, "body", max_length=MAX_MESSAGE_LENGTH, required=True, errors=errors)
    if not r.is_e164(body.get("phone")):
        errors["phone"] = [f"{body.get('phone')!r} is not an E.164 phone number (e.g. +12155550101)."]
    if errors:
        raise r.invalid(errors)
    return _once(
        account.messages,
        key,
        r.render_message,
        lambda member: Message.objects.create(
            account=account, member=member, phone=member.phone, body=content, idempotency_key=key
        ),
        lambda: subscribed_member(account, body["phone"]),
    )


# --- groups ----------------------------------------------------------------------------------------


def list_groups(request: HttpRequest, account: Account) -> HttpResponse:
    check_params(request, ("external_id",))
    query = groups(account)
    if "external_id" in request.GET:
        query = query.filter(external_id=request.GET["external_id"])
    return paged(request, query, render_group)


def create_group(request: HttpRequest, account: Account) -> HttpResponse:
    """POST /v1/groups: 201, or 409 with the existing group when the external_id is taken."""
    body = read_body(request, ("name", "kind", "external_id"))
    errors: dict[str, list[str]] = {}
    name = text(body, "name", max_length=255, required=True, errors=errors)
    external_id = text(body, "external_id", max_length=255, required=False, errors=errors)
    if external_id == "":
        errors["external_id"] = ["external_id must not be empty (leave it out or null instead)."]
    kind = body.get("kind") or GroupKind.LIST
    if kind not in GroupKind.values:
        errors["kind"] = [f"kind must be one of {', '.join(GroupKind.values)}."]
    if errors:
        raise r.invalid(errors)
    if external_id is not None:
        _conflict_if_taken(account, external_id)
    try:
        with transaction.atomic():
            group = Group.objects.create(account=account, name=name, kind=kind, external_id=external_id)
    except IntegrityError:
        _conflict_if_taken(account, external_id)  # a concurrent create took the external_id
        raise
    return JsonResponse(r.render_group(group, 0), status=201)


def _conflict_if_taken(account: Account, external_id: str) -> None:
    existing = groups(account).filter(external_id=external_id).first()
    if existing is not None:
        raise r.ApiError(
            "conflict", f"A group with external_id {external_id!r} exists already.", existing=render_group(existing)
        )


def add_group_members(request: HttpRequest, account: Account, group_id: str) -> HttpResponse:
    """POST /v1/groups/{id}/members `{"phones": [...]}` -> `{"added": n, "already": m}`; all or nothing."""
    group = find(account.groups.all(), group_id, "group")
    body = read_body(request, ("phones",))
    phones = body.get("phones")
    if not isinstance(phones, list):
        raise r.invalid({"phones": ["phones must be a list of E.164 phone numbers."]})
    bad = [phone for phone in phones if not r.is_e164(phone)]
    if bad:
        raise r.invalid({"phones": [f"{phone!r} is not an E.164 phone number." for phone in bad]})
    wanted = list(dict.fromkeys(phones))  # each phone once, in the order given
    found = {member.phone: member for member in account.members.filter(phone__in=wanted)}
    unknown = [phone for phone in wanted if phone not in found]
    if unknown:
        raise r.invalid({"phones": [f"{phone} is not a member of this account." for phone in unknown]})
    gone = [phone for phone in wanted if not found[phone].is_subscribed]
    if gone:
        raise r.unsubscribed(gone)
    added = 0
    with transaction.atomic():
        for phone in wanted:
            _, created = GroupMembership.objects.get_or_create(group=group, member=found[phone])
            added += created
    return JsonResponse({"added": added, "already": len(wanted) - added})


# --- members ---------------------------------------------------------------------------------------


def get_member(request: HttpRequest, account: Account, phone: str) -> HttpResponse:
    r.check_phone(phone)
    member = members(account).filter(phone=phone).first()
    if member is None:
        raise r.ApiError("not_found", f"No member with phone {phone}.")
    return JsonResponse(r.render_member(member))


def _member_changes(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """The body's standard fields (model attribute -> value), custom fields and `create`; 400 naming
    every bad part."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    fields = body.get("fields") or {}
    if not isinstance(fields, dict):
        errors["fields"] = ["fields must be an object of field name -> value."]
        fields = {}
    for name, value in fields.items():
        where = f"fields.{name}"
        if name not in MEMBER_FIELDS:
            errors[where] = [f"'{name}' is not a member field; use one of {', '.join(MEMBER_FIELDS)} or custom_fields."]
            continue
        value = "" if value is None else value
        if not isinstance(value, str):
            errors[where] = [f"{name} must be a string or null."]
        elif len(value) > MEMBER_FIELDS[name]:
            errors[where] = [f"{name} is longer than {MEMBER_FIELDS[name]} characters."]
        elif name == "email" and value:
            try:
                _email_validator(value)
            except ValidationError:
                errors[where] = [f"{value!r} is not an email address."]
        values[name] = value
    custom = body.get("custom_fields") or {}
    if not isinstance(custom, dict):
        errors["custom_fields"] = ["custom_fields must be an object of name -> value."]
        custom = {}
    for name, value in custom.items():
        if not name.strip():
            errors["custom_fields"] = ["A custom field needs a name."]
        elif value is not None and not isinstance(value, str | int | float | bool):
            errors[f"custom_fields.{name}"] = ["A custom field's value is a string, number, boolean or null."]
    opt_in = body.get("opt_in")
    if opt_in is not None:
        if not isinstance(opt_in, dict) or set(opt_in) - {"source", "at"}:
            errors["opt_in"] = ['opt_in must be {"source": ..., "at": ...} or null.']
        else:
            at = r.parse_iso_datetime(opt_in.get("at"))
            if not isinstance(opt_in.get("source"), str) or not opt_in["source"].strip():
                errors["opt_in.source"] = ["opt_in.source is required (e.g. mobilize)."]
            elif len(opt_in["source"]) > 100:
                errors["opt_in.source"] = ["opt_in.source is longer than 100 characters."]
            if at is None:
                errors["opt_in.at"] = [
                    "opt_in.at must be an ISO 8601 datetime with a zone (e.g. 2030-05-01T14:00:00Z)."
                ]
            else:
                values["opt_in_source"] = opt_in.get("source")
                values["opt_in_at"] = at
    create = body.get("create", False)
    if not isinstance(create, bool):
        errors["create"] = ["create must be true or false."]
    if errors:
        raise r.invalid(errors)
    return values, custom, create


def put_member(request: HttpRequest, account: Account, phone: str) -> HttpResponse:
    """PUT /v1/members/{phone}: set exactly the fields given. 200 updated, 201 created (only with
    `"create": true`), 404 missing, 422 unsubscribed (never changed)."""
    r.check_phone(phone)
    values, custom, create = _member_changes(read_body(request, ("fields", "custom_fields", "create", "opt_in")))
    try:
        member, status = _put_member(account, phone, values, custom, create)
    except IntegrityError:
        # Another request created this phone between our read and our insert: apply the body
        # again, now as an update of their member.
        member, status = _put_member(account, phone, values, custom, create)
    return JsonResponse(r.render_member(members(account).get(pk=member.pk)), status=status)


@transaction.atomic
def _put_member(
    account: Account, phone: str, values: dict[str, Any], custom: dict[str, Any], create: bool
) -> tuple[Member, int]:
    member = account.members.select_for_update().filter(phone=phone).first()
    status = 200
    if member is None:
        if not create:
            raise r.ApiError("not_found", f'No member with phone {phone} (send "create": true to create one).')
        member = Member(account=account, phone=phone)
        status = 201
    elif not member.is_subscribed:
        raise r.unsubscribed([phone])
    changed = member.pk is None
    for attr, value in values.items():
        changed = changed or getattr(member, attr) != value
        setattr(member, attr, value)
    merged = dict(member.custom_fields)
    for name, value in custom.items():
        if value is None:
            merged.pop(name, None)  # a null custom field is removed [chosen]
        else:
            merged[name] = value
    changed = changed or merged != member.custom_fields
    member.custom_fields = merged
    if changed:  # a PUT that changes nothing leaves updated_at alone
        member.save()
    return member, status


# --- the routes' views -----------------------------------------------------------------------------

account_view = endpoint(get=get_account)
flows = endpoint(get=list_flows)
flow_starts = endpoint(post=start_flow)
group_list = endpoint(get=list_groups, post=create_group)
group_members = endpoint(post=add_group_members)
member = endpoint(get=get_member, put=put_member)
messages = endpoint(post=send_message)
