"""Organization scoping for every ModelAdmin, in one place.

A staff user reaches an organization's objects only through a Membership, and only as far as
its role goes: viewer reads, operator also runs (Sync now, Retry failed items, ...), admin also
configures (integrations, their settings, connections, credentials). Django's per-user model
permissions are not consulted for staff: a membership is the whole grant. Superusers see and
change everything.

Scoping the queryset is what keeps another organization's objects out of reach by URL: the
admin's change, history and delete views (and our own action views, through `get_object`)
look objects up in `get_queryset`, so an object of another organization does not exist there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateTimeField, Model, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations import services
from integrations.models import Membership, Organization

VIEWER, OPERATOR, ADMIN = Membership.Role.VIEWER, Membership.Role.OPERATOR, Membership.Role.ADMIN


def organization_id_of(obj: Model, organization_path: str) -> int | None:
    """Follow `organization_path` ("integration__organization", "" for an Organization) to an organization id."""
    if not organization_path:
        return obj.pk
    *hops, last = organization_path.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


# Lookups whose value is a datetime (the admin splits `__in` values on commas itself).
DATETIME_LOOKUPS = frozenset({"exact", "gt", "gte", "lt", "lte", "in"})


def is_datetime_lookup(model: type[Model], key: str) -> bool:
    """Whether a changelist query parameter ("started_at__gte", "run__started_at__lt") compares a DateTimeField."""
    parts = key.split(LOOKUP_SEP)
    opts = model._meta
    for index, part in enumerate(parts):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return False
        rest = parts[index + 1 :]
        if field.is_relation and field.related_model is not None and rest:
            opts = field.related_model._meta
            continue
        return isinstance(field, DateTimeField) and (not rest or (len(rest) == 1 and rest[0] in DATETIME_LOOKUPS))
    return False


def in_current_zone(value: str) -> str:
    """A date and time with an offset, as the same instant in the admin's time zone (UTC); other values unchanged.

    ISO 8601 and Python allow offsets up to ±23:59, PostgreSQL only up to ±15:59 ("time zone
    displacement out of range"): passed on as given, such a value is a server error when the list
    is read, not when the filter is built. A value Django cannot read is left for Django's own
    validation, which refuses it like any bad lookup.
    """
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return value
    if parsed is None or timezone.is_naive(parsed):
        return value
    try:
        # str() is the format of DateFieldListFilter's own links, so its choices stay selected.
        return str(parsed.astimezone(timezone.get_current_timezone()))
    except OverflowError:
        raise IncorrectLookupParameters(f"{value!r} is outside the years 1 to 9999.") from None


class ZoneSafeChangeList(ChangeList):
    """A changelist whose datetime query parameters reach the database in the admin's time zone.

    The same rule as the API's `UtcDateTimeField` (integrations/api/filters.py), here for the
    admin's list filters and URL lookups (e.g. `?started_at__gte=2025-10-07T20:11:03%2B20:40`).
    A value out of range is an "incorrect lookup": the admin's usual redirect to `?e=1`.
    """

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        for key, values in lookup_params.items():
            if is_datetime_lookup(self.model, key):
                lookup_params[key] = [
                    ",".join(in_current_zone(v) for v in value.split(","))
                    if key.endswith("__in")
                    else in_current_zone(value)
                    for value in values
                ]
        return lookup_params


class ZoneSafeDates:
    """ModelAdmin mixin: changelists use ZoneSafeChangeList (every admin of this project has it)."""

    def get_changelist(self, request: HttpRequest, **kwargs):
        return ZoneSafeChangeList


class OrganizationScoped:
    """What ModelAdmins and inlines share: the path to the organization and the role each operation needs.

    A role of None means superusers only.
    """

    # The lookup from this model to its Organization; "" when the model is Organization.
    organization_path: ClassVar[str] = "organization"
    view_role: ClassVar[str | None] = VIEWER
    add_role: ClassVar[str | None] = ADMIN
    change_role: ClassVar[str | None] = ADMIN
    delete_role: ClassVar[str | None] = ADMIN
    run_role: ClassVar[str | None] = OPERATOR

    def allowed(self, request: HttpRequest, role: str | None, obj: Model | None = None) -> bool:
        """Whether the user may do what `role` allows: on `obj`'s organization, or (no obj) on any of theirs."""
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        if role is None:
            return False
        if obj is None:
            return bool(services.organization_ids_for(user, role))
        return services.has_role(user, organization_id_of(obj, self.organization_path), role)

    def scope(self, request: HttpRequest, queryset: QuerySet, needed: str = VIEWER) -> QuerySet:
        """The rows of `queryset` in the organizations where the user has at least `needed`."""
        return services.scope_to_user(queryset, request.user, self.organization_path, needed)

    def limit_choices(self, request: HttpRequest, db_field, formfield, needed: str = ADMIN):
        """Limit a foreign key's choices to objects of organizations the user may configure."""
        if formfield is None or request.user.is_superuser:
            return formfield
        related = db_field.related_model
        if related is Organization:
            formfield.queryset = services.scope_to_user(formfield.queryset, request.user, "", needed)
        elif any(f.name == "organization" for f in related._meta.get_fields()):
            formfield.queryset = services.scope_to_user(formfield.queryset, request.user, "organization", needed)
        return formfield


class OrganizationScopedAdmin(ZoneSafeDates, OrganizationScoped, admin.ModelAdmin):
    """The base of every ModelAdmin of this app."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope(request, super().get_queryset(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.allowed(request, self.view_role)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.allowed(request, self.view_role, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.allowed(request, self.add_role)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.allowed(request, self.change_role, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.allowed(request, self.delete_role, obj)

    def has_run_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        """Operator actions (Sync now, Retry failed items, ...): `allowed_permissions = ("run",)`."""
        return self.allowed(request, self.run_role, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self.limit_choices(request, db_field, super().formfield_for_foreignkey(db_field, request, **kwargs))

    def delete_view(self, request, object_id, extra_context=None):
        # Django checks the delete permission before existence; answer "not found" first, like
        # the change and history views, so the answer never depends on another organization's data.
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().delete_view(request, object_id, extra_context)

    def get_object(self, request, object_id, from_field=None):
        # The scoped queryset makes another organization's object "not found"; this also
        # answers "not found" for an id that is not a number instead of a server error.
        try:
            return super().get_object(request, object_id, from_field)
        except (ValueError, TypeError):
            return None


class ReadOnlyScopedAdmin(OrganizationScopedAdmin):
    """Records the engine writes: nobody adds or edits them here; superusers may delete them."""

    add_role = change_role = delete_role = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class OrganizationScopedInline(OrganizationScoped):
    """Inlines: permissions follow the parent object's organization (`organization_path` starts at the parent)."""

    # An inline's rows hang from its parent, which the parent's admin has already scoped.
    def has_view_permission(self, request, obj=None) -> bool:
        return self.allowed(request, self.view_role, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self.allowed(request, self.add_role, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.allowed(request, self.change_role, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.allowed(request, self.delete_role, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self.limit_choices(request, db_field, super().formfield_for_foreignkey(db_field, request, **kwargs))


class ReadOnlyScopedInline(OrganizationScopedInline):
    """An inline of rows a run writes and staff only read (an automation's firings, a nudge's sends)."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
