"""Tenants: an Organization is a Mobilize organization; staff reach it through a Membership."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from integrations.crypto import EncryptedTextField
from integrations.validators import validate_remote_base_url


class Organization(models.Model):
    """A campaign's Mobilize organization, the tenant everything else hangs from."""

    class FirewallSide(models.TextChoices):
        COORDINATED = "coordinated", "Coordinated"
        INDEPENDENT = "independent", "Independent"
        UNKNOWN = "unknown", "Unknown (not yet read from Mobilize)"

    name = models.CharField(max_length=200)
    mobilize_id = models.PositiveIntegerField(unique=True, help_text="The organization's id in Mobilize.")
    mobilize_base_url = models.URLField(
        default="https://api.mobilize.us/v1",
        validators=[validate_remote_base_url],
        help_text="Production: https://api.mobilize.us/v1; staging: https://staging-api.mobilize.us/v1.",
    )
    mobilize_api_key = EncryptedTextField(blank=True, help_text="Stored encrypted; never shown again.")
    firewall_side = models.CharField(
        max_length=16,
        choices=FirewallSide.choices,
        default=FirewallSide.UNKNOWN,
        help_text="Read from Mobilize's is_independent / is_coordinated by Test connection and every sync.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (Mobilize {self.mobilize_id})"

    @property
    def has_api_key(self) -> bool:
        return bool(self.mobilize_api_key)


class Membership(models.Model):
    """A staff user's access to one organization."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin (configure integrations and credentials)"
        OPERATOR = "operator", "Operator (run syncs, retry failures)"
        VIEWER = "viewer", "Viewer (read runs and logs)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization.name} as {self.role}"
