"""The PDI integration's page: settings, calendar mapping, Refresh calendars, cadence, roles and tenancy."""

from __future__ import annotations

import inspect
import json
import logging
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from rest_framework.test import APIClient

from integrations import pdi_services, services
from integrations.connectors.errors import AuthenticationError, ServerError
from integrations.mirror import fanout
from integrations.models import (
    Integration,
    IntegrationKind,
    MirrorFanOut,
    PdiCalendar,
    PdiCalendarMapping,
    PdiConfig,
)
from integrations.models.pdi import SEED_EVENT_TYPES

from . import pdi_fakes
from .conftest import API_KEY_A
from .html_forms import form_data

PDI_TOKEN_A = "pdi-api-token-of-org-a-7f3e9c1d"
PDI_PASSWORD_A = "pdi-password-of-org-a-Zq81xw"
PDI_TOKEN_B = "pdi-api-token-of-org-b-0b0b0b0b"
PDI_PASSWORD_B = "pdi-password-of-org-b-b0b0b0"


def change_url(integration: Integration) -> str:
    return reverse("admin:integrations_integration_change", args=[integration.pk])


def action_url(integration: Integration, action: str) -> str:
    return reverse("admin:integrations_integration_action", args=[integration.pk, action])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def make_pdi(tenant, make_integration, token: str, password: str, name: str = "PDI") -> Integration:
    integration = make_integration(tenant.org, kind=IntegrationKind.PDI, name=f"{name} {tenant.org.name[-1]}")
    config = pdi_services.ensure_config(integration)
    config.api_token, config.username, config.password = token, f"api-user-{tenant.org.pk}", password
    config.save()
    return integration


@pytest.fixture
def pdi_a(tenant_a, make_integration) -> Integration:
    return make_pdi(tenant_a, make_integration, PDI_TOKEN_A, PDI_PASSWORD_A)


@pytest.fixture
def pdi_b(tenant_b, make_integration) -> Integration:
    return make_pdi(tenant_b, make_integration, PDI_TOKEN_B, PDI_PASSWORD_B)


@pytest.fixture
def fake_pdi(monkeypatch) -> pdi_fakes.FakePdi:
    return pdi_fakes.install(monkeypatch)


def add_calendars(integration: Integration, *rows: tuple[str, str]) -> list[PdiCalendar]:
    return [PdiCalendar.objects.create(config=integration.pdi, pdi_id=pdi_id, name=name) for pdi_id, name in rows]


def mapping(integration: Integration, event_type: str) -> PdiCalendarMapping:
    return PdiCalendarMapping.objects.select_related("calendar").get(config=integration.pdi, event_type=event_type)


def field_name(integration: Integration, event_type: str) -> str:
    return f"pdi-0-mapping_{mapping(integration, event_type).pk}"


def save_page(client, integration: Integration, **changes: str):
    """GET the page, change some fields, POST it back: what a person does in the browser."""
    data = form_data(client.get(change_url(integration)).content, "integration_form")
    data.update(changes)
    data["_continue"] = "Save and continue editing"
    return client.post(change_url(integration), data)


# --- settings and the mapping table -------------------------------------------------------------------
def test_adding_a_pdi_integration_creates_its_settings_and_the_seed_mapping_rows(tenant_a, login):
    response = login(tenant_a.admin).post(
        reverse("admin:integrations_integration_add"),
        {
            "organization": tenant_a.org.pk,
            "kind": IntegrationKind.PDI,
            "name": "PDI",
            "enabled": "on",
            "follows_mirror": "on",
            "schedule_every_minutes": "15",
            "schedule_timezone": "UTC",
        },
    )
    integration = Integration.objects.get(name="PDI")
    assert response.status_code == 302 and response.url == change_url(integration)
    rows = list(PdiCalendarMapping.objects.filter(config=integration.pdi).order_by("id"))
    assert [row.event_type for row in rows] == list(SEED_EVENT_TYPES)
    assert all(row.calendar_id is None for row in rows)


def test_page_shows_the_23_seed_types_in_seed_order_with_the_seed_names(pdi_a, tenant_a, login):
    # A type Mobilize added later sorts after the seed's, even when its row is older.
    PdiCalendarMapping.objects.filter(config=pdi_a.pdi).delete()
    pdi_services.ensure_calendar_mappings(pdi_a.pdi, extra_types=["PETITION"])
    PdiCalendarMapping.objects.filter(config=pdi_a.pdi, event_type="CANVASS").delete()
    pdi_services.ensure_calendar_mappings(pdi_a.pdi)
    html = login(tenant_a.viewer).get(change_url(pdi_a)).content.decode()
    rows = re.findall(r'<tr class="pdi-mapping" data-event-type="([^"]+)">\s*<td>([^<]+)', html)
    assert len(SEED_EVENT_TYPES) == 23
    assert [event_type for event_type, _ in rows] == [*SEED_EVENT_TYPES, "PETITION"]
    assert [label.strip() for _, label in rows] == [*SEED_EVENT_TYPES.values(), "Petition"]
    assert "Contact Your Representative" in html and "Friend-to-Friend Outreach" in html


def test_saving_the_page_saves_the_mapping(pdi_a, tenant_a, login):
    canvassing, phones = add_calendars(pdi_a, ("11", "Canvassing"), ("12", "Phones"))
    client = login(tenant_a.admin)
    response = save_page(
        client,
        pdi_a,
        **{
            field_name(pdi_a, "CANVASS"): str(canvassing.pk),
            field_name(pdi_a, "PHONE_BANK"): str(phones.pk),
            "pdi-0-default_calendar": str(phones.pk),
        },
    )
    assert response.status_code == 302
    assert mapping(pdi_a, "CANVASS").calendar == canvassing
    assert mapping(pdi_a, "PHONE_BANK").calendar == phones
    assert PdiConfig.objects.get(pk=pdi_a.pdi.pk).default_calendar == phones
    # The page shows the choice; a plain save keeps it; choosing "not mapped" unmaps.
    page = client.get(change_url(pdi_a)).content.decode()
    assert f'<option value="{canvassing.pk}" selected>' in page
    assert "— not mapped —" in page
    assert save_page(client, pdi_a).status_code == 302
    assert mapping(pdi_a, "CANVASS").calendar == canvassing
    viewer_html = login(tenant_a.viewer).get(change_url(pdi_a)).content.decode()
    assert re.search(r'data-event-type="CANVASS">.*?<td>Canvassing \(PDI calendar 11\)</td>', viewer_html, re.S)
    assert 'name="pdi-0-mapping_' not in viewer_html
    client = login(tenant_a.admin)
    assert save_page(client, pdi_a, **{field_name(pdi_a, "CANVASS"): ""}).status_code == 302
    assert mapping(pdi_a, "CANVASS").calendar is None
    assert mapping(pdi_a, "PHONE_BANK").calendar == phones


def test_a_changed_mapping_lets_the_next_run_read_the_mirror_again_and_a_plain_save_does_not(pdi_a, tenant_a, login):
    from integrations.models import MirrorCursor

    [canvassing] = add_calendars(pdi_a, ("11", "Canvassing"))
    client = login(tenant_a.admin)
    MirrorCursor.objects.create(integration=pdi_a, stream="events", seq=40)
    assert save_page(client, pdi_a).status_code == 302
    assert MirrorCursor.objects.filter(integration=pdi_a).exists(), "nothing changed: the cursor stays"
    assert save_page(client, pdi_a, **{field_name(pdi_a, "CANVASS"): str(canvassing.pk)}).status_code == 302
    assert not MirrorCursor.objects.filter(integration=pdi_a).exists(), "events skipped before are read again"


def test_calendar_choices_are_this_configs_calendars_only(pdi_a, pdi_b, tenant_a, login):
    [own] = add_calendars(pdi_a, ("1", "Own calendar"))
    [foreign] = add_calendars(pdi_b, ("1", "Calendar of B"))
    client = login(tenant_a.admin)
    page = client.get(change_url(pdi_a))
    [formset] = page.context["inline_admin_formsets"]
    form = formset.formset.forms[0]
    assert list(form.fields["default_calendar"].queryset) == [own]
    assert list(form.fields[field_name(pdi_a, "CANVASS").removeprefix("pdi-0-")].queryset) == [own]
    assert b"Calendar of B" not in page.content
    for name in ("pdi-0-default_calendar", field_name(pdi_a, "CANVASS")):
        response = save_page(client, pdi_a, **{name: str(foreign.pk)})
        assert response.status_code == 200  # the page again, with the error
        assert "Select a valid choice" in response.content.decode()
    assert PdiConfig.objects.get(pk=pdi_a.pdi.pk).default_calendar is None
    assert mapping(pdi_a, "CANVASS").calendar is None


def test_credentials_are_write_only(pdi_a, tenant_a, login):
    client = login(tenant_a.admin)
    html = client.get(change_url(pdi_a)).content.decode()
    assert PDI_TOKEN_A not in html and PDI_PASSWORD_A not in html
    assert html.count("Set. Leave blank to keep the stored value") == 2
    assert re.search(r'<input type="password" name="pdi-0-api_token"(?![^>]*value=)', html)
    # Blank keeps both; a new value replaces one; the username is an ordinary field.
    assert save_page(client, pdi_a, **{"pdi-0-username": "renamed-user"}).status_code == 302
    config = PdiConfig.objects.get(pk=pdi_a.pdi.pk)
    assert (config.api_token, config.password, config.username) == (PDI_TOKEN_A, PDI_PASSWORD_A, "renamed-user")
    response = save_page(client, pdi_a, **{"pdi-0-password": "a-new-pdi-password-123"})
    assert response.status_code == 302
    config.refresh_from_db()
    assert (config.api_token, config.password) == (PDI_TOKEN_A, "a-new-pdi-password-123")
    assert "a-new-pdi-password-123" not in client.get(change_url(pdi_a)).content.decode()
    # A viewer sees whether each is set, never the value.
    viewer_html = login(tenant_a.viewer).get(change_url(pdi_a)).content.decode()
    assert PDI_TOKEN_A not in viewer_html and "a-new-pdi-password-123" not in viewer_html
    assert 'name="pdi-0-api_token"' not in viewer_html
    assert re.search(r"API token:</label>\s*<div class=\"readonly\">set</div>", viewer_html)


def test_another_base_url_needs_a_url_on_the_allow_list(pdi_a, tenant_a, login, settings):
    settings.ALLOW_INSECURE_REMOTES = False
    client = login(tenant_a.admin)
    response = save_page(client, pdi_a, **{"pdi-0-environment": "custom", "pdi-0-base_url": ""})
    assert response.status_code == 200
    assert "Enter the base URL, or choose production or QA." in response.content.decode()
    response = save_page(client, pdi_a, **{"pdi-0-environment": "custom", "pdi-0-base_url": "https://pdi.evil.example"})
    assert response.status_code == 200
    assert "pdi.evil.example is not on REMOTE_HOST_ALLOWLIST" in response.content.decode()
    assert PdiConfig.objects.get(pk=pdi_a.pdi.pk).environment == "production"
    settings.REMOTE_HOST_ALLOWLIST = ["*.bluevote.com"]
    response = save_page(client, pdi_a, **{"pdi-0-environment": "custom", "pdi-0-base_url": "apiqa2.bluevote.com"})
    assert response.status_code == 302
    assert PdiConfig.objects.get(pk=pdi_a.pdi.pk).api_base_url == "https://apiqa2.bluevote.com"


def test_settings_made_on_the_page_when_the_integration_has_none(tenant_a, make_integration, login):
    # An integration created elsewhere (a script) without settings: the blank form creates them.
    integration = make_integration(tenant_a.org, kind=IntegrationKind.PDI, name="Scripted PDI")
    client = login(tenant_a.admin)
    response = save_page(
        client,
        integration,
        **{"pdi-0-api_token": PDI_TOKEN_A, "pdi-0-username": "api-user", "pdi-0-password": PDI_PASSWORD_A},
    )
    assert response.status_code == 302
    config = PdiConfig.objects.get(integration=integration)
    assert (config.api_token, config.username, config.password) == (PDI_TOKEN_A, "api-user", PDI_PASSWORD_A)
    assert config.calendar_mappings.count() == 23


# --- Refresh calendars ---------------------------------------------------------------------------------
def test_refresh_calendars_upserts_deletes_and_adds_new_event_types(pdi_a, tenant_a, login, fake_pdi):
    canvassing, phones = add_calendars(pdi_a, ("101", "Canvassing"), ("102", "Phones"))
    PdiCalendarMapping.objects.filter(config=pdi_a.pdi, event_type="CANVASS").update(calendar=canvassing)
    PdiCalendarMapping.objects.filter(config=pdi_a.pdi, event_type="PHONE_BANK").update(calendar=phones)
    PdiConfig.objects.filter(pk=pdi_a.pdi.pk).update(default_calendar=phones)
    fake_pdi.calendar(101, "Door knocking")  # renamed in PDI
    fake_pdi.calendar(103, "Trainings", time_zone="Pacific Standard Time")  # new
    fake_pdi.event_types += ["PETITION", "LETTER_WRITING"]

    response = login(tenant_a.operator).post(action_url(pdi_a, "refresh_calendars"), follow=True)

    assert fake_pdi.logins == [
        {
            "base_url": "https://api.bluevote.com",
            "username": f"api-user-{tenant_a.org.pk}",
            "password": PDI_PASSWORD_A,
            "token": PDI_TOKEN_A,
        }
    ]
    calendars = {c.pdi_id: c for c in PdiCalendar.objects.filter(config=pdi_a.pdi)}
    assert set(calendars) == {"101", "103"}
    assert calendars["101"].pk == canvassing.pk and calendars["101"].name == "Door knocking"
    assert (calendars["103"].name, calendars["103"].time_zone) == ("Trainings", "Pacific Standard Time")
    assert mapping(pdi_a, "CANVASS").calendar_id == canvassing.pk  # kept through the rename
    assert mapping(pdi_a, "PHONE_BANK").calendar is None  # its calendar is gone
    config = PdiConfig.objects.get(pk=pdi_a.pdi.pk)
    assert config.default_calendar is None and config.calendars_refreshed_at is not None
    assert list(config.calendar_mappings.order_by("id").values_list("event_type", flat=True))[-2:] == [
        "PETITION",
        "LETTER_WRITING",
    ]
    [message] = messages_of(response)
    assert message.startswith(f"Refresh calendars of {pdi_a.name}: PDI returned 2 calendars.")
    assert "New: Trainings." in message and "Renamed or changed: Door knocking." in message
    assert "No longer in PDI, removed: Phones." in message
    assert "now unmapped: Phone Bank (was Phones)" in message
    assert "calendar for unmapped event types (Phones) was removed" in message
    assert "added to the mapping unmapped: Petition, Letter Writing." in message
    page = response.content.decode()
    assert page.index('data-event-type="WORKSHOP"') < page.index('data-event-type="LETTER_WRITING"')
    assert "2 calendars, read " in page

    # Again: nothing changes, nothing is added.
    response = login(tenant_a.operator).post(action_url(pdi_a, "refresh_calendars"), follow=True)
    [message] = messages_of(response)
    assert "No calendar changed." in message and "Mobilize lists no new event type." in message
    assert PdiCalendar.objects.filter(config=pdi_a.pdi).count() == 2
    assert PdiCalendarMapping.objects.filter(config=pdi_a.pdi).count() == 25


def test_refresh_calendars_when_mobilize_fails_still_refreshes_the_calendars(pdi_a, tenant_a, login, fake_pdi):
    fake_pdi.calendar(7, "Events")
    fake_pdi.mobilize_error = ServerError(f"Mobilize answered 503 for key {API_KEY_A}", status=503)
    response = login(tenant_a.operator).post(action_url(pdi_a, "refresh_calendars"), follow=True)
    assert list(PdiCalendar.objects.filter(config=pdi_a.pdi).values_list("name", flat=True)) == ["Events"]
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "warning"
    assert "Mobilize's event types were not read (Mobilize answered 503 for key [hidden].)" in str(message)
    assert API_KEY_A not in response.content.decode()
    assert PdiCalendarMapping.objects.filter(config=pdi_a.pdi).count() == 23


def test_refresh_calendars_error_is_one_readable_sentence(pdi_a, tenant_a, login, fake_pdi, caplog):
    [kept] = add_calendars(pdi_a, ("5", "Kept"))
    # A remote that echoes what it was sent: the credential still never reaches the page.
    fake_pdi.error = AuthenticationError(f"PDI refused the API token {PDI_TOKEN_A} (401)", status=401)
    with caplog.at_level(logging.DEBUG):
        response = login(tenant_a.operator).post(action_url(pdi_a, "refresh_calendars"), follow=True)
    [message] = list(get_messages(response.wsgi_request))
    assert message.level_tag == "error"
    assert str(message) == f"Refresh calendars of {pdi_a.name} failed: PDI refused the API token [hidden] (401)."
    html = response.content.decode()
    assert "Traceback" not in html and PDI_TOKEN_A not in html and PDI_PASSWORD_A not in html
    assert PDI_TOKEN_A not in caplog.text and PDI_PASSWORD_A not in caplog.text
    assert list(PdiCalendar.objects.filter(config=pdi_a.pdi)) == [kept]
    assert PdiConfig.objects.get(pk=pdi_a.pdi.pk).calendars_refreshed_at is None


def test_refresh_calendars_without_credentials_says_what_is_missing(pdi_a, tenant_a, login, fake_pdi):
    PdiConfig.objects.filter(pk=pdi_a.pdi.pk).update(password="", username="")
    response = login(tenant_a.operator).post(action_url(pdi_a, "refresh_calendars"), follow=True)
    assert messages_of(response) == [
        f"Refresh calendars of {pdi_a.name} failed: Enter the PDI username, password in the PDI settings and save."
    ]
    assert fake_pdi.logins == []


def test_refresh_calendars_logs_no_credentials(pdi_a, fake_pdi, caplog):
    fake_pdi.calendar(1, "One")
    with caplog.at_level(logging.DEBUG):
        result = pdi_services.refresh_calendars(pdi_a.pdi)
    assert result.added == ["One"]
    assert f"PDI calendars of integration {pdi_a.pk} refreshed: 1 calendars, 1 added" in caplog.text
    for secret in (PDI_TOKEN_A, PDI_PASSWORD_A, API_KEY_A):
        assert secret not in caplog.text


def test_refresh_calendars_uses_the_qa_or_custom_base_url(pdi_a, fake_pdi):
    config = pdi_a.pdi
    config.environment = "qa"
    pdi_services.refresh_calendars(config)
    config.environment, config.base_url = "custom", "https://pdi.example.org/api"
    pdi_services.refresh_calendars(config)
    assert [login["base_url"] for login in fake_pdi.logins] == [
        "https://apiqa.bluevote.com",
        "https://pdi.example.org/api",
    ]


def test_a_calendar_without_an_id_changes_nothing(pdi_a, fake_pdi):
    fake_pdi.calendars.append({"name": "No id"})
    with pytest.raises(ValueError, match="without an id"):
        pdi_services.refresh_calendars(pdi_a.pdi)
    assert not PdiCalendar.objects.filter(config=pdi_a.pdi).exists()


def test_ensure_calendar_mappings_is_idempotent_and_keeps_rows(pdi_a):
    config = pdi_a.pdi
    assert pdi_services.ensure_calendar_mappings(config) == []
    assert pdi_services.ensure_calendar_mappings(config, ["PETITION", " PETITION ", "", 7, "X" * 65]) == ["PETITION"]
    assert pdi_services.ensure_calendar_mappings(config, []) == []
    assert config.calendar_mappings.count() == 24


# --- roles and tenancy ------------------------------------------------------------------------------------
def test_viewer_sees_no_buttons_and_cannot_post_them(pdi_a, tenant_a, login, fake_pdi):
    fake_pdi.calendar(1, "One")
    client = login(tenant_a.viewer)
    page = client.get(change_url(pdi_a)).content.decode()
    assert 'name="refresh_calendars"' not in page and 'name="seed_cadence"' not in page
    for action in ("refresh_calendars", "seed_cadence"):
        assert client.post(action_url(pdi_a, action)).status_code == 403
    assert fake_pdi.logins == [] and not PdiCalendar.objects.exists()
    pdi_a.refresh_from_db()
    assert pdi_a.follows_mirror is True


def test_operator_refreshes_but_only_an_admin_changes_the_cadence(pdi_a, tenant_a, login, fake_pdi):
    operator = login(tenant_a.operator)
    page = operator.get(change_url(pdi_a)).content.decode()
    assert 'name="refresh_calendars"' in page and 'name="seed_cadence"' not in page
    assert operator.post(action_url(pdi_a, "seed_cadence")).status_code == 403
    assert operator.post(action_url(pdi_a, "refresh_calendars")).status_code == 302
    pdi_a.refresh_from_db()
    assert pdi_a.follows_mirror is True
    assert 'name="seed_cadence"' in login(tenant_a.admin).get(change_url(pdi_a)).content.decode()


def test_another_organization_cannot_see_refresh_or_save_the_pdi_settings(pdi_a, tenant_a, tenant_b, login, fake_pdi):
    [calendar] = add_calendars(pdi_a, ("1", "Calendar of A"))
    client = login(tenant_b.admin)
    page = client.get(change_url(pdi_a))
    assert page.status_code in (302, 404)
    assert b"Calendar of A" not in page.content and PDI_TOKEN_A.encode() not in page.content
    for action in ("refresh_calendars", "seed_cadence", "follow_mirror"):
        assert client.post(action_url(pdi_a, action)).status_code == 404
    client.post(
        change_url(pdi_a),
        {
            "name": "taken over",
            "pdi-TOTAL_FORMS": "1",
            "pdi-INITIAL_FORMS": "1",
            "pdi-MIN_NUM_FORMS": "1",
            "pdi-MAX_NUM_FORMS": "1",
            "pdi-0-id": str(pdi_a.pdi.pk),
            "pdi-0-integration": str(pdi_a.pk),
            "pdi-0-password": "stolen",
            "pdi-0-environment": "production",
            field_name(pdi_a, "CANVASS"): str(calendar.pk),
        },
    )
    assert fake_pdi.logins == []
    pdi_a.refresh_from_db()
    assert (pdi_a.name, pdi_a.follows_mirror, pdi_a.pdi.password) == ("PDI A", True, PDI_PASSWORD_A)
    assert mapping(pdi_a, "CANVASS").calendar is None


# --- cadence ------------------------------------------------------------------------------------------------
def fanned_out(integration: Integration) -> bool:
    MirrorFanOut.objects.all().delete()
    return integration.pk in fanout.fan_out(integration.organization)


def test_seed_cadence_preset_and_following_the_mirror_again(pdi_a, tenant_a, login):
    services.ensure_schedule(pdi_a)
    assert fanned_out(pdi_a)
    client = login(tenant_a.admin)

    response = client.post(action_url(pdi_a, "seed_cadence"), follow=True)
    pdi_a.refresh_from_db()
    cron = pdi_a.schedule.crontab
    line = f"{cron.minute} {cron.hour} {cron.day_of_month} {cron.month_of_year} {cron.day_of_week} {cron.timezone}"
    assert line == "0 0,12 * * * America/New_York"
    assert pdi_a.schedule.interval is None and pdi_a.schedule.enabled
    assert pdi_a.follows_mirror is False
    assert not fanned_out(pdi_a)
    [message] = messages_of(response)
    assert "cron 0 0,12 * * * (America/New_York)" in message and "Sync now works any time" in message
    page = response.content.decode()
    assert "Does not follow the mirror: runs cron 0 0,12 * * * (America/New_York), and on demand." in page
    assert 'name="seed_cadence"' not in page and 'name="follow_mirror"' in page
    listing = client.get(reverse("admin:integrations_integration_changelist")).content.decode()
    assert "cron 0 0,12 * * * (America/New_York)" in listing

    # A plain save of the page keeps the zone and the choice not to follow the mirror.
    data = form_data(client.get(change_url(pdi_a)).content, "integration_form")
    assert (data["schedule_crontab"], data["schedule_timezone"]) == ("0 0,12 * * *", "America/New_York")
    assert "follows_mirror" not in data
    assert save_page(client, pdi_a).status_code == 302
    pdi_a.refresh_from_db()
    assert str(pdi_a.schedule.crontab.timezone) == "America/New_York" and pdi_a.follows_mirror is False

    response = client.post(action_url(pdi_a, "follow_mirror"), follow=True)
    pdi_a.refresh_from_db()
    assert pdi_a.follows_mirror is True
    assert pdi_a.schedule.crontab is None
    assert (pdi_a.schedule.interval.every, pdi_a.schedule.interval.period) == (15, "minutes")
    assert fanned_out(pdi_a)
    assert any("follows the mirror again" in message for message in messages_of(response))
    assert "Follows the mirror: runs within a minute of every Mobilize change, and every 15 minutes." in (
        response.content.decode()
    )


def test_the_schedule_editor_takes_a_time_zone(pdi_a, tenant_a, login):
    client = login(tenant_a.admin)
    response = save_page(
        client, pdi_a, schedule_every_minutes="", schedule_crontab="30 7 * * 1-5", schedule_timezone="Europe/Paris"
    )
    assert response.status_code == 302
    pdi_a.refresh_from_db()
    assert (pdi_a.schedule.crontab.hour, str(pdi_a.schedule.crontab.timezone)) == ("7", "Europe/Paris")
    response = save_page(client, pdi_a, schedule_timezone="Mars/Olympus_Mons")
    assert response.status_code == 200
    assert "is not a time zone name zoneinfo knows" in response.content.decode()
    pdi_a.refresh_from_db()
    assert str(pdi_a.schedule.crontab.timezone) == "Europe/Paris"
    # Unchecking "Run after every Mobilize change" on the form is the same switch the preset flips.
    data = form_data(client.get(change_url(pdi_a)).content, "integration_form")
    assert data["follows_mirror"] == "on"
    data.pop("follows_mirror")
    assert client.post(change_url(pdi_a), data).status_code == 302
    pdi_a.refresh_from_db()
    assert pdi_a.follows_mirror is False and not fanned_out(pdi_a)


def test_set_schedule_refuses_an_unknown_zone_and_changes_nothing(pdi_a):
    services.ensure_schedule(pdi_a)
    with pytest.raises(ValueError, match="not a time zone name"):
        services.set_schedule(pdi_a, crontab="0 0 * * *", timezone="Nowhere/Land")
    with pytest.raises(ValueError, match="not a time zone name"):
        services.run_on_crontab_only(pdi_a, "0 0 * * *", "Nowhere/Land")
    pdi_a.refresh_from_db()
    assert pdi_a.follows_mirror is True and pdi_a.schedule.interval.every == 15


def test_follows_mirror_is_not_on_the_form_of_a_kind_the_mirror_does_not_feed(tenant_a, login):
    page = login(tenant_a.admin).get(change_url(tenant_a.integration))
    assert "follows_mirror" not in page.context["adminform"].form.fields


# --- the REST API -----------------------------------------------------------------------------------------
def test_api_shows_follows_mirror_and_pdi_settings_without_credentials(pdi_a, tenant_a, superuser):
    [calendar] = add_calendars(pdi_a, ("9", "Canvassing"))
    PdiCalendarMapping.objects.filter(config=pdi_a.pdi, event_type="CANVASS").update(calendar=calendar)
    pdi_services.use_seed_cadence(pdi_a)
    for user in (tenant_a.viewer, superuser):
        client = APIClient()
        client.force_authenticate(user)
        body = client.get(reverse("api:integration-detail", args=[pdi_a.pk])).content.decode()
        listing = client.get(reverse("api:integration-list")).content.decode()
        for text in (body, listing):
            assert PDI_TOKEN_A not in text and PDI_PASSWORD_A not in text
    row = json.loads(body)
    assert row["follows_mirror"] is False
    assert row["schedule"] == "cron 0 0,12 * * * (America/New_York)"
    settings = row["settings"]
    assert (settings["has_api_token"], settings["has_password"]) == (True, True)
    assert settings["base_url"] == "https://api.bluevote.com"
    assert settings["calendars"] == [{"id": calendar.pk, "pdi_id": "9", "name": "Canvassing", "time_zone": ""}]
    assert settings["calendar_mapping"][0] == {"event_type": "CANVASS", "label": "Canvass", "calendar": calendar.pk}
    assert len(settings["calendar_mapping"]) == 23
    assert "password" not in settings and "api_token" not in settings and "username" not in settings


# --- the connector's contract ---------------------------------------------------------------------------------
def test_pdi_client_is_built_with_the_connectors_signature(pdi_a):
    """Against the real connector once it is in the tree (the fake above mirrors this signature)."""
    connector = pytest.importorskip("integrations.connectors.pdi")
    parameters = inspect.signature(connector.PdiClient).parameters
    assert {"base_url", "username", "password", "api_token"} <= set(parameters)
    assert callable(connector.PdiClient.calendars) and callable(connector.PdiClient.test_connection)


def test_refresh_calendars_of_an_integration_without_settings_says_so(tenant_a, make_integration, login, fake_pdi):
    integration = make_integration(tenant_a.org, kind=IntegrationKind.PDI, name="Scripted PDI")
    response = login(tenant_a.operator).post(action_url(integration, "refresh_calendars"), follow=True)
    assert messages_of(response) == ["Scripted PDI has no PDI settings yet: fill them in below and save."]
    assert fake_pdi.logins == [] and not PdiConfig.objects.filter(integration=integration).exists()


def test_kind_actions_belong_to_their_kind_and_cannot_take_a_page_actions_name(tenant_a, login):
    from integrations.admin.kinds import KindAction, register_kind_action

    # The memory kind has no Refresh calendars.
    assert login(tenant_a.admin).post(action_url(tenant_a.integration, "refresh_calendars")).status_code == 404
    with pytest.raises(ValueError, match="own actions"):
        register_kind_action("pretend_kind", KindAction(name="sync", label="Sync", handler=lambda request, i: None))
