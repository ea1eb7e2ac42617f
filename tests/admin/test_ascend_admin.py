"""The Ascend integration's page: settings, Events, Fields, Automations, roles and tenancy."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from integrations import ascend_services, services
from integrations.connectors.errors import AuthenticationError
from integrations.mirror import store
from integrations.models import Integration, IntegrationKind, RecordType
from integrations.models.ascend import (
    CORE_FIELDS,
    AscendConfig,
    AscendEvent,
    Automation,
    AutomationFiring,
    FieldRule,
)

from . import ascend_fakes
from .html_forms import form_data

API_KEY_A = "ascend-api-key-of-org-a-4d4d4d4d"
API_KEY_B = "ascend-api-key-of-org-b-9e9e9e9e"


def change_url(integration: Integration) -> str:
    return reverse("admin:integrations_integration_change", args=[integration.pk])


def action_url(integration: Integration, action: str) -> str:
    return reverse("admin:integrations_integration_action", args=[integration.pk, action])


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def make_ascend(tenant, make_integration, api_key: str) -> Integration:
    integration = make_integration(tenant.org, kind=IntegrationKind.ASCEND, name=f"Ascend {tenant.org.name[-1]}")
    config = ascend_services.ensure_config(integration)
    config.base_url, config.api_key = "https://api.ascend.example", api_key
    config.save()
    return integration


@pytest.fixture
def ascend_a(tenant_a, make_integration) -> Integration:
    return make_ascend(tenant_a, make_integration, API_KEY_A)


@pytest.fixture
def ascend_b(tenant_b, make_integration) -> Integration:
    return make_ascend(tenant_b, make_integration, API_KEY_B)


@pytest.fixture
def fake(monkeypatch) -> ascend_fakes.FakeAscend:
    return ascend_fakes.install(monkeypatch)


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The integrations a run was queued for (trigger_sync), instead of queuing runs."""
    calls: list[int] = []
    monkeypatch.setattr(services, "trigger_sync", lambda integration, **kwargs: calls.append(integration.pk))
    return calls


def save_page(client, integration: Integration, **changes: str):
    """GET the page, change some fields, POST it back: what a person does in the browser."""
    data = form_data(client.get(change_url(integration)).content, "integration_form")
    data.update(changes)
    data["_continue"] = "Save and continue editing"
    return client.post(change_url(integration), data)


def add_event(integration: Integration, mobilize_id: int, title: str, synced: bool = False) -> AscendEvent:
    return AscendEvent.objects.create(
        config=integration.ascend,
        mobilize_event_id=mobilize_id,
        title=title,
        synced=synced,
        synced_at=timezone.now() if synced else None,
    )


def custom_rule(integration: Integration, name: str, ascend_field: str = "") -> FieldRule:
    return FieldRule.objects.create(
        config=integration.ascend, mobilize_field=f"custom:{name}", ascend_field=ascend_field
    )


def rule_field(rule: FieldRule, part: str) -> str:
    return f"ascend-0-rule_{rule.pk}_{part}"


# --- 1. settings --------------------------------------------------------------------------------------
def test_adding_an_ascend_integration_creates_its_settings_and_the_default_field_rules(tenant_a, login):
    response = login(tenant_a.admin).post(
        reverse("admin:integrations_integration_add"),
        {
            "organization": tenant_a.org.pk,
            "kind": IntegrationKind.ASCEND,
            "name": "Ascend",
            "enabled": "on",
            "follows_mirror": "on",
            "schedule_every_minutes": "15",
            "schedule_timezone": "UTC",
        },
    )
    integration = Integration.objects.get(name="Ascend")
    assert response.status_code == 302 and response.url == change_url(integration)
    config = AscendConfig.objects.get(integration=integration)
    assert (config.sync_accounts, config.create_new_members, config.sync_new_events) == (False, False, False)
    rules = list(config.field_rules.order_by("id"))
    assert [(r.mobilize_field, r.ascend_field, r.sync, r.is_default) for r in rules] == [
        (name, field, "populate", True) for name, field in CORE_FIELDS.items()
    ]


def test_toggles_save_and_sync_new_events_records_since_when(ascend_a, tenant_a, login, queued):
    old = add_event(ascend_a, 11, "Old canvass")
    client = login(tenant_a.admin)
    html = client.get(change_url(ascend_a)).content.decode()
    for label in ("Sync accounts", "Create new members", "Sync new events"):
        assert f">{label}</label>" in html or f">{label}:</label>" in html
    assert "backfilled" in html and "15 minutes" in html  # the help text says what turning it on does
    before = timezone.now()
    response = save_page(
        client,
        ascend_a,
        **{"ascend-0-sync_accounts": "on", "ascend-0-create_new_members": "on", "ascend-0-sync_new_events": "on"},
    )
    assert response.status_code == 302
    config = AscendConfig.objects.get(pk=ascend_a.ascend.pk)
    assert config.sync_accounts and config.create_new_members and config.sync_new_events
    assert before <= config.sync_new_events_since <= timezone.now()
    old.refresh_from_db()
    assert old.synced and old.synced_at >= before, "turning it on syncs the existing events too"
    assert queued == [ascend_a.pk], "the backfill starts now"
    assert "On since" in client.get(change_url(ascend_a)).content.decode()
    # A plain save keeps the moment it was turned on; turning it off forgets it.
    since = config.sync_new_events_since
    assert save_page(client, ascend_a).status_code == 302
    assert AscendConfig.objects.get(pk=config.pk).sync_new_events_since == since
    data = form_data(client.get(change_url(ascend_a)).content, "integration_form")
    data.pop("ascend-0-sync_new_events")
    data["_continue"] = "Save"
    assert client.post(change_url(ascend_a), data).status_code == 302
    config.refresh_from_db()
    assert not config.sync_new_events and config.sync_new_events_since is None
    assert config.sync_accounts, "the other toggles stay"


def test_api_key_is_write_only(ascend_a, tenant_a, login):
    client = login(tenant_a.admin)
    html = client.get(change_url(ascend_a)).content.decode()
    assert API_KEY_A not in html
    assert re.search(r'<input type="password" name="ascend-0-api_key"(?![^>]*value=)', html)
    assert "Set. Leave blank to keep the stored value" in html
    assert save_page(client, ascend_a, **{"ascend-0-base_url": "https://other.ascend.example"}).status_code == 302
    config = AscendConfig.objects.get(pk=ascend_a.ascend.pk)
    assert (config.base_url, config.api_key) == ("https://other.ascend.example", API_KEY_A)
    assert save_page(client, ascend_a, **{"ascend-0-api_key": "a-new-ascend-key-777"}).status_code == 302
    config.refresh_from_db()
    assert config.api_key == "a-new-ascend-key-777"
    assert "a-new-ascend-key-777" not in client.get(change_url(ascend_a)).content.decode()
    viewer_html = login(tenant_a.viewer).get(change_url(ascend_a)).content.decode()
    assert "a-new-ascend-key-777" not in viewer_html and 'name="ascend-0-api_key"' not in viewer_html
    assert re.search(r"API key:</label>\s*<div class=\"readonly\">set</div>", viewer_html)


def test_settings_made_on_the_page_when_the_integration_has_none(tenant_a, make_integration, login):
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ASCEND, name="Scripted Ascend")
    response = save_page(
        login(tenant_a.admin),
        integration,
        **{"ascend-0-base_url": "https://api.ascend.example", "ascend-0-api_key": API_KEY_A},
    )
    assert response.status_code == 302
    config = AscendConfig.objects.get(integration=integration)
    assert config.api_key == API_KEY_A
    assert config.field_rules.filter(is_default=True).count() == 4


# --- 2. Events ----------------------------------------------------------------------------------------
def test_fetch_events_refreshes_the_mirror_and_lists_its_events(ascend_a, tenant_a, login, fake):
    store.write(tenant_a.org.pk, RecordType.EVENT, ascend_fakes.mobilize_event(7, "Already mirrored"))
    store.write(tenant_a.org.pk, RecordType.EVENT, ascend_fakes.mobilize_event(8, "Gone"))
    store.write(tenant_a.org.pk, RecordType.DELETED_EVENT, {"id": 8, "deleted_date": 1_800_000_100})
    fake.mobilize_events = [ascend_fakes.mobilize_event(9, "June phonebank"), ascend_fakes.mobilize_event(7, "Renamed")]
    kept = add_event(ascend_a, 7, "Already mirrored", synced=True)
    client = login(tenant_a.operator)
    response = client.post(action_url(ascend_a, "fetch_events"))
    assert response.status_code == 302
    assert fake.refreshes == [{"organization": tenant_a.org.pk, "fan_out": False}]
    assert messages_of(response) == [f"Fetch events of {ascend_a.name}: 2 events listed, 1 new, 1 renamed."]
    rows = {e.mobilize_event_id: e for e in AscendEvent.objects.filter(config=ascend_a.ascend)}
    assert set(rows) == {7, 9}, "the deleted event is not listed"
    assert rows[9].title == "June phonebank" and not rows[9].synced
    assert rows[7].pk == kept.pk and rows[7].title == "Renamed" and rows[7].synced
    html = client.get(change_url(ascend_a)).content.decode()
    assert re.search(r'data-mobilize-id="9">\s*<td>June phonebank</td>\s*<td><code>9</code>', html)
    assert re.search(r'data-mobilize-id="7">.*?<strong class="ascend-synced">Synced</strong>', html, re.S)
    # Fetching again changes nothing; the function the brief names returns the count.
    assert ascend_services.fetch_events(AscendConfig.objects.get(pk=ascend_a.ascend.pk)) == 2
    assert AscendEvent.objects.filter(config=ascend_a.ascend).count() == 2


def test_fetch_events_still_lists_the_mirror_when_the_refresh_fails(ascend_a, tenant_a, login, fake):
    store.write(tenant_a.org.pk, RecordType.EVENT, ascend_fakes.mobilize_event(7, "Mirrored earlier"))
    fake.refresh_error = RuntimeError(f"Mobilize refused key {tenant_a.org.mobilize_api_key}")
    response = login(tenant_a.operator).post(action_url(ascend_a, "fetch_events"))
    [message] = messages_of(response)
    assert "Mobilize was not read" in message and "These are the events the mirror had already." in message
    assert "1 event listed, 1 new" in message
    assert tenant_a.org.mobilize_api_key not in message and "[hidden]" in message
    assert AscendEvent.objects.get(config=ascend_a.ascend).title == "Mirrored earlier"


def test_new_events_are_synced_at_once_while_sync_new_events_is_on(ascend_a, tenant_a, fake, queued):
    config = ascend_a.ascend
    ascend_services.set_sync_new_events(config, True)
    fake.mobilize_events = [ascend_fakes.mobilize_event(5, "New rally")]
    assert ascend_services.fetch_events(config) == 1
    event = AscendEvent.objects.get(config=config, mobilize_event_id=5)
    assert event.synced and event.synced_at is not None


def test_sync_and_stop_syncing_one_event(ascend_a, tenant_a, login, queued):
    event = add_event(ascend_a, 21, "Door knock")
    other = add_event(ascend_a, 22, "Phonebank")
    client = login(tenant_a.operator)
    html = client.get(change_url(ascend_a)).content.decode()
    url = action_url(ascend_a, "sync_event")
    assert f'name="sync_event" value="{event.pk}" formaction="{url}"' in html
    assert 'name="fetch_events"' in html
    assert 'name="sync_event">Sync event<' not in html, "no top-row button for the per-row action"
    before = timezone.now()
    response = client.post(url, {"sync_event": str(event.pk)})
    assert response.status_code == 302 and response.url == change_url(ascend_a)
    event.refresh_from_db()
    assert event.synced and event.synced_at >= before
    assert not AscendEvent.objects.get(pk=other.pk).synced
    assert queued == [ascend_a.pk], "the next run creates the event group"
    assert "Door knock is synced" in messages_of(response)[0]
    html = client.get(change_url(ascend_a)).content.decode()
    assert f'name="unsync_event" value="{event.pk}"' in html
    response = client.post(url, {"unsync_event": str(event.pk)})
    event.refresh_from_db()
    assert not event.synced and event.synced_at is None
    assert queued == [ascend_a.pk, ascend_a.pk]
    response = client.post(url, {"unsync_event": str(event.pk)})
    assert messages_of(response)[-1] == "Door knock was already not synced." and len(queued) == 2
    assert client.get(url).status_code == 405


def test_event_buttons_need_an_operator_of_the_same_organization(ascend_a, ascend_b, tenant_a, tenant_b, login, fake):
    event = add_event(ascend_a, 31, "Rally")
    foreign = add_event(ascend_b, 31, "Rally of B")
    viewer = login(tenant_a.viewer)
    html = viewer.get(change_url(ascend_a)).content.decode()
    assert "Rally" in html and "Not synced" in html
    for name in ('name="sync_event"', 'name="fetch_events"', 'name="refresh_flows"', "formaction=", "Add automation"):
        assert name not in html
    assert viewer.post(action_url(ascend_a, "sync_event"), {"sync_event": str(event.pk)}).status_code == 403
    assert viewer.post(action_url(ascend_a, "fetch_events")).status_code == 403
    operator = login(tenant_a.operator)
    # Another integration's row through this integration's URL, or another organization's page: not found.
    assert operator.post(action_url(ascend_a, "sync_event"), {"sync_event": str(foreign.pk)}).status_code == 404
    assert operator.post(action_url(ascend_a, "sync_event"), {"sync_event": "x"}).status_code == 404
    assert operator.post(action_url(ascend_b, "sync_event"), {"sync_event": str(foreign.pk)}).status_code == 404
    assert operator.post(action_url(ascend_b, "fetch_events")).status_code == 404
    assert operator.get(change_url(ascend_b)).status_code == 302  # the admin's "not found" redirect
    assert not AscendEvent.objects.get(pk=foreign.pk).synced
    assert fake.refreshes == []
    assert "Rally of B" not in operator.get(change_url(ascend_a)).content.decode()


# --- 3. Fields ----------------------------------------------------------------------------------------
def test_fields_tab_saves_sync_options_and_custom_mappings(ascend_a, tenant_a, login):
    shirt = custom_rule(ascend_a, "T-shirt size")
    team = custom_rule(ascend_a, "Team")
    email = FieldRule.objects.get(config=ascend_a.ascend, mobilize_field="email")
    client = login(tenant_a.admin)
    html = client.get(change_url(ascend_a)).content.decode()
    defaults = re.findall(r'class="ascend-rule ascend-default-rule" data-mobilize-field="([^"]+)"', html)
    assert defaults == list(CORE_FIELDS)
    assert re.search(r'data-mobilize-field="custom:T-shirt size">\s*<td><code>T-shirt size</code>', html)
    response = save_page(
        client,
        ascend_a,
        **{
            rule_field(email, "sync"): "overwrite",
            rule_field(shirt, "ascend_field"): "shirt",
            rule_field(shirt, "sync"): "overwrite",
            rule_field(team, "ascend_field"): "shirt",  # several custom fields may share one Ascend field
        },
    )
    assert response.status_code == 302
    assert FieldRule.objects.get(pk=email.pk).sync == "overwrite"
    assert [(r.ascend_field, r.sync) for r in FieldRule.objects.filter(pk__in=[shirt.pk, team.pk]).order_by("id")] == [
        ("shirt", "overwrite"),
        ("shirt", "populate"),
    ]
    html = client.get(change_url(ascend_a)).content.decode()
    assert f'name="{rule_field(shirt, "ascend_field")}" value="shirt"' in html
    assert re.search(rf'name="{rule_field(email, "sync")}"[^>]*>.*?<option value="overwrite" selected>', html, re.S)
    viewer_html = login(tenant_a.viewer).get(change_url(ascend_a)).content.decode()
    assert 'name="ascend-0-rule_' not in viewer_html
    assert re.search(r'custom:T-shirt size">.*?<code>shirt</code></td>\s*<td>Overwrite</td>', viewer_html, re.S)


def test_a_custom_field_cannot_take_a_default_mappings_ascend_field(ascend_a, tenant_a, login):
    shirt = custom_rule(ascend_a, "Work email")
    response = save_page(login(tenant_a.admin), ascend_a, **{rule_field(shirt, "ascend_field"): "email"})
    assert response.status_code == 200  # the page again, with the model's sentence
    html = response.content.decode()
    assert "The Ascend field &#x27;email&#x27; is already used by the default mapping of email" in html
    assert FieldRule.objects.get(pk=shirt.pk).ascend_field == ""


# --- 4. Automations -----------------------------------------------------------------------------------
def add_automation_data(config: AscendConfig, event: AscendEvent, /, **changes) -> dict:
    data = {
        "config": str(config.pk),
        "name": "June phonebank: register confirmation",
        "event": str(event.pk),
        "activity": "registers",
        "flow_ids": ["f-1"],
        "group_ids": "",
        "enabled": "on",
        "firings-TOTAL_FORMS": "0",
        "firings-INITIAL_FORMS": "0",
        "firings-MIN_NUM_FORMS": "0",
        "firings-MAX_NUM_FORMS": "0",
    }
    data.update(changes)
    return data


def test_refresh_flows_caches_ascends_flows(ascend_a, tenant_a, login, fake):
    fake.flows = [{"id": "f-1", "name": "Confirm"}, {"id": 2, "name": "Remind"}, {"id": "f-1", "name": "Confirm"}]
    client = login(tenant_a.operator)
    response = client.post(action_url(ascend_a, "refresh_flows"))
    assert messages_of(response) == [f"Refresh flows of {ascend_a.name}: Ascend lists 2 flows."]
    config = AscendConfig.objects.get(pk=ascend_a.ascend.pk)
    assert config.flows_cache == [{"id": "f-1", "name": "Confirm"}, {"id": "2", "name": "Remind"}]
    assert fake.clients == [{"base_url": "https://api.ascend.example", "api_key": API_KEY_A}]
    assert "2 flows from Ascend, read" in client.get(change_url(ascend_a)).content.decode()
    fake.error = AuthenticationError(f"Ascend refused the key {API_KEY_A}")
    response = client.post(action_url(ascend_a, "refresh_flows"))
    [message] = messages_of(response)
    assert message.startswith("Refresh flows of") and "refused" in message and API_KEY_A not in message
    assert AscendConfig.objects.get(pk=config.pk).flows_cache == config.flows_cache, "kept on failure"


def test_add_an_ab_automation_for_a_synced_event(ascend_a, ascend_b, tenant_a, login):
    config = ascend_a.ascend
    config.flows_cache = [{"id": "f-1", "name": "Confirm"}, {"id": "f-2", "name": "Confirm, shorter"}]
    config.save()
    synced = add_event(ascend_a, 41, "June phonebank", synced=True)
    unsynced = add_event(ascend_a, 42, "July phonebank")
    foreign = add_event(ascend_b, 43, "Event of B", synced=True)
    client = login(tenant_a.admin)
    page = client.get(change_url(ascend_a)).content.decode()
    add_url = reverse("admin:integrations_automation_add") + f"?config={config.pk}"
    assert f'href="{add_url}"' in page
    form = client.get(add_url).context["adminform"].form
    assert list(form.fields["event"].queryset) == [synced]
    assert list(form.fields["config"].queryset) == [config]
    assert [value for value, _ in form.fields["flow_ids"].choices] == ["f-1", "f-2"]
    response = client.post(
        reverse("admin:integrations_automation_add"),
        add_automation_data(config, synced, flow_ids=["f-1", "f-2"], group_ids="g-7, g-9,, g-7"),
    )
    assert response.status_code == 302
    automation = Automation.objects.get()
    assert (automation.config, automation.event, automation.activity) == (config, synced, "registers")
    assert automation.flow_ids == ["f-1", "f-2"] and automation.group_ids == ["g-7", "g-9"]
    page = client.get(change_url(ascend_a)).content.decode()
    assert "June phonebank: register confirmation" in page and "Confirm / Confirm, shorter" in page
    # Refused: an unsynced event, another organization's event, no flow, a flow Ascend did not list.
    for changes, field in (
        ({"event": str(unsynced.pk), "name": "x1"}, "event"),
        ({"event": str(foreign.pk), "name": "x2"}, "event"),
        ({"flow_ids": [], "name": "x3"}, "flow_ids"),
        ({"flow_ids": ["f-9"], "name": "x4"}, "flow_ids"),
        ({}, "name"),  # the same name twice in one integration
    ):
        response = client.post(
            reverse("admin:integrations_automation_add"), add_automation_data(config, synced, **changes)
        )
        assert response.status_code == 200, changes
        assert field in response.context["adminform"].form.errors, changes
    assert Automation.objects.count() == 1


def test_automation_clean_refuses_an_event_unsynced_since(ascend_a, tenant_a, login):
    config = ascend_a.ascend
    config.flows_cache = [{"id": "f-1", "name": "Confirm"}]
    config.save()
    event = add_event(ascend_a, 51, "Rally", synced=True)
    automation = Automation.objects.create(
        config=config, name="Rally", event=event, activity="attends", flow_ids=["f-1"]
    )
    AscendEvent.objects.filter(pk=event.pk).update(synced=False)
    client = login(tenant_a.admin)
    url = reverse("admin:integrations_automation_change", args=[automation.pk])
    response = client.post(url, add_automation_data(config, event, name="Rally"))
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors["event"])


def test_firings_show_which_flow_each_member_got(ascend_a, ascend_b, tenant_a, tenant_b, login):
    config = ascend_a.ascend
    config.flows_cache = [{"id": "f-1", "name": "Confirm"}, {"id": "f-2", "name": "Confirm, shorter"}]
    config.save()
    event = add_event(ascend_a, 61, "Rally", synced=True)
    automation = Automation.objects.create(
        config=config, name="Rally confirm", event=event, activity="registers", flow_ids=["f-1", "f-2"]
    )
    for phone, flow in (("+12155550101", "f-1"), ("+12155550102", "f-2"), ("+12155550103", "f-1")):
        AutomationFiring.objects.create(
            automation=automation, phone=phone, mobilize_event_id=61, activity="registers", flow_id=flow
        )
    url = reverse("admin:integrations_automation_change", args=[automation.pk])
    viewer = login(tenant_a.viewer)
    html = viewer.get(url).content.decode()
    rows = re.findall(r'field-phone">\s*<p>([^<]+)</p>.*?field-flow_display">\s*<p>([^<]+)</p>', html, re.S)
    assert sorted(rows) == [
        ("+12155550101", "Confirm (f-1)"),
        ("+12155550102", "Confirm, shorter (f-2)"),
        ("+12155550103", "Confirm (f-1)"),
    ]
    assert f'href="{change_url(ascend_a)}#ascend-automations">{ascend_a.name}</a>' in html
    assert "Confirm: 2; Confirm, shorter: 1" in html
    assert 'name="firings-0-phone"' not in html and 'type="submit"' not in html.split('id="automation_form"')[1]
    assert viewer.post(url, add_automation_data(config, event, name="Renamed")).status_code == 403
    changelist = viewer.get(reverse("admin:integrations_automation_changelist")).content.decode()
    assert "Rally confirm" in changelist and "Confirm / Confirm, shorter (A/B test)" in changelist
    assert "Add automation" not in changelist.replace("Select automation to view", "")
    # Another organization's staff: not found, not listed, not choosable.
    other = login(tenant_b.admin)
    assert other.get(url).status_code == 302
    assert "Rally confirm" not in other.get(reverse("admin:integrations_automation_changelist")).content.decode()
    response = other.post(
        reverse("admin:integrations_automation_add"), add_automation_data(config, event, name="Steal")
    )
    assert response.status_code == 200 and "config" in response.context["adminform"].form.errors
    assert Automation.objects.count() == 1
