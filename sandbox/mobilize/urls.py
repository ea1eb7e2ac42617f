"""Routes of the emulated Mobilize API, mounted at /sandbox/mobilize/v1/ (the real one: https://api.mobilize.us/v1).

Mobilize's paths have no trailing slash; one is tolerated.
"""

from django.urls import path

from . import views

_routes = [
    ("organizations", views.organizations),
    ("organizations/<int:organization_id>/promoted_organizations", views.promoted_organizations),
    ("organizations/<int:organization_id>/events", views.organization_events),
    ("organizations/<int:organization_id>/events/deleted", views.deleted_events),
    ("organizations/<int:organization_id>/events/<int:event_id>", views.organization_event),
    ("organizations/<int:organization_id>/events/<int:event_id>/attendances", views.event_attendances),
    ("organizations/<int:organization_id>/attendances", views.organization_attendances),
    ("organizations/<int:organization_id>/attendances/<int:attendance_id>", views.organization_attendance),
    ("organizations/<int:organization_id>/people", views.organization_people),
    ("enums", views.enums),
]

urlpatterns = [path(route + suffix, view) for route, view in _routes for suffix in ("", "/")]
