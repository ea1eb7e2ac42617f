"""Organizations, their staff memberships, and their ActionKit connections."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet

from integrations.models import ActionKitConnection, Membership, Organization

from .mirror import refresh_from_mobilize
from .scoping import ADMIN, OrganizationScopedAdmin, OrganizationScopedInline
from .secrets import WriteOnlySecretsAdmin, WriteOnlySecretsForm, secret_status


class MembershipForm(forms.ModelForm):
    """A member is named by login, so an organization admin never sees a list of every user.

    Nor learns which logins exist: an organization admin adds only logins that belong to no
    organization yet (a superuser creates them), and any other name, unknown, inactive, a
    superuser's or another organization's member, gets one and the same answer. Adding someone
    who already works for another organization is a superuser's step.
    """

    username = forms.CharField(label="Login", max_length=150, help_text="A login a superuser created for this person.")

    # Set by MembershipInline.get_formset: whether the person editing is a superuser.
    by_superuser = False

    class Meta:
        model = Membership
        fields = ("role",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["username"].initial = self.instance.user.get_username()
            self.fields["username"].disabled = True
            self.fields["username"].help_text = "To give the role to someone else, delete this row and add one."

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if self.instance.pk:
            return username
        organization_id = self.instance.organization_id
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is not None and organization_id and user.memberships.filter(organization_id=organization_id).exists():
            raise ValidationError(f"{username} is already a member of this organization.")
        if user is None or not (self.by_superuser or self.addable_by_organization_admin(user)):
            raise ValidationError(self.not_addable_message(username))
        self.instance.user = user
        return username

    @staticmethod
    def addable_by_organization_admin(user) -> bool:
        """A login nobody else has claimed: not a superuser, not a member of any organization."""
        return not user.is_superuser and not user.memberships.exists()

    def not_addable_message(self, username: str) -> str:
        if self.by_superuser:
            return f"There is no active login named {username!r}; create it first."
        # One sentence for every refusal, so it does not tell whether the login exists elsewhere.
        return (
            f"{username!r} is not a login you can add. Ask a superuser to create it, or to add "
            "someone who already works for another organization."
        )


class MembershipFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            username = form.cleaned_data.get("username")
            if username in seen:
                raise ValidationError(f"{username} is listed twice.")
            seen.add(username)


class MembershipInline(OrganizationScopedInline, admin.TabularInline):
    model = Membership
    form = MembershipForm
    formset = MembershipFormSet
    organization_path = ""
    extra = 0
    verbose_name = "staff member"
    verbose_name_plural = "Staff members (organization admins manage them)"

    def get_fields(self, request, obj=None):
        # A read-only inline renders model attributes, and "username" is a form field only.
        return ("username", "role") if self.has_change_permission(request, obj) else ("user", "role")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # The form's own class per request: a superuser may add any active login, with plain answers.
        formset.form = type(formset.form.__name__, (formset.form,), {"by_superuser": request.user.is_superuser})
        return formset


class OrganizationForm(WriteOnlySecretsForm):
    secret_fields = ("mobilize_api_key",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in (("mobilize_api_key", "Mobilize API key"), ("mobilize_base_url", "Mobilize base URL")):
            if name in self.fields:
                self.fields[name].label = label


@admin.register(Organization)
class OrganizationAdmin(WriteOnlySecretsAdmin, OrganizationScopedAdmin):
    organization_path = ""
    # A new tenant or its removal is a superuser's decision; organization admins edit their own.
    add_role = delete_role = None
    form = OrganizationForm
    secret_fields = ("mobilize_api_key",)
    inlines = [MembershipInline]
    actions = [refresh_from_mobilize]
    list_display = ("name", "mobilize_id", "mobilize_base_url", "firewall_side", "api_key", "integration_count")
    search_fields = ("name", "=mobilize_id")
    readonly_fields = ("firewall_side",)
    fieldsets = (
        (None, {"fields": ("name", "mobilize_id", "mobilize_base_url", "firewall_side")}),
        ("Credentials", {"fields": ("mobilize_api_key",)}),
    )

    @admin.display(description="API key")
    def api_key(self, obj: Organization) -> str:
        return secret_status(obj, "mobilize_api_key")

    @admin.display(description="Mobilize API key")
    def mobilize_api_key_status(self, obj: Organization) -> str:
        return secret_status(obj, "mobilize_api_key")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(integration_total=Count("integrations"))

    @admin.display(description="Integrations", ordering="integration_total")
    def integration_count(self, obj: Organization) -> int:
        return obj.integration_total


class ActionKitConnectionForm(WriteOnlySecretsForm):
    secret_fields = ("password",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "base_url" in self.fields:
            self.fields["base_url"].label = "Base URL"


@admin.register(ActionKitConnection)
class ActionKitConnectionAdmin(WriteOnlySecretsAdmin, OrganizationScopedAdmin):
    form = ActionKitConnectionForm
    secret_fields = ("password",)
    list_display = ("name", "organization", "base_url", "username", "password_set")
    list_filter = (("organization", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("organization",)
    search_fields = ("name", "base_url", "username")
    fieldsets = ((None, {"fields": ("organization", "name", "base_url", "username", "password")}),)

    @admin.display(description="Password")
    def password_set(self, obj: ActionKitConnection) -> str:
        return secret_status(obj, "password")

    @admin.display(description="Password")
    def password_status(self, obj: ActionKitConnection) -> str:
        return secret_status(obj, "password")


__all__ = ["ADMIN", "ActionKitConnectionAdmin", "MembershipInline", "OrganizationAdmin"]
