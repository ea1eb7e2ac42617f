"""The sandbox models are browsable in the admin, and edits there bump modified_date."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from sandbox.mobilize.models import Event
from sandbox.models import FaultRule

pytestmark = pytest.mark.django_db

MODELS = ["organization", "event", "timeslot", "person", "attendance", "deletedevent", "eventcampaign", "tag"]


@pytest.fixture
def admin_client_with_demo(demo, admin_client):
    return admin_client


@pytest.mark.parametrize("model", MODELS)
def test_every_sandbox_model_has_a_browsable_changelist(admin_client_with_demo, model):
    url = reverse(f"admin:sandbox_mobilize_{model}_changelist")
    assert admin_client_with_demo.get(url).status_code == 200
    assert admin_client_with_demo.get(url, {"q": "demo"}).status_code == 200


def test_an_event_opens_in_the_admin_with_its_location_and_timeslots(admin_client_with_demo):
    response = admin_client_with_demo.get(reverse("admin:sandbox_mobilize_event_change", args=[10001]))
    assert response.status_code == 200
    assert b"Campaign HQ" in response.content and b"timeslots" in response.content.lower()


def test_an_edit_in_the_admin_bumps_the_events_modified_date(admin_client_with_demo):
    url = reverse("admin:sandbox_mobilize_event_change", args=[10005])
    form = admin_client_with_demo.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(title="Town hall (renamed)", tags=[t.pk for t in form.initial.get("tags", [])])
    for prefix in ("location", "timeslots"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    original = Event.objects.get(pk=10005).modified_date
    before = int(time.time())
    response = admin_client_with_demo.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("/sandbox_mobilize/event/")
    event = Event.objects.get(pk=10005)
    assert event.title == "Town hall (renamed)"
    assert event.modified_date >= before and event.modified_date != original


def test_fault_rules_are_editable_in_the_admin(admin_client):
    FaultRule.objects.create(system="mobilize", kind="500", remaining=1)
    assert admin_client.get(reverse("admin:sandbox_faultrule_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:sandbox_faultrule_add")).status_code == 200
