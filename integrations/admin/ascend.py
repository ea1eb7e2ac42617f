"""The Ascend integration's page (settings, Events, Fields, Automations) and the automations' own pages.

The settings, the Events tab and the Fields tab hang from the integration, so the integration
admin's scoping covers them: another organization's Ascend integration is "not found" with all
of it. Automations have their own scoped admin (the seed's Configurations > Automations), each
with its firings: which flow (A/B variant) each member got.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Max, Min, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from integrations import ascend_services
from integrations.connectors.errors import ConnectorError
from integrations.flows.ascend import reports
from integrations.models import Integration, IntegrationKind
from integrations.models.ascend import (
    AscendConfig,
    AscendEvent,
    Automation,
    AutomationFiring,
    FieldRule,
    SyncOption,
)
from integrations.models.ascend_links import TrackedLink

from .kinds import KindAction, register_kind_action, register_kind_inline, register_kind_setup
from .scoping import ADMIN, OrganizationScopedAdmin, OrganizationScopedInline, ReadOnlyScopedInline
from .secrets import WriteOnlySecretsForm, WriteOnlySecretsMixin, secret_status

CONFIG_ORGANIZATION = "integration__organization"
AUTOMATION_ORGANIZATION = "config__integration__organization"


# --- The settings inline, with the Fields tab's inputs -------------------------------------------------
@dataclass(frozen=True)
class RuleRow:
    """One row of a Fields table: the rule and its inputs (None where the page shows text)."""

    rule: FieldRule
    ascend_field: forms.BoundField | None
    sync: forms.BoundField | None

    @property
    def mobilize_label(self) -> str:
        return self.rule.custom_field_name if not self.rule.is_default else self.rule.mobilize_field


class AscendConfigForm(WriteOnlySecretsForm):
    """Ascend settings plus the Fields tab: a sync select per rule and an Ascend field per custom rule.

    The rule inputs are this form's fields (`rule_<id>_sync`, `rule_<id>_ascend_field`), so the
    integration page validates and saves them with the settings; FieldRule.clean decides whether
    a custom field may go to an Ascend field, and its sentence is the error shown.
    """

    secret_fields = ("api_key",)
    RULE_PREFIX: ClassVar[str] = "rule_"

    base_url = forms.URLField(
        label=AscendConfig._meta.get_field("base_url").verbose_name,
        required=False,
        assume_scheme="https",
        max_length=AscendConfig._meta.get_field("base_url").max_length,
        help_text=AscendConfig._meta.get_field("base_url").help_text,
        widget=forms.URLInput(attrs={"class": "vURLField"}),
    )

    class Meta:
        model = AscendConfig
        fields = ("base_url", "api_key", "sync_accounts", "create_new_members", "sync_new_events")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        saved = self.instance.pk is not None
        self.rules: dict[int, FieldRule] = {}
        self.default_rules = ascend_services.default_rules(self.instance) if saved else []
        self.additional_rules = ascend_services.additional_rules(self.instance) if saved else []
        for rule in (*self.default_rules, *self.additional_rules):
            self.rules[rule.pk] = rule
            self.fields[self._name(rule, "sync")] = forms.ChoiceField(
                choices=SyncOption.choices, label=f"Sync {rule.mobilize_field}"
            )
            self.initial[self._name(rule, "sync")] = rule.sync
            if not rule.is_default:
                self.fields[self._name(rule, "ascend_field")] = forms.CharField(
                    required=False,
                    max_length=ascend_services.ASCEND_FIELD_MAX_LENGTH,
                    label=f"Ascend field for {rule.custom_field_name}",
                    widget=forms.TextInput(attrs={"placeholder": "not mapped", "class": "vTextField"}),
                )
                self.initial[self._name(rule, "ascend_field")] = rule.ascend_field

    def _name(self, rule: FieldRule, part: str) -> str:
        return f"{self.RULE_PREFIX}{rule.pk}_{part}"

    def _rows(self, rules: list[FieldRule]) -> list[RuleRow]:
        def bound(name: str) -> forms.BoundField | None:
            return self[name] if name in self.fields else None

        return [
            RuleRow(rule, bound(self._name(rule, "ascend_field")), bound(self._name(rule, "sync"))) for rule in rules
        ]

    @property
    def default_rows(self) -> list[RuleRow]:
        """The Default mappings table."""
        return self._rows(self.default_rules)

    @property
    def additional_rows(self) -> list[RuleRow]:
        """The Additional mappings table."""
        return self._rows(self.additional_rules)

    # What the page's Events and Automations sections show (read when the template renders).
    @property
    def events(self) -> list[AscendEvent]:
        """The Events tab's rows, newest Mobilize event first."""
        return list(self.instance.events.all()) if self.instance.pk else []

    @property
    def automation_rows(self) -> list[dict[str, Any]]:
        """The Automations section's rows."""
        return automations_overview(self.instance) if self.instance.pk else []

    @property
    def nudge_rows(self) -> list[dict[str, Any]]:
        """The Nudges section's rows."""
        from .nudges import nudges_overview

        return nudges_overview(self.instance) if self.instance.pk else []

    @property
    def add_nudge_url(self) -> str:
        """The add page of a nudge on one of this integration's tracked links."""
        from .nudges import add_nudge_url

        return add_nudge_url(self.instance) if self.instance.pk else ""

    @property
    def flows_status(self) -> str:
        """A sentence on the flows read from Ascend."""
        return flows_status(self.instance) if self.instance.pk else ""

    @property
    def report_rows(self) -> list[dict[str, Any]]:
        """The Click-through reports section's rows: the latest tracked messages, each with its report's link."""
        return tracked_messages(self.instance) if self.instance.pk else []

    @property
    def add_automation_url(self) -> str:
        """The add page of an automation of this integration."""
        return add_automation_url(self.instance) if self.instance.pk else ""

    def clean(self):
        cleaned = super().clean()
        for rule in self.additional_rules:
            name = self._name(rule, "ascend_field")
            if name not in cleaned:
                continue
            refusal = ascend_services.check_field_rule(rule, cleaned[name])
            if refusal:
                self.add_error(name, refusal)
        return cleaned

    def _save_m2m(self) -> None:
        super()._save_m2m()
        # A config saved for the first time gets its default rules; an existing one keeps them.
        ascend_services.ensure_default_field_rules(self.instance)
        if "sync_new_events" in self.changed_data:
            ascend_services.set_sync_new_events(self.instance, self.instance.sync_new_events)
        for rule in self.rules.values():
            changed = []
            for part in ("ascend_field", "sync"):
                name = self._name(rule, part)
                if name in self.changed_data:
                    setattr(rule, part, self.cleaned_data[name])
                    changed.append(part)
            if changed:
                rule.save(update_fields=changed)


class AscendConfigInline(WriteOnlySecretsMixin, OrganizationScopedInline, admin.StackedInline):
    """The Ascend account of an Ascend integration, the seed's toggles, and the Events and Fields tabs."""

    model = AscendConfig
    form = AscendConfigForm
    template = "admin/integrations/integration/ascend_settings.html"
    organization_path = "organization"
    secret_fields = ("api_key",)
    min_num = 1
    max_num = 1
    can_delete = False
    verbose_name_plural = "Ascend settings"
    readonly_fields = ("sync_new_events_status",)
    fieldsets = (
        (
            "Ascend account",
            {
                "fields": ("base_url", "api_key"),
                "description": "Where the Ascend account's API is, and the API key Ascend issued for it.",
            },
        ),
        (
            "Settings",
            {"fields": ("sync_accounts", "create_new_members", "sync_new_events", "sync_new_events_status")},
        ),
    )

    def has_add_permission(self, request: HttpRequest, obj: Integration | None = None) -> bool:
        # One settings row per integration: offer the blank form only while there is none.
        if obj is not None and AscendConfig.objects.filter(integration=obj).exists():
            return False
        return super().has_add_permission(request, obj)

    @admin.display(description="API key")
    def api_key_status(self, obj: AscendConfig | None) -> str:
        return secret_status(obj, "api_key")

    @admin.display(description="Sync new events since")
    def sync_new_events_status(self, obj: AscendConfig | None) -> str:
        if obj is None or obj.pk is None or not obj.sync_new_events or obj.sync_new_events_since is None:
            return "Off: only the events synced on the Events tab are synced."
        when = date_format(timezone.localtime(obj.sync_new_events_since), "Y-m-d H:i:s T")
        return f"On since {when}: submissions from 15 minutes before then on are synced."


register_kind_inline(IntegrationKind.ASCEND, AscendConfigInline)
register_kind_setup(IntegrationKind.ASCEND, ascend_services.ensure_config)


# --- The page's buttons ------------------------------------------------------------------------------
def _config(request: HttpRequest, integration: Integration) -> AscendConfig | None:
    config = AscendConfig.objects.filter(integration=integration).select_related("integration__organization").first()
    if config is None:
        messages.error(request, f"{integration.name} has no Ascend settings yet: fill them in below and save.")
    return config


def fetch_events(request: HttpRequest, integration: Integration) -> None:
    """Fetch events: refresh the Mobilize mirror now and list its events on the Events tab."""
    config = _config(request, integration)
    if config is None:
        return
    result = ascend_services.fetch_events_report(config)
    level = messages.WARNING if result.refresh_error else messages.SUCCESS
    messages.add_message(request, level, f"Fetch events of {integration.name}: {result.summary()}")


def sync_event(request: HttpRequest, integration: Integration) -> None:
    """A row's Sync (POST `sync_event=<row id>`) or Stop syncing (`unsync_event=<row id>`) button."""
    config = _config(request, integration)
    if config is None:
        return
    wanted = "sync_event" in request.POST
    raw = request.POST.get("sync_event" if wanted else "unsync_event", "")
    # Only this integration's rows: another's id is "not found", like its page.
    event = AscendEvent.objects.filter(config=config, pk=raw if raw.isdigit() else None).first()
    if event is None:
        raise Http404("No such event on this integration.")
    changed = ascend_services.set_event_synced(event, wanted)
    label = event.title or f"Mobilize event {event.mobilize_event_id}"
    if not changed:
        messages.info(request, f"{label} was already {'synced' if wanted else 'not synced'}.")
    elif wanted:
        messages.success(
            request,
            f"{label} is synced: the next run (queued now) creates its Ascend event group and adds its submitters.",
        )
    else:
        automations = event.automations.count()
        note = f" Its {automations} automation{'s' if automations != 1 else ''} no longer fire." if automations else ""
        messages.success(request, f"{label} is no longer synced: new submissions stay out of Ascend.{note}")


def refresh_flows(request: HttpRequest, integration: Integration) -> None:
    """Refresh flows: read the account's flows from Ascend for the automations' flow choices."""
    config = _config(request, integration)
    if config is None:
        return
    try:
        flows = ascend_services.refresh_flows(config)
    except (ConnectorError, ValueError) as exc:
        reason = ascend_services.readable_error(exc, *ascend_services.config_secrets(config))
        messages.error(request, f"Refresh flows of {integration.name} failed: {reason}")
        return
    messages.success(
        request, f"Refresh flows of {integration.name}: Ascend lists {len(flows)} flow{'s' if len(flows) != 1 else ''}."
    )


register_kind_action(
    IntegrationKind.ASCEND,
    KindAction(
        name="fetch_events",
        label="Fetch events",
        handler=fetch_events,
        role="run",
        description="Read Mobilize now and list every event on the Events tab.",
    ),
)
register_kind_action(
    IntegrationKind.ASCEND,
    KindAction(
        name="refresh_flows",
        label="Refresh flows",
        handler=refresh_flows,
        role="run",
        description="Read the account's flows from Ascend: the flows an automation can start.",
    ),
)
register_kind_action(
    IntegrationKind.ASCEND,
    KindAction(
        name="sync_event",
        label="Sync event",
        handler=sync_event,
        role="run",
        description="Sync or stop syncing one event (the Events tab's per-row buttons).",
        # Not in the page's top row of buttons: each row of the Events tab has its own.
        shown_when=lambda integration: False,
    ),
)


# --- Automations --------------------------------------------------------------------------------------
class FlowChoiceField(forms.MultipleChoiceField):
    """Flow ids from the cached flows; a flow no longer listed keeps its box while it is chosen."""

    widget = forms.CheckboxSelectMultiple


class AutomationForm(forms.ModelForm):
    """An automation: its synced event, activity, flows (two or more: an A/B test) and groups.

    `allowed_configs` (set by the admin per request) are the Ascend settings the user may
    configure; the event and flow choices are those of the automation's own config.
    """

    allowed_configs: ClassVar[QuerySet[AscendConfig]] = AscendConfig.objects.none()

    flow_ids = FlowChoiceField(
        label="Flows",
        help_text="The flow this automation starts; choose two or more for an A/B test (members are split "
        "evenly). The choices are the flows Ascend listed at the last Refresh flows.",
    )
    group_ids = forms.CharField(
        label="Add to groups",
        required=False,
        help_text="Optional: Ascend group ids, separated by commas, to add the member to.",
    )

    class Meta:
        model = Automation
        fields = ("config", "name", "event", "activity", "flow_ids", "group_ids", "enabled")
        labels = {"config": "Ascend integration", "event": "Synced event"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.config = self._config()
        if "config" in self.fields:
            self.fields["config"].queryset = self.allowed_configs
            self.fields["config"].label_from_instance = lambda config: config.integration.name
        if "event" in self.fields:
            self.fields["event"].label_from_instance = lambda event: (
                f"{event.title or 'Untitled event'} (Mobilize {event.mobilize_event_id})"
            )
            events = AscendEvent.objects.filter(synced=True)
            self.fields["event"].queryset = (
                events.filter(config=self.config) if self.config else events.filter(config__in=self.allowed_configs)
            )
        names = ascend_services.flow_names(self.config) if self.config else {}
        chosen = [str(flow) for flow in (self.instance.flow_ids or [])]
        choices = [(flow_id, f"{name} ({flow_id})") for flow_id, name in names.items()]
        choices += [(flow_id, f"{flow_id} (no longer listed by Ascend)") for flow_id in chosen if flow_id not in names]
        self.fields["flow_ids"].choices = choices
        if not choices:
            self.fields[
                "flow_ids"
            ].help_text = "No flows yet: press Refresh flows on the Ascend integration's page, then come back."
        self.initial["group_ids"] = ", ".join(str(group) for group in self.instance.group_ids or [])
        if self.instance.pk:
            self.initial["flow_ids"] = chosen

    def _config(self) -> AscendConfig | None:
        if self.instance.pk and self.instance.config_id:
            return self.instance.config
        raw = self.data.get("config") if self.is_bound else self.initial.get("config")
        if raw in (None, "") and self.allowed_configs.count() == 1:
            return self.allowed_configs.first()
        try:
            return self.allowed_configs.filter(pk=raw).first()
        except (TypeError, ValueError):
            return None

    def clean_group_ids(self) -> list[str]:
        groups = [part.strip() for part in self.cleaned_data.get("group_ids", "").split(",")]
        return list(dict.fromkeys(group for group in groups if group))

    def clean(self):
        cleaned = super().clean()
        config = cleaned.get("config") or (self.instance.config if self.instance.config_id else None)
        name = cleaned.get("name")
        if config is not None and name:
            clash = Automation.objects.filter(config=config, name=name).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", "This integration has an automation of that name already.")
        return cleaned


class AutomationFiringInline(ReadOnlyScopedInline, admin.TabularInline):
    """Who an automation fired for and which flow (A/B variant) each got: written by runs, read here."""

    model = AutomationFiring
    organization_path = AUTOMATION_ORGANIZATION
    fields = ("phone", "flow_display", "state", "fired_at", "mobilize_event_id", "activity")
    readonly_fields = fields
    verbose_name = "firing"
    verbose_name_plural = "Firings: the flow each member got"

    @admin.display(description="Flow (variant)")
    def flow_display(self, obj: AutomationFiring) -> str:
        name = ascend_services.flow_names(obj.automation.config).get(obj.flow_id)
        return f"{name} ({obj.flow_id})" if name else obj.flow_id


@admin.register(Automation)
class AutomationAdmin(OrganizationScopedAdmin):
    """Integration Automations: a synced event's activity starts an Ascend flow (A/B when several)."""

    form = AutomationForm
    organization_path = AUTOMATION_ORGANIZATION
    inlines = [AutomationFiringInline]
    list_display = (
        "name",
        "integration",
        "event",
        "activity",
        "flows_display",
        "enabled",
        "firing_count",
        "click_report",
    )
    list_filter = ("activity", "enabled")
    search_fields = ("name", "event__title")
    readonly_fields = ("variants",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("config__integration", "event")
            .annotate(firings_total=Count("firings"))
        )

    def configs_for(self, request: HttpRequest) -> QuerySet[AscendConfig]:
        """The Ascend settings the user may add automations to (organization admins)."""
        configs = AscendConfig.objects.select_related("integration").order_by("integration__name")
        return self.scope_configs(request, configs)

    def scope_configs(self, request: HttpRequest, configs: QuerySet[AscendConfig]) -> QuerySet[AscendConfig]:
        from integrations import services

        return services.scope_to_user(configs, request.user, CONFIG_ORGANIZATION, ADMIN)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"allowed_configs": self.configs_for(request)})

    def get_readonly_fields(self, request, obj=None):
        # An automation stays with its integration: the event and flows it names are that integration's.
        return ("integration", "variants", "click_report") if obj is not None else ()

    def get_fields(self, request, obj=None):
        fields = ["name", "event", "activity", "flow_ids", "group_ids", "enabled"]
        return ["integration", *fields, "variants", "click_report"] if obj is not None else ["config", *fields]

    @admin.display(description="Integration", ordering="config__integration__name")
    def integration(self, obj: Automation) -> str:
        url = reverse("admin:integrations_integration_change", args=[obj.config.integration_id])
        return format_html('<a href="{}#ascend-automations">{}</a>', url, obj.config.integration.name)

    @admin.display(description="Flows")
    def flows_display(self, obj: Automation) -> str:
        names = ascend_services.flow_names(obj.config)
        shown = [names.get(str(flow)) or str(flow) for flow in obj.flow_ids or []]
        return (" / ".join(shown) + (" (A/B test)" if len(shown) > 1 else "")) if shown else "-"

    @admin.display(description="Firings", ordering="firings_total")
    def firing_count(self, obj: Automation) -> int:
        return getattr(obj, "firings_total", 0)

    @admin.display(description="Click-through")
    def click_report(self, obj: Automation) -> str:
        """A link to the Click-through report of the automation's messages."""
        return format_html(
            '<a class="automation-click-report" href="{}">Click-through report</a>',
            report_url(obj.config.integration_id, automation=obj.pk),
        )

    @admin.display(description="Members per flow")
    def variants(self, obj: Automation) -> str:
        counts = dict(obj.firings.values_list("flow_id").annotate(n=Count("id")).order_by())
        names = ascend_services.flow_names(obj.config)
        parts = [f"{names.get(str(flow)) or flow}: {counts.get(str(flow), 0)}" for flow in obj.flow_ids or []]
        parts += [f"{flow} (no longer chosen): {n}" for flow, n in counts.items() if flow not in map(str, obj.flow_ids)]
        return "; ".join(parts) or "-"


def automations_overview(config: AscendConfig) -> list[dict[str, Any]]:
    """The integration page's Automations table: each automation with its link and counts."""
    names = ascend_services.flow_names(config)
    rows = []
    for automation in config.automations.select_related("event").annotate(firings_total=Count("firings")):
        flows = [names.get(str(flow)) or str(flow) for flow in automation.flow_ids or []]
        rows.append(
            {
                "automation": automation,
                "url": reverse("admin:integrations_automation_change", args=[automation.pk]),
                "flows": flows,
                "firings": automation.firings_total,
                "report_url": report_url(config.integration_id, automation=automation.pk),
            }
        )
    return rows


def flows_status(config: AscendConfig) -> str:
    """A sentence on the cached flows, for the Automations section."""
    if config.flows_refreshed_at is None:
        return "Flows not read yet: press Refresh flows (at the top of the page)."
    count = len(config.flows_cache or [])
    when = date_format(timezone.localtime(config.flows_refreshed_at), "Y-m-d H:i:s T")
    return f"{count} flow{'s' if count != 1 else ''} from Ascend, read {when}."


def add_automation_url(config: AscendConfig) -> str:
    """The add page of an automation, for this integration."""
    return format_html("{}?config={}", reverse("admin:integrations_automation_add"), config.pk)


# --- Click-through reports (shared/seeds/001, "Step 2: Monitor performance in Reports") ---------------
MESSAGES_LISTED = 20
CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 720, 200, 16, 24


# The page's "Report on" choices: the query parameter each reads, and its label.
REPORT_KINDS: dict[str, tuple[str, str]] = {
    "message": ("message_id", "One message"),
    "automation": ("automation", "An automation's messages"),
    "flow": ("flow_id", "A flow's messages"),
}


def report_url(
    integration_id: int,
    message_id: str | None = None,
    url: str | None = None,
    *,
    automation: int | None = None,
    flow_id: str | None = None,
) -> str:
    """The Click-through report page of one message, or of an automation's or a flow's messages (and URL)."""
    group = reports.Group.of(message_id=message_id, automation=automation, flow_id=flow_id)
    query = urlencode({REPORT_KINDS[group.kind][0]: group.key, **({"url": url} if url else {})})
    return f"{reverse('admin:integrations_integration_click_report', args=[integration_id])}?{query}"


def tracked_messages(config: AscendConfig) -> list[dict[str, Any]]:
    """The latest tracked messages of the integration: id, URL count, first tracked, automation and flow, links."""
    rows = (
        TrackedLink.objects.filter(config=config)
        .values("message_id")
        # One automation and one flow per message (the API keeps them so): Max reads it.
        .annotate(
            links=Count("id"),
            first=Min("created_at"),
            last=Max("created_at"),
            automation_id=Max("automation"),
            flow_id=Max("flow_id"),
        )
        .order_by("-last", "message_id")[:MESSAGES_LISTED]
    )
    names = dict(config.automations.values_list("pk", "name"))
    flows = ascend_services.flow_names(config)
    listed = []
    for row in rows:
        automation_id, flow_id = row["automation_id"], row["flow_id"]
        listed.append(
            {
                **row,
                "url": report_url(config.integration_id, row["message_id"]),
                "automation_name": names.get(automation_id, ""),
                "automation_url": report_url(config.integration_id, automation=automation_id) if automation_id else "",
                "flow_name": flows.get(flow_id, "") if flow_id else "",
                "flow_url": report_url(config.integration_id, flow_id=flow_id) if flow_id else "",
            }
        )
    return listed


def tracked_flows(config: AscendConfig) -> list[tuple[str, str]]:
    """(flow id, label) of the flows the integration's tracked messages belong to, for the report's picker."""
    names = ascend_services.flow_names(config)
    # order_by: TrackedLink's default ordering would make DISTINCT keep one row per link.
    flow_ids = (
        TrackedLink.objects.filter(config=config)
        .exclude(flow_id="")
        .order_by("flow_id")
        .values_list("flow_id", flat=True)
        .distinct()
    )
    return [(flow_id, f"{names[flow_id]} ({flow_id})" if names.get(flow_id) else flow_id) for flow_id in flow_ids]


def chart(points: list[tuple[Any, int, int]]) -> dict[str, Any]:
    """An SVG bar chart's geometry: a clicks bar per bucket with its submissions bar inside it."""
    peak = max((max(clicks, subs) for _, clicks, subs in points), default=0)
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = CHART_WIDTH / len(points) if points else CHART_WIDTH
    bars = []
    for index, (start, clicks, subs) in enumerate(points):
        x = index * slot
        click_h = plot * clicks / peak if peak else 0
        sub_h = plot * subs / peak if peak else 0
        base = CHART_TOP + plot
        bars.append(
            {
                "start": start,
                "clicks": clicks,
                "submissions": subs,
                "x": round(x + slot * 0.1, 2),
                "width": round(slot * 0.8, 2),
                "click_y": round(base - click_h, 2),
                "click_height": round(click_h, 2),
                "sub_x": round(x + slot * 0.3, 2),
                "sub_width": round(slot * 0.4, 2),
                "sub_y": round(base - sub_h, 2),
                "sub_height": round(sub_h, 2),
            }
        )
    return {
        "bars": bars,
        "peak": peak,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "label_y": CHART_HEIGHT - 6,
    }


def _percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def figures(report: reports.Report, per_message: bool = True) -> list[dict[str, str]]:
    """The seed's five figures as the page shows them, each with what it counts.

    A group's report counts messages sent (a member who got two of its messages counts twice), and says so.
    """
    sent = (
        f"{report.clicked} of {report.recipients} recipients clicked"
        if per_message
        else f"{report.clicked} of {report.recipients} messages sent were clicked"
    )
    return [
        {
            "key": "click-through-rate",
            "label": "Click-through rate",
            "value": _percent(report.click_through_rate),
            "detail": f"{sent} ({report.clicks} clicks in all)",
        },
        {
            "key": "form-submissions",
            "label": "Form submissions",
            "value": str(report.form_submissions),
            "detail": "Mobilize submissions received via the shortened links",
        },
        {
            "key": "clicked-no-submission",
            "label": "Link clicked with no submission",
            "value": str(report.link_clicked_no_submission),
            "detail": "members who visited the form but did not submit"
            + ("" if per_message else " (per message sent)"),
        },
        {
            "key": "sent-no-clicks",
            "label": "Messages sent with no clicks",
            "value": str(report.messages_sent_no_clicks),
            "detail": "recipients with no click and no submission"
            if per_message
            else "messages sent with no click and no submission",
        },
        {
            "key": "conversion-rate",
            "label": "Submission conversion rate",
            "value": _percent(report.submission_conversion_rate),
            "detail": f"{report.clicked_and_submitted} of the {report.clicked} who clicked submitted",
        },
    ]


def _chosen_group(request: HttpRequest, config: AscendConfig) -> tuple[reports.Group | None, Automation | None]:
    """The report the query asks for: `by` (message, automation or flow) and that one's parameter.

    Without `by` the one parameter given decides (the links of the Ascend page give only it). An
    automation of another integration, or a malformed id, is not found.
    """
    values = {kind: request.GET.get(param, "").strip() for kind, (param, _) in REPORT_KINDS.items()}
    by = request.GET.get("by", "")
    if by:
        if by not in REPORT_KINDS:
            raise Http404("Report on a message, an automation or a flow.")
        chosen = {by: values[by]} if values[by] else {}
    else:
        chosen = {kind: value for kind, value in values.items() if value}
        if len(chosen) > 1:
            raise Http404("Report on one message, one automation or one flow.")
    if not chosen:
        return None, None
    ((kind, value),) = chosen.items()
    if kind == "automation":
        automation = config.automations.filter(pk=int(value)).first() if value.isdigit() else None
        if automation is None:
            raise Http404("This integration has no such automation.")
        return reports.Group.of(automation=automation), automation
    return reports.Group.of(**{REPORT_KINDS[kind][0]: value}), None


def click_report_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    """GET: the Click-through report of one message (`?message_id=`), or of the messages of one automation
    (`?automation=`) or one flow (`?flow_id=`) of an Ascend integration, with an optional `&url=`.

    The integration admin's scoping decides: another organization's integration is a 404, as its page.
    """
    integration = model_admin.get_object(request, object_id)
    if integration is None or integration.kind != IntegrationKind.ASCEND:
        raise Http404("No such Ascend integration.")
    config = AscendConfig.objects.filter(integration=integration).first()
    if config is None:
        raise Http404("This integration has no Ascend settings yet.")
    group, automation = _chosen_group(request, config)
    urls = reports.group_urls(config, group) if group else []
    # An automation with nothing tracked yet shows zeros; an unknown message or flow is not found.
    if group and not urls and group.kind != "automation":
        raise Http404(f"This integration tracks no links for that {group.kind}.")
    url = request.GET.get("url") or None
    if url is not None and url not in urls:
        raise Http404(f"Not a URL of this {group.kind if group else 'report'}.")
    flows = tracked_flows(config)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": integration,
        "title": "Click-through report",
        "change_url": reverse("admin:integrations_integration_change", args=[integration.pk]),
        "report_kinds": [(kind, label) for kind, (_, label) in REPORT_KINDS.items()],
        "by": group.kind if group else request.GET.get("by", "message"),
        "group": group,
        "message_id": (group.message_id if group else None) or request.GET.get("message_id", "").strip(),
        "automation": automation,
        "automations": list(config.automations.only("pk", "name")),
        "flow_id": (group.flow_id if group else None) or "",
        "flow_label": dict(flows).get(group.flow_id, group.flow_id) if group and group.flow_id else "",
        "flows": flows,
        "messages_listed": tracked_messages(config),
    }
    if group:
        bucket = reports.group_suggested_bucket(config, group, url)
        report = reports.group_report(config, group, url)
        context.update(
            report=report,
            figures=figures(report, per_message=group.kind == "message"),
            url=url,
            urls=urls,
            bucket=bucket,
            chart=chart(reports.group_clicks_over_time(config, group, url, bucket)),
            automation_change_url=reverse("admin:integrations_automation_change", args=[automation.pk])
            if automation
            else "",
        )
    return TemplateResponse(request, "admin/integrations/integration/click_report.html", context)
