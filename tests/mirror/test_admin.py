"""The mirror in the admin: organization-scoped, read-only, Refresh from Mobilize, undeletable mirror."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from integrations.mirror import refresh, store
from integrations.models import IntegrationKind, Membership, MirrorRecord, RecordType
from tests.admin.conftest import make_tenant


@pytest.fixture
def tenants(make_organization, make_staff, make_integration):
    a = make_tenant(make_organization, make_staff, make_integration, "A", "key-a-123456", "pw-a-123456")
    b = make_tenant(make_organization, make_staff, make_integration, "B", "key-b-123456", "pw-b-123456")
    for tenant in (a, b):
        store.write(tenant.org.pk, RecordType.PERSON, {"user_id": 900 + tenant.org.pk, "given_name": "Vol"})
        tenant.record = MirrorRecord.objects.get(organization=tenant.org)
    return a, b


def url(view: str, *args) -> str:
    return reverse(f"admin:integrations_mirrorrecord_{view}", args=args)


def test_staff_see_only_their_organizations_mirror_records(tenants, client):
    a, b = tenants
    client.force_login(a.viewer)
    response = client.get(url("changelist"))
    assert response.status_code == 200
    assert {r.pk for r in response.context["cl"].result_list} == {a.record.pk}
    assert client.get(url("change", a.record.pk)).status_code == 200
    assert client.get(url("change", b.record.pk)).status_code == 302  # "does not exist" redirect
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-123")
    client.force_login(superuser)
    assert {r.pk for r in client.get(url("changelist")).context["cl"].result_list} == {a.record.pk, b.record.pk}


def test_nobody_adds_changes_or_deletes_mirror_records_in_the_admin(tenants, client):
    a, _ = tenants
    superuser = get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-123")
    for user in (a.admin, superuser):
        client.force_login(user)
        assert client.get(url("add")).status_code == 403
        assert client.post(url("delete", a.record.pk), {"post": "yes"}).status_code == 403
        page = client.get(url("change", a.record.pk))
        assert b"Save" not in page.content or b'name="_save"' not in page.content
    assert MirrorRecord.objects.filter(pk=a.record.pk).exists()


def test_refresh_from_mobilize_is_an_organization_admins_action(tenants, client, monkeypatch):
    from integrations import services

    a, b = tenants
    asked: list[tuple] = []
    monkeypatch.setattr(services, "trigger_sync", lambda integration, **kw: asked.append((integration.pk, kw)))
    changelist = reverse("admin:integrations_organization_changelist")
    client.force_login(a.viewer)
    assert client.get(changelist).context["action_form"] is None, "a viewer has no actions"
    client.post(changelist, {"action": "refresh_from_mobilize", "_selected_action": [a.org.pk]})
    assert asked == []
    client.force_login(a.admin)
    response = client.post(
        changelist, {"action": "refresh_from_mobilize", "_selected_action": [a.org.pk, b.org.pk]}, follow=True
    )
    assert response.status_code == 200
    mirror = refresh.mirror_integration(a.org)
    assert asked == [(mirror.pk, {"trigger": "manual", "full_resync": True})]
    assert refresh.mirror_integration(b.org) is None, "another organization's ids do nothing"


def test_the_mirror_integration_is_not_deletable_while_integrations_read_mobilize(tenants, client):
    a, _ = tenants
    mirror = refresh.ensure_mirror_integration(a.org)
    client.force_login(a.admin)
    delete = reverse("admin:integrations_integration_delete", args=[mirror.pk])
    a.integration.kind = IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND  # reads Mobilize
    a.integration.save()
    assert client.post(delete, {"post": "yes"}).status_code == 403
    a.integration.kind = IntegrationKind.ACTIONKIT_CRM  # still reads Mobilize
    a.integration.save()
    assert client.post(delete, {"post": "yes"}).status_code == 403
    a.integration.delete()
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert refresh.mirror_integration(a.org) is None
    assert Membership.objects.filter(organization=a.org).exists()
