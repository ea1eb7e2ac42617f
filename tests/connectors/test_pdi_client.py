"""The PDI client against `responses`: the session, paging, writes, PDI's quirks, errors, retries, secrecy."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
import time_machine

from integrations.connectors.errors import (
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    ServerError,
)
from integrations.connectors.pdi import MAX_LIMIT, PdiClient, parse_expiration

HOST = "https://apiqa.bluevote.com"
USERNAME = "sync-bot"
PASSWORD = "pdi-pass-3c2b1a-do-not-log"
API_TOKEN = "pdi-api-token-7f6e5d-do-not-log"
TOKEN = "access-token-aaaa1111-do-not-log"
NOW = datetime(2026, 12, 2, 10, 15, tzinfo=UTC)
SECRETS = (PASSWORD, API_TOKEN, TOKEN, "access-token-bbbb2222")


@pytest.fixture
def client(recording_limiter) -> PdiClient:
    return PdiClient(HOST, USERNAME, PASSWORD, API_TOKEN, max_attempts=3, limiter=recording_limiter)


@pytest.fixture
def frozen():
    """The clock stands still at NOW (shift it to move on)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def session(token: str = TOKEN, expires: object = None) -> dict:
    """PDI's answer to POST /sessions; by default a session of one hour from now."""
    if expires is None:
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"AccessToken": token, "ExpirationDate": expires}


def listing(data: list[dict], total: int | None = None) -> dict:
    return {"data": data, "totalCount": len(data) if total is None else total}


def query(call) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True))


def body(call) -> dict:
    return json.loads(call.request.body)


def calls_to(path: str) -> list:
    return [call for call in responses.calls if urlsplit(call.request.url).path == path]


# --- construction -------------------------------------------------------------------------------------


def test_reads_rates_from_settings_and_keys_them_per_origin(settings, recording_limiter):
    settings.PDI_READ_RATE = "7/second"
    settings.PDI_WRITE_RATE = "3/second"
    client = PdiClient(HOST, USERNAME, PASSWORD, API_TOKEN, limiter=recording_limiter)
    assert (client.system, client.read_rate, client.write_rate) == ("PDI", "7/second", "3/second")
    with responses.RequestsMock() as mocked:
        mocked.post(f"{HOST}/sessions", json=session())
        mocked.get(f"{HOST}/calendars", json=listing([]))
        client.calendars()
    assert recording_limiter.calls == [
        ("PDI:https://apiqa.bluevote.com:write", "3/second"),  # the login is a POST
        ("PDI:https://apiqa.bluevote.com:read", "7/second"),
    ]


def test_page_size_defaults_to_the_setting_and_never_exceeds_2000(settings):
    settings.PDI_PAGE_SIZE = 250
    assert PdiClient(HOST, USERNAME, PASSWORD, API_TOKEN).page_size == 250
    assert PdiClient(HOST, USERNAME, PASSWORD, API_TOKEN, page_size=5000).page_size == MAX_LIMIT == 2000
    settings.PDI_PAGE_SIZE = 9000
    assert PdiClient(HOST, USERNAME, PASSWORD, API_TOKEN).page_size == 2000
    with pytest.raises(ValueError, match="1 to 2000"):
        PdiClient(HOST, USERNAME, PASSWORD, API_TOKEN, page_size=0)
    with pytest.raises(ValueError, match="address is required"):
        PdiClient(" ", USERNAME, PASSWORD, API_TOKEN)


def test_no_secret_in_repr_or_vars(client):
    client._access_token = type(client._password)(TOKEN)  # as after a login
    assert repr(client) == "<PdiClient https://apiqa.bluevote.com/ user='sync-bot'>"
    for secret in (PASSWORD, API_TOKEN, TOKEN):
        assert secret not in repr(client)
        assert secret not in repr(vars(client))


# --- the session -------------------------------------------------------------------------------------


@responses.activate
def test_logs_in_lazily_with_a_pascal_case_body_then_sends_the_bearer(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/calendars", json=listing([{"id": 1, "name": "Canvassing"}]))
    responses.get(f"{HOST}/events/9", json={"id": 9, "name": "Canvass"})
    assert len(responses.calls) == 0  # constructing the client sends nothing
    client.calendars()
    client.get_event(9)
    login, *rest = responses.calls
    assert body(login) == {"Username": USERNAME, "Password": PASSWORD, "ApiToken": API_TOKEN}
    assert "Authorization" not in login.request.headers
    assert login.request.headers["Content-Type"] == "application/json"
    assert [call.request.headers["Authorization"] for call in rest] == [f"Bearer {TOKEN}", f"Bearer {TOKEN}"]
    assert len(calls_to("/sessions")) == 1  # one session serves both requests


@responses.activate
def test_the_session_is_renewed_when_less_than_60_seconds_remain(client, frozen):
    responses.post(f"{HOST}/sessions", json=session("access-token-1111"))
    responses.post(f"{HOST}/sessions", json=session("access-token-2222"))
    responses.get(f"{HOST}/events/9", json={"id": 9})
    client.get_event(9)
    assert client.session_expires_at == NOW + timedelta(hours=1)
    frozen.shift(timedelta(minutes=58, seconds=59))  # 61 s left: still good
    client.get_event(9)
    assert len(calls_to("/sessions")) == 1
    frozen.shift(timedelta(seconds=2))  # 59 s left: renew before sending
    client.get_event(9)
    assert len(calls_to("/sessions")) == 2
    bearers = [call.request.headers["Authorization"] for call in calls_to("/events/9")]
    assert bearers == ["Bearer access-token-1111", "Bearer access-token-1111", "Bearer access-token-2222"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-02T11:15:00.000Z", datetime(2026, 12, 2, 11, 15, tzinfo=UTC)),
        ("2026-12-02T11:15:00", datetime(2026, 12, 2, 11, 15, tzinfo=UTC)),  # naive is UTC
        ("2026-12-02T11:15:00.1234567", datetime(2026, 12, 2, 11, 15, 0, 123456, tzinfo=UTC)),
        ("2026-12-02T06:15:00-05:00", datetime(2026, 12, 2, 11, 15, tzinfo=UTC)),
        ("/Date(1796210100000)/", datetime(2026, 12, 2, 11, 15, tzinfo=UTC)),
        ("next Tuesday", None),
        ("", None),
        (None, None),
        (1796210100, None),
    ],
)
def test_parse_expiration(value, expected):
    assert parse_expiration(value) == expected


@responses.activate
def test_a_naive_expiration_date_is_utc_whatever_the_local_zone(client, frozen, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        responses.post(f"{HOST}/sessions", json=session(expires="2026-12-02T10:45:00"))
        client.login()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert client.session_expires_at == datetime(2026, 12, 2, 10, 45, tzinfo=UTC)


@responses.activate
@pytest.mark.parametrize("expires", ["soon", None, "2026-12-02T09:00:00Z"])
def test_an_unreadable_or_past_expiration_counts_as_five_minutes_with_a_warning(client, frozen, caplog, expires):
    responses.post(f"{HOST}/sessions", json={"AccessToken": TOKEN, "ExpirationDate": expires})
    responses.get(f"{HOST}/events/9", json={"id": 9})
    with caplog.at_level(logging.WARNING, logger="integrations.connectors.pdi"):
        client.login()
    assert client.session_expires_at == NOW + timedelta(minutes=5)
    assert any("assuming the session lasts 5 minutes" in record.getMessage() for record in caplog.records)
    frozen.shift(timedelta(minutes=3, seconds=59))
    client.get_event(9)
    assert len(calls_to("/sessions")) == 1
    frozen.shift(timedelta(seconds=2))
    client.get_event(9)
    assert len(calls_to("/sessions")) == 2


@responses.activate
def test_a_401_logs_in_again_and_repeats_the_request_once(client):
    denied = {"Message": "Authorization has been denied for this request."}
    responses.post(f"{HOST}/sessions", json=session("access-token-1111"))
    responses.post(f"{HOST}/sessions", json=session("access-token-2222"))
    responses.get(f"{HOST}/contacts/5", status=401, json=denied)
    responses.get(f"{HOST}/contacts/5", json={"id": 5, "firstName": "Ada"})
    assert client.get_contact(5) == {"id": 5, "firstName": "Ada"}
    assert [urlsplit(call.request.url).path for call in responses.calls] == [
        "/sessions",
        "/contacts/5",
        "/sessions",
        "/contacts/5",
    ]
    bearers = [call.request.headers["Authorization"] for call in calls_to("/contacts/5")]
    assert bearers == ["Bearer access-token-1111", "Bearer access-token-2222"]


@responses.activate
def test_a_create_refused_with_401_is_repeated_once_after_a_fresh_login(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(f"{HOST}/contacts", status=401, json={"Message": "Authorization has been denied for this request."})
    responses.post(f"{HOST}/contacts", json={"id": 41, "firstName": "Ada", "lastName": "Lovelace"})
    assert client.create_contact({"firstName": "Ada", "lastName": "Lovelace"})["id"] == 41
    assert len(calls_to("/contacts")) == 2
    assert len(calls_to("/sessions")) == 2


@responses.activate
def test_a_second_401_is_an_authentication_error(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/calendars", status=401, json={"Message": "Authorization has been denied for this request."})
    with pytest.raises(AuthenticationError) as caught:
        client.calendars()
    message = str(caught.value)
    assert message.startswith("PDI refused GET /calendars twice, the second time right after a fresh login")
    assert "Authorization has been denied for this request." in message
    assert "'sync-bot'" in message
    assert caught.value.status == 401
    assert len(calls_to("/calendars")) == 2  # once, then once more: no third try
    assert len(calls_to("/sessions")) == 2


@responses.activate
def test_wrong_credentials_are_an_authentication_error_and_not_retried(client):
    responses.post(f"{HOST}/sessions", status=401, json={"Message": "Invalid username, password or API token."})
    with pytest.raises(AuthenticationError) as caught:
        client.calendars()
    message = str(caught.value)
    assert message.startswith(
        "PDI refused the API token, username or password (Invalid username, password or API token.)."
    )
    assert "'sync-bot' at https://apiqa.bluevote.com" in message
    assert len(responses.calls) == 1
    assert calls_to("/calendars") == []


def test_missing_credentials_are_refused_before_any_request(recording_limiter):
    client = PdiClient(HOST, USERNAME, "", " ", limiter=recording_limiter)
    with pytest.raises(AuthenticationError, match="the API token and password are missing"):
        client.login()
    assert recording_limiter.calls == []


@responses.activate
def test_a_login_that_failed_with_a_500_is_retried(client, backoff_sleeps):
    responses.post(f"{HOST}/sessions", status=503, body="")
    responses.post(f"{HOST}/sessions", json=session())
    client.login()
    assert len(calls_to("/sessions")) == 2
    assert len(backoff_sleeps) == 1


@responses.activate
def test_a_session_answer_without_a_token_is_malformed(client):
    responses.post(f"{HOST}/sessions", json={"ExpirationDate": "2026-12-02T11:15:00Z"})
    with pytest.raises(MalformedResponseError, match="without an AccessToken"):
        client.login()


# --- lists ---------------------------------------------------------------------------------------------


@responses.activate
def test_limit_and_cursor_are_always_sent_from_page_1(client):
    client.page_size = 50
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/locations", json=listing([{"id": 1, "locationName": "Hall"}]))
    assert [location["id"] for location in client.locations()] == [1]
    (call,) = calls_to("/locations")
    assert query(call) == {"limit": "50", "cursor": "1"}


@responses.activate
def test_pages_by_total_count_over_three_pages_lazily(client):
    client.page_size = 2
    responses.post(f"{HOST}/sessions", json=session())
    for records in ([{"id": 1}, {"id": 2}], [{"id": 3}, {"id": 4}], [{"id": 5}]):
        responses.get(f"{HOST}/events", json=listing(records, total=5))
    events = client.events(date(2026, 12, 1), date(2026, 12, 31))
    assert calls_to("/events") == []  # nothing is fetched before the first record is asked for
    assert [next(events)["id"], next(events)["id"]] == [1, 2]
    assert len(calls_to("/events")) == 1  # page 2 waits until page 1 is consumed
    assert next(events)["id"] == 3
    assert len(calls_to("/events")) == 2
    assert [event["id"] for event in events] == [4, 5]
    assert [query(call) for call in calls_to("/events")] == [
        {"startDate": "2026-12-01", "endDate": "2026-12-31", "limit": "2", "cursor": str(cursor)}
        for cursor in (1, 2, 3)
    ]


@responses.activate
def test_paging_stops_when_the_total_is_reached_or_a_page_is_short(client):
    client.page_size = 2
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/locations", json=listing([{"id": 1}, {"id": 2}], total=4))
    responses.get(f"{HOST}/locations", json=listing([{"id": 3}, {"id": 4}], total=4))
    assert [location["id"] for location in client.locations()] == [1, 2, 3, 4]
    assert len(calls_to("/locations")) == 2  # 2 * 2 == totalCount: no third request
    responses.get(f"{HOST}/calendars", json=listing([{"id": 7}], total=40))
    assert [calendar["id"] for calendar in client.calendars()] == [7]
    assert len(calls_to("/calendars")) == 1  # a short page is the last, whatever totalCount says


@responses.activate
def test_a_server_ignoring_the_cursor_does_not_loop(client):
    client.page_size = 1
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/locations", json=listing([{"id": 1}], total=3))
    with pytest.raises(MalformedResponseError, match="page 2 with the records of page 1; stopping instead of looping"):
        list(client.locations())


@responses.activate
@pytest.mark.parametrize(
    ("answer", "complaint"),
    [
        ({"totalCount": 3}, "`data` as null where a list was expected"),
        ({"data": {"id": 1}, "totalCount": 1}, "`data` as an object where a list was expected"),
        ({"data": [], "totalCount": "3"}, "`totalCount` as a string where a number was expected"),
        ({"data": []}, "`totalCount` as null where a number was expected"),
        ([{"id": 1}], "a list instead of its {data, totalCount} envelope"),
    ],
)
def test_a_malformed_list_envelope_is_retried_then_reported(client, backoff_sleeps, answer, complaint):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/calendars", json=answer)
    with pytest.raises(MalformedResponseError) as caught:
        client.calendars()
    assert str(caught.value) == f"PDI answered GET /calendars with {complaint}."
    assert len(calls_to("/calendars")) == 3


def test_paginate_refuses_to_be_given_limit_or_cursor(client):
    with pytest.raises(ValueError, match="sends limit and cursor itself"):
        next(client.paginate("calendars", {"limit": 10}))


@responses.activate
def test_paths_stay_under_the_base_path(recording_limiter):
    base = "http://127.0.0.1:8000/sandbox/pdi"
    client = PdiClient(base, USERNAME, PASSWORD, API_TOKEN, limiter=recording_limiter)
    responses.post(f"{base}/sessions", json=session())
    responses.get(f"{base}/calendars", json=listing([]))
    assert list(client.paginate("/calendars")) == []
    assert [urlsplit(call.request.url).path for call in responses.calls] == [
        "/sandbox/pdi/sessions",
        "/sandbox/pdi/calendars",
    ]


# --- contacts -----------------------------------------------------------------------------------------


@responses.activate
def test_find_contacts_by_email_searches_by_email_and_keeps_exact_matches(client):
    responses.post(f"{HOST}/sessions", json=session())
    ada = {"id": 1, "emails": [{"id": 11, "emailAddress": "Ada@Example.com", "isPrimary": True}]}
    other = {"id": 2, "emails": [{"id": 12, "emailAddress": "ada.l@example.com", "isPrimary": True}]}
    bare = {"id": 3}  # no emails list: PDI's match is trusted
    responses.get(f"{HOST}/contacts", json=listing([ada, other, bare]))
    assert [contact["id"] for contact in client.find_contacts_by_email(" ada@example.com ")] == [1, 3]
    assert query(calls_to("/contacts")[0]) == {
        "email": "ada@example.com",
        "searchByEmail": "true",
        "limit": "500",
        "cursor": "1",
    }
    assert client.find_contacts_by_email("  ") == []
    assert len(calls_to("/contacts")) == 1


@responses.activate
def test_find_contacts_by_name(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/contacts", json=listing([{"id": 1, "firstName": "Ada", "lastName": "Lovelace"}]))
    assert [contact["id"] for contact in client.find_contacts_by_name("Ada", "Lovelace")] == [1]
    assert query(calls_to("/contacts")[0]) == {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "searchByEmail": "false",
        "limit": "500",
        "cursor": "1",
    }


@responses.activate
def test_contacts_are_created_updated_and_given_emails_and_phones(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(f"{HOST}/contacts", json={"id": 41, "firstName": "Ada", "lastName": "Lovelace"})
    responses.put(f"{HOST}/contacts/41", json={"id": 41, "firstName": "Ada", "lastName": "King"})
    responses.post(f"{HOST}/contacts/41/emails", json={"id": 7, "emailAddress": "ada@example.com", "isPrimary": True})
    responses.post(f"{HOST}/contacts/41/phones", json={"id": 8, "phoneNumber": "2025550123", "phoneType": "Home"})
    assert client.create_contact({"firstName": "Ada", "lastName": "Lovelace"})["id"] == 41
    fetched = {"id": 41, "firstName": "Ada", "lastName": "King", "emails": [], "phones": []}
    assert client.update_contact(41, fetched)["lastName"] == "King"
    assert client.add_email(41, "ada@example.com")["id"] == 7
    assert client.add_phone(41, "2025550123", phone_type="home", primary=False)["id"] == 8
    sent = [(call.request.method, urlsplit(call.request.url).path, body(call)) for call in responses.calls[1:]]
    assert sent == [
        ("POST", "/contacts", {"firstName": "Ada", "lastName": "Lovelace"}),
        ("PUT", "/contacts/41", {"firstName": "Ada", "lastName": "King"}),  # id and lists are PDI's
        ("POST", "/contacts/41/emails", {"emailAddress": "ada@example.com", "isPrimary": True}),
        ("POST", "/contacts/41/phones", {"phoneNumber": "2025550123", "phoneType": "Home", "isPrimary": False}),
    ]


def test_contact_fields_pdi_does_not_have_are_refused_before_sending(client):
    with pytest.raises(ValueError, match="no email field: add addresses with add_email"):
        client.create_contact({"firstName": "Ada", "email": "ada@example.com"})
    with pytest.raises(ValueError, match="one of Home, Work, Direct, Mobile, Fax, Other"):
        client.add_phone(41, "2025550123", phone_type="Pager")


@responses.activate
def test_a_missing_contact_is_not_found_with_pdis_message(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/contacts/99", status=404, json={"Message": "No contact with id 99."})
    with pytest.raises(NotFoundError) as caught:
        client.get_contact(99)
    assert str(caught.value) == "PDI answered HTTP 404 to GET /contacts/99: not found (No contact with id 99.)."


@responses.activate
def test_a_create_answered_with_an_empty_body_is_reported_and_not_retried(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(f"{HOST}/contacts", status=200, body="")
    with pytest.raises(MalformedResponseError, match=r"empty body, so its id is unknown\. The object may have been"):
        client.create_contact({"firstName": "Ada"})
    assert len(calls_to("/contacts")) == 1


@responses.activate
def test_an_update_answered_with_an_empty_body_is_a_success(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.put(f"{HOST}/contacts/41", status=200, body="")
    assert client.update_contact(41, {"firstName": "Ada"}) == {}


# --- events, locations, calendars ---------------------------------------------------------------------


@responses.activate
@pytest.mark.parametrize(("given", "sent"), [(False, "false"), (True, "true"), ("false", "false"), ("TRUE", "true")])
def test_is_all_day_goes_as_a_string(client, given, sent):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(f"{HOST}/calendars/3/events", json={"id": 90, "isAllDay": sent})
    fields = {
        "locationId": 12,
        "name": "Canvass",
        "startDateTimeUtc": "2026-12-05T15:00:00.000Z",
        "endDateTimeUtc": "2026-12-05T18:00:00.000Z",
        "isAllDay": given,
    }
    assert client.create_event(3, fields)["id"] == 90
    sent_body = body(calls_to("/calendars/3/events")[0])
    assert sent_body == {**fields, "isAllDay": sent}
    assert isinstance(sent_body["isAllDay"], str)


def test_an_is_all_day_that_is_not_true_or_false_is_refused(client):
    with pytest.raises(ValueError, match="isAllDay='yes'"):
        client.create_event(3, {"name": "Canvass", "isAllDay": "yes"})


@responses.activate
def test_update_event_puts_the_fields_with_the_calendar_id(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.put(f"{HOST}/events/90", json={"id": 90, "calendarId": 3, "name": "Canvass (moved)"})
    assert client.update_event(90, {"calendarId": 3, "name": "Canvass (moved)", "isAllDay": False})["id"] == 90
    assert body(calls_to("/events/90")[0]) == {"calendarId": 3, "name": "Canvass (moved)", "isAllDay": "false"}
    with pytest.raises(ValueError, match="needs the event's calendarId"):
        client.update_event(90, {"name": "Canvass"})


@responses.activate
def test_create_location_sends_a_one_line_address(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(f"{HOST}/locations", json={"id": 12, "locationName": "Hall", "locationAddress": "1 Main St"})
    assert client.create_location(" Hall ", "1 Main St, Springfield, IL 62701")["id"] == 12
    assert body(calls_to("/locations")[0]) == {
        "locationName": "Hall",
        "locationAddress": "1 Main St, Springfield, IL 62701",
    }


def test_events_refuses_an_end_before_the_start(client):
    with pytest.raises(ValueError, match="before the start date"):
        client.events(date(2026, 12, 2), date(2026, 12, 1))


# --- invitations ------------------------------------------------------------------------------------------


@responses.activate
def test_invitations_are_expanded(client):
    responses.post(f"{HOST}/sessions", json=session())
    invitation = {"id": 5, "eventId": 90, "contactId": 41, "contact": {"id": 41, "firstName": "Ada"}}
    responses.get(f"{HOST}/events/90/invitations", json=listing([invitation]))
    assert list(client.invitations(90)) == [invitation]
    assert query(calls_to("/events/90/invitations")[0]) == {"expand": "true", "limit": "500", "cursor": "1"}


@responses.activate
def test_create_invitation_keeps_pdis_spelling_of_specific_ocurrence(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(f"{HOST}/events/90/invitations", json={"id": 5, "eventId": 90, "contactId": 41})
    fields = {
        "contactId": 41,
        "rsvpStatus": "Yes",
        "isConfirmed": True,
        "attended": False,
        "specificOcurrenceStartUtc": "2026-12-05T15:00:00.000Z",
    }
    client.create_invitation(90, fields)
    correctly_spelled = {**fields}
    correctly_spelled["specificOccurrenceStartUtc"] = correctly_spelled.pop("specificOcurrenceStartUtc")
    client.create_invitation(90, correctly_spelled)
    first, second = (body(call) for call in calls_to("/events/90/invitations"))
    assert first == fields
    assert second == fields  # renamed to the spelling PDI reads
    assert "specificOccurrenceStartUtc" not in second


def test_an_unknown_rsvp_status_is_refused(client):
    with pytest.raises(ValueError, match="rsvpStatus='Attending'"):
        client.create_invitation(90, {"contactId": 41, "rsvpStatus": "Attending"})


@responses.activate
def test_update_invitation_accepts_204_with_an_empty_body(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.put(f"{HOST}/events/90/invitations/5", status=204, body="")
    assert client.update_invitation(90, 5, {"attended": True}) is None
    (call,) = calls_to("/events/90/invitations/5")
    assert (call.request.method, body(call)) == ("PUT", {"attended": True})


# --- errors and retries -------------------------------------------------------------------------------


@responses.activate
def test_a_400_carries_pdis_message_and_model_state(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(
        f"{HOST}/contacts/41/emails",
        status=400,
        json={
            "Message": "The request is invalid.",
            "ModelState": {"emailAddress": ["'ada@' is not a valid email address."], "": ["Check the body."]},
        },
    )
    with pytest.raises(RemoteValidationError) as caught:
        client.add_email(41, "ada@")
    assert str(caught.value) == (
        "PDI answered HTTP 400 to POST /contacts/41/emails: PDI rejected the request: The request is invalid. "
        "Check the body. emailAddress: 'ada@' is not a valid email address."
    )
    assert caught.value.field_errors == {"emailAddress": ["'ada@' is not a valid email address."]}
    assert len(calls_to("/contacts/41/emails")) == 1  # a 400 is never retried


@responses.activate
def test_lowercase_message_and_errors_are_read_too(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(
        f"{HOST}/events/90/invitations",
        status=400,
        json={"message": "Contact 41 is already invited to event 90.", "errors": {"contactId": ["Already invited."]}},
    )
    with pytest.raises(RemoteValidationError) as caught:
        client.create_invitation(90, {"contactId": 41, "rsvpStatus": "Yes"})
    assert "Contact 41 is already invited to event 90. contactId: Already invited." in str(caught.value)
    assert caught.value.field_errors == {"contactId": ["Already invited."]}


@responses.activate
def test_429_with_retry_after_is_retried(client, backoff_sleeps):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/calendars", status=429, headers={"Retry-After": "2"})
    responses.get(f"{HOST}/calendars", json=listing([{"id": 1, "name": "Canvassing"}]))
    assert [calendar["id"] for calendar in client.calendars()] == [1]
    assert backoff_sleeps == [2.0]
    assert client.stats.rate_limited_responses == 1


@responses.activate
def test_429_on_a_create_is_retried_too(client, backoff_sleeps):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(f"{HOST}/contacts", status=429, headers={"Retry-After": "1"})
    responses.post(f"{HOST}/contacts", json={"id": 41})
    assert client.create_contact({"firstName": "Ada"})["id"] == 41
    assert backoff_sleeps == [1.0]


@responses.activate
def test_a_500_on_a_get_is_retried(client, backoff_sleeps):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/events/90", status=500, json={"Message": "An error has occurred."})
    responses.get(f"{HOST}/events/90", json={"id": 90})
    assert client.get_event(90) == {"id": 90}
    assert len(calls_to("/events/90")) == 2
    assert len(backoff_sleeps) == 1


@responses.activate
def test_a_500_on_a_create_is_not_retried(client, backoff_sleeps):
    responses.post(f"{HOST}/sessions", json=session())
    responses.post(f"{HOST}/calendars/3/events", status=500, json={"Message": "An error has occurred."})
    with pytest.raises(ServerError) as caught:
        client.create_event(3, {"name": "Canvass", "isAllDay": "false"})
    assert str(caught.value) == (
        "PDI answered HTTP 500 to POST /calendars/3/events: PDI failed on its side (An error has occurred.); "
        "this is usually temporary."
    )
    assert len(calls_to("/calendars/3/events")) == 1
    assert backoff_sleeps == []


@responses.activate
def test_retries_give_up_after_max_attempts(client, backoff_sleeps):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/calendars", status=429)
    with pytest.raises(RateLimitedError):
        client.calendars()
    assert len(calls_to("/calendars")) == 3


# --- test connection -------------------------------------------------------------------------------------


@responses.activate
def test_test_connection_says_who_where_and_which_calendars(client):
    responses.post(f"{HOST}/sessions", json=session())
    names = ["Canvassing", "Phone Banks", "Trainings", "Rallies"]
    responses.get(f"{HOST}/calendars", json=listing([{"id": i, "name": n} for i, n in enumerate(names, 1)]))
    assert client.test_connection() == [
        "PDI: logged in as sync-bot at apiqa.bluevote.com.",
        "PDI: 4 calendars: Canvassing, Phone Banks, Trainings, Rallies.",
    ]
    assert len(calls_to("/sessions")) == 1


@responses.activate
def test_test_connection_with_no_calendars_says_what_to_do(client):
    responses.post(f"{HOST}/sessions", json=session())
    responses.get(f"{HOST}/calendars", json=listing([]))
    assert client.test_connection()[1] == "PDI: 0 calendars: create one in PDI, then refresh the calendars here."


# --- secrecy ------------------------------------------------------------------------------------------------


@responses.activate
def test_no_secret_reaches_a_log_record_or_an_error(client, caplog, backoff_sleeps):
    responses.post(f"{HOST}/sessions", json=session(TOKEN))
    responses.post(f"{HOST}/sessions", json=session("access-token-bbbb2222"))
    responses.get(f"{HOST}/calendars", status=401, json={"Message": f"Token {TOKEN} has expired."})
    responses.get(f"{HOST}/calendars", status=503, json={"Message": f"Upstream refused {API_TOKEN}"})
    responses.get(f"{HOST}/calendars", json=listing([{"id": 1, "name": "Canvassing"}]))
    responses.post(
        f"{HOST}/contacts", status=400, json={"Message": "Bad.", "ModelState": {"password": [f"{PASSWORD} is wrong"]}}
    )
    with caplog.at_level(logging.DEBUG):
        client.test_connection()
        with pytest.raises(RemoteValidationError) as caught:
            client.create_contact({"firstName": "Ada"})
    assert "[redacted] is wrong" in str(caught.value)
    assert caught.value.field_errors == {"password": ["[redacted] is wrong"]}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "logging in again" in logged and "retrying after attempt 1" in logged  # the records were written
    for secret in SECRETS:
        assert secret not in logged
        assert secret not in str(caught.value)
