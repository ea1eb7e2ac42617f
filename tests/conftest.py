"""Shared fixtures: organizations, staff users with memberships, integrations, Ascend automations."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model

from integrations.connectors.ratelimit import default_limiter
from integrations.models import AscendConfig, AscendEvent, Automation, Integration, Membership, Organization
from tests import kinds

_ids = itertools.count(5000)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with empty rate-limit windows (they are process-wide)."""
    default_limiter().reset()
    yield


@pytest.fixture
def make_organization(db):
    def make(**fields) -> Organization:
        number = next(_ids)
        fields.setdefault("name", f"Org {number}")
        fields.setdefault("mobilize_id", number)
        fields.setdefault("mobilize_base_url", "http://mobilize.invalid/v1")
        fields.setdefault("mobilize_api_key", f"key-{number}")
        return Organization.objects.create(**fields)

    return make


@pytest.fixture
def make_staff(db):
    def make(organization: Organization | None = None, role: str = Membership.Role.ADMIN, **fields):
        number = next(_ids)
        user = get_user_model().objects.create_user(
            username=fields.pop("username", f"staff{number}"),
            password=fields.pop("password", "pass-word-123"),
            is_staff=True,
            **fields,
        )
        if organization is not None:
            Membership.objects.create(user=user, organization=organization, role=role)
        return user

    return make


@pytest.fixture
def make_integration(db):
    def make(organization: Organization, kind: str = kinds.MEMORY, **fields) -> Integration:
        fields.setdefault("name", f"Integration {next(_ids)}")
        return Integration.objects.create(organization=organization, kind=kind, **fields)

    return make


@pytest.fixture
def make_automation(db):
    """An automation of an Ascend integration, on a synced event of its own."""

    def make(config: AscendConfig, name: str = "Welcome", flow_ids: tuple[str, ...] = ("flow-x",)) -> Automation:
        number = next(_ids)
        event = AscendEvent.objects.create(
            config=config, mobilize_event_id=number, title=f"Event {number}", synced=True
        )
        return Automation.objects.create(
            config=config, name=name, event=event, activity="registers", flow_ids=list(flow_ids)
        )

    return make
