"""URL routes of the emulated ActionKit REST API, under /sandbox/actionkit/ (every path ends with a slash)."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("rest/v1/action/", views.action, name="actionkit-action"),
    path("rest/v1/campaign/<int:pk>/event_search/", views.event_search, name="actionkit-event-search"),
    path("rest/v1/<slug:resource>/", views.collection, name="actionkit-collection"),
    path("rest/v1/<slug:resource>/schema/", views.schema, name="actionkit-schema"),
    path("rest/v1/<slug:resource>/<int:pk>/", views.detail, name="actionkit-detail"),
    re_path(r"^(?P<path>rest/v1/.*[^/])$", views.add_slash, name="actionkit-add-slash"),
]
