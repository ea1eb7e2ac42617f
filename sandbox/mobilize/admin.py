"""Browse and edit the emulated Mobilize in the admin (Sandbox: Mobilize).

Edits go through the models' `save()`, so they bump `modified_date` the way an edit in
Mobilize would, and the next incremental sync sees them.
"""

from __future__ import annotations

from django.contrib import admin

from .models import (
    ApiKey,
    Attendance,
    DeletedEvent,
    Event,
    EventCampaign,
    Location,
    Organization,
    Person,
    Tag,
    Timeslot,
)


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "slug", "is_coordinated", "org_type", "restricts_sharing", "modified_date")
    list_filter = ("is_coordinated", "org_type", "restricts_sharing")
    search_fields = ("=id", "name", "slug")
    filter_horizontal = ("promotes",)
    inlines = [ApiKeyInline]


class LocationInline(admin.StackedInline):
    model = Location
    extra = 0


class TimeslotInline(admin.TabularInline):
    model = Timeslot
    extra = 0
    fields = ("start_date", "end_date", "max_attendees", "is_full", "instructions")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "title",
        "organization",
        "event_type",
        "visibility",
        "address_visibility",
        "approval_status",
        "is_virtual",
        "modified_date",
    )
    list_filter = ("visibility", "address_visibility", "approval_status", "is_virtual", "event_type", "organization")
    list_select_related = ("organization",)
    search_fields = ("=id", "title", "location__locality", "location__postal_code")
    raw_id_fields = ("organization", "event_campaign")
    filter_horizontal = ("tags",)
    inlines = [LocationInline, TimeslotInline]


@admin.register(Timeslot)
class TimeslotAdmin(admin.ModelAdmin):
    list_display = ("id", "event", "start_date", "end_date", "max_attendees", "is_full")
    list_filter = ("is_full",)
    list_select_related = ("event",)
    search_fields = ("=id", "=event__id", "event__title")
    raw_id_fields = ("event",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("id", "user_id", "given_name", "family_name", "email_address", "sms_opt_in_status", "modified_date")
    list_filter = ("sms_opt_in_status", "organizations")
    search_fields = ("=id", "=user_id", "given_name", "family_name", "email_address")
    filter_horizontal = ("organizations",)


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ("id", "person", "event", "timeslot", "sponsor", "status", "attended", "rating", "modified_date")
    list_filter = ("status", "attended", "rating", "sponsor")
    list_select_related = ("person", "event", "timeslot", "sponsor")
    search_fields = ("=id", "person__email_address", "=event__id", "event__title")
    raw_id_fields = ("person", "event", "timeslot", "sponsor")


@admin.register(DeletedEvent)
class DeletedEventAdmin(admin.ModelAdmin):
    list_display = ("id", "organization", "visibility", "deleted_date")
    list_filter = ("visibility", "organization")
    search_fields = ("=id",)
    raw_id_fields = ("organization",)


@admin.register(EventCampaign)
class EventCampaignAdmin(admin.ModelAdmin):
    list_display = ("id", "slug", "organization", "event_create_page_url")
    search_fields = ("=id", "slug")
    raw_id_fields = ("organization",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("id", "name")
    search_fields = ("=id", "name")
