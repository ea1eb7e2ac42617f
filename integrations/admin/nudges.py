"""Nudges' admin pages: "Link clicked, no form submission" texts on a tracked link, and who got them.

Reached from the Ascend integration page's Nudges section. Scoped like every admin here: a nudge
belongs to its tracked link's integration's organization; its sends are read-only (the beat task
writes them, integrations/nudges.py).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from integrations import services
from integrations.models import AscendConfig, TrackedLink
from integrations.models.nudges import SUGGESTED_MIN_DELAY, Nudge, NudgeSend

from .scoping import ADMIN, OrganizationScopedAdmin, ReadOnlyScopedInline

NUDGE_ORGANIZATION = "tracked_link__config__integration__organization"
TRACKED_LINK_ORGANIZATION = "config__integration__organization"
SHORT_DELAY_WARNING = (
    "This nudge waits less than 1 day after the click: members who are still deciding may get it "
    "before they had a chance to sign up. At least 1 day is suggested."
)


class NudgeSendInline(ReadOnlyScopedInline, admin.TabularInline):
    """Who got the nudge (or was skipped), with Ascend's message id: written by the beat task, read here."""

    model = NudgeSend
    organization_path = NUDGE_ORGANIZATION
    fields = ("phone", "state", "created_at", "sent_at", "message_id", "detail")
    readonly_fields = fields
    verbose_name = "send"
    verbose_name_plural = "Sends: who got this nudge"

    @admin.display(description="Member phone")
    def phone(self, obj: NudgeSend) -> str:
        return obj.member_link.phone


@admin.register(Nudge)
class NudgeAdmin(OrganizationScopedAdmin):
    """The "Link clicked, no form submission" nudges of the organization's tracked links."""

    organization_path = NUDGE_ORGANIZATION
    inlines = [NudgeSendInline]
    list_display = ("__str__", "integration", "tracked_link", "delay", "enabled", "expires_at", "sent_count")
    list_filter = ("enabled",)
    search_fields = ("name", "message", "tracked_link__message_id")
    fieldsets = (
        (None, {"fields": ("tracked_link", "name", "message", "delay", "only_group_id", "enabled", "expires_at")}),
        ("Quiet hours", {"fields": ("quiet_start_hour", "quiet_end_hour", "time_zone")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("tracked_link__config__integration")
            .annotate(sent_total=Count("sends", filter=Q(sends__state=NudgeSend.State.SENT)))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "tracked_link" and formfield is not None:
            # Only the tracked links of organizations the user configures (TrackedLink has no `organization`).
            links = TrackedLink.objects.select_related("config__integration")
            formfield.queryset = services.scope_to_user(links, request.user, TRACKED_LINK_ORGANIZATION, ADMIN)
            config = request.GET.get("config")
            if config and config.isdigit():
                formfield.queryset = formfield.queryset.filter(config_id=int(config))
        return formfield

    def save_model(self, request: HttpRequest, obj: Nudge, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.delay is not None and obj.delay < SUGGESTED_MIN_DELAY:
            messages.warning(request, SHORT_DELAY_WARNING)

    @admin.display(description="Integration", ordering="tracked_link__config__integration__name")
    def integration(self, obj: Nudge) -> str:
        integration = obj.tracked_link.config.integration
        url = reverse("admin:integrations_integration_change", args=[integration.pk])
        return format_html('<a href="{}#ascend-nudges">{}</a>', url, integration.name)

    @admin.display(description="Sent", ordering="sent_total")
    def sent_count(self, obj: Nudge) -> int:
        return getattr(obj, "sent_total", 0)


def nudges_overview(config: AscendConfig) -> list[dict[str, Any]]:
    """The Ascend integration page's Nudges table: each nudge with its link and how many were sent."""
    query = (
        Nudge.objects.filter(tracked_link__config=config)
        .select_related("tracked_link")
        .annotate(sent_total=Count("sends", filter=Q(sends__state=NudgeSend.State.SENT)))
    )
    return [
        {"nudge": nudge, "url": reverse("admin:integrations_nudge_change", args=[nudge.pk]), "sent": nudge.sent_total}
        for nudge in query
    ]


def add_nudge_url(config: AscendConfig) -> str:
    """The add page of a nudge, its tracked link choices limited to this integration's."""
    return format_html("{}?config={}", reverse("admin:integrations_nudge_add"), config.pk)
