"""The real MobilizeClient, unchanged, against the sandbox over HTTP (pytest-django's live_server)."""

from __future__ import annotations

import threading

import pytest

from integrations.connectors.errors import AuthenticationError, MalformedResponseError, NotFoundError, ServerError
from integrations.connectors.mobilize import MobilizeClient, is_private_address
from sandbox.mobilize.loader import load_file
from sandbox.mobilize.models import Attendance, Event
from sandbox.models import FaultKind, FaultRule

from .conftest import DEMO_FILE, DEMO_KEY, INDEPENDENT_KEY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def served(transactional_db, live_server):
    """The demo data, served; returns a factory of clients for an organization and key."""
    load_file(DEMO_FILE)
    made: list[MobilizeClient] = []
    earlier = set(threading.enumerate())

    def client(organization_id: int = 1001, key: str | None = DEMO_KEY, **kwargs) -> MobilizeClient:
        made.append(MobilizeClient(f"{live_server.url}/sandbox/mobilize/v1", key, organization_id, **kwargs))
        return made[-1]

    yield client
    # Every kept-alive connection of this test must close, and the live server's thread serving
    # it end, while that thread may still use the test database. (This urllib3 closes a cleared
    # pool's connections only when the pool is garbage-collected, so close the pools themselves.)
    for made_client in made:
        for adapter in made_client.session.adapters.values():
            pools = adapter.poolmanager.pools
            for key in list(pools.keys()):
                pools[key].close()
        made_client.session.close()
    # Also wait for a request the sandbox still holds (a timeout fault outlives the client).
    for thread in set(threading.enumerate()) - earlier:
        if "process_request_thread" in thread.name:
            thread.join(timeout=30)


def test_the_client_pages_every_event_through_the_cursor_links(served):
    client = served(per_page=2)
    events = list(client.get_organization_events())
    expected = Event.objects.filter(organization_id__in=[1001, 2002, 3003], approval_status="APPROVED").exclude(
        visibility="PRIVATE", organization_id__in=[2002, 3003]
    )
    assert sorted(e["id"] for e in events) == sorted(expected.values_list("id", flat=True))
    assert len(events) == len({e["id"] for e in events})
    assert client.stats.requests["GET"] == -(-len(events) // 2)


def test_the_client_reads_every_stream_of_the_demo(served):
    client = served()
    assert client.test_connection()["name"] == "Demo Campaign"
    assert [o["id"] for o in client.get_promoted_organizations()] == [2002, 3003]
    attendances = list(client.get_organization_attendances())
    assert (
        len(attendances)
        == Attendance.objects.filter(sponsor_id=1001).count()
        + Attendance.objects.filter(event__organization_id=1001).exclude(sponsor_id=1001).count()
    )
    assert all(a["person"]["user_id"] for a in attendances)
    people = list(client.get_organization_people())
    assert len(people) == 25 and all(p["email_addresses"] for p in people)
    assert [d["id"] for d in client.get_deleted_events()] == [10010, 20003]
    assert {a["id"] for a in client.get_event_attendances(30001)} == {700034, 700035, 700036, 700037}
    assert client.get_organization_attendance(700001)["status"] in {"REGISTERED", "CONFIRMED", "CANCELLED"}
    assert "CANVASS" in client.get_enums()["event_type"]


def test_the_owner_gets_privileged_data_and_a_promoter_does_not(served):
    own = served().get_organization_event(10004)
    assert own["contact"]["email_address"] == "events@demo-campaign.example.org"
    assert own["location"]["venue"] == "The Nguyens' home"
    theirs = {e["id"]: e for e in served(2002, INDEPENDENT_KEY).get_organization_events()}[10004]
    assert theirs["contact"] is None and theirs["instructions"] is None
    assert is_private_address(theirs["location"]), theirs["location"]["venue"]  # in whichever wording
    assert theirs["address_visibility"] == "PRIVATE"


def test_an_independent_organization_sees_the_firewall_omissions(served):
    attendances = list(served(2002, INDEPENDENT_KEY).get_organization_attendances())
    across = [a for a in attendances if a["event"]["sponsor"] is None]
    assert across, "2002 recruited for 1001's coordinated events"
    for attendance in across:
        assert attendance["id"] is None and attendance["timeslot"]["id"] is None
        assert attendance["event"]["event_type"] and attendance["event"]["title"] is None


def test_a_coordinated_organization_gets_empty_emails_of_a_restricting_organizations_volunteers(served):
    attendances = list(served().get_organization_attendances())
    recruited_by_pac = [a for a in attendances if a["person"]["id"] in (526, 527, 528)]
    assert recruited_by_pac
    assert all(a["person"]["email_addresses"] == [] for a in recruited_by_pac)
    assert all(a["sponsor"] is None for a in recruited_by_pac)  # promoter across the firewall


def test_a_bad_key_is_an_authentication_error_without_retries(served):
    client = served(key="wrong-key")
    with pytest.raises(AuthenticationError):
        list(client.get_organization_events())
    assert client.stats.requests["GET"] == 1 and client.stats.retries == 0


def test_an_event_neither_owned_nor_promoted_is_not_found(served):
    with pytest.raises(NotFoundError):
        served(3003, "demo-allied-key").get_organization_event(20001)


def test_updated_since_returns_what_changed_after_the_watermark(served):
    client = served()
    watermark = max(e["modified_date"] for e in client.get_organization_events()) + 1
    assert list(client.get_organization_events(updated_since=watermark)) == []
    event = Event.objects.get(pk=10005)
    event.title = "Accessible town hall (moved)"
    event.save()
    changed = list(client.get_organization_events(updated_since=watermark))
    assert [e["id"] for e in changed] == [10005] and changed[0]["title"].endswith("(moved)")


def test_timeslot_comparisons_through_the_client(served):
    today = 1_795_996_800
    events = {e["id"]: e for e in served().get_organization_events(timeslot_start=("lt", today))}
    assert list(events) == [10008]  # the one event with a past timeslot
    assert len(events[10008]["timeslots"]) == 1


def test_the_client_notices_results_limited_to(served, settings):
    settings.SANDBOX_MOBILIZE_SEARCH_LIMIT = 3
    client = served(per_page=2)
    records = list(client.paginate("organizations/1001/events", {"zipcode": "19102"}))
    assert len(records) == 3
    assert client.warnings and "limited" in client.warnings[0]


def test_over_the_rate_the_client_is_told_429_retries_and_still_gets_everything(served, settings):
    settings.SANDBOX_GET_RATE = "5/second"
    settings.MOBILIZE_READ_RATE = "1000/second"  # the client does not hold back: the sandbox must
    client = served(per_page=3, max_attempts=60)
    people = list(client.get_organization_people())
    assert len(people) == 25
    assert client.stats.rate_limited_responses > 0


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE, FaultKind.RATE_LIMIT])
def test_status_faults_are_retried_until_the_rule_runs_out(served, kind):
    FaultRule.objects.create(system="mobilize", path_pattern="/people", kind=kind, remaining=2)
    client = served(per_page=10)
    assert len(list(client.get_organization_people())) == 25
    assert client.stats.retries == 2


def test_a_malformed_body_is_retried(served):
    FaultRule.objects.create(system="mobilize", path_pattern="/people", kind=FaultKind.MALFORMED, remaining=1)
    client = served(per_page=100)
    assert len(list(client.get_organization_people())) == 25
    assert client.stats.requests["GET"] == 2


def test_a_timeout_is_retried(served, settings):
    settings.SANDBOX_TIMEOUT_FAULT_SECONDS = 1.0
    FaultRule.objects.create(system="mobilize", path_pattern="/people", kind=FaultKind.TIMEOUT, remaining=1)
    client = served(per_page=100, timeout=0.3)
    assert len(list(client.get_organization_people())) == 25
    assert client.stats.retries == 1


def test_latency_delays_but_does_not_fail(served):
    rule = FaultRule.objects.create(system="mobilize", kind=FaultKind.LATENCY, latency_ms=50, remaining=3)
    client = served(per_page=100)
    assert len(list(client.get_organization_people())) == 25
    assert client.stats.retries == 0
    rule.refresh_from_db()
    assert rule.hits == 1


def test_a_fault_that_never_ends_surfaces_as_the_clients_typed_error(served):
    FaultRule.objects.create(system="mobilize", path_pattern="/people", kind=FaultKind.SERVER_ERROR)
    with pytest.raises(ServerError):
        list(served(max_attempts=2).get_organization_people())
    FaultRule.objects.all().delete()
    FaultRule.objects.create(system="mobilize", path_pattern="/people", kind=FaultKind.MALFORMED)
    with pytest.raises(MalformedResponseError):
        list(served(max_attempts=2).get_organization_people())
