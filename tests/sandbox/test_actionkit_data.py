"""Making, loading and dumping an emulated ActionKit instance (setup.py, loader.py, dump.py) and its admin."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sandbox.actionkit import dump as dump_module
from sandbox.actionkit import loader
from sandbox.actionkit.models import (
    ApiUser,
    Campaign,
    Event,
    EventField,
    EventSignup,
    EventSignupField,
    MailingList,
    Page,
    Phone,
    Subscription,
    SubscriptionHistory,
    User,
)
from sandbox.actionkit.setup import (
    ensure_api_user,
    ensure_campaign,
    ensure_list,
    ensure_phone,
    ensure_user,
    subscribe,
)

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[2] / "sandbox" / "actionkit" / "fixtures" / "demo.json"


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "actionkit.json"
    path.write_text(json.dumps(data))
    return path


# --- setup ----------------------------------------------------------------------------------------------


def test_ensure_api_user_is_idempotent_and_resets_the_password():
    first = ensure_api_user("bot", "one")
    second = ensure_api_user("bot", "two")
    assert first.pk == second.pk
    assert ApiUser.objects.count() == 1
    second.refresh_from_db()
    assert second.check_password("two")
    assert not second.check_password("one")
    assert "two" not in second.password_digest


def test_ensure_campaign_makes_the_campaign_and_its_pages_once():
    campaign = ensure_campaign("parties", "parties_host", "parties_attend", max_attendees_cap=300)
    again = ensure_campaign("parties", "parties_host", "parties_attend", max_attendees_cap=300)
    assert campaign.pk == again.pk
    assert campaign.max_event_size == 300
    assert sorted(Page.objects.values_list("name", "type")) == [
        ("parties_attend", "EventSignup"),
        ("parties_host", "EventCreate"),
    ]


def test_page_short_names_are_unique_across_campaigns():
    ensure_campaign("parties", "shared_name")
    with pytest.raises(ValueError, match="short names are unique"):
        ensure_campaign("canvasses", "shared_name")


def test_ensure_user_and_phone_are_idempotent():
    user = ensure_user("Ada@example.com", first_name="Ada")
    assert ensure_user("ada@EXAMPLE.com").pk == user.pk
    phone = ensure_phone(user, "202-555-0100", source="import")
    assert ensure_phone(user, "202-555-0100", type="mobile", source="import").pk == phone.pk
    phone.refresh_from_db()
    assert (phone.type, phone.normalized_phone) == ("mobile", "2025550100")


def test_pages_are_on_the_default_list_and_subscribe_is_idempotent_with_one_history_entry():
    ensure_campaign("parties", "parties_host", "parties_attend")
    default = MailingList.objects.get(is_default=True)
    assert default.name == "Default list"
    assert ensure_list("Default list") == default
    assert set(Page.objects.values_list("list", flat=True)) == {default.pk}
    volunteers = ensure_list("Volunteers")
    assert ensure_list("Volunteers") == volunteers and not volunteers.is_default
    user = ensure_user("ada@example.com")
    assert user.subscription_status == "never"
    assert subscribe(user, volunteers) is True
    assert subscribe(user, volunteers) is False
    assert Subscription.objects.filter(user=user).count() == 1
    assert list(SubscriptionHistory.objects.values_list("change", "list__name")) == [("subscribe", "Volunteers")]
    user.refresh_from_db()
    assert user.subscription_status == "subscribed"


# --- loader ------------------------------------------------------------------------------------------------

FILE = {
    "api_users": [{"username": "sync", "password": "pw-123"}],
    "lists": [{"name": "Volunteers"}],
    "campaigns": [
        {
            "name": "parties",
            "title": "Parties",
            "max_event_size": 250,
            "default_event_size": 20,
            "create_page": "parties_host",
            "signup_page": "parties_attend",
        }
    ],
    "pages": [{"name": "parties_attend_2", "type": "EventSignup", "campaign": "parties", "list": "Volunteers"}],
    "users": [
        {
            "email": "ada@example.com",
            "first_name": "Ada",
            "zip": "94110",
            "phones": [{"phone": "+1 202 555 0100", "type": "mobile", "source": "petition"}],
        }
    ],
    "events": [
        {
            "id": 7,
            "campaign": "parties",
            "creator": "host@example.com",
            "title": "Kickoff",
            "starts_at": "2020-05-01T18:00:00",
            "zip": "94110",
            "status": "active",
            "fields": {"mobilize_id": "42"},
        }
    ],
    "signups": [
        {
            "event": 7,
            "email": "ada@example.com",
            "status": "active",
            "attended": True,
            "fields": [{"name": "mobilize_attendance_status", "value": "ATTENDED"}],
        }
    ],
    "subscriptions": [{"email": "ada@example.com", "list": "Volunteers"}],
}


def test_load_file_loads_every_kind_and_says_what_it_loaded(tmp_path):
    summary = loader.load_file(write(tmp_path, FILE))
    assert summary == (
        "Loaded ActionKit sandbox data from actionkit.json: 1 API users, 1 lists, 1 campaigns, 1 pages, 1 users, "
        "1 phones, 1 events, 1 signups, 1 subscriptions."
    )
    assert ApiUser.objects.get().check_password("pw-123")
    campaign = Campaign.objects.get()
    assert (campaign.max_event_size, campaign.default_event_size) == (250, 20)
    assert Page.objects.count() == 3
    assert Phone.objects.get().normalized_phone == "2025550100"
    event = Event.objects.get()
    assert (event.title, event.creator.email, event.starts_at.isoformat()) == (
        "Kickoff",
        "host@example.com",
        "2020-05-01T18:00:00+00:00",
    )
    assert list(event.fields.values_list("name", "value")) == [("mobilize_id", "42")]
    attendee = EventSignup.objects.get(role="attendee")
    assert (attendee.user.email, attendee.attended) == ("ada@example.com", True)
    assert list(attendee.fields.values_list("name", "value")) == [("mobilize_attendance_status", "ATTENDED")]
    assert EventSignup.objects.get(role="host").user.email == "host@example.com"
    pages = dict(Page.objects.values_list("name", "list__name"))
    assert pages == {"parties_host": "Default list", "parties_attend": "Default list", "parties_attend_2": "Volunteers"}
    [subscription] = Subscription.objects.all()
    assert (subscription.user.email, subscription.list.name) == ("ada@example.com", "Volunteers")
    assert User.objects.get(email="ada@example.com").subscription_status == "subscribed"
    assert User.objects.get(email="host@example.com").subscription_status == "never"


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, FILE)
    loader.load_file(path)
    first = dump_module.dump()
    loader.load_file(path)
    second = dump_module.dump()
    assert first == second


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"events": [{"campaign": "nope", "title": "x"}]}, r"events\[0\]: no campaign named 'nope'"),
        ({"campaigns": [{"name": "x"}]}, r"campaigns\[0\]: 'create_page' is required"),
        ({"signups": [{"event": 3, "email": "a@example.com"}]}, r"signups\[0\]: event 3 is not the id"),
        (
            {"campaigns": FILE["campaigns"], "events": [{"campaign": "parties", "starts_at": "tomorrow"}]},
            r"events\[0\]: 'tomorrow' is not a date/time",
        ),
    ],
    ids=["unknown-campaign", "missing-key", "unknown-event", "bad-time"],
)
def test_a_bad_file_is_refused_with_the_place_of_the_mistake_and_loads_nothing(tmp_path, data, message):
    with pytest.raises(ValueError, match=message):
        loader.load_file(write(tmp_path, data))
    assert not Campaign.objects.exists()
    assert not User.objects.exists()


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a readable JSON file"):
        loader.load_file(path)


def test_the_demo_file_loads():
    summary = loader.load_file(DEMO)
    assert "2 campaigns" in summary
    assert Page.objects.count() == 3
    assert Phone.objects.filter(source="mobilizeamerica_sync").count() == 1


# --- dump ----------------------------------------------------------------------------------------------------


def test_dump_shows_events_users_signups_and_pages_with_duplicate_field_rows_visible(tmp_path):
    loader.load_file(write(tmp_path, FILE))
    event = Event.objects.get()
    EventField.objects.create(event=event, name="mobilize_id", value="43")  # the duplicate trap
    data = dump_module.dump()
    assert data["api_users"] == [{"username": "sync", "is_active": True}]
    assert data["campaigns"][0]["create_page"] == "parties_host"
    assert data["campaigns"][0]["signup_page"] == "parties_attend"
    assert {page["name"] for page in data["pages"]} == {"parties_host", "parties_attend", "parties_attend_2"}
    [event_entry] = data["events"]
    assert (event_entry["campaign"], event_entry["status"], event_entry["starts_at"], event_entry["ends_at"]) == (
        "parties",
        "active",
        "2020-05-01T18:00:00",
        None,
    )
    assert [(r["name"], r["value"]) for r in event_entry["fields"]] == [("mobilize_id", "42"), ("mobilize_id", "43")]
    ada = next(user for user in data["users"] if user["email"] == "ada@example.com")
    assert [(p["phone"], p["type"], p["source"]) for p in ada["phones"]] == [("+1 202 555 0100", "mobile", "petition")]
    attendee = next(s for s in data["signups"] if s["role"] == "attendee")
    assert (attendee["event"], attendee["email"], attendee["attended"]) == (event.pk, "ada@example.com", True)
    assert attendee["fields"][0]["name"] == "mobilize_attendance_status"
    assert {(m["name"], m["is_default"]) for m in data["lists"]} == {("Default list", True), ("Volunteers", False)}
    assert {page["name"]: page["list"] for page in data["pages"]}["parties_attend_2"] == "Volunteers"
    assert ada["subscription_status"] == "subscribed"
    assert [(s["email"], s["list"]) for s in data["subscriptions"]] == [("ada@example.com", "Volunteers")]
    assert [(h["email"], h["list"], h["change"]) for h in data["subscription_history"]] == [
        ("ada@example.com", "Volunteers", "subscribe")
    ]
    json.dumps(data)  # JSON-ready


def test_a_dump_loads_back_into_an_empty_instance(tmp_path):
    loader.load_file(write(tmp_path, FILE))
    before = dump_module.dump()
    for model in (EventSignupField, EventField, EventSignup, Event, Phone, User, Page, Campaign):
        model.objects.all().delete()
    loader.load(json.loads(json.dumps(before)))
    after = dump_module.dump()

    def without_ids(data):
        text = json.dumps({k: v for k, v in data.items() if k not in ("actions",)}, sort_keys=True)
        return json.loads(text, object_hook=lambda d: {k: v for k, v in d.items() if k not in ("id", "created_at")})

    assert [s["email"] for s in after["signups"]] == [s["email"] for s in before["signups"]]
    strip = without_ids(before)
    again = without_ids(after)
    for kind in ("lists", "campaigns", "pages", "users", "events", "subscriptions"):
        assert strip[kind] == again[kind]
    assert [{k: v for k, v in s.items() if k != "event"} for s in strip["signups"]] == [
        {k: v for k, v in s.items() if k != "event"} for s in again["signups"]
    ]


def test_the_sandbox_commands_load_and_dump_actionkit(tmp_path):
    out = io.StringIO()
    call_command("sandbox_load", "actionkit", str(DEMO), stdout=out)
    assert "Loaded ActionKit sandbox data from demo.json" in out.getvalue()
    out = io.StringIO()
    call_command("sandbox_dump", "actionkit", stdout=out)
    dumped = json.loads(out.getvalue())
    assert [c["name"] for c in dumped["campaigns"]] == ["mobilize-events", "mobilize-distributed"]
    path = write(tmp_path, {"campaigns": [{"name": "x"}]})
    with pytest.raises(CommandError, match="'create_page' is required"):
        call_command("sandbox_load", "actionkit", str(path))


# --- admin ---------------------------------------------------------------------------------------------------


def test_the_admin_lists_and_shows_every_sandbox_model(admin_client, tmp_path):
    loader.load_file(write(tmp_path, FILE))
    for name in (
        "apiuser",
        "campaign",
        "page",
        "user",
        "phone",
        "event",
        "eventfield",
        "eventsignup",
        "action",
        "mailinglist",
        "subscription",
        "subscriptionhistory",
    ):
        assert admin_client.get(f"/admin/sandbox_actionkit/{name}/").status_code == 200, name
    event = Event.objects.get()
    page = admin_client.get(f"/admin/sandbox_actionkit/event/{event.pk}/change/")
    assert page.status_code == 200
    assert b"mobilize_id" in page.content


def test_the_admin_sets_an_api_users_password_without_showing_it(admin_client):
    response = admin_client.post(
        "/admin/sandbox_actionkit/apiuser/add/", {"username": "bot", "is_active": "on", "password": "pw-456"}
    )
    assert response.status_code == 302
    user = ApiUser.objects.get(username="bot")
    assert user.check_password("pw-456")
    change = admin_client.get(f"/admin/sandbox_actionkit/apiuser/{user.pk}/change/")
    assert b"pw-456" not in change.content
    assert user.password_digest.encode() not in change.content
