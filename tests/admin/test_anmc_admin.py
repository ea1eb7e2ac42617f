"""The Action Network <-> Mobile Commons page: Configure Integration, Integration Actions, Edit Field Mappings.

Roles and tenancy (only the organization's admins see or change the credentials), write-only
secrets, the seed's Required refusals, Refresh opt-in paths, and Activate / Deactivate with the
two django-celery-beat schedules they write.
"""

from __future__ import annotations

import json
import re
import sys
import types
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from integrations import anmc_services, services
from integrations.connectors.errors import AuthenticationError, ConnectorError, ServerError
from integrations.models import (
    AnMcConfig,
    AnMcFieldMapping,
    Integration,
    IntegrationKind,
    McField,
    McOptInPath,
)
from integrations.models.anmc import ACTION_NETWORK_LOGIN_URL, PULL_STREAM, PUSH_STREAM, REQUIRED_REFUSED

from . import anmc_fakes
from .conftest import API_KEY_A
from .html_forms import form_data

AN_PASSWORD_A = "an-password-of-org-a-Hq72kd"
AN_TOKEN_A = "an-osdi-token-of-org-a-5d1e9f0c"
MC_PASSWORD_A = "mc-password-of-org-a-Lp03vv"
AN_TOKEN_B = "an-osdi-token-of-org-b-7a7a7a7a"
MC_PASSWORD_B = "mc-password-of-org-b-8c8c8c"
SECRETS_A = (AN_PASSWORD_A, AN_TOKEN_A, MC_PASSWORD_A)
KIND = IntegrationKind.ACTIONNETWORK_MOBILECOMMONS


def change_url(integration: Integration) -> str:
    return reverse("admin:integrations_integration_change", args=[integration.pk])


def action_url(integration: Integration, action: str) -> str:
    return reverse("admin:integrations_integration_action", args=[integration.pk, action])


def mappings_url(integration: Integration) -> str:
    return reverse("admin:integrations_integration_field_mappings", args=[integration.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def make_anmc(tenant, make_integration, an_token: str, mc_password: str, *, complete: bool = False) -> Integration:
    integration = make_integration(tenant.org, kind=KIND, name=f"AN-MC {tenant.org.name[-1]}")
    config = anmc_services.ensure_config(integration)
    config.an_login = f"sync@{tenant.org.name[-1].lower()}.example.org"
    config.an_password = AN_PASSWORD_A if an_token == AN_TOKEN_A else "an-password-of-org-b"
    config.an_api_token = an_token
    config.mc_login = f"mc@{tenant.org.name[-1].lower()}.example.org"
    config.mc_password = mc_password
    if complete:
        config.default_opt_in_path = McOptInPath.objects.create(
            config=config, mc_id="41", name="Action Network sync", campaign_id="12", campaign_name="Main"
        )
        config.opt_in_field = "mobile_subscriber"
    config.save()
    return integration


@pytest.fixture
def anmc_a(tenant_a, make_integration) -> Integration:
    return make_anmc(tenant_a, make_integration, AN_TOKEN_A, MC_PASSWORD_A)


@pytest.fixture
def anmc_b(tenant_b, make_integration) -> Integration:
    return make_anmc(tenant_b, make_integration, AN_TOKEN_B, MC_PASSWORD_B)


@pytest.fixture
def fake(monkeypatch) -> anmc_fakes.FakeAccounts:
    return anmc_fakes.install(monkeypatch)


def config_of(integration: Integration) -> AnMcConfig:
    return AnMcConfig.objects.select_related("default_opt_in_path", "pull_schedule", "push_schedule").get(
        integration=integration
    )


def save_page(client, integration: Integration, **changes: str):
    """GET the page, change some fields, POST it back: what a person does in the browser."""
    data = form_data(client.get(change_url(integration)).content, "integration_form")
    data.update(changes)
    data["_continue"] = "Save and continue editing"
    return client.post(change_url(integration), data)


# --- Configure Integration -------------------------------------------------------------------------------
def test_adding_the_integration_creates_its_settings_and_default_field_rows_and_no_schedule(tenant_a, login):
    response = login(tenant_a.admin).post(
        reverse("admin:integrations_integration_add"),
        {
            "organization": tenant_a.org.pk,
            "kind": KIND,
            "name": "AN <-> MC",
            "enabled": "on",
            # The add page cannot know the kind yet: its interval default must not become a schedule.
            "schedule_every_minutes": "15",
            "schedule_timezone": "UTC",
        },
    )
    integration = Integration.objects.get(name="AN <-> MC")
    assert response.status_code == 302 and response.url == change_url(integration)
    assert integration.schedule is None
    config = config_of(integration)
    rows = list(AnMcFieldMapping.objects.filter(config=config))
    assert sorted(row.mc_field for row in rows) == sorted(McField.values)
    by_field = {row.mc_field: row for row in rows}
    assert by_field[McField.PHONE_NUMBER].an_field == "phone_number"
    assert by_field[McField.EMAIL].an_field == "email_address"
    assert not any(row.required for row in rows)
    assert (config.active, config.source_code, config.pull_schedule, config.push_schedule) == (
        False,
        "Mobile Commons",
        None,
        None,
    )


def test_org_admin_sees_the_form_with_write_only_secrets(anmc_a, tenant_a, login):
    client = login(tenant_a.admin)
    html = client.get(change_url(anmc_a)).content.decode()
    for secret in (*SECRETS_A, API_KEY_A):
        assert secret not in html
    assert html.count("Set. Leave blank to keep the stored value") == 3
    for name in ("an_password", "an_api_token", "mc_password"):
        assert re.search(rf'<input type="password" name="anmc-0-{name}"(?![^>]*value=)', html), name
    assert 'name="anmc-0-an_login" value="sync@a.example.org"' in html
    assert 'id="configure-integration"' in html and 'id="integration-actions"' in html
    # No schedule editor: the pair's schedules come from its own settings (Activate).
    assert 'name="schedule_every_minutes"' not in html and 'name="schedule_crontab"' not in html


def test_blank_secrets_keep_the_stored_values_and_new_ones_replace_them(anmc_a, tenant_a, login):
    client = login(tenant_a.admin)
    response = save_page(client, anmc_a, **{"anmc-0-source_code": "MC", "anmc-0-notes": "kept for the data team"})
    assert response.status_code == 302
    config = config_of(anmc_a)
    assert (config.an_password, config.an_api_token, config.mc_password) == SECRETS_A
    assert (config.source_code, config.notes) == ("MC", "kept for the data team")
    assert save_page(client, anmc_a, **{"anmc-0-mc_password": "a-new-mc-password-42"}).status_code == 302
    config = config_of(anmc_a)
    assert (config.mc_password, config.an_api_token) == ("a-new-mc-password-42", AN_TOKEN_A)
    assert "a-new-mc-password-42" not in client.get(change_url(anmc_a)).content.decode()


def test_settings_without_secrets_say_not_set(tenant_a, make_integration, login):
    integration = make_integration(tenant_a.org, kind=KIND, name="Fresh")
    anmc_services.ensure_config(integration)
    html = login(tenant_a.admin).get(change_url(integration)).content.decode()
    assert html.count("Not set. It is stored encrypted and never shown again.") == 3


def test_settings_are_made_on_the_page_when_the_integration_has_none(tenant_a, make_integration, login):
    integration = make_integration(tenant_a.org, kind=KIND, name="Made elsewhere")
    client = login(tenant_a.admin)
    page = client.get(change_url(integration))
    assert page.status_code == 200 and "Fill in Configure Integration and save." in page.content.decode()
    response = save_page(
        client, integration, **{"anmc-0-an_api_token": "token-typed-on-the-page", "anmc-0-mc_login": "mc@a.example.org"}
    )
    assert response.status_code == 302
    config = config_of(integration)
    assert (config.an_api_token, config.mc_login) == ("token-typed-on-the-page", "mc@a.example.org")
    assert config.field_mappings.count() == len(McField.values)


def test_the_time_zone_must_be_one_zoneinfo_knows(anmc_a, tenant_a, login):
    client = login(tenant_a.admin)
    response = save_page(client, anmc_a, **{"anmc-0-time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "is not a time zone name zoneinfo knows" in response.content.decode()
    assert config_of(anmc_a).time_zone == "America/New_York"
    assert save_page(client, anmc_a, **{"anmc-0-time_zone": "America/Chicago"}).status_code == 302
    assert config_of(anmc_a).time_zone == "America/Chicago"


def test_push_hours_must_be_a_daytime_range(anmc_a, tenant_a, login):
    response = save_page(
        login(tenant_a.admin), anmc_a, **{"anmc-0-push_from_hour": "22", "anmc-0-push_until_hour": "7"}
    )
    assert response.status_code == 200
    assert "The push&#x27;s hours must be a daytime range" in response.content.decode()


def test_default_opt_in_path_choices_are_this_configs_paths_only(anmc_a, anmc_b, tenant_a, login):
    own = McOptInPath.objects.create(config=config_of(anmc_a), mc_id="41", name="Own path", campaign_name="Main")
    foreign = McOptInPath.objects.create(config=config_of(anmc_b), mc_id="77", name="Path of B")
    client = login(tenant_a.admin)
    page = client.get(change_url(anmc_a))
    [formset] = page.context["inline_admin_formsets"]
    assert list(formset.formset.forms[0].fields["default_opt_in_path"].queryset) == [own]
    assert b"Path of B" not in page.content
    response = save_page(client, anmc_a, **{"anmc-0-default_opt_in_path": str(foreign.pk)})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert save_page(client, anmc_a, **{"anmc-0-default_opt_in_path": str(own.pk)}).status_code == 302
    assert config_of(anmc_a).default_opt_in_path == own


# --- Roles and tenancy -----------------------------------------------------------------------------------
def test_operator_and_viewer_never_see_the_credentials_form(anmc_a, tenant_a, login):
    for user in (tenant_a.operator, tenant_a.viewer):
        html = login(user).get(change_url(anmc_a)).content.decode()
        assert 'name="anmc-0-' not in html, user.username
        assert 'id="configure-integration"' not in html and "sync@a.example.org" not in html
        assert "Set. Leave blank" not in html and "Edit Field Mappings" not in html
        assert 'name="activate"' not in html and 'name="refresh_opt_in_paths"' not in html
        assert 'id="anmc-state"' in html  # the state is for everyone who sees the page
    operator_html = login(tenant_a.operator).get(change_url(anmc_a)).content.decode()
    assert 'name="run_pull"' in operator_html and 'name="run_push"' in operator_html
    assert 'name="sync"' in operator_html and 'name="test_connection"' in operator_html
    viewer_html = login(tenant_a.viewer).get(change_url(anmc_a)).content.decode()
    assert 'name="run_pull"' not in viewer_html and 'name="sync"' not in viewer_html


def test_operator_and_viewer_cannot_configure_activate_or_edit_mappings(anmc_a, tenant_a, login, fake):
    for user in (tenant_a.operator, tenant_a.viewer):
        client = login(user)
        for action in ("activate", "deactivate", "refresh_opt_in_paths"):
            assert client.post(action_url(anmc_a, action)).status_code == 403, (user.username, action)
        assert client.get(mappings_url(anmc_a)).status_code == 403
        assert client.post(mappings_url(anmc_a), {}).status_code == 403
    assert login(tenant_a.viewer).post(action_url(anmc_a, "run_pull")).status_code == 403
    assert fake.asked == []
    assert config_of(anmc_a).active is False


def test_another_organizations_admin_reaches_nothing(anmc_a, tenant_a, tenant_b, login, fake):
    client = login(tenant_b.admin)
    page = client.get(change_url(anmc_a))
    assert page.status_code in (302, 404)
    assert b"sync@a.example.org" not in page.content
    for action in ("activate", "deactivate", "refresh_opt_in_paths", "run_pull", "run_push"):
        assert client.post(action_url(anmc_a, action)).status_code == 404
    assert client.get(mappings_url(anmc_a)).status_code == 404
    config = config_of(anmc_a)
    client.post(
        change_url(anmc_a),
        {
            "name": "taken over",
            "anmc-TOTAL_FORMS": "1",
            "anmc-INITIAL_FORMS": "1",
            "anmc-MIN_NUM_FORMS": "1",
            "anmc-MAX_NUM_FORMS": "1",
            "anmc-0-id": str(config.pk),
            "anmc-0-integration": str(anmc_a.pk),
            "anmc-0-mc_password": "stolen",
        },
    )
    config = config_of(anmc_a)
    assert (config.mc_password, config.active, fake.asked) == (MC_PASSWORD_A, False, [])
    assert Integration.objects.get(pk=anmc_a.pk).name == "AN-MC A"


def test_a_superuser_configures_any_organizations_pair(anmc_a, superuser, login):
    client = login(superuser)
    html = client.get(change_url(anmc_a)).content.decode()
    assert 'name="anmc-0-an_login"' in html and 'name="activate"' in html
    assert client.get(mappings_url(anmc_a)).status_code == 200


def test_field_mappings_page_of_another_kind_is_not_found(tenant_a, login):
    assert login(tenant_a.admin).get(mappings_url(tenant_a.integration)).status_code == 404


# --- Edit Field Mappings ---------------------------------------------------------------------------------
def mapping_rows(integration: Integration) -> list[AnMcFieldMapping]:
    order = {field: index for index, field in enumerate(McField.values)}
    return sorted(AnMcFieldMapping.objects.filter(config__integration=integration), key=lambda m: order[m.mc_field])


def mapping_data(client, integration: Integration, **changes: dict[str, str]) -> dict[str, str]:
    """The field mappings form as the page renders it, with some rows changed ({mc_field: {name: value}})."""
    return form_data(client.get(mappings_url(integration)).content, "field-mappings-form") | {
        f"mapping-{index}-{name}": value
        for index, row in enumerate(mapping_rows(integration))
        for name, value in changes.get(row.mc_field, {}).items()
    }


@pytest.fixture
def admin_client_a(tenant_a, login):
    return login(tenant_a.admin)


def without(data: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in data.items() if key != name}


def test_field_mappings_page_lists_every_default_row_in_order(anmc_a, admin_client_a):
    config = config_of(anmc_a)
    config.opt_in_field = "mobile_subscriber"
    config.save()
    html = admin_client_a.get(mappings_url(anmc_a)).content.decode()
    rows = re.findall(r'<tr class="anmc-mapping" data-field="([^"]+)">', html)
    assert rows == list(McField.values)
    assert ">Phone number</label>" in html and ">Opt-in status</label>" in html
    for header in ('<th scope="col">Field</th>', "API Field Name", "Required?"):
        assert header in html
    opt_in_row = re.search(r'data-field="opt_in_status">(.*?)</tr>', html, re.S).group(1)
    assert "<code>mobile_subscriber</code>" in opt_in_row and "set in" in opt_in_row
    assert "Configure Integration" in opt_in_row and 'name="mapping-2-an_field"' not in opt_in_row
    assert 'value="email_address"' in html


@pytest.mark.parametrize("field", [McField.PHONE_NUMBER, McField.EMAIL, McField.OPT_IN_STATUS, McField.CONSTITUENT_ID])
def test_required_is_refused_for_the_seeds_fields_and_nothing_is_saved(anmc_a, admin_client_a, field):
    data = mapping_data(admin_client_a, anmc_a, **{field: {"required": "on"}, McField.POSTAL_CODE: {"required": "on"}})
    response = admin_client_a.post(mappings_url(anmc_a), data)
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(rf'data-field="{field}">(.*?)</tr>', html, re.S).group(1)
    reason = REQUIRED_REFUSED[field].replace("'", "&#x27;")
    assert reason in row, "the seed's reason is shown next to the row"
    assert html.count(reason) == 1
    assert "Nothing was saved" in html
    assert not AnMcFieldMapping.objects.filter(config__integration=anmc_a, required=True).exists()


def test_the_constituent_refusal_is_the_seeds_own_caution(anmc_a):
    assert REQUIRED_REFUSED[McField.CONSTITUENT_ID].startswith(
        "Do not select Required for Constituent as this ID is provided by Action Network."
    )


def test_a_valid_required_field_and_a_renamed_api_field_are_saved(anmc_a, admin_client_a):
    data = mapping_data(
        admin_client_a,
        anmc_a,
        **{McField.POSTAL_CODE: {"required": "on"}, McField.FIRST_NAME: {"an_field": "first_name_custom"}},
    )
    response = admin_client_a.post(mappings_url(anmc_a), data, follow=True)
    assert "Required: Postal code." in " ".join(messages_of(response))
    rows = {row.mc_field: row for row in mapping_rows(anmc_a)}
    assert rows[McField.POSTAL_CODE].required is True
    assert rows[McField.FIRST_NAME].an_field == "first_name_custom"
    assert [f for f, row in rows.items() if row.required] == [McField.POSTAL_CODE]
    # A plain save keeps it; unticking makes it optional again.
    assert admin_client_a.post(mappings_url(anmc_a), mapping_data(admin_client_a, anmc_a)).status_code == 302
    assert AnMcFieldMapping.objects.get(config__integration=anmc_a, mc_field=McField.POSTAL_CODE).required
    data = without(
        mapping_data(admin_client_a, anmc_a), f"mapping-{list(McField.values).index(McField.POSTAL_CODE)}-required"
    )
    assert admin_client_a.post(mappings_url(anmc_a), data).status_code == 302
    assert not AnMcFieldMapping.objects.filter(config__integration=anmc_a, required=True).exists()


def test_phone_and_email_need_an_api_field_name(anmc_a, admin_client_a):
    response = admin_client_a.post(
        mappings_url(anmc_a), mapping_data(admin_client_a, anmc_a, **{McField.EMAIL: {"an_field": ""}})
    )
    assert response.status_code == 200
    assert "Phone number and Email must exist in both databases" in response.content.decode()
    assert AnMcFieldMapping.objects.get(config__integration=anmc_a, mc_field=McField.EMAIL).an_field == "email_address"


def test_the_opt_in_row_name_cannot_be_changed_on_the_mappings_page(anmc_a, admin_client_a):
    data = mapping_data(admin_client_a, anmc_a) | {"mapping-2-an_field": "smuggled"}
    assert admin_client_a.post(mappings_url(anmc_a), data).status_code == 302
    assert AnMcFieldMapping.objects.get(config__integration=anmc_a, mc_field=McField.OPT_IN_STATUS).an_field == ""


def test_rows_of_another_config_cannot_be_edited_through_this_page(anmc_a, anmc_b, admin_client_a):
    foreign = AnMcFieldMapping.objects.get(config__integration=anmc_b, mc_field=McField.POSTAL_CODE)
    data = mapping_data(admin_client_a, anmc_a) | {"mapping-10-id": str(foreign.pk), "mapping-10-required": "on"}
    response = admin_client_a.post(mappings_url(anmc_a), data)
    assert response.status_code == 200
    assert "The table has changed since this page was loaded" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.required is False


# --- Refresh opt-in paths -------------------------------------------------------------------------------
def test_refresh_opt_in_paths_upserts_deletes_and_clears_a_vanished_default(anmc_a, tenant_a, login, fake):
    config = config_of(anmc_a)
    kept = McOptInPath.objects.create(
        config=config, mc_id="41", name="Old name", campaign_id="12", campaign_name="Main"
    )
    gone = McOptInPath.objects.create(config=config, mc_id="50", name="Spring drive", campaign_name="Main")
    config.default_opt_in_path = gone
    config.save()
    fake.campaign(12, "Main", [(41, "Action Network sync"), (42, "Web signup")])
    fake.campaign(13, "Archive", [(60, "Old keyword")], active=False)
    response = login(tenant_a.admin).post(action_url(anmc_a, "refresh_opt_in_paths"), follow=True)
    [message] = messages_of(response)
    assert "Mobile Commons lists 2 opt-in paths in active campaigns." in message
    assert "New: Web signup (Main)." in message
    assert "Renamed or moved: Action Network sync (Main)." in message
    assert "No longer listed, removed: Spring drive (Main)." in message
    assert "Paths of inactive campaigns are not offered: Archive." in message
    assert "The default web opt-in path, Spring drive (Main), is no longer listed" in message
    paths = {path.mc_id: path for path in McOptInPath.objects.filter(config=config)}
    assert sorted(paths) == ["41", "42"]
    assert paths["41"].pk == kept.pk and paths["41"].name == "Action Network sync"
    assert (paths["42"].campaign_id, paths["42"].campaign_name) == ("12", "Main")
    config = config_of(anmc_a)
    assert config.default_opt_in_path is None and config.opt_in_paths_refreshed_at is not None
    # The renamed path can be the default; a second refresh changes nothing.
    config.default_opt_in_path = paths["41"]
    config.save()
    assert anmc_services.refresh_opt_in_paths(config) == [
        "Mobile Commons lists 2 opt-in paths in active campaigns.",
        "No opt-in path changed.",
        "Paths of inactive campaigns are not offered: Archive.",
    ]
    assert config_of(anmc_a).default_opt_in_path == paths["41"]


def test_refresh_opt_in_paths_failure_is_readable_and_hides_credentials(anmc_a, tenant_a, login, fake):
    McOptInPath.objects.create(config=config_of(anmc_a), mc_id="41", name="Kept")
    fake.mc_error = AuthenticationError(f"Access denied for mc@a.example.org:{MC_PASSWORD_A} (401)", status=401)
    response = login(tenant_a.admin).post(action_url(anmc_a, "refresh_opt_in_paths"), follow=True)
    [message] = messages_of(response)
    assert message.startswith("Refresh opt-in paths of AN-MC A failed: Access denied")
    assert MC_PASSWORD_A not in message and "[hidden]" in message
    assert list(McOptInPath.objects.filter(config__integration=anmc_a).values_list("name", flat=True)) == ["Kept"]


def test_refresh_opt_in_paths_without_a_login_says_what_is_missing(anmc_a, tenant_a, login, fake):
    config = config_of(anmc_a)
    config.mc_password = ""
    config.save()
    response = login(tenant_a.admin).post(action_url(anmc_a, "refresh_opt_in_paths"), follow=True)
    assert messages_of(response) == [
        "Refresh opt-in paths of AN-MC A failed: Enter the Mobile Commons login and password in Configure "
        "Integration and save."
    ]
    assert fake.asked == []


# --- Activate / Deactivate ------------------------------------------------------------------------------
def test_activate_refuses_while_the_settings_are_incomplete(tenant_a, make_integration, login):
    integration = make_integration(tenant_a.org, kind=KIND, name="Fresh")
    config = anmc_services.ensure_config(integration)
    assert anmc_services.configuration_problems(config) == [
        "Enter the Action Network OSDI API token in Configure Integration and save.",
        "Enter the Mobile Commons login and password in Configure Integration and save.",
        "Enter the Action Network mobile opt-in Boolean field name in Configure Integration and save.",
    ]
    response = login(tenant_a.admin).post(action_url(integration, "activate"), follow=True)
    [message] = messages_of(response)
    assert message.startswith("Fresh: Not activated. Enter the Action Network OSDI API token")
    assert "default web opt-in path" not in message, "optional, as the seed says"
    assert "Boolean field name" in message
    config = config_of(integration)
    assert (config.active, config.pull_schedule, config.push_schedule) == (False, None, None)
    assert not PeriodicTask.objects.filter(task=services.RUN_TASK_NAME).exists()
    assert "Before you activate:" in response.content.decode()


def test_activate_writes_both_schedules_starting_the_next_morning_in_the_time_zone(tenant_a, make_integration):
    integration = make_anmc(tenant_a, make_integration, AN_TOKEN_A, MC_PASSWORD_A, complete=True)
    config = config_of(integration)
    # 23:30 in New York on 7 March is already 8 March in UTC: the next day is the 8th, New York's.
    now = datetime(2026, 3, 8, 4, 30, tzinfo=UTC)
    sentence = anmc_services.activate(config, now=now)
    assert sentence.startswith("Active. The first sync runs on 2026-03-08 at 04:00 (America/New_York)")
    config = config_of(integration)
    assert (config.active, config.activated_at, config.first_sync_on.isoformat()) == (True, now, "2026-03-08")
    midnight = datetime(2026, 3, 8, 0, 0, tzinfo=ZoneInfo("America/New_York"))
    assert midnight == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    pull, push = config.pull_schedule, config.push_schedule
    for task, stream in ((pull, PULL_STREAM), (push, PUSH_STREAM)):
        assert task.task == "integrations.run_integration"
        assert json.loads(task.kwargs) == {
            "integration_id": integration.pk,
            "trigger": "schedule",
            "stream_names": [stream],
        }
        assert task.enabled is True and task.one_off is False and task.interval is None
        assert task.start_time == midnight
        assert task.last_run_at == midnight  # beat's first run is the crontab's, not a catch-up at midnight
        assert str(task.crontab.timezone) == "America/New_York"
        assert (task.crontab.day_of_month, task.crontab.month_of_year, task.crontab.day_of_week) == ("*", "*", "*")
    assert (pull.crontab.minute, pull.crontab.hour) == ("0", "4")
    assert (push.crontab.minute, push.crontab.hour) == ("*/5", "7-21")
    assert integration.__class__.objects.get(pk=integration.pk).schedule is None


def test_activate_from_the_page_shows_active_and_the_first_sync_day(tenant_a, make_integration, login):
    integration = make_anmc(tenant_a, make_integration, AN_TOKEN_A, MC_PASSWORD_A, complete=True)
    client = login(tenant_a.admin)
    before = client.get(change_url(integration)).content.decode()
    assert re.search(r'<span id="anmc-state" class="anmc-state anmc-inactive">Inactive</span>', before)
    response = client.post(action_url(integration, "activate"), follow=True)
    [message] = messages_of(response)
    config = config_of(integration)
    assert f"AN-MC A: Active. The first sync runs on {config.first_sync_on.isoformat()} at 04:00" in message
    html = response.content.decode()
    assert re.search(r'<span id="anmc-state" class="anmc-state anmc-active">Active</span>', html)
    assert f"first sync on {config.first_sync_on.isoformat()} at 04:00 (America/New_York)" in html
    assert 'name="deactivate"' in html and 'name="activate"' not in html
    assert "nightly pull at 04:00, push every 5 minutes from 07:00 to 22:00 (America/New_York)" in html


def test_deactivate_disables_both_schedules_and_keeps_them(tenant_a, make_integration, login):
    integration = make_anmc(tenant_a, make_integration, AN_TOKEN_A, MC_PASSWORD_A, complete=True)
    anmc_services.activate(config_of(integration))
    config = config_of(integration)
    ids = (config.pull_schedule_id, config.push_schedule_id)
    response = login(tenant_a.admin).post(action_url(integration, "deactivate"), follow=True)
    assert messages_of(response) == [
        "AN-MC A: Inactive. Nothing is synced on a schedule until it is activated again; Sync now still works."
    ]
    config = config_of(integration)
    assert config.active is False
    assert (config.pull_schedule_id, config.push_schedule_id) == ids
    assert list(PeriodicTask.objects.filter(pk__in=ids).values_list("enabled", flat=True)) == [False, False]
    assert re.search(r'class="anmc-state anmc-inactive">Inactive<', response.content.decode())


def test_activating_again_later_moves_the_start_and_reuses_the_tasks(tenant_a, make_integration):
    integration = make_anmc(tenant_a, make_integration, AN_TOKEN_A, MC_PASSWORD_A, complete=True)
    anmc_services.activate(config_of(integration), now=datetime(2026, 5, 1, 12, tzinfo=UTC))
    config = config_of(integration)
    ids = (config.pull_schedule_id, config.push_schedule_id)
    # It ran for a while, then was paused.
    PeriodicTask.objects.filter(pk__in=ids).update(last_run_at=datetime(2026, 5, 10, 8, tzinfo=UTC))
    anmc_services.deactivate(config_of(integration))
    anmc_services.activate(config_of(integration), now=datetime(2026, 6, 1, 12, tzinfo=UTC))
    config = config_of(integration)
    assert (config.pull_schedule_id, config.push_schedule_id) == ids
    midnight = datetime(2026, 6, 2, tzinfo=ZoneInfo("America/New_York"))
    for task in (config.pull_schedule, config.push_schedule):
        assert (task.enabled, task.start_time, task.last_run_at) == (True, midnight, midnight)
    assert PeriodicTask.objects.filter(task=services.RUN_TASK_NAME).count() == 2
    # Activate on an active pair does not push its next sync back.
    assert anmc_services.activate(config).startswith("Already active")
    assert config_of(integration).first_sync_on.isoformat() == "2026-06-02"


def test_changing_the_times_while_active_rewrites_the_schedules(tenant_a, make_integration, login):
    integration = make_anmc(tenant_a, make_integration, AN_TOKEN_A, MC_PASSWORD_A, complete=True)
    anmc_services.activate(config_of(integration), now=datetime(2026, 5, 1, 12, tzinfo=UTC))
    client = login(tenant_a.admin)
    response = save_page(
        client,
        integration,
        **{
            "anmc-0-pull_time": "03:30",
            "anmc-0-time_zone": "America/Los_Angeles",
            "anmc-0-push_from_hour": "8",
            "anmc-0-push_until_hour": "20",
        },
    )
    assert response.status_code == 302
    config = config_of(integration)
    pull, push = config.pull_schedule, config.push_schedule
    assert (pull.crontab.minute, pull.crontab.hour, str(pull.crontab.timezone)) == ("30", "3", "America/Los_Angeles")
    assert (push.crontab.minute, push.crontab.hour, str(push.crontab.timezone)) == (
        "*/5",
        "8-19",
        "America/Los_Angeles",
    )
    # The first sync day stays; its midnight is now Los Angeles'.
    assert config.first_sync_on.isoformat() == "2026-05-02"
    assert pull.start_time == datetime(2026, 5, 2, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert pull.enabled and push.enabled
    assert config.pull_time == time(3, 30)


def test_changing_the_times_while_inactive_writes_no_schedule(anmc_a, tenant_a, login):
    assert save_page(login(tenant_a.admin), anmc_a, **{"anmc-0-pull_time": "02:15"}).status_code == 302
    config = config_of(anmc_a)
    assert (config.pull_time, config.pull_schedule, config.push_schedule) == (time(2, 15), None, None)


def test_deleting_the_integration_deletes_its_two_schedules(tenant_a, make_integration):
    integration = make_anmc(tenant_a, make_integration, AN_TOKEN_A, MC_PASSWORD_A, complete=True)
    anmc_services.activate(config_of(integration))
    assert PeriodicTask.objects.filter(task=services.RUN_TASK_NAME).count() == 2
    integration.delete()
    assert not PeriodicTask.objects.filter(task=services.RUN_TASK_NAME).exists()


def test_the_list_and_the_page_say_when_it_runs(tenant_a, make_integration, login):
    integration = make_anmc(tenant_a, make_integration, AN_TOKEN_A, MC_PASSWORD_A, complete=True)
    client = login(tenant_a.viewer)
    assert b"on demand only (inactive)" in client.get(reverse("admin:integrations_integration_changelist")).content
    anmc_services.activate(config_of(integration))
    listing = client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert "nightly pull at 04:00, push every 5 minutes from 07:00 to 22:00 (America/New_York)" in listing
    page = client.get(change_url(integration)).content.decode()
    assert "Runs nightly pull at 04:00" in page


# --- The other buttons ----------------------------------------------------------------------------------
def test_log_in_to_action_network_opens_in_a_new_tab(anmc_a, tenant_a, login):
    html = login(tenant_a.admin).get(change_url(anmc_a)).content.decode()
    link = re.search(r'<a [^>]*id="anmc-login"[^>]*>Log in to Action Network</a>', html).group(0)
    assert f'href="{ACTION_NETWORK_LOGIN_URL}"' in link and ACTION_NETWORK_LOGIN_URL.startswith("https://")
    assert 'target="_blank"' in link and 'rel="noopener noreferrer"' in link


def test_the_panel_links_configure_and_edit_field_mappings(anmc_a, tenant_a, login):
    html = login(tenant_a.admin).get(change_url(anmc_a)).content.decode()
    assert 'href="#configure-integration">Configure Integration</a>' in html
    assert f'href="{mappings_url(anmc_a)}">Edit Field Mappings</a>' in html


@pytest.mark.parametrize(("action", "streams"), [("run_pull", [PULL_STREAM]), ("run_push", [PUSH_STREAM])])
def test_run_pull_and_push_now_queue_one_direction(
    anmc_a, tenant_a, login, monkeypatch, django_capture_on_commit_callbacks, action, streams
):
    from integrations import tasks

    queued = []
    monkeypatch.setattr(tasks.run_integration, "delay", lambda **kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        response = login(tenant_a.operator).post(action_url(anmc_a, action), follow=True)
    assert response.status_code == 200
    [kwargs] = queued
    assert (kwargs["integration_id"], kwargs["trigger"], kwargs["stream_names"]) == (anmc_a.pk, "manual", streams)
    label = "Run pull now" if action == "run_pull" else "Run push now"
    assert any(message.startswith(f"{label}: AN-MC A is queued") for message in messages_of(response))


def test_test_connection_asks_both_systems(anmc_a, fake):
    assert anmc_services.test_connection(config_of(anmc_a)) == [
        "Action Network: the OSDI API token works (api entry point read).",
        "Mobile Commons: logged in as mc@a.example.org; 0 campaigns.",
    ]
    assert fake.asked == ["an.test", "mc.test"]


def test_test_connection_names_the_failing_system_without_credentials(anmc_a, fake):
    fake.mc_error = ServerError(f"Mobile Commons answered 503 for {MC_PASSWORD_A}", status=503)
    with pytest.raises(ConnectorError) as raised:
        anmc_services.test_connection(config_of(anmc_a))
    message = str(raised.value)
    assert message.startswith("Mobile Commons failed: Mobile Commons answered 503 for [hidden].")
    assert "Action Network: the OSDI API token works" in message
    assert MC_PASSWORD_A not in message
    config = config_of(anmc_a)
    config.an_api_token = ""
    config.save()
    fake.mc_error = None
    with pytest.raises(ValueError, match=r"^Action Network failed: Enter the Action Network OSDI API token"):
        anmc_services.test_connection(config_of(anmc_a))


def test_the_client_builders_pass_the_settings_to_the_connectors(anmc_a, monkeypatch):
    built = {}

    def module(name: str, cls: str):
        fake = types.ModuleType(name)
        setattr(fake, cls, lambda *args, **kwargs: built.setdefault(cls, (args, kwargs)))
        monkeypatch.setitem(sys.modules, name, fake)

    module("integrations.connectors.actionnetwork", "ActionNetworkClient")
    module("integrations.connectors.mobilecommons", "MobileCommonsClient")
    config = config_of(anmc_a)
    config.mc_company_key = "co-key"
    anmc_services.action_network_client(config)
    anmc_services.mobile_commons_client(config)
    assert built["ActionNetworkClient"] == (("https://actionnetwork.org/api/v2/", AN_TOKEN_A), {})
    assert built["MobileCommonsClient"] == (
        ("https://secure.mcommons.com/api/", "mc@a.example.org", MC_PASSWORD_A),
        {"company_key": "co-key"},
    )
