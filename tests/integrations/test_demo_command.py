"""`manage.py demo`: serves the project, loads the sandbox demo data, sets up and syncs the demo, idempotently.

The slowest test here: it runs the demo twice, as `make run` would on a first and a second start.
"""

from __future__ import annotations

import re
import socket
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from integrations.models import (
    ActionKitConfig,
    ActionKitConnection,
    Integration,
    IntegrationKind,
    Membership,
    Organization,
    SyncRun,
)

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def demo(address: str) -> str:
    out = StringIO()
    call_command("demo", address=address, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> dict[str, list]:
    """The demo's objects by primary key, and what the ActionKit sandbox holds."""
    from sandbox.actionkit.models import ApiUser, Campaign, Event, EventSignup, Page
    from sandbox.actionkit.models import User as AkUser

    return {
        "organizations": list(Organization.objects.values_list("pk", "mobilize_id", "name")),
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "username")),
        "memberships": list(Membership.objects.values_list("pk", "user__username", "role")),
        "integrations": list(Integration.objects.order_by("pk").values_list("pk", "name", "kind", "schedule_id")),
        "connections": list(ActionKitConnection.objects.values_list("pk", "base_url", "username")),
        "configs": list(ActionKitConfig.objects.order_by("pk").values_list("pk", "integration_id", "campaign_id")),
        "schedules": list(PeriodicTask.objects.order_by("pk").values_list("pk", "task", "kwargs")),
        "ak_api_users": list(ApiUser.objects.values_list("pk", "username")),
        "ak_campaigns": list(Campaign.objects.order_by("pk").values_list("pk", "name")),
        "ak_pages": list(Page.objects.order_by("pk").values_list("pk", "name")),
        "ak_events": list(Event.objects.order_by("pk").values_list("pk", flat=True)),
        "ak_users": list(AkUser.objects.order_by("pk").values_list("pk", "email")),
        "ak_signups": list(EventSignup.objects.order_by("pk").values_list("pk", flat=True)),
    }


def summaries(output: str) -> dict[str, str]:
    """Integration name -> status word, from the printed run summaries."""
    return dict(re.findall(r"^Run #\d+ of (.+?) \(Demo Campaign\): (\w+)", output, re.MULTILINE))


def test_demo_sets_up_and_syncs_the_demo_organization_and_a_second_run_changes_nothing():
    address = f"127.0.0.1:{free_port()}"
    output = demo(address)

    assert output.startswith("Mobilize sandbox: loaded 3 organizations")
    assert summaries(output) == {
        "Mobilize mirror": "Succeeded",
        "ActionKit CRM": "Succeeded",
        "ActionKit distributed send": "Succeeded",
    }
    assert f"Admin: http://{address}/admin/" in output
    assert "login 'admin' / password 'mobilize-admin' (superuser)" in output
    assert "login 'staff' / password 'mobilize-staff' (staff of Demo Campaign)" in output

    organization = Organization.objects.get()
    assert (organization.mobilize_id, organization.name) == (1001, "Demo Campaign")
    assert organization.mobilize_base_url == f"http://{address}/sandbox/mobilize/v1"
    assert organization.mobilize_api_key == "demo-mobilize-key"
    assert organization.firewall_side == Organization.FirewallSide.COORDINATED, "read from Mobilize by the sync"

    admin = authenticate(username="admin", password="mobilize-admin")
    staff = authenticate(username="staff", password="mobilize-staff")
    assert admin is not None and admin.is_staff and admin.is_superuser
    assert staff is not None and staff.is_staff and not staff.is_superuser
    assert Membership.objects.get(user=staff).organization == organization
    assert not Membership.objects.filter(user=admin).exists()

    integrations = {i.name: i for i in Integration.objects.filter(organization=organization)}
    assert {name: i.kind for name, i in integrations.items()} == {
        "Mobilize mirror": IntegrationKind.MOBILIZE_MIRROR,
        "ActionKit CRM": IntegrationKind.ACTIONKIT_CRM,
        "ActionKit distributed send": IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND,
    }
    connection = ActionKitConnection.objects.get(organization=organization)
    assert connection.base_url == f"http://{address}/sandbox/actionkit"
    crm, ds = integrations["ActionKit CRM"].actionkit, integrations["ActionKit distributed send"].actionkit
    assert crm.connection == ds.connection == connection
    assert crm.campaign_id != ds.campaign_id and crm.event_signup_page and not ds.event_signup_page
    mirror = integrations["Mobilize mirror"]
    assert mirror.schedule is None, "the mirror refreshes on the mirror's own tick"
    [refresh] = mirror.runs.all()
    for integration in integrations.values():
        if integration != mirror:
            assert integration.schedule is not None and integration.schedule.task == "integrations.run_integration"
        [run] = integration.runs.all()
        assert run.status == SyncRun.Status.SUCCEEDED, run.message
        assert run.created > 0 and run.failed == 0
        if integration != mirror:  # the refresh changed the mirror and so ran them; not queued twice
            assert run.trigger == SyncRun.Trigger.MIRROR and run.started_at > refresh.started_at
    assert output.index("Run #") == output.index(f"Run #{refresh.pk} of Mobilize mirror"), "the mirror first"
    first = snapshot()
    assert first["ak_events"] and first["ak_users"] and first["ak_signups"], "ActionKit received the demo"

    again = demo(address)
    assert set(summaries(again).values()) == {"Succeeded"}
    assert snapshot() == first, "the second demo made no new object anywhere"
    for integration in integrations.values():
        latest = integration.runs.order_by("-pk").first()
        assert integration.runs.count() == 2
        assert (latest.status, latest.created, latest.failed) == (SyncRun.Status.SUCCEEDED, 0, 0)
