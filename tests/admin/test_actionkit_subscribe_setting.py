"""The ActionKit setting "Subscribe volunteers to the signup page's mailing list": off by default,
on the integration page and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import ActionKitConfig, IntegrationKind

pytestmark = pytest.mark.django_db


def change_url(integration) -> str:
    return reverse("admin:integrations_integration_change", args=[integration.pk])


def form_data(connection, **extra) -> dict:
    return {
        "name": "AK crm",
        "enabled": "on",
        "schedule_every_minutes": "15",
        "actionkit-TOTAL_FORMS": "1",
        "actionkit-INITIAL_FORMS": "0",
        "actionkit-MIN_NUM_FORMS": "1",
        "actionkit-MAX_NUM_FORMS": "1",
        "actionkit-0-connection": connection.pk,
        "actionkit-0-campaign_id": "12",
        "actionkit-0-event_create_page": "mobilize_create",
        "actionkit-0-event_signup_page": "mobilize_signup",
        "actionkit-0-placeholder_email": "events@example.org",
        **extra,
    }


def test_the_setting_is_off_by_default_and_says_why():
    field = ActionKitConfig._meta.get_field("subscribe_volunteers")
    assert field.default is False
    assert field.verbose_name == "Subscribe volunteers to the signup page's mailing list"
    assert "not an email opt-in" in field.help_text


def test_the_integration_page_shows_the_setting_unchecked_and_saves_it_off_when_left_alone(
    tenant_a, make_integration, login
):
    ak = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    client = login(tenant_a.admin)
    page = client.get(change_url(ak))
    assert b"Subscribe volunteers to the signup page&#x27;s mailing list" in page.content
    assert b"not an email opt-in" in page.content
    assert client.post(change_url(ak), form_data(tenant_a.connection)).status_code == 302
    ak.refresh_from_db()
    assert ak.actionkit.subscribe_volunteers is False


def test_the_integration_page_saves_the_setting_on(tenant_a, make_integration, login):
    ak = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    response = login(tenant_a.admin).post(
        change_url(ak), form_data(tenant_a.connection, **{"actionkit-0-subscribe_volunteers": "on"})
    )
    assert response.status_code == 302
    ak.refresh_from_db()
    assert ak.actionkit.subscribe_volunteers is True


def test_the_api_shows_the_setting(tenant_a, make_integration):
    from rest_framework.test import APIClient

    ak = make_integration(tenant_a.org, kind=IntegrationKind.ACTIONKIT_CRM, name="AK crm")
    config = ActionKitConfig.objects.create(
        integration=ak, connection=tenant_a.connection, campaign_id=3, event_create_page="c", event_signup_page="s"
    )
    client = APIClient()
    client.force_authenticate(tenant_a.admin)
    url = reverse("api:integration-detail", args=[ak.pk])
    assert client.get(url).json()["settings"]["subscribe_volunteers"] is False
    config.subscribe_volunteers = True
    config.save()
    assert client.get(url).json()["settings"]["subscribe_volunteers"] is True
