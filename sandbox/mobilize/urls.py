"""Routes of the emulated Mobilize API, mounted at /sandbox/mobilize/v1/ (the real one: https://api.mobilize.us/v1).

Mobilize's paths have no trailing slash; one is tolerated. Every route is exempt from Django's
CSRF check (an API takes bearer keys, not cookies), so a POST or PUT to a read-only path gets the
API's own 405 in the error envelope; any other path gets the envelope's 404.
"""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

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
    ("events", views.deprecated_events),
    ("events/deleted", views.deprecated_deleted_events),
    ("events/<int:event_id>", views.public_event),
    ("enums", views.enums),
]

urlpatterns = [path(route + suffix, csrf_exempt(view)) for route, view in _routes for suffix in ("", "/")]
urlpatterns.append(re_path(r"^.*$", csrf_exempt(views.unknown_path)))
