"""Ascend (SMS) configuration: the account, the synced events, field sync rules and automations.

The seed (shared/seeds/001) describes Ascend's own Mobilize integration; this service plays that
part. Ascend publishes no API: docs/connectors/ascend.md is the contract this project speaks.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from integrations.crypto import EncryptedTextField
from integrations.validators import validate_remote_base_url

from .integration import Integration, IntegrationKind

# The seed's core fields ("first name, last name, email and zip code"), each with its default
# Ascend member field. Their rows are the Default Mappings table.
CORE_FIELDS: dict[str, str] = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "zip": "zip",
}
CUSTOM_PREFIX = "custom:"


class SyncOption(models.TextChoices):
    """The seed's sync options for a field."""

    POPULATE = "populate", "Populate (fill empty Ascend fields only)"
    OVERWRITE = "overwrite", "Overwrite"
    IGNORE = "ignore", "Ignore"


class Activity(models.TextChoices):
    """The seed's Mobilize event activities an automation can be triggered by."""

    REGISTERS = "registers", "Mobilize Event Registers"
    CONFIRMS = "confirms", "Mobilize Event Confirm Registration"
    ATTENDS = "attends", "Mobilize Event Attends"
    CANCELS = "cancels", "Mobilize Event Cancel Registration"
    WAITLISTED = "waitlisted", "Mobilize Event Registration Waitlisted"


class AscendConfig(models.Model):
    """One Ascend integration's account and the seed's settings toggles."""

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, related_name="ascend")
    base_url = models.URLField(
        "Ascend API base URL",
        blank=True,
        validators=[validate_remote_base_url],
        help_text="Where the account's API is (this service's Ascend sandbox in development).",
    )
    api_key = EncryptedTextField("API key", blank=True, help_text="Stored encrypted; never shown again.")
    sync_accounts = models.BooleanField(
        "Sync accounts",
        default=False,
        help_text="The master switch: off, nothing is written to Ascend.",
    )
    create_new_members = models.BooleanField(
        "Create new members",
        default=False,
        help_text="On: a submitter whose phone is not an Ascend member yet becomes one (with SMS opt-in). "
        "Off: only existing members are updated.",
    )
    sync_new_events = models.BooleanField(
        "Sync new events",
        default=False,
        help_text="On: every Mobilize event is synced as it comes in, the existing ones too, and submissions "
        "from up to 15 minutes before it was turned on are backfilled.",
    )
    sync_new_events_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When Sync new events was turned on (submissions from 15 minutes before are backfilled).",
    )

    # The flows GET /v1/flows listed at the last "Refresh flows": the automations' flow choices.
    flows_cache = models.JSONField(default=list, blank=True, editable=False)
    flows_refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "Ascend settings"
        verbose_name_plural = "Ascend settings"

    def __str__(self) -> str:
        return f"Ascend at {self.base_url or '(no base URL)'}"

    def clean(self) -> None:
        integration = getattr(self, "integration", None)
        if integration is not None and integration.kind != IntegrationKind.ASCEND:
            raise ValidationError({"integration": "Ascend settings belong to an Ascend integration."})


class AscendEvent(models.Model):
    """A Mobilize event listed on the Events tab, with its Sync / Synced state and its Ascend group."""

    config = models.ForeignKey(AscendConfig, on_delete=models.CASCADE, related_name="events")
    mobilize_event_id = models.BigIntegerField()
    title = models.CharField(max_length=500, blank=True)
    synced = models.BooleanField(default=False)
    synced_at = models.DateTimeField(null=True, blank=True)
    # The Ascend event group made when the event was synced ("sharing the same name").
    group_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-mobilize_event_id"]
        verbose_name = "Ascend event"
        constraints = [
            models.UniqueConstraint(fields=["config", "mobilize_event_id"], name="ascend_one_row_per_mobilize_event")
        ]

    def __str__(self) -> str:
        return f"{self.title or 'event'} ({self.mobilize_event_id}){' synced' if self.synced else ''}"


class FieldRule(models.Model):
    """One row of the Fields tab: a Mobilize field, the Ascend member field it goes to, and how.

    Default mappings (`is_default`) are the seed's core fields; additional mappings are custom
    signup fields, listed once an attendance carrying them was seen (`mobilize_field` is
    "custom:<field name>"), with no Ascend field until someone maps one.
    """

    config = models.ForeignKey(AscendConfig, on_delete=models.CASCADE, related_name="field_rules")
    mobilize_field = models.CharField(max_length=300)
    ascend_field = models.CharField(max_length=200, blank=True)
    sync = models.CharField(max_length=16, choices=SyncOption.choices, default=SyncOption.POPULATE)
    is_default = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-is_default", "id"]
        verbose_name = "field sync rule"
        constraints = [
            models.UniqueConstraint(fields=["config", "mobilize_field"], name="ascend_one_rule_per_mobilize_field")
        ]

    def __str__(self) -> str:
        return f"{self.mobilize_field} -> {self.ascend_field or '(not mapped)'} ({self.sync})"

    @property
    def custom_field_name(self) -> str:
        return self.mobilize_field.removeprefix(CUSTOM_PREFIX)

    def clean(self) -> None:
        if self.is_default or not self.ascend_field or not self.config_id:
            return
        taken = (
            FieldRule.objects.filter(config_id=self.config_id, is_default=True, ascend_field=self.ascend_field)
            .exclude(pk=self.pk)
            .first()
        )
        if taken is not None:
            raise ValidationError(
                {
                    "ascend_field": f"The Ascend field {self.ascend_field!r} is already used by the default mapping "
                    f"of {taken.mobilize_field}: additional fields cannot be mapped to it (the seed)."
                }
            )


class Automation(models.Model):
    """An Integration Automation: a synced event's activity starts an Ascend flow (or one of several)."""

    config = models.ForeignKey(AscendConfig, on_delete=models.CASCADE, related_name="automations")
    name = models.CharField(max_length=200)
    event = models.ForeignKey(AscendEvent, on_delete=models.CASCADE, related_name="automations")
    activity = models.CharField(max_length=16, choices=Activity.choices)
    # One flow id, or several for an A/B test (members are split evenly between them).
    flow_ids = models.JSONField(default=list, help_text="Ascend flow ids; two or more make an A/B test.")
    group_ids = models.JSONField(default=list, blank=True, help_text="Ascend groups to add the member to.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["config", "name"], name="ascend_automation_name_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.flow_ids or not all(str(flow).strip() for flow in self.flow_ids):
            errors["flow_ids"] = "Choose the flow this automation starts (two or more for an A/B test)."
        elif len(set(map(str, self.flow_ids))) != len(self.flow_ids):
            errors["flow_ids"] = "An A/B test needs different flows."
        if self.event_id and self.config_id and self.event.config_id != self.config_id:
            errors["event"] = "Choose one of this integration's events."
        elif self.event_id and not self.event.synced:
            errors["event"] = "Sync the event first: automations trigger on synced events only."
        if errors:
            raise ValidationError(errors)


class AutomationFiring(models.Model):
    """That an automation fired for a member (once per member, event and activity, ever).

    Written before the flow is started (state "pending"), so a crash between the two never starts
    it twice: the start carries this row's idempotency key, which Ascend answers with the first
    start again.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        STARTED = "started", "Started"

    automation = models.ForeignKey(Automation, on_delete=models.CASCADE, related_name="firings")
    phone = models.CharField(max_length=32)
    mobilize_event_id = models.BigIntegerField()
    activity = models.CharField(max_length=16, choices=Activity.choices)
    flow_id = models.CharField(max_length=64, help_text="The flow (the A/B variant) this member got.")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    ascend_start_id = models.CharField(max_length=64, blank=True)
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(fields=["automation", "phone"], name="ascend_automation_fires_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.automation} for {self.phone}: {self.flow_id} ({self.state})"

    @property
    def idempotency_key(self) -> str:
        return f"mobilize-sync-{self.automation_id}-{self.phone}"
