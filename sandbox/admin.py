"""Fault injection rules in the admin (Sandbox -> Fault rules): shared by every emulated system."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .models import FaultRule


class SecretAccountForm(forms.ModelForm):
    """An emulated account whose secret (API key, token, password) is set, never shown.

    Subclasses declare the secret as a form field named `secret_field` and set `secret_setter`, the
    account method that stores it (hashed): a new account needs one; a blank one keeps the current.
    """

    secret_field: str = "secret"
    secret_setter: str = "set_secret"

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get(self.secret_field):
            label = self.fields[self.secret_field].label or self.secret_field.replace("_", " ")
            self.add_error(self.secret_field, f"A new account needs a {label[:1].lower()}{label[1:]}.")
        return cleaned

    def save(self, commit: bool = True):
        account = super().save(commit=False)
        if self.cleaned_data.get(self.secret_field):
            getattr(account, self.secret_setter)(self.cleaned_data[self.secret_field])
        if commit:
            account.save()
        return account


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
