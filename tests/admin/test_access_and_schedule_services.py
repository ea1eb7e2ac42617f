"""The services the admin and the API share: role checks, scoping, schedules."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from integrations import services
from integrations.models import Integration, Membership


def test_roles_include_the_lower_ones():
    assert services.role_allows("admin", "operator") and services.role_allows("operator", "viewer")
    assert not services.role_allows("viewer", "operator") and not services.role_allows(None, "viewer")


def test_scope_to_user_follows_memberships(tenant_a, tenant_b, superuser):
    scoped = services.scope_to_user(Integration.objects.all(), tenant_a.viewer, "organization")
    assert list(scoped) == [tenant_a.integration]
    assert list(services.scope_to_user(Integration.objects.all(), tenant_a.viewer, "organization", "operator")) == []
    assert set(services.scope_to_user(Integration.objects.all(), superuser, "organization")) == {
        tenant_a.integration,
        tenant_b.integration,
    }
    assert list(services.scope_to_user(Integration.objects.all(), AnonymousUser(), "organization")) == []


def test_inactive_members_have_no_role(tenant_a):
    tenant_a.admin.is_active = False
    assert not services.has_role(tenant_a.admin, tenant_a.org.pk, Membership.Role.VIEWER)


def test_set_schedule_refuses_both_an_interval_and_a_crontab(tenant_a):
    with pytest.raises(ValueError, match="not both"):
        services.set_schedule(tenant_a.integration, every_minutes=5, crontab="* * * * *")


@pytest.mark.parametrize("line", ["* * * *", "99 * * * *", "* 25 * * *"])
def test_parse_crontab_rejects_bad_lines_with_a_sentence(line):
    with pytest.raises(ValueError, match="crontab"):
        services.parse_crontab(line)


def test_schedule_summary(tenant_a):
    integration = tenant_a.integration
    assert services.schedule_summary(integration) == "on demand only"
    services.set_schedule(integration, every_minutes=1)
    assert services.schedule_summary(integration) == "every minute"
    services.set_schedule(integration, crontab="0 6 * * 1")
    assert services.schedule_summary(integration) == "cron 0 6 * * 1 (UTC)"
    integration.enabled = False
    integration.save()
    services.set_schedule(integration, crontab="0 6 * * 1")
    assert services.schedule_summary(integration) == "cron 0 6 * * 1 (UTC) (paused)"
