"""Credentials are write-only: never rendered, blank keeps them, a new value replaces them, encrypted at rest."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from integrations.crypto import decrypt
from integrations.models import ActionKitConnection, Organization

from .conftest import AK_PASSWORD_A, API_KEY_A


def org_form(tenant, **overrides) -> dict:
    data = {
        "name": tenant.org.name,
        "mobilize_id": tenant.org.mobilize_id,
        "mobilize_base_url": tenant.org.mobilize_base_url,
        "mobilize_api_key": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    # Existing memberships must be posted back or the formset complains about their count.
    memberships = list(tenant.org.memberships.order_by("pk"))
    data["memberships-TOTAL_FORMS"] = data["memberships-INITIAL_FORMS"] = str(len(memberships))
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-organization"] = tenant.org.pk
        data[f"memberships-{index}-role"] = membership.role
    data.update(overrides)
    return data


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_organization_page_never_renders_the_api_key(tenant_a, login):
    for user in (tenant_a.admin, tenant_a.viewer):
        page = login(user).get(reverse("admin:integrations_organization_change", args=[tenant_a.org.pk]))
        assert page.status_code == 200
        assert API_KEY_A.encode() not in page.content
    admin_page = login(tenant_a.admin).get(reverse("admin:integrations_organization_change", args=[tenant_a.org.pk]))
    assert b'type="password"' in admin_page.content
    assert b"Set. Leave blank to keep" in admin_page.content


def test_viewer_sees_only_whether_the_key_is_set(tenant_a, login):
    page = login(tenant_a.viewer).get(reverse("admin:integrations_organization_change", args=[tenant_a.org.pk]))
    assert b"Mobilize API key" in page.content
    assert b'<div class="readonly">set</div>' in page.content
    assert b'type="password"' not in page.content
    assert page.context["adminform"].form.fields == {}


def test_lists_and_history_never_render_credentials(tenant_a, superuser, login):
    client = login(superuser)
    client.post(
        reverse("admin:integrations_organization_change", args=[tenant_a.org.pk]),
        org_form(tenant_a, mobilize_api_key=API_KEY_A + "-new"),
    )
    pages = [
        reverse("admin:integrations_organization_changelist"),
        reverse("admin:integrations_organization_history", args=[tenant_a.org.pk]),
        reverse("admin:integrations_actionkitconnection_changelist"),
        reverse("admin:integrations_actionkitconnection_change", args=[tenant_a.connection.pk]),
        reverse("admin:index"),
    ]
    for page in pages:
        content = client.get(page).content
        assert API_KEY_A.encode() not in content, page
        assert AK_PASSWORD_A.encode() not in content, page


def test_blank_api_key_keeps_the_stored_one(tenant_a, login):
    response = login(tenant_a.admin).post(
        reverse("admin:integrations_organization_change", args=[tenant_a.org.pk]), org_form(tenant_a, name="Renamed")
    )
    assert response.status_code == 302
    org = Organization.objects.get(pk=tenant_a.org.pk)
    assert org.name == "Renamed"
    assert org.mobilize_api_key == API_KEY_A


def test_new_api_key_replaces_the_stored_one_encrypted(tenant_a, login):
    response = login(tenant_a.admin).post(
        reverse("admin:integrations_organization_change", args=[tenant_a.org.pk]),
        org_form(tenant_a, mobilize_api_key="  brand-new-key-42  "),
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=tenant_a.org.pk).mobilize_api_key == "brand-new-key-42"
    stored = raw_column("integrations_organization", "mobilize_api_key", tenant_a.org.pk)
    assert "brand-new-key-42" not in stored
    assert decrypt(stored) == "brand-new-key-42"


def test_firewall_side_is_read_only(tenant_a, login):
    login(tenant_a.admin).post(
        reverse("admin:integrations_organization_change", args=[tenant_a.org.pk]),
        org_form(tenant_a, firewall_side=Organization.FirewallSide.INDEPENDENT),
    )
    assert Organization.objects.get(pk=tenant_a.org.pk).firewall_side == Organization.FirewallSide.UNKNOWN


def connection_form(tenant, **overrides) -> dict:
    data = {
        "organization": tenant.org.pk,
        "name": tenant.connection.name,
        "base_url": tenant.connection.base_url,
        "username": tenant.connection.username,
        "password": "",
    }
    data.update(overrides)
    return data


def test_actionkit_password_is_write_only(tenant_a, login):
    client = login(tenant_a.admin)
    change = reverse("admin:integrations_actionkitconnection_change", args=[tenant_a.connection.pk])
    page = client.get(change)
    assert AK_PASSWORD_A.encode() not in page.content
    assert b"Set. Leave blank to keep" in page.content
    assert client.post(change, connection_form(tenant_a, username="api2")).status_code == 302
    connection_ = ActionKitConnection.objects.get(pk=tenant_a.connection.pk)
    assert (connection_.username, connection_.password) == ("api2", AK_PASSWORD_A)
    assert client.post(change, connection_form(tenant_a, password="fresh-password")).status_code == 302
    assert ActionKitConnection.objects.get(pk=tenant_a.connection.pk).password == "fresh-password"
    stored = raw_column("integrations_actionkitconnection", "password", tenant_a.connection.pk)
    assert "fresh-password" not in stored and decrypt(stored) == "fresh-password"


def test_new_connection_without_password_says_not_set(tenant_a, login):
    page = login(tenant_a.admin).get(reverse("admin:integrations_actionkitconnection_add"))
    assert b"Not set." in page.content


def test_viewer_sees_connection_password_only_as_set(tenant_a, login):
    page = login(tenant_a.viewer).get(
        reverse("admin:integrations_actionkitconnection_change", args=[tenant_a.connection.pk])
    )
    assert page.status_code == 200
    assert AK_PASSWORD_A.encode() not in page.content
    assert b'<div class="readonly">set</div>' in page.content
