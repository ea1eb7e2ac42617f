"""The PDI sandbox's HTTP contract (docs/connectors/pdi.md), through Django's test client: sessions,
bearer auth and expiry, paging, every endpoint, validation errors in ASP.NET's envelope, faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from sandbox.models import FaultKind, FaultRule
from sandbox.pdi.models import ApiUser, Contact, ContactEmail, Event, EventActivity, Invitation, Session
from sandbox.pdi.setup import create_api_user, create_calendar, create_contact, create_location, expire_sessions

from ._pdi import API, API_TOKEN, PASSWORD, USERNAME, Pdi, event_body, make_user, model_state

pytestmark = pytest.mark.django_db

DENIED = {"Message": "Authorization has been denied for this request."}


@pytest.fixture(autouse=True)
def _no_configured_faults(settings):
    settings.SANDBOX_FAULTS = []


@pytest.fixture
def pdi(db) -> Pdi:
    """A client logged in as a fresh API user."""
    make_user()
    client = Pdi()
    assert client.login().status_code == 200
    return client


@pytest.fixture
def calendar(db):
    return create_calendar("Canvassing")


def make_event(pdi: Pdi, calendar, **overrides) -> dict:
    return pdi.ok(pdi.post(f"/calendars/{calendar.pk}/events", event_body(**overrides)))


# --- sessions and auth -----------------------------------------------------------------------------


def test_login_answers_an_access_token_and_a_utc_expiration_an_hour_ahead(db):
    make_user()
    before = datetime.now(UTC)
    response = Pdi().login()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"AccessToken", "ExpirationDate"}
    assert len(body["AccessToken"]) >= 32
    expires = datetime.strptime(body["ExpirationDate"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert body["ExpirationDate"][-5] == "." and body["ExpirationDate"].endswith("Z")  # .fffZ
    assert timedelta(seconds=3599) <= expires - before <= timedelta(seconds=3601)


def test_the_session_length_comes_from_the_setting_or_the_users_own(settings, db):
    settings.SANDBOX_PDI_SESSION_SECONDS = 120
    assert create_api_user("short", "pw", "tok").session_seconds == 120
    assert create_api_user("longer", "pw", "tok", session_seconds=7200).session_seconds == 7200
    client = Pdi()
    body = client.ok(client.login("short", "pw", "tok"))
    expires = datetime.strptime(body["ExpirationDate"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert timedelta(seconds=110) < expires - datetime.now(UTC) <= timedelta(seconds=120)


def test_the_access_token_is_not_stored(pdi):
    session = Session.objects.get()
    assert pdi.token not in session.token_digest
    user = ApiUser.objects.get()
    assert PASSWORD not in user.password_digest and API_TOKEN not in user.api_token_digest


@pytest.mark.parametrize(
    ("username", "password", "api_token"),
    [(USERNAME, "wrong", API_TOKEN), (USERNAME, PASSWORD, "wrong"), ("nobody", PASSWORD, API_TOKEN)],
    ids=["wrong-password", "wrong-token", "unknown-user"],
)
def test_wrong_credentials_get_401(db, username, password, api_token):
    make_user()
    response = Pdi().login(username, password, api_token)
    assert response.status_code == 401
    assert "Message" in response.json()
    assert not Session.objects.exists()


def test_an_inactive_user_cannot_log_in_and_its_live_sessions_stop_working(pdi):
    ApiUser.objects.update(is_active=False)
    assert pdi.get("/calendars", limit=10, cursor=1).status_code == 401
    assert Pdi().login().status_code == 401


def test_a_login_without_every_credential_is_a_400_naming_the_missing_ones(db):
    response = Pdi().send("post", "/sessions", {"Username": USERNAME}, auth=False)
    assert model_state(response) == {
        "Password": ["The Password field is required."],
        "ApiToken": ["The ApiToken field is required."],
    }


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Basic c3luYy1ib3Q6cHc="],
    ids=["none", "empty", "unknown", "basic"],
)
def test_requests_without_a_valid_bearer_token_get_401(pdi, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = pdi.client.get(f"{API}/calendars", **extra)
    assert response.status_code == 401
    assert response.json() == DENIED


def test_an_expired_session_gets_401_and_logging_in_again_works(pdi, calendar):
    assert pdi.get("/calendars", limit=10, cursor=1).status_code == 200
    old_token = pdi.token
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=3601), tick=False):
        response = pdi.get("/calendars", limit=10, cursor=1)
        assert response.status_code == 401 and response.json() == DENIED
        assert pdi.login().status_code == 200
        assert pdi.token != old_token
        assert pdi.ok(pdi.get("/calendars", limit=10, cursor=1))["totalCount"] == 1


def test_expire_sessions_ends_every_live_token_now(pdi, calendar):
    other = Pdi()
    create_api_user("second", "pw", "tok")
    other.login("second", "pw", "tok")
    assert expire_sessions() == 2
    assert pdi.get("/calendars", limit=10, cursor=1).status_code == 401
    assert other.get("/calendars", limit=10, cursor=1).status_code == 401
    assert expire_sessions() == 0  # nothing live is left
    assert pdi.login().status_code == 200
    assert pdi.get("/calendars", limit=10, cursor=1).status_code == 200


def test_expire_sessions_can_end_only_some_users_sessions(pdi):
    other = Pdi()
    second = create_api_user("second", "pw", "tok")
    other.login("second", "pw", "tok")
    assert expire_sessions([second]) == 1
    assert other.get("/calendars", limit=10, cursor=1).status_code == 401
    assert pdi.get("/calendars", limit=10, cursor=1).status_code == 200


# --- paths, methods, bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/nothing", "/contacts/abc", "/v1/contacts", "/events/1/shifts"])
def test_an_unknown_path_is_a_json_404_in_pdis_envelope(pdi, path):
    response = pdi.get(path)
    assert response.status_code == 404
    assert response.json()["Message"].startswith("No HTTP resource was found that matches the request URI")


def test_an_unsupported_method_is_a_405_naming_the_method(pdi):
    response = pdi.send("delete", "/contacts/1")
    assert response.status_code == 405
    assert response.json() == {"Message": "The requested resource does not support http method 'DELETE'."}
    assert response["Allow"] == "GET, PUT"


def test_a_trailing_slash_is_tolerated(pdi, calendar):
    assert pdi.ok(pdi.send("get", "/calendars/", params={"limit": 5, "cursor": 1}))["totalCount"] == 1


@pytest.mark.parametrize(
    ("data", "content_type", "why"),
    [
        ("{not json", "application/json", "not valid JSON"),
        ("[1, 2]", "application/json", "must be a JSON object"),
        ("firstName=Ada", "application/x-www-form-urlencoded", "send application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(pdi, data, content_type, why):
    response = pdi.client.post(
        f"{API}/contacts", data=data, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {pdi.token}"
    )
    assert why in model_state(response)["body"][0]


# --- lists -----------------------------------------------------------------------------------------


def test_lists_page_by_a_one_based_cursor_with_a_total_count(pdi):
    ids = [create_contact(f"P{n}", "Person").pk for n in range(5)]
    seen = []
    for cursor in (1, 2, 3):
        body = pdi.ok(pdi.get("/contacts", limit=2, cursor=cursor, searchByEmail="false"))
        assert body["totalCount"] == 5
        seen.extend(contact["id"] for contact in body["data"])
    assert seen == ids  # stable, by id, no gaps or repeats
    beyond = pdi.ok(pdi.get("/contacts", limit=2, cursor=4, searchByEmail="false"))
    assert beyond == {"data": [], "totalCount": 5}


def test_a_list_without_limit_and_cursor_answers_the_first_100(pdi):
    Contact.objects.bulk_create(Contact(first_name=f"P{n}") for n in range(105))
    body = pdi.ok(pdi.get("/contacts"))
    assert len(body["data"]) == 100 and body["totalCount"] == 105


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 2001, "cursor": 1}, "limit"),
        ({"limit": 0, "cursor": 1}, "limit"),
        ({"limit": "ten", "cursor": 1}, "limit"),
        ({"limit": 10, "cursor": 0}, "cursor"),
        ({"limit": 10, "cursor": "x"}, "cursor"),
    ],
)
def test_a_limit_above_2000_or_a_cursor_below_1_is_a_400(pdi, params, field):
    assert field in model_state(pdi.get("/calendars", **params))


def test_a_limit_of_2000_is_allowed(pdi, calendar):
    assert pdi.ok(pdi.get("/calendars", limit=2000, cursor=1))["totalCount"] == 1


def test_an_unknown_list_parameter_is_a_400(pdi):
    assert model_state(pdi.get("/contacts", limit=10, cursor=1, zipCode="19103")) == {
        "zipCode": ["'zipCode' is not a parameter of this list."]
    }


def test_calendars_are_listed_with_pdis_fields(pdi):
    canvassing = create_calendar("Canvassing", "America/Chicago", "Doors")
    body = pdi.ok(pdi.get("/calendars", limit=10, cursor=1))
    assert body == {
        "data": [{"id": canvassing.pk, "name": "Canvassing", "description": "Doors", "timeZone": "America/Chicago"}],
        "totalCount": 1,
    }


# --- locations -------------------------------------------------------------------------------------


def test_locations_are_created_read_updated_and_listed(pdi):
    created = pdi.ok(pdi.post("/locations", {"locationName": "HQ", "locationAddress": "1 Main St, Philadelphia, PA"}))
    assert created == {"id": created["id"], "locationName": "HQ", "locationAddress": "1 Main St, Philadelphia, PA"}
    assert pdi.ok(pdi.get(f"/locations/{created['id']}")) == created
    changed = pdi.ok(pdi.put(f"/locations/{created['id']}", {"locationName": "HQ", "locationAddress": "2 Main St"}))
    assert changed["locationAddress"] == "2 Main St"
    assert pdi.ok(pdi.get("/locations", limit=10, cursor=1)) == {"data": [changed], "totalCount": 1}


def test_a_location_needs_a_name(pdi):
    assert model_state(pdi.post("/locations", {"locationAddress": "1 Main St"})) == {
        "locationName": ["The locationName field is required."]
    }


# --- contacts --------------------------------------------------------------------------------------


def test_a_contact_is_created_without_email_or_phone_and_answered_with_empty_lists(pdi):
    body = pdi.ok(pdi.post("/contacts", {"firstName": "Ada", "lastName": "Lovelace", "volunteerStatus": "Prospect"}))
    assert body["firstName"] == "Ada" and body["lastName"] == "Lovelace" and body["volunteerStatus"] == "Prospect"
    assert body["emails"] == [] and body["phones"] == []
    assert body["middleName"] == "" and body["dateOfBirth"] is None
    assert Contact.objects.get(pk=body["id"]).first_name == "Ada"


@pytest.mark.parametrize(
    ("field", "hint"),
    [("email", "POST /contacts/{id}/emails"), ("phone", "POST /contacts/{id}/phones"), ("FirstName", "not a field")],
)
def test_a_contact_has_no_email_or_phone_field_and_names_are_camel_case(pdi, field, hint):
    errors = model_state(pdi.post("/contacts", {"firstName": "Ada", "lastName": "L", field: "x"}))
    assert hint in errors[field][0]
    assert not Contact.objects.exists()


def test_a_contact_needs_a_first_or_last_name(pdi):
    assert "firstName" in model_state(pdi.post("/contacts", {"nickname": "Nobody"}))
    assert pdi.ok(pdi.post("/contacts", {"lastName": "Only"}))["lastName"] == "Only"


def test_every_invalid_contact_field_is_named_in_one_400(pdi):
    errors = model_state(
        pdi.post(
            "/contacts",
            {"firstName": "Ada", "gender": "X", "donorStatus": "Gold", "dateOfBirth": "1815/12/10", "nickname": 5},
        )
    )
    assert set(errors) == {"gender", "donorStatus", "dateOfBirth", "nickname"}
    assert "yyyy-MM-dd" in errors["dateOfBirth"][0]


def test_emails_and_phones_are_added_to_a_contact_and_come_with_it(pdi):
    contact = pdi.ok(pdi.post("/contacts", {"firstName": "Ada", "lastName": "Lovelace"}))
    email = pdi.ok(
        pdi.post(f"/contacts/{contact['id']}/emails", {"emailAddress": "ada@example.com", "isPrimary": True})
    )
    assert email == {"id": email["id"], "emailAddress": "ada@example.com", "isPrimary": True}
    phone = pdi.ok(
        pdi.post(
            f"/contacts/{contact['id']}/phones",
            {"phoneNumber": "(215) 555-0199", "phoneType": "Mobile", "isPrimary": True},
        )
    )
    assert phone == {
        "id": phone["id"],
        "phoneNumber": "(215) 555-0199",
        "phoneType": "Mobile",
        "extension": "",
        "isPrimary": True,
    }
    fetched = pdi.ok(pdi.get(f"/contacts/{contact['id']}"))
    assert fetched["emails"] == [email]
    assert fetched["phones"] == [phone]


def test_a_new_primary_email_demotes_the_old_one_and_a_repeated_address_is_a_second_row(pdi):
    contact = create_contact("Ada", "Lovelace", "ada@example.com")
    pdi.ok(pdi.post(f"/contacts/{contact.pk}/emails", {"emailAddress": "ada@work.example.com", "isPrimary": True}))
    pdi.ok(pdi.post(f"/contacts/{contact.pk}/emails", {"emailAddress": "ada@example.com", "isPrimary": False}))
    rows = list(ContactEmail.objects.filter(contact=contact).values_list("email_address", "is_primary"))
    assert rows == [("ada@example.com", False), ("ada@work.example.com", True), ("ada@example.com", False)]


@pytest.mark.parametrize("address", ["not-an-email", "ada@", "ada@example..com", ""])
def test_an_email_address_pdi_would_not_accept_is_a_400(pdi, address):
    contact = create_contact("Ada", "Lovelace")
    errors = model_state(pdi.post(f"/contacts/{contact.pk}/emails", {"emailAddress": address, "isPrimary": True}))
    assert list(errors) == ["emailAddress"]
    assert not ContactEmail.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phoneNumber": "2155550101", "phoneType": "Cell", "isPrimary": True}, "phoneType"),
        ({"phoneNumber": "2155550101", "phoneType": "mobile", "isPrimary": True}, "phoneType"),
        ({"phoneNumber": "call me", "phoneType": "Home", "isPrimary": True}, "phoneNumber"),
        ({"phoneNumber": "2155550101", "isPrimary": True}, "phoneType"),
        ({"phoneNumber": "2155550101", "phoneType": "Home", "isPrimary": "yes"}, "isPrimary"),
    ],
)
def test_an_invalid_phone_is_a_400(pdi, body, field):
    contact = create_contact("Ada", "Lovelace")
    assert field in model_state(pdi.post(f"/contacts/{contact.pk}/phones", body))


def test_emails_and_phones_of_a_missing_contact_are_404(pdi):
    response = pdi.post("/contacts/999/emails", {"emailAddress": "a@example.com", "isPrimary": True})
    assert response.status_code == 404
    assert response.json() == {"Message": "No contact with id 999."}


def test_search_by_email_is_exact_and_case_insensitive_and_answers_emails_and_phones(pdi):
    ben = create_contact("Ben", "Smith", "ben.smith502@example.com", "2155550101")
    create_contact("Benjamin", "Smithers", "ben.smith502@example.com.au")
    body = pdi.ok(pdi.get("/contacts", email="BEN.Smith502@Example.COM", searchByEmail="true", limit=10, cursor=1))
    assert body["totalCount"] == 1
    (found,) = body["data"]
    assert found["id"] == ben.pk
    assert found["emails"][0]["emailAddress"] == "ben.smith502@example.com"
    assert found["phones"][0]["phoneNumber"] == "2155550101"
    partial = pdi.get("/contacts", email="ben.smith502", searchByEmail="true", limit=10, cursor=1)
    assert pdi.ok(partial) == {"data": [], "totalCount": 0}


def test_search_by_email_finds_every_contact_with_that_email_once(pdi):
    first = create_contact("Ben", "Smith", "ben@example.com")
    second = create_contact("B.", "Smith", "BEN@example.com")
    ContactEmail.objects.create(contact=first, email_address="ben@example.com")  # the same address twice
    body = pdi.ok(pdi.get("/contacts", email="ben@example.com", searchByEmail="true", limit=10, cursor=1))
    assert [c["id"] for c in body["data"]] == [first.pk, second.pk] and body["totalCount"] == 2


def test_an_email_search_needs_search_by_email_true_and_an_email(pdi):
    assert "email" in model_state(pdi.get("/contacts", email="a@example.com", limit=10, cursor=1))
    assert "email" in model_state(pdi.get("/contacts", email="a@example.com", searchByEmail="false"))
    assert "email" in model_state(pdi.get("/contacts", searchByEmail="true", limit=10, cursor=1))
    assert "searchByEmail" in model_state(pdi.get("/contacts", searchByEmail="yes", email="a@example.com"))


def test_search_by_first_and_last_name(pdi):
    ada = create_contact("Ada", "Lovelace")
    create_contact("Ada", "Byron")
    create_contact("Augusta", "Lovelace")
    body = pdi.ok(pdi.get("/contacts", firstName="ada", lastName="LOVELACE", searchByEmail="false", limit=10, cursor=1))
    assert [c["id"] for c in body["data"]] == [ada.pk]
    assert pdi.ok(pdi.get("/contacts", lastName="Lovelace", searchByEmail="false"))["totalCount"] == 2


def test_search_by_phone_compares_digits(pdi):
    ben = create_contact("Ben", "Smith", phone="(215) 555-0101")
    create_contact("Other", "Person", phone="2155550102")
    body = pdi.ok(pdi.get("/contacts", phone="+1 215 555 0101", searchByEmail="false", limit=10, cursor=1))
    assert [c["id"] for c in body["data"]] == [ben.pk]


def test_put_replaces_a_contacts_fields_and_keeps_its_emails_and_phones(pdi):
    contact = create_contact("Ada", "Lovelace", "ada@example.com", "2155550101")
    Contact.objects.filter(pk=contact.pk).update(nickname="Countess", occupation="Mathematician")
    current = pdi.ok(pdi.get(f"/contacts/{contact.pk}"))
    current.update(firstName="Augusta", nickname="")
    del current["occupation"]  # a field left out of a PUT is cleared
    body = pdi.ok(pdi.put(f"/contacts/{contact.pk}", current))  # id, emails, phones echoed back are ignored
    assert body["firstName"] == "Augusta" and body["nickname"] == "" and body["occupation"] == ""
    assert [e["emailAddress"] for e in body["emails"]] == ["ada@example.com"]
    assert [p["phoneNumber"] for p in body["phones"]] == ["2155550101"]


def test_a_missing_contact_is_a_404_in_pdis_words(pdi):
    for response in (pdi.get("/contacts/4242"), pdi.put("/contacts/4242", {"firstName": "X"})):
        assert response.status_code == 404
        assert response.json() == {"Message": "No contact with id 4242."}


# --- events ----------------------------------------------------------------------------------------


def test_an_event_is_created_on_a_calendar_and_answered_in_pdis_shape(pdi, calendar):
    location = create_location("HQ", "1 Main St, Philadelphia, PA 19103")
    body = make_event(pdi, calendar, locationId=location.pk, startDateTimeUtc="2030-05-04T14:00:00Z")
    assert body == {
        "id": body["id"],
        "calendarId": calendar.pk,
        "locationId": location.pk,
        "name": "Weekend canvass",
        "description": "Knock doors with us.",
        "startDateTimeUtc": "2030-05-04T14:00:00.000Z",  # accepted without .fff, echoed with it
        "endDateTimeUtc": "2030-05-04T17:00:00.000Z",
        "isAllDay": "false",
        "recurrenceType": None,
        "recurrenceEndDateTimeUtc": None,
        "phone": "2155550100",
        "contactEmail": "organizer@example.org",
        "website": "https://www.mobilize.us/demo/event/1/",
    }
    assert pdi.ok(pdi.get(f"/events/{body['id']}")) == body
    assert Event.objects.get(pk=body["id"]).is_all_day == "false"


def test_fractions_of_a_second_are_kept_to_the_millisecond(pdi, calendar):
    body = make_event(pdi, calendar, startDateTimeUtc="2030-05-04T14:00:00.1234567Z")
    assert body["startDateTimeUtc"] == "2030-05-04T14:00:00.123Z"


@pytest.mark.parametrize("value", [True, False, "True", "yes", 1, None])
def test_is_all_day_must_be_the_string_true_or_false(pdi, calendar, value):
    errors = model_state(pdi.post(f"/calendars/{calendar.pk}/events", event_body(isAllDay=value)))
    assert errors == {"isAllDay": ['isAllDay must be the string "true" or "false".']}


def test_is_all_day_true_is_kept_as_the_string(pdi, calendar):
    assert make_event(pdi, calendar, isAllDay="true")["isAllDay"] == "true"


@pytest.mark.parametrize(
    "value",
    ["2030-05-04T14:00:00", "2030-05-04T14:00:00+00:00", "2030-05-04 14:00:00Z", "2030-13-04T14:00:00Z", 1900000000],
    ids=["no-zone", "offset", "space", "month-13", "number"],
)
def test_a_datetime_that_is_not_utc_in_pdis_form_is_a_400(pdi, calendar, value):
    errors = model_state(pdi.post(f"/calendars/{calendar.pk}/events", event_body(startDateTimeUtc=value)))
    assert list(errors) == ["startDateTimeUtc"]
    assert "yyyy-MM-ddTHH:mm:ss.fffZ" in errors["startDateTimeUtc"][0]


def test_an_event_needs_a_name_start_and_end(pdi, calendar):
    body = event_body()
    for key in ("name", "startDateTimeUtc", "endDateTimeUtc"):
        del body[key]
    errors = model_state(pdi.post(f"/calendars/{calendar.pk}/events", body))
    assert errors == {
        "name": ["The name field is required."],
        "startDateTimeUtc": ["The startDateTimeUtc field is required."],
        "endDateTimeUtc": ["The endDateTimeUtc field is required."],
    }
    assert "name" in model_state(pdi.post(f"/calendars/{calendar.pk}/events", event_body(name="")))
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"locationId": 999}, "locationId"),
        ({"contactEmail": "not an email"}, "contactEmail"),
        ({"recurrenceType": "yearly"}, "recurrenceType"),
        ({"endDateTimeUtc": "2030-05-04T13:00:00.000Z"}, "endDateTimeUtc"),
        ({"calendarId": 1}, "calendarId"),
    ],
    ids=["unknown-location", "bad-contact-email", "bad-recurrence", "end-before-start", "calendar-in-post-body"],
)
def test_invalid_event_fields_are_400s(pdi, calendar, overrides, field):
    assert field in model_state(pdi.post(f"/calendars/{calendar.pk}/events", event_body(**overrides)))


def test_an_unknown_location_is_named_in_the_model_state(pdi, calendar):
    errors = model_state(pdi.post(f"/calendars/{calendar.pk}/events", event_body(locationId=999)))
    assert errors == {"locationId": ["No location with id 999."]}


def test_a_recurring_event_keeps_its_recurrence(pdi, calendar):
    body = make_event(pdi, calendar, recurrenceType="weekly", recurrenceEndDateTimeUtc="2030-06-29T17:00:00.000Z")
    assert body["recurrenceType"] == "weekly" and body["recurrenceEndDateTimeUtc"] == "2030-06-29T17:00:00.000Z"


def test_an_event_on_a_missing_calendar_is_a_404(pdi):
    response = pdi.post("/calendars/77/events", event_body())
    assert response.status_code == 404 and response.json() == {"Message": "No calendar with id 77."}


def test_put_moves_an_event_to_another_calendar_and_replaces_its_fields(pdi, calendar):
    other = create_calendar("Phone and text banking")
    created = make_event(pdi, calendar)
    changed = pdi.ok(
        pdi.put(f"/events/{created['id']}", event_body(calendarId=other.pk, name="Renamed", description=None))
    )
    assert changed["calendarId"] == other.pk and changed["name"] == "Renamed" and changed["description"] == ""
    kept = pdi.ok(pdi.put(f"/events/{created['id']}", event_body(name="Again")))
    assert kept["calendarId"] == other.pk  # calendarId left out: the event stays where it is
    assert pdi.ok(pdi.get(f"/events/{created['id']}")) == kept


def test_put_of_an_event_refuses_an_unknown_calendar_and_a_missing_name(pdi, calendar):
    created = make_event(pdi, calendar)
    assert model_state(pdi.put(f"/events/{created['id']}", event_body(calendarId=999))) == {
        "calendarId": ["No calendar with id 999."]
    }
    body = event_body()
    del body["name"]
    assert "name" in model_state(pdi.put(f"/events/{created['id']}", body))
    assert pdi.put("/events/999", event_body()).status_code == 404


def test_events_are_listed_by_the_day_they_start_inclusive(pdi, calendar):
    days = ["2030-05-01T23:59:59.000Z", "2030-05-02T00:00:00.000Z", "2030-05-03T23:59:59.999Z", "2030-05-04T00:00:00Z"]
    ids = [
        make_event(pdi, calendar, startDateTimeUtc=day, endDateTimeUtc="2030-05-05T00:00:00.000Z")["id"] for day in days
    ]
    body = pdi.ok(pdi.get("/events", startDate="2030-05-02", endDate="2030-05-03", limit=100, cursor=1))
    assert [e["id"] for e in body["data"]] == ids[1:3] and body["totalCount"] == 2
    assert pdi.ok(pdi.get("/events", startDate="2030-05-03", limit=100, cursor=1))["totalCount"] == 2
    assert pdi.ok(pdi.get("/events", limit=100, cursor=1))["totalCount"] == 4


def test_a_bad_event_date_filter_is_a_400(pdi):
    assert model_state(pdi.get("/events", startDate="05/02/2030", endDate="2030-5-3")).keys() == {
        "startDate",
        "endDate",
    }


# --- invitations -----------------------------------------------------------------------------------


@pytest.fixture
def event(pdi, calendar):
    return Event.objects.get(pk=make_event(pdi, calendar)["id"])


def test_an_invitation_is_created_with_pdis_spelling(pdi, event):
    contact = create_contact("Ben", "Smith", "ben@example.com")
    body = pdi.ok(
        pdi.post(
            f"/events/{event.pk}/invitations",
            {
                "contactId": contact.pk,
                "rsvpStatus": "Yes",
                "isConfirmed": True,
                "attended": False,
                "specificOcurrenceStartUtc": "2030-05-04T14:00:00.000Z",
            },
        )
    )
    assert body == {
        "id": body["id"],
        "eventId": event.pk,
        "contactId": contact.pk,
        "rsvpStatus": "Yes",
        "isConfirmed": True,
        "attended": False,
        "specificOcurrenceStartUtc": "2030-05-04T14:00:00.000Z",
    }


def test_the_correct_spelling_of_occurrence_is_refused_with_a_hint(pdi, event):
    contact = create_contact("Ben", "Smith")
    errors = model_state(
        pdi.post(
            f"/events/{event.pk}/invitations",
            {"contactId": contact.pk, "rsvpStatus": "Yes", "specificOccurrenceStartUtc": "2030-05-04T14:00:00.000Z"},
        )
    )
    assert errors == {"specificOccurrenceStartUtc": ["PDI spells this field specificOcurrenceStartUtc."]}


def test_a_second_invitation_of_the_same_contact_to_the_same_event_is_a_400(pdi, event):
    contact = create_contact("Ben", "Smith")
    pdi.ok(pdi.post(f"/events/{event.pk}/invitations", {"contactId": contact.pk, "rsvpStatus": "Yes"}))
    errors = model_state(pdi.post(f"/events/{event.pk}/invitations", {"contactId": contact.pk, "rsvpStatus": "No"}))
    assert errors == {"contactId": [f"The contact {contact.pk} is already invited to the event {event.pk}."]}
    assert Invitation.objects.get().rsvp_status == "Yes"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"contactId": 999, "rsvpStatus": "Yes"}, "contactId", "No contact with id 999."),
        ({"rsvpStatus": "Yes"}, "contactId", "The contactId field is required."),
        ({"contactId": "1", "rsvpStatus": "Yes"}, "contactId", "The contact id must be a whole number."),
    ],
)
def test_an_invitation_needs_an_existing_contact(pdi, event, body, field, message):
    assert model_state(pdi.post(f"/events/{event.pk}/invitations", body)) == {field: [message]}


@pytest.mark.parametrize(
    "status", ["Yes", "No", "Maybe", "Scheduled", "Invited", "Cancelled", "No-Show", "Completed", ""]
)
def test_every_rsvp_status_of_the_enum_is_accepted(pdi, event, status):
    contact = create_contact("Ben", "Smith")
    body = pdi.ok(pdi.post(f"/events/{event.pk}/invitations", {"contactId": contact.pk, "rsvpStatus": status}))
    assert body["rsvpStatus"] == status


@pytest.mark.parametrize("status", ["yes", "Attended", "NoShow", "Registered"])
def test_an_rsvp_status_outside_the_enum_is_a_400(pdi, event, status):
    contact = create_contact("Ben", "Smith")
    errors = model_state(pdi.post(f"/events/{event.pk}/invitations", {"contactId": contact.pk, "rsvpStatus": status}))
    assert list(errors) == ["rsvpStatus"]


def test_invitations_are_listed_with_their_contact_when_expanded(pdi, event):
    ben = create_contact("Ben", "Smith", "ben@example.com", "2155550101")
    ana = create_contact("Ana", "Garcia", "ana@example.com")
    for contact in (ben, ana):
        pdi.ok(pdi.post(f"/events/{event.pk}/invitations", {"contactId": contact.pk, "rsvpStatus": "Yes"}))
    plain = pdi.ok(pdi.get(f"/events/{event.pk}/invitations", limit=10, cursor=1))
    assert plain["totalCount"] == 2 and all("contact" not in row for row in plain["data"])
    expanded = pdi.ok(pdi.get(f"/events/{event.pk}/invitations", expand="true", limit=1, cursor=2))
    assert expanded["totalCount"] == 2
    (row,) = expanded["data"]
    assert row["contactId"] == ana.pk
    assert row["contact"]["firstName"] == "Ana"
    assert row["contact"]["emails"][0]["emailAddress"] == "ana@example.com"
    assert pdi.get("/events/999/invitations", limit=10, cursor=1).status_code == 404


def test_put_of_an_invitation_changes_only_the_fields_sent_and_answers_204_with_no_body(pdi, event):
    contact = create_contact("Ben", "Smith")
    created = pdi.ok(
        pdi.post(f"/events/{event.pk}/invitations", {"contactId": contact.pk, "rsvpStatus": "Yes", "isConfirmed": True})
    )
    response = pdi.put(f"/events/{event.pk}/invitations/{created['id']}", {"rsvpStatus": "Cancelled"})
    assert response.status_code == 204
    assert response.content == b""
    invitation = Invitation.objects.get(pk=created["id"])
    assert invitation.rsvp_status == "Cancelled" and invitation.is_confirmed is True
    pdi.put(f"/events/{event.pk}/invitations/{created['id']}", {"attended": True, "id": created["id"]})
    invitation.refresh_from_db()
    assert invitation.attended is True and invitation.rsvp_status == "Cancelled"


def test_put_of_an_invitation_is_validated_and_found_under_its_own_event(pdi, calendar, event):
    contact = create_contact("Ben", "Smith")
    other = create_contact("Ana", "Garcia")
    created = pdi.ok(pdi.post(f"/events/{event.pk}/invitations", {"contactId": contact.pk, "rsvpStatus": "Yes"}))
    pdi.ok(pdi.post(f"/events/{event.pk}/invitations", {"contactId": other.pk, "rsvpStatus": "Yes"}))
    path = f"/events/{event.pk}/invitations/{created['id']}"
    assert list(model_state(pdi.put(path, {"rsvpStatus": "Going"}))) == ["rsvpStatus"]
    assert list(model_state(pdi.put(path, {"attended": "true"}))) == ["attended"]
    assert "already invited" in model_state(pdi.put(path, {"contactId": other.pk}))["contactId"][0]
    second_event = make_event(pdi, calendar, name="Another")
    response = pdi.put(f"/events/{second_event['id']}/invitations/{created['id']}", {"rsvpStatus": "No"})
    assert response.status_code == 404
    assert response.json() == {"Message": f"No invitation with id {created['id']}."}
    assert Invitation.objects.get(pk=created["id"]).rsvp_status == "Yes"


# --- event activities: the PascalCase endpoint -----------------------------------------------------


def activity_body(calendar, event, **overrides) -> dict:
    body = {
        "CalendarId": calendar.pk,
        "EventId": event.pk,
        "ActivityId": 12,
        "LocationId": None,
        "RecurrenceType": None,
        "Name": "Morning shift",
        "Description": "Doors, 9 to 12",
        "StartDateTimeUtc": "2030-05-04T13:00:00.000Z",
        "EndDateTimeUtc": "2030-05-04T16:00:00.000Z",
        "CountGoal": 10,
        "RecurrenceEndDateTimeUtc": None,
    }
    body.update(overrides)
    return body


def test_event_activities_take_a_pascal_case_body(pdi, calendar, event):
    body = pdi.ok(pdi.post("/eventActivities", activity_body(calendar, event)))
    assert body["eventId"] == event.pk and body["calendarId"] == calendar.pk
    assert body["name"] == "Morning shift" and body["countGoal"] == 10 and body["activityId"] == 12
    assert body["startDateTimeUtc"] == "2030-05-04T13:00:00.000Z"
    assert EventActivity.objects.get().name == "Morning shift"


def test_event_activities_refuse_a_camel_case_body(pdi, calendar, event):
    errors = model_state(
        pdi.post(
            "/eventActivities",
            {
                "calendarId": calendar.pk,
                "eventId": event.pk,
                "name": "Morning shift",
                "startDateTimeUtc": "2030-05-04T13:00:00.000Z",
                "endDateTimeUtc": "2030-05-04T16:00:00.000Z",
            },
        )
    )
    assert {"calendarId", "name", "CalendarId", "Name", "StartDateTimeUtc"} <= set(errors)


def test_an_event_activity_must_be_on_its_events_calendar_and_end_after_it_starts(pdi, calendar, event):
    other = create_calendar("Meetings and trainings")
    assert "EventId" in model_state(pdi.post("/eventActivities", activity_body(other, event)))
    backwards = activity_body(calendar, event, EndDateTimeUtc="2030-05-04T12:00:00.000Z")
    assert model_state(pdi.post("/eventActivities", backwards)) == {
        "EndDateTimeUtc": ["The end must not be before the start."]
    }
    assert not EventActivity.objects.exists()


def test_event_activities_are_listed_by_start_date(pdi, calendar, event):
    pdi.ok(pdi.post("/eventActivities", activity_body(calendar, event)))
    pdi.ok(
        pdi.post(
            "/eventActivities",
            activity_body(
                calendar, event, StartDateTimeUtc="2030-06-01T13:00:00Z", EndDateTimeUtc="2030-06-01T14:00:00Z"
            ),
        )
    )
    body = pdi.ok(pdi.get("/eventActivities", startDate="2030-05-01", endDate="2030-05-31", limit=10, cursor=1))
    assert body["totalCount"] == 1 and body["data"][0]["name"] == "Morning shift"


# --- faults ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["429", "500", "503"])
def test_a_fault_in_the_header_answers_that_status_before_auth(db, status):
    response = Pdi().send("get", "/contacts", HTTP_X_SANDBOX_FAULT=status)
    assert response.status_code == int(status)


def test_a_fault_in_the_query_parameter_is_not_taken_for_a_list_filter(pdi):
    assert pdi.get("/contacts", limit=10, cursor=1, sandbox_fault="503").status_code == 503
    assert pdi.get("/contacts", limit=10, cursor=1, sandbox_fault="latency=0").status_code == 200


def test_a_malformed_fault_answers_truncated_json(pdi):
    response = pdi.send("get", "/calendars", HTTP_X_SANDBOX_FAULT="malformed")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_a_fault_rule_for_pdi_fails_the_next_matching_requests_then_lets_them_through(pdi):
    FaultRule.objects.create(
        system="pdi", method="POST", path_pattern=r"/sessions$", kind=FaultKind.SERVER_ERROR, remaining=1
    )
    FaultRule.objects.create(system="actionkit", kind=FaultKind.UNAVAILABLE)
    assert pdi.login().status_code == 500
    assert pdi.login().status_code == 200
    assert pdi.get("/calendars", limit=10, cursor=1).status_code == 200  # the actionkit rule does not apply


def test_an_unknown_path_goes_through_faults_too(db):
    assert Pdi().send("get", "/nowhere", HTTP_X_SANDBOX_FAULT="429").status_code == 429


# --- numbers beyond what the database holds ----------------------------------------------------------


def test_ids_and_cursors_beyond_64_bits_name_nothing_rather_than_failing(pdi, event):
    huge = 2**70
    assert pdi.get(f"/contacts/{huge}").json() == {"Message": f"No contact with id {huge}."}
    assert pdi.ok(pdi.get("/events", limit=2000, cursor=2**62)) == {"data": [], "totalCount": 1}
    errors = model_state(pdi.post(f"/events/{event.pk}/invitations", {"contactId": huge, "rsvpStatus": "Yes"}))
    assert errors == {"contactId": [f"No contact with id {huge}."]}
