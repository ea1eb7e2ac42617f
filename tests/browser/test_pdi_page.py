"""The PDI integration's page in a real browser: refresh calendars, map a type, save, the cadence preset."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations import pdi_services
from integrations.models import IntegrationKind, PdiCalendarMapping
from tests.admin import pdi_fakes

pytestmark = pytest.mark.browser

TOKEN = "browser-pdi-token-5a5a5a5a"
PASSWORD = "browser-pdi-password-6b6b6b"


def test_refresh_map_save_and_use_the_seed_cadence(page, log_in, tenant_a, make_integration, monkeypatch, screenshots):
    # live_server serves from this process, so the fake PDI answers the page's Refresh calendars.
    fake = pdi_fakes.install(monkeypatch)
    fake.calendar(301, "Canvassing")
    fake.calendar(302, "Phone banks")
    fake.event_types.append("PETITION")
    integration = make_integration(tenant_a.org, kind=IntegrationKind.PDI, name="PDI")
    config = pdi_services.ensure_config(integration)
    config.api_token, config.username, config.password = TOKEN, "api-user", PASSWORD
    config.save()

    log_in(tenant_a.admin)
    page.goto(f"/admin/integrations/integration/{integration.pk}/change/")
    rows = page.locator("#pdi-calendar-mapping tr.pdi-mapping")
    expect(rows).to_have_count(23)
    expect(rows.first).to_contain_text("Canvass")
    expect(page.locator("#id_pdi-0-api_token")).to_have_value("")
    assert TOKEN not in page.content() and PASSWORD not in page.content()

    page.click("button[name=refresh_calendars]")
    expect(page.locator(".messagelist")).to_contain_text("PDI returned 2 calendars.")
    expect(page.locator(".messagelist")).to_contain_text("added to the mapping unmapped: Petition.")
    expect(rows).to_have_count(24)
    expect(rows.last).to_contain_text("Petition")

    canvass = page.locator('tr.pdi-mapping[data-event-type="CANVASS"] select')
    canvass.select_option(label="Canvassing (PDI calendar 301)")
    page.locator('tr.pdi-mapping[data-event-type="PHONE_BANK"] select').select_option(
        label="Phone banks (PDI calendar 302)"
    )
    page.screenshot(path=screenshots / "pdi_mapping.png", full_page=True)
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(canvass.locator("option:checked")).to_have_text("Canvassing (PDI calendar 301)")
    expect(page.locator('tr.pdi-mapping[data-event-type="MEETING"] select option:checked')).to_have_text(
        "— not mapped —"
    )
    saved = PdiCalendarMapping.objects.get(config=config, event_type="CANVASS")
    assert saved.calendar.pdi_id == "301"
    assert PdiCalendarMapping.objects.get(config=config, event_type="PHONE_BANK").calendar.name == "Phone banks"
    # Saving kept the credentials (left blank on the page) and never showed them.
    config.refresh_from_db()
    assert (config.api_token, config.password) == (TOKEN, PASSWORD)
    assert TOKEN not in page.content() and PASSWORD not in page.content()

    cadence = page.locator(".field-cadence .readonly")
    expect(cadence).to_contain_text("Follows the mirror: runs within a minute of every Mobilize change")
    page.click("button[name=seed_cadence]")
    expect(page.locator(".messagelist")).to_contain_text("now runs at midnight and noon America/New_York")
    expect(cadence).to_have_text(
        "Does not follow the mirror: runs cron 0 0,12 * * * (America/New_York), and on demand."
    )
    expect(page.locator("#id_schedule_crontab")).to_have_value("0 0,12 * * *")
    expect(page.locator("#id_schedule_timezone")).to_have_value("America/New_York")
    expect(page.locator("#id_follows_mirror")).not_to_be_checked()
    page.screenshot(path=screenshots / "pdi_seed_cadence.png", full_page=True)

    # A plain save keeps New York's crontab; Follow the mirror reverts the preset.
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(cadence).to_contain_text("(America/New_York)")
    page.click("button[name=follow_mirror]")
    expect(page.locator(".messagelist")).to_contain_text("follows the mirror again")
    expect(cadence).to_have_text(
        "Follows the mirror: runs within a minute of every Mobilize change, and every 15 minutes."
    )
    integration.refresh_from_db()
    assert integration.follows_mirror and integration.schedule.interval.every == 15
