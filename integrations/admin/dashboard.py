"""The admin index as a dashboard: the user's organizations and each integration's last run."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

from integrations import services
from integrations.models import Integration, Organization, SyncRun

register = template.Library()


@dataclass
class OrganizationBoard:
    organization: Organization
    role: str
    integrations: list[tuple[Integration, SyncRun | None]] = field(default_factory=list)


def dashboard_for(user) -> list[OrganizationBoard]:
    """Every organization the user reaches, with its integrations and their last runs (a few queries)."""
    organizations = services.scope_to_user(Organization.objects.all(), user, "")
    integrations = services.with_run_overview(
        Integration.objects.filter(organization__in=organizations).select_related(
            "organization", "schedule__interval", "schedule__crontab"
        )
    )
    integrations = list(integrations)
    runs = SyncRun.objects.in_bulk([i.last_run_id for i in integrations if i.last_run_id])
    roles = {} if user.is_superuser else services.roles_of(user)
    boards = {
        org.pk: OrganizationBoard(org, "superuser" if user.is_superuser else roles.get(org.pk, ""))
        for org in organizations
    }
    for integration in integrations:
        integration.schedule_text = services.schedule_summary(integration)
        boards[integration.organization_id].integrations.append((integration, runs.get(integration.last_run_id)))
    return list(boards.values())


@register.inclusion_tag("admin/integrations/dashboard.html", takes_context=True)
def sync_dashboard(context) -> dict:
    """{% sync_dashboard %}: the dashboard of the requesting user."""
    user = context["request"].user
    return {"boards": dashboard_for(user), "user": user, "counters": SyncRun.COUNTERS}
