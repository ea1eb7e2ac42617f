"""URL routes of the emulated Action Network API, under /sandbox/actionnetwork/api/v2/ (a trailing
slash is tolerated). Any other path there is a JSON 404."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^people/?$", views.people, name="actionnetwork-people"),
    re_path(r"^people/(?P<person_id>[^/]+)/?$", views.person, name="actionnetwork-person"),
    re_path(r"^.*$", views.unknown_path, name="actionnetwork-unknown-path"),
]
