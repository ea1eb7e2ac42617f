"""Routes under /api/: the viewsets, the OpenAPI schema, and a token endpoint."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("integrations", views.IntegrationViewSet, basename="integration")
router.register("runs", views.SyncRunViewSet, basename="run")
router.register("items", views.SyncItemViewSet, basename="item")
router.register("tracked-links", views.TrackedLinkViewSet, basename="tracked-link")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("auth/token/", obtain_auth_token, name="token"),
    path("", include(router.urls)),
]
