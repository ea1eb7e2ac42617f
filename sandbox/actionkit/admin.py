"""Browse and edit the emulated ActionKit instance in the admin (Sandbox: ActionKit)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .models import (
    Action,
    ApiUser,
    Campaign,
    Event,
    EventField,
    EventSignup,
    EventSignupField,
    MailingList,
    Page,
    Phone,
    Subscription,
    SubscriptionHistory,
    User,
)


class ApiUserForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set a new password (leave empty to keep the current one).",
    )

    class Meta:
        model = ApiUser
        fields = ["username", "is_active"]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk and not cleaned.get("password"):
            self.add_error("password", "A new API user needs a password.")
        return cleaned

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
        return user


@admin.register(ApiUser)
class ApiUserAdmin(admin.ModelAdmin):
    form = ApiUserForm
    list_display = ["username", "is_active"]


class PageInline(admin.TabularInline):
    model = Page
    extra = 0
    fields = ["name", "type", "title", "list", "status"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "title", "max_event_size", "default_event_size"]
    search_fields = ["name", "title"]
    inlines = [PageInline]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "type", "campaign", "list", "status"]
    list_filter = ["type", "status", "list"]
    search_fields = ["name", "title"]


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0
    fields = ["phone", "type", "source", "normalized_phone"]
    readonly_fields = ["normalized_phone"]


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["list", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["id", "email", "first_name", "last_name", "zip", "subscription_status", "created_at"]
    list_filter = ["subscription_status"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [PhoneInline, SubscriptionInline]


@admin.register(MailingList)
class MailingListAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "is_default"]
    search_fields = ["name"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "list", "created_at"]
    list_filter = ["list"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]


@admin.register(SubscriptionHistory)
class SubscriptionHistoryAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "list", "change", "action", "created_at"]
    list_filter = ["change", "list"]
    search_fields = ["user__email"]
    raw_id_fields = ["user", "action"]


@admin.register(Phone)
class PhoneAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "phone", "type", "source", "normalized_phone"]
    list_filter = ["type", "source"]
    search_fields = ["phone", "normalized_phone", "user__email"]
    raw_id_fields = ["user"]


class EventFieldInline(admin.TabularInline):
    model = EventField
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "campaign", "starts_at", "city", "state", "status", "max_attendees"]
    list_filter = ["status", "campaign", "is_private"]
    search_fields = ["title", "city", "fields__value"]
    raw_id_fields = ["creator"]
    inlines = [EventFieldInline]


@admin.register(EventField)
class EventFieldAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "name", "value"]
    search_fields = ["name", "value"]
    raw_id_fields = ["event"]


class EventSignupFieldInline(admin.TabularInline):
    model = EventSignupField
    extra = 0


@admin.register(EventSignup)
class EventSignupAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "event", "role", "status", "attended"]
    list_filter = ["role", "status", "attended"]
    search_fields = ["user__email", "event__title"]
    raw_id_fields = ["user", "event"]
    inlines = [EventSignupFieldInline]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "type",
        "page",
        "user",
        "event",
        "signup",
        "source",
        "created_user",
        "subscribed_user",
        "created_at",
    ]
    list_filter = ["type", "page"]
    search_fields = ["user__email", "source", "akid"]
    raw_id_fields = ["user", "event", "signup"]
