"""Mobilize -> Ascend end to end over HTTP: the mirror, the flow and the Ascend sandbox (seed 001)."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError

from integrations.models import Activity, AutomationFiring, FieldRule, SyncItem, SyncOption, SyncRun
from tests.flows.actionkit._world import OURS, attendance

from . import _ascend

pytestmark = pytest.mark.django_db(transaction=True)

ANA, BEN, CY, DEE = "+12155550101", "+12155550102", "+12155550103", "+12155550104"


def succeeded(run: SyncRun) -> SyncRun:
    assert run.status == SyncRun.Status.SUCCEEDED, run.message
    return run


def skipped(run: SyncRun) -> dict[str, str]:
    return {item.label: item.error for item in run.items.filter(action=SyncItem.Action.SKIPPED, stream="members")}


def sign_up(ascend, key: str, who: str, attendance_id: int, timeslot: int = 101, **overrides) -> dict:
    """A new signup to our canvass (event 10), submitted now."""
    record = attendance(attendance_id, ascend.world.people[who], 10, timeslot, OURS, **overrides)
    record["created_date"] = record["modified_date"] = int(time.time())
    ascend.world.attendances[key] = record
    return record


def test_a_signup_with_a_mobile_phone_and_sms_opt_in_becomes_a_member_in_the_events_group(ascend):
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    run = succeeded(ascend.sync())
    ana = _ascend.member(ANA)
    assert (ana["first_name"], ana["last_name"], ana["email"], ana["zip"]) == (
        "Ana",
        "Lopez",
        "ana@example.com",
        "19103",
    )
    assert ana["subscription_status"] == "subscribed"
    assert _ascend.group_members("Event 10") == {ANA, BEN}, "the event group, named like the event"
    assert run.created >= 2


def test_existing_member_is_updated_under_each_sync_option(ascend):
    from sandbox.ascend.setup import create_member

    create_member(ascend.account, ANA, first_name="Annie", last_name="", email="old@example.com", zip="")
    config = ascend.config
    FieldRule.objects.filter(config=config, mobilize_field="email").update(sync=SyncOption.OVERWRITE)
    FieldRule.objects.filter(config=config, mobilize_field="zip").update(sync=SyncOption.IGNORE)
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    run = succeeded(ascend.sync())
    signups = {
        item.source_id: item.action for item in run.items.filter(stream="members", source_id__in=["7001", "7002"])
    }
    assert signups == {"7001": SyncItem.Action.UPDATED, "7002": SyncItem.Action.CREATED}, "Ana existed: updated"
    ana = _ascend.member(ANA)
    assert ana["first_name"] == "Annie", "Populate keeps a filled Ascend field"
    assert ana["last_name"] == "Lopez", "Populate fills an empty one"
    assert ana["email"] == "ana@example.com", "Overwrite replaces it"
    assert ana["zip"] == "", "Ignore never syncs"


def test_ignored_submissions_say_why_and_are_findable_by_email_or_phone(ascend):
    from sandbox.ascend.setup import create_member, unsubscribe

    ascend.world.people["cy"]["phone_numbers"] = []
    ascend.world.people["dee"]["sms_opt_in_status"] = "OPT_OUT"
    create_member(ascend.account, BEN, first_name="Ben")
    unsubscribe(ascend.account, BEN)
    sign_up(ascend, "cy_multi", "cy", 7101)
    sign_up(ascend, "dee_multi", "dee", 7102)
    ascend.load()
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    run = succeeded(ascend.sync())
    reasons = skipped(run)
    by_email = {label.split()[0]: error for label, error in reasons.items()}
    assert "mobile phone" in by_email["cy@example.com"]
    assert "opt-in" in by_email["dee@example.com"].lower() or "opt in" in by_email["dee@example.com"].lower()
    assert "unsubscribed" in by_email["ben@example.com"]
    assert any(BEN in label for label in reasons), "findable by phone too"
    ben = _ascend.member(BEN)
    assert ben["first_name"] == "Ben" and ben["last_name"] == "", "an unsubscribed member is never touched"
    assert _ascend.member(DEE) is None


def test_a_new_member_is_not_created_while_create_new_members_is_off(ascend):
    from sandbox.ascend.setup import create_member

    config = ascend.config
    config.create_new_members = False
    config.save()
    create_member(ascend.account, ANA, first_name="")
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    run = succeeded(ascend.sync())
    assert _ascend.member(ANA)["first_name"] == "Ana", "an existing member is still updated"
    assert _ascend.member(BEN) is None
    assert any("Create new members" in error for error in skipped(run).values())


def test_custom_signup_fields_are_listed_and_two_may_map_to_one_ascend_field(ascend):
    values = [
        {"custom_field_id": 1, "custom_field_name": "Shirt size", "text_value": "M", "boolean_value": None},
        {"custom_field_id": 2, "custom_field_name": "T-shirt", "text_value": None, "boolean_value": None},
    ]
    sign_up(ascend, "cy_multi", "cy", 7101, custom_signup_field_values=values)
    ascend.load()
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    succeeded(ascend.sync())
    listed = set(
        FieldRule.objects.filter(config=ascend.config, is_default=False).values_list("mobilize_field", flat=True)
    )
    assert listed == {"custom:Shirt size", "custom:T-shirt"}, "discovered from attendance data"
    FieldRule.objects.filter(config=ascend.config, is_default=False).update(ascend_field="shirt_size")
    ascend.world.touch(ascend.world.attendances["cy_multi"])
    ascend.load()
    succeeded(ascend.sync())
    assert _ascend.member(CY)["custom_fields"] == {"shirt_size": "M"}


def test_a_custom_field_cannot_be_mapped_onto_a_field_a_default_mapping_uses(ascend):
    rule = FieldRule(config=ascend.config, mobilize_field="custom:Work email", ascend_field="email")
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "default mapping" in str(refused.value)


def test_phone_formats_normalize_to_one_member(ascend):
    ascend.world.people["cy"]["phone_numbers"] = [{"primary": True, "number": "+1 (215) 555-0101"}]
    sign_up(ascend, "cy_multi", "cy", 7101)
    ascend.load()
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    succeeded(ascend.sync())
    assert _ascend.phones() == {ANA, BEN}, "Cy's number is Ana's, written another way: one member"


def test_every_activity_fires_once_and_only_once(ascend):
    from sandbox.ascend.setup import create_flow

    row = ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    flows = {activity: create_flow(ascend.account, f"On {activity}") for activity in Activity.values}
    for activity, flow in flows.items():
        ascend.automation(f"Canvass {activity}", row, activity, flow)
    succeeded(ascend.sync())
    assert _ascend.starts() == {("On registers", ANA), ("On registers", BEN)}
    ana, ben = ascend.world.attendances["ana_multi"], ascend.world.attendances["ben_multi"]
    ascend.world.touch(ana)["status"] = "CONFIRMED"
    ascend.world.touch(ben)["status"] = "CANCELLED"
    ascend.load()
    succeeded(ascend.sync())
    ascend.world.touch(ana)["attended"] = True
    ascend.load()
    succeeded(ascend.sync())
    expected = {
        ("On registers", ANA),
        ("On registers", BEN),
        ("On confirms", ANA),
        ("On cancels", BEN),
        ("On attends", ANA),
    }
    assert _ascend.starts() == expected
    succeeded(ascend.sync())
    succeeded(ascend.sync(full_resync=True))
    assert _ascend.starts() == expected, "a rerun and a full resync fire nothing again"
    assert _ascend.start_count() == len(expected)


def test_waitlisted_fires_for_a_registration_to_a_full_timeslot(ascend):
    from sandbox.ascend.setup import create_flow

    ascend.world.events["multi"]["timeslots"][2]["is_full"] = True
    sign_up(ascend, "cy_full", "cy", 7101, timeslot=103)
    ascend.load()
    row = ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    ascend.automation("Waitlist", row, Activity.WAITLISTED, create_flow(ascend.account, "Waitlist"))
    ascend.automation("Registered", row, Activity.REGISTERS, create_flow(ascend.account, "Registered"))
    succeeded(ascend.sync())
    assert ("Waitlist", CY) in _ascend.starts() and ("Registered", CY) not in _ascend.starts()


def test_an_ab_test_splits_members_evenly_and_records_each_ones_variant(ascend):
    from sandbox.ascend.setup import create_flow

    sign_up(ascend, "cy_multi", "cy", 7101)
    sign_up(ascend, "dee_multi", "dee", 7102)
    ascend.load()
    row = ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    a, b = create_flow(ascend.account, "Reminder A"), create_flow(ascend.account, "Reminder B")
    automation = ascend.automation("A/B reminder", row, Activity.REGISTERS, a, b)
    succeeded(ascend.sync())
    starts = _ascend.starts()
    assert sum(1 for flow, _ in starts if flow == "Reminder A") == 2
    assert sum(1 for flow, _ in starts if flow == "Reminder B") == 2
    recorded = {firing.phone: firing.flow_id for firing in AutomationFiring.objects.filter(automation=automation)}
    assert recorded == {phone: str(a.pk if flow == "Reminder A" else b.pk) for flow, phone in starts}


def test_nothing_fires_for_a_member_without_opt_in(ascend):
    from sandbox.ascend.setup import create_flow

    ascend.world.people["ben"]["sms_opt_in_status"] = "OPT_OUT"
    ascend.load()
    row = ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    ascend.automation("Welcome", row, Activity.REGISTERS, create_flow(ascend.account, "Welcome"))
    succeeded(ascend.sync())
    assert _ascend.starts() == {("Welcome", ANA)}


def test_only_submissions_after_the_sync_or_within_15_minutes_before_are_imported(ascend):
    ascend.synced_event("multi", since_minutes=10)
    recent = sign_up(ascend, "cy_multi", "cy", 7101)
    recent["created_date"] = int(time.time()) - 14 * 60  # before the sync, within the 15 minutes
    ascend.load()
    run = succeeded(ascend.sync())
    assert _ascend.phones() == {CY}, "Ana and Ben signed up a day before the event was synced"
    assert any("before its event was synced" in error for error in skipped(run).values())


def test_sync_new_events_syncs_every_event_and_lists_them_on_the_events_tab(ascend):
    from django.utils import timezone

    from integrations.models import AscendEvent

    config = ascend.config
    config.sync_new_events = True
    config.sync_new_events_since = timezone.now() - timezone.timedelta(days=3)
    config.save()
    succeeded(ascend.sync())
    rows = AscendEvent.objects.filter(config=config)
    assert rows.count() == len(ascend.world.events) and all(row.synced for row in rows)
    assert "Event 10" in _ascend.group_names()


def test_sync_accounts_off_writes_nothing(ascend):
    config = ascend.config
    config.sync_accounts = False
    config.save()
    ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    run = succeeded(ascend.sync())
    assert "Sync accounts is off" in run.message
    assert ascend.writes == 0 and _ascend.phones() == set()


def test_syncing_an_event_on_the_events_tab_makes_its_group_and_backfills_the_last_15_minutes(ascend):
    from integrations import ascend_services
    from integrations.models import AscendEvent

    recent = sign_up(ascend, "cy_multi", "cy", 7101)
    recent["created_date"] = int(time.time()) - 10 * 60
    ascend.load()
    first = succeeded(ascend.sync())
    assert any("not synced" in error for error in skipped(first).values())
    assert _ascend.group_names() == set()
    assert ascend_services.fetch_events(ascend.config) >= 10
    row = AscendEvent.objects.get(config=ascend.config, mobilize_event_id=10)
    ascend_services.set_event_synced(row, True)  # the Sync button (its queued run is this test's next)
    succeeded(ascend.sync())
    assert "Event 10" in _ascend.group_names(), "syncing the event made its group"
    assert _ascend.phones() == {CY}, "Cy signed up 10 minutes before the sync: backfilled; Ana and Ben a day before"


def test_an_automation_can_also_add_the_member_to_groups(ascend):
    from sandbox.ascend.setup import create_flow, create_group

    volunteers = create_group(ascend.account, "Canvass volunteers")
    row = ascend.synced_event("multi", since_minutes=3 * 24 * 60)
    ascend.automation(
        "Welcome", row, Activity.REGISTERS, create_flow(ascend.account, "Welcome"), groups=[volunteers.pk]
    )
    succeeded(ascend.sync())
    assert _ascend.group_members("Canvass volunteers") == {ANA, BEN}
