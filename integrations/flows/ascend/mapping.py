"""Mobilize -> Ascend mapping: pure functions from normalized Mobilize records to Ascend member writes.

The rules are Ascend's own description of its Mobilize integration (shared/seeds/001_fc85db91e2789823.txt);
Ascend's member shape is the contract this project speaks (docs/connectors/ascend.md). Records come in
the shape of `integrations.connectors.mobilize.records` (every documented key present, None when Mobilize
left it out); field sync rules come in as plain `Rule` values, never Django rows. Nothing here does I/O,
reads settings or looks at the clock.

The seed's rules, as mapped here:

- A submission is synced only with a mobile phone and SMS opt-in; a member whose number is unsubscribed
  is never touched; a phone that is not a member yet becomes one only when Create new members is on.
  `ignore_reason` checks these in that order and answers with the sentence the ignored item is logged
  with (one of the `IGNORED_*` constants), or None.
- Members are matched by phone, in E.164 (`mobile_phone`), so every way of writing one number is one member.
- Core fields (first name, last name, email, zip) and custom signup fields are written by their rules:
  Populate fills only an empty Ascend field (a new member: every mapped value), Overwrite replaces
  existing data when Mobilize's value differs, Ignore never syncs. Several custom fields may map to
  one Ascend field.
- Event-specific data (attendance status, attended, timeslot) triggers automations and is never written
  to member fields: `member_update` reads only the person's core fields and the custom signup answers.
- Automations fire on registers, confirms, attends, cancels and waitlisted (`activities`), and an A/B
  test splits members evenly between its flows (`choose_variant`).
- An event's Ascend group shares the event's name (`group_name`).

Where the seed and Mobilize's API are silent, these are the choices made:

- The mobile phone. The seed says Ascend syncs only Mobilize's mobile phone field, ignoring home, fax
  and work numbers. A Mobilize person has one `phone_numbers` list whose entries carry no type
  (documented as one entry, primary): it is the phone the signup form asks for, which is the form's
  mobile phone field. So the phone is that list's primary number (else its first number), parsed with
  `phonenumbers` (default region US) and written in E.164; an extension is dropped; an absent or
  invalid number is "no mobile phone". The number is not filtered by `phonenumbers`' line type:
  for the United States and Canada it cannot tell a mobile from a landline (FIXED_LINE_OR_MOBILE), so
  such a filter would reject nothing there and only guess elsewhere.
- SMS opt-in is exactly `sms_opt_in_status == "OPT_IN"`; UNSPECIFIED, OPT_OUT, a missing value or any
  other spelling is no opt-in (texting compliance: consent is never inferred).
- Unsubscribed is the member's `subscription_status` "unsubscribed" (case and spaces folded), checked
  only after phone and opt-in, so the reason logged is the first thing the submitter could fix.
- Core values. First and last name are `given_name` / `family_name`, the email the primary email, the
  zip the primary postal code, each stripped and written as Mobilize gives it (no case folding);
  missing or blank is None.
- Custom values. Keyed by `custom_field_name` stripped (an answer without a name is dropped); the value
  is `text_value` stripped when it has text, else `boolean_value` as "true" / "false", else None. A
  name answered twice in one attendance keeps its last non-empty answer. A rule names a custom field
  as "custom:<name>" (`CUSTOM_PREFIX`); `custom_field_names` lists the names in first-seen order.
- Empty never blanks. A Mobilize value that is None or blank is never sent, under any option: a form
  that did not ask for a field must not erase what Ascend knows.
- Comparisons. "Differs" and "empty" compare values stripped of surrounding spaces, so a write that
  would only change spacing is not sent.
- Several rules to one Ascend field (only additional mappings can share one: the settings refuse an
  additional mapping onto a default mapping's field). The value is the last non-empty one in rule order
  (the Fields tab's order: default mappings first, then additional ones by creation), and the rule it
  came from decides by its own option; rules set to Ignore, and rules whose field is empty in this
  submission, take no part. So an answer left blank never hides an earlier rule's answer.
- Ascend's core member fields (first_name, last_name, email, zip) go to the member's `fields`; any other
  Ascend field to its `custom_fields` (docs/connectors/ascend.md: PUT /v1/members/{phone}).
- Waitlisted. Mobilize's API has no waitlist: an attendance's status is REGISTERED, CONFIRMED or
  CANCELLED, and the only capacity signal is the timeslot's `is_full`. So a registration is
  "waitlisted" when, at the moment this service first sees it registered (REGISTERED or CONFIRMED,
  first seen or back from CANCELLED), its timeslot's `is_full` is true; otherwise it "registers".
  `is_full` is read from the attendance's timeslot, else from the event's timeslot with the same id.
  Known limits: Mobilize keeps no history of `is_full`, so the signup that took a timeslot's last
  place, if first seen after it filled, reads as waitlisted; and a waitlisted member whose timeslot
  later frees up does not "register" (Mobilize reports no such move; the later confirmation, if any,
  is "confirms").
- Activities are transitions from the last snapshot the ledger kept (`status_snapshot`) to now, in the
  order registers or waitlisted, confirms, attends, cancels: registers/waitlisted when the status becomes
  REGISTERED or CONFIRMED from anything else (first seen included); confirms when it becomes CONFIRMED;
  attends when `attended` becomes true; cancels when it becomes CANCELLED. An attendance first seen
  CANCELLED is "cancels" only, never "registers": a welcome text after a cancellation would be wrong.
  Going back and forth can reach an activity again; `activities` reports it, and the automation's
  firing table (one firing per automation and member, ever) keeps it from firing twice.
- A/B tests. Round robin over the automation's flows in their stored order by the number of firings so
  far: over any run of firings the flows' counts differ by at most one.
- Group names. The event's title stripped, cut to 200 characters; an event without a title is named
  "Mobilize event <id>".
- Item labels. "email phone" (primary email, then the E.164 phone, or the number as Mobilize gives it
  when it is not valid), so support finds an ignored submission by either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers

from integrations.connectors.mobilize.records import primary_email, primary_phone, primary_postal_code
from integrations.models.ascend import CORE_FIELDS, CUSTOM_PREFIX, Activity, SyncOption

# --- constants ---------------------------------------------------------------------------------

PHONE_DEFAULT_REGION = "US"
OPT_IN = "OPT_IN"
UNSUBSCRIBED = "unsubscribed"

# The Ascend member fields written under `fields`; every other Ascend field is a custom field.
ASCEND_CORE_FIELDS: frozenset[str] = frozenset(CORE_FIELDS.values())

# The ignore reasons, as support reads them on the ignored item (fixed sentences, so they can be counted).
IGNORED_NO_MOBILE_PHONE = (
    "Ignored: the signup has no valid mobile phone number, and Ascend matches members by mobile phone."
)
IGNORED_NO_SMS_OPT_IN = "Ignored: the volunteer did not check the SMS opt-in box on the Mobilize form."
IGNORED_UNSUBSCRIBED = "Ignored: this phone number is unsubscribed from SMS in Ascend, so its member is never changed."
IGNORED_CREATION_OFF = "Ignored: this phone number is not an Ascend member yet, and Create new members is off."

REGISTERED_STATUSES = frozenset({"REGISTERED", "CONFIRMED"})
CONFIRMED = "CONFIRMED"
CANCELLED = "CANCELLED"

GROUP_NAME_MAX = 200

_SYNC_OPTIONS = frozenset(SyncOption.values)


# --- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A field sync rule: a Mobilize field (a core name or "custom:<name>"), its Ascend field, how.

    `ascend_field` may be empty (a discovered custom field nobody mapped yet): such a rule writes nothing.
    """

    mobilize_field: str
    ascend_field: str
    sync: str  # a SyncOption value

    def __post_init__(self) -> None:
        if self.sync not in _SYNC_OPTIONS:
            raise ValueError(
                f"Unknown sync option {self.sync!r} for {self.mobilize_field!r}: "
                f"expected one of {sorted(_SYNC_OPTIONS)}."
            )


# --- small helpers -------------------------------------------------------------------------------


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    """A text value stripped, None when missing, blank or not text."""
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    return stripped or None


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _comparable(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)


# --- who is synced -------------------------------------------------------------------------------


def _e164(number: str) -> str | None:
    try:
        parsed = phonenumbers.parse(number, PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    # E.164 carries no extension: it is dropped.
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mobile_phone(person: Mapping[str, Any]) -> str | None:
    """The volunteer's mobile phone in E.164 ("+12125550123"), or None when absent or invalid.

    Mobilize people have one untyped phone list, the number the signup form asks for: its primary number
    is the mobile phone field the seed syncs (see the module docstring).
    """
    number = primary_phone(_mapping(person))
    return _e164(number) if number else None


def has_sms_opt_in(person: Mapping[str, Any]) -> bool:
    """Whether the volunteer checked the SMS opt-in box: `sms_opt_in_status` is exactly "OPT_IN"."""
    return _mapping(person).get("sms_opt_in_status") == OPT_IN


def is_unsubscribed(member: Mapping[str, Any] | None) -> bool:
    """Whether this Ascend member's number is unsubscribed from SMS (such a member is never touched)."""
    status = _mapping(member).get("subscription_status")
    return isinstance(status, str) and status.strip().lower() == UNSUBSCRIBED


def ignore_reason(
    person: Mapping[str, Any], member: Mapping[str, Any] | None, *, create_new_members: bool
) -> str | None:
    """Why this submission is ignored (one of the IGNORED_* sentences), or None to sync it.

    Checked in the seed's order: no mobile phone, no SMS opt-in, the member's number unsubscribed, not a
    member yet while Create new members is off. `member` is the Ascend member found by the phone, or None.
    """
    if mobile_phone(person) is None:
        return IGNORED_NO_MOBILE_PHONE
    if not has_sms_opt_in(person):
        return IGNORED_NO_SMS_OPT_IN
    if member is not None and is_unsubscribed(member):
        return IGNORED_UNSUBSCRIBED
    if member is None and not create_new_members:
        return IGNORED_CREATION_OFF
    return None


# --- member fields -------------------------------------------------------------------------------


def core_values(person: Mapping[str, Any]) -> dict[str, str | None]:
    """The person's core fields by their Mobilize names: first_name, last_name, email, zip (None when absent)."""
    person = _mapping(person)
    return {
        "first_name": _text(person.get("given_name")),
        "last_name": _text(person.get("family_name")),
        "email": primary_email(person),
        "zip": primary_postal_code(person),
    }


def _custom_answers(attendance: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(name, value) for every named custom signup answer, in Mobilize's order."""
    answers: list[tuple[str, str | None]] = []
    values = _mapping(attendance).get("custom_signup_field_values")
    for entry in values if isinstance(values, list) else []:
        entry = _mapping(entry)
        name = _text(entry.get("custom_field_name"))
        if name is None:
            continue
        value = _text(entry.get("text_value"))
        if value is None and isinstance(entry.get("boolean_value"), bool):
            value = "true" if entry["boolean_value"] else "false"
        answers.append((name, value))
    return answers


def custom_values(attendance: Mapping[str, Any]) -> dict[str, str | None]:
    """Custom signup field name -> its answer as text (booleans "true" / "false"; None when unanswered)."""
    values: dict[str, str | None] = {}
    for name, value in _custom_answers(attendance):
        # A name answered twice keeps its last non-empty answer.
        if value is not None or name not in values:
            values[name] = value
    return values


def custom_field_names(attendance: Mapping[str, Any]) -> list[str]:
    """The custom signup field names this attendance carries, in first-seen order, each once."""
    return list(dict.fromkeys(name for name, _ in _custom_answers(attendance)))


def _rule_value(rule: Rule, core: Mapping[str, str | None], custom: Mapping[str, str | None]) -> str | None:
    """The Mobilize value a rule reads: a core field of the person or a custom signup answer, nothing else."""
    if rule.mobilize_field.startswith(CUSTOM_PREFIX):
        return custom.get(rule.mobilize_field.removeprefix(CUSTOM_PREFIX).strip())
    if rule.mobilize_field in CORE_FIELDS:
        return core.get(rule.mobilize_field)
    # Anything else (attendance status, attended, timeslot...) is event data, never a member field.
    return None


def _member_value(member: Mapping[str, Any] | None, ascend_field: str) -> Any:
    member = _mapping(member)
    if ascend_field in ASCEND_CORE_FIELDS:
        return member.get(ascend_field)
    return _mapping(member.get("custom_fields")).get(ascend_field)


def member_update(
    person: Mapping[str, Any],
    attendance: Mapping[str, Any],
    rules: Sequence[Rule],
    member: Mapping[str, Any] | None,
) -> tuple[dict[str, str], dict[str, str]]:
    """The (fields, custom_fields) to send to Ascend for this submission under the field sync rules.

    `member` is the existing Ascend member (None: a new one). Ignore never syncs; Overwrite sends a
    value that differs from the member's; Populate sends only into an empty field (a new member: every
    mapped value). A None or blank Mobilize value is never sent. Several rules to one Ascend field: the
    last non-empty value in rule order, under its own rule's option. Attendance data is never read.
    """
    core = core_values(person)
    custom = custom_values(attendance)
    # Ascend field -> (the rule, its value) of the last non-empty, non-Ignore rule mapped to it.
    winners: dict[str, tuple[Rule, str]] = {}
    for rule in rules:
        ascend_field = rule.ascend_field.strip()
        if not ascend_field or rule.sync == SyncOption.IGNORE:
            continue
        value = _rule_value(rule, core, custom)
        if _is_empty(value):
            continue
        winners.pop(ascend_field, None)  # re-insert, so the output follows the winning rules' order
        winners[ascend_field] = (rule, value)

    fields: dict[str, str] = {}
    custom_fields: dict[str, str] = {}
    for ascend_field, (rule, value) in winners.items():
        current = _member_value(member, ascend_field)
        if rule.sync == SyncOption.POPULATE:
            send = member is None or _is_empty(current)
        else:  # Overwrite
            send = member is None or _is_empty(current) or _comparable(current) != _comparable(value)
        if send:
            (fields if ascend_field in ASCEND_CORE_FIELDS else custom_fields)[ascend_field] = value
    return fields, custom_fields


# --- activities ----------------------------------------------------------------------------------


def _timeslot_is_full(attendance: Mapping[str, Any]) -> bool:
    """The attendance's timeslot `is_full`, else that of the event's timeslot with the same id."""
    timeslot = _mapping(attendance.get("timeslot"))
    if isinstance(timeslot.get("is_full"), bool):
        return timeslot["is_full"]
    slot_id = timeslot.get("id")
    if slot_id is None:
        return False
    slots = _mapping(attendance.get("event")).get("timeslots")
    for slot in slots if isinstance(slots, list) else []:
        slot = _mapping(slot)
        if slot.get("id") == slot_id and isinstance(slot.get("is_full"), bool):
            return slot["is_full"]
    return False


def status_snapshot(attendance: Mapping[str, Any]) -> dict[str, Any]:
    """What the ledger keeps of an attendance to detect activities: {"status", "attended", "waitlisted"}.

    `status` is Mobilize's (upper-cased, None when absent), `attended` is true only when Mobilize says
    true, `waitlisted` is "registered to a timeslot that is full now" (see the module docstring).
    """
    attendance = _mapping(attendance)
    status = _text(attendance.get("status"))
    status = status.upper() if status else None
    return {
        "status": status,
        "attended": attendance.get("attended") is True,
        "waitlisted": status in REGISTERED_STATUSES and _timeslot_is_full(attendance),
    }


def activities(previous: Mapping[str, Any] | None, attendance: Mapping[str, Any]) -> list[str]:
    """The Activity values newly reached from the last snapshot seen (None: first time) to this attendance.

    In order: registers or waitlisted, confirms, attends, cancels. An unchanged snapshot reaches nothing.
    """
    before = _mapping(previous)
    now = status_snapshot(attendance)
    was_status, is_status = before.get("status"), now["status"]
    reached: list[str] = []
    if is_status in REGISTERED_STATUSES and was_status not in REGISTERED_STATUSES:
        reached.append(Activity.WAITLISTED if now["waitlisted"] else Activity.REGISTERS)
    if is_status == CONFIRMED and was_status != CONFIRMED:
        reached.append(Activity.CONFIRMS)
    if now["attended"] and before.get("attended") is not True:
        reached.append(Activity.ATTENDS)
    if is_status == CANCELLED and was_status != CANCELLED:
        reached.append(Activity.CANCELS)
    return [str(activity.value) for activity in reached]


def choose_variant(flow_ids: Sequence[str], fired_so_far: int) -> str:
    """The flow the next member gets: round robin by the number of firings so far (an even split)."""
    if not flow_ids:
        raise ValueError("An automation needs at least one flow.")
    if fired_so_far < 0:
        raise ValueError(f"fired_so_far cannot be negative ({fired_so_far}).")
    return flow_ids[fired_so_far % len(flow_ids)]


# --- names ---------------------------------------------------------------------------------------


def group_name(event: Mapping[str, Any]) -> str:
    """The event's Ascend group name: the event's title ("sharing the same name"), cut to 200 characters."""
    event = _mapping(event)
    title = _text(event.get("title"))
    if title is None:
        return f"Mobilize event {event.get('id')}"
    return title[:GROUP_NAME_MAX].rstrip()


def member_label(person: Mapping[str, Any]) -> str:
    """The item label "email phone", so support finds a submission by either."""
    person = _mapping(person)
    phone = mobile_phone(person) or primary_phone(person)
    parts = [part for part in (primary_email(person), phone) if part]
    if parts:
        return " ".join(parts)
    person_id = person.get("user_id") or person.get("id")
    return f"Mobilize person {person_id}" if person_id is not None else "A Mobilize person without email or phone"
