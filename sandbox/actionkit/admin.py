"""Browse and edit the emulated ActionKit instance in the admin (Sandbox: ActionKit)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from .models import Action, ApiUser, Campaign, Event, EventField, EventSignup, EventSignupField, Page, Phone, User


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
    fields = ["name", "type", "title", "status"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "title", "max_event_size", "default_event_size"]
    search_fields = ["name", "title"]
    inlines = [PageInline]


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "type", "campaign", "status"]
    list_filter = ["type", "status"]
    search_fields = ["name", "title"]


class PhoneInline(admin.TabularInline):
    model = Phone
    extra = 0
    fields = ["phone", "type", "source", "normalized_phone"]
    readonly_fields = ["normalized_phone"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["id", "email", "first_name", "last_name", "zip", "created_at"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [PhoneInline]


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
    list_display = ["id", "type", "page", "user", "event", "signup", "source", "created_user", "created_at"]
    list_filter = ["type", "page"]
    search_fields = ["user__email", "source", "akid"]
    raw_id_fields = ["user", "event", "signup"]
