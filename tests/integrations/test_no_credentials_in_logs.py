"""Logs and messages never contain credentials: real syncs over both sandboxes, successes and failures.

Every log record (at DEBUG, from every logger, the sandbox's request threads included), every
run message, item error and retry-queue error, and the reprs of the clients are searched for the
Mobilize key and the ActionKit password, also in the forms they take on the wire.
"""

from __future__ import annotations

import base64
import json
import logging

import pytest

from integrations import services
from integrations.connectors.errors import ConnectorError
from integrations.flows.registry import get_flow
from integrations.models import PendingRetry, SyncItem, SyncRun

from .conftest import AK_PASSWORD, AK_USER, MOBILIZE_KEY

WRONG_AK_PASSWORD = "wrong-akpass-SECRET-91d3e0-do-not-log"
WRONG_MOBILIZE_KEY = "wrong-mobkey-SECRET-5a7c22-do-not-log"


def wire_forms(secret: str, username: str = AK_USER) -> list[str]:
    """The secret itself and as it travels: a Bearer token, a Basic auth credential."""
    basic = base64.b64encode(f"{username}:{secret}".encode()).decode()
    return [secret, f"Bearer {secret}", basic]


SECRETS = [
    *wire_forms(MOBILIZE_KEY),
    *wire_forms(AK_PASSWORD),
    *wire_forms(WRONG_AK_PASSWORD),
    *wire_forms(WRONG_MOBILIZE_KEY),
]


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    # The settings quiet urllib3; open it up too, in case a request line or header ever shows there.
    caplog.set_level(logging.DEBUG, logger="urllib3")
    return caplog


def everything_written(caplog) -> list[str]:
    """Every log line (message, args, traceback) and every stored sentence a person could read."""
    texts = [caplog.text]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info:
            texts.append(logging.Formatter().formatException(record.exc_info))
    for run in SyncRun.objects.all():
        texts.extend([run.message, json.dumps(run.streams)])
    texts.extend(SyncItem.objects.values_list("error", flat=True))
    texts.extend(SyncItem.objects.values_list("label", flat=True))
    texts.extend(PendingRetry.objects.values_list("error", flat=True))
    return texts


def assert_no_secret_in(texts: list[str]) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"a credential leaked into: {text[:300]!r}"


def assert_clients_hide_secrets(integration) -> None:
    flow = get_flow(integration)
    clients = [flow.mobilize]
    if hasattr(flow, "actionkit"):
        clients.append(flow.actionkit)
    texts = []
    for client in clients:
        texts += [repr(client), str(client), repr(vars(client)), repr(client.session.headers)]
    assert_no_secret_in(texts)


def test_a_successful_crm_sync_logs_no_credentials(crm_world, debug_logs):
    mirror = crm_world.sync(crm_world.mirror)  # its changes run the CRM integration too (fan-out)
    crm = crm_world.sync(crm_world.crm)
    assert mirror.status == SyncRun.Status.SUCCEEDED, mirror.message
    assert crm.status == SyncRun.Status.SUCCEEDED, crm.message
    crm_runs = crm_world.crm.runs.all()
    assert all(run.status == SyncRun.Status.SUCCEEDED for run in crm_runs)
    assert sum(run.created for run in crm_runs) > 10
    assert any(r.name.startswith("integrations.connectors") and r.levelno == logging.DEBUG for r in debug_logs.records)
    assert_no_secret_in(everything_written(debug_logs))
    assert_clients_hide_secrets(crm_world.crm)
    assert_clients_hide_secrets(crm_world.mirror)


def test_a_wrong_actionkit_password_fails_without_showing_either_password(crm_world, debug_logs):
    crm_world.connection.password = WRONG_AK_PASSWORD
    crm_world.connection.save()
    run = crm_world.sync(crm_world.crm)
    assert run.status in (SyncRun.Status.FAILED, SyncRun.Status.PARTIAL)
    said = run.message + " ".join(run.items.values_list("error", flat=True))
    assert f"the API user '{AK_USER}' and its password were refused" in said, said
    with pytest.raises(ConnectorError) as raised:
        services.test_connection(crm_world.crm)
    assert "password were refused" in str(raised.value)
    assert_no_secret_in([*everything_written(debug_logs), str(raised.value), repr(raised.value)])
    assert_clients_hide_secrets(crm_world.crm)


def test_a_mobilize_403_for_a_wrong_key_fails_without_showing_the_key(crm_world, debug_logs):
    crm_world.organization.mobilize_api_key = WRONG_MOBILIZE_KEY
    crm_world.organization.save()
    for integration in (crm_world.mirror, crm_world.crm):
        run = crm_world.sync(integration)
        assert run.status == SyncRun.Status.FAILED
        assert "Mobilize answered HTTP 403" in run.message and "API key was refused" in run.message, run.message
    with pytest.raises(ConnectorError) as raised:
        services.test_connection(crm_world.mirror)
    assert raised.value.status == 403
    assert_no_secret_in([*everything_written(debug_logs), str(raised.value), repr(raised.value)])
    assert_clients_hide_secrets(crm_world.crm)


def test_record_failures_and_retries_log_no_credentials(crm_world, debug_logs):
    from sandbox.models import FaultRule

    # A create that fails (500 on the action processor) and one ActionKit rejects, then the retries.
    FaultRule.objects.create(system="actionkit", method="POST", path_pattern="/action/", kind="500", remaining=1)
    crm_world.world.events["accessible"]["timeslots"][0]["max_attendees"] = 500  # above the campaign's cap
    crm_world.load()
    first = crm_world.sync(crm_world.crm)
    assert first.status == SyncRun.Status.PARTIAL and first.failed >= 2
    services.retry_failed_items(first)  # runs at once: the test is not inside a transaction
    retry = SyncRun.objects.get(integration=crm_world.crm, trigger=SyncRun.Trigger.RETRY)
    assert retry.retry_only and retry.fetched >= 1
    assert_no_secret_in(everything_written(debug_logs))
