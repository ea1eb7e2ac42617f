"""The REST API: same scoping and roles as the admin, actions call the services, no credentials anywhere."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from integrations.models import Membership, PendingRetry, SyncItem, SyncRun
from tests.admin.conftest import AK_PASSWORD_A, API_KEY_A

ENDPOINTS = {"organization": "org", "integration": "integration", "run": "run", "item": "item"}


def list_url(name: str) -> str:
    return reverse(f"api:{name}-list")


def detail_url(name: str, pk: int) -> str:
    return reverse(f"api:{name}-detail", args=[pk])


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_lists_hold_only_the_callers_organizations(name, tenant_a, tenant_b, api):
    response = api(tenant_a.viewer).get(list_url(name))
    assert response.status_code == 200
    expected = {getattr(tenant_a, ENDPOINTS[name]).pk}
    if name == "item":
        expected = set(tenant_a.run.items.values_list("pk", flat=True))
    assert ids(response) == expected


@pytest.mark.parametrize("name", ENDPOINTS)
def test_another_organizations_object_is_404(name, tenant_a, tenant_b, api):
    response = api(tenant_b.admin).get(detail_url(name, getattr(tenant_a, ENDPOINTS[name]).pk))
    assert response.status_code == 404
    assert "Campaign A" not in response.content.decode()


@pytest.mark.parametrize("name", ENDPOINTS)
def test_superuser_sees_every_organization(name, tenant_a, tenant_b, superuser, api):
    expected = {getattr(tenant_a, ENDPOINTS[name]).pk, getattr(tenant_b, ENDPOINTS[name]).pk}
    assert expected <= ids(api(superuser).get(list_url(name)))


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_callers_are_refused(name, tenant_a, api):
    assert api().get(list_url(name)).status_code in (401, 403)


def test_user_without_membership_sees_nothing(make_staff, tenant_a, api):
    client = api(make_staff())
    for name in ENDPOINTS:
        assert client.get(list_url(name)).json()["results"] == []


@pytest.mark.parametrize("action", ["sync", "dry_run", "full_resync", "test_connection"])
def test_integration_actions_on_another_organization_are_404(action, tenant_a, tenant_b, api, memory):
    runs = SyncRun.objects.count()
    response = api(tenant_b.admin).post(
        reverse(f"api:integration-{action.replace('_', '-')}", args=[tenant_a.integration.pk])
    )
    assert response.status_code == 404
    assert SyncRun.objects.count() == runs


@pytest.mark.parametrize("action", ["sync", "dry_run", "full_resync", "test_connection"])
def test_viewers_cannot_run_actions(action, tenant_a, api, memory):
    runs = SyncRun.objects.count()
    response = api(tenant_a.viewer).post(
        reverse(f"api:integration-{action.replace('_', '-')}", args=[tenant_a.integration.pk])
    )
    assert response.status_code == 403
    assert SyncRun.objects.count() == runs


def test_retry_failed_on_another_organizations_run_is_404_and_viewer_is_403(tenant_a, tenant_b, api):
    url = reverse("api:run-retry-failed", args=[tenant_a.run.pk])
    assert api(tenant_b.admin).post(url).status_code == 404
    assert api(tenant_a.viewer).post(url).status_code == 403
    assert SyncRun.objects.count() == 2


@pytest.mark.parametrize(("action", "flag"), [("sync", None), ("dry-run", "dry_run"), ("full-resync", "full_resync")])
def test_operator_runs_the_flow(action, flag, tenant_a, api, memory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(tenant_a.operator).post(reverse(f"api:integration-{action}", args=[tenant_a.integration.pk]))
    assert response.status_code == 202
    assert response.json()["queued"] is True
    run = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    assert (run.trigger, run.fetched, run.failed) == (SyncRun.Trigger.API, 5, 1)
    if flag:
        assert getattr(run, flag)


def test_action_answer_includes_the_run_when_it_ran_at_once(tenant_a, api, memory, monkeypatch):
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda callback, using=None, robust=False: callback())
    response = api(tenant_a.operator).post(reverse("api:integration-sync", args=[tenant_a.integration.pk]))
    [run] = response.json()["runs"]
    assert (run["status"], run["created"], run["failed"]) == ("partial", 4, 1)
    assert run["streams"]["people"]["status"] == "finished"


def test_test_connection_reports_checks_and_errors(tenant_a, api, memory):
    client = api(tenant_a.operator)
    url = reverse("api:integration-test-connection", args=[tenant_a.integration.pk])
    assert client.post(url).json() == {
        "ok": True,
        "checks": ["Memory: the source answers.", "Memory: the destination answers."],
    }
    memory.broken = "Mobilize refused the API key (HTTP 403)."
    assert client.post(url).json() == {"ok": False, "error": "Mobilize refused the API key (HTTP 403)."}


def test_retry_failed_retries_the_runs_failures(tenant_a, api, memory, django_capture_on_commit_callbacks):
    PendingRetry.objects.filter(pk=tenant_a.pending.pk).update(source_id="2")
    SyncItem.objects.filter(run=tenant_a.run, action=SyncItem.Action.FAILED).update(source_id="2")
    with django_capture_on_commit_callbacks(execute=True):
        response = api(tenant_a.operator).post(reverse("api:run-retry-failed", args=[tenant_a.run.pk]))
    assert response.status_code == 202
    assert response.json()["retried"] == 1
    retry = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    assert (retry.trigger, retry.retry_only, retry.created) == ("retry", True, 1)


def test_runs_filter_by_integration_status_and_date_range(tenant_a, make_integration, api):
    from datetime import timedelta

    from django.utils import timezone

    other = make_integration(tenant_a.org, name="Other")
    ok = SyncRun.objects.create(integration=other, status=SyncRun.Status.SUCCEEDED)
    old = SyncRun.objects.create(integration=other, status=SyncRun.Status.SUCCEEDED)
    SyncRun.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(days=30))
    client = api(tenant_a.viewer)
    assert ids(client.get(list_url("run"), {"integration": other.pk})) == {ok.pk, old.pk}
    assert ids(client.get(list_url("run"), {"status": "partial"})) == {tenant_a.run.pk}
    since = (timezone.now() - timedelta(days=7)).isoformat()
    assert ids(client.get(list_url("run"), {"integration": other.pk, "started_after": since})) == {ok.pk}
    assert ids(client.get(list_url("run"), {"integration": other.pk, "started_before": since})) == {old.pk}


def test_items_filter_and_search(tenant_a, tenant_b, api):
    client = api(tenant_a.viewer)
    assert ids(client.get(list_url("item"), {"action": "failed"})) == set(
        tenant_a.run.items.filter(action="failed").values_list("pk", flat=True)
    )
    assert ids(client.get(list_url("item"), {"run": tenant_a.run.pk, "stream": "people"})) == set(
        tenant_a.run.items.values_list("pk", flat=True)
    )
    assert ids(client.get(list_url("item"), {"search": "ok-A@example"})) == {tenant_a.item.pk}
    assert ids(client.get(list_url("item"), {"search": "row-A-1"})) == {tenant_a.item.pk}
    assert ids(client.get(list_url("item"), {"search": "A-1"})) == {tenant_a.item.pk}
    assert ids(client.get(list_url("item"), {"run": tenant_b.run.pk})) == set()


def test_no_credential_in_any_response(tenant_a, superuser, api):
    from integrations.models import ActionKitConfig, IntegrationKind

    ak = tenant_a.integration.__class__.objects.create(
        organization=tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm"
    )
    ActionKitConfig.objects.create(
        integration=ak, connection=tenant_a.connection, campaign_id=3, event_create_page="c", event_signup_page="s"
    )
    for user in (tenant_a.admin, superuser):
        client = api(user)
        bodies = [client.get(list_url(name)).content for name in ENDPOINTS]
        bodies += [client.get(detail_url("organization", tenant_a.org.pk)).content]
        bodies += [client.get(detail_url("integration", ak.pk)).content]
        for body in bodies:
            assert API_KEY_A.encode() not in body and AK_PASSWORD_A.encode() not in body
    org = api(tenant_a.admin).get(detail_url("organization", tenant_a.org.pk)).json()
    assert org["has_api_key"] is True and org["role"] == Membership.Role.ADMIN
    settings = api(tenant_a.admin).get(detail_url("integration", ak.pk)).json()["settings"]
    assert settings["campaign_id"] == 3 and settings["connection_name"] == "AK A"
    assert "password" not in json.dumps(settings)


def test_integration_shows_schedule_last_run_and_pending_failures(tenant_a, api):
    row = api(tenant_a.viewer).get(detail_url("integration", tenant_a.integration.pk)).json()
    assert row["schedule"] == "on demand only"
    assert row["last_run"]["id"] == tenant_a.run.pk
    assert row["pending_failures"] == 1


def test_token_authentication(tenant_a, api, client):
    token = Token.objects.create(user=tenant_a.viewer)
    response = client.get(list_url("integration"), HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert ids(response) == {tenant_a.integration.pk}
    obtained = client.post(reverse("api:token"), {"username": "viewer_a", "password": "pass-word-123"})
    assert obtained.json()["token"] == token.key


def test_api_is_read_only_apart_from_actions(tenant_a, api):
    client = api(tenant_a.admin)
    assert client.patch(detail_url("integration", tenant_a.integration.pk), {"name": "x"}).status_code == 405
    assert client.delete(detail_url("run", tenant_a.run.pk)).status_code == 405


def test_schema_describes_the_api(tenant_a, api):
    response = api(tenant_a.viewer).get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert "/api/integrations/{id}/sync/" in paths
    assert "/api/runs/{id}/retry_failed/" in paths
    assert "/api/items/" in paths


def test_action_network_mobile_commons_settings_show_state_and_mappings_without_credentials(
    tenant_a, tenant_b, make_integration, api
):
    from integrations.models import AnMcConfig, IntegrationKind
    from integrations.models.anmc import ensure_field_mappings

    pair = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONNETWORK_MOBILECOMMONS, name="AN <-> MC")
    config = AnMcConfig.objects.create(
        integration=pair,
        an_login="organizer@example.org",
        an_password="an-secret-password",
        an_api_token="an-secret-token",
        mc_login="mc@example.org",
        mc_password="mc-secret-password",
        opt_in_field="mobile_opt_in",
    )
    ensure_field_mappings(config)
    body = api(tenant_a.admin).get(detail_url("integration", pair.pk))
    for secret in (b"an-secret-password", b"an-secret-token", b"mc-secret-password"):
        assert secret not in body.content
    settings = body.json()["settings"]
    assert (settings["has_an_password"], settings["has_an_api_token"], settings["has_mc_password"]) == (True,) * 3
    assert settings["active"] is False and settings["source_code"] == "Mobile Commons"
    assert [row["mc_field"] for row in settings["field_mappings"]][:3] == ["phone_number", "email", "opt_in_status"]
    assert api(tenant_b.admin).get(detail_url("integration", pair.pk)).status_code == 404
