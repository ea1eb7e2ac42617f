"""The API's viewsets: read what the admin shows, and trigger what an operator may.

Every queryset is scoped to the caller's organizations (superusers see all), so another
organization's object is a 404. Actions need the operator role on the object's organization
(a 403 for a viewer). Views are thin: the work is in integrations.services.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import ClassVar

from django.core.exceptions import ValidationError as ModelValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from integrations import ascend_services, services
from integrations.connectors.errors import ConnectorError
from integrations.flows.ascend import reports
from integrations.models import (
    Automation,
    Integration,
    IntegrationKind,
    Membership,
    Organization,
    SyncItem,
    SyncRun,
    TrackedLink,
)

from . import serializers
from .filters import IntegrationFilter, OrderingFilter, SearchFilter, SyncItemFilter, SyncRunFilter

OPERATOR = Membership.Role.OPERATOR


class OrganizationScopedViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only viewset over the rows of the caller's organizations."""

    # The lookup from the model to its Organization ("" for Organization itself).
    organization_path: ClassVar[str] = "organization"

    def get_queryset(self):
        return services.scope_to_user(super().get_queryset(), self.request.user, self.organization_path)

    def require_role(self, organization_id: int, needed: str = OPERATOR) -> None:
        """403 unless the caller's role in the organization includes `needed` (the object is already visible)."""
        if not services.has_role(self.request.user, organization_id, needed):
            raise PermissionDenied(f"Your role in this organization does not allow this (it needs {needed}).")

    def started_runs(self, integration: Integration, newer_than: int) -> list[dict]:
        runs = SyncRun.objects.filter(integration=integration, pk__gt=newer_than).select_related("integration")
        return serializers.SyncRunSerializer(runs.order_by("pk"), many=True).data


def _latest_run_id(integration: Integration) -> int:
    return SyncRun.objects.filter(integration=integration).order_by("-pk").values_list("pk", flat=True).first() or 0


class OrganizationViewSet(OrganizationScopedViewSet):
    """The organizations the caller is a member of."""

    queryset = Organization.objects.all()
    serializer_class = serializers.OrganizationSerializer
    organization_path = ""
    filter_backends = [SearchFilter]
    search_fields = ["name", "=mobilize_id"]


class IntegrationViewSet(OrganizationScopedViewSet):
    """Integrations, their schedule and last run; POST actions run them (operator or admin)."""

    queryset = Integration.objects.select_related(
        "organization", "schedule__interval", "schedule__crontab", "actionkit__connection", "pdi"
    ).prefetch_related("pdi__calendars", "pdi__calendar_mappings")
    serializer_class = serializers.IntegrationSerializer
    filterset_class = IntegrationFilter

    def get_queryset(self):
        return services.with_run_overview(super().get_queryset())

    def _trigger(self, request, **options) -> Response:
        integration = self.get_object()
        self.require_role(integration.organization_id)
        before = _latest_run_id(integration)
        services.trigger_sync(integration, trigger=SyncRun.Trigger.API, **options)
        return Response(
            {"queued": True, "runs": self.started_runs(integration, before)}, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(request=None, responses={202: serializers.RunsStartedSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Sync now: read what changed since the watermarks and write it."""
        return self._trigger(request)

    @extend_schema(request=None, responses={202: serializers.RunsStartedSerializer})
    @action(detail=True, methods=["post"])
    def dry_run(self, request, pk=None):
        """A run that reads and maps everything but writes nothing; its items say what would happen."""
        return self._trigger(request, dry_run=True)

    @extend_schema(request=None, responses={202: serializers.RunsStartedSerializer})
    @action(detail=True, methods=["post"])
    def full_resync(self, request, pk=None):
        """A run from the beginning: ignores the watermarks and the ledger's payload hashes."""
        return self._trigger(request, full_resync=True)

    @extend_schema(request=None, responses={200: serializers.ConnectionTestSerializer})
    @action(detail=True, methods=["post"])
    def test_connection(self, request, pk=None):
        """Check the integration's credentials and settings; `ok` false with `error` when something is wrong."""
        integration = self.get_object()
        self.require_role(integration.organization_id)
        try:
            checks = services.test_connection(integration)
        except (ConnectorError, ValueError) as exc:
            return Response({"ok": False, "error": str(exc)})
        return Response({"ok": True, "checks": list(checks)})


class SyncRunViewSet(OrganizationScopedViewSet):
    """Runs with their counts, per-stream figures and message; POST retry_failed (operator or admin)."""

    queryset = SyncRun.objects.select_related("integration")
    serializer_class = serializers.SyncRunSerializer
    organization_path = "integration__organization"
    filterset_class = SyncRunFilter
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, OrderingFilter]
    ordering_fields = ["started_at", "id", "failed"]

    @extend_schema(request=None, responses={202: serializers.RunsStartedSerializer})
    @action(detail=True, methods=["post"])
    def retry_failed(self, request, pk=None):
        """Retry the failed items of this run (a new run that only retries them)."""
        run = self.get_object()
        self.require_role(run.integration.organization_id)
        before = _latest_run_id(run.integration)
        retried = services.retry_failed_items(run)
        return Response(
            {"queued": bool(retried), "retried": retried, "runs": self.started_runs(run.integration, before)},
            status=status.HTTP_202_ACCEPTED,
        )


class SyncItemViewSet(OrganizationScopedViewSet):
    """What happened to each source record; search by source id, label (email or title) or destination id."""

    queryset = SyncItem.objects.select_related("run").order_by("-id")
    serializer_class = serializers.SyncItemSerializer
    organization_path = "run__integration__organization"
    filterset_class = SyncItemFilter
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, SearchFilter]
    search_fields = ["=source_id", "label", "=destination_id"]


class TrackedLinkViewSet(mixins.CreateModelMixin, OrganizationScopedViewSet):
    """Ascend tracked links: POST one per outgoing message and Mobilize URL, answered with a short URL per phone.

    POSTing the same message id and URL again adds the phones not linked yet (a retry or the next batch
    of a broadcast) and answers the whole tracked link: 201 when it was new, 200 otherwise. An optional
    `automation` (one of the integration's) and `flow_id` tag the message for the Automations and Flow
    reports; GET report/ reports one message, or an automation's or a flow's messages together.
    """

    queryset = TrackedLink.objects.select_related("config").prefetch_related("member_links")
    serializer_class = serializers.TrackedLinkSerializer
    organization_path = "config__integration__organization"

    def get_serializer_class(self):
        return serializers.TrackedLinkCreateSerializer if self.action == "create" else super().get_serializer_class()

    @extend_schema(request=serializers.TrackedLinkCreateSerializer, responses={201: serializers.TrackedLinkSerializer})
    def create(self, request, *args, **kwargs):
        """Create (or extend) the tracked link and its member links; operator or admin."""
        incoming = serializers.TrackedLinkCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        # Another organization's integration is a 404, as everywhere in this API.
        integration = (
            services.scope_to_user(Integration.objects.all(), request.user, "organization")
            .filter(pk=data["integration"])
            .first()
        )
        if integration is None:
            raise NotFound("No such integration.")
        self.require_role(integration.organization_id)
        config = getattr(integration, "ascend", None) if integration.kind == IntegrationKind.ASCEND else None
        if config is None:
            raise ValidationError({"integration": ["Not an Ascend integration."]})
        automation = None
        if data.get("automation") is not None:
            automation = _automation_of(config, data["automation"])
        try:
            tracked, created = ascend_services.track_message(
                config,
                data["message_id"],
                data["url"],
                data["phones"],
                automation=automation,
                flow_id=data.get("flow_id", ""),
            )
        except ModelValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        tracked = self.queryset.get(pk=tracked.pk)
        body = serializers.TrackedLinkSerializer(tracked, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        parameters=[
            OpenApiParameter("integration", int, required=True, description="An Ascend integration's id."),
            OpenApiParameter("message_id", str, description="One outgoing message (give exactly one of the three)."),
            OpenApiParameter("automation", int, description="The messages of one of the integration's automations."),
            OpenApiParameter("flow_id", str, description="The messages of one Ascend flow."),
            OpenApiParameter("url", str, description="One of the group's tracked URLs; all of them when absent."),
            OpenApiParameter("bucket", str, enum=list(reports.BUCKETS), description="The series' step (hour)."),
        ],
        responses={200: serializers.ClickReportSerializer},
    )
    @action(detail=False, methods=["get"])
    def report(self, request):
        """The seed's click-through report of one message, or of an automation's or a flow's messages together:
        the five figures, the URLs and clicks over time."""
        params = serializers.ClickReportQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        integration = (
            services.scope_to_user(Integration.objects.all(), request.user, "organization")
            .filter(pk=data["integration"], kind=IntegrationKind.ASCEND)
            .first()
        )
        config = getattr(integration, "ascend", None) if integration is not None else None
        if config is None:
            raise NotFound("No such Ascend integration.")
        automation = _automation_of(config, data["automation"]) if data.get("automation") is not None else None
        group = reports.Group.of(message_id=data.get("message_id"), automation=automation, flow_id=data.get("flow_id"))
        urls = reports.group_urls(config, group)
        # An automation with nothing tracked yet is a report of zeros; an unknown message or flow id is not found.
        if not urls and group.kind != "automation":
            raise NotFound(f"This integration tracks no links for that {group.kind}.")
        url = data.get("url") or None
        if url is not None and url not in urls:
            raise ValidationError({"url": [f"Not a URL of this {group.kind}; its URLs are: {', '.join(urls)}"]})
        report = reports.group_report(config, group, url)
        series = reports.group_clicks_over_time(config, group, url, data["bucket"])
        body = {
            "integration": integration.pk,
            "message_id": group.message_id,
            "automation": group.automation_id,
            "flow_id": group.flow_id,
            **asdict(report),
            "bucket": data["bucket"],
            "series": [{"start": start, "clicks": clicks, "submissions": subs} for start, clicks, subs in series],
        }
        return Response(serializers.ClickReportSerializer(body).data)


def _automation_of(config, automation_id: int) -> Automation:
    """The integration's automation of that id; any other id (another integration's, another organization's)
    is a 400, which says no more than that."""
    automation = Automation.objects.filter(pk=automation_id, config=config).first()
    if automation is None:
        raise ValidationError({"automation": ["Not an automation of this integration."]})
    return automation
