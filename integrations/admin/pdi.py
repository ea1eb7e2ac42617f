"""The PDI integration's page: its settings, the calendar mapping table, Refresh calendars and the cadence preset.

Everything hangs from the integration, so the integration admin's scoping covers it: another
organization's PDI integration is "not found", with its settings, calendars and mapping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format

from integrations import pdi_services, services
from integrations.connectors.errors import ConnectorError
from integrations.models import Integration, IntegrationKind, PdiCalendar, PdiCalendarMapping, PdiConfig

from .kinds import KindAction, register_kind_action, register_kind_inline, register_kind_setup
from .scoping import OrganizationScopedInline
from .secrets import WriteOnlySecretsForm, WriteOnlySecretsMixin, secret_status

NOT_MAPPED = "— not mapped —"


@dataclass(frozen=True)
class MappingRow:
    """One row of the calendar mapping table: an event type and its calendar select."""

    event_type: str
    label: str
    field: forms.BoundField | None
    calendar: PdiCalendar | None


class PdiConfigForm(WriteOnlySecretsForm):
    """PDI settings plus one calendar select per Mobilize event type (`mapping_<row id>`).

    The selects are this form's fields, so the integration page validates and saves them with
    the settings; they offer only this config's calendars, like the default calendar.
    """

    secret_fields = ("api_token", "password")
    MAPPING_PREFIX: ClassVar[str] = "mapping_"

    # Declared to say now what Django 6 will assume (https for a URL typed without a scheme);
    # the model's validators (the remote host allow-list) still run on save.
    base_url = forms.URLField(
        label="Other base URL",
        required=False,
        assume_scheme="https",
        max_length=PdiConfig._meta.get_field("base_url").max_length,
        help_text=PdiConfig._meta.get_field("base_url").help_text,
        widget=forms.URLInput(attrs={"class": "vURLField"}),
    )

    class Meta:
        model = PdiConfig
        fields = ("api_token", "username", "password", "environment", "base_url", "default_calendar")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        saved = self.instance.pk is not None
        calendars = PdiCalendar.objects.filter(config=self.instance) if saved else PdiCalendar.objects.none()
        if "default_calendar" in self.fields:
            self.fields["default_calendar"].queryset = calendars
            self.fields["default_calendar"].empty_label = "— none: skip unmapped types —"
        self.mappings: dict[str, PdiCalendarMapping] = {}
        for mapping in pdi_services.ordered_mappings(self.instance) if saved else []:
            name = f"{self.MAPPING_PREFIX}{mapping.pk}"
            self.mappings[name] = mapping
            self.fields[name] = forms.ModelChoiceField(
                queryset=calendars,
                required=False,
                empty_label=NOT_MAPPED,
                label=mapping.event_type_label,
            )
            self.initial[name] = mapping.calendar_id

    @property
    def mapping_rows(self) -> list[MappingRow]:
        """The table's rows in the seed's order, then Mobilize's other types by name."""
        return [
            MappingRow(
                event_type=mapping.event_type,
                label=mapping.event_type_label,
                field=self[name] if name in self.fields else None,
                calendar=mapping.calendar,
            )
            for name, mapping in self.mappings.items()
        ]

    def _save_m2m(self) -> None:
        super()._save_m2m()
        # A config saved for the first time gets its rows; an existing one keeps them.
        pdi_services.ensure_calendar_mappings(self.instance)
        remapped = "default_calendar" in self.changed_data
        for name, mapping in self.mappings.items():
            if name in self.changed_data:
                mapping.calendar = self.cleaned_data.get(name)
                mapping.save(update_fields=["calendar"])
                remapped = True
        if remapped:
            # Events of a type that was skipped before are in the mirror already: read it again.
            services.replay_mirror(self.instance.integration)


class PdiConfigInline(WriteOnlySecretsMixin, OrganizationScopedInline, admin.StackedInline):
    """The PDI account of a PDI integration, and which calendar each Mobilize event type goes to."""

    model = PdiConfig
    form = PdiConfigForm
    template = "admin/integrations/integration/pdi_settings.html"
    organization_path = "organization"
    secret_fields = ("api_token", "password")
    min_num = 1
    max_num = 1
    can_delete = False
    verbose_name_plural = "PDI settings"
    readonly_fields = ("calendars_overview",)
    fieldsets = (
        (
            "PDI account",
            {
                "fields": ("api_token", "username", "password"),
                "description": "The three credentials PDI support issues for the Mobilize integration.",
            },
        ),
        ("Where", {"fields": ("environment", "base_url")}),
        ("Calendars", {"fields": ("calendars_overview", "default_calendar")}),
    )

    def has_add_permission(self, request: HttpRequest, obj: Integration | None = None) -> bool:
        # One settings row per integration: offer the blank form only while there is none.
        if obj is not None and PdiConfig.objects.filter(integration=obj).exists():
            return False
        return super().has_add_permission(request, obj)

    @admin.display(description="API token")
    def api_token_status(self, obj: PdiConfig | None) -> str:
        return secret_status(obj, "api_token")

    @admin.display(description="Password")
    def password_status(self, obj: PdiConfig | None) -> str:
        return secret_status(obj, "password")

    @admin.display(description="Calendars from PDI")
    def calendars_overview(self, obj: PdiConfig | None) -> str:
        if obj is None or obj.pk is None:
            return "Save the settings, then press Refresh calendars."
        if obj.calendars_refreshed_at is None:
            return "Not read yet: press Refresh calendars (at the top of the page)."
        count = obj.calendars.count()
        when = date_format(timezone.localtime(obj.calendars_refreshed_at), "Y-m-d H:i:s T")
        return f"{count} calendar{'s' if count != 1 else ''}, read {when}. Refresh calendars reads them again."


register_kind_inline(IntegrationKind.PDI, PdiConfigInline)
register_kind_setup(IntegrationKind.PDI, pdi_services.ensure_config)


# --- The PDI page's buttons -------------------------------------------------------------------------
def refresh_calendars(request: HttpRequest, integration: Integration) -> None:
    """Refresh calendars: read PDI's calendars and Mobilize's event types, then say what changed."""
    config = PdiConfig.objects.filter(integration=integration).first()
    if config is None:
        messages.error(request, f"{integration.name} has no PDI settings yet: fill them in below and save.")
        return
    try:
        result = pdi_services.refresh_calendars(config)
    except (ConnectorError, ValueError) as exc:
        reason = pdi_services.readable_error(exc, *pdi_services.config_secrets(config))
        messages.error(request, f"Refresh calendars of {integration.name} failed: {reason}")
        return
    level = messages.WARNING if result.needs_attention else messages.SUCCESS
    messages.add_message(request, level, f"Refresh calendars of {integration.name}: {result.summary()}")


def use_seed_cadence(request: HttpRequest, integration: Integration) -> None:
    """The seed's cadence preset: midnight and noon in New York, no runs after each Mobilize change."""
    pdi_services.use_seed_cadence(integration)
    integration.refresh_from_db()
    messages.success(
        request,
        f"{integration.name} now runs at midnight and noon {pdi_services.SEED_TIMEZONE} "
        f"({services.schedule_summary(integration)}), no longer after every Mobilize change. Sync now works any time.",
    )


def follow_mirror(request: HttpRequest, integration: Integration) -> None:
    """Revert the preset: run after every Mobilize change, with the default interval."""
    services.follow_mirror(integration)
    integration.refresh_from_db()
    messages.success(
        request,
        f"{integration.name} follows the mirror again: a Mobilize change reaches PDI within a minute "
        f"(and it runs {services.schedule_summary(integration)}).",
    )


def _on_seed_cadence(integration: Integration) -> bool:
    task = integration.schedule
    if integration.follows_mirror or task is None or task.crontab_id is None:
        return False
    c = task.crontab
    line = f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"
    return line == pdi_services.SEED_CRONTAB and str(c.timezone) == pdi_services.SEED_TIMEZONE


register_kind_action(
    IntegrationKind.PDI,
    KindAction(
        name="refresh_calendars",
        label="Refresh calendars",
        handler=refresh_calendars,
        role="run",
        description="Read the account's calendars from PDI and the event types from Mobilize.",
    ),
)
register_kind_action(
    IntegrationKind.PDI,
    KindAction(
        name="seed_cadence",
        label="Use the seed's cadence",
        handler=use_seed_cadence,
        role="change",
        description="Run twice a day, around midnight and noon New York time, instead of after every Mobilize change.",
        shown_when=lambda integration: not _on_seed_cadence(integration),
    ),
)
register_kind_action(
    IntegrationKind.PDI,
    KindAction(
        name="follow_mirror",
        label="Follow the mirror",
        handler=follow_mirror,
        role="change",
        description="Run within a minute of every Mobilize change (and every "
        f"{services.DEFAULT_SCHEDULE_MINUTES} minutes).",
        shown_when=lambda integration: not integration.follows_mirror,
    ),
)
