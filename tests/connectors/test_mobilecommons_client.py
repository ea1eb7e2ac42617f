"""The Mobile Commons client against `responses`: auth, XML answers and errors, paging, retries, secrecy."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses

from integrations.connectors.errors import (
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    ServerError,
)
from integrations.connectors.mobilecommons import MAX_LIMIT, MobileCommonsClient, MobileCommonsError

BASE = "https://secure.mcommons.com/api"
LOGIN = "sync@example.org"
PASSWORD = "mc-pass-9z8y7x-do-not-log"
COMPANY = "ACME123"
PHONE = "12025550123"

PROFILE = """
<profile id="345304097">
  <first_name>Jo</first_name><last_name>Doe</last_name>
  <phone_number>12025550123</phone_number><email>jo@example.com</email>
  <status>Active Subscriber</status>
  <created_at>2026-11-30 14:03:11 UTC</created_at><updated_at>2026-12-01 09:00:00 UTC</updated_at>
  <opted_out_at></opted_out_at><opted_out_source></opted_out_source>
  <source type="Web" name="Action Network sync" id="41" opt_in_path_id="41"/>
  <address><street1>1 Main St</street1><street2/><city>Springfield</city><state>IL</state>
           <postal_code>62701</postal_code><country>US</country></address>
  <custom_columns>
    <custom_column name="constituent_id">d91b4b2e-0001</custom_column>
    <custom_column name="shirt_size"></custom_column>
  </custom_columns>
  <subscriptions>
    <subscription campaign_id="12" campaign_name="Main" opt_in_path_id="41" status="Active"
                  activated_at="2026-12-01 09:00:00 UTC" opted_out_at=""/>
    <subscription campaign_id="13" campaign_name="Alerts" opt_in_path_id="52" status="Opted-Out"
                  activated_at="2026-10-01 08:00:00 UTC" opted_out_at="2026-11-02 10:30:00 UTC"/>
  </subscriptions>
</profile>
"""

PARSED = {
    "id": "345304097",
    "phone_number": "12025550123",
    "email": "jo@example.com",
    "first_name": "Jo",
    "last_name": "Doe",
    "status": "Active Subscriber",
    "created_at": datetime(2026, 11, 30, 14, 3, 11, tzinfo=UTC),
    "updated_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    "opted_out_at": None,
    "opted_out_source": "",
    "address": {
        "street1": "1 Main St",
        "street2": "",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
    },
    "custom_columns": {"constituent_id": "d91b4b2e-0001", "shirt_size": ""},
    "subscriptions": [
        {
            "campaign_id": "12",
            "campaign_name": "Main",
            "opt_in_path_id": "41",
            "status": "Active",
            "activated_at": datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            "opted_out_at": None,
        },
        {
            "campaign_id": "13",
            "campaign_name": "Alerts",
            "opt_in_path_id": "52",
            "status": "Opted-Out",
            "activated_at": datetime(2026, 10, 1, 8, 0, tzinfo=UTC),
            "opted_out_at": datetime(2026, 11, 2, 10, 30, tzinfo=UTC),
        },
    ],
    "source": {"type": "Web", "name": "Action Network sync", "id": "41", "opt_in_path_id": "41"},
}

CAMPAIGNS = """
<campaigns>
  <campaign id="12" active="true"><name>Main</name>
    <opt_in_paths>
      <opt_in_path id="41"><name>Action Network sync</name></opt_in_path>
      <opt_in_path id="42"><name>JOIN keyword</name></opt_in_path>
    </opt_in_paths>
  </campaign>
  <campaign id="13" active="false"><name>Alerts</name><opt_in_paths/></campaign>
</campaigns>
"""

ACCESS_DENIED = (
    "<html><head><title>Mobile Commons</title></head><body>"
    "<h4>Access denied</h4><p>You must log in with a valid email &amp; password.</p></body></html>"
)

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<response success="true"><campaigns><campaign id="1"><name>&lol9;</name></campaign></campaigns></response>"""


def ok(inner: str = "") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<response success="true">{inner}</response>'


def fail(error_id: int, message: str) -> str:
    error = f'<error id="{error_id}" message="{message}"/>'
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<response success="false">{error}</response>'


def page(profiles: list[str], *, number: int, page_count: int, limit: int = 2, num: int | None = None) -> str:
    count = len(profiles) if num is None else num
    attrs = f'num="{count}" page="{number}" limit="{limit}" page_count="{page_count}"'
    return ok(f"<profiles {attrs}>{''.join(profiles)}</profiles>")


def profile(profile_id: str, phone: str = PHONE) -> str:
    return (
        f'<profile id="{profile_id}"><phone_number>{phone}</phone_number><status>Active Subscriber</status></profile>'
    )


def query(call) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(call.request.url).query, keep_blank_values=True))


def form(call) -> list[tuple[str, str]]:
    return parse_qsl(call.request.body, keep_blank_values=True)


@pytest.fixture
def client(recording_limiter) -> MobileCommonsClient:
    return MobileCommonsClient(
        BASE + "/", LOGIN, PASSWORD, company_key=COMPANY, max_attempts=3, limiter=recording_limiter
    )


@pytest.fixture
def plain(recording_limiter) -> MobileCommonsClient:
    """A login with one company: no company parameter."""
    return MobileCommonsClient(BASE, LOGIN, PASSWORD, max_attempts=3, limiter=recording_limiter)


# --- construction, auth, rates ----------------------------------------------------------------------------


def test_reads_its_rate_from_settings_and_paces_reads_and_writes_on_one_budget(settings, recording_limiter):
    settings.MOBILECOMMONS_RATE = "7/second"
    client = MobileCommonsClient(BASE, LOGIN, PASSWORD, limiter=recording_limiter)
    assert (client.system, client.read_rate, client.write_rate) == ("mobilecommons", "7/second", "7/second")
    with responses.RequestsMock() as mocked:
        mocked.get(f"{BASE}/campaigns", body=ok(CAMPAIGNS))
        mocked.post(f"{BASE}/profile_opt_out", body=ok())
        client.campaigns()
        client.opt_out(PHONE)
    key = "mobilecommons:https://secure.mcommons.com"
    assert recording_limiter.calls == [(key, "7/second"), (key, "7/second")]


def test_construction_and_missing_credentials(recording_limiter):
    with pytest.raises(ValueError, match="API address is required"):
        MobileCommonsClient(" ", LOGIN, PASSWORD)
    no_password = MobileCommonsClient(BASE, LOGIN, "", limiter=recording_limiter)
    # Any request sent would fail the test (RequestsMock refuses unregistered URLs).
    with responses.RequestsMock(), pytest.raises(AuthenticationError, match="the password is missing"):
        no_password.campaigns()
    assert recording_limiter.calls == []


@responses.activate
def test_basic_auth_and_the_company_on_every_request(client):
    responses.get(f"{BASE}/campaigns", body=ok(CAMPAIGNS))
    responses.post(f"{BASE}/profile_update", body=ok(PROFILE))
    client.campaigns()
    client.profile_update({"phone_number": PHONE})
    expected = "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()
    assert [call.request.headers["Authorization"] for call in responses.calls] == [expected, expected]
    assert responses.calls[0].request.headers["Accept"] == "application/xml"
    assert query(responses.calls[0]) == {"include_opt_in_paths": "1", "company": COMPANY}
    assert form(responses.calls[1]) == [("phone_number", PHONE), ("company", COMPANY)]
    assert query(responses.calls[1]) == {}  # a POST carries its parameters in the form body


@responses.activate
def test_a_single_company_login_sends_no_company(plain):
    responses.get(f"{BASE}/campaigns", body=ok(CAMPAIGNS))
    responses.post(f"{BASE}/profile_opt_out", body=ok())
    plain.campaigns()
    plain.opt_out(PHONE)
    assert query(responses.calls[0]) == {"include_opt_in_paths": "1"}
    assert form(responses.calls[1]) == [("phone_number", PHONE)]


# --- profiles ---------------------------------------------------------------------------------------------


@responses.activate
def test_profile_update_posts_a_form_and_returns_the_parsed_profile(plain):
    responses.post(f"{BASE}/profile_update", body=ok(PROFILE))
    params = {
        "phone_number": PHONE,
        "email": "jo@example.com",
        "first_name": "Jo",
        "street2": "",  # sent empty: clears the field
        "city": None,  # not sent: left alone
        "opt_in_path_id": "41",
        "constituent_id": "d91b4b2e-0001",
    }
    assert plain.profile_update(params) == PARSED
    call = responses.calls[0]
    assert call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(call) == [
        ("phone_number", PHONE),
        ("email", "jo@example.com"),
        ("first_name", "Jo"),
        ("street2", ""),
        ("opt_in_path_id", "41"),
        ("constituent_id", "d91b4b2e-0001"),
    ]


@responses.activate
def test_a_sparse_profile_has_every_key_with_empty_values(plain):
    responses.post(f"{BASE}/profile_update", body=ok('<profile id="7"><phone_number>1202</phone_number></profile>'))
    parsed = plain.profile_update({"phone_number": "1202"})
    assert parsed == {
        "id": "7",
        "phone_number": "1202",
        "email": "",
        "first_name": "",
        "last_name": "",
        "status": "",
        "created_at": None,
        "updated_at": None,
        "opted_out_at": None,
        "opted_out_source": "",
        "address": dict.fromkeys(("street1", "street2", "city", "state", "postal_code", "country"), ""),
        "custom_columns": {},
        "subscriptions": [],
        "source": dict.fromkeys(("type", "name", "id", "opt_in_path_id"), ""),
    }


@responses.activate
def test_get_profile_reads_one_profile_with_columns_and_subscriptions(client):
    responses.get(f"{BASE}/profile", body=ok(PROFILE))
    assert client.get_profile(PHONE) == PARSED
    assert query(responses.calls[0]) == {
        "phone_number": PHONE,
        "include_custom_columns": "true",
        "include_subscriptions": "true",
        "company": COMPANY,
    }


@responses.activate
def test_get_profile_is_none_on_error_5_but_a_404_is_raised(client, backoff_sleeps):
    responses.get(f"{BASE}/profile", body=fail(5, "Profile not found"))
    assert client.get_profile("19995550100") is None
    assert len(responses.calls) == 1
    responses.replace(responses.GET, f"{BASE}/profile", status=404, body="Not Found", content_type="text/plain")
    with pytest.raises(NotFoundError, match="Check the Mobile Commons API address"):
        client.get_profile(PHONE)


@responses.activate
@pytest.mark.parametrize(
    ("error_id", "message"),
    [
        (5, "Invalid phone number"),
        (6, "Invalid opt-in path"),
        (7, "Missing required parameter: phone_number"),
        (8, "Invalid campaign"),
    ],
)
def test_success_false_served_with_200_is_a_validation_error_with_mcs_message(
    client, backoff_sleeps, error_id, message
):
    responses.post(f"{BASE}/profile_update", body=fail(error_id, message))
    with pytest.raises(RemoteValidationError) as caught:
        client.profile_update({"phone_number": "12"})
    error = caught.value
    assert type(error) is MobileCommonsError
    assert error.error_id == error_id
    assert error.retryable is False
    assert str(error) == f"Mobile Commons error {error_id}: {message} (POST /api/profile_update)."
    assert error.details == message
    assert len(responses.calls) == 1 and backoff_sleeps == []
    if error_id == 7:
        assert error.field_errors == {"phone_number": [message]}


@responses.activate
def test_error_8_on_an_opt_out(client):
    responses.post(f"{BASE}/profile_opt_out", body=fail(8, "Invalid campaign"))
    with pytest.raises(MobileCommonsError, match=r"^Mobile Commons error 8: Invalid campaign"):
        client.opt_out(PHONE, "999")
    assert form(responses.calls[0]) == [("phone_number", PHONE), ("campaign_id", "999"), ("company", COMPANY)]


@responses.activate
def test_error_1_is_a_server_error_and_retried(client, backoff_sleeps):
    responses.post(f"{BASE}/profile_update", body=fail(1, "Internal error"))
    responses.post(f"{BASE}/profile_update", body=ok(PROFILE))
    assert client.profile_update({"phone_number": PHONE})["id"] == "345304097"
    assert len(responses.calls) == 2 and len(backoff_sleeps) == 1
    responses.get(f"{BASE}/campaigns", body=fail(1, "Internal error"))
    with pytest.raises(ServerError) as caught:
        client.campaigns()
    assert caught.value.error_id == 1
    assert (
        str(caught.value) == "Mobile Commons error 1: Internal error (GET /api/campaigns); this is usually temporary."
    )
    assert len([c for c in responses.calls if c.request.url.startswith(f"{BASE}/campaigns")]) == 3


# --- paging -----------------------------------------------------------------------------------------------


@responses.activate
def test_profiles_are_paged_over_page_count_lazily_with_from_and_to(client):
    responses.get(f"{BASE}/profiles", body=page([profile("1"), profile("2")], number=1, page_count=3))
    responses.get(f"{BASE}/profiles", body=page([profile("3"), profile("4")], number=2, page_count=3))
    responses.get(f"{BASE}/profiles", body=page([profile("5")], number=3, page_count=3))
    since = datetime(2026, 12, 1, 4, 0, tzinfo=timezone(timedelta(hours=-5)))  # 09:00 UTC
    until = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=UTC)
    profiles = client.iter_profiles(updated_from=since, updated_to=until, limit=2)
    assert len(responses.calls) == 0  # nothing is fetched before the first profile is asked for
    assert [next(profiles)["id"], next(profiles)["id"]] == ["1", "2"]
    assert len(responses.calls) == 1  # page 2 waits until page 1 is consumed
    assert next(profiles)["id"] == "3"
    assert len(responses.calls) == 2
    assert [p["id"] for p in profiles] == ["4", "5"]
    assert len(responses.calls) == 3  # page_count reached: no fourth request
    common = {
        "include_custom_columns": "true",
        "include_subscriptions": "true",
        "from": "2026-12-01T09:00:00Z",
        "to": "2026-12-02T09:30:15Z",
        "limit": "2",
        "company": COMPANY,
    }
    assert [query(call) for call in responses.calls] == [{**common, "page": str(n)} for n in (1, 2, 3)]


@responses.activate
def test_an_empty_first_page_is_an_empty_result(client):
    responses.get(f"{BASE}/profiles", body=page([], number=1, page_count=0, limit=1000))
    assert list(client.iter_profiles()) == []
    assert len(responses.calls) == 1
    assert query(responses.calls[0])["limit"] == str(MAX_LIMIT) == "1000"
    assert "from" not in query(responses.calls[0]) and "to" not in query(responses.calls[0])


@responses.activate
def test_paging_stops_at_num_0_before_page_count(client):
    responses.get(f"{BASE}/profiles", body=page([profile("1"), profile("2")], number=1, page_count=5))
    responses.get(f"{BASE}/profiles", body=page([], number=2, page_count=5))
    assert [p["id"] for p in client.iter_profiles(limit=2)] == ["1", "2"]
    assert len(responses.calls) == 2


@responses.activate
def test_a_server_ignoring_page_is_stopped_instead_of_looping(client):
    responses.get(f"{BASE}/profiles", body=page([profile("1"), profile("2")], number=1, page_count=9))
    with pytest.raises(MalformedResponseError, match="the profiles of page 1; stopping instead of looping"):
        list(client.iter_profiles(limit=2))
    assert len(responses.calls) == 2


def test_paging_arguments_are_checked_before_any_request(client, recording_limiter):
    with pytest.raises(ValueError, match="1 to 1000"):
        client.iter_profiles(limit=1001)
    with pytest.raises(ValueError, match="1 to 1000"):
        client.iter_profiles(limit=0)
    with pytest.raises(ValueError, match="no time zone"):
        client.iter_profiles(updated_from=datetime(2026, 12, 1, 9, 0))
    assert recording_limiter.calls == []


# --- campaigns and test ---------------------------------------------------------------------------------------


@responses.activate
def test_campaigns_with_their_opt_in_paths(client):
    responses.get(f"{BASE}/campaigns", body=ok(CAMPAIGNS))
    assert client.campaigns() == [
        {
            "id": "12",
            "name": "Main",
            "active": True,
            "opt_in_paths": [{"id": "41", "name": "Action Network sync"}, {"id": "42", "name": "JOIN keyword"}],
        },
        {"id": "13", "name": "Alerts", "active": False, "opt_in_paths": []},
    ]


@responses.activate
def test_test_lists_campaigns_in_readable_sentences(client):
    responses.get(f"{BASE}/campaigns", body=ok(CAMPAIGNS))
    assert client.test() == [
        f"Mobile Commons: logged in as {LOGIN} at secure.mcommons.com, company {COMPANY}.",
        "Mobile Commons: 2 campaigns (1 active): Main, Alerts.",
        "Mobile Commons: 2 opt-in paths to choose from.",
    ]
    assert len(responses.calls) == 1


@responses.activate
def test_a_wrong_login_is_an_authentication_error_with_the_pages_text(client, backoff_sleeps):
    responses.get(f"{BASE}/campaigns", status=401, body=ACCESS_DENIED, content_type="text/html")
    with pytest.raises(AuthenticationError) as caught:
        client.test()
    assert str(caught.value) == (
        "Mobile Commons answered HTTP 401 to GET /api/campaigns: the login sync@example.org was refused "
        "(Access denied: You must log in with a valid email & password.). "
        f"Check the Mobile Commons login, password and company key ({COMPANY}) of this integration."
    )
    assert len(responses.calls) == 1 and backoff_sleeps == []


# --- retries ----------------------------------------------------------------------------------------------


@responses.activate
def test_429_with_retry_after_then_success(client, backoff_sleeps):
    responses.get(f"{BASE}/profile", status=429, headers={"Retry-After": "2"}, body="Slow down")
    responses.get(f"{BASE}/profile", body=ok(PROFILE))
    assert client.get_profile(PHONE) == PARSED
    assert backoff_sleeps == [2.0]
    assert client.stats.rate_limited_responses == 1


@responses.activate
def test_a_500_on_profile_update_is_retried_as_an_upsert(client, backoff_sleeps):
    responses.post(f"{BASE}/profile_update", status=500, body="<h4>Oops</h4><p>Try later</p>")
    responses.post(f"{BASE}/profile_update", body=ok(PROFILE))
    assert client.profile_update({"phone_number": PHONE}) == PARSED
    assert len(responses.calls) == 2 and len(backoff_sleeps) == 1
    assert form(responses.calls[0]) == form(responses.calls[1])


@responses.activate
def test_a_read_timeout_on_an_opt_out_is_retried(client, backoff_sleeps):
    responses.post(f"{BASE}/profile_opt_out", body=requests.exceptions.ReadTimeout("slow"))
    responses.post(f"{BASE}/profile_opt_out", body=ok())
    client.opt_out(PHONE)
    assert len(responses.calls) == 2


@responses.activate
def test_5xx_retries_give_up_with_a_server_error(client, backoff_sleeps):
    responses.get(f"{BASE}/campaigns", status=503, body="<h4>Service unavailable</h4>", content_type="text/html")
    with pytest.raises(ServerError) as caught:
        client.campaigns()
    assert str(caught.value) == (
        "Mobile Commons answered HTTP 503 to GET /api/campaigns: Service unavailable; this is usually temporary."
    )
    assert len(responses.calls) == 3  # max_attempts, not max_attempts squared


@responses.activate
def test_429_retries_give_up_with_rate_limited(client, backoff_sleeps):
    responses.get(f"{BASE}/campaigns", status=429)
    with pytest.raises(RateLimitedError):
        client.campaigns()
    assert len(responses.calls) == 3


# --- malformed answers --------------------------------------------------------------------------------------


@responses.activate
@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ('<response success="true"><campaigns>', "a body that is not XML"),
        ("Internal error, please retry", "a body that is not XML"),
        ("", "an empty body where XML was expected"),
        ("<html><body>Maintenance</body></html>", "<html> where <response> was expected"),
        ('<response success="maybe"/>', "<response success='maybe'>, neither true nor false"),
        ("<response/>", "<response success=None>, neither true nor false"),
    ],
)
def test_a_body_that_is_not_the_documented_xml_is_malformed_and_retried(client, backoff_sleeps, body, complaint):
    responses.get(f"{BASE}/campaigns", body=body)
    with pytest.raises(MalformedResponseError) as caught:
        client.campaigns()
    assert str(caught.value).startswith(f"Mobile Commons answered GET /api/campaigns with {complaint}")
    assert len(responses.calls) == 3


@responses.activate
def test_a_success_without_its_container_is_malformed(client):
    responses.get(f"{BASE}/profiles", body=ok())
    with pytest.raises(MalformedResponseError, match="no <profiles> in a successful answer"):
        list(client.iter_profiles())
    responses.post(f"{BASE}/profile_update", body=ok('<profile id="1"><created_at>yesterday</created_at></profile>'))
    with pytest.raises(
        MalformedResponseError,
        match=r"^Mobile Commons answered POST /api/profile_update: profile 1 has created_at='yesterday', not a time\.$",
    ):
        client.profile_update({"phone_number": PHONE})


@responses.activate
def test_an_xml_bomb_is_refused_unread_and_not_retried(client, backoff_sleeps):
    responses.get(f"{BASE}/campaigns", body=BOMB)
    with pytest.raises(MalformedResponseError) as caught:
        client.campaigns()
    assert "XML declaring a DTD or entities" in str(caught.value)
    assert caught.value.retryable is False
    assert len(responses.calls) == 1


# --- times and secrecy --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 09:00:00 UTC", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        (" 2026-12-01 09:00:00 utc ", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-12-01T09:00:00Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-12-01T04:00:00-05:00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("2026-12-01 09:00:00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_parse_time(text, expected):
    parsed = MobileCommonsClient.parse_time(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


def test_parse_time_refuses_what_is_not_a_time():
    with pytest.raises(ValueError, match="not a Mobile Commons time"):
        MobileCommonsClient.parse_time("1 Dec 2026")


def test_no_password_in_repr_or_vars(client):
    assert repr(client) == f"<MobileCommonsClient {BASE}/ login='{LOGIN}' company='{COMPANY}'>"
    for shown in (repr(client), repr(vars(client)), str(vars(client))):
        assert PASSWORD not in shown


@responses.activate
def test_no_password_reaches_a_log_record_or_an_error(client, caplog, backoff_sleeps):
    responses.get(f"{BASE}/campaigns", status=503, body=f"<h4>Down</h4><p>for {PASSWORD}</p>")
    responses.get(f"{BASE}/campaigns", body=ok(CAMPAIGNS))
    responses.post(f"{BASE}/profile_update", body=fail(7, f"Missing required parameter: x (got {PASSWORD})"))
    responses.get(f"{BASE}/profile", status=401, body=f"<h4>Access denied</h4><p>{LOGIN}/{PASSWORD}</p>")
    with caplog.at_level(logging.DEBUG):
        client.test()
        with pytest.raises(MobileCommonsError) as refused:
            client.profile_update({"phone_number": PHONE})
        with pytest.raises(AuthenticationError) as denied:
            client.get_profile(PHONE)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "retrying after attempt 1" in logged and "for [redacted]" in logged  # the records were written
    assert "(got [redacted])" in str(refused.value) and refused.value.details.endswith("[redacted])")
    assert f"{LOGIN}/[redacted]" in str(denied.value)
    for text in (logged, str(refused.value), repr(refused.value.field_errors), str(denied.value)):
        assert PASSWORD not in text
