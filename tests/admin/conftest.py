"""Two organizations with staff of every role, an integration each, and a run with items each."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from integrations.models import (
    ActionKitConnection,
    Integration,
    Membership,
    Organization,
    PendingRetry,
    RecordLink,
    SyncItem,
    SyncRun,
    Watermark,
)

from . import memory_flow

API_KEY_A = "mobilize-secret-key-of-org-a-1234567890"
AK_PASSWORD_A = "actionkit-password-of-org-a-0987654321"


@dataclass
class Tenant:
    org: Organization
    admin: object
    operator: object
    viewer: object
    integration: Integration
    connection: ActionKitConnection
    run: SyncRun
    item: SyncItem
    pending: PendingRetry
    link: RecordLink
    watermark: Watermark


def make_tenant(make_organization, make_staff, make_integration, label: str, api_key: str, password: str) -> Tenant:
    org = make_organization(name=f"Campaign {label}", mobilize_api_key=api_key)
    integration = make_integration(org, name=f"Check {label}")
    connection = ActionKitConnection.objects.create(
        organization=org,
        name=f"AK {label}",
        base_url=f"https://{label.lower()}.actionkit.com",
        username="api",
        password=password,
    )
    run = SyncRun.objects.create(
        integration=integration,
        status=SyncRun.Status.PARTIAL,
        finished_at=timezone.now(),
        fetched=2,
        created=1,
        failed=1,
        streams={
            "people": {
                "fetched": 2,
                "created": 1,
                "updated": 0,
                "unchanged": 0,
                "skipped": 0,
                "failed": 1,
                "watermark_before": None,
                "watermark_after": 1_700_000_002,
                "status": "finished",
                "seconds": 0.25,
            }
        },
        message=f"Stream people of {label}: one record failed.",
    )
    item = SyncItem.objects.create(
        run=run,
        stream="people",
        source_type="test.person",
        source_id=f"{label}-1",
        label=f"ok-{label}@example.com",
        destination_type="test.row",
        destination_id=f"row-{label}-1",
        action=SyncItem.Action.CREATED,
    )
    SyncItem.objects.create(
        run=run,
        stream="people",
        source_type="test.person",
        source_id=f"{label}-2",
        label=f"bad-{label}@example.com",
        action=SyncItem.Action.FAILED,
        error=f"Refused {label}: blocked domain.",
    )
    pending = PendingRetry.objects.create(
        integration=integration,
        stream="people",
        source_id=f"{label}-2",
        label=f"bad-{label}@example.com",
        record={"id": 2, "email": f"bad-{label}@example.com", "name": "bad", "modified_date": 1_700_000_002},
        error=f"Refused {label}: blocked domain.",
        retryable=False,
    )
    link = RecordLink.objects.create(
        integration=integration,
        source_type="test.person",
        source_id=f"{label}-1",
        destination_type="test.row",
        destination_id=f"row-{label}-1",
        payload_hash="x" * 64,
        synced_at=timezone.now(),
    )
    watermark = Watermark.objects.create(integration=integration, stream="people", value=1_700_000_002)
    return Tenant(
        org=org,
        admin=make_staff(org, Membership.Role.ADMIN, username=f"admin_{label.lower()}"),
        operator=make_staff(org, Membership.Role.OPERATOR, username=f"operator_{label.lower()}"),
        viewer=make_staff(org, Membership.Role.VIEWER, username=f"viewer_{label.lower()}"),
        integration=integration,
        connection=connection,
        run=run,
        item=item,
        pending=pending,
        link=link,
        watermark=watermark,
    )


@pytest.fixture
def tenant_a(make_organization, make_staff, make_integration) -> Tenant:
    return make_tenant(make_organization, make_staff, make_integration, "A", API_KEY_A, AK_PASSWORD_A)


@pytest.fixture
def tenant_b(make_organization, make_staff, make_integration) -> Tenant:
    return make_tenant(make_organization, make_staff, make_integration, "B", "key-of-org-b-55555", "password-b-4444")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "pass-word-123")


@pytest.fixture
def memory(monkeypatch):
    """The in-memory flow, registered for the tenants' integrations (the tests' own kind)."""
    return memory_flow.install(monkeypatch)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user
