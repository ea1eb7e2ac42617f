"""The ActionKit sandbox's REST rules, through Django's test client: paths, auth, lists, writes, errors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.actionkit.models import ApiUser, Event, EventField, EventSignup, EventSignupField, Phone, User
from sandbox.actionkit.setup import ensure_campaign, ensure_user

from ._actionkit import API, PASSWORD, USERNAME, basic, id_from_location, make_instance, patch_json, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign():
    return make_instance()


@pytest.fixture
def auth():
    return basic()


def make_users(count: int, prefix: str = "person") -> list[User]:
    return User.objects.bulk_create(
        User(email=f"{prefix}{n:03d}@example.com", first_name=f"P{n}", token=f"t{n}") for n in range(count)
    )


# --- paths and auth ---------------------------------------------------------------------------------


def test_a_path_without_the_trailing_slash_is_redirected_permanently_to_the_slash_url(client, campaign, auth):
    response = client.get(f"{API}/user", {"email": "a@example.com"}, **auth)
    assert response.status_code == 301
    assert response["Location"] == f"{API}/user/?email=a%40example.com"


def test_a_post_without_the_trailing_slash_is_redirected_and_creates_nothing(client, campaign, auth):
    response = post_json(client, f"{API}/user", {"email": "lost@example.com"}, **auth)
    assert response.status_code == 301
    assert response["Location"] == f"{API}/user/"
    assert not User.objects.exists()


def test_requests_without_credentials_get_401_with_a_basic_challenge(client, campaign):
    response = client.get(f"{API}/user/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response.content == b""


@pytest.mark.parametrize(
    "credentials",
    [basic(USERNAME, "wrong"), basic("nobody", PASSWORD), {"HTTP_AUTHORIZATION": "Basic not-base64!"}],
    ids=["wrong-password", "unknown-user", "garbled-header"],
)
def test_wrong_credentials_get_401(client, campaign, credentials):
    assert client.get(f"{API}/campaign/{campaign.pk}/", **credentials).status_code == 401


def test_an_inactive_api_user_gets_401(client, campaign, auth):
    ApiUser.objects.filter(username=USERNAME).update(is_active=False)
    assert client.get(f"{API}/user/", **auth).status_code == 401


def test_an_unknown_resource_is_404(client, campaign, auth):
    assert client.get(f"{API}/donation/", **auth).status_code == 404


def test_every_view_goes_through_fault_injection(client, campaign, auth):
    assert client.get(f"{API}/user/", HTTP_X_SANDBOX_FAULT="503", **auth).status_code == 503
    assert client.get(f"{API}/user", HTTP_X_SANDBOX_FAULT="429", **auth).status_code == 429
    assert post_json(client, f"{API}/action/", {}, HTTP_X_SANDBOX_FAULT="500").status_code == 500


# --- lists --------------------------------------------------------------------------------------------


def test_lists_page_with_limit_and_offset_and_a_next_path_relative_to_the_host(client, campaign, auth):
    make_users(25)
    first = client.get(f"{API}/user/", {"_limit": 10, "order_by": "email"}, **auth).json()
    assert first["meta"]["limit"] == 10
    assert first["meta"]["offset"] == 0
    assert first["meta"]["total_count"] == 25
    assert first["meta"]["previous"] is None
    next_url = first["meta"]["next"]
    assert next_url.startswith(f"{API}/user/?")  # relative to the host, with the prefix it came in under
    assert parse_qs(urlsplit(next_url).query) == {"_limit": ["10"], "_offset": ["10"], "order_by": ["email"]}
    emails = [user["email"] for user in first["objects"]]
    while next_url:
        page = client.get(next_url, **auth).json()
        emails.extend(user["email"] for user in page["objects"])
        assert page["meta"]["previous"] is not None
        next_url = page["meta"]["next"]
    assert emails == sorted(f"person{n:03d}@example.com" for n in range(25))


def test_the_default_page_is_20_objects_and_a_limit_above_100_is_clamped_to_100(client, campaign, auth):
    make_users(120)
    assert len(client.get(f"{API}/user/", **auth).json()["objects"]) == 20
    body = client.get(f"{API}/user/", {"_limit": 500}, **auth).json()
    assert body["meta"]["limit"] == 100
    assert len(body["objects"]) == 100
    assert "_limit=100" in body["meta"]["next"]


def test_a_fault_asked_for_on_one_request_is_not_carried_into_next(client, campaign, auth):
    make_users(3)
    body = client.get(f"{API}/user/", {"_limit": 1, "sandbox_fault": "latency=1"}, **auth).json()
    assert "sandbox_fault" not in body["meta"]["next"]


def test_the_email_filter_needs_a_plus_encoded_and_matches_case_insensitively(client, campaign, auth):
    ensure_user("Ada+events@Example.com")
    encoded = client.get(f"{API}/user/?email=ada%2Bevents@example.com", **auth).json()
    assert [user["email"] for user in encoded["objects"]] == ["Ada+events@Example.com"]
    raw_plus = client.get(f"{API}/user/?email=ada+events@example.com", **auth).json()
    assert raw_plus["objects"] == []  # "+" in a query string is a space


def test_filters_take_ids_or_uris_and_django_lookups(client, campaign, auth):
    ada, bob = ensure_user("ada@example.com"), ensure_user("bob@example.com")
    Phone.objects.create(user=ada, phone="202-555-0100", source="a")
    Phone.objects.create(user=bob, phone="202-555-0101", source="b")
    by_id = client.get(f"{API}/phone/", {"user": ada.pk}, **auth).json()["objects"]
    by_uri = client.get(f"{API}/phone/", {"user": f"/rest/v1/user/{ada.pk}/"}, **auth).json()["objects"]
    assert [p["phone"] for p in by_id] == [p["phone"] for p in by_uri] == ["202-555-0100"]
    both = client.get(f"{API}/user/", {"id__in": f"{ada.pk},{bob.pk}", "order_by": "-id"}, **auth).json()
    assert [u["email"] for u in both["objects"]] == ["bob@example.com", "ada@example.com"]
    after = client.get(f"{API}/user/", {"id__gt": ada.pk}, **auth).json()
    assert [u["email"] for u in after["objects"]] == ["bob@example.com"]


def test_an_unknown_filter_or_ordering_is_a_400_with_the_errors_envelope(client, campaign, auth):
    response = client.get(f"{API}/user/", {"password": "x"}, **auth)
    assert response.status_code == 400
    assert "password" in response.json()["errors"]
    response = client.get(f"{API}/user/", {"order_by": "password"}, **auth)
    assert response.status_code == 400
    assert "order_by" in response.json()["errors"]


# --- create, detail, patch, delete -------------------------------------------------------------------


def test_create_answers_201_with_the_absolute_location_and_an_empty_body(client, campaign, auth):
    response = post_json(client, f"{API}/user/", {"email": "new@example.com", "first_name": "New"}, **auth)
    assert response.status_code == 201
    assert response.content == b""
    user = User.objects.get(email="new@example.com")
    assert response["Location"] == f"http://testserver{API}/user/{user.pk}/"


def test_one_user_per_email_a_second_create_is_a_400(client, campaign, auth):
    post_json(client, f"{API}/user/", {"email": "twice@example.com"}, **auth)
    response = post_json(client, f"{API}/user/", {"email": "TWICE@example.com"}, **auth)
    assert response.status_code == 400
    assert "already exists" in response.json()["errors"]["email"][0]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "x@example.com", "password": "p"}, "password"),
        ({"first_name": "No email"}, "email"),
        ({"email": "not-an-email"}, "email"),
    ],
    ids=["unknown-field", "missing-required", "invalid-value"],
)
def test_invalid_data_is_a_400_naming_the_field(client, campaign, auth, body, field):
    response = post_json(client, f"{API}/user/", body, **auth)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_phone_takes_type_not_phone_type_and_is_normalized(client, campaign, auth):
    user = ensure_user("ada@example.com")
    refused = post_json(
        client, f"{API}/phone/", {"user": f"/rest/v1/user/{user.pk}/", "phone": "1", "phone_type": "home"}, **auth
    )
    assert refused.status_code == 400
    assert "phone_type" in refused.json()["errors"]
    response = post_json(
        client,
        f"{API}/phone/",
        {"user": f"/rest/v1/user/{user.pk}/", "phone": "+1 (202) 555-0100", "type": "home", "source": "mobilize"},
        **auth,
    )
    assert response.status_code == 201
    phone = client.get(response["Location"], **auth).json()
    assert phone["normalized_phone"] == "2025550100"
    assert phone["user"] == f"{API}/user/{user.pk}/"
    assert (phone["type"], phone["source"]) == ("home", "mobilize")
    bad_type = post_json(client, f"{API}/phone/", {"user": user.pk, "phone": "1", "type": "Home"}, **auth)
    assert bad_type.status_code == 400


def test_the_phone_schema_lists_its_field_names(client, campaign, auth):
    schema = client.get(f"{API}/phone/schema/", **auth).json()
    assert {"user", "phone", "type", "source", "normalized_phone"} <= set(schema["fields"])
    assert schema["fields"]["normalized_phone"]["readonly"] is True
    assert schema["fields"]["type"]["readonly"] is False


def test_a_reference_to_a_missing_object_is_a_400(client, campaign, auth):
    response = post_json(client, f"{API}/phone/", {"user": "/rest/v1/user/999/", "phone": "1"}, **auth)
    assert response.status_code == 400
    assert "user" in response.json()["errors"]


def test_get_detail_and_404_for_a_missing_object(client, campaign, auth):
    user = ensure_user("ada@example.com", first_name="Ada")
    body = client.get(f"{API}/user/{user.pk}/", **auth).json()
    assert (body["id"], body["email"], body["first_name"]) == (user.pk, "ada@example.com", "Ada")
    assert body["resource_uri"] == f"{API}/user/{user.pk}/"
    missing = client.get(f"{API}/user/{user.pk + 100}/", **auth)
    assert missing.status_code == 404
    assert missing.content == b""
    assert patch_json(client, f"{API}/user/{user.pk + 100}/", {"first_name": "X"}, **auth).status_code == 404


def test_patch_answers_202_with_no_body_and_changes_only_the_fields_sent(client, campaign, auth):
    user = ensure_user("ada@example.com", first_name="Ada", last_name="Lovelace")
    response = patch_json(client, f"{API}/user/{user.pk}/", {"first_name": "Augusta"}, **auth)
    assert response.status_code == 202
    assert response.content == b""
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Augusta", "Lovelace")


def test_patch_with_an_invalid_value_is_a_400_and_changes_nothing(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party")
    response = patch_json(client, f"{API}/event/{event.pk}/", {"status": "open", "title": "New"}, **auth)
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    event.refresh_from_db()
    assert (event.status, event.title) == ("active", "Party")


def test_custom_fields_are_not_written_through_the_events_own_body(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party", creator=ensure_user("host@example.com"))
    response = patch_json(client, f"{API}/event/{event.pk}/", {"fields": [{"name": "a", "value": "1"}]}, **auth)
    assert response.status_code == 400
    assert "/rest/v1/eventfield/" in response.json()["errors"]["fields"][0]
    echoed = client.get(f"{API}/event/{event.pk}/", **auth).json()
    del echoed["fields"]
    assert patch_json(client, f"{API}/event/{event.pk}/", echoed, **auth).status_code == 202  # read-only keys pass


def test_delete_answers_204(client, campaign, auth):
    user = ensure_user("ada@example.com")
    assert client.delete(f"{API}/user/{user.pk}/", **auth).status_code == 204
    assert not User.objects.exists()


# --- events, custom fields, signups --------------------------------------------------------------------


def test_the_low_level_event_create_takes_native_names_and_past_times_and_makes_the_creator_host(
    client, campaign, auth
):
    host = ensure_user("host@example.com")
    payload = {
        "campaign": f"/rest/v1/campaign/{campaign.pk}/",
        "creator": f"/rest/v1/user/{host.pk}/",
        "title": "Yesterday's canvass",
        "starts_at": "2020-01-02T09:30:00",
        "ends_at": "2020-01-02T12:00:00",
        "zip": "94110",
        "max_attendees": 1000,  # the campaign's cap is the action processor's check only
        "is_private": True,
    }
    response = post_json(client, f"{API}/event/", payload, **auth)
    assert response.status_code == 201
    body = client.get(response["Location"], **auth).json()
    assert body["starts_at"] == "2020-01-02T09:30:00"
    assert body["ends_at"] == "2020-01-02T12:00:00"
    assert (body["max_attendees"], body["is_private"], body["status"]) == (1000, True, "active")
    assert body["campaign"] == f"{API}/campaign/{campaign.pk}/"
    assert body["creator"] == f"{API}/user/{host.pk}/"
    assert body["fields"] == []
    assert EventSignup.objects.get(event_id=body["id"]).role == "host"


def test_event_times_are_naive_local_wall_times(client, campaign, auth):
    host = ensure_user("host@example.com")
    payload = {"campaign": campaign.pk, "creator": host.pk, "starts_at": "2030-01-02T09:30:00-05:00"}
    response = post_json(client, f"{API}/event/", payload, **auth)
    assert response.status_code == 400
    assert "starts_at" in response.json()["errors"]


def test_posting_an_existing_event_field_name_adds_a_second_row(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party")
    row = {"event": f"/rest/v1/event/{event.pk}/", "name": "mobilize_id", "value": "42"}
    assert post_json(client, f"{API}/eventfield/", row, **auth).status_code == 201
    assert post_json(client, f"{API}/eventfield/", {**row, "value": "43"}, **auth).status_code == 201
    assert list(EventField.objects.filter(event=event).values_list("name", "value")) == [
        ("mobilize_id", "42"),
        ("mobilize_id", "43"),
    ]
    fields = client.get(f"{API}/event/{event.pk}/", **auth).json()["fields"]
    assert [(f["name"], f["value"]) for f in fields] == [("mobilize_id", "42"), ("mobilize_id", "43")]


def test_an_event_field_is_updated_in_place_with_patch(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party")
    created = post_json(
        client, f"{API}/eventfield/", {"event": event.pk, "name": "shift_is_full", "value": "No"}, **auth
    )
    field_id = id_from_location(created)
    assert patch_json(client, f"{API}/eventfield/{field_id}/", {"value": "Yes"}, **auth).status_code == 202
    rows = client.get(f"{API}/eventfield/", {"event": event.pk}, **auth).json()["objects"]
    assert [(r["id"], r["name"], r["value"], r["event"]) for r in rows] == [
        (field_id, "shift_is_full", "Yes", f"{API}/event/{event.pk}/")
    ]


def test_event_fields_also_accept_parent_as_python_actionkit_sends_it(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party")
    response = post_json(client, f"{API}/eventfield/", {"parent": event.pk, "name": "a", "value": "1"}, **auth)
    assert response.status_code == 201
    assert client.get(f"{API}/eventfield/", {"parent": event.pk}, **auth).json()["meta"]["total_count"] == 1


def test_event_signup_fields_keep_rows_too_and_filter_by_parent(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party")
    signup = EventSignup.objects.create(event=event, user=ensure_user("a@example.com"))
    row = {"parent": f"/rest/v1/eventsignup/{signup.pk}/", "name": "utm_source", "value": "email"}
    post_json(client, f"{API}/eventsignupfield/", row, **auth)
    post_json(client, f"{API}/eventsignupfield/", row, **auth)
    assert EventSignupField.objects.filter(parent=signup).count() == 2
    listed = client.get(f"{API}/eventsignupfield/", {"parent": signup.pk}, **auth).json()
    assert listed["meta"]["total_count"] == 2
    assert listed["objects"][0]["parent"] == f"{API}/eventsignup/{signup.pk}/"


def test_event_signups_filter_by_user_and_event_and_take_status_and_attended_patches(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party")
    ada = ensure_user("ada@example.com")
    signup = EventSignup.objects.create(event=event, user=ada)
    EventSignup.objects.create(event=event, user=ensure_user("bob@example.com"))
    found = client.get(f"{API}/eventsignup/", {"user": ada.pk, "event": event.pk}, **auth).json()["objects"]
    assert [s["id"] for s in found] == [signup.pk]
    assert (found[0]["role"], found[0]["status"], found[0]["attended"]) == ("attendee", "active", False)
    response = patch_json(client, f"{API}/eventsignup/{signup.pk}/", {"status": "cancelled", "attended": True}, **auth)
    assert response.status_code == 202
    signup.refresh_from_db()
    assert (signup.status, signup.attended) == ("cancelled", True)


def test_a_second_low_level_signup_of_the_same_user_and_role_is_a_400(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party")
    ada = ensure_user("ada@example.com")
    body = {"event": event.pk, "user": ada.pk, "role": "attendee"}
    assert post_json(client, f"{API}/eventsignup/", body, **auth).status_code == 201
    assert post_json(client, f"{API}/eventsignup/", body, **auth).status_code == 400
    assert post_json(client, f"{API}/eventsignup/", {**body, "role": "host"}, **auth).status_code == 201


def test_attendee_count_counts_active_attendees(client, campaign, auth):
    event = Event.objects.create(campaign=campaign, title="Party")
    EventSignup.objects.create(event=event, user=ensure_user("a@example.com"))
    EventSignup.objects.create(event=event, user=ensure_user("b@example.com"), status="cancelled")
    EventSignup.objects.create(event=event, user=ensure_user("c@example.com"), role="host")
    assert client.get(f"{API}/event/{event.pk}/", **auth).json()["attendee_count"] == 1


# --- campaigns, pages, event search ----------------------------------------------------------------------


def test_campaigns_and_pages_are_readable_and_pages_filter_by_short_name(client, campaign, auth):
    body = client.get(f"{API}/campaign/{campaign.pk}/", **auth).json()
    assert (body["name"], body["max_event_size"], body["default_event_size"]) == ("house-parties", 200, 50)
    pages = client.get(f"{API}/eventcreatepage/", {"name": "house-parties_host"}, **auth).json()["objects"]
    assert [(p["name"], p["type"], p["campaign"]) for p in pages] == [
        ("house-parties_host", "EventCreate", f"{API}/campaign/{campaign.pk}/")
    ]
    # Signup pages are not event create pages.
    assert client.get(f"{API}/eventcreatepage/", {"name": "house-parties_attend"}, **auth).json()["objects"] == []
    assert client.get(f"{API}/eventsignuppage/", {"name": "house-parties_attend"}, **auth).json()["objects"]


def test_event_search_matches_name_and_value_on_the_same_custom_field_row(client, campaign, auth):
    first = Event.objects.create(campaign=campaign, title="A")
    EventField.objects.create(event=first, name="mobilize_id", value="1")
    EventField.objects.create(event=first, name="mobilize_timeslot", value="2")
    second = Event.objects.create(campaign=campaign, title="B", status="deleted")
    EventField.objects.create(event=second, name="mobilize_id", value="2")
    elsewhere = ensure_campaign("other", "other_host")
    EventField.objects.create(event=Event.objects.create(campaign=elsewhere, title="C"), name="mobilize_id", value="2")
    response = client.get(
        f"{API}/campaign/{campaign.pk}/event_search/",
        {"filter[field__name]": "mobilize_id", "filter[field__value]": "2", "order_by": "-id"},
        **auth,
    )
    assert response.status_code == 200
    body = response.json()
    assert [event["id"] for event in body["objects"]] == [second.pk]  # deleted events are searched too
    assert body["meta"]["total_count"] == 1


def test_event_search_excludes_pages_and_404s_for_a_missing_campaign(client, campaign, auth):
    for n in range(3):
        event = Event.objects.create(campaign=campaign, title=f"E{n}", status="cancelled" if n == 1 else "active")
        EventField.objects.create(event=event, name="kind", value="x")
    search = f"{API}/campaign/{campaign.pk}/event_search/"
    body = client.get(search, {"filter[field__name]": "kind", "exclude[status]": "cancelled"}, **auth).json()
    assert [e["title"] for e in body["objects"]] == ["E0", "E2"]
    paged = client.get(search, {"_limit": 1}, **auth).json()
    assert paged["meta"]["next"].startswith(f"{search}?")
    assert client.get(f"{API}/campaign/{campaign.pk + 50}/event_search/", **auth).status_code == 404
    assert client.get(search).status_code == 401


def test_typed_action_endpoints_are_read_only(client, campaign, auth):
    response = post_json(client, f"{API}/eventsignupaction/", {"page": "x"}, **auth)
    assert response.status_code == 400
    assert "/rest/v1/action/" in response.json()["errors"][0]
