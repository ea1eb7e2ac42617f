"""The emulated Mobilize API through Django's test client: envelope, paging, auth, errors, filters."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine

from sandbox.mobilize.models import Timeslot
from sandbox.mobilize.variants import PRIVATE_ADDRESS_TEXTS

from .conftest import BASE, DEMO_KEY, INDEPENDENT_KEY

pytestmark = pytest.mark.django_db

FUTURE = 1_900_000_000  # 2030
PAST = 1_700_000_000  # 2023


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def canonical_contact(contact: dict) -> dict:
    """A served Contact with its email under `email_address`, whichever documented key carried it (one only)."""
    contact = dict(contact)
    if "email_adddress" in contact:
        assert "email_address" not in contact, "one spelling per contact"
        contact["email_address"] = contact.pop("email_adddress")
    return contact


# --- envelope and paging ---------------------------------------------------------------------------


def test_a_list_answers_in_the_documented_envelope(api, make):
    make.org()
    status, body = api.get("organizations")
    assert status == 200
    assert list(body) == ["count", "next", "previous", "data"]
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    assert "error" not in body


def test_per_page_defaults_to_25(api, make):
    for _ in range(30):
        make.org()
    status, body = api.get("organizations")
    assert status == 200
    assert len(body["data"]) == 25 and body["count"] == 30
    assert body["next"] is not None


def test_next_and_previous_are_absolute_cursor_links_that_keep_the_query(api, make):
    org = make.org(key="k")
    for _ in range(5):
        make.event(org, event_type="CANVASS")
    status, body = api.get(f"organizations/{org.id}/events", params={"per_page": 2, "event_types": ["CANVASS"]})
    assert status == 200
    link = body["next"]
    assert link.startswith(f"http://testserver{BASE}/organizations/{org.id}/events?")
    params = query_of(link)
    assert ("per_page", "2") in params and ("event_types", "CANVASS") in params
    assert [key for key, _ in params].count("cursor") == 1
    assert "page" not in dict(params)

    second = api.client.get(link).json()
    assert second["previous"] is not None and "cursor=" in second["previous"]
    back = api.client.get(second["previous"]).json()
    assert [e["id"] for e in back["data"]] == [e["id"] for e in body["data"]]


def test_cursor_pages_hold_the_same_records_as_incrementing_page(api, make):
    for _ in range(7):
        make.org()
    by_cursor = [o["id"] for o in api.all("organizations", params={"per_page": 3})]
    by_page = []
    for page in (1, 2, 3):
        _, body = api.get("organizations", params={"per_page": 3, "page": page})
        by_page.extend(o["id"] for o in body["data"])
    assert by_cursor == by_page and len(by_cursor) == 7


def test_page_selects_the_starting_page_and_cursor_paging_continues_from_there(api, make):
    ids = [make.org().id for _ in range(7)]
    _, body = api.get("organizations", params={"per_page": 2, "page": 2})
    assert [o["id"] for o in body["data"]] == ids[2:4]
    assert body["previous"] is not None
    rest = api.client.get(body["next"]).json()
    assert [o["id"] for o in rest["data"]] == ids[4:6]
    before = api.client.get(body["previous"]).json()
    assert [o["id"] for o in before["data"]] == ids[0:2]


def test_cursor_is_stable_while_records_are_added_and_removed(api, make):
    from sandbox.mobilize.models import Organization

    ids = [make.org().id for _ in range(6)]
    _, first = api.get("organizations", params={"per_page": 2})
    # Remove a record already seen and add one before the cursor: an offset would shift.
    Organization.objects.filter(pk=ids[0]).delete()
    make.org(id=1)
    second = api.client.get(first["next"]).json()
    assert [o["id"] for o in second["data"]] == ids[2:4]


def test_an_invalid_cursor_is_a_404_error_envelope(api, make):
    make.org()
    status, body = api.get("organizations", params={"cursor": "not-a-cursor"})
    assert status == 404
    assert body["data"] is None and body["error"]


def test_per_page_below_one_is_a_400_error_envelope(api):
    status, body = api.get("organizations", params={"per_page": 0})
    assert status == 400
    assert body == {"data": None, "error": {"per_page": ["Ensure this value is greater than or equal to 1."]}}


# --- errors ------------------------------------------------------------------------------------------


def test_a_non_integer_organization_id_is_the_references_400_example(api, make):
    org = make.org()
    status, body = api.get(f"organizations/{org.id}/events", params={"organization_id": "hello"})
    assert status == 400
    assert body == {"data": None, "error": {"organization_id": {"0": ["A valid integer is required."]}}}


def test_a_repeated_parameter_reports_the_position_of_the_bad_value(api, make):
    org = make.org()
    status, body = api.get(f"organizations/{org.id}/events", params={"event_types": ["CANVASS", "NOPE"]})
    assert status == 400
    assert body["error"] == {"event_types": {"1": ['"NOPE" is not a valid choice.']}}


def test_a_bad_updated_since_is_400(api, make):
    org = make.org()
    status, body = api.get(f"organizations/{org.id}/events", params={"updated_since": "yesterday"})
    assert status == 400
    assert body["error"] == {"updated_since": ["A valid integer is required."]}


@pytest.mark.parametrize("value", ["ge_1", "gte_", "gte_soon", "1514764800", "gte_-5"])
def test_a_bad_comparison_is_400(api, make, value):
    org = make.org()
    status, body = api.get(f"organizations/{org.id}/events", params={"timeslot_start": value})
    assert status == 400
    assert list(body["error"]["timeslot_start"]) == ["0"]


def test_a_bad_boolean_is_400(api, make):
    org = make.org()
    status, body = api.get(f"organizations/{org.id}/events", params={"is_virtual": "maybe"})
    assert status == 400
    assert body["error"] == {"is_virtual": ["Must be a valid boolean."]}


@pytest.mark.parametrize(
    "path",
    ["organizations/999/events", "organizations/999/events/deleted", "organizations/999/promoted_organizations"],
)
def test_an_unknown_organization_is_a_404_envelope(api, path):
    status, body = api.get(path)
    assert status == 404
    assert body == {"data": None, "error": {"detail": "Not found."}}


def test_an_unknown_event_or_attendance_is_a_404_envelope(api, make):
    make.org(id=50, key="k50")
    assert api.get("organizations/50/events/12345")[0] == 404
    assert api.get("organizations/50/attendances/12345", "k50")[0] == 404
    assert api.get("organizations/50/events/12345/attendances", "k50")[0] == 404


def test_only_get_is_allowed(api, make):
    make.org(id=50)
    response = api.client.post(f"{BASE}/organizations/50/events", {})
    assert response.status_code == 405
    assert response.json()["data"] is None


# --- authentication ----------------------------------------------------------------------------------

ENDPOINTS = [
    "organizations",
    "enums",
    "organizations/1001/events",
    "organizations/1001/events/10001",
    "organizations/1001/events/deleted",
    "organizations/1001/attendances",
    "organizations/1001/people",
    "organizations/1001/promoted_organizations",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_unknown_key_is_403_on_every_endpoint_even_public_ones(api, demo, path):
    status, body = api.get(path, "not-a-key")
    assert status == 403
    assert body["data"] is None and body["error"]["detail"]


@pytest.mark.parametrize("header", ["Token demo-mobilize-key", "Bearer", "Bearer ", "demo-mobilize-key", ""])
def test_a_malformed_authorization_header_is_403(api, demo, header):
    status, body = api.get("organizations", HTTP_AUTHORIZATION=header)
    assert status == 403 and body["data"] is None


@pytest.mark.parametrize(
    "path",
    [
        "organizations/1001/attendances",
        "organizations/1001/attendances/700001",
        "organizations/1001/events/10001/attendances",
        "organizations/1001/people",
        "organizations/1001/promoted_organizations",
    ],
)
def test_authenticated_endpoints_refuse_requests_without_a_key_or_with_another_organizations(api, demo, path):
    assert api.get(path)[0] == 403
    assert api.get(path, INDEPENDENT_KEY)[0] == 403
    assert api.get(path, DEMO_KEY)[0] == 200


def test_without_a_key_contact_campaign_and_instructions_are_null(api, demo):
    events = api.all("organizations/1001/events")
    assert events
    for event in events:
        assert event["contact"] is None
        assert event["event_campaign"] is None
        assert event["instructions"] is None
        assert all(t["instructions"] is None for t in event["timeslots"])


# --- privileged data ---------------------------------------------------------------------------------


def test_the_owner_sees_contact_campaign_instructions_and_the_real_private_address(api, demo):
    events = {e["id"]: e for e in api.all("organizations/1001/events", DEMO_KEY)}
    kickoff = events[10001]
    assert canonical_contact(kickoff["contact"]) == {
        "name": "Demo Campaign Field Desk",
        "email_address": "events@demo-campaign.example.org",
        "phone_number": "2155550100",
        "owner_user_id": 90001,
    }
    assert kickoff["instructions"] == "Wear comfortable shoes; we provide water."
    assert kickoff["timeslots"][0]["instructions"] == "Check in at the front desk for your turf packet."
    assert events[10009]["event_campaign"] == {
        "id": 701,
        "slug": "demo-weekend-of-action",
        "event_create_page_url": "https://www.mobilize.us/demo-campaign/create/demo-weekend-of-action/",
    }
    house_party = events[10004]
    assert house_party["address_visibility"] == "PRIVATE"
    assert house_party["location"]["venue"] == "The Nguyens' home"
    assert house_party["location"]["address_lines"] == ["218 Pine St", ""]


def test_a_private_address_is_hidden_from_everyone_but_the_owner(api, demo):
    for key in (None, INDEPENDENT_KEY):
        org = 1001 if key is None else 2002
        events = {e["id"]: e for e in api.all(f"organizations/{org}/events", key)}
        location = events[10004]["location"]
        assert events[10004]["address_visibility"] == "PRIVATE"
        assert location["venue"] in PRIVATE_ADDRESS_TEXTS  # one of the wordings Mobilize has used
        assert location["address_lines"] == [location["venue"], ""]
        assert location["location"] is None  # the point would give the address away
        assert location["locality"] == "Philadelphia"


def test_a_promoter_does_not_see_privileged_data_of_events_it_only_promotes(api, demo):
    # 2002 promotes 1001: 1001's events are in its list, but 1001's contact is not its to see.
    events = {e["id"]: e for e in api.all("organizations/2002/events", INDEPENDENT_KEY)}
    assert events[10001]["contact"] is None and events[10001]["instructions"] is None
    assert events[20001]["contact"] is not None  # its own event


def test_contact_and_location_use_the_keys_of_the_references_examples_or_tables(api, demo):
    _, body = api.get("organizations/1001/events/10001", DEMO_KEY)
    event = body["data"]
    assert set(event["contact"]) in (
        {"name", "email_address", "phone_number", "owner_user_id"},  # the examples
        {"name", "email_adddress", "phone_number", "owner_user_id"},  # the Contact table (sic)
    )
    districts = ("congressional_district", "state_leg_district", "state_senate_district")
    examples, table = {f"{d}_value" for d in districts}, set(districts)
    keys = set(event["location"])
    assert (examples <= keys and not table & keys) or (table <= keys and not examples & keys), "one spelling, not mixed"
    assert isinstance(event["created_date"], int) and isinstance(event["timeslots"][0]["start_date"], int)


# --- owned and promoted events -----------------------------------------------------------------------


def test_the_event_list_holds_owned_events_and_those_of_promoted_organizations(api, make):
    promoted = make.org()
    stranger = make.org()
    org = make.org(key="k", promotes=[promoted])
    own, theirs = make.event(org), make.event(promoted)
    make.event(stranger)
    ids = {e["id"] for e in api.all(f"organizations/{org.id}/events")}
    assert ids == {own.id, theirs.id}
    narrowed = {e["id"] for e in api.all(f"organizations/{org.id}/events", params={"organization_id": promoted.id})}
    assert narrowed == {theirs.id}


def test_promotion_is_one_way(api, make):
    promoted = make.org()
    org = make.org(promotes=[promoted])
    own = make.event(org)
    assert own.id not in {e["id"] for e in api.all(f"organizations/{promoted.id}/events")}


def test_a_single_event_is_found_when_owned_or_promoted_else_404(api, demo):
    assert api.get("organizations/1001/events/10001")[0] == 200
    assert api.get("organizations/1001/events/20001")[0] == 200  # 1001 promotes 2002
    assert api.get("organizations/3003/events/10001")[0] == 404  # 3003 promotes nobody
    _, body = api.get("organizations/1001/events/10001")
    assert body["data"]["id"] == 10001 and "count" not in body


def test_a_private_event_is_only_found_with_the_owners_key(api, demo):
    assert api.get("organizations/1001/events/10007")[0] == 404
    assert api.get("organizations/1001/events/10007", DEMO_KEY)[0] == 200
    assert api.get("organizations/2002/events/10007", INDEPENDENT_KEY)[0] == 404


# --- event filters -----------------------------------------------------------------------------------


def test_visibility_defaults_to_public_events_only(api, make):
    org = make.org(key="k")
    public, private = make.event(org), make.event(org, visibility="PRIVATE")
    assert {e["id"] for e in api.all(f"organizations/{org.id}/events", "k")} == {public.id}
    both = api.all(f"organizations/{org.id}/events", "k", {"visibility": ["PUBLIC", "PRIVATE"]})
    assert {e["id"] for e in both} == {public.id, private.id}
    only_private = api.all(f"organizations/{org.id}/events", "k", {"visibility": "PRIVATE"})
    assert {e["id"] for e in only_private} == {private.id}


def test_private_visibility_without_a_members_key_is_403(api, make):
    org = make.org(key="k")
    make.org(key="other")
    for key in (None, "other"):
        status, body = api.get(f"organizations/{org.id}/events", key, {"visibility": "PRIVATE"})
        assert status == 403 and body["data"] is None


def test_private_events_of_promoted_organizations_are_not_listed(api, make):
    promoted = make.org()
    org = make.org(key="k", promotes=[promoted])
    make.event(promoted, visibility="PRIVATE")
    assert api.all(f"organizations/{org.id}/events", "k", {"visibility": ["PUBLIC", "PRIVATE"]}) == []


def test_approval_status_defaults_to_approved_and_others_need_a_members_key(api, make):
    org = make.org(key="k")
    approved = make.event(org)
    pending = make.event(org, approval_status="NEEDS_APPROVAL")
    make.event(org, approval_status="REJECTED")
    assert {e["id"] for e in api.all(f"organizations/{org.id}/events", "k")} == {approved.id}
    asked = {"approval_status": ["APPROVED", "NEEDS_APPROVAL"]}
    assert {e["id"] for e in api.all(f"organizations/{org.id}/events", "k", asked)} == {approved.id, pending.id}
    # Without permission the non-approved events are silently left out.
    assert {e["id"] for e in api.all(f"organizations/{org.id}/events", None, asked)} == {approved.id}


def test_updated_since_filters_events_by_modified_date(api, make):
    org = make.org()
    make.event(org, modified_date=1000)
    recent = make.event(org, modified_date=2000)
    ids = {e["id"] for e in api.all(f"organizations/{org.id}/events", params={"updated_since": 2000})}
    assert ids == {recent.id}


def test_timeslot_comparisons_trim_each_events_timeslots(api, make):
    org = make.org()
    mixed = make.event(org, slots=[(PAST, PAST + 3600), (FUTURE, FUTURE + 3600), (FUTURE + 86400, FUTURE + 90000)])
    make.event(org, slots=[(PAST, PAST + 3600)])
    events = api.all(f"organizations/{org.id}/events", params={"timeslot_start": f"gte_{FUTURE}"})
    assert [e["id"] for e in events] == [mixed.id]
    assert [t["start_date"] for t in events[0]["timeslots"]] == [FUTURE, FUTURE + 86400]


def test_several_comparisons_all_apply_across_start_and_end(api, make):
    org = make.org()
    make.event(org, slots=[(PAST, PAST + 3600), (FUTURE, FUTURE + 3600), (FUTURE + 86400, FUTURE + 90000)])
    params = {"timeslot_start": [f"gt_{PAST}", f"lt_{FUTURE + 86400}"], "timeslot_end": f"lte_{FUTURE + 3600}"}
    events = api.all(f"organizations/{org.id}/events", params=params)
    assert [t["start_date"] for t in events[0]["timeslots"]] == [FUTURE]


def test_a_comparison_with_now_uses_the_servers_clock(api, make):
    org = make.org()
    make.event(org, slots=[(PAST, PAST + 3600), (FUTURE, FUTURE + 3600)])
    with time_machine.travel(PAST + 86400, tick=False):
        events = api.all(f"organizations/{org.id}/events", params={"timeslot_start": "gte_now"})
    assert [t["start_date"] for t in events[0]["timeslots"]] == [FUTURE]
    with time_machine.travel(FUTURE + 86400, tick=False):
        assert api.all(f"organizations/{org.id}/events", params={"timeslot_start": "gte_now"}) == []


def test_event_types_is_virtual_high_priority_campaign_and_state_filter(api, make):
    from sandbox.mobilize.models import EventCampaign

    org = make.org(key="k")
    campaign = EventCampaign.objects.create(id=77, organization=org, slug="weekend")
    canvass = make.event(org, event_type="CANVASS", location={"region": "PA", "postal_code": "19102"})
    phones = make.event(org, event_type="PHONE_BANK", is_virtual=True, high_priority=True)
    rally = make.event(org, event_type="RALLY", event_campaign=campaign, location={"region": "GA"})
    path = f"organizations/{org.id}/events"

    def ids(**params):
        return {e["id"] for e in api.all(path, "k", params)}

    assert ids(event_types=["CANVASS", "RALLY"]) == {canvass.id, rally.id}
    assert ids(is_virtual="true") == {phones.id}
    assert ids(is_virtual="false") == {canvass.id, rally.id}
    assert ids(high_priority_only="true") == {phones.id}
    assert ids(high_priority_only="false") == {canvass.id, phones.id, rally.id}
    assert ids(event_campaign_id=77) == {rally.id}
    assert ids(state="PA") == {canvass.id}


def test_search_backend_parameters_cap_results_at_results_limited_to(api, make, settings):
    settings.SANDBOX_MOBILIZE_SEARCH_LIMIT = 3
    org = make.org()
    events = [make.event(org, location={"postal_code": "19102"}) for _ in range(5)]
    _, plain = api.get(f"organizations/{org.id}/events")
    assert "results_limited_to" not in plain and plain["count"] == 5

    for params in ({"zipcode": "19102"}, {"exclude_full": "false"}, {"max_dist": "5"}):
        _, body = api.get(f"organizations/{org.id}/events", params={**params, "per_page": 2})
        assert body["results_limited_to"] == 3
        assert body["count"] == 5  # "may not correspond to the count field"
        reached = api.all(f"organizations/{org.id}/events", params={**params, "per_page": 2})
        assert [e["id"] for e in reached] == [e.id for e in events[:3]]


def test_tag_id_also_goes_through_the_search_backend(api, make, settings):
    settings.SANDBOX_MOBILIZE_SEARCH_LIMIT = 3
    org = make.org()
    _, body = api.get(f"organizations/{org.id}/events", params={"tag_id": 1})
    assert body["results_limited_to"] == 3 and body["count"] == 0


def test_results_limited_to_defaults_to_1000(api, make):
    org = make.org()
    _, body = api.get(f"organizations/{org.id}/events", params={"zipcode": "19102"})
    assert body["results_limited_to"] == 1000


def test_exclude_full_drops_full_timeslots_and_events_with_only_full_ones(api, make):
    org = make.org()
    partly = make.event(org, slots=[(FUTURE, FUTURE + 1), (FUTURE + 10, FUTURE + 11)])
    full = make.event(org)
    Timeslot.objects.filter(event=full).update(is_full=True)
    Timeslot.objects.filter(event=partly, start_date=FUTURE).update(is_full=True)
    events = api.all(f"organizations/{org.id}/events", params={"exclude_full": "true"})
    assert [e["id"] for e in events] == [partly.id]
    assert [t["start_date"] for t in events[0]["timeslots"]] == [FUTURE + 10]


def test_tag_id_keeps_events_with_any_of_the_tags(api, make):
    from sandbox.mobilize.models import Tag

    org = make.org()
    youth, phones = Tag.objects.create(id=1, name="Youth"), Tag.objects.create(id=2, name="Phones")
    first, second = make.event(org), make.event(org)
    make.event(org)
    first.tags.add(youth)
    second.tags.add(phones)
    events = api.all(f"organizations/{org.id}/events", params={"tag_id": [1, 2]})
    assert {e["id"] for e in events} == {first.id, second.id}
    assert events[0]["tags"] == [{"id": 1, "name": "Youth"}]


def test_zipcode_with_max_dist_keeps_nearby_events(api, make):
    org = make.org()
    philly = make.event(org, location={"postal_code": "19102", "latitude": 39.95, "longitude": -75.16})
    nearby = make.event(org, location={"postal_code": "19103", "latitude": 39.96, "longitude": -75.17})
    make.event(org, location={"postal_code": "15213", "latitude": 40.44, "longitude": -79.99})
    events = api.all(f"organizations/{org.id}/events", params={"zipcode": "19102", "max_dist": 10})
    assert {e["id"] for e in events} == {philly.id, nearby.id}


# --- deleted events ----------------------------------------------------------------------------------


def test_deleted_events_list_owned_and_promoted_deletions(api, demo):
    _, body = api.get("organizations/1001/events/deleted")
    assert body["data"] == [
        {"id": 10010, "deleted_date": body["data"][0]["deleted_date"]},
        {"id": 20003, "deleted_date": body["data"][1]["deleted_date"]},
    ]
    assert [d["id"] for d in api.all("organizations/3003/events/deleted")] == []


def test_deleted_private_events_need_permission_but_never_403(api, make):
    org = make.org(key="k")
    make.org(key="other")
    public = make.event(org).mark_deleted(5000)
    private = make.event(org, visibility="PRIVATE").mark_deleted(6000)
    path = f"organizations/{org.id}/events/deleted"
    status, body = api.get(path, "other", {"visibility": "PRIVATE"})
    assert status == 200 and body["data"] == []
    assert [d["id"] for d in api.all(path)] == [public.id]
    both = api.all(path, "k", {"visibility": ["PUBLIC", "PRIVATE"]})
    assert both == [{"id": public.id, "deleted_date": 5000}, {"id": private.id, "deleted_date": 6000}]
    assert [d["id"] for d in api.all(path, "k", {"visibility": "PRIVATE", "updated_since": 5500})] == [private.id]


# --- attendances -------------------------------------------------------------------------------------


def test_attendances_are_those_for_owned_events_and_those_the_organization_recruited(api, make):
    independent = make.org(coordinated=False, key="ind")
    org = make.org(key="k", promotes=[independent])
    own_event, their_event = make.event(org), make.event(independent)
    person = make.person(org)
    mine = make.attendance(person, own_event)
    recruited_by_them = make.attendance(make.person(independent), own_event, sponsor=independent)
    recruited_by_me = make.attendance(make.person(org), their_event, sponsor=org)
    make.attendance(make.person(independent), their_event)  # theirs alone
    ids = {a.get("id") for a in api.all(f"organizations/{org.id}/attendances", "k")}
    assert ids == {mine.id, recruited_by_them.id, recruited_by_me.id}


def test_across_the_firewall_an_independent_requester_gets_no_ids_and_only_the_event_type(api, make):
    coordinated = make.org(key="coord")
    independent = make.org(coordinated=False, key="ind", promotes=[coordinated])
    event = make.event(coordinated, event_type="PHONE_BANK")
    make.attendance(make.person(independent), event, sponsor=independent)
    [attendance] = api.all(f"organizations/{independent.id}/attendances", "ind")
    assert "id" not in attendance
    assert attendance["event"] == {"event_type": "PHONE_BANK"}
    assert "id" not in attendance["timeslot"] and attendance["timeslot"]["start_date"] == FUTURE
    # The coordinated owner sees everything about its own event's attendance.
    [own_view] = api.all(f"organizations/{coordinated.id}/attendances", "coord")
    assert "id" in own_view and own_view["event"]["id"] == event.id and "id" in own_view["timeslot"]


def test_a_coordinated_requester_does_not_see_an_independent_promoter(api, make):
    independent = make.org(coordinated=False)
    org = make.org(key="k")
    event = make.event(org)
    make.attendance(make.person(org), event, sponsor=independent)
    make.attendance(make.person(org), event)
    through_independent, own = api.all(f"organizations/{org.id}/attendances", "k")
    assert "sponsor" not in through_independent
    assert own["sponsor"]["id"] == org.id


def test_referrer_is_omitted_when_the_signup_came_through_someone_elses_promotion(api, make):
    promoter = make.org(key="promoter")
    org = make.org(key="k", promotes=[promoter])
    event = make.event(org)
    promoter.promotes.add(org)
    make.attendance(make.person(org), event, sponsor=promoter, utm_source="partner", referrer_url="https://x.test/")
    make.attendance(make.person(org), event, utm_source="email")
    via_promoter, direct = api.all(f"organizations/{org.id}/attendances", "k")
    assert "referrer" not in via_promoter
    assert direct["referrer"]["utm_source"] == "email"
    [promoters_view] = [a for a in api.all(f"organizations/{promoter.id}/attendances", "promoter")]
    assert promoters_view["referrer"] == {
        "utm_source": "partner",
        "utm_medium": None,
        "utm_campaign": None,
        "utm_term": None,
        "utm_content": None,
        "url": "https://x.test/",
    }


def test_custom_signup_field_values_are_only_for_the_event_owner(api, make):
    owner = make.org(key="owner")
    promoter = make.org(key="promoter", promotes=[owner])
    event = make.event(owner)
    values = [{"custom_field_id": 1, "custom_field_name": "tshirt", "text_value": "M", "boolean_value": None}]
    make.attendance(make.person(promoter), event, sponsor=promoter, custom_signup_field_values=values)
    [owners_view] = api.all(f"organizations/{owner.id}/attendances", "owner")
    [promoters_view] = api.all(f"organizations/{promoter.id}/attendances", "promoter")
    assert owners_view["custom_signup_field_values"] == values
    assert "custom_signup_field_values" not in promoters_view


def test_email_is_withheld_when_the_volunteers_organization_restricts_sharing(api, make):
    restricting = make.org(coordinated=False, restricts_sharing=True)
    open_org = make.org()
    org = make.org(key="k")
    event = make.event(org)
    hidden = make.attendance(make.person(restricting), event, sponsor=restricting)
    shared = make.attendance(make.person(open_org), event)
    affiliated = make.attendance(make.person(restricting, org), event)
    by_person = {a["person"]["id"]: a["person"] for a in api.all(f"organizations/{org.id}/attendances", "k")}
    assert by_person[hidden.person_id]["email_addresses"] == []
    assert by_person[shared.person_id]["email_addresses"] == [{"primary": True, "address": shared.person.email_address}]
    assert by_person[affiliated.person_id]["email_addresses"] != []


def test_attendances_carry_the_sandbox_extensions(api, make):
    org = make.org(key="k")
    virtual = make.event(org, is_virtual=True)
    make.attendance(
        make.person(org),
        virtual,
        rating="POSITIVE",
        feedback="Great",
        override_start_date=FUTURE + 600,
        override_end_date=FUTURE + 4200,
    )
    make.attendance(make.person(org), virtual)
    picked, plain = api.all(f"organizations/{org.id}/attendances", "k")
    assert (picked["rating"], picked["feedback"]) == ("POSITIVE", "Great")
    assert (picked["override_start_date"], picked["override_end_date"]) == (FUTURE + 600, FUTURE + 4200)
    assert plain["rating"] is None and plain["feedback"] is None
    assert "override_start_date" not in plain and "override_end_date" not in plain


def test_attendances_updated_since_filters_on_the_attendances_modified_date(api, make):
    org = make.org(key="k")
    event = make.event(org)
    make.attendance(make.person(org), event, modified_date=100)
    recent = make.attendance(make.person(org), event, modified_date=300)
    found = api.all(f"organizations/{org.id}/attendances", "k", {"updated_since": 200})
    assert [a["id"] for a in found] == [recent.id]


def test_the_attendance_count_counts_exactly_the_listed_attendances(api, make):
    partner = make.org(key="partner")
    org = make.org(key="k", promotes=[partner])
    partner.promotes.add(org)
    own, theirs = make.event(org), make.event(partner)
    for modified, (event, sponsor) in enumerate([(own, org), (own, partner), (theirs, org), (theirs, partner)] * 2):
        make.attendance(make.person(), event, sponsor=sponsor, modified_date=modified)
    for params in ({}, {"updated_since": 3}):
        _, body = api.get(f"organizations/{org.id}/attendances", "k", {**params, "per_page": 2})
        assert body["count"] == len(api.all(f"organizations/{org.id}/attendances", "k", params))
    assert body["count"] == 3  # modified 4 (own/org), 5 (own/partner), 6 (theirs/org)


def test_a_single_attendance_is_found_in_the_organizations_attendances_only(api, make):
    org, other = make.org(key="k"), make.org(key="o")
    attendance = make.attendance(make.person(org), make.event(org))
    status, body = api.get(f"organizations/{org.id}/attendances/{attendance.id}", "k")
    assert status == 200 and body["data"]["id"] == attendance.id and body["data"]["status"] == "REGISTERED"
    assert api.get(f"organizations/{other.id}/attendances/{attendance.id}", "o")[0] == 404


def test_event_attendances_cover_all_signups_of_an_owned_or_promoted_event(api, demo):
    ids = {a["id"] for a in api.all("organizations/1001/events/30001/attendances", DEMO_KEY)}
    assert ids == {700034, 700035, 700036, 700037}  # three recruited by 1001, one by 3003 itself
    assert api.get("organizations/3003/events/20001/attendances", "demo-allied-key")[0] == 404


# --- people, organizations, enums --------------------------------------------------------------------


def test_people_are_the_organizations_affiliates_with_the_canonical_user_id(api, make):
    org = make.org(key="k")
    person = make.person(org, given_name="Ana", phone_number="2155550100", postal_code="19102")
    make.person(make.org())
    [record] = api.all(f"organizations/{org.id}/people", "k")
    assert record["id"] == person.id and record["person_id"] == person.id and record["user_id"] == person.user_id
    assert record["email_addresses"] == [{"primary": True, "address": person.email_address}]
    assert record["phone_numbers"] == [{"primary": True, "number": "2155550100"}]
    assert record["postal_addresses"] == [{"primary": True, "postal_code": "19102"}]
    assert record["sms_opt_in_status"] == "UNSPECIFIED" and record["blocked_date"] is None


def test_people_updated_since(api, make):
    org = make.org(key="k")
    make.person(org, modified_date=10)
    recent = make.person(org, modified_date=20)
    assert [p["id"] for p in api.all(f"organizations/{org.id}/people", "k", {"updated_since": 15})] == [recent.id]


def test_organizations_are_public_and_filter_by_updated_since(api, make):
    make.org(modified_date=10)
    recent = make.org(modified_date=20, is_primary_campaign=True)
    [record] = api.all("organizations", params={"updated_since": 15})
    assert record["id"] == recent.id and record["is_primary_campaign"] is True
    assert record["is_coordinated"] is True and record["is_independent"] is False


def test_promoted_organizations_are_listed_for_members(api, demo):
    ids = [o["id"] for o in api.all("organizations/1001/promoted_organizations", DEMO_KEY)]
    assert ids == [2002, 3003]


def test_enums_are_public(api):
    status, body = api.get("enums")
    assert status == 200
    assert {"event_type", "visibility", "accessibility_status", "approval_status", "timezone", "sms_opt_in"} <= set(
        body["data"]
    )
    assert "CANVASS" in body["data"]["event_type"]


# --- rate limit --------------------------------------------------------------------------------------


def test_gets_above_the_rate_are_429_with_the_error_envelope(api, settings):
    settings.SANDBOX_GET_RATE = "2/minute"
    assert api.get("enums")[0] == 200
    assert api.get("enums")[0] == 200
    status, body = api.get("enums")
    assert status == 429
    assert body["data"] is None and body["error"]["detail"]
    # The limit is per client IP.
    assert api.get("enums", REMOTE_ADDR="10.0.0.9")[0] == 200
