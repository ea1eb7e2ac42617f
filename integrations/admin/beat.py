"""django-celery-beat's own admin, for superusers only: its lists are global, across organizations.

Staff edit their integration's schedule on the integration page instead.
"""

from __future__ import annotations

import django_celery_beat.admin  # noqa: F401  (registers its ModelAdmins, which are replaced below)
from django.contrib import admin

from .scoping import ZoneSafeDates


class SuperuserOnly(ZoneSafeDates):
    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request, *args) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


def restrict_to_superusers(site: admin.AdminSite, app_label: str) -> None:
    """Re-register every ModelAdmin of one app behind superuser-only permissions."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label != app_label or isinstance(model_admin, SuperuserOnly):
            continue
        restricted = type(f"SuperuserOnly{type(model_admin).__name__}", (SuperuserOnly, type(model_admin)), {})
        site.unregister(model)
        site.register(model, restricted)


restrict_to_superusers(admin.site, "django_celery_beat")
