"""The PDI sandbox's data tools: `sandbox_dump pdi`, the loader and its demo fixture, the setup
helpers, and the admin (browsing what a sync wrote, ending sessions)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from sandbox.pdi.dump import dump
from sandbox.pdi.loader import load, load_file
from sandbox.pdi.models import ApiUser, Calendar, Contact, ContactEmail, Event, Invitation, Location, Session
from sandbox.pdi.setup import create_api_user, create_calendar, create_contact, create_location

from ._pdi import API_TOKEN, PASSWORD, USERNAME, Pdi, event_body, make_user

pytestmark = pytest.mark.django_db

DEMO_FILE = Path(django_settings.BASE_DIR) / "sandbox" / "pdi" / "fixtures" / "demo.json"
MOBILIZE_DEMO_FILE = Path(django_settings.BASE_DIR) / "sandbox" / "fixtures" / "mobilize_demo.json"
DEMO_CALENDARS = ["Canvassing", "Phone and text banking", "Meetings and trainings", "Community events"]


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def without_ids(data):
    """A dump with its database ids (and the ids that refer to them) left out, for comparing contents."""
    if isinstance(data, dict):
        return {k: without_ids(v) for k, v in data.items() if k != "id" and not k.endswith("Id")}
    if isinstance(data, list):
        return [without_ids(item) for item in data]
    return data


@pytest.fixture
def written(settings) -> Pdi:
    """What a sync writes through the API: a location, a contact with an email and a phone, an event
    with it, and an invitation."""
    settings.SANDBOX_FAULTS = []
    make_user()
    pdi = Pdi()
    pdi.login()
    calendar = create_calendar("Canvassing")
    location = pdi.ok(pdi.post("/locations", {"locationName": "HQ", "locationAddress": "1 Main St, Philadelphia, PA"}))
    contact = pdi.ok(pdi.post("/contacts", {"firstName": "Ana", "lastName": "Garcia"}))
    pdi.ok(pdi.post(f"/contacts/{contact['id']}/emails", {"emailAddress": "ana@example.com", "isPrimary": True}))
    pdi.ok(
        pdi.post(
            f"/contacts/{contact['id']}/phones", {"phoneNumber": "2155550101", "phoneType": "Mobile", "isPrimary": True}
        )
    )
    event = pdi.ok(pdi.post(f"/calendars/{calendar.pk}/events", event_body(locationId=location["id"])))
    pdi.ok(
        pdi.post(
            f"/events/{event['id']}/invitations",
            {"contactId": contact["id"], "rsvpStatus": "Yes", "isConfirmed": True, "attended": False},
        )
    )
    return pdi


# --- dump ------------------------------------------------------------------------------------------


def test_sandbox_dump_pdi_shows_what_a_sync_wrote(written):
    data = json.loads(run("sandbox_dump", "pdi"))
    assert data == json.loads(json.dumps(dump()))
    assert data["api_users"] == [{"username": USERNAME, "is_active": True, "session_seconds": 3600}]
    assert [c["name"] for c in data["calendars"]] == ["Canvassing"]
    (contact,) = data["contacts"]
    assert (contact["firstName"], contact["lastName"]) == ("Ana", "Garcia")
    assert [e["emailAddress"] for e in contact["emails"]] == ["ana@example.com"]
    assert [(p["phoneNumber"], p["phoneType"]) for p in contact["phones"]] == [("2155550101", "Mobile")]
    (event,) = data["events"]
    assert event["calendar"] == "Canvassing" and event["name"] == "Weekend canvass"
    assert event["location"]["locationName"] == "HQ"
    assert event["startDateTimeUtc"] == "2030-05-04T14:00:00.000Z"
    (invitation,) = data["invitations"]
    assert invitation["event"] == "Weekend canvass" and invitation["contact"] == "Ana Garcia <ana@example.com>"
    assert invitation["rsvpStatus"] == "Yes" and invitation["isConfirmed"] is True
    assert data["event_activities"] == []


def test_the_dump_never_shows_credentials_or_tokens(written):
    printed = run("sandbox_dump", "pdi")
    for secret in (PASSWORD, API_TOKEN, written.token, *ApiUser.objects.values_list("password_digest", flat=True)):
        assert secret not in printed
    assert Session.objects.exists()
    assert "session" not in json.loads(printed)


def test_a_dump_loads_back_into_an_emptied_account(written, tmp_path):
    before = dump()
    saved = tmp_path / "dump.json"
    saved.write_text(json.dumps(before))
    load_file(saved)
    assert dump() == before  # loading what is there changes nothing
    Invitation.objects.all().delete()
    Event.objects.all().delete()
    Contact.objects.all().delete()
    Location.objects.all().delete()
    load_file(saved)
    after = dump()
    assert without_ids(after) == without_ids(before)
    assert after["invitations"][0]["contactId"] == after["contacts"][0]["id"]
    assert after["events"][0]["locationId"] == after["locations"][0]["id"]


# --- loader and the demo fixture -------------------------------------------------------------------


def test_the_demo_fixture_makes_the_api_user_the_calendars_and_one_known_contact():
    output = run("sandbox_load", "pdi", str(DEMO_FILE))
    assert "1 API users, 4 calendars" in output and "1 contacts" in output
    assert list(Calendar.objects.order_by("id").values_list("name", flat=True)) == DEMO_CALENDARS
    pdi = Pdi()
    assert pdi.login("mobilize-sync", "sandbox-password", "sandbox-api-token").status_code == 200
    calendars = pdi.ok(pdi.get("/calendars", limit=100, cursor=1))
    assert [c["name"] for c in calendars["data"]] == DEMO_CALENDARS
    assert all(c["timeZone"] == "America/New_York" for c in calendars["data"])
    found = pdi.ok(pdi.get("/contacts", email="ben.smith502@example.com", searchByEmail="true", limit=10, cursor=1))
    assert found["totalCount"] == 1 and found["data"][0]["firstName"] == "Ben"


def test_the_demo_contact_is_a_volunteer_of_the_mobilize_demo_data():
    mobilize = json.loads(MOBILIZE_DEMO_FILE.read_text())
    demo = json.loads(DEMO_FILE.read_text())
    (contact,) = demo["contacts"]
    email = contact["emails"][0]["emailAddress"]
    people = [p for p in mobilize["people"] if any(e["address"] == email for e in p["email_addresses"])]
    assert len(people) == 1
    (person,) = people
    assert (person["given_name"], person["family_name"]) == (contact["firstName"], contact["lastName"])
    assert any(a["person"]["id"] == person["id"] for a in mobilize["attendances"])  # so the demo syncs them


def test_loading_the_demo_twice_changes_nothing():
    load_file(DEMO_FILE)
    before = dump()
    load_file(DEMO_FILE)
    assert dump() == before
    assert ContactEmail.objects.count() == 1


def test_the_loader_takes_locations_events_and_invitations_by_file_reference():
    counts = load(
        {
            "calendars": [{"name": "Canvassing"}],
            "locations": [{"id": 7, "locationName": "HQ", "locationAddress": "1 Main St"}],
            "contacts": [{"id": "ben", "firstName": "Ben", "lastName": "Smith"}],
            "events": [
                {
                    "id": "e1",
                    "calendar": "Canvassing",
                    "locationId": 7,
                    "name": "Canvass",
                    "startDateTimeUtc": "2030-05-01T14:00:00Z",
                    "endDateTimeUtc": "2030-05-01T17:00:00Z",
                }
            ],
            "invitations": [{"eventId": "e1", "contactId": "ben", "rsvpStatus": "Maybe"}],
        }
    )
    assert counts == {"API users": 0, "calendars": 1, "locations": 1, "contacts": 1, "events": 1, "invitations": 1}
    invitation = Invitation.objects.select_related("event__location", "contact").get()
    assert invitation.rsvp_status == "Maybe" and invitation.contact.first_name == "Ben"
    assert invitation.event.location.location_name == "HQ" and invitation.event.is_all_day == "false"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"events": [{"calendar": "Nope", "name": "x"}]}, "no calendar named 'Nope'"),
        (
            {
                "calendars": [{"name": "C"}],
                "events": [{"calendar": "C", "name": "x", "startDateTimeUtc": "May 1", "endDateTimeUtc": "x"}],
            },
            "startDateTimeUtc",
        ),
        ({"contacts": [{"firstName": "A", "emails": [{"emailAddress": "nope"}]}]}, "not a valid email"),
        ({"invitations": [{"eventId": 1, "contactId": 1}]}, 'not an id of this file\'s "events"'),
        ({"api_users": [{"username": "u", "password": "p"}]}, "'api_token' is required"),
        ({"calendars": {"name": "C"}}, "must be a list"),
    ],
)
def test_the_loader_says_what_is_wrong_with_a_file(data, match):
    with pytest.raises(ValueError, match=match):
        load(data)


def test_sandbox_load_pdi_turns_a_bad_file_into_a_command_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"events": [{"calendar": "Missing"}]}')
    with pytest.raises(CommandError, match="no calendar named 'Missing'"):
        run("sandbox_load", "pdi", str(broken))
    assert not Event.objects.exists()


# --- setup helpers ---------------------------------------------------------------------------------


def test_create_api_user_resets_an_existing_users_credentials():
    first = create_api_user("u", "old-password", "old-token", session_seconds=60)
    second = create_api_user("u", "new-password", "new-token")
    assert first.pk == second.pk and second.session_seconds == 60
    assert second.check_credentials("new-password", "new-token")
    assert not second.check_credentials("old-password", "old-token")
    assert not second.check_credentials("new-password", "old-token")


def test_create_calendar_is_idempotent_and_create_contact_is_not():
    assert create_calendar("Canvassing").pk == create_calendar("Canvassing", "America/Chicago").pk
    assert Calendar.objects.get().time_zone == "America/Chicago"
    first = create_contact("Ben", "Smith", "ben@example.com", "2155550101")
    second = create_contact("Ben", "Smith", "ben@example.com")
    assert first.pk != second.pk  # two PDI contacts sharing an email is a case a sync must meet
    assert first.emails.get().is_primary and first.phones.get().phone_type == "Mobile"
    assert create_location("HQ", "1 Main St").pk == create_location("HQ", "1 Main St").pk


# --- admin -----------------------------------------------------------------------------------------

MODELS = [
    "apiuser",
    "session",
    "calendar",
    "location",
    "contact",
    "contactemail",
    "contactphone",
    "event",
    "invitation",
    "eventactivity",
]


@pytest.mark.parametrize("model", MODELS)
def test_every_pdi_model_has_a_browsable_changelist(written, admin_client, model):
    url = reverse(f"admin:sandbox_pdi_{model}_changelist")
    response = admin_client.get(url)
    assert response.status_code == 200
    assert admin_client.get(url, {"q": "ana"}).status_code == 200


def test_a_contact_opens_in_the_admin_with_its_emails_phones_and_invitations(written, admin_client):
    contact = Contact.objects.get()
    response = admin_client.get(reverse("admin:sandbox_pdi_contact_change", args=[contact.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "ana@example.com" in content and "2155550101" in content and "Weekend canvass" in content


def test_the_admin_makes_an_api_user_that_can_log_in(admin_client):
    response = admin_client.post(
        reverse("admin:sandbox_pdi_apiuser_add"),
        {
            "username": "made-in-admin",
            "password": "pw-1",
            "api_token": "tok-1",
            "is_active": "on",
            "session_seconds": 90,
        },
    )
    assert response.status_code == 302, response.content
    assert Pdi().login("made-in-admin", "pw-1", "tok-1").status_code == 200
    missing = admin_client.post(
        reverse("admin:sandbox_pdi_apiuser_add"), {"username": "no-secrets", "is_active": "on", "session_seconds": 90}
    )
    assert missing.status_code == 200 and not ApiUser.objects.filter(username="no-secrets").exists()


def test_the_admin_action_ends_sessions_so_the_next_request_gets_401(written, admin_client):
    assert written.get("/calendars", limit=10, cursor=1).status_code == 200
    response = admin_client.post(
        reverse("admin:sandbox_pdi_session_changelist"),
        {"action": "expire_all", "_selected_action": list(Session.objects.values_list("pk", flat=True))},
    )
    assert response.status_code == 302
    assert written.get("/calendars", limit=10, cursor=1).status_code == 401
    assert written.login().status_code == 200


def test_the_api_user_admin_action_ends_only_that_users_sessions(written, admin_client):
    create_api_user("second", "pw", "tok")
    other = Pdi()
    other.login("second", "pw", "tok")
    admin_client.post(
        reverse("admin:sandbox_pdi_apiuser_changelist"),
        {"action": "expire_user_sessions", "_selected_action": [ApiUser.objects.get(username="second").pk]},
    )
    assert other.get("/calendars", limit=10, cursor=1).status_code == 401
    assert written.get("/calendars", limit=10, cursor=1).status_code == 200
