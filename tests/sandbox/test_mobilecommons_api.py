"""The Mobile Commons sandbox's HTTP contract (docs/connectors/mobilecommons.md), through Django's
test client: Basic auth and company keys, XML answers, errors served with HTTP 200 and their ids,
profile_update (create, update, clear, custom columns), once-only opt-in and sticky opt-out,
profile_opt_out, profiles paging and from/to, campaigns with their paths, and faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from defusedxml import ElementTree

from sandbox.mobilecommons.models import Profile, Subscription, WelcomeMessage
from sandbox.mobilecommons.setup import add_campaign, add_profile, create_account, text_stop, welcomes
from sandbox.models import FaultKind, FaultRule

from ._mobilecommons import API, Mc, custom_columns, error_of, profile_of, subscriptions, text, xml_of

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
JO = "12025550123"


@pytest.fixture(autouse=True)
def _no_configured_faults(settings):
    settings.SANDBOX_FAULTS = []


@pytest.fixture
def account():
    return create_account()


@pytest.fixture
def main(account):
    """The campaign "Main" and its two paths."""
    return add_campaign(account, "Main", paths=("Action Network sync", "Website"))


@pytest.fixture
def mc(account) -> Mc:
    return Mc()


def update(mc: Mc, **params):
    return mc.post("profile_update", params)


# --- auth ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "password"),
    [(None, ""), ("mc@example.org", "wrong"), ("nobody@example.org", "mc-sandbox-password")],
    ids=["none", "wrong-password", "unknown-login"],
)
def test_a_wrong_login_is_a_401_html_access_denied_page(account, login, password):
    response = Mc(login=login, password=password).get("campaigns")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "<h4>Access denied</h4>" in body and "<p>" in body
    assert response["WWW-Authenticate"].startswith("Basic")


def test_a_bearer_token_is_not_a_login(account):
    response = Mc(login=None).get("campaigns", HTTP_AUTHORIZATION="Bearer mc-sandbox-password")
    assert response.status_code == 401


def test_the_login_is_an_email_matched_whatever_its_case(account, main):
    assert xml_of(Mc(login="MC@Example.org").get("campaigns")).find("campaigns") is not None


def test_a_login_with_several_companies_names_one_with_the_company_key(db):
    add_campaign(create_account("multi@example.org", "pw", company_key="east", name="East"), "East campaign")
    add_campaign(create_account("multi@example.org", "pw", company_key="west", name="West"), "West campaign")
    names = lambda response: [e.text for e in xml_of(response).findall("campaigns/campaign/name")]  # noqa: E731
    assert names(Mc("multi@example.org", "pw", company="east").get("campaigns")) == ["East campaign"]
    assert names(Mc("multi@example.org", "pw", company="west").get("campaigns")) == ["West campaign"]
    assert Mc("multi@example.org", "pw").get("campaigns").status_code == 401  # no company key
    assert Mc("multi@example.org", "pw", company="north").get("campaigns").status_code == 401
    # A POST's company key may come with its form parameters too.
    response = Mc("multi@example.org", "pw").post("profile_update", {"phone_number": JO, "company": "west"})
    assert text(profile_of(response), "phone_number") == JO


# --- unknown calls and methods ---------------------------------------------------------------------


def test_an_unknown_call_is_a_404_html_page_and_a_wrong_method_a_405(mc):
    response = mc.get("nothing_here")
    assert response.status_code == 404 and b"<h4>" in response.content
    response = mc.get("profile_update", {"phone_number": JO})
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert not Profile.objects.exists()
    assert mc.post("campaigns").status_code == 405


def test_a_trailing_slash_is_tolerated(mc, main):
    assert xml_of(mc.client.get(f"{API}/campaigns/", **mc._extra({}))).find("campaigns") is not None


# --- campaigns -------------------------------------------------------------------------------------


def test_campaigns_list_their_opt_in_paths_when_asked(mc, account, main):
    campaign, (sync, website) = main
    old, _ = add_campaign(account, "Old", paths=())
    old.active = False
    old.save()
    root = xml_of(mc.get("campaigns", {"include_opt_in_paths": "1"}))
    campaigns = root.findall("campaigns/campaign")
    assert [(c.get("id"), c.get("active"), c.findtext("name")) for c in campaigns] == [
        (str(campaign.pk), "true", "Main"),
        (str(campaign.pk + 1), "false", "Old"),
    ]
    paths = campaigns[0].findall("opt_in_paths/opt_in_path")
    assert [(p.get("id"), p.findtext("name")) for p in paths] == [
        (str(sync.pk), "Action Network sync"),
        (str(website.pk), "Website"),
    ]
    assert xml_of(mc.get("campaigns")).find("campaigns/campaign/opt_in_paths") is None


def test_another_companys_campaigns_are_not_listed(mc, main):
    other = create_account("other@example.org", "pw", name="Other")
    add_campaign(other, "Theirs")
    names = [e.text for e in xml_of(mc.get("campaigns")).findall("campaigns/campaign/name")]
    assert names == ["Main"]


# --- profile_update --------------------------------------------------------------------------------


def test_profile_update_creates_a_profile_keyed_on_the_phone_and_answers_it_whole(mc):
    with time_machine.travel(T0, tick=False):
        response = update(
            mc,
            phone_number="(202) 555-0123",
            first_name="Jo",
            last_name="Doe",
            email="jo@example.com",
            street1="1 Main St",
            city="Springfield",
            state="IL",
            postal_code="62701",
            country="US",
            constituent_id="d91b4b2e",
        )
    profile = profile_of(response)
    stored = Profile.objects.get()
    assert profile.get("id") == str(stored.pk)
    assert [child.tag for child in profile] == [
        "first_name",
        "last_name",
        "phone_number",
        "email",
        "status",
        "created_at",
        "updated_at",
        "opted_out_at",
        "opted_out_source",
        "source",
        "address",
        "custom_columns",
        "subscriptions",
    ]
    assert (text(profile, "first_name"), text(profile, "phone_number"), text(profile, "email")) == (
        "Jo",
        JO,
        "jo@example.com",
    )
    assert text(profile, "status") == "Profiles with no Subscriptions"
    assert text(profile, "created_at") == text(profile, "updated_at") == "2026-12-01 09:00:00 UTC"
    assert text(profile, "opted_out_at") == "" and text(profile, "opted_out_source") == ""
    assert profile.find("source").attrib == {"type": "API", "name": "API", "id": "", "opt_in_path_id": ""}
    address = {child.tag: child.text or "" for child in profile.find("address")}
    assert address == {
        "street1": "1 Main St",
        "street2": "",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
    }
    assert custom_columns(profile) == {"constituent_id": "d91b4b2e"}
    assert subscriptions(profile) == []


@pytest.mark.parametrize("phone", ["2025550123", "12025550123", "+1 (202) 555-0123", "202.555.0123", " 202-555-0123 "])
def test_any_spelling_of_a_us_number_is_the_same_profile(mc, phone):
    update(mc, phone_number=JO, first_name="Jo")
    assert text(profile_of(update(mc, phone_number=phone, last_name="Doe")), "phone_number") == JO
    assert Profile.objects.get().first_name == "Jo"


def test_profile_update_takes_query_parameters_too(mc):
    response = mc.post(f"profile_update?phone_number={JO}&first_name=Jo&team=blue")
    profile = profile_of(response)
    assert (text(profile, "first_name"), custom_columns(profile)) == ("Jo", {"team": "blue"})


def test_parameters_not_sent_are_left_alone_and_sent_empty_are_cleared(mc):
    update(mc, phone_number=JO, first_name="Jo", last_name="Doe", email="jo@example.com", postal_code="62701", team="b")
    profile = profile_of(update(mc, phone_number=JO, email="", last_name="Smith", team=""))
    assert (text(profile, "first_name"), text(profile, "last_name"), text(profile, "email")) == ("Jo", "Smith", "")
    assert text(profile, "address/postal_code") == "62701"
    assert custom_columns(profile) == {}
    assert Profile.objects.count() == 1


def test_any_other_parameter_is_a_custom_column_and_read_only_fields_are_ignored(mc):
    profile = profile_of(update(mc, phone_number=JO, constituent_id="abc", favourite_color="green", status="x"))
    assert custom_columns(profile) == {"constituent_id": "abc", "favourite_color": "green"}
    assert text(profile, "status") == "Profiles with no Subscriptions"
    profile = profile_of(update(mc, phone_number=JO, constituent_id="def"))
    assert custom_columns(profile) == {"constituent_id": "def", "favourite_color": "green"}


def test_updated_at_moves_only_when_something_changed(mc):
    with time_machine.travel(T0, tick=False):
        update(mc, phone_number=JO, first_name="Jo", constituent_id="abc")
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        same = profile_of(update(mc, phone_number=JO, first_name="Jo", constituent_id="abc"))
    assert text(same, "updated_at") == "2026-12-01 09:00:00 UTC"
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        changed = profile_of(update(mc, phone_number=JO, constituent_id="xyz"))
    assert text(changed, "updated_at") == "2026-12-01 11:00:00 UTC"
    assert text(changed, "created_at") == "2026-12-01 09:00:00 UTC"


def test_a_value_too_long_for_its_field_is_error_7_and_changes_nothing(mc):
    assert "postal_code" in error_of(update(mc, phone_number=JO, postal_code="9" * 21), 7)
    assert "team" in error_of(update(mc, phone_number=JO, team="x" * 256), 7)
    assert not Profile.objects.exists()


# --- opt-in: once only, opted-out stays opted out ---------------------------------------------------


def test_an_opt_in_path_subscribes_a_new_number_and_sends_its_welcome(mc, account, main):
    campaign, (sync, _website) = main
    with time_machine.travel(T0, tick=False):
        profile = profile_of(update(mc, phone_number=JO, email="jo@example.com", opt_in_path_id=str(sync.pk)))
    assert text(profile, "status") == "Active Subscriber"
    assert subscriptions(profile) == [
        {
            "campaign_id": str(campaign.pk),
            "campaign_name": "Main",
            "opt_in_path_id": str(sync.pk),
            "status": "Active",
            "activated_at": "2026-12-01 09:00:00 UTC",
            "opted_out_at": "",
        }
    ]
    assert profile.find("source").attrib == {
        "type": "Web",
        "name": "Action Network sync",
        "id": str(sync.pk),
        "opt_in_path_id": str(sync.pk),
    }
    assert [(w.phone, w.opt_in_path_id, w.sent_at) for w in welcomes(account)] == [(JO, sync.pk, T0)]


def test_a_number_is_opted_in_once_only_no_second_welcome_or_subscription(mc, account, main):
    _campaign, (sync, website) = main
    update(mc, phone_number=JO, opt_in_path_id=str(sync.pk))
    again = profile_of(update(mc, phone_number=JO, opt_in_path_id=str(sync.pk), first_name="Jo"))
    other_path = profile_of(update(mc, phone_number=JO, opt_in_path_id=str(website.pk)))
    assert text(again, "first_name") == "Jo"
    assert [s["opt_in_path_id"] for s in subscriptions(other_path)] == [str(sync.pk)]
    assert welcomes(account, JO).count() == 1


def test_a_number_subscribed_before_and_opted_out_of_the_campaign_is_never_resubscribed(mc, account, main):
    campaign, (sync, _website) = main
    _second, (second_path,) = add_campaign(account, "Second", paths=("Web",))
    update(mc, phone_number=JO, opt_in_path_id=str(sync.pk))
    update(mc, phone_number=JO, opt_in_path_id=str(second_path.pk))
    mc.post("profile_opt_out", {"phone_number": JO, "campaign_id": str(campaign.pk)})
    profile = profile_of(update(mc, phone_number=JO, opt_in_path_id=str(sync.pk)))
    statuses = {s["campaign_name"]: s["status"] for s in subscriptions(profile)}
    assert statuses == {"Main": "Opted-Out", "Second": "Active"}
    assert text(profile, "status") == "Active Subscriber"  # still subscribed to Second
    assert welcomes(account, JO).count() == 2


def test_after_stop_profile_update_changes_fields_but_never_resubscribes(mc, account, main):
    _campaign, (sync, _website) = main
    _second, (second_path,) = add_campaign(account, "Second", paths=("Web",))
    update(mc, phone_number=JO, opt_in_path_id=str(sync.pk))
    text_stop(account, JO)
    for path in (sync, second_path):  # neither the campaign it left nor one it never joined
        response = update(mc, phone_number=JO, email="new@example.com", opt_in_path_id=str(path.pk))
        profile = profile_of(response)
        assert text(profile, "status") == "Opted-Out"
        assert text(profile, "email") == "new@example.com"
        assert text(profile, "opted_out_source") == "Texted STOP"
        assert [s["status"] for s in subscriptions(profile)] == ["Opted-Out"]
    assert welcomes(account, JO).count() == 1
    assert Subscription.objects.count() == 1


def test_an_opt_in_path_of_an_inactive_campaign_or_another_company_is_error_6(mc, account, main):
    campaign, (sync, _website) = main
    _theirs, (their_path,) = add_campaign(create_account("o@example.org", "pw", name="O"), "Theirs", paths=("W",))
    for value in (str(their_path.pk), "999999", "abc", "99999999999999999999999"):
        assert error_of(update(mc, phone_number=JO, opt_in_path_id=value), 6) == "Invalid opt-in path"
    campaign.active = False
    campaign.save()
    assert error_of(update(mc, phone_number=JO, opt_in_path_id=str(sync.pk)), 6) == "Invalid opt-in path"
    assert not Profile.objects.exists()  # an error changes nothing


# --- profile_opt_out -------------------------------------------------------------------------------


def test_opt_out_of_everything_is_sticky_and_a_repeat_changes_nothing(mc, account, main):
    _campaign, (sync, _website) = main
    update(mc, phone_number=JO, opt_in_path_id=str(sync.pk))
    with time_machine.travel(T0, tick=False):
        profile = profile_of(mc.post("profile_opt_out", {"phone_number": "202-555-0123"}))
    assert text(profile, "status") == "Opted-Out"
    assert (text(profile, "opted_out_at"), text(profile, "opted_out_source")) == ("2026-12-01 09:00:00 UTC", "API")
    assert subscriptions(profile)[0]["status"] == "Opted-Out"
    assert subscriptions(profile)[0]["opted_out_at"] == "2026-12-01 09:00:00 UTC"
    assert text(profile, "updated_at") == "2026-12-01 09:00:00 UTC"
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        again = profile_of(mc.post("profile_opt_out", {"phone_number": JO}))
    assert text(again, "updated_at") == "2026-12-01 09:00:00 UTC"
    assert text(profile_of(update(mc, phone_number=JO, opt_in_path_id=str(sync.pk))), "status") == "Opted-Out"


def test_opt_out_of_one_campaign_leaves_the_others(mc, account, main):
    campaign, (sync, _website) = main
    _second, (second_path,) = add_campaign(account, "Second", paths=("Web",))
    update(mc, phone_number=JO, opt_in_path_id=str(sync.pk))
    update(mc, phone_number=JO, opt_in_path_id=str(second_path.pk))
    profile = profile_of(mc.post("profile_opt_out", {"phone_number": JO, "campaign_id": str(campaign.pk)}))
    assert {s["campaign_name"]: s["status"] for s in subscriptions(profile)} == {
        "Main": "Opted-Out",
        "Second": "Active",
    }
    assert (text(profile, "status"), text(profile, "opted_out_at")) == ("Active Subscriber", "")


def test_opt_out_errors(mc, main):
    assert error_of(mc.post("profile_opt_out", {}), 7) == "Missing required parameter: phone_number"
    assert error_of(mc.post("profile_opt_out", {"phone_number": "555"}), 5) == "Invalid phone number"
    assert error_of(mc.post("profile_opt_out", {"phone_number": JO}), 5) == "Profile not found"
    update(mc, phone_number=JO)
    assert error_of(mc.post("profile_opt_out", {"phone_number": JO, "campaign_id": "424242"}), 8) == "Invalid campaign"
    assert error_of(mc.post("profile_opt_out", {"phone_number": JO, "campaign_id": "main"}), 8) == "Invalid campaign"
    assert Profile.objects.get().opted_out_at is None


# --- profile ---------------------------------------------------------------------------------------


def test_get_profile_by_phone_and_its_include_switches(mc, account, main):
    _campaign, (sync, _website) = main
    add_profile(account, JO, first_name="Jo", constituent_id="abc", subscribed_path=sync)
    profile = profile_of(mc.get("profile", {"phone_number": "(202) 555-0123"}))
    assert text(profile, "first_name") == "Jo"
    assert custom_columns(profile) == {"constituent_id": "abc"} and len(subscriptions(profile)) == 1
    bare = profile_of(
        mc.get("profile", {"phone_number": JO, "include_custom_columns": "false", "include_subscriptions": "0"})
    )
    assert bare.find("custom_columns") is None and bare.find("subscriptions") is None
    assert text(bare, "status") == "Active Subscriber"


@pytest.mark.parametrize(
    ("params", "error_id", "message"),
    [
        ({}, 7, "Missing required parameter: phone_number"),
        ({"phone_number": ""}, 7, "Missing required parameter: phone_number"),
        ({"phone_number": "not-a-phone"}, 5, "Invalid phone number"),
        ({"phone_number": "123456789012"}, 5, "Invalid phone number"),
        ({"phone_number": "2025550199"}, 5, "Profile not found"),
    ],
)
def test_get_profile_errors_are_served_with_200(mc, account, params, error_id, message):
    add_profile(account, JO)
    assert error_of(mc.get("profile", params), error_id) == message


@pytest.mark.parametrize("phone", ["", "abc", "555-0123", "02025550123", "1202555012", "+1 202 555 012"])
def test_profile_update_refuses_what_is_not_a_phone_number(mc, phone):
    expected = 7 if not phone else 5
    error_of(update(mc, phone_number=phone, first_name="X"), expected)
    assert not Profile.objects.exists()


def test_another_companys_profile_is_not_found(mc, account):
    add_profile(create_account("o@example.org", "pw", name="O"), JO)
    assert error_of(mc.get("profile", {"phone_number": JO}), 5) == "Profile not found"


# --- profiles --------------------------------------------------------------------------------------


@pytest.fixture
def five(account):
    """Five profiles whose updated_at order is not their id order (two share a time: id breaks the tie)."""
    times = [T0 + timedelta(hours=h) for h in (4, 1, 3, 1, 2)]
    return [add_profile(account, f"1202555010{i}", first_name=f"P{i}", updated_at=at) for i, at in enumerate(times)]


def page(mc: Mc, **params):
    root = xml_of(mc.get("profiles", params))
    container = root.find("profiles")
    return dict(container.attrib), [p.findtext("first_name") for p in container.findall("profile")]


def test_profiles_page_by_limit_and_page_in_updated_at_then_id_order(mc, five):
    assert page(mc, limit=2) == ({"num": "2", "page": "1", "limit": "2", "page_count": "3"}, ["P1", "P3"])
    assert page(mc, limit=2, page=2) == ({"num": "2", "page": "2", "limit": "2", "page_count": "3"}, ["P4", "P2"])
    assert page(mc, limit=2, page=3) == ({"num": "1", "page": "3", "limit": "2", "page_count": "3"}, ["P0"])
    assert page(mc, limit=2, page=4) == ({"num": "0", "page": "4", "limit": "2", "page_count": "3"}, [])


def test_the_default_and_largest_page_is_1000(mc, five):
    assert page(mc)[0] == {"num": "5", "page": "1", "limit": "1000", "page_count": "1"}
    assert page(mc, limit=5000)[0]["limit"] == "1000"


def test_an_empty_result_is_an_empty_container_not_an_error(mc, account):
    root = xml_of(mc.get("profiles"))
    assert root.find("profiles").attrib == {"num": "0", "page": "1", "limit": "1000", "page_count": "0"}


def test_profiles_from_is_inclusive_and_to_exclusive_on_updated_at(mc, five):
    assert page(mc, **{"from": "2026-12-01T11:00:00Z"})[1] == ["P4", "P2", "P0"]
    assert page(mc, **{"from": "2026-12-01T11:00:00Z", "to": "2026-12-01T13:00:00+00:00"})[1] == ["P4", "P2"]
    assert page(mc, **{"to": "2026-12-01 10:30:00 UTC"})[1] == ["P1", "P3"]  # Mobile Commons' own format too
    assert page(mc, **{"from": "2026-12-01T07:00:00-05:00"})[1] == ["P2", "P0"]  # 12:00 UTC
    assert page(mc, **{"from": "2026-12-01T11:00:00Z", "limit": 1})[0]["page_count"] == "3"


def test_profiles_by_phone_numbers(mc, five):
    assert page(mc, phone_number="12025550100,(202) 555-0102, ")[1] == ["P2", "P0"]
    assert error_of(mc.get("profiles", {"phone_number": "12025550100,nope"}), 5) == "Invalid phone number"


def test_profiles_include_switches(mc, account, main):
    _campaign, (sync, _website) = main
    add_profile(account, JO, constituent_id="abc", subscribed_path=sync)
    full = xml_of(mc.get("profiles", {"include_custom_columns": "true", "include_subscriptions": "true"}))
    assert custom_columns(full.find("profiles/profile")) == {"constituent_id": "abc"}
    assert subscriptions(full.find("profiles/profile"))[0]["status"] == "Active"
    bare = xml_of(mc.get("profiles", {"include_custom_columns": "false", "include_subscriptions": "false"}))
    assert bare.find("profiles/profile/custom_columns") is None
    assert bare.find("profiles/profile/subscriptions") is None


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"limit": "0"}, "limit"),
        ({"page": "-1"}, "page"),
    ],
)
def test_bad_profiles_parameters_are_error_7(mc, account, params, name):
    assert error_of(mc.get("profiles", params), 7).startswith(f"Invalid parameter: {name}")


def test_profiles_answers_only_the_companys_profiles(mc, account):
    add_profile(account, JO, first_name="Mine")
    add_profile(create_account("o@example.org", "pw", name="O"), "12025550188", first_name="Theirs")
    assert page(mc)[1] == ["Mine"]


# --- faults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error_id", "message"), [(1, "Internal error"), (5, "Invalid phone number"), (8, "Invalid campaign")]
)
def test_a_forced_mc_error_is_a_success_false_answer_with_http_200(mc, main, error_id, message):
    assert error_of(mc.get("campaigns", HTTP_X_SANDBOX_FAULT=f"mc-error={error_id}"), error_id) == message
    assert xml_of(mc.get("campaigns")).find("campaigns") is not None  # only that request


def test_a_forced_mc_error_on_a_write_changes_nothing_and_works_as_a_query_parameter(mc):
    response = mc.post(f"profile_update?sandbox_fault=mc-error%3D7&phone_number={JO}")
    error_of(response, 7)
    assert not Profile.objects.exists()


def test_a_429_fault_is_an_html_page_with_retry_after(mc):
    response = mc.get("campaigns", HTTP_X_SANDBOX_FAULT="429")
    assert response.status_code == 429 and response["Retry-After"] == "1"
    assert response["Content-Type"].startswith("text/html") and b"<h4>" in response.content


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_faults_are_html_pages(mc, status):
    response = mc.get("profiles", {"sandbox_fault": str(status)})
    assert response.status_code == status and b"<h4>" in response.content


def test_a_malformed_fault_answers_truncated_xml(mc):
    response = mc.get("profiles", HTTP_X_SANDBOX_FAULT="malformed")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(response.content)


def test_a_fault_rule_for_mobilecommons_fails_the_next_matching_requests_then_lets_them_through(mc, main):
    FaultRule.objects.create(
        system="mobilecommons",
        method="POST",
        path_pattern=r"/profile_update$",
        kind=FaultKind.SERVER_ERROR,
        remaining=1,
    )
    FaultRule.objects.create(system="ascend", kind=FaultKind.UNAVAILABLE)
    assert update(mc, phone_number=JO).status_code == 500
    assert not Profile.objects.exists()
    assert text(profile_of(update(mc, phone_number=JO)), "phone_number") == JO
    assert mc.get("campaigns").status_code == 200  # the ascend rule does not apply


def test_faults_come_before_auth_and_apply_to_unknown_calls(db):
    assert Mc(login=None).get("campaigns", HTTP_X_SANDBOX_FAULT="503").status_code == 503
    assert Mc(login=None).get("nowhere", HTTP_X_SANDBOX_FAULT="503").status_code == 503
    error_of(Mc(login=None).get("campaigns", HTTP_X_SANDBOX_FAULT="mc-error=6"), 6)


def test_welcome_messages_are_recorded_per_subscription_only(mc, account, main):
    _campaign, (sync, website) = main
    for phone in ("2025550101", "2025550102"):
        update(mc, phone_number=phone, opt_in_path_id=str(sync.pk))
        update(mc, phone_number=phone, opt_in_path_id=str(website.pk))
    assert list(WelcomeMessage.objects.values_list("phone", "opt_in_path__name")) == [
        ("12025550101", "Action Network sync"),
        ("12025550102", "Action Network sync"),
    ]
