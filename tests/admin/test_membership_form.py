"""Adding a member by login tells an organization admin nothing about other organizations' users."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from integrations.models import Membership


def change_url(org) -> str:
    return reverse("admin:integrations_organization_change", args=[org.pk])


def add_member(client, org, username: str, role: str = Membership.Role.VIEWER):
    """POST the organization page with one new staff row naming `username`."""
    memberships = list(org.memberships.order_by("pk"))
    data = {
        "name": org.name,
        "mobilize_id": org.mobilize_id,
        "mobilize_base_url": org.mobilize_base_url,
        "mobilize_api_key": "",
        "memberships-TOTAL_FORMS": str(len(memberships) + 1),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-organization"] = org.pk
        data[f"memberships-{index}-role"] = membership.role
    new = len(memberships)
    data[f"memberships-{new}-organization"] = org.pk
    data[f"memberships-{new}-username"] = username
    data[f"memberships-{new}-role"] = role
    return client.post(change_url(org), data)


def row_errors(response) -> list:
    formset = response.context["inline_admin_formsets"][0].formset
    return [form.errors.get("username") for form in formset.forms if form.errors]


def normalized_page(response, username: str) -> str:
    """The page with what differs between two identical answers taken out: the typed name, CSRF tokens."""
    page = response.content.decode().replace(username, "<login>")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', page)


@pytest.fixture
def other_logins(tenant_b, superuser, make_staff):
    """Logins an organization admin of A must not be able to tell from a name nobody has."""
    make_staff(username="gone", is_active=False)
    return {"member of B": tenant_b.viewer.username, "superuser": superuser.username, "inactive": "gone"}


def test_a_login_of_another_organization_is_answered_like_one_that_does_not_exist(tenant_a, other_logins, login):
    client = login(tenant_a.admin)
    unknown = add_member(client, tenant_a.org, "nobody-has-this-name")
    assert unknown.status_code == 200
    [[message]] = row_errors(unknown)
    expected_page = normalized_page(unknown, "nobody-has-this-name")
    for kind, username in other_logins.items():
        response = add_member(client, tenant_a.org, username)
        assert response.status_code == 200, kind
        assert row_errors(response) == [[message.replace("nobody-has-this-name", username)]], kind
        assert normalized_page(response, username) == expected_page, kind
    assert "not a login you can add" in message
    assert set(tenant_a.org.memberships.values_list("user__username", flat=True)) == {
        "admin_a",
        "operator_a",
        "viewer_a",
    }


def test_a_login_without_organization_is_added(tenant_a, tenant_b, make_staff, login):
    newcomer = make_staff(username="newcomer")
    response = add_member(login(tenant_a.admin), tenant_a.org, "newcomer", Membership.Role.OPERATOR)
    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer).organization == tenant_a.org


def test_a_member_of_this_organization_is_named_as_such(tenant_a, login):
    response = add_member(login(tenant_a.admin), tenant_a.org, "viewer_a")
    assert row_errors(response) == [["viewer_a is already a member of this organization."]]


def test_a_superuser_adds_someone_who_works_for_another_organization(tenant_a, tenant_b, superuser, login):
    response = add_member(login(superuser), tenant_a.org, tenant_b.viewer.username)
    assert response.status_code == 302
    assert set(tenant_b.viewer.memberships.values_list("organization", flat=True)) == {tenant_a.org.pk, tenant_b.org.pk}
    missing = add_member(login(superuser), tenant_a.org, "nobody-has-this-name")
    assert row_errors(missing) == [["There is no active login named 'nobody-has-this-name'; create it first."]]


def test_no_widget_lists_or_finds_users_for_an_organization_admin(tenant_a, tenant_b, login):
    client = login(tenant_a.admin)
    page = client.get(change_url(tenant_a.org)).content.decode()
    assert "admin_b" not in page and "viewer_b" not in page and "root" not in page
    assert not re.search(r'<select[^>]*name="memberships-[^"]*-user"', page)
    # The admin's user search (autocomplete) and the user admin are closed to organization admins.
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "integrations", "model_name": "membership", "field_name": "user", "term": "admin"},
    )
    assert autocomplete.status_code == 403
    assert "admin_b" not in autocomplete.content.decode()
    user_model = get_user_model()._meta
    for url in (
        reverse(f"admin:{user_model.app_label}_{user_model.model_name}_changelist") + "?q=admin",
        reverse(f"admin:{user_model.app_label}_{user_model.model_name}_change", args=[tenant_b.admin.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "admin_b" not in response.content.decode()
