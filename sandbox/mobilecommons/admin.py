"""Browse the emulated Mobile Commons companies in the admin (Sandbox: Mobile Commons): what a sync wrote.

Profiles, subscriptions and Welcome messages are what a sync writes: they are shown read-only, so
the admin shows what the API made of the requests. Two actions act as the phone's owner: "Text
STOP" and "Text JOIN (first path)", to see a sync meet opt-outs and new opt-ins. Accounts (set a
password) and campaigns with their opt-in paths (a company's staff makes them in Mobile Commons'
own UI) can be edited.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from sandbox.admin import ReadOnlyAdmin, ReadOnlyInline, SecretAccountForm

from .models import Account, Campaign, OptInPath, Profile, Subscription, WelcomeMessage
from .rules import profile_status
from .setup import text_join, text_stop


class AccountForm(SecretAccountForm):
    secret_field, secret_setter = "password", "set_password"

    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set a new password (leave empty to keep the current one).",
    )

    class Meta:
        model = Account
        fields = ["name", "login", "company_key"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    form = AccountForm
    list_display = ["id", "name", "login", "company_key"]
    search_fields = ["name", "login", "company_key"]


class OptInPathInline(admin.TabularInline):
    model = OptInPath
    extra = 0
    fields = ["name"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "active", "account"]
    list_filter = ["account", "active"]
    search_fields = ["name"]
    inlines = [OptInPathInline]


@admin.register(OptInPath)
class OptInPathAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "campaign"]
    list_filter = ["campaign__account", "campaign"]
    search_fields = ["name", "campaign__name"]


class SubscriptionInline(ReadOnlyInline):
    model = Subscription
    fields = ["campaign", "opt_in_path", "status", "activated_at", "opted_out_at"]
    readonly_fields = fields


@admin.register(Profile)
class ProfileAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "phone_number",
        "first_name",
        "last_name",
        "email",
        "status",
        "constituent_id",
        "updated_at",
        "opted_out_at",
    ]
    list_filter = ["account", "source_type", "subscriptions__status"]
    search_fields = ["phone_number", "first_name", "last_name", "email"]
    inlines = [SubscriptionInline]
    actions = ["text_stop_selected", "text_join_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("subscriptions")

    @admin.display(description="Status")
    def status(self, obj: Profile) -> str:
        return profile_status(obj)

    @admin.display(description="Constituent ID")
    def constituent_id(self, obj: Profile) -> str:
        return obj.constituent_id

    @admin.action(description="Text STOP (the selected numbers opt out of everything, for good)")
    def text_stop_selected(self, request, queryset):
        for profile in queryset.select_related("account"):
            text_stop(profile.account, profile.phone_number)
        self.message_user(request, f"{queryset.count()} number(s) texted STOP.", messages.SUCCESS)

    @admin.action(description="Text JOIN (the selected numbers opt in through their company's first opt-in path)")
    def text_join_selected(self, request, queryset):
        joined = refused = 0
        for profile in queryset.select_related("account"):
            path = OptInPath.objects.filter(campaign__account=profile.account).order_by("campaign_id", "id").first()
            if path is None:
                refused += 1
                continue
            before = path.welcome_messages.count()
            text_join(profile.account, profile.phone_number, path)
            if path.welcome_messages.count() > before:
                joined += 1
            else:
                refused += 1
        self.message_user(
            request,
            f"{joined} number(s) subscribed; {refused} not (already or once subscribed, opted out, or no path).",
            messages.SUCCESS,
        )


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ["id", "profile", "campaign", "opt_in_path", "status", "activated_at", "opted_out_at"]
    list_filter = ["campaign", "status"]
    search_fields = ["profile__phone_number", "profile__first_name", "profile__last_name", "campaign__name"]


@admin.register(WelcomeMessage)
class WelcomeMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "phone", "opt_in_path", "sent_at", "account"]
    list_filter = ["account", "opt_in_path"]
    search_fields = ["phone", "opt_in_path__name"]
