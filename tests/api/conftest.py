"""The admin tests' tenants, reused: two organizations, staff of every role, a run with items each."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.admin.conftest import memory, superuser, tenant_a, tenant_b  # noqa: F401


@pytest.fixture
def api():
    def as_user(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return as_user
