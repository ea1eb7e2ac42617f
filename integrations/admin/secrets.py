"""Write-only credentials: a password input that never renders the stored value.

The form says whether a value is set; a blank submission keeps it; a new value replaces it
(the model field encrypts it on save). In read-only views the field is swapped for its
"set"/"not set" status, because Django's read-only rendering would show the decrypted value.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

SET_HELP = "Set. Leave blank to keep the stored value; type a new one to replace it. It is never shown again."
NOT_SET_HELP = "Not set. It is stored encrypted and never shown again."


def secret_status(obj: Model | None, name: str) -> str:
    """'set' or 'not set', the only thing any page says about a stored credential."""
    return "set" if obj is not None and getattr(obj, name, "") else "not set"


class WriteOnlySecretsForm(forms.ModelForm):
    """A ModelForm whose `secret_fields` are write-only password inputs."""

    secret_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            if name not in self.fields:
                continue
            # model_to_dict put the decrypted value in initial; nothing may render or compare it.
            self.initial.pop(name, None)
            is_set = bool(self.instance.pk and getattr(self.instance, name, ""))
            self.fields[name] = forms.CharField(
                label=self.fields[name].label,
                required=False,
                strip=True,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=SET_HELP if is_set else NOT_SET_HELP,
            )

    def clean(self):
        cleaned = super().clean()
        for name in self.secret_fields:
            if name in self.fields and not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name, "") or ""
        return cleaned


class WriteOnlySecretsMixin:
    """ModelAdmin or inline side: read-only views show `<name>_status` instead of the secret field.

    The admin class defines a `<name>_status(obj)` display method per secret (see `secret_status`).
    For an inline, `obj` is the parent object, whose change permission decides read-only.
    """

    secret_fields: ClassVar[tuple[str, ...]] = ()

    def _read_only(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self._read_only(request, obj):
            return fieldsets
        swapped = []
        for title, options in fieldsets:
            fields = [f"{f}_status" if f in self.secret_fields else f for f in options.get("fields", ())]
            swapped.append((title, {**options, "fields": fields}))
        return swapped

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._read_only(request, obj):
            readonly += [f"{name}_status" for name in self.secret_fields]
        return readonly


class WriteOnlySecretsAdmin(WriteOnlySecretsMixin, admin.ModelAdmin):
    """A ModelAdmin whose `secret_fields` are never shown (see WriteOnlySecretsMixin)."""
