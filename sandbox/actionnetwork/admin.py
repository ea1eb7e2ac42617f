"""Browse the emulated Action Network groups in the admin (Sandbox: Action Network): what a sync wrote.

People are read-only (the API, the setup helpers and the loader are how they change), so the admin
shows what the API made of the requests. Groups can be edited (set an OSDI API token).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from sandbox.admin import ReadOnlyAdmin, SecretAccountForm

from .models import Account, Person


class AccountForm(SecretAccountForm):
    secret_field, secret_setter = "token", "set_token"

    token = forms.CharField(
        label="OSDI API token",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set a new token (leave empty to keep the current one).",
    )

    class Meta:
        model = Account
        fields = ["name"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ["id", "name"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = [
        "uuid",
        "given_name",
        "family_name",
        "email",
        "email_status",
        "phone",
        "phone_status",
        "source",
        "modified_date",
    ]
    list_filter = ["account", "email_status", "phone_status", "source"]
    search_fields = ["uuid", "given_name", "family_name", "email", "phone"]
    date_hierarchy = "modified_date"
    ordering = ["id"]
