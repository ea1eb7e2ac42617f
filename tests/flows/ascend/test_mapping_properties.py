"""Properties of the Ascend mapping over arbitrary Mobilize-shaped records and rules (hypothesis).

Whatever comes in: a phone is E.164 or None and one number is one member; a submission passes only
with a phone and opt-in to a subscribed (or allowed new) member; an update never sends an empty
value, never reads attendance data, never writes an Ignore-only field, never changes a filled field
under Populate, and applying it leaves nothing more to send; activities are reached at most once
along any history; the A/B split is even.
"""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.connectors.mobilize.records import normalize_attendance, normalize_person
from integrations.flows.ascend.mapping import (
    ASCEND_CORE_FIELDS,
    GROUP_NAME_MAX,
    Rule,
    activities,
    choose_variant,
    group_name,
    has_sms_opt_in,
    ignore_reason,
    is_unsubscribed,
    member_update,
    mobile_phone,
    status_snapshot,
)
from integrations.models.ascend import CORE_FIELDS, CUSTOM_PREFIX, Activity, SyncOption

MAPPING = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
ODD_TEXT = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["", "  ", "Ünï ✓", "a\nb"]))
PHONES = st.one_of(
    ODD_TEXT,
    st.sampled_from(["(212) 555-0123", "+1 212 555 0123", "2125550123", "+44 20 7946 0958", "555", "12"]),
    st.from_regex(r"\A\+?1?[ (.-]{0,2}[2-9]\d{2}[ ).-]{0,2}\d{3}[ .-]?\d{4}\Z"),
)
CUSTOM_NAMES = st.sampled_from(["tshirt", "Employer", "Company", "Notes", " Employer "])
SYNC = st.sampled_from(list(SyncOption.values))
ASCEND_FIELDS = st.sampled_from([*sorted(ASCEND_CORE_FIELDS), "employer", "shirt_size", "", " "])
STATUSES = st.sampled_from(["REGISTERED", "CONFIRMED", "CANCELLED", "registered", None, "UNKNOWN"])

PEOPLE = st.fixed_dictionaries(
    {},
    optional={
        "user_id": st.integers(1, 10**6),
        "given_name": ODD_TEXT,
        "family_name": ODD_TEXT,
        "email_addresses": st.lists(st.fixed_dictionaries({"primary": st.booleans(), "address": ODD_TEXT}), max_size=2),
        "phone_numbers": st.lists(st.fixed_dictionaries({"primary": st.booleans(), "number": PHONES}), max_size=2),
        "postal_addresses": st.lists(
            st.fixed_dictionaries({"primary": st.booleans(), "postal_code": ODD_TEXT}), max_size=2
        ),
        "sms_opt_in_status": st.sampled_from(["OPT_IN", "OPT_OUT", "UNSPECIFIED", None, "opt_in"]),
    },
).map(normalize_person)

ANSWERS = st.lists(
    st.fixed_dictionaries(
        {
            "custom_field_id": st.integers(1, 9),
            "custom_field_name": st.one_of(st.none(), CUSTOM_NAMES),
            "text_value": ODD_TEXT,
            "boolean_value": st.one_of(st.none(), st.booleans()),
        }
    ),
    max_size=5,
)
TIMESLOTS = st.fixed_dictionaries(
    {"id": st.sampled_from([11, 12, None])}, optional={"is_full": st.one_of(st.none(), st.booleans())}
)


def attendances(answers=ANSWERS):
    return st.fixed_dictionaries(
        {
            "status": STATUSES,
            "attended": st.sampled_from([None, True, False]),
            "timeslot": TIMESLOTS,
            "custom_signup_field_values": answers,
        }
    ).map(normalize_attendance)


ATTENDANCES = attendances()
RULES = st.lists(
    st.builds(
        Rule,
        mobilize_field=st.one_of(
            st.sampled_from([*CORE_FIELDS, "status", "attended", "timeslot"]),
            CUSTOM_NAMES.map(lambda name: CUSTOM_PREFIX + name),
        ),
        ascend_field=ASCEND_FIELDS,
        sync=SYNC,
    ),
    max_size=8,
)
MEMBERS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            **{field: ODD_TEXT for field in sorted(ASCEND_CORE_FIELDS)},
            "custom_fields": st.dictionaries(st.sampled_from(["employer", "shirt_size"]), ODD_TEXT, max_size=2),
            "subscription_status": st.sampled_from(["subscribed", "unsubscribed", "Unsubscribed", None]),
        }
    ),
)


def applied(member, update):
    """The member after Ascend applied an update (exactly the fields given, docs/connectors/ascend.md)."""
    fields, custom_fields = update
    result = {**(member or {}), **fields}
    result["custom_fields"] = {**(member or {}).get("custom_fields", {}), **custom_fields}
    return result


@MAPPING
@given(person=PEOPLE)
def test_phone_is_e164_or_none_and_normalizing_twice_changes_nothing(person):
    phone = mobile_phone(person)
    if phone is not None:
        assert E164.match(phone)
        assert mobile_phone({**person, "phone_numbers": [{"primary": True, "number": phone}]}) == phone


@MAPPING
@given(person=PEOPLE, member=MEMBERS, create=st.booleans())
def test_a_submission_passes_only_with_phone_opt_in_and_a_member_it_may_write(person, member, create):
    reason = ignore_reason(person, member, create_new_members=create)
    allowed = (
        mobile_phone(person) is not None
        and has_sms_opt_in(person)
        and not (member is not None and is_unsubscribed(member))
        and (member is not None or create)
    )
    assert (reason is None) == allowed


@MAPPING
@given(person=PEOPLE, attendance=ATTENDANCES, rules=RULES, member=MEMBERS)
def test_member_update_sends_only_non_empty_values_to_the_right_place(person, attendance, rules, member):
    fields, custom_fields = member_update(person, attendance, rules, member)
    assert set(fields) <= ASCEND_CORE_FIELDS
    assert not set(custom_fields) & ASCEND_CORE_FIELDS
    for value in (*fields.values(), *custom_fields.values()):
        assert isinstance(value, str) and value.strip()
    # A field only Ignore rules map to is never written.
    written = {*fields, *custom_fields}
    for field in written:
        assert any(r.ascend_field.strip() == field and r.sync != SyncOption.IGNORE for r in rules)


@MAPPING
@given(person=PEOPLE, attendance=ATTENDANCES, rules=RULES, member=MEMBERS)
def test_applying_an_update_leaves_nothing_more_to_send(person, attendance, rules, member):
    update = member_update(person, attendance, rules, member)
    assert member_update(person, attendance, rules, applied(member, update)) == ({}, {})


@MAPPING
@given(person=PEOPLE, attendance=ATTENDANCES, rules=RULES, member=MEMBERS)
def test_populate_never_changes_a_filled_field(person, attendance, rules, member):
    populate_only = [Rule(r.mobilize_field, r.ascend_field, SyncOption.POPULATE) for r in rules]
    fields, custom_fields = member_update(person, attendance, populate_only, member)
    if member is not None:
        for field in fields:
            assert not (member.get(field) or "").strip()
        for field in custom_fields:
            assert not (member["custom_fields"].get(field) or "").strip()


@MAPPING
@given(
    person=PEOPLE,
    answers=ANSWERS,
    rules=RULES,
    member=MEMBERS,
    statuses=st.tuples(STATUSES, STATUSES),
    attended=st.tuples(st.sampled_from([None, True, False]), st.sampled_from([None, True, False])),
    timeslots=st.tuples(TIMESLOTS, TIMESLOTS),
)
def test_attendance_data_never_changes_the_member_update(person, answers, rules, member, statuses, attended, timeslots):
    first, second = (
        normalize_attendance(
            {
                "status": statuses[i],
                "attended": attended[i],
                "timeslot": timeslots[i],
                "custom_signup_field_values": answers,
            }
        )
        for i in (0, 1)
    )
    assert member_update(person, first, rules, member) == member_update(person, second, rules, member)


@MAPPING
@given(history=st.lists(ATTENDANCES, min_size=1, max_size=6))
def test_activities_are_in_order_and_an_unchanged_snapshot_reaches_nothing(history):
    order = [Activity.REGISTERS, Activity.WAITLISTED, Activity.CONFIRMS, Activity.ATTENDS, Activity.CANCELS]
    previous = None
    for record in history:
        reached = activities(previous, record)
        assert reached == sorted(reached, key=order.index)
        assert not {Activity.REGISTERS, Activity.WAITLISTED} <= set(reached)
        assert activities(status_snapshot(record), record) == []
        previous = status_snapshot(record)


@MAPPING
@given(history=st.lists(ATTENDANCES, min_size=1, max_size=6))
def test_along_a_forward_only_history_each_activity_is_reached_once(history):
    # Statuses that only move forward (registered -> confirmed -> cancelled; attended only turns true)
    # reach every activity at most once.
    rank = {"REGISTERED": 0, "CONFIRMED": 1, "CANCELLED": 2}
    records = [r for r in history if r["status"] in rank]
    records.sort(key=lambda r: rank[r["status"]])
    seen_attended = False
    reached: list[str] = []
    previous = None
    for record in records:
        seen_attended = seen_attended or record["attended"] is True
        record = {**record, "attended": True if seen_attended else record["attended"]}
        reached += activities(previous, record)
        previous = status_snapshot(record)
    assert len(reached) == len(set(reached))


@MAPPING
@given(
    flows=st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=5, unique=True), firings=st.integers(0, 300)
)
def test_ab_split_counts_differ_by_at_most_one(flows, firings):
    counts = Counter(choose_variant(flows, fired) for fired in range(firings))
    assert max((counts[f] for f in flows), default=0) - min(counts[f] for f in flows) <= 1


@MAPPING
@given(title=ODD_TEXT, event_id=st.one_of(st.none(), st.integers(1, 10**6)))
def test_group_name_is_never_empty_nor_longer_than_ascend_takes(title, event_id):
    name = group_name({"id": event_id, "title": title})
    assert name.strip() and len(name) <= GROUP_NAME_MAX
