"""The sandbox's routes: one prefix per emulated system, under /sandbox/ (development and tests only)."""

from django.urls import include, path

urlpatterns = [
    path("mobilize/v1/", include("sandbox.mobilize.urls")),
    path("actionkit/", include("sandbox.actionkit.urls")),
]
