"""The emulated REST resources: how each object is rendered, which fields a POST/PATCH may set,
which Django-style filters and orderings a list accepts, and what the schema endpoint says.

ActionKit's REST API is Tastypie: foreign keys are URIs (`/rest/v1/user/5/`), lists filter with
Django lookups (`?user__email=...`, `?created_at__gte=...`), unknown filters and fields are 400s.
Writes here are strict on purpose: a field name the real API would ignore (e.g. Parsons'
`phone_type` for a phone's `type`) is refused, so a connector mistake shows up in the sandbox
instead of silently losing data in production.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet

from .models import (
    PHONE_TYPES,
    Action,
    Campaign,
    Event,
    EventField,
    EventSignup,
    EventSignupField,
    EventStatus,
    MailingList,
    Page,
    PageType,
    Phone,
    SignupRole,
    SignupStatus,
    Subscription,
    SubscriptionHistory,
    User,
)

API_ROOT = "rest/v1"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
LOOKUPS = ("exact", "iexact", "in", "gt", "gte", "lt", "lte", "contains", "icontains", "startswith", "isnull")
# Read-only names a client may echo back from a GET (Tastypie ignores them on write).
READ_ONLY = frozenset(
    {"id", "resource_uri", "created_at", "updated_at", "normalized_phone", "phones", "attendee_count"}
)
# Where custom fields are written instead of a `fields` key in the object's own body.
FIELD_ROWS = {"event": "/rest/v1/eventfield/", "eventsignup": "/rest/v1/eventsignupfield/"}


class Invalid(Exception):
    """A request the API rejects with 400 and ActionKit's `{"errors": ...}` envelope."""

    def __init__(self, errors: Mapping[str, list[str]] | list[str] | str) -> None:
        if isinstance(errors, str):
            errors = [errors]
        self.errors = dict(errors) if isinstance(errors, Mapping) else list(errors)
        super().__init__(str(self.errors))

    def body(self) -> dict[str, Any]:
        return {"errors": self.errors}


class Missing(Exception):
    """A referenced object does not exist (404 for a detail URL)."""


@dataclass
class Context:
    """Per request: the path prefix the API was reached under (e.g. `/sandbox/actionkit`)."""

    prefix: str = ""

    def uri(self, resource: str, pk: int | None) -> str | None:
        if pk is None:
            return None
        return f"{self.prefix}/{API_ROOT}/{resource}/{pk}/"


# --- value parsing ---------------------------------------------------------------------------------

_URI = re.compile(r"/rest/v1/(?P<resource>[a-z_]+)/(?P<pk>\d+)/?$")
_WALL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")


def parse_reference(value: Any, resource: str, name: str) -> int:
    """An object id from a URI (`/rest/v1/user/5/`, with any prefix or host) or a bare id."""
    if isinstance(value, bool):
        raise Invalid({name: [f"Expected a {resource} URI such as /rest/v1/{resource}/1/."]})
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        match = _URI.search(text.split("?")[0])
        if match:
            if match["resource"] != resource:
                raise Invalid({name: [f"'{text}' is a {match['resource']} URI; a {resource} URI is expected."]})
            return int(match["pk"])
    raise Invalid({name: [f"'{value}' is not a {resource} URI such as /rest/v1/{resource}/1/."]})


def parse_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
        return value.strip().lower() in ("1", "true", "yes", "on")
    raise Invalid({name: [f"'{value}' is not a boolean (true/false, 1/0)."]})


def parse_int(value: Any, name: str, *, nullable: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if nullable:
            return None
        raise Invalid({name: ["This field is required."]})
    if isinstance(value, bool):
        raise Invalid({name: [f"'{value}' is not an integer."]})
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    else:
        raise Invalid({name: [f"'{value}' is not an integer."]})
    if number < 0:
        raise Invalid({name: ["Must be zero or more."]})
    return number


def parse_float(value: Any, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise Invalid({name: [f"'{value}' is not a number."]}) from None


def parse_wall_time(value: Any, name: str) -> datetime | None:
    """ActionKit's naive local wall time "YYYY-MM-DDTHH:MM:SS"; stored UTC-tagged (see models)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _WALL_TIME.match(value.strip()):
        raise Invalid({name: [f"'{value}' is not a date/time of the form YYYY-MM-DDTHH:MM:SS (local, no zone)."]})
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        raise Invalid({name: [f"'{value}' is not a valid date/time."]}) from None
    return parsed.replace(tzinfo=UTC)


def parse_text(value: Any, name: str, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | dict | list):
        raise Invalid({name: [f"Expected text, got {type(value).__name__}."]})
    text = str(value)
    if max_length is not None and len(text) > max_length:
        raise Invalid({name: [f"Ensure this value has at most {max_length} characters (it has {len(text)})."]})
    return text


def format_wall_time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if value else None


def format_timestamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() if value else None


# --- resource definitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Writable:
    """A field a POST or PATCH may set: kind is text, bool, int, float, wall_time, choice or ref."""

    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str = ""  # resource name for kind "ref"
    attr: str = ""  # model attribute when it differs from the API name


@dataclass(frozen=True)
class Filter:
    """A list filter: the ORM path and how to read the value (int, text, email, bool, ref:<resource>, time)."""

    path: str
    kind: str = "text"


@dataclass
class Resource:
    name: str
    model: type[models.Model]
    render: Callable[[Any, Context], dict[str, Any]]
    fields: dict[str, Writable] = field(default_factory=dict)
    filters: dict[str, Filter] = field(default_factory=dict)
    ordering: tuple[str, ...] = ("id",)
    base_filter: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # accepted write names -> canonical name
    readonly: bool = False
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    after_create: Callable[[Any], None] | None = None
    validate: Callable[[Any], None] | None = None

    def queryset(self) -> QuerySet:
        query = self.model.objects.filter(**self.base_filter)
        if self.select_related:
            query = query.select_related(*self.select_related)
        if self.prefetch_related:
            query = query.prefetch_related(*self.prefetch_related)
        return query

    # --- reading ------------------------------------------------------------------------------
    def get(self, pk: int) -> Any:
        obj = self.queryset().filter(pk=pk).first()
        if obj is None:
            raise Missing(f"No {self.name} with id {pk}.")
        return obj

    def filtered_all(self, params: Iterable[tuple[str, str]], *, reserved: Iterable[str] = ()) -> QuerySet:
        """Apply Django-style filters from query pairs; unknown filters are a 400, like Tastypie's.

        All conditions go into one `filter()`, so `field__name` and `field__value` must hold for
        the same custom field row (Django's rule for multi-valued relations).
        """
        reserved = set(reserved)
        condition = Q()
        for key, value in params:
            if key not in reserved:
                condition &= self.filter_q(key, value)
        return self.queryset().filter(condition).distinct()

    def filter_q(self, key: str, value: str, *, extra: Mapping[str, Filter] | None = None) -> Q:
        parts = key.split("__")
        lookup = parts.pop() if len(parts) > 1 and parts[-1] in LOOKUPS else "exact"
        name = "__".join(parts)
        spec = (extra or {}).get(name) or self.filters.get(name)
        if spec is None:
            raise Invalid({key: [f"The '{name}' field does not allow filtering on {self.name}."]})
        if lookup == "isnull":
            return Q(**{f"{spec.path}__isnull": parse_bool(value, key)})
        if lookup == "in":
            values = [self._filter_value(spec, v.strip(), key) for v in value.split(",") if v.strip()]
            return Q(**{f"{spec.path}__in": values})
        converted = self._filter_value(spec, value, key)
        if spec.kind == "email" and lookup == "exact":
            lookup = "iexact"  # ActionKit matches users by email case-insensitively
        return Q(**{f"{spec.path}__{lookup}": converted})

    @staticmethod
    def _filter_value(spec: Filter, value: str, key: str) -> Any:
        if spec.kind == "int":
            number = parse_int(value, key, nullable=False)
            return number
        if spec.kind == "bool":
            return parse_bool(value, key)
        if spec.kind.startswith("ref:"):
            return parse_reference(value, spec.kind.partition(":")[2], key)
        if spec.kind == "time":
            parsed = parse_wall_time(value, key)
            if parsed is None:
                raise Invalid({key: ["A date/time is required."]})
            return parsed
        return value

    def ordered(self, query: QuerySet, order_by: list[str]) -> QuerySet:
        if not order_by:
            return query.order_by("id")
        keys = []
        for item in order_by:
            name = item.lstrip("-")
            if name not in self.ordering:
                raise Invalid(
                    {"order_by": [f"No ordering by '{name}' on {self.name}; use one of {list(self.ordering)}."]}
                )
            path = self.filters[name].path if name in self.filters else name
            keys.append(("-" if item.startswith("-") else "") + path)
        return query.order_by(*keys, "id")

    # --- writing ------------------------------------------------------------------------------
    def clean(self, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
        """Model attribute values from a request body; raises Invalid with every problem found."""
        errors: dict[str, list[str]] = {}
        values: dict[str, Any] = {}
        for raw_name, raw_value in data.items():
            name = self.aliases.get(raw_name, raw_name)
            if name in READ_ONLY and name not in self.fields:
                continue
            if name == "fields" and name not in self.fields:
                where = FIELD_ROWS.get(self.name)
                errors.setdefault(raw_name, []).append(
                    f"Custom fields are rows of {where}: create or PATCH them there."
                    if where
                    else f"Custom fields of {self.name} are not emulated by the sandbox."
                )
                continue
            spec = self.fields.get(name)
            if spec is None:
                errors.setdefault(raw_name, []).append(f"'{raw_name}' is not a field of {self.name}.")
                continue
            try:
                values[spec.attr or name] = self._value(name, spec, raw_value)
            except Invalid as exc:
                for key, messages in (exc.errors if isinstance(exc.errors, dict) else {name: exc.errors}).items():
                    errors.setdefault(key, []).extend(messages)
        for name, spec in self.fields.items():
            attr = spec.attr or name
            if not spec.required or name in errors:
                continue
            if creating and values.get(attr) in (None, ""):
                errors.setdefault(name, []).append("This field is required.")
            elif not creating and attr in values and values[attr] in (None, ""):
                errors.setdefault(name, []).append("This field may not be blank.")
        if errors:
            raise Invalid(errors)
        return values

    def _value(self, name: str, spec: Writable, value: Any) -> Any:
        if spec.kind == "bool":
            return parse_bool(value, name)
        if spec.kind == "int":
            return parse_int(value, name)
        if spec.kind == "float":
            return parse_float(value, name)
        if spec.kind == "wall_time":
            return parse_wall_time(value, name)
        if spec.kind == "choice":
            text = parse_text(value, name)
            if text not in spec.choices:
                raise Invalid({name: [f"'{text}' is not one of {', '.join(spec.choices)}."]})
            return text
        if spec.kind == "email":
            text = parse_text(value, name).strip()
            if text:
                try:
                    validate_email(text)
                except ValidationError:
                    raise Invalid({name: [f"'{text}' is not a valid email address."]}) from None
            return text
        if spec.kind == "ref":
            if value is None or value == "":
                return None
            pk = parse_reference(value, spec.ref, name)
            target = RESOURCES[spec.ref]
            obj = target.queryset().filter(pk=pk).first()
            if obj is None:
                raise Invalid({name: [f"No {spec.ref} with id {pk}."]})
            return obj
        max_length = getattr(self.model._meta.get_field(spec.attr or name), "max_length", None)
        return parse_text(value, name, max_length)

    def create(self, data: Mapping[str, Any]) -> Any:
        if self.readonly:
            raise Invalid(
                [f"POST to /rest/v1/{self.name}/ is not supported: actions are made through /rest/v1/action/."]
            )
        values = {**self.defaults, **self.clean(data, creating=True)}
        obj = self.model(**values)
        self._save(obj)
        if self.after_create:
            self.after_create(obj)
        return obj

    def update(self, obj: Any, data: Mapping[str, Any]) -> Any:
        if self.readonly:
            raise Invalid([f"{self.name} objects cannot be changed through the API."])
        for attr, value in self.clean(data, creating=False).items():
            setattr(obj, attr, value)
        self._save(obj)
        return obj

    def _save(self, obj: Any) -> None:
        if self.validate:
            self.validate(obj)
        try:
            with transaction.atomic():
                obj.save()
        except IntegrityError as exc:
            raise Invalid([self._integrity_message(exc)]) from None

    def _integrity_message(self, exc: IntegrityError) -> str:
        text = str(exc).lower()
        if "email" in text:
            return "A user with this email address already exists."
        if "signup" in text or "event_id" in text:
            return "This user already has a signup with this role for this event."
        if "name" in text:
            return f"A {self.name} with this name already exists."
        return f"The {self.name} conflicts with an existing one."

    def schema(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name in self.render_keys():
            spec = self.fields.get(name)
            kind = _SCHEMA_TYPES.get(spec.kind, "string") if spec else "string"
            if name in ("id", "attendee_count"):
                kind = "integer"
            elif name in ("created_at", "updated_at"):
                kind = "datetime"
            elif name in ("fields", "phones"):
                kind = "list" if self.name != "user" or name == "phones" else "dict"
            fields[name] = {
                "type": kind,
                "readonly": spec is None,
                "nullable": bool(spec and spec.kind in ("int", "float", "wall_time", "ref") and not spec.required),
                "blank": bool(spec and not spec.required),
                "unique": name == "id" or (self.name == "user" and name == "email"),
                "help_text": f"Choices: {', '.join(spec.choices)}" if spec and spec.choices else "",
            }
            if spec and spec.kind == "ref":
                fields[name]["related_type"] = "to_one"
        return {
            "allowed_detail_http_methods": ["get"] if self.readonly else ["get", "patch", "put", "delete"],
            "allowed_list_http_methods": ["get"] if self.readonly else ["get", "post"],
            "default_format": "application/json",
            "default_limit": DEFAULT_LIMIT,
            "fields": fields,
            "filtering": {name: ["exact", *LOOKUPS[1:]] for name in self.filters},
            "ordering": list(self.ordering),
        }

    def render_keys(self) -> list[str]:
        sample = self.render(_SchemaSample(), Context())
        return list(sample)


_SCHEMA_TYPES = {
    "text": "string",
    "email": "string",
    "choice": "string",
    "bool": "boolean",
    "int": "integer",
    "float": "float",
    "wall_time": "datetime",
    "ref": "related",
}


class _SchemaSample:
    """Stands in for an object when a renderer is called only to learn its keys (the schema)."""

    pk = id = None

    def __getattr__(self, name: str) -> Any:
        return None


# --- renderers -------------------------------------------------------------------------------------


def _stamp(obj: Any, body: dict[str, Any], ctx: Context, resource: str) -> dict[str, Any]:
    body["created_at"] = format_timestamp(obj.created_at) if isinstance(obj.created_at, datetime) else None
    body["updated_at"] = format_timestamp(obj.updated_at) if isinstance(obj.updated_at, datetime) else None
    body["resource_uri"] = ctx.uri(resource, obj.pk)
    return body


def _field_rows(obj: Any, ctx: Context, resource: str) -> list[dict[str, Any]]:
    if isinstance(obj, _SchemaSample):
        return []
    return [
        {"id": row.pk, "name": row.name, "value": row.value, "resource_uri": ctx.uri(resource, row.pk)}
        for row in obj.fields.all()
    ]


def render_user(user: User, ctx: Context) -> dict[str, Any]:
    body = {"id": user.pk, "email": user.email}
    for name in USER_TEXT_FIELDS:
        body[name] = getattr(user, name)
    body["subscription_status"] = user.subscription_status
    body["phones"] = [] if isinstance(user, _SchemaSample) else [ctx.uri("phone", p.pk) for p in user.phones.all()]
    body["fields"] = {}
    return _stamp(user, body, ctx, "user")


def render_phone(phone: Phone, ctx: Context) -> dict[str, Any]:
    body = {
        "id": phone.pk,
        "user": ctx.uri("user", phone.user_id),
        "phone": phone.phone,
        "type": phone.type,
        "source": phone.source,
        "normalized_phone": phone.normalized_phone,
    }
    return _stamp(phone, body, ctx, "phone")


def render_campaign(campaign: Campaign, ctx: Context) -> dict[str, Any]:
    body = {"id": campaign.pk, "name": campaign.name, "title": campaign.title}
    for name in (
        "default_event_size",
        "max_event_size",
        "public_create_page",
        "require_email_confirmation",
        "require_staff_approval",
    ):
        body[name] = getattr(campaign, name)
    body["events"] = f"{ctx.prefix}/{API_ROOT}/event/?campaign={campaign.pk}" if campaign.pk else None
    return _stamp(campaign, body, ctx, "campaign")


def _page_renderer(resource: str) -> Callable[[Page, Context], dict[str, Any]]:
    def render(page: Page, ctx: Context) -> dict[str, Any]:
        body = {
            "id": page.pk,
            "name": page.name,
            "title": page.title,
            "type": page.type,
            "campaign": ctx.uri("campaign", page.campaign_id),
            "list": ctx.uri("list", page.list_id),
            "status": page.status,
            "hidden": False,
            "fields": {},
        }
        return _stamp(page, body, ctx, resource)

    return render


def render_event(event: Event, ctx: Context) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": event.pk,
        "campaign": ctx.uri("campaign", event.campaign_id),
        "creator": ctx.uri("user", event.creator_id),
        "title": event.title,
        "starts_at": format_wall_time(event.starts_at) if isinstance(event.starts_at, datetime) else None,
        "ends_at": format_wall_time(event.ends_at) if isinstance(event.ends_at, datetime) else None,
    }
    for name in EVENT_TEXT_FIELDS:
        body[name] = getattr(event, name)
    for name in ("latitude", "longitude", "max_attendees", "is_private", "is_approved", "host_is_confirmed", "status"):
        body[name] = getattr(event, name)
    body["attendee_count"] = (
        None
        if isinstance(event, _SchemaSample)
        else sum(1 for s in event.signups.all() if s.role == SignupRole.ATTENDEE and s.status == SignupStatus.ACTIVE)
    )
    body["fields"] = _field_rows(event, ctx, "eventfield")
    return _stamp(event, body, ctx, "event")


def render_eventfield(row: EventField, ctx: Context) -> dict[str, Any]:
    return {
        "id": row.pk,
        "event": ctx.uri("event", row.event_id),
        "name": row.name,
        "value": row.value,
        "resource_uri": ctx.uri("eventfield", row.pk),
    }


def render_eventsignup(signup: EventSignup, ctx: Context) -> dict[str, Any]:
    body = {
        "id": signup.pk,
        "event": ctx.uri("event", signup.event_id),
        "user": ctx.uri("user", signup.user_id),
        "page": ctx.uri("eventsignuppage", signup.page_id),
        "role": signup.role,
        "status": signup.status,
        "attended": signup.attended,
        "fields": _field_rows(signup, ctx, "eventsignupfield"),
    }
    return _stamp(signup, body, ctx, "eventsignup")


def render_eventsignupfield(row: EventSignupField, ctx: Context) -> dict[str, Any]:
    return {
        "id": row.pk,
        "parent": ctx.uri("eventsignup", row.parent_id),
        "name": row.name,
        "value": row.value,
        "resource_uri": ctx.uri("eventsignupfield", row.pk),
    }


def _action_renderer(resource: str) -> Callable[[Action, Context], dict[str, Any]]:
    def render(action: Action, ctx: Context) -> dict[str, Any]:
        page_resource = "eventcreatepage" if action.type == "EventCreate" else "eventsignuppage"
        body = {
            "id": action.pk,
            "type": action.type,
            "page": ctx.uri(page_resource, action.page_id),
            "user": ctx.uri("user", action.user_id),
            "akid": action.user.akid if isinstance(action, Action) else None,
            "created_user": action.created_user,
            "subscribed_user": action.subscribed_user,
            "source": action.source,
            "status": action.status,
            "fields": action.fields or {},
        }
        if action.type == "EventCreate" or isinstance(action, _SchemaSample):
            body["event"] = ctx.uri("event", action.event_id)
        if action.type == "EventSignup" or isinstance(action, _SchemaSample):
            body["signup"] = ctx.uri("eventsignup", action.signup_id)
        return _stamp(action, body, ctx, resource)

    return render


def render_list(mailing_list: MailingList, ctx: Context) -> dict[str, Any]:
    body = {"id": mailing_list.pk, "name": mailing_list.name, "is_default": mailing_list.is_default}
    return _stamp(mailing_list, body, ctx, "list")


def render_subscription(subscription: Subscription, ctx: Context) -> dict[str, Any]:
    body = {
        "id": subscription.pk,
        "user": ctx.uri("user", subscription.user_id),
        "list": ctx.uri("list", subscription.list_id),
    }
    return _stamp(subscription, body, ctx, "subscription")


def render_subscriptionhistory(entry: SubscriptionHistory, ctx: Context) -> dict[str, Any]:
    action = entry.action if isinstance(entry, SubscriptionHistory) else None
    is_create = action is not None and action.type == "EventCreate"
    action_resource = "eventcreateaction" if is_create else "eventsignupaction"
    body = {
        "id": entry.pk,
        "user": ctx.uri("user", entry.user_id),
        "list": ctx.uri("list", entry.list_id),
        "change": entry.change,
        "action": ctx.uri(action_resource, entry.action_id),
    }
    return _stamp(entry, body, ctx, "subscriptionhistory")


# --- hooks -----------------------------------------------------------------------------------------


def _user_validate(user: User) -> None:
    if user.email and User.objects.filter(email__iexact=user.email).exclude(pk=user.pk).exists():
        raise Invalid({"email": [f"A user with the email address {user.email} already exists."]})


def _signup_validate(signup: EventSignup) -> None:
    clash = EventSignup.objects.filter(event_id=signup.event_id, user_id=signup.user_id, role=signup.role)
    if clash.exclude(pk=signup.pk).exists():
        raise Invalid([f"User {signup.user_id} already has a {signup.role} signup for event {signup.event_id}."])


def host_signup_for_creator(event: Event) -> None:
    """ActionKit signs an event's creator up as its host (no email is sent for API-made events)."""
    if event.creator_id:
        EventSignup.objects.get_or_create(
            event=event, user_id=event.creator_id, role=SignupRole.HOST, defaults={"status": SignupStatus.ACTIVE}
        )


# --- the registry ----------------------------------------------------------------------------------

USER_TEXT_FIELDS = (
    "prefix",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "address1",
    "address2",
    "city",
    "state",
    "region",
    "zip",
    "plus4",
    "postal",
    "country",
    "source",
    "lang",
)
EVENT_TEXT_FIELDS = (
    "venue",
    "address1",
    "address2",
    "city",
    "state",
    "region",
    "zip",
    "plus4",
    "postal",
    "country",
    "public_description",
    "directions",
    "note_to_attendees",
    "notes",
)
_STAMPS = {"created_at": Filter("created_at", "time"), "updated_at": Filter("updated_at", "time")}

RESOURCES: dict[str, Resource] = {}


def _register(resource: Resource) -> Resource:
    RESOURCES[resource.name] = resource
    return resource


_register(
    Resource(
        name="user",
        model=User,
        render=render_user,
        fields={"email": Writable("email", required=True), **{name: Writable() for name in USER_TEXT_FIELDS}},
        filters={
            "id": Filter("id", "int"),
            "email": Filter("email", "email"),
            "first_name": Filter("first_name"),
            "last_name": Filter("last_name"),
            "zip": Filter("zip"),
            "phones__normalized_phone": Filter("phones__normalized_phone"),
            **_STAMPS,
        },
        ordering=("id", "email", "created_at", "updated_at", "last_name"),
        prefetch_related=("phones",),
        validate=_user_validate,
    )
)
_register(
    Resource(
        name="phone",
        model=Phone,
        render=render_phone,
        fields={
            "user": Writable("ref", required=True, ref="user"),
            "phone": Writable(required=True),
            "type": Writable("choice", choices=PHONE_TYPES),
            "source": Writable(),
        },
        filters={
            "id": Filter("id", "int"),
            "user": Filter("user", "ref:user"),
            "user__email": Filter("user__email", "email"),
            "phone": Filter("phone"),
            "normalized_phone": Filter("normalized_phone"),
            "type": Filter("type"),
            "source": Filter("source"),
            **_STAMPS,
        },
        ordering=("id", "created_at", "updated_at"),
    )
)
_register(
    Resource(
        name="list",
        model=MailingList,
        render=render_list,
        fields={"name": Writable(required=True)},
        filters={
            "id": Filter("id", "int"),
            "name": Filter("name"),
            "is_default": Filter("is_default", "bool"),
            **_STAMPS,
        },
        ordering=("id", "name", "created_at"),
    )
)
# Subscriptions change only through actions (acting on a page subscribes), as this service uses them.
_register(
    Resource(
        name="subscription",
        model=Subscription,
        render=render_subscription,
        filters={
            "id": Filter("id", "int"),
            "user": Filter("user", "ref:user"),
            "user__email": Filter("user__email", "email"),
            "list": Filter("list", "ref:list"),
            **_STAMPS,
        },
        ordering=("id", "created_at"),
        readonly=True,
    )
)
_register(
    Resource(
        name="subscriptionhistory",
        model=SubscriptionHistory,
        render=render_subscriptionhistory,
        filters={
            "id": Filter("id", "int"),
            "user": Filter("user", "ref:user"),
            "user__email": Filter("user__email", "email"),
            "list": Filter("list", "ref:list"),
            "change": Filter("change"),
            **_STAMPS,
        },
        ordering=("id", "created_at"),
        readonly=True,
        select_related=("action",),
    )
)
_register(
    Resource(
        name="campaign",
        model=Campaign,
        render=render_campaign,
        fields={
            "name": Writable(required=True),
            "title": Writable(),
            "default_event_size": Writable("int"),
            "max_event_size": Writable("int"),
            "public_create_page": Writable("bool"),
            "require_email_confirmation": Writable("bool"),
            "require_staff_approval": Writable("bool"),
        },
        filters={"id": Filter("id", "int"), "name": Filter("name"), "title": Filter("title"), **_STAMPS},
        ordering=("id", "name", "created_at"),
    )
)
for _resource, _type in (("eventcreatepage", PageType.EVENT_CREATE), ("eventsignuppage", PageType.EVENT_SIGNUP)):
    _register(
        Resource(
            name=_resource,
            model=Page,
            render=_page_renderer(_resource),
            fields={
                "name": Writable(required=True),
                "title": Writable(),
                "campaign": Writable("ref", required=True, ref="campaign"),
                "list": Writable("ref", ref="list"),
                "status": Writable("choice", choices=("active", "inactive")),
            },
            filters={
                "id": Filter("id", "int"),
                "name": Filter("name"),
                "campaign": Filter("campaign", "ref:campaign"),
                "list": Filter("list", "ref:list"),
                **_STAMPS,
            },
            ordering=("id", "name", "created_at"),
            base_filter={"type": _type},
            defaults={"type": _type},
        )
    )
_register(
    Resource(
        name="event",
        model=Event,
        render=render_event,
        fields={
            "campaign": Writable("ref", required=True, ref="campaign"),
            "creator": Writable("ref", required=True, ref="user"),
            "title": Writable(),
            "starts_at": Writable("wall_time"),
            "ends_at": Writable("wall_time"),
            **{name: Writable() for name in EVENT_TEXT_FIELDS},
            "latitude": Writable("float"),
            "longitude": Writable("float"),
            "max_attendees": Writable("int"),
            "is_private": Writable("bool"),
            "is_approved": Writable("bool"),
            "host_is_confirmed": Writable("bool"),
            "status": Writable("choice", choices=tuple(EventStatus.values)),
        },
        filters={
            "id": Filter("id", "int"),
            "campaign": Filter("campaign", "ref:campaign"),
            "creator": Filter("creator", "ref:user"),
            "title": Filter("title"),
            "status": Filter("status"),
            "zip": Filter("zip"),
            "starts_at": Filter("starts_at", "time"),
            "field__name": Filter("fields__name"),
            "field__value": Filter("fields__value"),
            **_STAMPS,
        },
        ordering=("id", "starts_at", "created_at", "updated_at", "title"),
        prefetch_related=("fields", "signups"),
        after_create=host_signup_for_creator,
    )
)
_register(
    Resource(
        name="eventfield",
        model=EventField,
        render=render_eventfield,
        fields={
            "event": Writable("ref", required=True, ref="event"),
            "name": Writable(required=True),
            "value": Writable(),
        },
        filters={
            "id": Filter("id", "int"),
            "event": Filter("event", "ref:event"),
            "parent": Filter("event", "ref:event"),
            "name": Filter("name"),
            "value": Filter("value"),
            "event__campaign": Filter("event__campaign", "ref:campaign"),
        },
        ordering=("id", "name"),
        aliases={"parent": "event"},  # python-actionkit filters and writes event fields by `parent`
    )
)
_register(
    Resource(
        name="eventsignup",
        model=EventSignup,
        render=render_eventsignup,
        fields={
            "event": Writable("ref", required=True, ref="event"),
            "user": Writable("ref", required=True, ref="user"),
            "page": Writable("ref", ref="eventsignuppage"),
            "role": Writable("choice", choices=tuple(SignupRole.values)),
            "status": Writable("choice", choices=tuple(SignupStatus.values)),
            "attended": Writable("bool"),
        },
        filters={
            "id": Filter("id", "int"),
            "event": Filter("event", "ref:event"),
            "user": Filter("user", "ref:user"),
            "user__email": Filter("user__email", "email"),
            "page": Filter("page", "ref:eventsignuppage"),
            "role": Filter("role"),
            "status": Filter("status"),
            "attended": Filter("attended", "bool"),
            "event__campaign": Filter("event__campaign", "ref:campaign"),
            **_STAMPS,
        },
        ordering=("id", "created_at", "updated_at"),
        prefetch_related=("fields",),
        validate=_signup_validate,
    )
)
_register(
    Resource(
        name="eventsignupfield",
        model=EventSignupField,
        render=render_eventsignupfield,
        fields={
            "parent": Writable("ref", required=True, ref="eventsignup"),
            "name": Writable(required=True),
            "value": Writable(),
        },
        filters={
            "id": Filter("id", "int"),
            "parent": Filter("parent", "ref:eventsignup"),
            "name": Filter("name"),
            "value": Filter("value"),
        },
        ordering=("id", "name"),
    )
)
for _resource, _type in (("eventcreateaction", "EventCreate"), ("eventsignupaction", "EventSignup")):
    _register(
        Resource(
            name=_resource,
            model=Action,
            render=_action_renderer(_resource),
            filters={
                "id": Filter("id", "int"),
                "user": Filter("user", "ref:user"),
                "page": Filter("page", "ref:eventcreatepage" if _type == "EventCreate" else "ref:eventsignuppage"),
                "event": Filter("event", "ref:event"),
                "signup": Filter("signup", "ref:eventsignup"),
                "source": Filter("source"),
                **_STAMPS,
            },
            ordering=("id", "created_at"),
            base_filter={"type": _type},
            readonly=True,
            select_related=("user",),
        )
    )
