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
from django.contrib.admin.utils import unquote
from django.db.models import Model, QuerySet
from django.http import HttpRequest

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


class OrganizationScopedAdmin(OrganizationScoped, admin.ModelAdmin):
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
