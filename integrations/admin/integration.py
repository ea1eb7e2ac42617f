"""Integrations: list, settings per kind, schedule, run buttons and the mapping table."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from integrations import services
from integrations.engine.lock import lock_state
from integrations.engine.recovery import release_stale_lock
from integrations.flows.registry import get_flow
from integrations.models import ActionKitConfig, Integration, IntegrationKind, SyncRun

from . import actions
from .kinds import actions_for, has_own_schedules, inlines_for, kind_action, panel_for, register_kind_inline, set_up
from .scoping import OPERATOR, OrganizationScopedAdmin, OrganizationScopedInline


class IntegrationForm(forms.ModelForm):
    """The integration's fields plus its schedule (stored in a django-celery-beat PeriodicTask)."""

    schedule_every_minutes = forms.IntegerField(
        label="Run every (minutes)",
        required=False,
        min_value=1,
        max_value=7 * 24 * 60,
        help_text="Either an interval or a crontab line; leave both blank to run only on demand.",
    )
    schedule_crontab = forms.CharField(
        label="or on a crontab line",
        required=False,
        max_length=120,
        help_text="Five fields, in the time zone beside it: minute hour day-of-month month day-of-week, e.g. "
        '"*/30 6-22 * * *".',
    )
    schedule_timezone = forms.CharField(
        label="in the time zone",
        required=False,
        max_length=64,
        initial="UTC",
        help_text='The crontab line\'s time zone, an IANA name: "UTC" (blank means UTC), "America/New_York".',
    )

    class Meta:
        model = Integration
        fields = ("organization", "kind", "name", "enabled", "follows_mirror")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        task = self.instance.schedule if self.instance.pk else None
        if task is None and not self.instance.pk:
            self.initial.setdefault("schedule_every_minutes", services.DEFAULT_SCHEDULE_MINUTES)
        elif task is not None and task.interval_id and task.interval.period == "minutes":
            self.initial.setdefault("schedule_every_minutes", task.interval.every)
        elif task is not None and task.crontab_id:
            c = task.crontab
            self.initial.setdefault(
                "schedule_crontab", f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"
            )
            # The page shows (and a save keeps) the zone the crontab is in; UTC is only the default.
            self.initial.setdefault("schedule_timezone", str(c.timezone))

    def clean_schedule_crontab(self) -> str:
        line = " ".join(self.cleaned_data.get("schedule_crontab", "").split())
        if line:
            try:
                services.parse_crontab(line)
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return line

    def clean_schedule_timezone(self) -> str:
        try:
            return services.check_timezone(self.cleaned_data.get("schedule_timezone"))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("schedule_every_minutes") is not None and cleaned.get("schedule_crontab"):
            self.add_error("schedule_crontab", "Choose either an interval or a crontab line, not both.")
        return cleaned


class ActionKitConfigInline(OrganizationScopedInline, admin.StackedInline):
    """The event campaign and pages of an ActionKit integration."""

    model = ActionKitConfig
    organization_path = "organization"
    min_num = 1
    max_num = 1
    can_delete = False
    fields = (
        "connection",
        "campaign_id",
        "event_create_page",
        "event_signup_page",
        "placeholder_email",
        "subscribe_volunteers",
    )
    verbose_name_plural = "ActionKit settings"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("connection")
        if field is not None and obj is not None:
            # Only the integration's own organization's connections (the model's clean says so too).
            field.queryset = field.queryset.filter(organization_id=obj.organization_id)
        return formset


register_kind_inline(IntegrationKind.actionkit_kinds(), ActionKitConfigInline)


def configuration_problems(integration: Integration) -> list[str]:
    """What keeps the integration from running, read from its settings (no remote is asked)."""
    try:
        flow = get_flow(integration)
    except ValueError as exc:
        return [str(exc)]
    return flow.configuration_problems()


def mapping_rows(integration: Integration) -> list[tuple[str, str, str]]:
    """The flow's mapping table; empty for a kind that has no flow yet."""
    try:
        flow = get_flow(integration)
    except ValueError:
        return []
    return list(flow.mapping_table())


@admin.register(Integration)
class IntegrationAdmin(OrganizationScopedAdmin):
    form = IntegrationForm
    change_form_template = "admin/integrations/integration/change_form.html"
    list_display = (
        "name",
        "organization",
        "kind",
        "enabled",
        "schedule_display",
        "last_run",
        "last_run_time",
        "pending_failures_display",
    )
    list_display_links = ("name",)
    list_filter = ("kind", "enabled", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "organization__name")
    actions = ["sync_now", "dry_run", "full_resync", "test_connection"]
    fieldsets = (
        (None, {"fields": ("organization", "kind", "name", "enabled")}),
        (
            "Schedule",
            {
                "fields": (
                    "cadence",
                    "follows_mirror",
                    "schedule_every_minutes",
                    ("schedule_crontab", "schedule_timezone"),
                )
            },
        ),
    )

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            # anmc: the Action Network <-> Mobile Commons settings say when that kind runs (schedule_summary).
            .select_related("organization", "schedule__interval", "schedule__crontab", "anmc")
        )
        return services.with_run_overview(queryset)

    def has_delete_permission(self, request, obj=None):
        # The mirror feeds every Mobilize-source integration of its organization.
        if obj is not None and not services.mirror_deletable(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Runs, links and settings belong to one organization and one kind: both are fixed once created.
        return ("organization", "kind", "cadence") if obj is not None else ()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = set()
        if obj is None:
            hidden.add("cadence")  # nothing to summarise before the integration exists
        if obj is not None and obj.kind not in IntegrationKind.mobilize_source_kinds():
            hidden.add("follows_mirror")  # only the mirror's fan-out reads it
        if obj is not None and has_own_schedules(obj.kind):
            # The kind's own settings say when it runs (e.g. Activate): no interval or crontab here.
            hidden.update({"schedule_every_minutes", ("schedule_crontab", "schedule_timezone")})
        if not hidden:
            return fieldsets
        return [
            (title, {**options, "fields": tuple(f for f in options["fields"] if f not in hidden)})
            for title, options in fieldsets
        ]

    def get_inlines(self, request, obj):
        return inlines_for(obj.kind) if obj is not None else []

    # --- the list -------------------------------------------------------------------------
    @admin.display(description="Schedule")
    def schedule_display(self, obj: Integration) -> str:
        return services.schedule_summary(obj)

    @admin.display(description="When it runs")
    def cadence(self, obj: Integration) -> str:
        return services.cadence_summary(obj)

    @admin.display(description="Last run", ordering="last_run_status")
    def last_run(self, obj: Integration) -> str:
        if not getattr(obj, "last_run_id", None):
            return "never run"
        label = SyncRun.Status(obj.last_run_status).label if obj.last_run_status else "-"
        return format_html(
            '<a href="{}" class="run-status run-{}">{}</a>',
            actions.run_url_for(obj.last_run_id),
            obj.last_run_status,
            label,
        )

    @admin.display(description="Last run at", ordering="last_run_started_at")
    def last_run_time(self, obj: Integration):
        return obj.last_run_started_at

    @admin.display(description="Pending failures", ordering="pending_failures")
    def pending_failures_display(self, obj: Integration):
        if not obj.pending_failures:
            return 0
        url = reverse("admin:integrations_pendingretry_changelist") + f"?integration={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.pending_failures)

    # --- saving ---------------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if has_own_schedules(obj.kind):
            # Its schedules are its own (a new one's form still had the interval's default): none here.
            services.set_schedule(obj)
        else:
            services.set_schedule(
                obj,
                every_minutes=form.cleaned_data.get("schedule_every_minutes"),
                crontab=form.cleaned_data.get("schedule_crontab") or None,
                timezone=form.cleaned_data.get("schedule_timezone") or "UTC",
            )
        if not change:
            set_up(obj)

    def response_add(self, request, obj, post_url_continue=None):
        if inlines_for(obj.kind) and "_addanother" not in request.POST and "_popup" not in request.POST:
            messages.info(request, f"Now fill in the {obj.get_kind_display()} settings below.")
            return HttpResponseRedirect(reverse("admin:integrations_integration_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    # --- the change page --------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if obj is not None:
            extra_context.update(
                configuration_problems=configuration_problems(obj),
                mapping_table=mapping_rows(obj),
                recent_runs=obj.runs.order_by("-started_at", "-id")[:10],
                can_run=self.has_run_permission(request, obj),
                runs_url=actions.runs_url(obj),
                action_urls={
                    name: reverse("admin:integrations_integration_action", args=[obj.pk, name])
                    for name in (*actions.RUN_ACTIONS, "test_connection")
                },
                run_labels={name: label for name, (label, _) in actions.RUN_ACTIONS.items()},
                kind_actions=[
                    {
                        "name": action.name,
                        "label": action.label,
                        "description": action.description,
                        "url": reverse("admin:integrations_integration_action", args=[obj.pk, action.name]),
                    }
                    for action in actions_for(obj.kind)
                    if action.shown_for(obj) and self._may(request, obj, action.role)
                ],
                lock=lock_state(obj.pk),
                can_release_lock=self.has_change_permission(request, obj),
                release_lock_url=reverse("admin:integrations_integration_release_lock", args=[obj.pk]),
            )
            panel = panel_for(obj.kind)
            if panel is not None:
                extra_context["kind_panel"] = {
                    **panel.context(request, obj, lambda role: self._may(request, obj, role)),
                    "template": panel.template,
                }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        custom = [
            path(
                "<path:object_id>/action/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="integrations_integration_action",
            ),
            path(
                "<path:object_id>/lock/release/",
                self.admin_site.admin_view(self.release_lock_view),
                name="integrations_integration_release_lock",
            ),
            path(
                "<path:object_id>/click-report/",
                self.admin_site.admin_view(self.click_report_view),
                name="integrations_integration_click_report",
            ),
            path(
                "<path:object_id>/field-mappings/",
                self.admin_site.admin_view(self.field_mappings_view),
                name="integrations_integration_field_mappings",
            ),
        ]
        return custom + super().get_urls()

    def action_view(self, request: HttpRequest, object_id: str, action: str):
        """POST: one of the buttons of the change page, for one integration."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self.get_object(request, unquote(object_id))
        own = kind_action(obj.kind, action) if obj is not None else None
        if obj is None or (action not in actions.RUN_ACTIONS and action != "test_connection" and own is None):
            raise Http404("No such integration or action.")
        if not self._may(request, obj, own.role if own is not None else "run"):
            raise PermissionDenied
        if own is not None:
            own.handler(request, obj)
        elif action == "test_connection":
            actions.check_connection(request, obj)
        else:
            actions.start_run(request, obj, action)
        return HttpResponseRedirect(reverse("admin:integrations_integration_change", args=[obj.pk]))

    def _may(self, request: HttpRequest, obj: Integration, role: str) -> bool:
        """A kind action's role: "change" needs the admin role, "run" the operator role."""
        if role == "change":
            return self.has_change_permission(request, obj)
        return self.has_run_permission(request, obj)

    def click_report_view(self, request: HttpRequest, object_id: str):
        """GET: an Ascend message's Click-through report (the Ascend admin builds it)."""
        from .ascend import click_report_view

        return click_report_view(self, request, unquote(object_id))

    def field_mappings_view(self, request: HttpRequest, object_id: str):
        """GET/POST: Edit Field Mappings of an Action Network <-> Mobile Commons integration (org admins)."""
        from .anmc import field_mappings_view

        return field_mappings_view(self, request, unquote(object_id))

    def release_lock_view(self, request: HttpRequest, object_id: str):
        """GET: what holds the lock and a confirmation; POST: release it if its holder is dead (org admins)."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such integration.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        change_url = reverse("admin:integrations_integration_change", args=[obj.pk])
        if request.method == "POST":
            result = release_stale_lock(obj, released_by=request.user.get_username())
            if result is None:
                messages.error(
                    request,
                    "Not released: a live run holds the lock (its worker is alive). Releasing it would let two "
                    "runs write at once; it is freed when that run ends, or when its worker stops.",
                )
            elif not result.freed and not result.interrupted:
                messages.info(request, "The lock was already free.")
            else:
                runs = ", ".join(f"#{pk}" for pk in result.interrupted) or "none"
                queued = " A recovery run is queued." if result.recovery_queued else ""
                messages.success(request, f"Lock released; runs marked interrupted: {runs}.{queued}")
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": f"Release the lock of {obj.name}?",
            "lock": lock_state(obj.pk),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/integrations/integration/release_lock.html", context)

    # --- changelist actions ---------------------------------------------------------------
    def _runnable(self, request, queryset):
        allowed = list(self.scope(request, queryset, OPERATOR))
        refused = queryset.count() - len(allowed)
        if refused:
            messages.warning(request, f"{refused} selected integration(s) skipped: your role there is viewer.")
        return allowed

    def _run_selected(self, request, queryset, action: str) -> None:
        for integration in self._runnable(request, queryset):
            actions.start_run(request, integration, action)

    @admin.action(description="Sync now", permissions=["run"])
    def sync_now(self, request, queryset):
        self._run_selected(request, queryset, "sync")

    @admin.action(description="Dry run (write nothing)", permissions=["run"])
    def dry_run(self, request, queryset):
        self._run_selected(request, queryset, "dry_run")

    @admin.action(description="Full resync (ignore watermarks and the ledger's hashes)", permissions=["run"])
    def full_resync(self, request, queryset):
        self._run_selected(request, queryset, "full_resync")

    @admin.action(description="Test connection", permissions=["run"])
    def test_connection(self, request, queryset):
        for integration in self._runnable(request, queryset):
            actions.check_connection(request, integration)
