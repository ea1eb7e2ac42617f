"""The Action Network sandbox's data tools: the setup helpers the flow's tests and the demo use,
`sandbox_dump actionnetwork`, the loader and its demo group, the admin; and one walk over real
HTTP (live_server) with the OSDI-API-Token header as a connector sends it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import requests
import time_machine
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from sandbox.actionnetwork.loader import load, load_file
from sandbox.actionnetwork.models import Account, Person
from sandbox.actionnetwork.setup import add_person, change_person, create_account, find_person, person_json

from ._actionnetwork import API, TOKEN, ActionNetwork, embedded, json_of

pytestmark = pytest.mark.django_db

DEMO_FILE = Path(django_settings.BASE_DIR) / "sandbox" / "actionnetwork" / "fixtures" / "demo.json"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def account(db) -> Account:
    return create_account(TOKEN, "Test group")


# --- setup helpers ---------------------------------------------------------------------------------


def test_create_account_defaults_and_is_idempotent_per_token(db):
    group = create_account()
    assert (group.name, ActionNetwork(token="an-sandbox-token").get("/people").status_code) == ("Sandbox group", 200)
    assert create_account("an-sandbox-token", "Renamed").pk == group.pk
    assert Account.objects.get().name == "Renamed"
    assert create_account("another-token").pk != group.pk
    assert "an-sandbox-token" not in Account.objects.get(pk=group.pk).token_digest


def test_add_person_normalizes_phones_and_defaults_dates_to_now(account):
    with time_machine.travel(T0, tick=False):
        jo = add_person(account, email="jo@example.com", phone="+1 (202) 555-0123")
    assert jo.phone == "12025550123"
    assert jo.created_date == jo.modified_date == T0
    assert (jo.email_status, jo.phone_status, jo.number_type) == ("subscribed", "subscribed", "Mobile")
    assert add_person(account, phone="202.555.0124").phone == "12025550124"
    old = add_person(account, email="old@example.com", modified_date="2026-01-02T03:04:05Z")
    assert old.created_date == old.modified_date == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    both = add_person(account, email="b@example.com", created_date=T0 - timedelta(days=9), modified_date=T0)
    assert (both.created_date, both.modified_date) == (T0 - timedelta(days=9), T0)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"email": "JO@example.com"}, "has the email"),
        ({"phone": "2025550123"}, "has the phone"),
        ({"phone": "555-0123"}, "not a phone number"),
        ({"phone": "+44 20 7946 0958"}, "not a phone number"),
        ({"email": "x@example.com", "phone_status": "maybe"}, "phone_status"),
        ({"email": "x@example.com", "created_date": T0, "modified_date": T0 - timedelta(days=1)}, "after"),
    ],
)
def test_add_person_refuses_what_the_api_would_never_hold(account, fields, match):
    add_person(account, email="jo@example.com", phone="12025550123")
    with pytest.raises(ValueError, match=match):
        add_person(account, **fields)
    assert Person.objects.count() == 1


def test_change_person_merges_custom_fields_and_bumps_modified_date(account):
    jo = add_person(account, email="jo@example.com", custom_fields={"a": "1", "b": "2"}, modified_date=T0)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        change_person(jo, given_name="Jo", custom_fields={"b": "3"}, phone="2025550123", phone_status="unsubscribed")
    jo.refresh_from_db()
    assert (jo.given_name, jo.custom_fields, jo.phone, jo.phone_status) == (
        "Jo",
        {"a": "1", "b": "3"},
        "12025550123",
        "unsubscribed",
    )
    assert jo.modified_date == T0 + timedelta(hours=5) and jo.created_date == T0
    change_person(jo, modified_date="2026-12-03T00:00:00Z")
    assert Person.objects.get(pk=jo.pk).modified_date == datetime(2026, 12, 3, tzinfo=UTC)
    with pytest.raises(ValueError, match="Not person fields"):
        change_person(jo, mobile_opt_in="true")


def test_person_json_is_what_the_api_answers_and_find_person_matches_like_the_signup(account):
    jo = add_person(account, given_name="Jo", email="Jo@example.com", phone="12025550123")
    pat = add_person(account, email="pat@example.com", phone="12025550999")
    answered = json_of(ActionNetwork().get(f"/people/{jo.uuid}"), 200)
    made = person_json(jo)
    assert made["_links"]["self"]["href"].endswith(f"/sandbox/actionnetwork/api/v2/people/{jo.uuid}")
    assert {k: v for k, v in made.items() if k != "_links"} == {k: v for k, v in answered.items() if k != "_links"}
    assert find_person(account, email="jo@EXAMPLE.com") == jo
    assert find_person(account, email="jo@example.com", phone="12025550999") == jo  # email first
    assert find_person(account, email="nobody@example.com", phone="(202) 555-0999") == pat
    assert find_person(account, email="nobody@example.com") is None
    assert find_person(create_account("t2", "Other"), email="jo@example.com") is None


# --- sandbox_dump, the loader, the demo ------------------------------------------------------------


@pytest.fixture
def written(account):
    """What a sync might leave: a signup through the API and a person of the group."""
    add_person(account, given_name="Ana", email="ana@example.com", phone="12025550101", modified_date=T0)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        response = ActionNetwork().signup(
            {"email_addresses": [{"address": "jo@example.com"}], "phone_numbers": [{"number": "12025550123"}]},
            **{"action_network:referrer_data": {"source": "Mobile Commons"}},
        )
    assert response.status_code == 201


def test_sandbox_dump_actionnetwork_shows_people_statuses_and_sources_never_a_token(written):
    output = run("sandbox_dump", "actionnetwork")
    assert TOKEN not in output
    data = json.loads(output)
    assert data["accounts"] == [{"name": "Test group"}]
    ana, jo = data["people"]
    assert (ana["email"], ana["phone"], ana["phone_status"], ana["source"]) == (
        "ana@example.com",
        "12025550101",
        "subscribed",
        "",
    )
    assert (jo["email"], jo["email_status"], jo["phone"], jo["phone_status"], jo["source"]) == (
        "jo@example.com",
        "subscribed",
        "12025550123",
        "unsubscribed",
        "Mobile Commons",
    )
    assert jo["created_date"] == jo["modified_date"] == "2026-12-01T10:00:00Z"
    assert jo["account"] == "Test group" and jo["uuid"] == str(Person.objects.get(email="jo@example.com").uuid)


def test_a_dump_loads_back_into_an_emptied_group(written):
    data = json.loads(run("sandbox_dump", "actionnetwork"))
    Person.objects.all().delete()
    assert load(data) == {"accounts": 1, "people": 2}
    assert json.loads(run("sandbox_dump", "actionnetwork")) == data
    assert load(data) == {"accounts": 1, "people": 2}  # again: matched by uuid, nothing changes
    assert json.loads(run("sandbox_dump", "actionnetwork")) == data


def test_the_demo_group_has_opted_in_not_opted_in_phoneless_recent_and_old_people(db):
    with time_machine.travel(T0, tick=False):
        summary = run("sandbox_load", "actionnetwork", str(DEMO_FILE))
    assert "Loaded Action Network sandbox data from demo.json: 1 accounts, 9 people." in summary
    an = ActionNetwork(token="sandbox-actionnetwork-token")
    everyone = embedded(an.people())
    assert len(everyone) == 9
    recent = embedded(an.people(filter="modified_date gt '2026-11-29T09:00:00Z'"))  # the nightly 48 hours
    by_name = {p["given_name"]: p for p in recent}
    assert sorted(by_name) == ["Ana", "Ben", "Cara", "Eve", "Finn", "Hal"]
    opted_in_with_phone = [
        name
        for name, p in by_name.items()
        if p["custom_fields"].get("mobile_opt_in") in ("true", "yes") and p["phone_numbers"]
    ]
    assert sorted(opted_in_with_phone) == ["Ana", "Eve", "Finn", "Hal"]
    assert by_name["Cara"]["phone_numbers"] == [] and by_name["Eve"]["email_addresses"] == []
    assert by_name["Finn"]["phone_numbers"][0]["status"] == "unsubscribed"
    assert by_name["Ben"]["custom_fields"] == {"mobile_opt_in": "false"}
    assert by_name["Ana"]["modified_date"] == "2026-12-01T06:00:00Z"  # "-3h" when loaded
    # Lee Chen, opted in, is the Mobile Commons demo's Lee (sandbox/mobilecommons/fixtures/demo.json), who texts STOP.
    [lee] = [p for p in everyone if p["given_name"] == "Lee"]
    assert lee["identifiers"] == ["action_network:3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e09"]
    assert lee["custom_fields"] == {"mobile_opt_in": "true"}
    assert [p["number"] for p in lee["phone_numbers"]] == ["12025550143"]


def test_loading_the_demo_twice_at_the_same_moment_changes_nothing(db):
    with time_machine.travel(T0, tick=False):
        load_file(DEMO_FILE)
        before = run("sandbox_dump", "actionnetwork")
        load_file(DEMO_FILE)
        assert run("sandbox_dump", "actionnetwork") == before


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"accounts": {"name": "x"}}, "must be a list"),
        ({"accounts": [{"name": "New"}]}, "needs a 'token'"),
        ({"accounts": [{"token": "t"}]}, "'name' is required"),
        ({"people": [{"email": "a@example.com"}]}, "name its 'account'"),
        ({"accounts": [{"name": "G", "token": "t"}], "people": [{"account": "H"}]}, "not one of the file"),
        ({"accounts": [{"name": "G", "token": "t"}], "people": [{"phone": "12"}]}, r"people\[0\].*not a phone"),
        ({"accounts": [{"name": "G", "token": "t"}], "people": [{"modified_date": "soon"}]}, "ISO 8601"),
    ],
)
def test_the_loader_says_what_is_wrong_with_a_file(db, data, match):
    with pytest.raises(ValueError, match=match):
        load(data)


def test_sandbox_load_actionnetwork_turns_a_bad_file_into_a_command_error(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(CommandError, match="JSON object"):
        run("sandbox_load", "actionnetwork", str(bad))


# --- admin -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["account", "person"])
def test_every_actionnetwork_model_has_a_browsable_changelist(written, admin_client, model):
    url = reverse(f"admin:sandbox_actionnetwork_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "jo"}).status_code == 200


def test_people_are_read_only_in_the_admin(written, admin_client):
    jo = Person.objects.get(email="jo@example.com")
    response = admin_client.get(reverse("admin:sandbox_actionnetwork_person_change", args=[jo.pk]))
    assert response.status_code == 200 and b"Mobile Commons" in response.content
    assert admin_client.get(reverse("admin:sandbox_actionnetwork_person_add")).status_code == 403
    admin_client.post(reverse("admin:sandbox_actionnetwork_person_change", args=[jo.pk]), {"given_name": "Changed"})
    assert Person.objects.get(pk=jo.pk).given_name == ""


def test_the_admin_makes_a_group_whose_token_works(admin_client, db):
    admin_client.post(reverse("admin:sandbox_actionnetwork_account_add"), {"name": "Made in admin", "token": "adm-1"})
    assert ActionNetwork(token="adm-1").get("/people").status_code == 200


# --- over real HTTP --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_over_real_http_the_token_header_paging_and_signup_work(live_server):
    group = create_account(TOKEN, "Live group")
    add_person(group, email="ana@example.com", phone="12025550101")
    with requests.Session() as session:
        session.headers["OSDI-API-Token"] = TOKEN
        base = f"{live_server.url}{API}"
        page = session.get(f"{base}/people", params={"per_page": 1}, timeout=10).json()
        assert page["_links"]["next"]["href"] == f"{base}/people?page=2&per_page=1"
        assert embedded(session.get(page["_links"]["next"]["href"], timeout=10).json()) == []
        created = session.post(
            f"{base}/people/",
            json={"person": {"email_addresses": [{"address": "jo@example.com"}]}},
            timeout=10,
        )
        assert created.status_code == 201 and created.headers["Content-Type"] == "application/hal+json"
        self_href = created.json()["_links"]["self"]["href"]
        assert self_href.startswith(base) and session.get(self_href, timeout=10).status_code == 200
        assert requests.get(f"{base}/people", timeout=10).status_code == 401
