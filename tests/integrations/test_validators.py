"""Remote base URLs: https and allow-listed outside development, anything in development."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from integrations.models import ActionKitConnection, Organization
from integrations.validators import validate_remote_base_url

ALLOWLIST = ["api.mobilize.us", "staging-api.mobilize.us", "*.actionkit.com"]


@pytest.fixture
def production(settings):
    settings.ALLOW_INSECURE_REMOTES = False
    settings.REMOTE_HOST_ALLOWLIST = ALLOWLIST
    return settings


def errors_of(instance) -> dict[str, list[str]]:
    try:
        instance.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


@pytest.fixture
def organization(db):
    return Organization.objects.create(name="Campaign", mobilize_id=77, mobilize_api_key="k")


def connection_to(organization, base_url: str) -> ActionKitConnection:
    return ActionKitConnection(organization=organization, name="AK", base_url=base_url, username="api", password="p")


def test_outside_development_an_http_mobilize_url_is_refused_by_full_clean(production, organization):
    organization.mobilize_base_url = "http://api.mobilize.us/v1"
    errors = errors_of(organization)
    assert errors["mobilize_base_url"] == ["http://api.mobilize.us/v1 must use https."]


def test_outside_development_a_host_off_the_allowlist_is_refused_with_a_readable_message(production, organization):
    organization.mobilize_base_url = "https://mobilize.example.net/v1"
    assert errors_of(organization)["mobilize_base_url"] == [
        "mobilize.example.net is not on REMOTE_HOST_ALLOWLIST; an operator must add it to the settings first."
    ]
    errors = errors_of(connection_to(organization, "http://campaign.actionkit.com"))
    assert errors["base_url"] == ["http://campaign.actionkit.com must use https."]
    errors = errors_of(connection_to(organization, "https://127.0.0.1:8000/sandbox/actionkit"))
    assert "127.0.0.1 is not on REMOTE_HOST_ALLOWLIST" in errors["base_url"][0]


@pytest.mark.parametrize(
    "url",
    [
        "https://api.mobilize.us/v1",
        "https://staging-api.mobilize.us/v1",
        "https://API.Mobilize.US/v1",
        "https://campaign.actionkit.com",
        "https://a.b.actionkit.com/",
        "https://campaign.actionkit.com:443/rest/v1/",
    ],
)
def test_allowlisted_https_urls_pass(production, url):
    validate_remote_base_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://actionkit.com",  # the wildcard is for subdomains, not the apex
        "https://evilactionkit.com",  # no dot: not a subdomain
        "https://campaign.actionkit.com.evil.example",  # a suffix after the allowed domain
        "https://actionkit.com.evil.example",
        "https://campaign.actionkit.co",
        "https://api.mobilize.us.evil.example/v1",
        "https://evil-api.mobilize.us/v1",  # exact entries match exactly
        "https://mobilize.us/v1",
        "https://api.mobilize.us@evil.example/v1",  # userinfo trick: the host is evil.example
    ],
)
def test_wildcards_and_exact_entries_match_only_what_they_name(production, url):
    with pytest.raises(ValidationError, match="not on REMOTE_HOST_ALLOWLIST"):
        validate_remote_base_url(url)


@pytest.mark.parametrize("url", ["ftp://api.mobilize.us/v1", "api.mobilize.us/v1", "//api.mobilize.us/v1"])
def test_anything_but_https_is_refused(production, url):
    with pytest.raises(ValidationError, match="must use https"):
        validate_remote_base_url(url)


def test_in_development_anything_goes(settings, organization):
    settings.ALLOW_INSECURE_REMOTES = True
    settings.REMOTE_HOST_ALLOWLIST = ALLOWLIST
    for url in ("http://127.0.0.1:8000/sandbox/mobilize/v1", "http://localhost/v1", "https://mobilize.example.net"):
        validate_remote_base_url(url)
        organization.mobilize_base_url = url
        assert "mobilize_base_url" not in errors_of(organization)
        assert "base_url" not in errors_of(connection_to(organization, url))
