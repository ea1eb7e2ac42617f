"""Browse the emulated PDI account in the admin (Sandbox: PDI): what a sync wrote, and the sessions.

Contacts, events and invitations are what a sync writes: they are shown read-only, so the admin
shows what the API made of the requests. API users, calendars and locations can be edited (an
account's staff makes calendars in PDI's own UI). Sessions can be ended on demand, to see a
client renew its session in the middle of a run.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from sandbox.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import (
    ApiUser,
    Calendar,
    Contact,
    ContactEmail,
    ContactPhone,
    Event,
    EventActivity,
    Invitation,
    Location,
    Session,
)
from .setup import expire_sessions


class ApiUserForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set a new password (leave empty to keep the current one).",
    )
    api_token = forms.CharField(
        label="API token",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Set a new API token (leave empty to keep the current one).",
    )

    class Meta:
        model = ApiUser
        fields = ["username", "is_active", "session_seconds"]

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            for name in ("password", "api_token"):
                if not cleaned.get(name):
                    self.add_error(name, "A new API user needs a password and an API token.")
        return cleaned

    def save(self, commit: bool = True):
        user = super().save(commit=False)
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        if self.cleaned_data.get("api_token"):
            user.set_api_token(self.cleaned_data["api_token"])
        if commit:
            user.save()
        return user


@admin.register(ApiUser)
class ApiUserAdmin(admin.ModelAdmin):
    form = ApiUserForm
    list_display = ["username", "is_active", "session_seconds", "live_sessions"]
    actions = ["expire_user_sessions"]

    @admin.display(description="Live sessions")
    def live_sessions(self, obj: ApiUser) -> int:
        return obj.sessions.live().count()

    @admin.action(description="End the selected users' sessions now (their next request gets 401)")
    def expire_user_sessions(self, request, queryset):
        ended = expire_sessions(list(queryset))
        self.message_user(request, f"Ended {ended} live session(s).", messages.SUCCESS)


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "created_at", "expires_at", "live"]
    list_filter = ["user"]
    fields = ["user", "created_at", "expires_at"]
    readonly_fields = fields
    actions = ["expire_selected", "expire_all"]

    @admin.display(boolean=True, description="Live")
    def live(self, obj: Session) -> bool:
        return obj.is_live

    @admin.action(description="End the selected sessions now")
    def expire_selected(self, request, queryset):
        ended = queryset.filter(expires_at__gt=timezone.now()).update(expires_at=timezone.now())
        self.message_user(request, f"Ended {ended} live session(s).", messages.SUCCESS)

    @admin.action(description="End every live session now (whatever is selected)")
    def expire_all(self, request, queryset):
        self.message_user(request, f"Ended {expire_sessions()} live session(s).", messages.SUCCESS)


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "time_zone", "description"]
    search_fields = ["name"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["id", "location_name", "location_address"]
    search_fields = ["location_name", "location_address"]


class ContactEmailInline(ReadOnlyInline):
    model = ContactEmail
    fields = ["email_address", "is_primary", "created_at"]
    readonly_fields = fields


class ContactPhoneInline(ReadOnlyInline):
    model = ContactPhone
    fields = ["phone_number", "phone_type", "extension", "is_primary", "created_at"]
    readonly_fields = fields


class ContactInvitationInline(ReadOnlyInline):
    model = Invitation
    fk_name = "contact"
    fields = ["event", "rsvp_status", "is_confirmed", "attended", "specific_ocurrence_start_utc", "updated_at"]
    readonly_fields = fields


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["id", "first_name", "last_name", "primary_email", "created_at", "updated_at"]
    search_fields = ["first_name", "last_name", "emails__email_address", "phones__phone_number"]
    inlines = [ContactEmailInline, ContactPhoneInline, ContactInvitationInline]

    @admin.display(description="Email")
    def primary_email(self, obj: Contact) -> str:
        rows = sorted(obj.emails.all(), key=lambda row: (not row.is_primary, row.pk))
        return rows[0].email_address if rows else ""

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("emails")


@admin.register(ContactEmail)
class ContactEmailAdmin(ReadOnlyAdmin):
    list_display = ["id", "email_address", "is_primary", "contact", "created_at"]
    list_filter = ["is_primary"]
    search_fields = ["email_address", "contact__first_name", "contact__last_name"]


@admin.register(ContactPhone)
class ContactPhoneAdmin(ReadOnlyAdmin):
    list_display = ["id", "phone_number", "phone_type", "is_primary", "contact", "created_at"]
    list_filter = ["phone_type", "is_primary"]
    search_fields = ["phone_number", "contact__first_name", "contact__last_name"]


class EventInvitationInline(ReadOnlyInline):
    model = Invitation
    fk_name = "event"
    fields = ["contact", "rsvp_status", "is_confirmed", "attended", "specific_ocurrence_start_utc", "updated_at"]
    readonly_fields = fields


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "calendar", "location", "start_date_time_utc", "end_date_time_utc", "is_all_day"]
    list_filter = ["calendar", "is_all_day", "recurrence_type"]
    search_fields = ["name", "description", "location__location_name"]
    date_hierarchy = "start_date_time_utc"
    inlines = [EventInvitationInline]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["id", "event", "contact", "rsvp_status", "is_confirmed", "attended", "updated_at"]
    list_filter = ["rsvp_status", "is_confirmed", "attended", "event__calendar"]
    search_fields = ["event__name", "contact__first_name", "contact__last_name", "contact__emails__email_address"]


@admin.register(EventActivity)
class EventActivityAdmin(ReadOnlyAdmin):
    list_display = ["id", "name", "event", "calendar", "start_date_time_utc", "end_date_time_utc", "count_goal"]
    list_filter = ["calendar"]
    search_fields = ["name", "event__name"]
