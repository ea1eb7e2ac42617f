"""The integration pages: list columns, run buttons and actions, settings per kind, schedule, mapping table."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from integrations.admin.kinds import inlines_for
from integrations.models import Integration, IntegrationKind, PendingRetry, RecordLink, SyncRun
from tests import kinds

from . import memory_flow


def action_url(integration, action: str) -> str:
    return reverse("admin:integrations_integration_action", args=[integration.pk, action])


def change_url(integration) -> str:
    return reverse("admin:integrations_integration_change", args=[integration.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_list_shows_schedule_last_run_and_pending_failures(tenant_a, login):
    from integrations.services import ensure_schedule

    ensure_schedule(tenant_a.integration, every_minutes=20)
    response = login(tenant_a.viewer).get(reverse("admin:integrations_integration_changelist"))
    row = response.context["cl"].result_list[0]
    assert row.pending_failures == 1
    assert row.last_run_id == tenant_a.run.pk
    content = response.content.decode()
    assert "every 20 minutes" in content
    assert "Partial (some items failed)" in content
    assert reverse("admin:integrations_syncrun_change", args=[tenant_a.run.pk]) in content
    assert f"pendingretry/?integration={tenant_a.integration.pk}" in content


def test_sync_now_runs_the_flow_and_links_the_run(tenant_a, login, memory, django_capture_on_commit_callbacks):
    client = login(tenant_a.operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(tenant_a.integration, "sync"), follow=True)
    run = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    assert run.pk != tenant_a.run.pk
    assert (run.trigger, run.status, run.created, run.failed) == ("manual", "partial", 4, 1)
    assert len(memory.rows) == 4
    assert PendingRetry.objects.filter(integration=tenant_a.integration, source_id="5").exists()
    # The message is written after the on_commit run when Celery is eager; under test the run
    # happens as the capture block ends, so the message says it is queued and links the runs.
    assert any("Sync now" in message for message in messages_of(response))


def test_sync_now_message_names_the_run_when_it_ran_at_once(tenant_a, login, memory, monkeypatch):
    from django.db import transaction

    # Outside a test transaction on_commit runs immediately, as in a real request.
    monkeypatch.setattr(transaction, "on_commit", lambda callback, using=None, robust=False: callback())
    response = login(tenant_a.operator).post(action_url(tenant_a.integration, "sync"), follow=True)
    run = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    [message] = messages_of(response)
    assert f"run #{run.pk} partial" in message
    assert "created 4" in message and "failed 1" in message
    assert reverse("admin:integrations_syncrun_change", args=[run.pk]) in message


def test_dry_run_writes_nothing(tenant_a, login, memory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        login(tenant_a.operator).post(action_url(tenant_a.integration, "dry_run"))
    run = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    assert run.dry_run and run.created == 4
    assert memory.rows == {}
    assert (
        not RecordLink.objects.filter(integration=tenant_a.integration, source_type="test.person")
        .exclude(source_id__startswith="A-")
        .exists()
    )


def test_full_resync_rewrites_unchanged_records(tenant_a, login, memory, django_capture_on_commit_callbacks):
    client = login(tenant_a.operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(tenant_a.integration, "sync"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(tenant_a.integration, "sync"))
    assert SyncRun.objects.filter(integration=tenant_a.integration).latest("pk").updated == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(tenant_a.integration, "full_resync"))
    run = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    assert run.full_resync and run.updated == 4


def test_test_connection_lists_what_was_checked(tenant_a, login, memory):
    response = login(tenant_a.operator).post(action_url(tenant_a.integration, "test_connection"), follow=True)
    [message] = messages_of(response)
    assert "Memory: the source answers." in message
    assert response.redirect_chain[-1][0] == change_url(tenant_a.integration)


def test_test_connection_shows_a_connector_error_as_an_error(tenant_a, login, memory):
    memory.broken = "Mobilize refused the API key (HTTP 403): check it on the organization page."
    response = login(tenant_a.operator).post(action_url(tenant_a.integration, "test_connection"), follow=True)
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error"
    assert "Mobilize refused the API key" in str(message)


def test_test_connection_shows_a_configuration_error(tenant_a, make_integration, login):
    # An ActionKit integration without its settings: the flow raises ValueError with a sentence.
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, name="AK ds")
    response = login(tenant_a.admin).post(action_url(integration, "test_connection"), follow=True)
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error"
    assert "has no ActionKit settings" in str(message)


def test_action_urls_accept_post_only(tenant_a, login, memory):
    assert login(tenant_a.admin).get(action_url(tenant_a.integration, "sync")).status_code == 405
    assert SyncRun.objects.filter(integration=tenant_a.integration).count() == 1


def test_action_urls_need_the_csrf_token(tenant_a, memory):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.admin)
    assert client.post(action_url(tenant_a.integration, "sync")).status_code == 403


@pytest.mark.parametrize(
    ("action", "flag"), [("sync_now", None), ("dry_run", "dry_run"), ("full_resync", "full_resync")]
)
def test_changelist_actions_run_every_selected_integration(
    action, flag, tenant_a, make_integration, login, memory, django_capture_on_commit_callbacks
):
    second = make_integration(tenant_a.org, name="Second check")
    with django_capture_on_commit_callbacks(execute=True):
        login(tenant_a.operator).post(
            reverse("admin:integrations_integration_changelist"),
            {"action": action, "_selected_action": [tenant_a.integration.pk, second.pk]},
        )
    for integration in (tenant_a.integration, second):
        run = SyncRun.objects.filter(integration=integration).latest("pk")
        assert run.trigger == SyncRun.Trigger.MANUAL and run.fetched == 5
        if flag:
            assert getattr(run, flag)


def test_changelist_test_connection_action(tenant_a, login, memory):
    response = login(tenant_a.operator).post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "test_connection", "_selected_action": [tenant_a.integration.pk]},
        follow=True,
    )
    assert any("Memory: the destination answers." in m for m in messages_of(response))


def test_changelist_action_skips_integrations_where_the_user_is_viewer(
    tenant_a, make_organization, make_integration, login, memory, django_capture_on_commit_callbacks
):
    from integrations.models import Membership

    other = make_organization(name="Watched org")
    watched = make_integration(other, name="Watched")
    Membership.objects.create(user=tenant_a.operator, organization=other, role=Membership.Role.VIEWER)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(tenant_a.operator).post(
            reverse("admin:integrations_integration_changelist"),
            {"action": "sync_now", "_selected_action": [tenant_a.integration.pk, watched.pk]},
            follow=True,
        )
    assert not SyncRun.objects.filter(integration=watched).exists()
    assert SyncRun.objects.filter(integration=tenant_a.integration).count() == 2
    assert any("1 selected integration(s) skipped" in m for m in messages_of(response))


def test_change_page_shows_the_mapping_table(tenant_a, login, memory):
    page = login(tenant_a.viewer).get(change_url(tenant_a.integration))
    assert page.context["mapping_table"] == memory_flow.MAPPING
    assert b"person.email_addresses[0].address" in page.content
    assert b"title case" in page.content


def test_kind_without_a_flow_shows_no_mapping_and_no_error(tenant_a, make_integration, login, monkeypatch):
    from integrations.flows import registry

    integration = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    monkeypatch.delitem(registry.FLOWS, IntegrationKind.ACTIONKIT_CRM)
    page = login(tenant_a.viewer).get(change_url(integration))
    assert page.status_code == 200
    assert page.context["mapping_table"] == []
    assert b"has no mapping to show yet" in page.content


def test_actionkit_kinds_get_the_actionkit_settings_inline(tenant_a, make_integration, login):
    ak = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    client = login(tenant_a.admin)
    [settings] = client.get(change_url(ak)).context["inline_admin_formsets"]
    assert settings.opts.model.__name__ == "ActionKitConfig"
    assert client.get(change_url(tenant_a.integration)).context["inline_admin_formsets"] == []


def test_actionkit_settings_are_saved_from_the_integration_page(tenant_a, make_integration, login):
    ak = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    response = login(tenant_a.admin).post(
        change_url(ak),
        {
            "name": "AK crm",
            "enabled": "on",
            "schedule_every_minutes": "15",
            "actionkit-TOTAL_FORMS": "1",
            "actionkit-INITIAL_FORMS": "0",
            "actionkit-MIN_NUM_FORMS": "1",
            "actionkit-MAX_NUM_FORMS": "1",
            "actionkit-0-connection": tenant_a.connection.pk,
            "actionkit-0-campaign_id": "12",
            "actionkit-0-event_create_page": "mobilize_create",
            "actionkit-0-event_signup_page": "mobilize_signup",
            "actionkit-0-placeholder_email": "events@example.org",
        },
    )
    assert response.status_code == 302
    ak.refresh_from_db()
    assert (ak.actionkit.campaign_id, ak.actionkit.event_signup_page) == (12, "mobilize_signup")


def test_a_new_kind_registers_its_own_inline(monkeypatch):
    from django.contrib import admin

    from integrations.admin import kinds

    class PretendInline(admin.StackedInline):
        model = Integration

    monkeypatch.setattr(kinds, "KIND_INLINES", {k: list(v) for k, v in kinds.KIND_INLINES.items()})
    kinds.register_kind_inline("pretend_kind", PretendInline)
    assert inlines_for("pretend_kind") == [PretendInline]
    assert PretendInline not in inlines_for(IntegrationKind.ACTIONKIT_CRM)


def test_adding_an_actionkit_integration_continues_to_its_settings(tenant_a, login):
    response = login(tenant_a.admin).post(
        reverse("admin:integrations_integration_add"),
        {
            "organization": tenant_a.org.pk,
            "kind": IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND,
            "name": "Distributed",
            "enabled": "on",
            "schedule_every_minutes": "15",
        },
    )
    integration = Integration.objects.get(name="Distributed")
    assert response.status_code == 302
    assert response.url == change_url(integration)


def test_kind_and_organization_are_fixed_after_creation(tenant_a, login):
    client = login(tenant_a.admin)
    client.post(
        change_url(tenant_a.integration),
        {"name": "Check A", "kind": IntegrationKind.ACTIONKIT_CRM, "enabled": "on", "schedule_every_minutes": "5"},
    )
    tenant_a.integration.refresh_from_db()
    assert tenant_a.integration.kind == kinds.MEMORY


# --- the schedule editor ----------------------------------------------------------------------
def post_schedule(client, integration, every: str = "", crontab: str = "", enabled: bool = True):
    data = {"name": integration.name, "schedule_every_minutes": every, "schedule_crontab": crontab}
    if enabled:
        data["enabled"] = "on"
    return client.post(change_url(integration), data)


def test_new_integration_gets_a_periodic_task(tenant_a, login):
    login(tenant_a.admin).post(
        reverse("admin:integrations_integration_add"),
        {
            "organization": tenant_a.org.pk,
            "kind": IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND,
            "name": "Scheduled",
            "enabled": "on",
            "schedule_every_minutes": "30",
        },
    )
    task = Integration.objects.get(name="Scheduled").schedule
    assert (task.interval.every, task.interval.period, task.enabled) == (30, "minutes", True)
    assert task.task == "integrations.run_integration"


def test_schedule_editor_switches_between_interval_crontab_and_none(tenant_a, login):
    client = login(tenant_a.admin)
    assert post_schedule(client, tenant_a.integration, every="10").status_code == 302
    tenant_a.integration.refresh_from_db()
    task_pk = tenant_a.integration.schedule.pk
    assert tenant_a.integration.schedule.interval.every == 10
    assert post_schedule(client, tenant_a.integration, crontab="*/30  6-22 * * 1-5").status_code == 302
    tenant_a.integration.refresh_from_db()
    task = tenant_a.integration.schedule
    assert task.pk == task_pk and task.interval is None
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("*/30", "6-22", "1-5")
    page = client.get(change_url(tenant_a.integration))
    assert page.context["adminform"].form.initial["schedule_crontab"] == "*/30 6-22 * * 1-5"
    assert post_schedule(client, tenant_a.integration).status_code == 302
    tenant_a.integration.refresh_from_db()
    assert tenant_a.integration.schedule is None
    assert not PeriodicTask.objects.filter(pk=task_pk).exists()


def test_disabling_an_integration_pauses_its_periodic_task(tenant_a, login):
    client = login(tenant_a.admin)
    post_schedule(client, tenant_a.integration, every="10")
    post_schedule(client, tenant_a.integration, every="10", enabled=False)
    tenant_a.integration.refresh_from_db()
    assert tenant_a.integration.schedule.enabled is False
    listing = client.get(reverse("admin:integrations_integration_changelist")).content
    assert b"every 10 minutes (paused)" in listing


@pytest.mark.parametrize(
    ("every", "crontab", "error_field"),
    [
        ("", "every day", "schedule_crontab"),
        ("", "61 * * * *", "schedule_crontab"),
        ("5", "* * * * *", "schedule_crontab"),
        ("0", "", "schedule_every_minutes"),
    ],
)
def test_bad_schedules_are_form_errors(every, crontab, error_field, tenant_a, login):
    response = post_schedule(login(tenant_a.admin), tenant_a.integration, every=every, crontab=crontab)
    assert response.status_code == 200
    assert error_field in response.context["adminform"].form.errors
    tenant_a.integration.refresh_from_db()
    assert tenant_a.integration.schedule is None


def test_actionkit_integration_page_shows_the_mapping_a_campaign_would_check(tenant_a, make_integration, login):
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    page = login(tenant_a.viewer).get(change_url(integration))
    destinations = {row[1] for row in page.context["mapping_table"]}
    assert any("address1" in name for name in destinations)
    assert any("mobilize_attendance_status" in name for name in destinations)
    assert b"Address provided upon RSVP" in page.content
