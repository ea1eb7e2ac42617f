"""Attribution end to end: a synced signup whose referrer carries a member link's utm_content counts."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from integrations.flows.ascend import tracking
from integrations.flows.ascend.sync import MembersStream
from integrations.models import AscendConfig, FormSubmission, IntegrationKind, MemberLink, SyncRun, TrackedLink
from tests.flows.actionkit._world import OURS, attendance

from . import _ascend

pytestmark = pytest.mark.django_db(transaction=True)

ANA, BEN, CY = "+12155550101", "+12155550102", "+12155550103"
EVENT_URL = "https://www.mobilize.us/x/event/10/"


def member_link(config: AscendConfig, phone: str, message_id: str = "msg-1") -> MemberLink:
    tracked, _ = TrackedLink.objects.get_or_create(config=config, message_id=message_id, destination_url=EVENT_URL)
    return MemberLink.objects.create(tracked_link=tracked, phone=phone)


def synced(ascend, **options) -> SyncRun:
    ascend.load()
    run = ascend.sync(**options)
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    return run


def test_a_signup_with_a_known_utm_content_counts_once(ascend, monkeypatch):
    ana = member_link(ascend.config, ANA)
    record = ascend.world.attendances["ana_multi"]
    record["referrer"] = {**record["referrer"], "utm_medium": "sms", "utm_content": tracking.encode_member_link(ana.pk)}
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    synced(ascend)
    submission = FormSubmission.objects.get()
    assert (submission.member_link_id, submission.mobilize_attendance_id) == (ana.pk, 7001)
    assert submission.submitted_at == datetime.fromtimestamp(record["created_date"], tz=UTC)
    assert _ascend.group_members("Event 10") == {ANA, BEN}, "the members stream did its own work as before"

    # A full resync (the ledger's hashes ignored) applies the attendance again: it still counts once.
    seen = []
    original = MembersStream.attribute
    monkeypatch.setattr(MembersStream, "attribute", lambda self, data: seen.append(data["id"]) or original(self, data))
    synced(ascend, full_resync=True)
    assert 7001 in seen, "the attendance was attributed again"
    assert FormSubmission.objects.count() == 1


def test_the_utm_content_of_the_referrer_url_counts_too(ascend):
    cy = member_link(ascend.config, CY)
    token = tracking.encode_member_link(cy.pk)
    referrer = {
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "utm_term": None,
        "utm_content": None,
        "url": f"{EVENT_URL}?source=sms&utm_medium=sms&utm_content={token}&utm_campaign=x",
    }
    # Cy signs up to our canvass now, from the short link's redirect.
    record = attendance(7101, ascend.world.people["cy"], 10, 101, OURS, referrer=referrer)
    record["created_date"] = record["modified_date"] = int(time.time())
    ascend.world.attendances["cy_multi"] = record
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    synced(ascend)
    assert list(FormSubmission.objects.values_list("member_link_id", "mobilize_attendance_id")) == [(cy.pk, 7101)]
    assert CY in _ascend.group_members("Event 10")


def test_unknown_forged_or_foreign_utm_content_counts_nothing(ascend, make_integration):
    other = AscendConfig.objects.create(
        integration=make_integration(ascend.organization, kind=IntegrationKind.ASCEND, name="Other Ascend")
    )
    foreign = member_link(other, ANA)
    mine = member_link(ascend.config, CY)
    # Ana's utm_content is a member link of another integration; Cy's is forged (a valid id, a wrong signature).
    ascend.world.attendances["ana_multi"]["referrer"]["utm_content"] = tracking.encode_member_link(foreign.pk)
    forged = tracking.encode_member_link(mine.pk).rpartition("-")[0] + "-" + "a" * 16
    record = attendance(7101, ascend.world.people["cy"], 10, 101, OURS, referrer={"utm_content": forged})
    record["created_date"] = record["modified_date"] = int(time.time())
    ascend.world.attendances["cy_multi"] = record
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    synced(ascend)
    assert not FormSubmission.objects.exists()
    assert _ascend.group_members("Event 10") == {ANA, BEN, CY}


def test_a_plain_referrer_counts_nothing(ascend):
    member_link(ascend.config, ANA)
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    synced(ascend)
    assert ascend.world.attendances["ana_multi"]["referrer"]["utm_content"] == "button"
    assert not FormSubmission.objects.exists()
