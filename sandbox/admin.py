"""Fault injection rules in the admin (Sandbox -> Fault rules): shared by every emulated system."""

from __future__ import annotations

from django.contrib import admin

from .models import FaultRule


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, do not touch: an emulated API is how these rows change."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FaultRule)
class FaultRuleAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "system",
        "method",
        "path_pattern",
        "kind",
        "latency_ms",
        "remaining",
        "hits",
        "enabled",
        "note",
    )
    list_display_links = ("id", "kind")
    list_editable = ("enabled", "remaining")
    list_filter = ("system", "kind", "enabled")
    search_fields = ("path_pattern", "note")
    readonly_fields = ("hits",)
    actions = ["enable", "disable", "reset_hits"]

    @admin.action(description="Enable the selected rules")
    def enable(self, request, queryset):
        queryset.update(enabled=True)

    @admin.action(description="Disable the selected rules")
    def disable(self, request, queryset):
        queryset.update(enabled=False)

    @admin.action(description="Reset the hit counters")
    def reset_hits(self, request, queryset):
        queryset.update(hits=0)
