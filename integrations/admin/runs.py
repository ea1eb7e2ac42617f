"""What the engine recorded: runs, their items, the retry queue, the ledger and watermarks (read-only)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from integrations import reporting, services
from integrations.models import Integration, PendingRetry, RecordLink, SyncItem, SyncRun, Watermark

from . import actions
from .scoping import OPERATOR, ReadOnlyScopedAdmin, ZoneSafeChangeList

ITEMS_ON_RUN_PAGE = 25


def integration_filter(lookup: str) -> type[admin.SimpleListFilter]:
    """A list filter by integration whose choices are the user's integrations only (not a scan of the rows)."""

    class IntegrationFilter(admin.SimpleListFilter):
        title = "integration"
        parameter_name = "integration"

        def lookups(self, request, model_admin):
            integrations = services.scope_to_user(
                Integration.objects.select_related("organization"), request.user, "organization"
            )
            many_orgs = len({i.organization_id for i in integrations}) > 1
            return [(str(i.pk), f"{i.organization.name} / {i.name}" if many_orgs else i.name) for i in integrations]

        def queryset(self, request, queryset):
            value = self.value()
            if value is None:
                return queryset
            if not value.isdigit():
                return queryset.none()
            return queryset.filter(**{lookup: int(value)})

    return IntegrationFilter


class RunFilter(admin.SimpleListFilter):
    """?run=<id>: the items of one run (the run page links here); lists only the selected run."""

    title = "run"
    parameter_name = "run"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, f"Run #{value}")] if value and value.isdigit() else []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(run_id=int(value)) if value.isdigit() else queryset.none()


class IntegrationColumn:
    """A short integration column (the integration's str also names its kind, too long for a list)."""

    @admin.display(description="Integration", ordering="integration__name")
    def integration_name(self, obj) -> str:
        return obj.integration.name


def items_csv_url(**params: object) -> str:
    """The Download CSV link of the items matching `params` (the item list's filters)."""
    url = reverse("admin:integrations_syncitem_export")
    return f"{url}?{urlencode(params)}" if params else url


def items_url(run: SyncRun, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"run": run.pk, **params}.items())
    return reverse("admin:integrations_syncitem_changelist") + "?" + query


@admin.register(SyncRun)
class SyncRunAdmin(IntegrationColumn, ReadOnlyScopedAdmin):
    organization_path = "integration__organization"
    change_form_template = "admin/integrations/syncrun/change_form.html"
    list_display = (
        "run_number",
        "integration_name",
        "status",
        "trigger",
        "started_at",
        "duration_display",
        "fetched",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "failed",
        "dry_run",
        "full_resync",
    )
    list_display_links = ("run_number",)
    list_filter = (
        "status",
        integration_filter("integration_id"),
        ("started_at", admin.DateFieldListFilter),
        "trigger",
        "dry_run",
        "full_resync",
    )
    list_select_related = ("integration__organization",)
    actions = ["retry_failed_items"]
    fieldsets = (
        (
            None,
            {"fields": ("integration", "status", "trigger", "flags", "started_at", "finished_at", "duration_display")},
        ),
        ("Counts", {"fields": ("counts_table",)}),
        ("Streams", {"fields": ("streams_table",)}),
        ("Message", {"fields": ("message",)}),
    )
    readonly_fields = ("flags", "duration_display", "counts_table", "streams_table")

    @admin.display(description="Run", ordering="id")
    def run_number(self, obj: SyncRun) -> str:
        return f"#{obj.pk}"

    @admin.display(description="Duration")
    def duration_display(self, obj: SyncRun) -> str:
        return f"{max(obj.duration.total_seconds(), 0):.1f} s" if obj.duration is not None else "-"

    @admin.display(description="Flags")
    def flags(self, obj: SyncRun) -> str:
        names = [
            label
            for flag, label in (("dry_run", "dry run"), ("full_resync", "full resync"), ("retry_only", "retry only"))
            if getattr(obj, flag)
        ]
        return ", ".join(names) or "-"

    @admin.display(description="Counts")
    def counts_table(self, obj: SyncRun) -> str:
        return render_to_string(
            "admin/integrations/syncrun/counts.html",
            {"counts": [(name, getattr(obj, name)) for name in SyncRun.COUNTERS], "run": obj},
        )

    @admin.display(description="Per stream")
    def streams_table(self, obj: SyncRun) -> str:
        rows = []
        for name, stats in (obj.streams or {}).items():
            rows.append(
                {
                    "name": name,
                    "counts": [stats.get(counter, 0) for counter in SyncRun.COUNTERS],
                    "before": _position(stats, "before"),
                    "after": _position(stats, "after"),
                    "status": stats.get("status", ""),
                    "seconds": stats.get("seconds", ""),
                }
            )
        return render_to_string("admin/integrations/syncrun/streams.html", {"rows": rows, "counters": SyncRun.COUNTERS})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if run is not None:
            items = run.items.order_by("id")
            # Support staff come for the failures: show those first-hand, the rest behind a link.
            preview = items.filter(action=SyncItem.Action.FAILED) if run.failed else items
            preview = preview.select_related("resolved_by")
            open_count = services.open_failures(run).count() if run.failed and not run.dry_run else 0
            resolved_count = run.items.filter(action=SyncItem.Action.FAILED, resolved_by__isnull=False).count()
            extra_context.update(
                items=preview[:ITEMS_ON_RUN_PAGE],
                items_total=items.count(),
                items_url=items_url(run),
                failed_items_url=items_url(run, action__exact=SyncItem.Action.FAILED),
                items_csv_url=items_csv_url(run=run.pk),
                items_changelist=reverse("admin:integrations_syncitem_changelist"),
                can_retry=open_count > 0 and self.has_run_permission(request, run),
                open_failures=open_count,
                resolved_failures=resolved_count,
                retry_url=reverse("admin:integrations_syncrun_retry", args=[run.pk]),
                progress_url=reverse("admin:integrations_syncrun_progress", args=[run.pk]),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/retry-failed/",
                self.admin_site.admin_view(self.retry_view),
                name="integrations_syncrun_retry",
            ),
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="integrations_syncrun_progress",
            ),
        ]
        return custom + super().get_urls()

    def progress_view(self, request, object_id: str):
        """GET: a run's live figures as JSON, for the run page to follow without a reload."""
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404("No such run.")
        return JsonResponse(run_progress(run))

    def retry_view(self, request, object_id: str):
        """POST: Retry failed items of one run."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        run = self.get_object(request, unquote(object_id))
        if run is None:
            raise Http404("No such run.")
        if not self.has_run_permission(request, run):
            raise PermissionDenied
        actions.retry_run(request, run)
        return HttpResponseRedirect(reverse("admin:integrations_syncrun_change", args=[run.pk]))

    @admin.action(description="Retry failed items", permissions=["run"])
    def retry_failed_items(self, request, queryset):
        allowed = self.scope(request, queryset, OPERATOR).select_related("integration")
        refused = queryset.count() - allowed.count()
        if refused:
            messages.warning(request, f"{refused} selected run(s) skipped: your role there is viewer.")
        for run in allowed:
            actions.retry_run(request, run)


def run_progress(run: SyncRun) -> dict:
    """What a person watching a run wants to know: where it is, how far, how fast, how long."""
    finished = run.finished_at is not None
    elapsed = ((run.finished_at or timezone.now()) - run.started_at).total_seconds()
    streams = run.streams or {}
    current = next((name for name, stats in streams.items() if stats.get("status") == "running"), "")
    return {
        "id": run.pk,
        "status": run.status,
        "status_display": run.get_status_display(),
        "finished": finished,
        "stream": current,
        "elapsed_seconds": round(max(elapsed, 0.0), 1),
        "records_done": run.fetched,
        "records_per_second": round(run.fetched / elapsed, 1) if elapsed > 0 else 0.0,
        "counts": {name: getattr(run, name) for name in SyncRun.COUNTERS},
        "streams": {name: {c: stats.get(c, 0) for c in SyncRun.COUNTERS} for name, stats in streams.items()},
    }


def _position(stats: dict, when: str) -> str:
    """A stream's mirror cursor ("seq 812") or its watermark as a time, before or after the run."""
    if f"cursor_{when}" in stats:
        value = stats.get(f"cursor_{when}")
        return f"seq {value}" if value else "-"
    return _timestamp(stats.get(f"watermark_{when}"))


def _timestamp(value) -> str:
    if value in (None, ""):
        return "-"
    try:
        return datetime.fromtimestamp(int(value), tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (TypeError, ValueError, OverflowError):
        return str(value)


class ExportChangeList(ZoneSafeChangeList):
    """The item list's filters, search and scoping without its page of results: the CSV reads the rows."""

    def get_results(self, request) -> None:
        self.result_count = self.full_result_count = 0
        self.result_list = self.queryset.none()
        self.can_show_all = self.multi_page = False


@admin.register(SyncItem)
class SyncItemAdmin(ReadOnlyScopedAdmin):
    """The synchronization report: one row per record per run, filterable, searchable, exportable as CSV."""

    organization_path = "run__integration__organization"
    change_list_template = "admin/integrations/syncitem/change_list.html"
    list_display = (
        "id",
        "run_link",
        "integration_name",
        "stream",
        "source_id",
        "label",
        "action",
        "destination_id",
        "short_error",
        "retry_count",
        "created_at",
    )
    list_filter = (RunFilter, "action", "stream", integration_filter("run__integration_id"))
    search_fields = ("=source_id", "label", "=destination_id")
    search_help_text = "Source id or destination id (exact), or part of the label (email or title)."
    list_select_related = ("run__integration",)
    show_full_result_count = False
    ordering = ("-id",)
    fields = (
        "run_link",
        "stream",
        "source_type",
        "source_id",
        "label",
        "action",
        "destination_type",
        "destination_id",
        "error",
        "retryable",
        "retry_count",
        "created_at",
    )

    def get_urls(self):
        custom = [
            path("export.csv", self.admin_site.admin_view(self.export_view), name="integrations_syncitem_export"),
        ]
        return custom + super().get_urls()

    def get_changelist(self, request, **kwargs):
        if getattr(request, "_sync_items_export", False):
            return ExportChangeList
        return super().get_changelist(request, **kwargs)

    def export_view(self, request):
        """GET: the items the list shows for the same query (filters and search) as CSV, streamed.

        The list's own queryset (scoped to the user's organizations) is filtered exactly as the
        list is, then read in chunks by id: the download starts at once and memory stays flat.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        request._sync_items_export = True
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("These filters are not valid for the item list.", content_type="text/plain")
        run = request.GET.get("run", "")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        name = f"sync-items-run-{run}.csv" if run.isdigit() else f"sync-items-{stamp}.csv"
        response = StreamingHttpResponse(
            reporting.items_csv_lines(changelist.queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.display(description="Run", ordering="run_id")
    def run_link(self, obj: SyncItem) -> str:
        return format_html('<a href="{}">#{}</a>', actions.run_url_for(obj.run_id), obj.run_id)

    @admin.display(description="Integration")
    def integration_name(self, obj: SyncItem) -> str:
        return obj.run.integration.name

    @admin.display(description="Error")
    def short_error(self, obj: SyncItem) -> str:
        return obj.error if len(obj.error) <= 120 else obj.error[:117] + "..."


@admin.register(PendingRetry)
class PendingRetryAdmin(IntegrationColumn, ReadOnlyScopedAdmin):
    """The retry queue. The stored source record is not shown: it may hold personal data."""

    organization_path = "integration__organization"
    list_display = (
        "integration_name",
        "stream",
        "source_id",
        "label",
        "attempts",
        "retryable",
        "short_error",
        "first_failed_at",
        "last_failed_at",
    )
    list_filter = (integration_filter("integration_id"), "stream", "retryable")
    search_fields = ("=source_id", "label")
    list_select_related = ("integration__organization",)
    fields = (
        "integration",
        "stream",
        "source_id",
        "label",
        "error",
        "retryable",
        "attempts",
        "first_failed_at",
        "last_failed_at",
    )
    actions = ["retry_now"]

    @admin.display(description="Error")
    def short_error(self, obj: PendingRetry) -> str:
        return obj.error if len(obj.error) <= 120 else obj.error[:117] + "..."

    @admin.action(description="Retry now", permissions=["run"])
    def retry_now(self, request, queryset):
        allowed = list(self.scope(request, queryset, OPERATOR).select_related("integration"))
        refused = queryset.count() - len(allowed)
        if refused:
            messages.warning(request, f"{refused} selected record(s) skipped: your role there is viewer.")
        before = {i.pk: actions.latest_run_id(i) for i in {e.integration for e in allowed}}
        retried = services.retry_pending(allowed)
        for integration in {e.integration for e in allowed}:
            actions.report_started_runs(
                request, integration, f"Retry of {retried[integration.pk]} queued record(s)", before[integration.pk]
            )


@admin.register(RecordLink)
class RecordLinkAdmin(IntegrationColumn, ReadOnlyScopedAdmin):
    """The ledger: where did this record go?"""

    organization_path = "integration__organization"
    list_display = ("integration_name", "source_type", "source_id", "destination_type", "destination_id", "synced_at")
    list_filter = (integration_filter("integration_id"), "source_type", "destination_type")
    search_fields = ("=source_id", "=destination_id")
    search_help_text = "A source id or a destination id (exact)."
    list_select_related = ("integration__organization",)
    show_full_result_count = False
    fields = (
        "integration",
        "source_type",
        "source_id",
        "destination_type",
        "destination_id",
        "payload_hash",
        "extra",
        "synced_at",
        "created_at",
    )


@admin.register(Watermark)
class WatermarkAdmin(IntegrationColumn, ReadOnlyScopedAdmin):
    organization_path = "integration__organization"
    list_display = ("integration_name", "stream", "value", "as_time", "updated_at")
    list_filter = (integration_filter("integration_id"),)
    list_select_related = ("integration__organization",)
    fields = ("integration", "stream", "value", "as_time", "updated_at")
    readonly_fields = ("as_time",)

    @admin.display(description="Read up to")
    def as_time(self, obj: Watermark) -> str:
        return _timestamp(obj.value)
