"""The run page follows a running run without a reload, and shows which failures later runs resolved."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import SyncItem, SyncRun

pytestmark = pytest.mark.browser


def test_a_running_runs_page_shows_live_progress_and_reloads_when_it_finishes(page, log_in, tenant_a, screenshots):
    run = SyncRun.objects.create(
        integration=tenant_a.integration,
        status=SyncRun.Status.RUNNING,
        fetched=3,
        streams={"people": {"status": "running", "fetched": 3}},
    )
    log_in(tenant_a.viewer)
    page.goto(f"/admin/integrations/syncrun/{run.pk}/change/")
    progress = page.locator("#run-progress")
    expect(progress.locator("[data-field=stream]")).to_have_text("people")
    expect(progress.locator("[data-field=records_done]")).to_have_text("3")
    # The worker goes on: the page follows without anyone reloading it.
    SyncRun.objects.filter(pk=run.pk).update(fetched=250, streams={"attendances": {"status": "running"}})
    expect(progress.locator("[data-field=records_done]")).to_have_text("250", timeout=8_000)
    expect(progress.locator("[data-field=stream]")).to_have_text("attendances")
    page.screenshot(path=screenshots / "run_progress.png", full_page=True)
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.SUCCEEDED, finished_at=timezone.now())
    expect(page.locator("#run-progress")).to_have_count(0, timeout=8_000)
    expect(page.locator("body")).to_contain_text("Succeeded")


def test_a_failed_item_resolved_by_a_later_run_is_shown_resolved_and_not_offered_again(
    page, log_in, tenant_a, screenshots
):
    run = tenant_a.run
    later = SyncRun.objects.create(integration=tenant_a.integration, status=SyncRun.Status.SUCCEEDED)
    run.items.filter(action=SyncItem.Action.FAILED).update(resolved_by=later, resolved_at=timezone.now())
    tenant_a.pending.delete()
    log_in(tenant_a.operator)
    page.goto(f"/admin/integrations/syncrun/{run.pk}/change/")
    expect(page.locator("#run-resolved")).to_contain_text("resolved by a later run")
    expect(page.locator("#run-items")).to_contain_text(f"by run #{later.pk}")
    expect(page.locator("button[name=retry_failed]")).to_have_count(0)
    page.screenshot(path=screenshots / "run_resolved.png", full_page=True)


def test_an_integration_that_cannot_run_says_why_before_anyone_presses_a_button(
    page, log_in, tenant_a, make_integration, screenshots
):
    from integrations.models import IntegrationKind

    crm = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM without settings")
    log_in(tenant_a.admin)
    page.goto(f"/admin/integrations/integration/{crm.pk}/change/")
    panel = page.locator("#configuration-problems")
    expect(panel).to_contain_text("Not ready to run")
    expect(panel).to_contain_text("has no ActionKit settings yet")
    page.screenshot(path=screenshots / "integration_not_ready.png", full_page=True)
