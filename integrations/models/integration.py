"""An Integration is one configured flow for one organization, with its schedule."""

from __future__ import annotations

from django.db import models
from django_celery_beat.models import PeriodicTask

from .tenancy import Organization


class IntegrationKind(models.TextChoices):
    """The flows this service knows. Each kind has a Flow class in integrations.flows."""

    ACTIONKIT_CRM = "actionkit_crm", "Mobilize -> ActionKit, CRM style"
    ACTIONKIT_DISTRIBUTED_SEND = "actionkit_distributed_send", "Mobilize -> ActionKit, distributed send"
    PDI = "pdi", "Mobilize -> PDI"
    ASCEND = "ascend", "Mobilize -> Ascend (SMS)"
    ACTIONNETWORK_MOBILECOMMONS = "actionnetwork_mobilecommons", "Action Network <-> Mobile Commons"
    MOBILIZE_MIRROR = "mobilize_mirror", "Mobilize mirror (reads Mobilize once for every integration)"

    @classmethod
    def mobilize_source_kinds(cls) -> frozenset[str]:
        """Kinds whose source is Mobilize: the mirror feeds them and fans out to them."""
        return frozenset({cls.ACTIONKIT_CRM, cls.ACTIONKIT_DISTRIBUTED_SEND, cls.PDI, cls.ASCEND})

    @classmethod
    def actionkit_kinds(cls) -> frozenset[str]:
        return frozenset({cls.ACTIONKIT_CRM, cls.ACTIONKIT_DISTRIBUTED_SEND})


class Integration(models.Model):
    """One flow (kind) configured for one organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="integrations")
    kind = models.CharField(max_length=32, choices=IntegrationKind.choices)
    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True, help_text="Disabled integrations are skipped by the schedule.")
    follows_mirror = models.BooleanField(
        "Run after every Mobilize change",
        default=True,
        help_text="On: a run starts whenever the organization's Mobilize mirror sees a change (within a minute). "
        "Off: the integration runs only on its schedule and on demand.",
    )
    schedule = models.OneToOneField(
        PeriodicTask,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="integration",
        help_text="The Celery beat schedule that triggers this integration (set it on the integration page).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="integration_name_unique_per_org")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
