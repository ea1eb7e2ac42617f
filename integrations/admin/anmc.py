"""The Action Network <-> Mobile Commons integration's page: Integration Actions, Configure Integration,
Edit Field Mappings (shared/seeds/003).

Everything hangs from the integration, so the integration admin's scoping covers it: another
organization's pair is "not found", with its settings and mappings. The settings hold both
accounts' credentials, so only the organization's admins (and superusers) see them at all: the
settings inline and the field mappings page need the admin role, not just a view of the page.
Operators see the panel's run buttons and the state; viewers the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from integrations import anmc_services, services
from integrations.connectors.errors import ConnectorError
from integrations.models import Integration, IntegrationKind, SyncRun
from integrations.models.anmc import (
    ACTION_NETWORK_LOGIN_URL,
    PULL_STREAM,
    PUSH_STREAM,
    REQUIRED_REFUSED,
    AnMcConfig,
    AnMcFieldMapping,
    McField,
    McOptInPath,
)

from . import actions
from .kinds import (
    KindAction,
    KindPanel,
    register_kind_action,
    register_kind_inline,
    register_kind_own_schedules,
    register_kind_panel,
    register_kind_setup,
)
from .scoping import ADMIN, OrganizationScopedInline
from .secrets import WriteOnlySecretsForm, WriteOnlySecretsMixin, secret_status

KIND = IntegrationKind.ACTIONNETWORK_MOBILECOMMONS
SECRET_FIELDS = ("an_password", "an_api_token", "mc_password")
NO_PATH = "— choose a path (Refresh opt-in paths lists them) —"
# Settings whose change moves the two schedules.
SCHEDULE_FIELDS = frozenset({"time_zone", "pull_time", "push_from_hour", "push_until_hour"})


def _url_field(name: str) -> forms.URLField:
    # Declared to say now what Django 6 will assume (https for a URL typed without a scheme);
    # the model's validators (the remote host allow-list) still run on save.
    model_field = AnMcConfig._meta.get_field(name)
    return forms.URLField(
        label=model_field.verbose_name[:1].upper() + model_field.verbose_name[1:],
        assume_scheme="https",
        initial=model_field.default,  # a blank settings form (none saved yet) starts at the real API
        max_length=model_field.max_length,
        help_text=model_field.help_text,
        widget=forms.URLInput(attrs={"class": "vURLField"}),
    )


# --- Configure Integration: the settings inline ---------------------------------------------------------
class AnMcConfigForm(WriteOnlySecretsForm):
    """Both accounts (passwords and the token write-only), the seed's settings and the schedule's times."""

    secret_fields = SECRET_FIELDS

    an_base_url = _url_field("an_base_url")
    mc_base_url = _url_field("mc_base_url")

    class Meta:
        model = AnMcConfig
        fields = (
            "an_login",
            "an_password",
            "an_api_token",
            "an_base_url",
            "mc_login",
            "mc_password",
            "mc_company_key",
            "mc_base_url",
            "default_opt_in_path",
            "source_code",
            "opt_in_field",
            "notes",
            "time_zone",
            "pull_time",
            "push_from_hour",
            "push_until_hour",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields.get("default_opt_in_path")
        if field is not None:
            # Only this config's paths: another integration's (or organization's) are not choices.
            saved = self.instance.pk is not None
            field.queryset = McOptInPath.objects.filter(config=self.instance) if saved else McOptInPath.objects.none()
            field.empty_label = NO_PATH

    def clean_time_zone(self) -> str:
        try:
            return services.check_timezone(self.cleaned_data.get("time_zone"))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_opt_in_field(self) -> str:
        return (self.cleaned_data.get("opt_in_field") or "").strip()

    def _save_m2m(self) -> None:
        super()._save_m2m()
        # A config saved for the first time gets its mapping rows; an existing one keeps them.
        anmc_services.ensure_config(self.instance.integration)
        if SCHEDULE_FIELDS & set(self.changed_data):
            anmc_services.sync_schedules(self.instance)


class AnMcConfigInline(WriteOnlySecretsMixin, OrganizationScopedInline, admin.StackedInline):
    """Configure Integration: the pair's credentials and settings, for the organization's admins only."""

    model = AnMcConfig
    form = AnMcConfigForm
    template = "admin/integrations/integration/anmc_settings.html"
    organization_path = "organization"
    # Credentials: not even shown read-only to operators and viewers.
    view_role = ADMIN
    secret_fields = SECRET_FIELDS
    min_num = 1
    max_num = 1
    can_delete = False
    verbose_name = "Configure Integration"
    verbose_name_plural = "Configure Integration"
    readonly_fields = ("opt_in_paths_status",)
    fieldsets = (
        (
            "Action Network",
            {
                "fields": ("an_login", "an_password", "an_api_token", "an_base_url"),
                "description": "The login (email) and password of the Action Network account kept for this sync "
                "(the seed recommends one made for it alone), and the OSDI API token the sync uses.",
            },
        ),
        (
            "Mobile Commons",
            {
                "fields": ("mc_login", "mc_password", "mc_company_key", "mc_base_url"),
                "description": "A Mobile Commons login with Administrator access.",
            },
        ),
        (
            "Sync settings",
            {"fields": ("default_opt_in_path", "opt_in_paths_status", "source_code", "opt_in_field", "notes")},
        ),
        ("When it runs", {"fields": ("time_zone", "pull_time", ("push_from_hour", "push_until_hour"))}),
    )

    def has_add_permission(self, request: HttpRequest, obj: Integration | None = None) -> bool:
        # One settings row per integration: offer the blank form only while there is none.
        if obj is not None and AnMcConfig.objects.filter(integration=obj).exists():
            return False
        return super().has_add_permission(request, obj)

    @admin.display(description="Action Network password")
    def an_password_status(self, obj: AnMcConfig | None) -> str:
        return secret_status(obj, "an_password")

    @admin.display(description="OSDI API token")
    def an_api_token_status(self, obj: AnMcConfig | None) -> str:
        return secret_status(obj, "an_api_token")

    @admin.display(description="Mobile Commons password")
    def mc_password_status(self, obj: AnMcConfig | None) -> str:
        return secret_status(obj, "mc_password")

    @admin.display(description="Opt-in paths from Mobile Commons")
    def opt_in_paths_status(self, obj: AnMcConfig | None) -> str:
        return opt_in_paths_status(obj)


def opt_in_paths_status(config: AnMcConfig | None) -> str:
    """A sentence on the opt-in paths read from Mobile Commons."""
    if config is None or config.pk is None:
        return "Save the settings, then press Refresh opt-in paths."
    if config.opt_in_paths_refreshed_at is None:
        return "Not read yet: press Refresh opt-in paths (Integration Actions, at the top of the page)."
    count = config.opt_in_paths.count()
    when = date_format(timezone.localtime(config.opt_in_paths_refreshed_at), "Y-m-d H:i:s T")
    return f"{count} path{'s' if count != 1 else ''}, read {when}. Refresh opt-in paths reads them again."


register_kind_inline(KIND, AnMcConfigInline)
register_kind_setup(KIND, anmc_services.ensure_config)
register_kind_own_schedules(KIND)


# --- Integration Actions: the panel and its buttons ------------------------------------------------------
def _config(request: HttpRequest, integration: Integration) -> AnMcConfig | None:
    config = AnMcConfig.objects.filter(integration=integration).select_related("integration__organization").first()
    if config is None:
        messages.error(request, f"{integration.name} has no settings yet: fill in Configure Integration and save.")
    return config


def activate(request: HttpRequest, integration: Integration) -> None:
    """Activate Integration: the first sync runs the next morning; refused while settings are missing."""
    config = _config(request, integration)
    if config is None:
        return
    try:
        sentence = anmc_services.activate(config)
    except ValueError as exc:
        messages.error(request, f"{integration.name}: {exc}")
        return
    messages.success(request, f"{integration.name}: {sentence}")


def deactivate(request: HttpRequest, integration: Integration) -> None:
    """Deactivate: the scheduled syncs stop (temporarily or for good)."""
    config = _config(request, integration)
    if config is None:
        return
    messages.success(request, f"{integration.name}: {anmc_services.deactivate(config)}")


def refresh_opt_in_paths(request: HttpRequest, integration: Integration) -> None:
    """Refresh opt-in paths: read Mobile Commons' campaigns and paths, the default path's choices."""
    config = _config(request, integration)
    if config is None:
        return
    try:
        sentences = anmc_services.refresh_opt_in_paths(config)
    except (ConnectorError, ValueError) as exc:
        reason = anmc_services.readable_error(exc, *anmc_services.config_secrets(config))
        messages.error(request, f"Refresh opt-in paths of {integration.name} failed: {reason}")
        return
    level = messages.WARNING if config.default_opt_in_path_id is None else messages.SUCCESS
    messages.add_message(request, level, f"Refresh opt-in paths of {integration.name}: {' '.join(sentences)}")


def _run_stream(request: HttpRequest, integration: Integration, stream: str, label: str) -> None:
    before = actions.latest_run_id(integration)
    services.trigger_sync(integration, trigger=SyncRun.Trigger.MANUAL, stream_names=[stream])
    actions.report_started_runs(request, integration, label, before)


def run_pull(request: HttpRequest, integration: Integration) -> None:
    """Run pull now: Action Network people updated in the past 48 hours -> Mobile Commons, now."""
    _run_stream(request, integration, PULL_STREAM, "Run pull now")


def run_push(request: HttpRequest, integration: Integration) -> None:
    """Run push now: Mobile Commons opt-ins and opt-outs since the last push -> Action Network, now."""
    _run_stream(request, integration, PUSH_STREAM, "Run push now")


PANEL_ACTIONS = (
    KindAction("activate", "Activate Integration", activate, "change", "Start the nightly pull and daytime push."),
    KindAction("deactivate", "Deactivate", deactivate, "change", "Stop the scheduled syncs."),
    KindAction(
        "refresh_opt_in_paths",
        "Refresh opt-in paths",
        refresh_opt_in_paths,
        "change",
        "Read the campaigns' opt-in paths from Mobile Commons.",
    ),
    KindAction(
        "run_pull",
        "Run pull now",
        run_pull,
        "run",
        "Action Network people updated in the past 48 hours -> Mobile Commons.",
    ),
    KindAction(
        "run_push", "Run push now", run_push, "run", "New Mobile Commons opt-ins and opt-outs -> Action Network."
    ),
)
for _action in PANEL_ACTIONS:
    # The panel shows these buttons (with the state beside them), not the page's row of kind buttons.
    register_kind_action(KIND, replace(_action, shown_when=lambda integration: False))


def panel_context(request: HttpRequest, integration: Integration, may: Callable[[str], bool]) -> dict[str, Any]:
    """The Integration Actions panel's variables: the state, the problems, and what the user may press."""
    config = AnMcConfig.objects.filter(integration=integration).select_related("default_opt_in_path").first()

    def action_url(name: str) -> str:
        return reverse("admin:integrations_integration_action", args=[integration.pk, name])

    names = [action.name for action in PANEL_ACTIONS] + [*actions.RUN_ACTIONS, "test_connection"]
    return {
        "config": config,
        "active": bool(config and config.active),
        "waiting": bool(config and anmc_services.waiting_for_first_sync(config)),
        "first_sync_time": anmc_services.first_sync_time(config) if config else None,
        "schedule": anmc_services.schedule_summary(config) if config else "",
        "problems": anmc_services.configuration_problems(config)
        if config
        else ["Fill in Configure Integration and save."],
        "can_configure": may("change"),
        "can_run": may("run"),
        "urls": {name: action_url(name) for name in names},
        "run_labels": {name: label for name, (label, _) in actions.RUN_ACTIONS.items()},
        "field_mappings_url": reverse("admin:integrations_integration_field_mappings", args=[integration.pk]),
        "login_url": ACTION_NETWORK_LOGIN_URL,
    }


register_kind_panel(KIND, KindPanel(template="admin/integrations/integration/anmc_panel.html", context=panel_context))


# --- Edit Field Mappings ---------------------------------------------------------------------------------
class FieldMappingForm(forms.ModelForm):
    """One row: the API field name and Required (the model's clean() refuses what the seed forbids)."""

    class Meta:
        model = AnMcFieldMapping
        fields = ("an_field", "required")
        widgets = {"an_field": forms.TextInput(attrs={"class": "vTextField"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.mc_field == McField.OPT_IN_STATUS:
            # Its name is the settings' "Mobile opt-in Boolean field name": one place to set it.
            self.fields["an_field"].disabled = True


class BaseFieldMappingFormSet(forms.BaseModelFormSet):
    """The table's rows only: a posted row id that is not one of this config's rows is refused, not ignored."""

    def clean(self) -> None:
        super().clean()
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError("The table has changed since this page was loaded: reload it and try again.")


FieldMappingFormSet = forms.modelformset_factory(
    AnMcFieldMapping,
    form=FieldMappingForm,
    formset=BaseFieldMappingFormSet,
    extra=0,
    can_delete=False,
    edit_only=True,
)


def ordered_mappings(config: AnMcConfig) -> QuerySet[AnMcFieldMapping]:
    """The config's rows in the table's order (phone, email, opt-in first, as McField lists them)."""
    order = Case(
        *[When(mc_field=field, then=Value(index)) for index, field in enumerate(McField.values)],
        default=Value(len(McField.values)),
        output_field=IntegerField(),
    )
    return AnMcFieldMapping.objects.filter(config=config).annotate(table_order=order).order_by("table_order", "id")


def field_mappings_view(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str) -> HttpResponse:
    """GET: the field mappings table; POST: save it, all rows or none (org admins and superusers)."""
    integration = model_admin.get_object(request, object_id)
    if integration is None or integration.kind != KIND:
        raise Http404("No such Action Network <-> Mobile Commons integration.")
    if not model_admin.has_change_permission(request, integration):
        raise PermissionDenied
    config = anmc_services.ensure_config(integration)
    page_url = reverse("admin:integrations_integration_field_mappings", args=[integration.pk])
    if request.method == "POST":
        formset = FieldMappingFormSet(request.POST, queryset=ordered_mappings(config), prefix="mapping")
        if formset.is_valid():
            with transaction.atomic():
                formset.save()
            required = [m.get_mc_field_display() for m in ordered_mappings(config) if m.required]
            detail = f"Required: {', '.join(required)}." if required else "No field is Required."
            messages.success(request, f"Field mappings of {integration.name} saved. {detail}")
            return HttpResponseRedirect(page_url)
    else:
        formset = FieldMappingFormSet(queryset=ordered_mappings(config), prefix="mapping")
    rows = [
        {
            "form": form,
            "mapping": form.instance,
            "is_opt_in": form.instance.mc_field == McField.OPT_IN_STATUS,
            "may_not_be_required": form.instance.mc_field in REQUIRED_REFUSED,
        }
        for form in formset
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": integration,
        "title": "Edit Field Mappings",
        "config": config,
        "formset": formset,
        "rows": rows,
        "has_errors": formset.is_bound and not formset.is_valid(),
        "change_url": reverse("admin:integrations_integration_change", args=[integration.pk]),
        "page_url": page_url,
    }
    return TemplateResponse(request, "admin/integrations/integration/anmc_field_mappings.html", context)
