"""List filters: a value the database cannot take is the field's 400, never a 500 from the query."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from integrations.models import SyncRun

NOT_A_CHOICE = "Select a valid choice. That choice is not one of the available choices."
OUT_OF_RANGE = "Enter a date and time between the years 1 and 9999 (in UTC)."


def runs(client, **params):
    return client.get(reverse("api:run-list"), params)


def test_an_offset_postgresql_refuses_is_the_same_instant_in_utc(tenant_a, api):
    # +20:40 is valid ISO 8601 and RFC 3339 but beyond PostgreSQL's ±15:59: it was a 500.
    SyncRun.objects.filter(pk=tenant_a.run.pk).update(started_at=datetime(2025, 10, 7, tzinfo=UTC))
    client = api(tenant_a.viewer)
    # 2025-10-07T20:11:03+20:40 is 2025-10-06T23:31:03Z, before the run started.
    before = runs(client, started_before="2025-10-07T20:11:03+20:40")
    assert before.status_code == 200, before.content
    assert before.json()["results"] == []
    after = runs(client, started_after="2025-10-07T20:11:03+20:40")
    assert [row["id"] for row in after.json()["results"]] == [tenant_a.run.pk]
    # The issue's own value: year 25, a day earlier in UTC.
    assert runs(client, started_before="0025-10-07T20:11:03+20:40").status_code == 200


@pytest.mark.parametrize(
    "params, errors",
    [
        ({"started_before": "9999-12-31T23:59:59-01:00"}, {"started_before": [OUT_OF_RANGE]}),
        ({"started_after": "0001-01-01T00:00:00+01:00"}, {"started_after": [OUT_OF_RANGE]}),
        ({"started_after": "yesterday"}, {"started_after": ["Enter a valid date/time."]}),
        ({"integration": "1.5"}, {"integration": [NOT_A_CHOICE]}),
        ({"dry_run": "maybe"}, {"dry_run": ["Enter true or false."]}),
        (
            {"ordering": "-started_at,secret"},
            {"ordering": ["Unknown field 'secret': order by started_at, id, failed, or the same with a '-'."]},
        ),
        ({"status": "bogus"}, {"status": ["Select a valid choice. bogus is not one of the available choices."]}),
    ],
)
def test_bad_run_filters_are_400_with_the_fields_message(params, errors, tenant_a, api):
    response = runs(api(tenant_a.viewer), **params)
    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    "params, errors",
    [
        ({"run": "1.5"}, {"run": ["Enter a whole number."]}),
        ({"integration": "1e3"}, {"integration": ["Enter a whole number."]}),
        ({"run": "0"}, {"run": ["Ensure this value is greater than or equal to 1."]}),
        (
            {"run": "99999999999999999999"},
            {"run": ["Ensure this value is less than or equal to 9223372036854775807."]},
        ),
        ({"search": "a\x00b"}, {"search": ["Null characters are not allowed."]}),
    ],
)
def test_bad_item_filters_are_400_with_the_fields_message(params, errors, tenant_a, api):
    response = api(tenant_a.viewer).get(reverse("api:item-list"), params)
    assert response.status_code == 400
    assert response.json() == errors


def test_another_organizations_id_is_refused_like_an_id_that_does_not_exist(tenant_a, tenant_b, api):
    client = api(tenant_a.viewer)
    missing = runs(client, integration=tenant_b.integration.pk + 1000)
    elsewhere = runs(client, integration=tenant_b.integration.pk)
    assert missing.status_code == elsewhere.status_code == 400
    assert missing.json() == elsewhere.json()
    other_org = client.get(reverse("api:integration-list"), {"organization": tenant_b.org.pk})
    assert other_org.status_code == 400
    own = client.get(reverse("api:integration-list"), {"organization": tenant_a.org.pk})
    assert [row["id"] for row in own.json()["results"]] == [tenant_a.integration.pk]


def test_boolean_filters_take_true_false_1_and_0(tenant_a, make_integration, api):
    disabled = make_integration(tenant_a.org, name="Paused", enabled=False)
    client = api(tenant_a.viewer)
    for value, expected in (("true", {tenant_a.integration.pk}), ("0", {disabled.pk}), ("False", {disabled.pk})):
        response = client.get(reverse("api:integration-list"), {"enabled": value})
        assert {row["id"] for row in response.json()["results"]} == expected, value
    assert client.get(reverse("api:integration-list"), {"enabled": "yes please"}).status_code == 400
    assert client.get(reverse("api:integration-list"), {"enabled": ""}).json()["count"] == 2
