"""The Mobilize mirror in the admin: read-only, organization-scoped, and the organization's
"Refresh from Mobilize" action.

Mirror records hold volunteers' personal data: staff see only their organizations' records,
superusers all; nobody adds, changes or deletes them here (the refresh and the purge do).
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html

from integrations import services
from integrations.models import MirrorRecord

from .actions import runs_url
from .scoping import ADMIN, ReadOnlyScopedAdmin


@admin.register(MirrorRecord)
class MirrorRecordAdmin(ReadOnlyScopedAdmin):
    list_display = ("record_type", "mobilize_id", "organization", "seq", "modified_at", "deleted", "updated_at")
    list_filter = ("record_type", "deleted", ("organization", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("organization",)
    # Exact ids only: no free-text search through personal data.
    search_fields = ("=mobilize_id", "=event_id", "=person_id")
    ordering = ("-seq",)
    fields = (
        "organization",
        "record_type",
        "mobilize_id",
        "seq",
        "modified_at",
        "deleted",
        "event_id",
        "timeslot_id",
        "person_id",
        "ends_at",
        "first_seen",
        "updated_at",
        "content_hash",
        "data_display",
    )
    readonly_fields = fields
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="Data (as Mobilize returned it)")
    def data_display(self, obj: MirrorRecord) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, sort_keys=True))


@admin.action(description="Refresh from Mobilize (re-read everything into the mirror)", permissions=["change"])
def refresh_from_mobilize(modeladmin, request: HttpRequest, queryset) -> None:
    """Organization admins: queue a full re-read of each selected organization's mirror."""
    for organization in modeladmin.scope(request, queryset, ADMIN):
        if not organization.has_api_key:
            messages.error(request, f"{organization.name} has no Mobilize API key: add it first.")
            continue
        integration = services.refresh_from_mobilize(organization)
        messages.info(
            request,
            format_html(
                '{}: the mirror re-reads everything from Mobilize. <a href="{}">Its runs</a> show how it goes.',
                organization.name,
                runs_url(integration),
            ),
        )
