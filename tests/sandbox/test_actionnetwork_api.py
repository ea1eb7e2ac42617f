"""The Action Network sandbox's HTTP contract (docs/connectors/actionnetwork.md), through Django's
test client: the token and its rate limit, the people list (paging that keeps `next` on the last
page, OData filters), one person, the Person Signup Helper's matching and status rules, PUT, errors
and faults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from sandbox.actionnetwork.models import Person
from sandbox.actionnetwork.setup import add_person, create_account
from sandbox.models import FaultKind, FaultRule

from ._actionnetwork import API, TOKEN, ActionNetwork, embedded, error_of, json_of, uuid_of

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(db):
    return create_account(TOKEN, "Test group")


@pytest.fixture
def an(account) -> ActionNetwork:
    return ActionNetwork()


@pytest.fixture
def at_t0():
    """The clock stopped at T0 (the API's dates come from django.utils.timezone.now())."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def person_of(**lookup) -> Person:
    return Person.objects.get(**lookup)


# --- auth, rate limit, errors, faults --------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "wrong-token"], ids=["missing", "empty", "wrong"])
def test_requests_without_a_valid_token_get_401(account, token):
    extra = {} if token is None else {"HTTP_OSDI_API_TOKEN": token}
    response = ActionNetwork(token=None).client.get(f"{API}/people", **extra)
    assert json_of(response, 401) == {"error": "API Key invalid or not present"}


def test_a_token_sees_only_its_own_groups_people(an, account):
    other = create_account("other-token", "Other group")
    mine = add_person(account, email="mine@example.com")
    add_person(other, email="theirs@example.com")
    assert [p["email_addresses"][0]["address"] for p in embedded(an.people())] == ["mine@example.com"]
    assert an.get(f"/people/{mine.uuid}").status_code == 200
    assert ActionNetwork(token="other-token").get(f"/people/{mine.uuid}").status_code == 404


def test_more_requests_than_the_rate_get_429_with_retry_after_per_token(an, settings):
    settings.SANDBOX_ACTIONNETWORK_RATE = "2/minute"
    create_account("second-token", "Second group")
    assert an.get("/people").status_code == 200
    assert an.get("/people").status_code == 200
    response = an.get("/people")
    error_of(response, 429)
    assert response["Retry-After"] == "1"
    assert an.signup({"email_addresses": [{"address": "x@example.com"}]}).status_code == 429
    assert not Person.objects.exists()  # a refused request does nothing
    # The window is per token: another group's token still gets answers.
    assert ActionNetwork(token="second-token").get("/people").status_code == 200


def test_four_requests_a_second_is_a_rate_of_four_requests_a_second(an, settings):
    settings.SANDBOX_ACTIONNETWORK_RATE = "4/second"  # the production default (test settings raise it)
    with time_machine.travel(T0, tick=False):  # all requests inside one second
        statuses = [an.get("/people").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


@pytest.mark.parametrize("fault", ["429", "500", "503"])
def test_a_fault_asked_for_in_the_header_answers_in_the_error_shape_before_auth(account, fault):
    response = ActionNetwork(token=None).client.get(f"{API}/people", HTTP_X_SANDBOX_FAULT=fault)
    assert response.status_code == int(fault)
    assert response.json() == {"error": f"Sandbox fault: HTTP {fault}."}
    assert response.get("Retry-After") == ("1" if fault == "429" else None)


def test_a_fault_rule_for_actionnetwork_faults_the_next_post_only(an):
    FaultRule.objects.create(system="actionnetwork", method="POST", kind=FaultKind.SERVER_ERROR, remaining=1)
    FaultRule.objects.create(system="mobilecommons", kind=FaultKind.UNAVAILABLE)  # another system's: no effect
    body = {"email_addresses": [{"address": "jo@example.com"}]}
    error_of(an.signup(body), 500)
    assert an.get("/people").status_code == 200
    assert an.signup(body).status_code == 201


def test_a_malformed_fault_answers_truncated_json(an):
    response = an.send("get", "/people", HTTP_X_SANDBOX_FAULT="malformed")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_a_method_the_path_does_not_take_is_405(an, account):
    person = add_person(account, email="jo@example.com")
    response = an.send("delete", f"/people/{person.uuid}")
    error_of(response, 405)
    assert response["Allow"] == "GET, PUT"
    assert an.send("put", "/people/", {}).status_code == 405


def test_an_unknown_path_is_a_json_404(an):
    assert "No such resource" in error_of(an.get("/tags/nope"), 404)


def test_a_body_that_is_not_a_json_object_is_400(an):
    response = an.client.post(
        f"{API}/people/", data="{oops", content_type="application/json", HTTP_OSDI_API_TOKEN=TOKEN
    )
    assert "not valid JSON" in error_of(response, 400)
    assert "person" in error_of(an.send("post", "/people/", {"given_name": "Jo"}), 400)


# --- GET people ------------------------------------------------------------------------------------


def test_the_list_is_hal_with_people_their_links_and_dates_in_seconds(an, account):
    person = add_person(
        account,
        given_name="Jo",
        family_name="Doe",
        email="jo@example.com",
        phone="+1 (202) 555-0123",
        custom_fields={"mobile_opt_in": "true"},
        postal_code="62701",
        locality="Springfield",
        region="IL",
        country="US",
        address_lines=["1 Main St"],
        created_date="2026-11-30T14:03:11.654Z",
        modified_date="2026-12-01T09:00:00Z",
    )
    response = an.get("/people")
    assert response["Content-Type"] == "application/hal+json"
    page = json_of(response, 200)
    assert (page["page"], page["per_page"]) == (1, 25)
    assert "total_pages" not in page and "total_records" not in page
    href = f"http://testserver{API}/people/{person.uuid}"
    assert page["_links"]["osdi:people"] == [{"href": href}]
    assert embedded(page) == [
        {
            "identifiers": [f"action_network:{person.uuid}"],
            "given_name": "Jo",
            "family_name": "Doe",
            "email_addresses": [{"address": "jo@example.com", "primary": True, "status": "subscribed"}],
            "phone_numbers": [
                {"number": "12025550123", "number_type": "Mobile", "status": "subscribed", "primary": True}
            ],
            "postal_addresses": [
                {
                    "primary": True,
                    "address_lines": ["1 Main St"],
                    "locality": "Springfield",
                    "region": "IL",
                    "postal_code": "62701",
                    "country": "US",
                }
            ],
            "custom_fields": {"mobile_opt_in": "true"},
            "created_date": "2026-11-30T14:03:11Z",
            "modified_date": "2026-12-01T09:00:00Z",
            "_links": {"self": {"href": href}},
        }
    ]


def test_per_page_is_cut_to_25(an, account):
    for number in range(30):
        add_person(account, email=f"p{number}@example.com")
    page = an.people(per_page=100)
    assert page["per_page"] == 25 and len(embedded(page)) == 25
    assert "per_page=25" in page["_links"]["next"]["href"]
    assert len(embedded(an.people())) == 25  # the default is the maximum
    assert len(embedded(an.people(per_page=7))) == 7


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"per_page": "0"}, {"per_page": "-3"}])
def test_a_page_or_per_page_that_is_not_a_positive_number_is_400(an, params):
    error_of(an.get("/people", **params), 400)


def test_paging_keeps_next_on_the_last_page_and_past_the_end_in_creation_order(an, account):
    # Modified dates out of creation order: the list must still be in creation (id) order.
    emails = [f"p{number}@example.com" for number in range(5)]
    for number, email in enumerate(emails):
        add_person(account, email=email, modified_date=T0 - timedelta(days=number * 7 % 5))
    seen = []
    for number in (1, 2, 3):
        page = an.people(page=number, per_page=2)
        assert page["page"] == number
        assert page["_links"]["next"]["href"] == f"http://testserver{API}/people?page={number + 1}&per_page=2"
        seen += [p["email_addresses"][0]["address"] for p in embedded(page)]
    assert seen == emails  # the last page (3) holds one person and still has a next link
    past = an.people(page=4, per_page=2)
    assert embedded(past) == [] and past["_links"]["osdi:people"] == []
    assert past["_links"]["next"]["href"].endswith("page=5&per_page=2")
    assert embedded(an.people(page=40, per_page=2)) == []


def test_an_empty_group_answers_an_empty_first_page_with_a_next_link(an):
    page = an.people()
    assert embedded(page) == [] and "next" in page["_links"]


@pytest.fixture
def filtered(account):
    """Three people changed at different times."""
    return {
        "old": add_person(account, email="Old@Example.com", phone="12025550001", modified_date=T0 - timedelta(days=3)),
        "mid": add_person(account, email="mid@example.com", phone="12025550002", modified_date=T0 - timedelta(days=1)),
        "new": add_person(account, email="new@example.com", modified_date=T0 + timedelta(hours=1)),
    }


def emails_of(page) -> list[str]:
    return [p["email_addresses"][0]["address"] for p in embedded(page)]


def test_filter_modified_date_gt_and_lt(an, filtered):
    assert emails_of(an.people(filter="modified_date gt '2026-11-29T09:00:00Z'")) == [
        "mid@example.com",
        "new@example.com",
    ]
    assert emails_of(an.people(filter="modified_date lt '2026-11-29T09:00:00Z'")) == ["Old@Example.com"]
    # Strictly greater: a person changed exactly at the given second is not "gt" it.
    assert emails_of(an.people(filter="modified_date gt '2026-11-30T09:00:00Z'")) == ["new@example.com"]
    # The fixtures' date form, and a bare date (midnight UTC).
    assert emails_of(an.people(filter="modified_date gt '2026-11-30T08:59:59.000+0000'")) == [
        "mid@example.com",
        "new@example.com",
    ]
    assert emails_of(an.people(filter="modified_date gt '2026-11-28'")) == [
        "Old@Example.com",
        "mid@example.com",
        "new@example.com",
    ]
    assert emails_of(an.people(filter="modified_date gt '2026-11-29'")) == ["mid@example.com", "new@example.com"]


def test_filter_clauses_joined_by_and_must_all_hold_and_next_keeps_the_filter(an, filtered):
    text = "modified_date gt '2026-11-27T00:00:00Z' and modified_date lt '2026-12-01T00:00:00Z'"
    page = an.people(filter=text, per_page=1)
    assert emails_of(page) == ["Old@Example.com"]
    next_page = json_of(an.client.get(page["_links"]["next"]["href"], HTTP_OSDI_API_TOKEN=TOKEN), 200)
    assert emails_of(next_page) == ["mid@example.com"]
    assert emails_of(an.people(filter="email_address eq 'mid@example.com' and phone_number eq '12025550002'")) == [
        "mid@example.com"
    ]
    assert emails_of(an.people(filter="email_address eq 'mid@example.com' and phone_number eq '12025550001'")) == []


def test_filter_email_address_eq_ignores_case(an, filtered):
    assert emails_of(an.people(filter="email_address eq 'old@example.com'")) == ["Old@Example.com"]
    assert emails_of(an.people(filter="email_address eq 'nobody@example.com'")) == []


def test_filter_phone_number_eq_takes_the_11_digits(an, filtered):
    assert emails_of(an.people(filter="phone_number eq '12025550002'")) == ["mid@example.com"]
    assert emails_of(an.people(filter="phone_number eq '+12025550002'")) == []  # compared as sent


@pytest.mark.parametrize(
    "text",
    [
        "",
        "modified_date gt 2026-11-29",
        "modified_date eq '2026-11-29T00:00:00Z'",
        "modified_date gt 'yesterday'",
        "created_date gt '2026-11-29T00:00:00Z'",
        "email_address ne 'a@example.com'",
        "email_address eq 'a@example.com' or phone_number eq '12025550001'",
        "email_address eq 'a@example.com' and",
        "email_address eq 'a@example.com",
    ],
)
def test_a_filter_the_sandbox_does_not_understand_is_400(an, filtered, text):
    assert error_of(an.get("/people", filter=text), 400) == "Invalid filter"


# --- GET people/<uuid> -----------------------------------------------------------------------------


def test_one_person_by_uuid(an, account):
    person = add_person(account, given_name="Jo", email="jo@example.com")
    body = json_of(an.get(f"/people/{person.uuid}"), 200)
    assert uuid_of(body) == str(person.uuid) and body["given_name"] == "Jo"
    assert an.get(f"/people/{person.uuid}/").status_code == 200  # a trailing slash is tolerated


@pytest.mark.parametrize("person_id", ["d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3", "not-a-uuid"])
def test_an_unknown_person_is_404_with_the_documented_body(an, person_id):
    response = an.get(f"/people/{person_id}")
    assert json_of(response, 404) == {"error": f"Couldn't find person with id = {person_id}"}


# --- POST people/: the Person Signup Helper --------------------------------------------------------


def test_signup_creates_a_person_201_email_subscribed_new_phone_unsubscribed(an, at_t0):
    response = an.signup(
        {
            "given_name": "Jo",
            "family_name": "Doe",
            "email_addresses": [{"address": "jo@example.com"}],
            "phone_numbers": [{"number": "12025550123"}],
            "postal_addresses": [{"postal_code": "20001"}],
            "custom_fields": {"mobile_opt_in": "true"},
        },
        **{"action_network:referrer_data": {"source": "Mobile Commons"}, "add_tags": []},
    )
    body = json_of(response, 201)
    assert body["email_addresses"][0]["status"] == "subscribed"
    assert body["phone_numbers"] == [
        {"number": "12025550123", "number_type": "Mobile", "status": "unsubscribed", "primary": True}
    ]
    assert body["created_date"] == body["modified_date"] == "2026-12-01T09:00:00Z"
    assert body["postal_addresses"][0]["postal_code"] == "20001"
    assert body["custom_fields"] == {"mobile_opt_in": "true"}
    person = person_of(uuid=uuid_of(body))
    assert (person.source, person.given_name) == ("Mobile Commons", "Jo")


def test_signup_with_a_phone_status_sets_it_on_the_new_number(an):
    body = json_of(an.signup({"phone_numbers": [{"number": "2025550123", "status": "subscribed"}]}), 201)
    assert body["phone_numbers"][0]["status"] == "subscribed"
    assert body["phone_numbers"][0]["number"] == "12025550123"  # stored with the leading 1
    assert body["email_addresses"] == []


def test_signup_needs_an_email_or_a_phone(an):
    error_of(an.signup({"given_name": "Nobody"}), 400)
    error_of(
        an.signup({"given_name": "Nobody", "email_addresses": [], "phone_numbers": [{"status": "subscribed"}]}), 400
    )
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    "person",
    [
        {"email_addresses": [{"address": "not-an-email"}]},
        {"email_addresses": "jo@example.com"},
        {"phone_numbers": [{"number": "555-0123"}]},
        {"phone_numbers": [{"number": "12025550123", "status": "maybe"}]},
        {"email_addresses": [{"address": "jo@example.com", "status": "bouncing"}]},
        {"email_addresses": [{"address": "jo@example.com"}], "custom_fields": ["mobile_opt_in"]},
        {"email_addresses": [{"address": "jo@example.com"}], "given_name": 7},
    ],
)
def test_signup_refuses_malformed_fields(an, person):
    error_of(an.signup(person), 400)
    assert not Person.objects.exists()


def test_signup_matches_by_email_first_and_merges_custom_fields(an, account, at_t0):
    jo = add_person(
        account,
        given_name="Jo",
        email="Jo@Example.com",
        phone="12025550123",
        phone_status="subscribed",
        custom_fields={"mobile_opt_in": "false", "team": "north"},
        modified_date=T0 - timedelta(days=2),
        source="Website",
    )
    other = add_person(account, email="other@example.com", phone="12025550999")
    response = an.signup(
        {
            "family_name": "Doe",
            "email_addresses": [{"address": "jo@example.com"}],
            "phone_numbers": [{"number": "12025550123"}],
            "custom_fields": {"mobile_opt_in": "true"},
        },
        **{"action_network:referrer_data": {"source": "Mobile Commons"}},
    )
    body = json_of(response, 200)
    assert uuid_of(body) == str(jo.uuid)
    assert (body["given_name"], body["family_name"]) == ("Jo", "Doe")
    assert body["custom_fields"] == {"mobile_opt_in": "true", "team": "north"}
    assert body["phone_numbers"][0]["status"] == "subscribed"  # an existing number keeps its status
    assert body["email_addresses"][0]["address"] == "Jo@Example.com"
    assert body["modified_date"] == "2026-12-01T09:00:00Z" != body["created_date"]
    jo.refresh_from_db()
    assert jo.source == "Website"  # the source is a creating signup's only
    assert Person.objects.count() == 2 and other.phone == "12025550999"


def test_signup_email_match_wins_over_a_phone_match(an, account):
    by_email = add_person(account, email="jo@example.com")
    by_phone = add_person(account, email="pat@example.com", phone="12025550123")
    body = json_of(
        an.signup({"email_addresses": [{"address": "jo@example.com"}], "phone_numbers": [{"number": "12025550123"}]}),
        200,
    )
    assert uuid_of(body) == str(by_email.uuid)
    assert body["phone_numbers"][0]["status"] == "unsubscribed"  # a number new to this person
    by_phone.refresh_from_db()
    assert by_phone.phone == ""  # one phone per person: it moved


def test_signup_matches_a_phone_only_person_by_phone_who_gains_the_email(an, account, at_t0):
    eve = add_person(account, given_name="Eve", phone="12025550105", modified_date=T0 - timedelta(days=1))
    body = json_of(
        an.signup(
            {
                "email_addresses": [{"address": "eve@example.com"}],
                "phone_numbers": [{"number": "12025550105", "status": "unsubscribed"}],
            }
        ),
        200,
    )
    assert uuid_of(body) == str(eve.uuid)
    assert body["email_addresses"] == [{"address": "eve@example.com", "primary": True, "status": "subscribed"}]
    assert body["phone_numbers"][0]["status"] == "unsubscribed"  # a sent status changes it
    assert body["modified_date"] == "2026-12-01T09:00:00Z"


def test_signup_with_only_a_phone_matches_by_phone(an, account):
    ana = add_person(account, email="ana@example.com", phone="12025550101")
    body = json_of(an.signup({"phone_numbers": [{"number": "+1 202 555 0101"}], "given_name": "Ana"}), 200)
    assert uuid_of(body) == str(ana.uuid) and body["email_addresses"][0]["address"] == "ana@example.com"


def test_a_phone_moves_to_the_new_person_when_both_have_emails(an, account, at_t0):
    old = add_person(account, email="old@example.com", phone="12025550123", modified_date=T0 - timedelta(days=5))
    response = an.signup(
        {"email_addresses": [{"address": "new@example.com"}], "phone_numbers": [{"number": "12025550123"}]}
    )
    body = json_of(response, 201)
    assert uuid_of(body) != str(old.uuid)
    assert body["phone_numbers"][0]["number"] == "12025550123"
    assert body["phone_numbers"][0]["status"] == "unsubscribed"  # new to this person
    old_json = json_of(an.get(f"/people/{old.uuid}"), 200)
    assert old_json["phone_numbers"] == []
    assert old_json["modified_date"] == "2026-12-01T09:00:00Z"  # losing the phone is a change
    assert emails_of(an.people(filter="phone_number eq '12025550123'")) == ["new@example.com"]


def test_a_signup_that_changes_nothing_leaves_modified_date_alone(an, account, at_t0):
    jo = add_person(account, email="jo@example.com", custom_fields={"a": "1"}, modified_date=T0 - timedelta(days=2))
    body = json_of(an.signup({"email_addresses": [{"address": "jo@example.com"}], "custom_fields": {"a": "1"}}), 200)
    assert body["modified_date"] == "2026-11-29T09:00:00Z"
    assert body["created_date"] == body["modified_date"]  # (Parsons would call this "created": it is the date pair)
    jo.refresh_from_db()
    assert jo.modified_date == T0 - timedelta(days=2)


def test_signup_email_status_changes_only_when_sent(an, account):
    add_person(account, email="jo@example.com", email_status="unsubscribed")
    body = json_of(an.signup({"email_addresses": [{"address": "jo@example.com"}]}), 200)
    assert body["email_addresses"][0]["status"] == "unsubscribed"
    body = json_of(an.signup({"email_addresses": [{"address": "jo@example.com", "status": "subscribed"}]}), 200)
    assert body["email_addresses"][0]["status"] == "subscribed"


def test_signup_custom_field_booleans_and_numbers_are_stored_as_strings(an):
    body = json_of(
        an.signup({"email_addresses": [{"address": "jo@example.com"}], "custom_fields": {"opt": True, "n": 3}}), 201
    )
    assert body["custom_fields"] == {"opt": "true", "n": "3"}


# --- PUT people/<uuid> -----------------------------------------------------------------------------


@pytest.fixture
def jo(account):
    return add_person(
        account,
        given_name="Jo",
        email="jo@example.com",
        phone="12025550123",
        phone_status="subscribed",
        custom_fields={"mobile_opt_in": "true", "team": "north"},
        modified_date=T0 - timedelta(days=3),
    )


def test_put_a_phone_status_alone_changes_only_the_status(an, jo, at_t0):
    body = json_of(an.put(jo.uuid, {"phone_numbers": [{"status": "unsubscribed"}]}), 200)
    assert body["phone_numbers"] == [
        {"number": "12025550123", "number_type": "Mobile", "status": "unsubscribed", "primary": True}
    ]
    assert body["modified_date"] == "2026-12-01T09:00:00Z"
    assert body["given_name"] == "Jo" and body["custom_fields"]["team"] == "north"


def test_put_a_number_replaces_the_phone_unsubscribed_unless_a_status_is_sent(an, jo):
    body = json_of(an.put(jo.uuid, {"phone_numbers": [{"number": "12025550999"}]}), 200)
    assert [(p["number"], p["status"]) for p in body["phone_numbers"]] == [("12025550999", "unsubscribed")]
    body = json_of(an.put(jo.uuid, {"phone_numbers": [{"number": "12025550777", "status": "subscribed"}]}), 200)
    assert [(p["number"], p["status"]) for p in body["phone_numbers"]] == [("12025550777", "subscribed")]
    assert emails_of(an.people(filter="phone_number eq '12025550123'")) == []


def test_put_merges_custom_fields_and_replaces_top_level_fields(an, jo):
    body = json_of(
        an.put(
            jo.uuid,
            {
                "given_name": "Joanna",
                "custom_fields": {"mobile_opt_in": "false"},
                "postal_addresses": [{"postal_code": "20001"}],
            },
        ),
        200,
    )
    assert body["given_name"] == "Joanna"
    assert body["custom_fields"] == {"mobile_opt_in": "false", "team": "north"}
    assert body["postal_addresses"][0]["postal_code"] == "20001"
    assert person_of(pk=jo.pk).given_name == "Joanna"


def test_put_of_an_unknown_person_is_404(an, account):
    response = an.put("d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3", {"given_name": "X"})
    assert json_of(response, 404) == {"error": "Couldn't find person with id = d91b4b2e-ae0e-4cd3-9ed7-d0ec501b0bc3"}


def test_put_refuses_an_email_another_person_has(an, jo, account):
    add_person(account, email="pat@example.com")
    error_of(an.put(jo.uuid, {"email_addresses": [{"address": "PAT@example.com"}]}), 400)
    assert person_of(pk=jo.pk).email == "jo@example.com"


def test_put_that_changes_nothing_leaves_modified_date_alone(an, jo, at_t0):
    body = json_of(an.put(jo.uuid, {"phone_numbers": [{"status": "subscribed"}], "given_name": "Jo"}), 200)
    assert body["modified_date"] == "2026-11-28T09:00:00Z"
