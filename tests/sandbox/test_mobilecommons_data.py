"""The Mobile Commons sandbox's data tools: the setup helpers (text JOIN and STOP obey the API's
rules), `sandbox_dump mobilecommons`, the loader and its demo fixture, and the admin."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from sandbox.mobilecommons.loader import load, load_file
from sandbox.mobilecommons.models import Account, Profile, Subscription, WelcomeMessage
from sandbox.mobilecommons.rules import profile_status
from sandbox.mobilecommons.setup import (
    add_campaign,
    add_profile,
    create_account,
    is_subscribed,
    profile_by_phone,
    text_join,
    text_stop,
    welcomes,
)

from ._mobilecommons import PASSWORD, Mc, custom_columns, profile_of, subscriptions, text, xml_of

pytestmark = pytest.mark.django_db

DEMO_FILE = Path(django_settings.BASE_DIR) / "sandbox" / "mobilecommons" / "fixtures" / "demo.json"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
JO = "12025550123"
LOADED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LEE_UUID = "3f1c2a90-6a55-4f0e-9d61-0a1b2c3d4e09"


@pytest.fixture(autouse=True)
def _no_configured_faults(settings):
    settings.SANDBOX_FAULTS = []


@pytest.fixture
def account() -> Account:
    return create_account()


@pytest.fixture
def main(account):
    return add_campaign(account, "Main", paths=("Action Network sync", "Website"))


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


# --- setup helpers ---------------------------------------------------------------------------------


def test_create_account_and_add_campaign_are_idempotent(account, main):
    campaign, paths = main
    assert create_account(password="new-password", name="Renamed").pk == account.pk
    assert Account.objects.get().name == "Renamed"
    assert Mc(password="new-password").get("campaigns").status_code == 200
    assert Mc(password=PASSWORD).get("campaigns").status_code == 401
    again, again_paths = add_campaign(account, "Main", paths=("Website", "Keyword"))
    assert again.pk == campaign.pk
    assert again_paths[0].pk == paths[1].pk and again_paths[1].name == "Keyword"
    assert [p.name for p in add_campaign(account, "Other")[1]] == ["Web opt-in"]


def test_add_profile_makes_the_history_it_is_told(account, main):
    _campaign, (sync, website) = main
    subscribed = add_profile(account, "(202) 555-0101", email="a@example.org", subscribed_path=sync)
    opted_out = add_profile(account, "202-555-0102", subscribed_path=website, opted_out=True)
    plain = add_profile(account, "2025550103", constituent_id="abc", postal_code="62701", updated_at=T0)
    assert (subscribed.phone_number, profile_status(subscribed), is_subscribed(subscribed)) == (
        "12025550101",
        "Active Subscriber",
        True,
    )
    assert (profile_status(opted_out), is_subscribed(opted_out), opted_out.opted_out_at is not None) == (
        "Opted-Out",
        False,
        True,
    )
    assert opted_out.subscriptions.get().status == "Opted-Out"
    assert (profile_status(plain), plain.constituent_id, plain.updated_at) == (
        "Profiles with no Subscriptions",
        "abc",
        T0,
    )
    assert not WelcomeMessage.objects.exists()  # history: no Welcome message now
    assert add_profile(account, "12025550103", first_name="P").pk == plain.pk
    with pytest.raises(ValueError, match="not a phone number"):
        add_profile(account, "hello")


def test_text_join_subscribes_once_with_a_welcome_and_creates_the_profile(account, main):
    _campaign, (_sync, website) = main
    with time_machine.travel(T0, tick=False):
        profile = text_join(account, "(202) 555-0123", website, email="jo@example.com", first_name="Jo")
    assert (profile.phone_number, profile.email, profile.source_type, profile.source_name) == (
        JO,
        "jo@example.com",
        "Keyword",
        "JOIN",
    )
    assert is_subscribed(profile) and profile.updated_at == T0
    assert [(w.phone, w.opt_in_path.name, w.sent_at) for w in welcomes(account, "202-555-0123")] == [
        (JO, "Website", T0)
    ]
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        again = text_join(account, JO, website)
    assert again.email == "jo@example.com"  # a JOIN without an email clears nothing
    assert again.updated_at == T0 + timedelta(hours=1)  # the owner texted in
    assert welcomes(account).count() == 1 and Subscription.objects.count() == 1


def test_text_stop_is_sticky_even_for_text_join(account, main):
    _campaign, (sync, website) = main
    text_join(account, JO, website)
    with time_machine.travel(T0, tick=False):
        stopped = text_stop(account, JO)
    assert (stopped.opted_out_at, stopped.opted_out_source, stopped.updated_at) == (T0, "Texted STOP", T0)
    assert not is_subscribed(stopped) and profile_status(stopped) == "Opted-Out"
    again = text_join(account, JO, sync)
    assert not is_subscribed(again) and welcomes(account).count() == 1
    unknown = text_stop(account, "2025550188")
    assert profile_status(unknown) == "Opted-Out" and unknown.opted_out_source == "Texted STOP"


def test_profile_by_phone_takes_any_spelling(account):
    add_profile(account, JO, first_name="Jo")
    assert profile_by_phone(account, "+1 (202) 555-0123").first_name == "Jo"
    assert profile_by_phone(account, "2025550199") is None
    assert profile_by_phone(account, "not a phone") is None


def test_a_join_is_seen_by_the_api(account, main):
    _campaign, (_sync, website) = main
    text_join(account, JO, website, email="jo@example.com")
    profile = profile_of(Mc().get("profile", {"phone_number": JO}))
    assert text(profile, "status") == "Active Subscriber"
    assert profile.find("source").get("type") == "Keyword"
    assert subscriptions(profile)[0]["opt_in_path_id"] == str(website.pk)


# --- sandbox_dump mobilecommons --------------------------------------------------------------------


@pytest.fixture
def written(account, main):
    """What a sync and the phones' owners did: an API create with a path, a JOIN, a STOP."""
    _campaign, (sync, website) = main
    mc = Mc()
    with time_machine.travel(T0, tick=False):
        params = {"phone_number": JO, "first_name": "Jo", "constituent_id": "abc", "opt_in_path_id": str(sync.pk)}
        xml_of(mc.post("profile_update", params))
        text_join(account, "2025550101", website, email="ann@example.org")
        text_stop(account, "2025550101")
    return mc


def test_sandbox_dump_mobilecommons_shows_profiles_subscriptions_and_welcomes_never_a_password(written):
    output = run("sandbox_dump", "mobilecommons")
    assert PASSWORD not in output and "password" not in output
    data = json.loads(output)
    assert data["accounts"] == [{"login": "mc@example.org", "company_key": "", "name": "Sandbox company"}]
    assert data["campaigns"][0]["name"] == "Main"
    assert [p["name"] for p in data["campaigns"][0]["opt_in_paths"]] == ["Action Network sync", "Website"]
    jo, ann = data["profiles"]
    assert (jo["phone_number"], jo["status"], jo["constituent_id"], jo["first_name"]) == (
        JO,
        "Active Subscriber",
        "abc",
        "Jo",
    )
    assert jo["subscriptions"] == [
        {
            "campaign": "Main",
            "opt_in_path": "Action Network sync",
            "status": "Active",
            "activated_at": "2026-12-01 09:00:00 UTC",
            "opted_out_at": None,
        }
    ]
    assert (ann["status"], ann["opted_out_source"], ann["subscriptions"][0]["status"]) == (
        "Opted-Out",
        "Texted STOP",
        "Opted-Out",
    )
    assert [(w["phone_number"], w["opt_in_path"], w["sent_at"]) for w in data["welcome_messages"]] == [
        (JO, "Action Network sync", "2026-12-01 09:00:00 UTC"),
        ("12025550101", "Website", "2026-12-01 09:00:00 UTC"),
    ]


def test_a_dump_loads_back_into_an_emptied_company(written):
    data = json.loads(run("sandbox_dump", "mobilecommons"))
    Profile.objects.all().delete()
    assert load(data) == {"accounts": 1, "campaigns": 1, "profiles": 2}
    again = json.loads(run("sandbox_dump", "mobilecommons"))
    strip = lambda rows: [{k: v for k, v in row.items() if k != "id"} for row in rows]  # noqa: E731
    assert strip(again["profiles"]) == strip(data["profiles"])


# --- the loader and the demo -----------------------------------------------------------------------


def test_the_demo_makes_the_company_its_paths_and_four_profiles(db):
    with time_machine.travel(LOADED, tick=False):
        assert "Loaded Mobile Commons sandbox data" in run("sandbox_load", "mobilecommons", str(DEMO_FILE))
    loaded_at = "2026-12-07 09:00:00 UTC"
    mc = Mc("mc@example.org", "mc-sandbox-password")
    campaign = xml_of(mc.get("campaigns", {"include_opt_in_paths": "1"})).find("campaigns/campaign")
    assert campaign.findtext("name") == "Main"
    assert [p.findtext("name") for p in campaign.findall("opt_in_paths/opt_in_path")] == [
        "Action Network sync",
        "Website",
    ]
    profiles = xml_of(mc.get("profiles")).findall("profiles/profile")
    seen = {
        p.findtext("phone_number"): (p.findtext("status"), p.findtext("email"), custom_columns(p)) for p in profiles
    }
    assert seen == {
        "12025550141": ("Active Subscriber", "maya.patel@example.org", {}),
        "12025550142": ("Active Subscriber", "", {}),
        # Lee Chen is the Action Network demo group's Lee (sandbox/actionnetwork/fixtures/demo.json).
        "12025550143": ("Opted-Out", "lee.chen@example.org", {"constituent_id": LEE_UUID}),
        # Ana Alvarez's number, from the website before any sync: no Action Network id yet.
        "12025550101": ("Active Subscriber", "ana.alvarez@example.com", {}),
    }
    by_phone = {p.findtext("phone_number"): p for p in profiles}
    assert by_phone["12025550141"].find("source").get("type") == "Keyword"
    # The JOINs and the STOP are new (a push sees them); Ana's profile is history.
    assert by_phone["12025550101"].findtext("updated_at") == "2026-11-02 15:00:00 UTC"
    for phone in ("12025550141", "12025550142", "12025550143"):
        assert by_phone[phone].findtext("updated_at") == loaded_at
    assert by_phone["12025550143"].findtext("opted_out_at") == loaded_at
    # Lee texted STOP: a pull through the sync's path never resubscribes him.
    sync_id = campaign.find("opt_in_paths/opt_in_path").get("id")
    lee = profile_of(mc.post("profile_update", {"phone_number": "12025550143", "opt_in_path_id": sync_id}))
    assert text(lee, "status") == "Opted-Out" and not WelcomeMessage.objects.exists()


def test_loading_the_demo_twice_changes_nothing(db):
    load_file(DEMO_FILE)
    before = run("sandbox_dump", "mobilecommons")
    load_file(DEMO_FILE)
    assert run("sandbox_dump", "mobilecommons") == before


ONE = [{"login": "a@example.org", "password": "p", "name": "A"}]
MAIN = [{"name": "Main", "opt_in_paths": [{"name": "W"}]}]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"accounts": {"login": "x"}}, "must be a list"),
        ({"accounts": [{"login": "new@example.org"}]}, "needs a 'password'"),
        ({"campaigns": [{"name": "Main"}]}, "name its 'account'"),
        ({"accounts": ONE, "campaigns": [{"name": "M", "opt_in_paths": ["W"]}]}, "list of objects with a 'name'"),
        ({"accounts": ONE, "profiles": [{"phone_number": "1"}]}, "not a phone number"),
        ({"accounts": ONE, "profiles": [{"phone_number": JO, "subscriptions": [{"campaign": "Nope"}]}]}, "no campaign"),
        (
            {
                "accounts": ONE,
                "campaigns": MAIN,
                "profiles": [{"phone_number": JO, "subscriptions": [{"campaign": "Main", "opt_in_path": "X"}]}],
            },
            "no opt-in path named",
        ),
        (
            {
                "accounts": ONE,
                "campaigns": MAIN,
                "profiles": [{"phone_number": JO, "subscriptions": [{"campaign": "Main", "status": "Gone"}]}],
            },
            "status must",
        ),
        ({"accounts": ONE, "profiles": [{"phone_number": JO, "updated_at": "soon"}]}, "is not a time"),
        ({"accounts": ONE, "profiles": [{"phone_number": JO, "custom_columns": ["a"]}]}, "must be an object"),
    ],
)
def test_the_loader_says_what_is_wrong_with_a_file(db, data, match):
    with pytest.raises(ValueError, match=match):
        load(data)


def test_sandbox_load_mobilecommons_turns_a_bad_file_into_a_command_error(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(CommandError, match="JSON object"):
        run("sandbox_load", "mobilecommons", str(bad))


# --- admin -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["account", "campaign", "optinpath", "profile", "subscription", "welcomemessage"])
def test_every_mobilecommons_model_has_a_browsable_changelist(written, admin_client, model):
    url = reverse(f"admin:sandbox_mobilecommons_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "2025"}).status_code == 200


def test_a_profile_opens_in_the_admin_and_its_owner_can_text_stop_and_join(written, admin_client, account):
    jo = Profile.objects.get(phone_number=JO)
    response = admin_client.get(reverse("admin:sandbox_mobilecommons_profile_change", args=[jo.pk]))
    assert response.status_code == 200 and b"Action Network sync" in response.content
    changelist = reverse("admin:sandbox_mobilecommons_profile_changelist")
    new = add_profile(account, "2025550177")
    admin_client.post(changelist, {"action": "text_join_selected", "_selected_action": [new.pk]})
    assert is_subscribed(Profile.objects.get(pk=new.pk))
    assert [w.opt_in_path.name for w in welcomes(account, "2025550177")] == ["Action Network sync"]
    admin_client.post(changelist, {"action": "text_stop_selected", "_selected_action": [jo.pk, new.pk]})
    for profile in Profile.objects.filter(pk__in=[jo.pk, new.pk]):
        assert (profile_status(profile), profile.opted_out_source) == ("Opted-Out", "Texted STOP")


def test_the_admin_makes_an_account_whose_login_works(admin_client, db):
    admin_client.post(
        reverse("admin:sandbox_mobilecommons_account_add"),
        {"name": "Made in admin", "login": "adm@example.org", "company_key": "k1", "password": "adm-pw"},
    )
    assert xml_of(Mc("adm@example.org", "adm-pw", company="k1").get("campaigns")).find("campaigns") is not None
