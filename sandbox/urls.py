"""The sandbox's routes: one prefix per emulated system, under /sandbox/ (development and tests only)."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from sandbox.mobilize.views import unknown_path as mobilize_unknown_path

urlpatterns = [
    path("mobilize/v1/", include("sandbox.mobilize.urls")),
    # Anything else under mobilize/ is an API 404 in Mobilize's error envelope, not an HTML page.
    re_path(r"^mobilize(?:/.*)?$", csrf_exempt(mobilize_unknown_path)),
    path("actionkit/", include("sandbox.actionkit.urls")),
    # Every path under pdi/ is PDI's, unknown ones included (a JSON 404 in PDI's envelope).
    path("pdi/", include("sandbox.pdi.urls")),
    # Every path under ascend/ is Ascend's, unknown ones included (a JSON 404 in Ascend's envelope).
    path("ascend/", include("sandbox.ascend.urls")),
    # Every path under mobilecommons/ is Mobile Commons' (the API is at mobilecommons/api/), unknown
    # ones included (a 404 HTML page, as Mobile Commons answers non-200s).
    path("mobilecommons/", include("sandbox.mobilecommons.urls")),
    # Every path under actionnetwork/api/v2/ is Action Network's, unknown ones included (a JSON 404).
    path("actionnetwork/api/v2/", include("sandbox.actionnetwork.urls")),
]
