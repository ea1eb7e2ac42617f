"""URL routes: the admin, the REST API (/api/), the health check, tracked links (/l/<code>).

In development, the sandbox APIs too.
"""

from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from integrations import links


def healthz(request):
    """Liveness probe for docker-compose and load balancers."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", include("integrations.api.urls")),
    path("healthz", healthz),
    # Every path under /l/ reaches the view, so any odd code gets its plain 404 (never the DEBUG page).
    re_path(r"^l/(?P<code>.*)$", links.redirect, name="tracked-link"),
]

if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
