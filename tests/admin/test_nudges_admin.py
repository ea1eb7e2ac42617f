"""The nudges' admin: added from the Ascend integration page, scoped to the organization, sends read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from integrations.admin.nudges import SHORT_DELAY_WARNING
from integrations.models import MemberLink, Nudge, NudgeSend, TrackedLink

from .test_ascend_admin import API_KEY_A, API_KEY_B, change_url, make_ascend, messages_of


@pytest.fixture
def ascend_a(tenant_a, make_integration):
    return make_ascend(tenant_a, make_integration, API_KEY_A)


@pytest.fixture
def links(ascend_a, tenant_b, make_integration) -> tuple[TrackedLink, TrackedLink]:
    ascend_b = make_ascend(tenant_b, make_integration, API_KEY_B)
    ours = TrackedLink.objects.create(config=ascend_a.ascend, message_id="m-a", destination_url="https://m.us/e/1/")
    theirs = TrackedLink.objects.create(config=ascend_b.ascend, message_id="m-b", destination_url="https://m.us/e/2/")
    return ours, theirs


def nudge_data(link: TrackedLink, **changes) -> dict:
    data = {
        "tracked_link": str(link.pk),
        "name": "Finish signing up",
        "message": "You looked at the phonebank: sign up here!",
        "delay": "1 00:00:00",
        "only_group_id": "",
        "enabled": "on",
        "expires_at_0": "",
        "expires_at_1": "",
        "quiet_start_hour": "21",
        "quiet_end_hour": "9",
        "time_zone": "America/New_York",
        "sends-TOTAL_FORMS": "0",
        "sends-INITIAL_FORMS": "0",
        "sends-MIN_NUM_FORMS": "0",
        "sends-MAX_NUM_FORMS": "1000",
    }
    return {**data, **changes}


def test_a_nudge_is_added_from_the_ascend_page_and_listed_there(ascend_a, tenant_a, login, links):
    ours, theirs = links
    client = login(tenant_a.admin)
    page = client.get(change_url(ascend_a)).content.decode()
    add_url = reverse("admin:integrations_nudge_add") + f"?config={ascend_a.ascend.pk}"
    assert 'id="ascend-nudges"' in page and f'href="{add_url}"' in page and "No nudges yet." in page
    form = client.get(add_url).context["adminform"].form
    assert list(form.fields["tracked_link"].queryset) == [ours]
    assert form.fields["delay"].help_text.startswith("How long after") and "1 day" in form.fields["delay"].help_text

    response = client.post(reverse("admin:integrations_nudge_add"), nudge_data(ours))
    assert response.status_code == 302
    nudge = Nudge.objects.get()
    assert (nudge.tracked_link, nudge.delay, nudge.quiet_start_hour, nudge.quiet_end_hour) == (
        ours,
        timedelta(days=1),
        21,
        9,
    )
    assert SHORT_DELAY_WARNING not in messages_of(response)
    assert "Finish signing up" in client.get(change_url(ascend_a)).content.decode()

    # Refused: another organization's tracked link, a time zone zoneinfo does not know, an hour past 23.
    for changes in ({"tracked_link": str(theirs.pk)}, {"time_zone": "Mars/Olympus"}, {"quiet_end_hour": "24"}):
        response = client.post(reverse("admin:integrations_nudge_add"), nudge_data(ours, **changes))
        assert response.status_code == 200, changes
    assert Nudge.objects.count() == 1


def test_a_delay_shorter_than_a_day_saves_with_a_warning(tenant_a, login, links):
    client = login(tenant_a.admin)
    response = client.post(reverse("admin:integrations_nudge_add"), nudge_data(links[0], delay="04:00:00"))
    assert response.status_code == 302
    assert Nudge.objects.get().delay == timedelta(hours=4)
    assert SHORT_DELAY_WARNING in messages_of(response)


def test_sends_are_read_only_and_other_organizations_nudges_are_not_found(tenant_a, tenant_b, login, links):
    ours, theirs = links
    mine = Nudge.objects.create(tracked_link=ours, message="Hi")
    foreign = Nudge.objects.create(tracked_link=theirs, message="Hi")
    member = MemberLink.objects.create(tracked_link=ours, phone="+12155550101")
    NudgeSend.objects.create(nudge=mine, member_link=member, state=NudgeSend.State.SENT, message_id="msg-77")

    client = login(tenant_a.admin)
    page = client.get(reverse("admin:integrations_nudge_change", args=[mine.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "msg-77" in body and "+12155550101" in body and 'name="sends-0-message_id"' not in body
    assert client.get(reverse("admin:integrations_nudge_change", args=[foreign.pk])).status_code == 302
    assert list(client.get(reverse("admin:integrations_nudge_changelist")).context["cl"].result_list) == [mine]
    viewer = login(tenant_a.viewer)
    assert viewer.post(reverse("admin:integrations_nudge_add"), nudge_data(ours)).status_code == 403
