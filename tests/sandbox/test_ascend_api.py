"""The Ascend sandbox's HTTP contract (docs/connectors/ascend.md), through Django's test client:
bearer auth, every endpoint and its statuses, the error envelope, unsubscribed members' 422s,
idempotent flow starts and messages, groups' 409, paging, faults; and its data tools
(`sandbox_dump ascend`, the loader and its demo fixture, the setup helpers, the admin)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from sandbox.ascend.loader import load, load_file
from sandbox.ascend.models import Account, FlowStart, GroupMembership, Member, Message
from sandbox.ascend.setup import create_account, create_flow, create_group, create_member, unsubscribe
from sandbox.models import FaultKind, FaultRule

from ._ascend import API, API_KEY, Ascend, error_of, json_of

pytestmark = pytest.mark.django_db

DEMO_FILE = Path(django_settings.BASE_DIR) / "sandbox" / "ascend" / "fixtures" / "demo.json"
MOBILIZE_DEMO_FILE = Path(django_settings.BASE_DIR) / "sandbox" / "fixtures" / "mobilize_demo.json"
ANA = "+12155550101"
BEN = "+12155550102"


@pytest.fixture(autouse=True)
def _no_configured_faults(settings):
    settings.SANDBOX_FAULTS = []


@pytest.fixture
def account(db) -> Account:
    return create_account("Test Ascend", API_KEY)


@pytest.fixture
def ascend(account) -> Ascend:
    return Ascend()


@pytest.fixture
def flow(account):
    return create_flow(account, "Welcome to the event")


@pytest.fixture
def ana(account) -> Member:
    return create_member(account, ANA, first_name="Ana", last_name="Garcia", email="ana@example.com", zip="19102")


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


# --- auth, unknown paths, methods ------------------------------------------------------------------


def test_the_account_endpoint_names_the_account_of_the_key(ascend, account):
    assert json_of(ascend.get("/account"), 200) == {"id": account.pk, "name": "Test Ascend"}


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer wrong-key", f"Basic {API_KEY}"], ids=["none", "empty", "unknown", "basic"]
)
def test_requests_without_a_valid_api_key_get_401_in_the_envelope(account, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Ascend(api_key=None).client.get(f"{API}/account", **extra)
    error_of(response, 401, "unauthorized")


def test_an_inactive_accounts_key_gets_401(ascend, account):
    Account.objects.filter(pk=account.pk).update(is_active=False)
    error_of(ascend.get("/flows"), 401, "unauthorized")


def test_the_api_key_is_not_stored(account):
    assert API_KEY not in Account.objects.get().api_key_digest


def test_each_key_sees_only_its_own_accounts_data(ascend, flow, ana):
    other = create_account("Other", "other-key")
    create_flow(other, "Other flow")
    create_member(other, BEN)
    theirs = Ascend(api_key="other-key")
    assert [f["name"] for f in json_of(theirs.get("/flows"), 200)["data"]] == ["Other flow"]
    error_of(theirs.get(theirs.member_path(ANA)), 404, "not_found")
    error_of(theirs.post(f"/flows/{flow.pk}/starts", {"phone": BEN}), 404, "not_found")
    assert json_of(ascend.get(ascend.member_path(ANA)), 200)["first_name"] == "Ana"


def test_an_unknown_path_is_a_json_404_without_auth(db):
    error_of(Ascend(api_key=None).send("get", "/nowhere"), 404, "not_found")
    error_of(Ascend(api_key=None).client.get("/sandbox/ascend/v2/account"), 404, "not_found")


def test_a_method_a_path_does_not_take_is_a_405_with_allow(ascend):
    response = ascend.send("delete", "/groups")
    error_of(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET, POST"


def test_a_body_that_is_not_a_json_object_is_a_400(ascend, ana):
    response = ascend.client.put(
        f"{API}{ascend.member_path(ANA)}",
        data="{nope",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {API_KEY}",
    )
    assert error_of(response, 400, "invalid")["fields"] == {"body": ["The request body is not valid JSON."]}
    assert "body" in error_of(ascend.put(ascend.member_path(ANA), [1, 2]), 400, "invalid")["fields"]


# --- members ---------------------------------------------------------------------------------------


def test_get_member_answers_the_member_or_404(ascend, ana):
    member = json_of(ascend.get(ascend.member_path(ANA)), 200)
    assert member["phone"] == ANA
    assert member["first_name"] == "Ana" and member["last_name"] == "Garcia"
    assert member["email"] == "ana@example.com" and member["zip"] == "19102"
    assert member["custom_fields"] == {} and member["groups"] == []
    assert member["subscription_status"] == "subscribed" and member["opt_in"] is None
    assert member["created_at"].endswith("Z") and member["updated_at"].endswith("Z")
    error_of(ascend.get(ascend.member_path(BEN)), 404, "not_found")


@pytest.mark.parametrize("phone", ["2155550101", "+0215555", "+1 215 555 0101", "+1234567890123456", "abc"])
def test_a_phone_that_is_not_e164_is_a_400(ascend, phone):
    error = error_of(ascend.get(ascend.member_path(phone)), 400, "invalid")
    assert "phone" in error["fields"]
    assert "phone" in error_of(ascend.put(ascend.member_path(phone), {"create": True}), 400, "invalid")["fields"]


def test_put_creates_a_member_only_with_create_true(ascend):
    body = {"fields": {"first_name": "Ben", "last_name": "Smith"}, "custom_fields": {"shirt": "M"}}
    error_of(ascend.put(ascend.member_path(BEN), body), 404, "not_found")
    error_of(ascend.put(ascend.member_path(BEN), {**body, "create": False}), 404, "not_found")
    assert not Member.objects.exists()
    opt_in = {"source": "mobilize", "at": "2030-05-01T14:00:00Z"}
    member = json_of(ascend.put(ascend.member_path(BEN), {**body, "create": True, "opt_in": opt_in}), 201)
    assert member["phone"] == BEN and member["first_name"] == "Ben" and member["last_name"] == "Smith"
    assert member["email"] == "" and member["custom_fields"] == {"shirt": "M"}
    assert member["subscription_status"] == "subscribed"
    assert member["opt_in"] == {"source": "mobilize", "at": "2030-05-01T14:00:00Z"}


def test_put_sets_exactly_the_fields_given(ascend, ana):
    create_member(ana.account, ANA, custom_fields={"shirt": "M", "team": "north"})
    body = {"fields": {"email": "ana.new@example.com", "zip": None}, "custom_fields": {"shirt": "L", "team": None}}
    member = json_of(ascend.put(ascend.member_path(ANA), body), 200)
    assert member["email"] == "ana.new@example.com"
    assert member["zip"] == ""  # null clears
    assert member["first_name"] == "Ana" and member["last_name"] == "Garcia"  # left out: untouched
    assert member["custom_fields"] == {"shirt": "L"}  # a null custom field is removed
    assert Member.objects.count() == 1


def test_put_with_create_true_updates_an_existing_member_with_200(ascend, ana):
    member = json_of(ascend.put(ascend.member_path(ANA), {"fields": {"first_name": "Anita"}, "create": True}), 200)
    assert member["first_name"] == "Anita" and member["email"] == "ana@example.com"


def test_a_put_that_changes_nothing_leaves_updated_at(ascend, ana):
    before = json_of(ascend.get(ascend.member_path(ANA)), 200)["updated_at"]
    after = json_of(ascend.put(ascend.member_path(ANA), {"fields": {"first_name": "Ana"}}), 200)["updated_at"]
    assert after == before


def test_put_refuses_bad_bodies_naming_each_field(ascend, ana):
    body = {
        "fields": {"nickname": "A", "email": "not-an-email", "zip": 19102},
        "custom_fields": {"nested": {"a": 1}},
        "create": "yes",
        "opt_in": {"source": "", "at": "yesterday"},
    }
    fields = error_of(ascend.put(ascend.member_path(ANA), body), 400, "invalid")["fields"]
    assert set(fields) == {
        "fields.nickname",
        "fields.email",
        "fields.zip",
        "custom_fields.nested",
        "create",
        "opt_in.source",
        "opt_in.at",
    }
    assert (
        "subscription_status"
        in error_of(ascend.put(ascend.member_path(ANA), {"subscription_status": "subscribed"}), 400, "invalid")[
            "fields"
        ]
    )
    assert json_of(ascend.get(ascend.member_path(ANA)), 200)["email"] == "ana@example.com"


def test_an_unsubscribed_member_is_never_changed_by_put(ascend, ana):
    unsubscribe(ana.account, ANA)
    for body in ({"fields": {"first_name": "X"}}, {"fields": {}, "create": True}, {}):
        error = error_of(ascend.put(ascend.member_path(ANA), body), 422, "unsubscribed")
        assert error["phones"] == [ANA]
    member = json_of(ascend.get(ascend.member_path(ANA)), 200)  # still readable
    assert member["first_name"] == "Ana" and member["subscription_status"] == "unsubscribed"


# --- groups ----------------------------------------------------------------------------------------


def test_create_group_then_the_same_external_id_is_a_409_with_the_existing_group(ascend):
    group = json_of(ascend.post("/groups", {"name": "Canvass May 4", "kind": "event", "external_id": "10001"}), 201)
    assert group == {
        "id": group["id"],
        "name": "Canvass May 4",
        "kind": "event",
        "external_id": "10001",
        "member_count": 0,
    }
    error = error_of(
        ascend.post("/groups", {"name": "Other", "kind": "event", "external_id": "10001"}), 409, "conflict"
    )
    assert error["existing"] == group
    assert json_of(ascend.post("/groups", {"name": "No id", "kind": "list"}), 201)["external_id"] is None
    assert json_of(ascend.post("/groups", {"name": "No id either"}), 201)["kind"] == "list"


def test_groups_are_found_by_external_id(ascend, account):
    create_group(account, "A", "event", "10001")
    create_group(account, "B", "event", "10002")
    found = json_of(ascend.get("/groups", external_id="10002"), 200)
    assert [g["name"] for g in found["data"]] == ["B"] and found["next_cursor"] is None
    assert json_of(ascend.get("/groups", external_id="99999"), 200)["data"] == []
    assert [g["name"] for g in json_of(ascend.get("/groups"), 200)["data"]] == ["A", "B"]


def test_bad_group_bodies_and_list_parameters_are_400s(ascend):
    fields = error_of(ascend.post("/groups", {"kind": "party", "external_id": 10001}), 400, "invalid")["fields"]
    assert set(fields) == {"name", "kind", "external_id"}
    assert "externalId" in error_of(ascend.get("/groups", externalId="1"), 400, "invalid")["fields"]


def test_adding_members_to_a_group_counts_added_and_already(ascend, account, ana):
    create_member(account, BEN)
    group = create_group(account, "Canvass", "event", "10001")
    path = f"/groups/{group.pk}/members"
    assert json_of(ascend.post(path, {"phones": [ANA]}), 200) == {"added": 1, "already": 0}
    assert json_of(ascend.post(path, {"phones": [ANA, BEN, BEN]}), 200) == {"added": 1, "already": 1}
    assert json_of(ascend.post(path, {"phones": [ANA, BEN]}), 200) == {"added": 0, "already": 2}
    assert json_of(ascend.get(ascend.member_path(ANA)), 200)["groups"] == [group.pk]
    assert json_of(ascend.get("/groups", external_id="10001"), 200)["data"][0]["member_count"] == 2


def test_adding_unknown_or_malformed_phones_is_a_400_and_adds_nobody(ascend, account, ana):
    group = create_group(account, "Canvass", "event", "10001")
    path = f"/groups/{group.pk}/members"
    error = error_of(ascend.post(path, {"phones": [ANA, BEN]}), 400, "invalid")
    assert error["fields"] == {"phones": [f"{BEN} is not a member of this account."]}
    assert "phones" in error_of(ascend.post(path, {"phones": ["2155550101"]}), 400, "invalid")["fields"]
    assert "phones" in error_of(ascend.post(path, {"phones": ANA}), 400, "invalid")["fields"]
    assert not GroupMembership.objects.exists()
    error_of(ascend.post(f"/groups/{group.pk + 100}/members", {"phones": [ANA]}), 404, "not_found")


def test_adding_an_unsubscribed_member_to_a_group_is_a_422_and_adds_nobody(ascend, account, ana):
    create_member(account, BEN, subscribed=False)
    group = create_group(account, "Canvass", "event", "10001")
    error = error_of(ascend.post(f"/groups/{group.pk}/members", {"phones": [ANA, BEN]}), 422, "unsubscribed")
    assert error["phones"] == [BEN]
    assert not GroupMembership.objects.exists()


# --- flows and flow starts -------------------------------------------------------------------------


def test_flows_are_listed(ascend, account, flow):
    create_flow(account, "Reminder A")
    data = json_of(ascend.get("/flows"), 200)
    assert data == {
        "data": [{"id": flow.pk, "name": "Welcome to the event"}, {"id": flow.pk + 1, "name": "Reminder A"}],
        "next_cursor": None,
    }


def test_a_flow_start_is_created_once_per_idempotency_key(ascend, flow, ana):
    body = {"phone": ANA, "idempotency_key": "welcome-10001-501", "context": {"event": "Canvass"}}
    first = json_of(ascend.post(f"/flows/{flow.pk}/starts", body), 201)
    assert first["flow_id"] == flow.pk and first["phone"] == ANA
    assert first["idempotency_key"] == "welcome-10001-501" and first["context"] == {"event": "Canvass"}
    again = json_of(ascend.post(f"/flows/{flow.pk}/starts", {**body, "context": {"event": "changed"}}), 200)
    assert again == first
    assert FlowStart.objects.count() == 1
    other = json_of(ascend.post(f"/flows/{flow.pk}/starts", {**body, "idempotency_key": "welcome-10002-501"}), 201)
    assert other["id"] != first["id"]
    without_key = json_of(ascend.post(f"/flows/{flow.pk}/starts", {"phone": ANA}), 201)
    assert without_key["idempotency_key"] is None and without_key["context"] == {}


def test_a_flow_start_for_an_unsubscribed_member_is_a_422(ascend, flow, ana):
    unsubscribe(ana.account, ANA)
    error = error_of(
        ascend.post(f"/flows/{flow.pk}/starts", {"phone": ANA, "idempotency_key": "k"}), 422, "unsubscribed"
    )
    assert error["phones"] == [ANA]
    assert not FlowStart.objects.exists()


def test_flow_start_errors(ascend, flow, ana):
    error_of(ascend.post(f"/flows/{flow.pk + 100}/starts", {"phone": ANA}), 404, "not_found")
    assert error_of(ascend.post(f"/flows/{flow.pk}/starts", {"phone": BEN}), 400, "invalid")["fields"] == {
        "phone": [f"{BEN} is not a member of this account."]
    }
    fields = error_of(
        ascend.post(f"/flows/{flow.pk}/starts", {"phone": "215", "context": [], "idempotency_key": ""}), 400, "invalid"
    )["fields"]
    assert set(fields) == {"phone", "context", "idempotency_key"}
    assert not FlowStart.objects.exists()


# --- messages --------------------------------------------------------------------------------------


def test_a_message_is_sent_once_per_idempotency_key(ascend, ana):
    body = {"phone": ANA, "body": "See you Saturday!", "idempotency_key": "msg-1"}
    first = json_of(ascend.post("/messages", body), 201)
    assert first["phone"] == ANA and first["body"] == "See you Saturday!" and first["idempotency_key"] == "msg-1"
    assert json_of(ascend.post("/messages", body), 200) == first
    assert Message.objects.count() == 1


def test_a_message_to_an_unsubscribed_member_is_a_422_and_bad_ones_are_400s(ascend, ana):
    fields = error_of(ascend.post("/messages", {"phone": ANA, "body": " "}), 400, "invalid")["fields"]
    assert set(fields) == {"body"}
    assert "phone" in error_of(ascend.post("/messages", {"phone": BEN, "body": "Hi"}), 400, "invalid")["fields"]
    unsubscribe(ana.account, ANA)
    error_of(ascend.post("/messages", {"phone": ANA, "body": "Hi", "idempotency_key": "m"}), 422, "unsubscribed")
    assert not Message.objects.exists()


# --- paging ----------------------------------------------------------------------------------------


def test_lists_page_with_limit_and_next_cursor(ascend, account):
    names = [create_flow(account, f"Flow {n}").name for n in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = json_of(ascend.get("/flows", **params), 200)
        seen += [f["name"] for f in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == names and pages == 3
    assert len(json_of(ascend.get("/flows", limit=5), 200)["data"]) == 5
    assert json_of(ascend.get("/flows", limit=5), 200)["next_cursor"] is None


def test_the_default_page_is_50(ascend, account):
    for n in range(51):
        create_flow(account, f"Flow {n}")
    page = json_of(ascend.get("/flows"), 200)
    assert len(page["data"]) == 50 and page["next_cursor"] is not None
    assert len(json_of(ascend.get("/flows", cursor=page["next_cursor"], limit=200), 200)["data"]) == 1


@pytest.mark.parametrize(("name", "value"), [("limit", "0"), ("limit", "201"), ("limit", "ten"), ("cursor", "bogus")])
def test_bad_limits_and_cursors_are_400s(ascend, name, value):
    assert name in error_of(ascend.get("/flows", **{name: value}), 400, "invalid")["fields"]


# --- faults ----------------------------------------------------------------------------------------


def test_a_429_fault_is_rate_limited_with_retry_after_before_auth(db):
    response = Ascend(api_key=None).send("get", "/account", HTTP_X_SANDBOX_FAULT="429")
    error_of(response, 429, "rate_limited")
    assert response["Retry-After"] == "1"


@pytest.mark.parametrize(("status", "code"), [("500", "server_error"), ("503", "unavailable")])
def test_5xx_faults_answer_in_the_envelope(ascend, status, code):
    error_of(ascend.get("/flows", sandbox_fault=status), int(status), code)
    assert ascend.get("/flows", sandbox_fault="latency=0").status_code == 200


def test_a_malformed_fault_answers_truncated_json(ascend):
    response = ascend.send("get", "/flows", HTTP_X_SANDBOX_FAULT="malformed")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_a_fault_rule_for_ascend_fails_the_next_matching_requests_then_lets_them_through(ascend, flow, ana):
    FaultRule.objects.create(
        system="ascend", method="POST", path_pattern=r"/starts$", kind=FaultKind.SERVER_ERROR, remaining=1
    )
    FaultRule.objects.create(system="pdi", kind=FaultKind.UNAVAILABLE)
    body = {"phone": ANA, "idempotency_key": "k1"}
    error_of(ascend.post(f"/flows/{flow.pk}/starts", body), 500, "server_error")
    assert ascend.post(f"/flows/{flow.pk}/starts", body).status_code == 201
    assert ascend.get("/flows").status_code == 200  # the pdi rule does not apply


def test_an_unknown_path_goes_through_faults_too(db):
    assert Ascend(api_key=None).send("get", "/nowhere", HTTP_X_SANDBOX_FAULT="503").status_code == 503


# --- sandbox_dump ascend ---------------------------------------------------------------------------


@pytest.fixture
def written(ascend, account, flow, ana) -> Ascend:
    """What a sync writes through the API: a member, a group with them, a flow start, a message."""
    json_of(ascend.put(ascend.member_path(BEN), {"fields": {"first_name": "Ben"}, "create": True}), 201)
    group = json_of(ascend.post("/groups", {"name": "Canvass", "kind": "event", "external_id": "10001"}), 201)
    json_of(ascend.post(f"/groups/{group['id']}/members", {"phones": [ANA, BEN]}), 200)
    json_of(ascend.post(f"/flows/{flow.pk}/starts", {"phone": ANA, "idempotency_key": "w-1"}), 201)
    json_of(ascend.post("/messages", {"phone": BEN, "body": "Hi Ben", "idempotency_key": "m-1"}), 201)
    return ascend


def test_sandbox_dump_ascend_shows_what_a_sync_wrote_and_never_a_key(written):
    output = run("sandbox_dump", "ascend")
    assert API_KEY not in output
    data = json.loads(output)
    assert data["accounts"] == [{"name": "Test Ascend", "is_active": True}]
    assert [(m["phone"], m["groups"]) for m in data["members"]] == [(ANA, ["Canvass"]), (BEN, ["Canvass"])]
    assert data["groups"][0]["member_count"] == 2 and data["groups"][0]["external_id"] == "10001"
    assert [f["name"] for f in data["flows"]] == ["Welcome to the event"]
    start = data["flow_starts"][0]
    assert (start["flow"], start["member"], start["idempotency_key"]) == (
        "Welcome to the event",
        f"Ana Garcia ({ANA})",
        "w-1",
    )
    assert (data["messages"][0]["member"], data["messages"][0]["body"]) == (f"Ben ({BEN})", "Hi Ben")


def test_a_dump_loads_back_into_an_emptied_account(written):
    data = json.loads(run("sandbox_dump", "ascend"))
    Member.objects.all().delete()
    Account.objects.get().groups.all().delete()
    counts = load(data)
    assert counts == {"accounts": 1, "flows": 1, "groups": 1, "members": 2}
    again = json.loads(run("sandbox_dump", "ascend"))
    strip = lambda rows: [{k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at")} for row in rows]  # noqa: E731
    assert strip(again["members"]) == strip(data["members"])
    assert strip(again["groups"]) == strip(data["groups"])


# --- the loader and the demo -----------------------------------------------------------------------


def test_the_demo_makes_the_account_its_flows_and_two_known_members(db):
    assert "Loaded Ascend sandbox data" in run("sandbox_load", "ascend", str(DEMO_FILE))
    demo = Ascend(api_key="sandbox-ascend-key")
    assert json_of(demo.get("/account"), 200)["name"] == "Demo Ascend"
    flows = [f["name"] for f in json_of(demo.get("/flows"), 200)["data"]]
    assert flows == ["Welcome to the event", "Reminder A", "Reminder B", "Sorry you can't make it"]
    dev = json_of(demo.get(demo.member_path("+12155550103")), 200)
    assert (dev["first_name"], dev["subscription_status"]) == ("Dev", "unsubscribed")
    elena = json_of(demo.get(demo.member_path("+12155550104")), 200)
    assert (elena["first_name"], elena["subscription_status"]) == ("Elena", "subscribed")
    error_of(demo.put(demo.member_path("+12155550103"), {"fields": {"zip": "19107"}}), 422, "unsubscribed")
    assert json_of(demo.put(demo.member_path("+12155550104"), {"fields": {"zip": "19106"}}), 200)["zip"] == "19106"


def test_the_demo_members_are_opted_in_volunteers_of_the_mobilize_demo():
    people = {p["id"]: p for p in json.loads(MOBILIZE_DEMO_FILE.read_text())["people"]}
    members = json.loads(DEMO_FILE.read_text())["members"]
    for member, person_id in zip(members, (504, 505), strict=True):
        person = people[person_id]
        assert person["sms_opt_in_status"] == "OPT_IN"
        assert member["phone"] == "+1" + person["phone_numbers"][0]["number"]
        assert member["email"] == person["email_addresses"][0]["address"]
        assert (member["first_name"], member["last_name"]) == (person["given_name"], person["family_name"])


def test_loading_the_demo_twice_changes_nothing(db):
    load_file(DEMO_FILE)
    before = run("sandbox_dump", "ascend")
    load_file(DEMO_FILE)
    assert run("sandbox_dump", "ascend") == before


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"accounts": {"name": "x"}}, "must be a list"),
        ({"accounts": [{"name": "New"}]}, "needs an 'api_key'"),
        ({"flows": [{"name": "F"}]}, "name its 'account'"),
        ({"accounts": [{"name": "A", "api_key": "k"}], "members": [{"phone": "2155550101"}]}, "E.164"),
        ({"accounts": [{"name": "A", "api_key": "k"}], "members": [{"phone": ANA, "groups": ["Nope"]}]}, "no group"),
        ({"accounts": [{"name": "A", "api_key": "k"}], "flows": [{"account": "B", "name": "F"}]}, "not one of"),
    ],
)
def test_the_loader_says_what_is_wrong_with_a_file(db, data, match):
    with pytest.raises(ValueError, match=match):
        load(data)


def test_sandbox_load_ascend_turns_a_bad_file_into_a_command_error(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(CommandError, match="JSON object"):
        run("sandbox_load", "ascend", str(bad))


# --- setup helpers ---------------------------------------------------------------------------------


def test_setup_helpers_are_idempotent_and_check_phones(account):
    assert create_account("Test Ascend", "new-key").pk == account.pk
    assert Ascend(api_key="new-key").get("/account").status_code == 200
    assert create_flow(account, "F").pk == create_flow(account, "F").pk
    first = create_member(account, ANA, first_name="Ana")
    assert create_member(account, ANA, subscribed=False).pk == first.pk
    assert Member.objects.get().subscription_status == "unsubscribed" and Member.objects.get().first_name == "Ana"
    with pytest.raises(ValueError, match=r"E\.164"):
        create_member(account, "2155550101")
    with pytest.raises(ValueError, match="nickname"):
        create_member(account, BEN, nickname="B")
    with pytest.raises(Member.DoesNotExist):
        unsubscribe(account, BEN)


# --- admin -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["account", "member", "group", "groupmembership", "flow", "flowstart", "message"])
def test_every_ascend_model_has_a_browsable_changelist(written, admin_client, model):
    url = reverse(f"admin:sandbox_ascend_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "ana"}).status_code == 200


def test_a_member_opens_in_the_admin_and_can_be_unsubscribed(written, admin_client):
    member = Member.objects.get(phone=ANA)
    response = admin_client.get(reverse("admin:sandbox_ascend_member_change", args=[member.pk]))
    assert response.status_code == 200 and b"Welcome to the event" in response.content
    admin_client.post(
        reverse("admin:sandbox_ascend_member_changelist"),
        {"action": "unsubscribe_selected", "_selected_action": [member.pk]},
    )
    error_of(written.put(written.member_path(ANA), {"fields": {}}), 422, "unsubscribed")


def test_the_admin_makes_an_account_whose_key_works(admin_client, db):
    admin_client.post(
        reverse("admin:sandbox_ascend_account_add"), {"name": "Made in admin", "is_active": "on", "api_key": "adm-1"}
    )
    assert json_of(Ascend(api_key="adm-1").get("/account"), 200)["name"] == "Made in admin"
