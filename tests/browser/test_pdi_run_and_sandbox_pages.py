"""A PDI run as support staff read it, and the PDI sandbox's pages a developer checks it against."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations.admin.actions import run_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_pdi_run_page_says_why_an_unmapped_event_was_skipped_and_the_sandbox_shows_what_was_written(
    page,
    log_in,
    superuser,
    pdi,
    screenshots,
):
    from sandbox.pdi.setup import create_contact

    create_contact("Anabel", "Lopez-Rivera", email="ana@example.com")
    town_hall = pdi.world.touch(pdi.world.events["accessible"])
    town_hall["event_type"] = "MEETING"
    pdi.load()
    run = pdi.sync()
    log_in(superuser)

    page.goto(run_url(run))
    expect(page.locator("table.sync-streams")).to_contain_text("invitations")
    page.fill("#run-item-search", "Town hall")
    page.click("#run-items button[type=submit]")
    expect(page.locator("#result_list")).to_contain_text("mapped to no PDI calendar")
    page.screenshot(path=screenshots / "pdi_run_skipped.png", full_page=True)
    page.goto(f"/admin/integrations/syncitem/?run={run.pk}&action__exact=matched")
    expect(page.locator("#result_list")).to_contain_text("ana@example.com")

    page.goto("/admin/sandbox_pdi/event/")
    expect(page.locator("#result_list")).to_contain_text("Event 10")
    expect(page.locator("#result_list")).not_to_contain_text("Town hall")
    page.goto("/admin/sandbox_pdi/invitation/")
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    page.goto("/admin/sandbox_pdi/contact/")
    expect(page.locator("#result_list")).to_contain_text("Lopez-Rivera")
    page.screenshot(path=screenshots / "pdi_sandbox_contacts.png", full_page=True)
