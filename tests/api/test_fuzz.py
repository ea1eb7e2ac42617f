"""The API fuzzed against its own OpenAPI schema (schemathesis): no request is a server error.

Every operation of /api/schema/ gets a bounded number of generated requests, fitting the schema
and not, sent in process to Django's WSGI application as an organization's admin (staff) with
data in place: two organizations, their integrations (one with ActionKit settings), runs with
items. Ids in paths and id filters are drawn half the time from rows that exist, so detail
pages, actions and the other filters are reached, not only "not found" and "not a choice".

Deterministic for CI: Hypothesis is derandomized (the examples follow from this file's code),
each request runs in a savepoint rolled back afterwards (every request sees the same rows, and
one database error cannot abort the rest), and remote HTTP is mocked.
"""

from __future__ import annotations

import re
import time

import pytest
import responses
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from integrations.models import ActionKitConfig, Integration, IntegrationKind, SyncItem, SyncRun

# Generated requests per operation and mode. Lists carry most of the inputs (filters, search,
# ordering, paging) and get more; the whole test stays well under a minute on two cores.
EXAMPLES = 8
LIST_EXAMPLES = 30

# Whether the answer is a server error, and whether a documented answer matches its schema.
# Left out: status code conformance (the schema documents successes only, not 400/403/404) and
# schemathesis' data acceptance checks (a schema-valid id of no visible row is rightly a 400, an
# empty filter rightly means "no filter").
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

RESOURCES = {"organizations": "organization", "integrations": "integration", "runs": "run", "items": "item"}


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, keeping the test's database connection between requests.

    A real server closes "old" connections at each request's start and end; here that would
    close the connection holding the test's transaction (Django's test client does the same).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def remote():
    """Mobilize and ActionKit refuse every credential at once (Test connection must not wait on DNS)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        for method in (responses.GET, responses.POST, responses.PUT, responses.PATCH, responses.DELETE):
            mocked.add(method, re.compile(r".*"), status=401, json={"error": "Invalid credentials"})
        yield mocked


@pytest.fixture
def rows(tenant_a, tenant_b, memory, monkeypatch):
    """The ids drawn from, by resource: tenant A's, and tenant B's which must stay "not found"."""
    from integrations.flows import registry
    from tests.admin.memory_flow import MemoryFlow

    # The schema documents the real kinds only: here the tenants' integrations are their
    # organizations' mirrors, and run the in-memory flow.
    tenants = Integration.objects.filter(pk__in=[tenant_a.integration.pk, tenant_b.integration.pk])
    tenants.update(kind=IntegrationKind.MOBILIZE_MIRROR)
    monkeypatch.setitem(registry.FLOWS, IntegrationKind.MOBILIZE_MIRROR, MemoryFlow)
    ak = Integration.objects.create(organization=tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    ActionKitConfig.objects.create(
        integration=ak, connection=tenant_a.connection, campaign_id=3, event_create_page="c", event_signup_page="s"
    )
    run = SyncRun.objects.create(integration=ak, status=SyncRun.Status.RUNNING)
    SyncItem.objects.create(
        run=run,
        stream="events",
        source_type="mobilize.timeslot",
        source_id="7",
        label="Canvass",
        action=SyncItem.Action.CREATED,
    )
    return {
        "organization": [tenant_a.org.pk, tenant_b.org.pk],
        "integration": [tenant_a.integration.pk, ak.pk, tenant_b.integration.pk],
        "run": [tenant_a.run.pk, run.pk, tenant_b.run.pk],
        "item": [*tenant_a.run.items.values_list("pk", flat=True), tenant_b.item.pk],
    }


def resource_of(path: str) -> str | None:
    """The resource whose id a path holds: /api/runs/{id}/... -> "run"."""
    parts = path.strip("/").split("/")
    return RESOURCES.get(parts[1]) if len(parts) >= 3 and parts[2] == "{id}" else None


def use_existing_ids(case, resource: str | None, rows: dict[str, list[int]], data) -> None:
    """Point the path id and the id filters at existing rows half the time.

    A random id is nearly always unknown: a 404, or a filter refused before the query runs,
    which would hide what the other filters do to the query.
    """
    if resource and data.draw(st.booleans(), label=f"existing {resource}"):
        case.path_parameters = {**(case.path_parameters or {}), "id": data.draw(st.sampled_from(rows[resource]))}
    for name in sorted(set(case.query or {}) & set(rows)):
        if data.draw(st.booleans(), label=f"existing {name} filter"):
            case.query[name] = data.draw(st.sampled_from(rows[name]))


def fuzz(operation, mode: GenerationMode, rows: dict[str, list[int]], headers: dict[str, str]) -> None:
    """Send one operation's generated requests; raises the failures schemathesis found."""
    resource = resource_of(operation.path)
    is_list = operation.method.upper() == "GET" and resource is None

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=LIST_EXAMPLES if is_list else EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def check(case, data):
        use_existing_ids(case, resource, rows, data)
        savepoint = transaction.savepoint()
        try:
            response = case.call(headers=headers)
        finally:
            transaction.savepoint_rollback(savepoint)
        case.validate_response(response, checks=CHECKS)

    check()


def test_no_generated_request_is_a_server_error(tenant_a, rows, wsgi_app, remote):
    token = Token.objects.create(user=tenant_a.admin)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {f"/api/{plural}/" for plural in RESOURCES}
    failures: list[str] = []
    started = time.monotonic()
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, rows, headers)
            except (Exception, BaseExceptionGroup) as exc:  # report every operation's failure, not the first
                failures.append(f"{operation.label} ({mode.value} data): {exc}")
    assert not failures, "\n\n".join(failures)
    print(f"{len(operations)} operations fuzzed in {time.monotonic() - started:.1f} s")
