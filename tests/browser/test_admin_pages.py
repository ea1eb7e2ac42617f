"""Every admin page a person uses, driven in a real browser: log in, read, click the buttons."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from integrations.models import ActionKitConfig, IntegrationKind, Organization, PendingRetry, SyncRun

pytestmark = pytest.mark.browser

NEW_KEY = "browser-typed-mobilize-key-31337"


def test_log_in_and_dashboard(page, log_in, tenant_a, tenant_b, screenshots):
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    log_in(tenant_a.viewer)
    board = page.locator(f"#org-{tenant_a.org.pk}")
    expect(board).to_contain_text("Check A")
    expect(board).to_contain_text("Partial (some items failed)")
    expect(page.locator("body")).not_to_contain_text("Campaign B")
    page.screenshot(path=screenshots / "dashboard.png", full_page=True)
    board.get_by_role("link", name="Partial (some items failed)").click()
    expect(page.locator("h2", has_text="Failed items")).to_be_visible()


def test_organization_page_keeps_the_api_key_write_only(page, log_in, tenant_a, screenshots):
    from tests.admin.conftest import API_KEY_A

    log_in(tenant_a.admin)
    page.goto(f"/admin/integrations/organization/{tenant_a.org.pk}/change/")
    key = page.locator("#id_mobilize_api_key")
    expect(key).to_have_attribute("type", "password")
    expect(key).to_have_value("")
    expect(page.locator("body")).to_contain_text("Set. Leave blank to keep")
    assert API_KEY_A not in page.content()
    page.screenshot(path=screenshots / "organization.png", full_page=True)
    # Saving with the field blank keeps the key; typing one replaces it.
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Organization.objects.get(pk=tenant_a.org.pk).mobilize_api_key == API_KEY_A
    page.fill("#id_mobilize_api_key", NEW_KEY)
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Organization.objects.get(pk=tenant_a.org.pk).mobilize_api_key == NEW_KEY
    assert NEW_KEY not in page.content()


def test_integration_list_and_change_page(page, log_in, tenant_a, make_integration, memory, screenshots):
    log_in(tenant_a.admin)
    page.goto("/admin/integrations/integration/")
    row = page.locator("#result_list tbody tr", has_text="Check A")
    expect(row).to_contain_text("on demand only")
    expect(row).to_contain_text("Partial (some items failed)")
    row.get_by_role("link", name="Check A").click()

    # The mapping table and the schedule editor.
    expect(page.locator("#mapping-table")).to_contain_text("person.email_addresses[0].address")
    page.fill("#id_schedule_crontab", "*/30 6-22 * * *")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    tenant_a.integration.refresh_from_db()
    assert tenant_a.integration.schedule.crontab.minute == "*/30"

    # Each button: POST with the CSRF token, then a message saying what happened.
    page.click("button[name=test_connection]")
    expect(page.locator(".messagelist")).to_contain_text("Memory: the source answers.")
    page.click("button[name=sync]")
    expect(page.locator(".messagelist")).to_contain_text("Sync now: Check A run #")
    page.screenshot(path=screenshots / "integration_after_sync.png", full_page=True)
    page.click("button[name=dry_run]")
    expect(page.locator(".messagelist")).to_contain_text("Dry run: Check A run #")
    page.click("button[name=full_resync]")
    expect(page.locator(".messagelist")).to_contain_text("Full resync: Check A run #")
    runs = SyncRun.objects.filter(integration=tenant_a.integration).order_by("pk")
    assert [(r.dry_run, r.full_resync) for r in runs][-3:] == [(False, False), (True, False), (False, True)]
    page.get_by_role("link", name="View the run").click()
    expect(page.locator("#content")).to_contain_text("full resync")

    # An ActionKit integration shows its settings inline.
    ak = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    page.goto(f"/admin/integrations/integration/{ak.pk}/change/")
    page.select_option("#id_actionkit-0-connection", str(tenant_a.connection.pk))
    page.fill("#id_actionkit-0-campaign_id", "42")
    page.fill("#id_actionkit-0-event_create_page", "mobilize_create")
    page.fill("#id_actionkit-0-event_signup_page", "mobilize_signup")
    page.screenshot(path=screenshots / "integration_actionkit.png", full_page=True)
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert ActionKitConfig.objects.get(integration=ak).campaign_id == 42


def test_run_list_filters_and_run_detail_with_retry(page, log_in, tenant_a, make_integration, memory, screenshots):
    other = make_integration(tenant_a.org, name="Other check")
    SyncRun.objects.create(integration=other, status=SyncRun.Status.SUCCEEDED)
    # The fixture's failed record, as one the memory flow accepts now.
    PendingRetry.objects.filter(pk=tenant_a.pending.pk).update(source_id="2")
    tenant_a.run.items.filter(action="failed").update(source_id="2")
    log_in(tenant_a.operator)
    page.goto("/admin/integrations/syncrun/")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    page.locator("#changelist-filter").get_by_role("link", name="Partial (some items failed)").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.screenshot(path=screenshots / "runs.png", full_page=True)
    page.locator("#result_list tbody tr").first.get_by_role("link", name=f"#{tenant_a.run.pk}").click()
    expect(page.locator("table.sync-streams")).to_contain_text("people")
    expect(page.locator("#run-items")).to_contain_text("bad-A@example.com")
    page.fill("#run-item-search", "bad-A")
    page.click("#run-items button[type=submit]")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.go_back()
    page.screenshot(path=screenshots / "run_detail.png", full_page=True)
    page.click("button[name=retry_failed]")
    expect(page.locator(".messagelist")).to_contain_text("Retry of 1 failed item(s)")
    retry = SyncRun.objects.filter(integration=tenant_a.integration).latest("pk")
    assert (retry.trigger, retry.created) == ("retry", 1)


def test_item_search(page, log_in, tenant_a, tenant_b, screenshots):
    log_in(tenant_a.viewer)
    page.goto("/admin/")
    page.fill("#dashboard-item-search", "bad-A@example.com")
    page.click(".sync-search input[type=submit]")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Refused A: blocked domain.")
    page.fill("#searchbar", "bad-B@example.com")
    page.click("#changelist-search input[type=submit]")
    expect(page.locator("#result_list tbody tr")).to_have_count(0)
    page.screenshot(path=screenshots / "items.png", full_page=True)


def test_retry_queue(page, log_in, tenant_a, memory, screenshots):
    PendingRetry.objects.filter(pk=tenant_a.pending.pk).update(source_id="3")
    log_in(tenant_a.operator)
    page.goto("/admin/integrations/pendingretry/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.screenshot(path=screenshots / "retry_queue.png", full_page=True)
    page.check("#result_list tbody input.action-select")
    page.select_option("select[name=action]", "retry_now")
    page.click("button[name=index]")
    expect(page.locator(".messagelist")).to_contain_text("Retry of 1 queued record(s)")
    assert not PendingRetry.objects.filter(pk=tenant_a.pending.pk).exists()
