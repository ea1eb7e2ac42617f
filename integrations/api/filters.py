"""django-filter filtersets of the API's lists, on one base that makes every bad value a 400.

A filter value reaches the database only after its form field accepted it, so the field must
refuse what the database would refuse: otherwise the error surfaces as a 500 from the query.
`ApiFilterSet` gives every datetime, boolean and integer filter such a field (declared or
generated from a model field; dates and text need none: Django's own fields refuse what
PostgreSQL would), and every foreign-key choice is limited to the caller's organizations, so a
400 never tells whether another organization's id exists.
"""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_filters.fields import IsoDateTimeField
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_filters
from rest_framework import serializers

from integrations import services
from integrations.models import Integration, Organization, SyncItem, SyncRun

# PostgreSQL's bigint, the widest integer column we have (ids are BigAutoField).
BIGINT_MAX = 2**63 - 1


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, handed on in UTC.

    ISO 8601 and Python allow offsets up to ±23:59, PostgreSQL only up to ±15:59 ("time zone
    displacement out of range"), and an offset can push a date past year 1 or 9999. Converting
    here compares the same instant and keeps both problems out of the query.
    """

    default_error_messages = {
        "out_of_range": "Enter a date and time between the years 1 and 9999 (in UTC).",
    }

    def to_python(self, value):
        parsed: datetime | None = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None


class BooleanField(forms.Field):
    """true or false (also 1 or 0, any case); anything else is an error, not "no filter"."""

    widget = forms.TextInput  # the raw value: a select widget maps what it does not know to None
    default_error_messages = {"invalid": "Enter true or false."}
    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def validate(self, value) -> None:
        """Nothing left to check: `to_python` refused every other value, and None means "no filter"."""
        return None


class BooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanField


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """A datetime filter that accepts any ISO 8601 value Python can read and queries in UTC."""

    field_class = UtcDateTimeField


class IntegerField(forms.IntegerField):
    """A whole number within a bigint; "1.5" or "1e3" is an error, not a silent truncation."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", -BIGINT_MAX - 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "format": "int64"})
class IntegerFilter(django_filters.NumberFilter):
    """A number filter over an integer column (django-filter's NumberFilter takes any decimal)."""

    field_class = IntegerField

    def get_max_validator(self):
        return None  # the field's own bounds apply


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(IntegerFilter):
    """An id: a positive whole number."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


def _scoped(path: str):
    """A ModelChoiceFilter queryset of the caller's organizations' rows (the request decides)."""

    def queryset(request):
        model = Organization if path == "" else Integration
        if request is None:  # schema generation: no caller, no rows
            return model.objects.none()
        return services.scope_to_user(model.objects.all(), request.user, path)

    return queryset


class ApiFilterSet(django_filters.FilterSet):
    """The base of every filterset of the API: safe fields for filters generated from model fields."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
        models.DateTimeField: {"filter_class": UtcDateTimeFilter},
        models.AutoField: {"filter_class": IdFilter},
        models.SmallIntegerField: {"filter_class": IntegerFilter},
        models.IntegerField: {"filter_class": IntegerFilter},
        models.PositiveIntegerField: {"filter_class": IntegerFilter},
        models.PositiveSmallIntegerField: {"filter_class": IntegerFilter},
    }


class SearchFilter(drf_filters.SearchFilter):
    """DRF's search, with its refusals (a NUL character PostgreSQL cannot compare) under the parameter's name."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({self.search_param: exc.detail}) from None


class OrderingFilter(drf_filters.OrderingFilter):
    """DRF's ordering, answering an unknown field with a 400 instead of ignoring it."""

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = super().remove_invalid_fields(queryset, fields, view, request)
        unknown = [field for field in fields if field not in valid]
        if unknown:
            names = ", ".join(name for name, _ in self.get_valid_fields(queryset, view, {"request": request}))
            raise serializers.ValidationError(
                {self.ordering_param: [f"Unknown field {unknown[0]!r}: order by {names}, or the same with a '-'."]}
            )
        return valid


class IntegrationFilter(ApiFilterSet):
    organization = django_filters.ModelChoiceFilter(queryset=_scoped(""), label="Organization id")

    class Meta:
        model = Integration
        fields = ("organization", "kind", "enabled")


class SyncRunFilter(ApiFilterSet):
    integration = django_filters.ModelChoiceFilter(queryset=_scoped("organization"), label="Integration id")
    started_after = UtcDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label="Started at or after (ISO 8601)"
    )
    started_before = UtcDateTimeFilter(field_name="started_at", lookup_expr="lt", label="Started before (ISO 8601)")

    class Meta:
        model = SyncRun
        fields = ("integration", "status", "trigger", "dry_run", "full_resync", "started_after", "started_before")


class SyncItemFilter(ApiFilterSet):
    integration = IdFilter(field_name="run__integration_id", label="Integration id")
    run = IdFilter(field_name="run_id", label="Run id")

    class Meta:
        model = SyncItem
        fields = ("run", "integration", "action", "stream", "source_type")
