"""ActionKitConfig.clean(): one integration per event campaign on an instance, and sound settings."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integrations.models import ActionKitConfig, ActionKitConnection, IntegrationKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(make_organization):
    return make_organization(name="Campaign A")


def connection(organization, name: str = "AK", base_url: str = "https://campaign.actionkit.com"):
    return ActionKitConnection.objects.create(
        organization=organization, name=name, base_url=base_url, username="api", password="p"
    )


def config(integration, conn, **fields) -> ActionKitConfig:
    fields.setdefault("campaign_id", 7)
    fields.setdefault("event_create_page", "host")
    if integration.kind == IntegrationKind.ACTIONKIT_CRM:
        fields.setdefault("event_signup_page", "signup")
    return ActionKitConfig(integration=integration, connection=conn, **fields)


def clean_errors(instance: ActionKitConfig) -> dict[str, list[str]]:
    try:
        instance.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


def test_valid_crm_and_distributed_send_configs_pass(org, make_integration):
    conn = connection(org)
    crm = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    ds = make_integration(org, kind=IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, name="DS")
    first = config(crm, conn, campaign_id=7, masked_event_timezone="America/Chicago")
    assert clean_errors(first) == {}
    first.save()
    assert clean_errors(first) == {}, "a saved config does not clash with itself"
    assert clean_errors(config(ds, conn, campaign_id=8)) == {}, "distributed send needs no signup page"


def test_two_integrations_sharing_a_campaign_on_one_connection_are_refused_naming_the_other(org, make_integration):
    conn = connection(org)
    first = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="Volunteer CRM")
    config(first, conn, campaign_id=7).save()
    second = make_integration(org, kind=IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND, name="Event feed")
    errors = clean_errors(config(second, conn, campaign_id=7))
    assert errors["campaign_id"] == [
        "Event campaign 7 is already used by the integration 'Volunteer CRM'. "
        "Each ActionKit integration needs its own event campaign."
    ]


def test_a_shared_campaign_is_refused_even_through_two_connections_to_the_same_host(org, make_integration):
    one = connection(org, "AK main", "https://campaign.actionkit.com")
    other = connection(org, "AK second user", "https://Campaign.ActionKit.com/rest/v1/")
    first = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="Volunteer CRM")
    config(first, one, campaign_id=7).save()
    second = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="Second CRM")
    errors = clean_errors(config(second, other, campaign_id=7))
    assert "already used by the integration 'Volunteer CRM'" in errors["campaign_id"][0]
    assert "its own event campaign" in errors["campaign_id"][0]


def test_the_same_campaign_number_on_another_instance_is_fine(org, make_integration):
    first = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    config(first, connection(org, "AK one", "https://one.actionkit.com"), campaign_id=7).save()
    second = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM two")
    assert clean_errors(config(second, connection(org, "AK two", "https://two.actionkit.com"), campaign_id=7)) == {}


def test_crm_style_without_a_signup_page_is_refused(org, make_integration):
    crm = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    errors = clean_errors(config(crm, connection(org), event_signup_page=""))
    assert errors["event_signup_page"] == ["CRM style needs the signup page's short name."]


def test_a_connection_of_another_organization_is_refused(org, make_organization, make_integration):
    other = make_organization(name="Campaign B")
    crm = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    errors = clean_errors(config(crm, connection(other)))
    assert errors["connection"] == ["Choose an ActionKit connection of the integration's own organization."]


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "EST5", "america/chicago", ""])
def test_an_invalid_masked_event_time_zone_is_refused(org, make_integration, zone):
    crm = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    errors = clean_errors(config(crm, connection(org), masked_event_timezone=zone))
    assert "masked_event_timezone" in errors
    if zone:
        assert errors["masked_event_timezone"] == [f"{zone!r} is not a time zone name (e.g. America/Chicago)."]


def test_settings_for_a_non_actionkit_integration_are_refused(org, make_integration):
    mirror = make_integration(org, kind=IntegrationKind.MOBILIZE_MIRROR, name="Mirror")
    errors = clean_errors(config(mirror, connection(org)))
    assert errors["integration"] == ["ActionKit settings belong to an ActionKit integration."]


def test_a_clash_with_another_organizations_integration_is_refused_without_naming_it(
    org, make_organization, make_integration
):
    other = make_organization(name="Campaign B")
    theirs = make_integration(other, kind=IntegrationKind.ACTIONKIT_CRM, name="Secret plans of B")
    config(theirs, connection(other), campaign_id=7).save()
    ours = make_integration(org, kind=IntegrationKind.ACTIONKIT_CRM, name="CRM")
    errors = clean_errors(config(ours, connection(org), campaign_id=7))
    assert "already used" in errors["campaign_id"][0], "the clash is still refused"
    assert "Secret plans of B" not in errors["campaign_id"][0]
