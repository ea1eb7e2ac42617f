"""The integration page shows the lock; an organization admin releases a dead holder's lock, never a live one."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from integrations.engine.lock import IntegrationLock
from integrations.models import SyncLock, SyncRun
from tests.engine.lockhelpers import plant_dead_holder


def change_url(integration) -> str:
    return reverse("admin:integrations_integration_change", args=[integration.pk])


def release_url(integration) -> str:
    return reverse("admin:integrations_integration_release_lock", args=[integration.pk])


def test_the_page_says_free_when_no_run_holds_the_lock(tenant_a, login):
    content = login(tenant_a.viewer).get(change_url(tenant_a.integration)).content.decode()
    assert 'id="lock"' in content and "Free: no run of this integration is in progress." in content
    assert release_url(tenant_a.integration) not in content


def test_the_page_shows_a_live_holder_since_when_until_when_and_its_run(tenant_a, login):
    lock = IntegrationLock(tenant_a.integration.pk)
    assert lock.acquire()
    try:
        run = SyncRun.objects.create(integration=tenant_a.integration)
        lock.attach_run(run.pk)
        row = SyncLock.objects.get(pk=tenant_a.integration.pk)
        content = login(tenant_a.viewer).get(change_url(tenant_a.integration)).content.decode()
    finally:
        lock.release()
    assert "Held by a live run" in content and lock.holder in content
    assert row.acquired_at.strftime("%Y-%m-%d %H:%M:%S") in content
    assert row.expires_at.strftime("%Y-%m-%d %H:%M:%S") in content
    assert reverse("admin:integrations_syncrun_change", args=[run.pk]) in content
    assert release_url(tenant_a.integration) not in content, "a viewer is not offered the release"


def test_an_admin_releases_a_dead_holders_lock_after_confirming(tenant_a, login):
    dead = plant_dead_holder(tenant_a.integration)
    client = login(tenant_a.admin)
    page = client.get(change_url(tenant_a.integration)).content.decode()
    assert "is gone (its worker stopped)" in page and release_url(tenant_a.integration) in page
    confirm = client.get(release_url(tenant_a.integration))
    assert confirm.status_code == 200
    assert "Yes, release the lock" in confirm.content.decode()
    assert SyncLock.objects.filter(pk=tenant_a.integration.pk).exists(), "GET only asks"
    response = client.post(release_url(tenant_a.integration))
    assert response.status_code == 302
    assert not SyncLock.objects.filter(pk=tenant_a.integration.pk).exists()
    run = SyncRun.objects.get(pk=dead.run_id)
    assert run.status == SyncRun.Status.INTERRUPTED
    assert run.message.startswith("Interrupted: the worker stopped before this run finished")
    assert tenant_a.admin.username in run.message
    assert any("Lock released" in str(m) for m in get_messages(response.wsgi_request))


def test_a_live_lock_is_never_released(tenant_a, login):
    lock = IntegrationLock(tenant_a.integration.pk)
    assert lock.acquire()
    try:
        client = login(tenant_a.admin)
        confirm = client.get(release_url(tenant_a.integration)).content.decode()
        assert "A live run holds this lock" in confirm and "Yes, release" not in confirm
        response = client.post(release_url(tenant_a.integration))
        assert SyncLock.objects.get(pk=tenant_a.integration.pk).holder == lock.holder
        lock.ensure_held()
        assert any("Not released" in str(m) for m in get_messages(response.wsgi_request))
    finally:
        lock.release()


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_operators_and_viewers_cannot_release(tenant_a, login, role):
    plant_dead_holder(tenant_a.integration)
    client = login(getattr(tenant_a, role))
    assert client.get(release_url(tenant_a.integration)).status_code == 403
    assert client.post(release_url(tenant_a.integration)).status_code == 403
    assert SyncLock.objects.filter(pk=tenant_a.integration.pk).exists()


def test_another_organizations_admin_cannot_see_or_release(tenant_a, tenant_b, login):
    plant_dead_holder(tenant_a.integration)
    client = login(tenant_b.admin)
    assert client.get(release_url(tenant_a.integration)).status_code == 404
    assert client.post(release_url(tenant_a.integration)).status_code == 404
    assert SyncLock.objects.filter(pk=tenant_a.integration.pk).exists()
