"""URL routes of the emulated PDI API, under /sandbox/pdi/ (PDI's paths have no trailing slash;
one is tolerated, as ASP.NET's routing does). Any other path is a JSON 404."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^sessions/?$", views.sessions, name="pdi-sessions"),
    re_path(r"^calendars/?$", views.calendars, name="pdi-calendars"),
    re_path(r"^calendars/(?P<calendar_id>[0-9]+)/events/?$", views.calendar_events, name="pdi-calendar-events"),
    re_path(r"^locations/?$", views.locations, name="pdi-locations"),
    re_path(r"^locations/(?P<pk>[0-9]+)/?$", views.location, name="pdi-location"),
    re_path(r"^contacts/?$", views.contact_list, name="pdi-contacts"),
    re_path(r"^contacts/(?P<pk>[0-9]+)/?$", views.contact, name="pdi-contact"),
    re_path(r"^contacts/(?P<pk>[0-9]+)/emails/?$", views.contact_emails, name="pdi-contact-emails"),
    re_path(r"^contacts/(?P<pk>[0-9]+)/phones/?$", views.contact_phones, name="pdi-contact-phones"),
    re_path(r"^events/?$", views.events, name="pdi-events"),
    re_path(r"^events/(?P<pk>[0-9]+)/?$", views.event, name="pdi-event"),
    re_path(r"^events/(?P<event_id>[0-9]+)/invitations/?$", views.invitations, name="pdi-invitations"),
    re_path(r"^events/(?P<event_id>[0-9]+)/invitations/(?P<pk>[0-9]+)/?$", views.invitation, name="pdi-invitation"),
    re_path(r"^eventActivities/?$", views.event_activities, name="pdi-event-activities"),
    re_path(r"^.*$", views.unknown_path, name="pdi-unknown-path"),
]
