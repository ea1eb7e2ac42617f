"""URL routes of the emulated Mobile Commons API, under /sandbox/mobilecommons/ (the API is at
api/; a trailing slash is tolerated). Any other path is a 404 HTML page."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^api/profile_update/?$", views.profile_update_view, name="mobilecommons-profile-update"),
    re_path(r"^api/profile/?$", views.profile_view, name="mobilecommons-profile"),
    re_path(r"^api/profiles/?$", views.profiles_view, name="mobilecommons-profiles"),
    re_path(r"^api/profile_opt_out/?$", views.profile_opt_out_view, name="mobilecommons-profile-opt-out"),
    re_path(r"^api/campaigns/?$", views.campaigns_view, name="mobilecommons-campaigns"),
    re_path(r"^.*$", views.unknown_path, name="mobilecommons-unknown-path"),
]
