"""The Action Network <-> Mobile Commons page in a real browser: configure, activate, field mappings, the CSV report."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from integrations import anmc_services
from integrations.models import AnMcConfig, IntegrationKind, SyncItem, SyncRun
from integrations.models.anmc import ACTION_NETWORK_LOGIN_URL, REQUIRED_REFUSED, McField
from tests.admin import anmc_fakes

pytestmark = pytest.mark.browser

AN_PASSWORD = "browser-an-password-1q1q1q"
AN_TOKEN = "browser-an-token-2w2w2w2w"
MC_PASSWORD = "browser-mc-password-3e3e3e"


def test_configure_activate_edit_mappings_and_download_the_report(
    page, log_in, tenant_a, make_integration, monkeypatch, screenshots
):
    # live_server serves from this process, so the fake Mobile Commons answers Refresh opt-in paths.
    fake = anmc_fakes.install(monkeypatch)
    fake.campaign(12, "Main", [(41, "Action Network sync"), (42, "Web signup")])
    integration = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONNETWORK_MOBILECOMMONS, name="AN-MC")
    anmc_services.ensure_config(integration)

    log_in(tenant_a.admin)
    page.goto(f"/admin/integrations/integration/{integration.pk}/change/")
    state = page.locator("#anmc-state")
    expect(state).to_have_text("Inactive")
    expect(page.locator("#anmc-problems")).to_contain_text("Enter the Action Network OSDI API token")

    # Configure Integration: both accounts and the opt-in Boolean field.
    page.click("#anmc-configure")
    page.fill("#id_anmc-0-an_login", "sync@campaign-a.example.org")
    page.fill("#id_anmc-0-an_password", AN_PASSWORD)
    page.fill("#id_anmc-0-an_api_token", AN_TOKEN)
    page.fill("#id_anmc-0-mc_login", "mc@campaign-a.example.org")
    page.fill("#id_anmc-0-mc_password", MC_PASSWORD)
    page.fill("#id_anmc-0-opt_in_field", "mobile_subscriber")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    for secret in (AN_PASSWORD, AN_TOKEN, MC_PASSWORD):
        assert secret not in page.content()
    expect(page.locator("#id_anmc-0-mc_password")).to_have_value("")

    # The default web opt-in path comes from Mobile Commons.
    page.click("button[name=refresh_opt_in_paths]")
    expect(page.locator(".messagelist")).to_contain_text("Mobile Commons lists 2 opt-in paths in active campaigns.")
    page.locator("#id_anmc-0-default_opt_in_path").select_option(label="Action Network sync (Main)")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    config = AnMcConfig.objects.get(integration=integration)
    assert (config.an_password, config.an_api_token, config.mc_password) == (AN_PASSWORD, AN_TOKEN, MC_PASSWORD)
    assert config.default_opt_in_path.mc_id == "41"

    # Activate: the indicator says Active, and when the first sync runs.
    page.click("button[name=activate]")
    expect(page.locator(".messagelist")).to_contain_text("Active. The first sync runs on")
    expect(state).to_have_text("Active")
    config.refresh_from_db()
    expect(page.locator("#anmc-state-note")).to_contain_text(f"first sync on {config.first_sync_on.isoformat()}")
    expect(page.locator("button[name=deactivate]")).to_be_visible()
    login_link = page.locator("#anmc-login")
    expect(login_link).to_have_attribute("href", ACTION_NETWORK_LOGIN_URL)
    expect(login_link).to_have_attribute("target", "_blank")
    expect(login_link).to_have_attribute("rel", "noopener noreferrer")
    page.screenshot(path=screenshots / "anmc_active.png", full_page=True)

    # Edit Field Mappings: Email may not be Required; the seed's reason appears beside the row.
    page.click("#anmc-field-mappings")
    rows = page.locator("#field-mappings tr.anmc-mapping")
    expect(rows).to_have_count(len(McField.values))
    expect(rows.first).to_contain_text("Phone number")
    expect(page.locator('tr[data-field="opt_in_status"]')).to_contain_text("mobile_subscriber")
    page.locator('tr[data-field="email"] input[type=checkbox]').check()
    page.locator('tr[data-field="postal_code"] input[type=checkbox]').check()
    page.click("input[name=_save]")
    expect(page.locator(".errornote")).to_contain_text("Nothing was saved")
    expect(page.locator('tr[data-field="email"] .anmc-refusal')).to_have_text(REQUIRED_REFUSED[McField.EMAIL])
    page.screenshot(path=screenshots / "anmc_field_mappings_refused.png", full_page=True)
    assert not config.field_mappings.filter(required=True).exists()
    page.locator('tr[data-field="email"] input[type=checkbox]').uncheck()
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("Required: Postal code.")
    assert list(config.field_mappings.filter(required=True).values_list("mc_field", flat=True)) == ["postal_code"]

    # The synchronization report of a run, as CSV.
    run = SyncRun.objects.create(integration=integration, status=SyncRun.Status.PARTIAL, skipped=1, created=1)
    SyncItem.objects.create(
        run=run,
        stream="pull_people",
        source_type="actionnetwork.person",
        source_id="an-1",
        label="jo@example.com",
        destination_type="mobilecommons.profile",
        destination_id="345304097",
        action=SyncItem.Action.CREATED,
    )
    SyncItem.objects.create(
        run=run,
        stream="pull_people",
        source_type="actionnetwork.person",
        source_id="an-2",
        label="=cmd|x",
        action=SyncItem.Action.SKIPPED,
        error="Required field Postal code is empty.",
    )
    page.goto(f"/admin/integrations/syncrun/{run.pk}/change/")
    with page.expect_download() as download_info:
        page.click("#run-items-csv")
    download = download_info.value
    assert download.suggested_filename == f"sync-items-run-{run.pk}.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0][:2] == ["Run", "Run started (UTC)"]
    assert [(row[4], row[5], row[7], row[8]) for row in rows[1:]] == [
        ("an-2", "'=cmd|x", "skipped", "Required field Postal code is empty."),
        ("an-1", "jo@example.com", "created", ""),
    ]
