"""The Ascend integration's page in a real browser: fetch events, sync one, map a field, add an automation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations import ascend_services, services
from integrations.mirror import store
from integrations.models import IntegrationKind, RecordType
from integrations.models.ascend import AscendConfig, AscendEvent, Automation, FieldRule
from tests.admin import ascend_fakes

pytestmark = pytest.mark.browser

API_KEY = "browser-ascend-key-7c7c7c7c"


def test_fetch_sync_map_and_automate(page, log_in, tenant_a, make_integration, monkeypatch, screenshots):
    # live_server serves from this process, so the fakes answer the page's buttons.
    fake = ascend_fakes.install(monkeypatch)
    queued: list[int] = []
    monkeypatch.setattr(services, "trigger_sync", lambda integration, **kwargs: queued.append(integration.pk))
    fake.flows = [{"id": "flow-a", "name": "Thanks A"}, {"id": "flow-b", "name": "Thanks B"}]
    store.write(tenant_a.org.pk, RecordType.EVENT, ascend_fakes.mobilize_event(501, "Mirrored canvass"))
    fake.mobilize_events = [ascend_fakes.mobilize_event(502, "June phonebank")]
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ASCEND, name="Ascend SMS")
    config = ascend_services.ensure_config(integration)
    config.base_url, config.api_key = "https://api.ascend.example", API_KEY
    config.save()
    team = FieldRule.objects.create(config=config, mobilize_field="custom:Team")

    log_in(tenant_a.admin)
    page.goto(f"/admin/integrations/integration/{integration.pk}/change/")
    expect(page.locator("#ascend-events")).to_contain_text("No events listed yet")
    expect(page.locator("#id_ascend-0-api_key")).to_have_value("")
    assert API_KEY not in page.content()

    # Events: fetch (the mirror's event and the one the refresh brings), then sync one.
    page.click("button[name=fetch_events]")
    expect(page.locator(".messagelist")).to_contain_text("2 events listed, 2 new, 0 renamed.")
    rows = page.locator("#ascend-events tr.ascend-event")
    expect(rows).to_have_count(2)
    phonebank = page.locator('tr.ascend-event[data-mobilize-id="502"]')
    expect(phonebank).to_contain_text("June phonebank")
    phonebank.locator("button.ascend-sync-button").click()
    expect(page.locator(".messagelist")).to_contain_text("June phonebank is synced")
    expect(phonebank.locator(".ascend-synced")).to_have_text("Synced")
    expect(page.locator('tr.ascend-event[data-mobilize-id="501"] button.ascend-sync-button')).to_have_text("Sync")
    assert queued == [integration.pk]

    # Fields: a sync option and a custom mapping; Enter in a text field saves the page (not a row's Sync).
    page.locator('tr[data-mobilize-field="email"] select').select_option("overwrite")
    page.locator('tr[data-mobilize-field="custom:Team"] input').fill("email")
    page.locator('tr[data-mobilize-field="custom:Team"] input').press("Enter")
    expect(page.locator("#ascend-fields")).to_contain_text("already used by the default mapping of email")
    page.locator('tr[data-mobilize-field="custom:Team"] input').fill("team")
    page.locator('tr[data-mobilize-field="custom:Team"] select').select_option("overwrite")
    page.locator("#id_ascend-0-sync_accounts").check()
    page.screenshot(path=screenshots / "ascend_fields.png", full_page=True)
    page.locator('tr[data-mobilize-field="custom:Team"] input').press("Enter")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator('tr[data-mobilize-field="custom:Team"] input')).to_have_value("team")
    expect(page.locator('tr[data-mobilize-field="email"] select option:checked')).to_have_text("Overwrite")
    team.refresh_from_db()
    assert (team.ascend_field, team.sync) == ("team", "overwrite")
    config.refresh_from_db()
    assert config.sync_accounts and config.api_key == API_KEY
    assert AscendEvent.objects.filter(config=config, synced=True).count() == 1, "saving kept the synced event"

    # Automations: read the flows, add an A/B automation on the synced event.
    page.click("button[name=refresh_flows]")
    expect(page.locator(".messagelist")).to_contain_text("Ascend lists 2 flows.")
    page.click("#ascend-add-automation")
    page.fill("#id_name", "June phonebank: register thanks")
    expect(page.locator("#id_event option")).to_have_count(2)  # the blank choice and the one synced event
    page.select_option("#id_event", label="June phonebank (Mobilize 502)")
    page.select_option("#id_activity", "registers")
    page.get_by_label("Thanks A (flow-a)").check()
    page.get_by_label("Thanks B (flow-b)").check()
    page.fill("#id_group_ids", "grp-1")
    page.screenshot(path=screenshots / "ascend_automation.png", full_page=True)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    automation = Automation.objects.get()
    assert automation.flow_ids == ["flow-a", "flow-b"] and automation.group_ids == ["grp-1"]
    assert automation.event.mobilize_event_id == 502

    # Everything is kept: back on the integration's page.
    page.goto(f"/admin/integrations/integration/{integration.pk}/change/")
    expect(page.locator("#ascend-automations tr.ascend-automation")).to_contain_text("Thanks A / Thanks B")
    expect(page.locator('tr.ascend-event[data-mobilize-id="502"] .ascend-synced')).to_have_text("Synced")
    expect(page.locator('tr[data-mobilize-field="custom:Team"] input')).to_have_value("team")
    assert AscendConfig.objects.get(pk=config.pk).flows_cache == fake.flows
    assert API_KEY not in page.content()
    page.screenshot(path=screenshots / "ascend_page.png", full_page=True)
