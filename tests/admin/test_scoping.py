"""Organization scoping and roles in every admin: membership is the grant, other organizations don't exist."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import ActionKitConfig, Integration, IntegrationKind, Membership, SyncRun

# admin model name -> the Tenant attribute holding that model's object
MODELS = {
    "organization": "org",
    "actionkitconnection": "connection",
    "integration": "integration",
    "syncrun": "run",
    "syncitem": "item",
    "pendingretry": "pending",
    "recordlink": "link",
    "watermark": "watermark",
}


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:integrations_{model}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_lists_only_the_users_organizations_objects(model, tenant_a, tenant_b, login):
    client = login(tenant_a.viewer)
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    result_pks = {obj.pk for obj in response.context["cl"].result_list}
    assert getattr(tenant_a, MODELS[model]).pk in result_pks
    assert getattr(tenant_b, MODELS[model]).pk not in result_pks


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_another_organizations_object_is_not_found_by_url(model, view, tenant_a, tenant_b, login):
    client = login(tenant_b.admin)
    obj = getattr(tenant_a, MODELS[model])
    response = client.get(url(model, view, obj.pk))
    # The admin answers a missing object with a redirect to its index and a "doesn't exist" message.
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert response.url == reverse("admin:index")
    assert str(tenant_a.org.name).encode() not in response.content


@pytest.mark.parametrize("model", MODELS)
def test_another_organizations_object_cannot_be_deleted_by_post(model, tenant_a, tenant_b, login):
    client = login(tenant_b.admin)
    obj = getattr(tenant_a, MODELS[model])
    client.post(url(model, "delete", obj.pk), {"post": "yes"})
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("action", ["sync", "dry_run", "full_resync", "test_connection"])
def test_another_organizations_integration_action_url_is_404_and_runs_nothing(action, tenant_a, tenant_b, login):
    client = login(tenant_b.admin)
    runs = SyncRun.objects.count()
    response = client.post(reverse("admin:integrations_integration_action", args=[tenant_a.integration.pk, action]))
    assert response.status_code == 404
    assert SyncRun.objects.count() == runs


def test_another_organizations_run_retry_url_is_404(tenant_a, tenant_b, login):
    client = login(tenant_b.admin)
    runs = SyncRun.objects.count()
    response = client.post(reverse("admin:integrations_syncrun_retry", args=[tenant_a.run.pk]))
    assert response.status_code == 404
    assert SyncRun.objects.count() == runs


def test_changelist_action_on_another_organizations_ids_does_nothing(tenant_a, tenant_b, login):
    client = login(tenant_b.admin)
    runs = SyncRun.objects.count()
    client.post(
        url("integration", "changelist"),
        {"action": "sync_now", "_selected_action": [tenant_a.integration.pk]},
    )
    assert SyncRun.objects.count() == runs


def test_staff_without_membership_sees_nothing(make_staff, tenant_a, login):
    client = login(make_staff())
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert b"Campaign A" not in index.content
    assert index.context["app_list"] == []
    for model in MODELS:
        assert client.get(url(model, "changelist")).status_code == 403


def test_membership_grants_access_without_django_model_permissions(tenant_a, login):
    assert not tenant_a.viewer.user_permissions.exists()
    client = login(tenant_a.viewer)
    assert client.get(url("integration", "change", tenant_a.integration.pk)).status_code == 200


def test_viewer_reads_but_cannot_change_add_or_run(tenant_a, login):
    client = login(tenant_a.viewer)
    page = client.get(url("integration", "change", tenant_a.integration.pk))
    assert page.context["has_change_permission"] is False
    assert b"action/sync/" not in page.content
    assert client.post(url("integration", "change", tenant_a.integration.pk), {"name": "x"}).status_code == 403
    assert client.get(url("integration", "add")).status_code == 403
    assert client.get(url("actionkitconnection", "add")).status_code == 403
    runs = SyncRun.objects.count()
    response = client.post(reverse("admin:integrations_integration_action", args=[tenant_a.integration.pk, "sync"]))
    assert response.status_code == 403
    assert client.post(reverse("admin:integrations_syncrun_retry", args=[tenant_a.run.pk])).status_code == 403
    assert SyncRun.objects.count() == runs


def test_viewer_has_no_run_actions_in_changelists(tenant_a, login):
    client = login(tenant_a.viewer)
    for model, name in (("integration", "sync_now"), ("syncrun", "retry_failed_items"), ("pendingretry", "retry_now")):
        form = client.get(url(model, "changelist")).context["action_form"]
        assert form is None or name not in dict(form.fields["action"].choices)


def test_operator_runs_but_cannot_change_or_add(tenant_a, login, memory, django_capture_on_commit_callbacks):
    client = login(tenant_a.operator)
    page = client.get(url("integration", "change", tenant_a.integration.pk))
    assert page.context["has_change_permission"] is False
    assert b"action/sync/" in page.content
    assert client.get(url("integration", "add")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:integrations_integration_action", args=[tenant_a.integration.pk, "sync"]))
    assert response.status_code == 302
    assert SyncRun.objects.filter(integration=tenant_a.integration, trigger=SyncRun.Trigger.MANUAL).exists()


def test_operator_cannot_edit_credentials(tenant_a, login):
    client = login(tenant_a.operator)
    response = client.post(
        url("organization", "change", tenant_a.org.pk),
        {"name": "Renamed", "mobilize_id": tenant_a.org.mobilize_id, "mobilize_api_key": "stolen"},
    )
    assert response.status_code == 403
    tenant_a.org.refresh_from_db()
    assert tenant_a.org.name == "Campaign A"


def test_admin_changes_own_integration(tenant_a, login):
    client = login(tenant_a.admin)
    response = client.post(
        url("integration", "change", tenant_a.integration.pk),
        {"name": "Renamed check", "enabled": "on", "schedule_every_minutes": "30", "schedule_crontab": ""},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    tenant_a.integration.refresh_from_db()
    assert tenant_a.integration.name == "Renamed check"


def test_organization_choices_are_the_users_admin_organizations_only(tenant_a, tenant_b, make_organization, login):
    other = make_organization(name="Campaign C")
    Membership.objects.create(user=tenant_a.admin, organization=other, role=Membership.Role.VIEWER)
    client = login(tenant_a.admin)
    form = client.get(url("integration", "add")).context["adminform"].form
    assert list(form.fields["organization"].queryset) == [tenant_a.org]


def test_adding_an_integration_to_another_organization_is_refused(tenant_a, tenant_b, login):
    client = login(tenant_a.admin)
    response = client.post(
        url("integration", "add"),
        {"organization": tenant_b.org.pk, "kind": IntegrationKind.ACTIONKIT_CRM, "name": "Sneaky", "enabled": "on"},
    )
    assert response.status_code == 200
    assert "organization" in response.context["adminform"].form.errors
    assert not Integration.objects.filter(name="Sneaky").exists()


def test_actionkit_connection_choices_are_the_integrations_organization_only(
    tenant_a, tenant_b, make_integration, login
):
    ak = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    client = login(tenant_a.admin)
    page = client.get(url("integration", "change", ak.pk))
    formset = page.context["inline_admin_formsets"][0].formset
    assert list(formset.forms[0].fields["connection"].queryset) == [tenant_a.connection]
    response = client.post(
        url("integration", "change", ak.pk),
        {
            "name": "AK crm",
            "enabled": "on",
            "schedule_every_minutes": "15",
            "actionkit-TOTAL_FORMS": "1",
            "actionkit-INITIAL_FORMS": "0",
            "actionkit-MIN_NUM_FORMS": "1",
            "actionkit-MAX_NUM_FORMS": "1",
            "actionkit-0-connection": tenant_b.connection.pk,
            "actionkit-0-campaign_id": "7",
            "actionkit-0-event_create_page": "create",
            "actionkit-0-event_signup_page": "signup",
            "actionkit-0-placeholder_email": "events@example.org",
        },
    )
    assert response.status_code == 200
    assert not ActionKitConfig.objects.filter(integration=ak).exists()


def test_superuser_sees_every_organization(tenant_a, tenant_b, superuser, login):
    client = login(superuser)
    for model, attr in MODELS.items():
        response = client.get(url(model, "changelist"))
        pks = {obj.pk for obj in response.context["cl"].result_list}
        assert {getattr(tenant_a, attr).pk, getattr(tenant_b, attr).pk} <= pks
    assert client.get(url("integration", "change", tenant_b.integration.pk)).status_code == 200


def test_celery_beat_admin_is_for_superusers_only(tenant_a, superuser, login):
    periodic = reverse("admin:django_celery_beat_periodictask_changelist")
    client = login(tenant_a.admin)
    assert client.get(periodic).status_code == 403
    assert b"django_celery_beat" not in client.get(reverse("admin:index")).content
    assert login(superuser).get(periodic).status_code == 200


def test_integration_filter_choices_do_not_name_other_organizations_integrations(tenant_a, tenant_b, login):
    client = login(tenant_a.viewer)
    for model in ("syncrun", "syncitem", "pendingretry", "recordlink"):
        content = client.get(url(model, "changelist")).content
        assert b"Check A" in content
        assert b"Check B" not in content


def test_filtering_by_another_organizations_run_shows_nothing(tenant_a, tenant_b, login):
    client = login(tenant_a.viewer)
    response = client.get(url("syncitem", "changelist") + f"?run={tenant_b.run.pk}")
    assert list(response.context["cl"].result_list) == []


def test_org_admin_adds_a_member_by_login(tenant_a, make_staff, login):
    newcomer = make_staff(username="newcomer")
    client = login(tenant_a.admin)
    memberships = list(tenant_a.org.memberships.order_by("pk"))
    data = {
        "name": tenant_a.org.name,
        "mobilize_id": tenant_a.org.mobilize_id,
        "mobilize_base_url": tenant_a.org.mobilize_base_url,
        "mobilize_api_key": "",
        "memberships-TOTAL_FORMS": str(len(memberships) + 1),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-organization"] = tenant_a.org.pk
        data[f"memberships-{index}-role"] = membership.role
    new = len(memberships)
    data[f"memberships-{new}-organization"] = tenant_a.org.pk
    data[f"memberships-{new}-username"] = "newcomer"
    data[f"memberships-{new}-role"] = Membership.Role.OPERATOR
    response = client.post(url("organization", "change", tenant_a.org.pk), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert Membership.objects.get(user=newcomer).role == Membership.Role.OPERATOR


def test_member_list_does_not_offer_every_user(tenant_a, tenant_b, login):
    content = login(tenant_a.admin).get(url("organization", "change", tenant_a.org.pk)).content
    assert b"viewer_a" in content
    assert b"admin_b" not in content


def test_viewer_sees_members_read_only(tenant_a, login):
    page = login(tenant_a.viewer).get(url("organization", "change", tenant_a.org.pk))
    assert page.status_code == 200
    assert b"viewer_a" in page.content
    assert b'name="memberships-0-role"' not in page.content


def test_only_superusers_add_or_delete_organizations(tenant_a, superuser, login):
    client = login(tenant_a.admin)
    assert client.get(url("organization", "add")).status_code == 403
    assert client.get(url("organization", "delete", tenant_a.org.pk)).status_code == 403
    assert login(superuser).get(url("organization", "add")).status_code == 200
