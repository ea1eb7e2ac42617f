"""PDI configuration: the account's credentials, its calendars, and which calendar each event type goes to.

The seed (shared/seeds/002): "map each Mobilize event type to a PDI Calendar in your account".
Calendars are read from PDI ("Refresh calendars" on the integration page) and kept here so that
the mapping table can offer them; a run never guesses a calendar for an unmapped type.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from integrations.crypto import EncryptedTextField
from integrations.validators import validate_remote_base_url

from .integration import Integration, IntegrationKind

# The event types the seed lists, in its order, as Mobilize's enum values with the seed's names.
# Mobilize's enums endpoint may add more; "Refresh calendars" adds a mapping row for each.
SEED_EVENT_TYPES: dict[str, str] = {
    "CANVASS": "Canvass",
    "PHONE_BANK": "Phone Bank",
    "TEXT_BANK": "Text Bank",
    "MEETING": "Meeting",
    "COMMUNITY": "Community Event",
    "FUNDRAISER": "Fundraiser",
    "MEET_GREET": "Meet-and-Greet",
    "HOUSE_PARTY": "House Party",
    "VOTER_REG": "Voter Registration",
    "TRAINING": "Training",
    "FRIEND_TO_FRIEND_OUTREACH": "Friend-to-Friend Outreach",
    "ADVOCACY_CALL": "Contact Your Representative",
    "DEBATE_WATCH_PARTY": "Watch Party",
    "RALLY": "Rally",
    "TOWN_HALL": "Town Hall",
    "OFFICE_OPENING": "Office Opening",
    "BARNSTORM": "Barnstorm",
    "SOLIDARITY_EVENT": "Solidarity Event",
    "COMMUNITY_CANVASS": "Community Canvass",
    "SIGNATURE_GATHERING": "Signature Gathering",
    "CARPOOL": "Carpool",
    "OTHER": "Other",
    "WORKSHOP": "Workshop",
}


def event_type_label(event_type: str) -> str:
    """The seed's name of a Mobilize event type, or the enum value made readable (PETITION -> Petition)."""
    return SEED_EVENT_TYPES.get(event_type) or event_type.replace("_", " ").title()


class PdiEnvironment(models.TextChoices):
    PRODUCTION = "production", "Production (https://api.bluevote.com)"
    QA = "qa", "QA sandbox (https://apiqa.bluevote.com)"
    CUSTOM = "custom", "Another base URL (below)"


PDI_BASE_URLS: dict[str, str] = {
    PdiEnvironment.PRODUCTION: "https://api.bluevote.com",
    PdiEnvironment.QA: "https://apiqa.bluevote.com",
}


class PdiConfig(models.Model):
    """One PDI integration's account: the three credentials PDI issues, and where its API is."""

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, related_name="pdi")
    api_token = EncryptedTextField(
        "API token", blank=True, help_text="Issued by PDI support. Stored encrypted; never shown again."
    )
    username = models.CharField(max_length=200, blank=True, help_text="The API username PDI issued.")
    password = EncryptedTextField(blank=True, help_text="Stored encrypted; never shown again.")
    environment = models.CharField(
        max_length=16,
        choices=PdiEnvironment.choices,
        default=PdiEnvironment.PRODUCTION,
        help_text="PDI's QA sandbox has its own credentials.",
    )
    base_url = models.URLField(
        "Other base URL",
        blank=True,
        validators=[validate_remote_base_url],
        help_text="Only with 'Another base URL' (e.g. this service's PDI sandbox in development).",
    )
    default_calendar = models.ForeignKey(
        "PdiCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="Calendar for unmapped event types",
        help_text="Optional. Empty: events of a type mapped to no calendar are skipped, with that reason in the "
        "run. Chosen: they go to this calendar.",
    )
    calendars_refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "PDI settings"
        verbose_name_plural = "PDI settings"

    def __str__(self) -> str:
        return f"PDI {self.get_environment_display()}"

    @property
    def api_base_url(self) -> str:
        """Where the API is: the environment's address, or the base URL given for 'Another'."""
        if self.environment == PdiEnvironment.CUSTOM:
            return self.base_url
        return PDI_BASE_URLS[self.environment]

    def calendar_for(self, event_type: str | None) -> PdiCalendar | None:
        """The calendar events of this type go to: its mapping, else the default (None: skip them)."""
        mapping = next((m for m in self.calendar_mappings.all() if m.event_type == (event_type or "")), None)
        if mapping is not None and mapping.calendar_id is not None:
            return mapping.calendar
        return self.default_calendar

    def clean(self) -> None:
        errors: dict[str, str] = {}
        integration = getattr(self, "integration", None)
        if integration is not None and integration.kind != IntegrationKind.PDI:
            errors["integration"] = "PDI settings belong to a PDI integration."
        if self.environment == PdiEnvironment.CUSTOM and not self.base_url:
            errors["base_url"] = "Enter the base URL, or choose production or QA."
        if self.default_calendar_id and self.pk and self.default_calendar.config_id != self.pk:
            errors["default_calendar"] = "Choose one of this integration's calendars."
        if errors:
            raise ValidationError(errors)


class PdiCalendar(models.Model):
    """A calendar of the PDI account, as `GET /calendars` returned it at the last refresh."""

    config = models.ForeignKey(PdiConfig, on_delete=models.CASCADE, related_name="calendars")
    pdi_id = models.CharField("PDI id", max_length=64)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name", "pdi_id"]
        verbose_name = "PDI calendar"
        constraints = [models.UniqueConstraint(fields=["config", "pdi_id"], name="pdi_calendar_unique_per_config")]

    def __str__(self) -> str:
        return f"{self.name} (PDI calendar {self.pdi_id})"


class PdiCalendarMapping(models.Model):
    """Which PDI calendar one Mobilize event type syncs to (no calendar: the type is unmapped)."""

    config = models.ForeignKey(PdiConfig, on_delete=models.CASCADE, related_name="calendar_mappings")
    event_type = models.CharField("Mobilize event type", max_length=64)
    calendar = models.ForeignKey(PdiCalendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="mappings")

    class Meta:
        ordering = ["id"]
        verbose_name = "calendar mapping"
        constraints = [models.UniqueConstraint(fields=["config", "event_type"], name="pdi_one_mapping_per_event_type")]

    def __str__(self) -> str:
        return f"{event_type_label(self.event_type)} -> {self.calendar.name if self.calendar else 'not mapped'}"

    @property
    def event_type_label(self) -> str:
        return event_type_label(self.event_type)

    def clean(self) -> None:
        if self.calendar_id and self.config_id and self.calendar.config_id != self.config_id:
            raise ValidationError({"calendar": "Choose one of this integration's calendars."})
