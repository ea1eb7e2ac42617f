"""django-filter filtersets of the API's lists."""

from __future__ import annotations

import django_filters

from integrations.models import Integration, SyncItem, SyncRun


class IntegrationFilter(django_filters.FilterSet):
    class Meta:
        model = Integration
        fields = ("organization", "kind", "enabled")


class SyncRunFilter(django_filters.FilterSet):
    started_after = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label="Started at or after (ISO 8601)"
    )
    started_before = django_filters.IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", label="Started before (ISO 8601)"
    )

    class Meta:
        model = SyncRun
        fields = ("integration", "status", "trigger", "dry_run", "full_resync", "started_after", "started_before")


class SyncItemFilter(django_filters.FilterSet):
    integration = django_filters.NumberFilter(field_name="run__integration_id", label="Integration id")
    run = django_filters.NumberFilter(field_name="run_id", label="Run id")

    class Meta:
        model = SyncItem
        fields = ("run", "integration", "action", "stream", "source_type")
