"""ActionKit configuration: an organization's ActionKit connection, and each integration's campaign."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models

from integrations.crypto import EncryptedTextField
from integrations.validators import validate_remote_base_url

from .integration import Integration, IntegrationKind
from .tenancy import Organization

# The seed's "placeholder" email for events: the action processor needs an email on every
# action, and an event created by the sync has no person behind it.
DEFAULT_EVENT_PLACEHOLDER_EMAIL = "mobilize-events@example.org"


class ActionKitConnection(models.Model):
    """An ActionKit instance and the API user this organization lets the sync act as."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="actionkit_connections")
    name = models.CharField(max_length=200, help_text="e.g. 'Campaign ActionKit'.")
    base_url = models.URLField(
        validators=[validate_remote_base_url],
        help_text="The instance's address, e.g. https://yourcampaign.actionkit.com (no /rest/v1).",
    )
    username = models.CharField(max_length=200, help_text="An ActionKit staff user with API access.")
    password = EncryptedTextField(blank=True, help_text="Stored encrypted; never shown again.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__name", "name"]
        verbose_name = "ActionKit connection"
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="actionkit_connection_name_unique_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.host})"

    @property
    def host(self) -> str:
        return (urlsplit(self.base_url).hostname or "").lower()


class ActionKitConfig(models.Model):
    """One ActionKit integration's settings: its event campaign and the pages inside it.

    CRM style needs the event-create and the signup page; distributed send only the
    event-create page. Each integration uses its own event campaign (the seed: "each
    configuration must use its own separate event campaign").
    """

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, related_name="actionkit")
    connection = models.ForeignKey(ActionKitConnection, on_delete=models.PROTECT, related_name="configs")
    campaign_id = models.PositiveIntegerField(
        help_text="The ActionKit event campaign's id (the number in its dashboard URL)."
    )
    event_create_page = models.CharField(
        max_length=200, help_text="Short name of the campaign's event-create page (Event creation -> edit)."
    )
    event_signup_page = models.CharField(
        max_length=200,
        blank=True,
        help_text="Short name of the campaign's signup page (Event signup -> edit). CRM style only.",
    )
    masked_event_timezone = models.CharField(
        max_length=64,
        default="America/New_York",
        help_text="Time zone for the times of masked events when Mobilize withholds the event's own "
        "(it does for events across the firewall).",
    )
    placeholder_email = models.EmailField(
        default=DEFAULT_EVENT_PLACEHOLDER_EMAIL,
        help_text="The email the event-create page is submitted with for events (they have no person).",
    )
    subscribe_volunteers = models.BooleanField(
        "Subscribe volunteers to the signup page's mailing list",
        default=False,
        help_text="Off: volunteers are signed up with suppress_subscribe, so ActionKit adds no one to a list. "
        "A Mobilize signup is not an email opt-in: turn this on only if your Mobilize signup forms ask "
        "volunteers for consent to your email list. It applies to signups synced from then on; it never "
        "unsubscribes anyone. Events are always created without subscribing anyone.",
    )

    class Meta:
        verbose_name = "ActionKit settings"
        verbose_name_plural = "ActionKit settings"
        constraints = [
            models.UniqueConstraint(fields=["connection", "campaign_id"], name="one_integration_per_actionkit_campaign")
        ]

    def __str__(self) -> str:
        return f"campaign {self.campaign_id} on {self.connection}"

    @property
    def is_crm(self) -> bool:
        return self.integration.kind == IntegrationKind.ACTIONKIT_CRM

    def clean(self) -> None:
        errors: dict[str, str] = {}
        integration = getattr(self, "integration", None)
        connection = getattr(self, "connection", None)
        if integration is not None and integration.kind not in IntegrationKind.actionkit_kinds():
            errors["integration"] = "ActionKit settings belong to an ActionKit integration."
        if integration is not None and integration.kind == IntegrationKind.ACTIONKIT_CRM and not self.event_signup_page:
            errors["event_signup_page"] = "CRM style needs the signup page's short name."
        if (
            connection is not None
            and integration is not None
            and connection.organization_id != integration.organization_id
        ):
            errors["connection"] = "Choose an ActionKit connection of the integration's own organization."
        if self.masked_event_timezone not in available_timezones():
            errors["masked_event_timezone"] = (
                f"{self.masked_event_timezone!r} is not a time zone name (e.g. America/Chicago)."
            )
        if connection is not None and self.campaign_id:
            # One AK instance may be reached through two connections: compare by host, not by row.
            clash = (
                ActionKitConfig.objects.filter(campaign_id=self.campaign_id)
                .exclude(pk=self.pk)
                .select_related("connection", "integration")
            )
            for other in clash:
                if other.connection.host == connection.host:
                    if integration is not None and other.integration.organization_id != integration.organization_id:
                        user = "an integration of another organization"  # never name another tenant's
                    else:
                        user = f"the integration '{other.integration.name}'"
                    errors["campaign_id"] = (
                        f"Event campaign {self.campaign_id} is already used by {user}. "
                        "Each ActionKit integration needs its own event campaign."
                    )
                    break
        if errors:
            raise ValidationError(errors)
