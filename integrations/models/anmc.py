"""Action Network <-> Mobile Commons: the pair's credentials, settings, state and field mappings.

The seed (shared/seeds/003) is Mobile Commons' own "Action Network data sync"; this service plays
that part. One integration holds both accounts; its nightly pull (Action Network people -> Mobile
Commons profiles) and its daytime push (Mobile Commons opt-ins and opt-outs -> Action Network)
are two schedules of the same integration, so the two directions never run at once.
"""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django_celery_beat.models import PeriodicTask

from integrations.crypto import EncryptedTextField
from integrations.validators import validate_remote_base_url

from .integration import Integration, IntegrationKind

ACTION_NETWORK_BASE_URL = "https://actionnetwork.org/api/v2/"
MOBILE_COMMONS_BASE_URL = "https://secure.mcommons.com/api/"
ACTION_NETWORK_LOGIN_URL = "https://actionnetwork.org/users/sign_in"
DEFAULT_SOURCE_CODE = "Mobile Commons"

# The stream names of the two directions (RunOptions.stream_names picks one for a schedule).
PULL_STREAM = "pull_people"
PUSH_STREAM = "push_subscriptions"


class McField(models.TextChoices):
    """The Mobile Commons profile fields the sync supports ("all standard profile fields"), in table order."""

    PHONE_NUMBER = "phone_number", "Phone number"
    EMAIL = "email", "Email"
    OPT_IN_STATUS = "opt_in_status", "Opt-in status"
    CONSTITUENT_ID = "constituent_id", "Constituent ID"
    FIRST_NAME = "first_name", "First name"
    LAST_NAME = "last_name", "Last name"
    STREET1 = "street1", "Street address"
    STREET2 = "street2", "Street address, line 2"
    CITY = "city", "City"
    STATE = "state", "State"
    POSTAL_CODE = "postal_code", "Postal code"
    COUNTRY = "country", "Country"


# The default Action Network API field name of each Mobile Commons field (OSDI person fields; see
# flows/anmc/mapping.py for where each is read in a person). Opt-in status has none of its own: it
# is the configuration's "Mobile opt-in Boolean field name", a custom field of the person.
DEFAULT_AN_FIELDS: dict[str, str] = {
    McField.PHONE_NUMBER: "phone_number",
    McField.EMAIL: "email_address",
    McField.OPT_IN_STATUS: "",
    McField.CONSTITUENT_ID: "identifier",
    McField.FIRST_NAME: "given_name",
    McField.LAST_NAME: "family_name",
    McField.STREET1: "address_lines",
    McField.STREET2: "address_lines_2",
    McField.CITY: "locality",
    McField.STATE: "region",
    McField.POSTAL_CODE: "postal_code",
    McField.COUNTRY: "country",
}

# The seed's three fields that "must by default exist in both databases in order to sync data".
ESSENTIAL_FIELDS = frozenset({McField.PHONE_NUMBER, McField.EMAIL, McField.OPT_IN_STATUS})

# Why a field may not be marked Required: the seed's cautions, word for word where it has them.
REQUIRED_REFUSED: dict[str, str] = {
    McField.PHONE_NUMBER: "Do not select Required for Phone number, Email, or Opt-in status fields, which must by "
    "default exist in both databases in order to sync data.",
    McField.EMAIL: "Do not select Required for Phone number, Email, or Opt-in status fields, which must by default "
    "exist in both databases in order to sync data.",
    McField.OPT_IN_STATUS: "Do not select Required for Phone number, Email, or Opt-in status fields, which must by "
    "default exist in both databases in order to sync data.",
    McField.CONSTITUENT_ID: "Do not select Required for Constituent as this ID is provided by Action Network. If it "
    "is set to Required, Mobile Commons profiles will not have this ID, causing the sync from Mobile Commons to "
    "Action Network to fail.",
}


class AnMcConfig(models.Model):
    """One Action Network <-> Mobile Commons pair: both accounts, the seed's settings, the active state."""

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, related_name="anmc")

    # Action Network
    an_login = models.EmailField(
        "Action Network login",
        blank=True,
        help_text="The Action Network user name (email) of the login kept for this sync (the seed recommends one "
        "made for Mobile Commons alone).",
    )
    an_password = EncryptedTextField(
        "Action Network password", blank=True, help_text="Stored encrypted; never shown again."
    )
    an_api_token = EncryptedTextField(
        "OSDI API token",
        blank=True,
        help_text="Action Network: Start Organizing -> Details -> API & Sync. Stored encrypted; never shown again.",
    )
    an_base_url = models.URLField(
        "Action Network API base URL",
        default=ACTION_NETWORK_BASE_URL,
        validators=[validate_remote_base_url],
        help_text="https://actionnetwork.org/api/v2/ (this service's sandbox in development).",
    )

    # Mobile Commons
    mc_login = models.EmailField(
        "Mobile Commons API login",
        blank=True,
        help_text="The email of a Mobile Commons login with Administrator access (HTTP Basic auth).",
    )
    mc_password = EncryptedTextField(
        "Mobile Commons password", blank=True, help_text="Stored encrypted; never shown again."
    )
    mc_company_key = models.CharField(
        "Mobile Commons company key",
        max_length=100,
        blank=True,
        help_text="Only for logins with access to several companies.",
    )
    mc_base_url = models.URLField(
        "Mobile Commons API base URL",
        default=MOBILE_COMMONS_BASE_URL,
        validators=[validate_remote_base_url],
        help_text="https://secure.mcommons.com/api/ (this service's sandbox in development).",
    )

    # The seed's settings
    default_opt_in_path = models.ForeignKey(
        "McOptInPath",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="Default web opt-in path",
        help_text="New subscribers pulled from Action Network are opted in through this path and receive its "
        "Welcome message. Choose from the paths Mobile Commons lists (Refresh opt-in paths).",
    )
    source_code = models.CharField(
        max_length=100,
        default=DEFAULT_SOURCE_CODE,
        help_text="Identifies Mobile Commons to Action Network on the people it adds.",
    )
    opt_in_field = models.CharField(
        "Mobile opt-in Boolean field name",
        max_length=100,
        blank=True,
        help_text="The Action Network checkbox (custom) field that marks a person as a Mobile Commons subscriber.",
    )
    notes = models.TextField("Notes", blank=True, help_text="For internal use only.")

    # When the two directions run, in the organization's time zone.
    time_zone = models.CharField(
        "Organization's time zone",
        max_length=64,
        default="America/New_York",
        help_text="The nightly pull and the daytime push run by this clock.",
    )
    pull_time = models.TimeField(
        "Nightly pull at",
        default=time(4, 0),
        help_text="Early morning: Action Network people updated in the past 48 hours go to Mobile Commons.",
    )
    push_from_hour = models.PositiveSmallIntegerField(
        "Push from (hour)", default=7, help_text="The five-minute push of opt-ins and opt-outs starts at this hour."
    )
    push_until_hour = models.PositiveSmallIntegerField(
        "Push until (hour)", default=22, help_text="...and its last run is in the hour before this one."
    )

    # State (Activate / Deactivate; never edited in the form)
    active = models.BooleanField(default=False, editable=False)
    activated_at = models.DateTimeField(null=True, blank=True, editable=False)
    first_sync_on = models.DateField(
        null=True, blank=True, editable=False, help_text="The morning after activation: the first sync runs then."
    )
    pull_schedule = models.OneToOneField(
        PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    push_schedule = models.OneToOneField(
        PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    opt_in_paths_refreshed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "Action Network <-> Mobile Commons settings"
        verbose_name_plural = "Action Network <-> Mobile Commons settings"

    def __str__(self) -> str:
        return f"Action Network <-> Mobile Commons ({'active' if self.active else 'inactive'})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        integration = getattr(self, "integration", None)
        if integration is not None and integration.kind != IntegrationKind.ACTIONNETWORK_MOBILECOMMONS:
            errors["integration"] = "These settings belong to an Action Network <-> Mobile Commons integration."
        if self.default_opt_in_path_id and self.pk and self.default_opt_in_path.config_id != self.pk:
            errors["default_opt_in_path"] = "Choose one of this integration's opt-in paths."
        if not 0 <= self.push_from_hour < self.push_until_hour <= 24:
            errors["push_until_hour"] = "The push's hours must be a daytime range: from < until, within 0-24."
        if errors:
            raise ValidationError(errors)


class McOptInPath(models.Model):
    """An opt-in path of the Mobile Commons account, as `GET /api/campaigns?include_opt_in_paths=1` listed it."""

    config = models.ForeignKey(AnMcConfig, on_delete=models.CASCADE, related_name="opt_in_paths")
    mc_id = models.CharField("Mobile Commons id", max_length=32)
    name = models.CharField(max_length=300)
    campaign_id = models.CharField("campaign id", max_length=32, blank=True)
    campaign_name = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["campaign_name", "name", "mc_id"]
        verbose_name = "Mobile Commons opt-in path"
        constraints = [models.UniqueConstraint(fields=["config", "mc_id"], name="mc_opt_in_path_unique_per_config")]

    def __str__(self) -> str:
        campaign = f" ({self.campaign_name})" if self.campaign_name else ""
        return f"{self.name}{campaign}"


class AnMcFieldMapping(models.Model):
    """Edit Field Mappings: a Mobile Commons field, its Action Network API field name, and Required."""

    config = models.ForeignKey(AnMcConfig, on_delete=models.CASCADE, related_name="field_mappings")
    mc_field = models.CharField("Field", max_length=32, choices=McField.choices)
    an_field = models.CharField(
        "API Field Name",
        max_length=100,
        blank=True,
        help_text="The field's name in Action Network's API. Caution: a wrong name for Phone number, Email or "
        "Opt-in status makes the sync fail.",
    )
    required = models.BooleanField(
        "Required?",
        default=False,
        help_text="Only records with a value in this field are synced; the others are skipped with the reason.",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "field mapping"
        constraints = [models.UniqueConstraint(fields=["config", "mc_field"], name="anmc_one_mapping_per_field")]

    def __str__(self) -> str:
        return f"{self.get_mc_field_display()} <-> {self.an_field or '(none)'}{' (required)' if self.required else ''}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.required and self.mc_field in REQUIRED_REFUSED:
            errors["required"] = REQUIRED_REFUSED[self.mc_field]
        if self.mc_field in ESSENTIAL_FIELDS - {McField.OPT_IN_STATUS} and not self.an_field.strip():
            errors["an_field"] = "Phone number and Email must exist in both databases: enter their API field name."
        if errors:
            raise ValidationError(errors)


def ensure_field_mappings(config: AnMcConfig) -> list[AnMcFieldMapping]:
    """Add the default row of every supported field the config lacks (phone, email, opt-in first); all rows, ordered."""
    have = set(config.field_mappings.values_list("mc_field", flat=True))
    AnMcFieldMapping.objects.bulk_create(
        [
            AnMcFieldMapping(config=config, mc_field=field, an_field=DEFAULT_AN_FIELDS[field])
            for field in McField.values
            if field not in have
        ]
    )
    order = {field: index for index, field in enumerate(McField.values)}
    return sorted(config.field_mappings.all(), key=lambda m: order.get(m.mc_field, len(order)))
