"""Action Network <-> Mobile Commons (shared/seeds/003): pure functions, one record at a time.

Pull: an Action Network person -> the parameters of Mobile Commons' `profile_update`.
Push: a Mobile Commons profile's new opt-in or opt-out -> an Action Network person (signup helper
body, or the partial update of a matched person).

The rules, each with its test in tests/flows/anmc/test_mapping.py:
- A person needs a mobile number (the seed: "requires that user records include a mobile number");
  phones go to Mobile Commons as digits with the country code (12025550123).
- Opted in means the configured "Mobile opt-in Boolean field" is true and the person's phone is
  not marked unsubscribed in Action Network (seed: "to subscribe users, the mobile opt-in status
  must be true").
- A new profile of an opted-in person gets the default opt-in path (its Welcome message); nobody
  else is subscribed, and a profile that ever opted out is never given a path again.
- Fields Action Network leaves blank are not sent: a blank never erases what Mobile Commons holds.
- A Required field without a value: the record is not synced, the reason is logged.
- The Action Network identifier goes to the profile's Constituent ID and identifies the pair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.engine import RecordError, SkipRecord
from integrations.flows.ascend.tracking import e164_phone
from integrations.models.anmc import McField

CONSTITUENT_COLUMN = "constituent_id"
TRUE_VALUES = frozenset({"true", "1", "yes", "y", "t", "on", "checked"})

# Mobile Commons profile fields the pull sends from Action Network, in order (phone and opt-in apart).
PROFILE_FIELDS = (
    McField.EMAIL,
    McField.FIRST_NAME,
    McField.LAST_NAME,
    McField.STREET1,
    McField.STREET2,
    McField.CITY,
    McField.STATE,
    McField.POSTAL_CODE,
    McField.COUNTRY,
)
# Where each Action Network API field name is read in an OSDI person; any other name is a custom field.
_ADDRESS_FIELDS = frozenset({"locality", "region", "postal_code", "country"})


@dataclass(frozen=True)
class FieldMap:
    """The integration's field mappings as the mapping needs them: MC field -> AN API field name, and Required."""

    an_fields: Mapping[str, str]
    required: frozenset[str]
    opt_in_field: str

    def an_field(self, mc_field: str) -> str:
        if mc_field == McField.OPT_IN_STATUS:
            return self.opt_in_field
        return self.an_fields.get(mc_field, "")

    def label(self, mc_field: str) -> str:
        """'First name (Action Network given_name)': how a field is named in a reason."""
        return f"{McField(mc_field).label} (Action Network {self.an_field(mc_field) or 'field not set'})"


def _primary(items: Any) -> Mapping[str, Any]:
    """The entry marked primary in an OSDI list, else the first; {} when there is none."""
    if not isinstance(items, list):
        return {}
    entries = [item for item in items if isinstance(item, Mapping)]
    return next((item for item in entries if item.get("primary")), entries[0] if entries else {})


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def person_id(person: Mapping[str, Any]) -> str:
    """The person's Action Network uuid (from `identifiers`, "action_network:<uuid>"); "" when absent."""
    for identifier in person.get("identifiers") or []:
        if isinstance(identifier, str) and identifier.startswith("action_network:"):
            return identifier.split(":", 1)[1]
    return ""


def an_value(person: Mapping[str, Any], an_field: str) -> str:
    """The value of an Action Network API field in a person ("" when absent), by OSDI name or custom field."""
    name = an_field.strip()
    if not name:
        return ""
    if name in ("given_name", "family_name"):
        return _text(person.get(name))
    if name in ("email_address", "email"):
        return _text(_primary(person.get("email_addresses")).get("address"))
    if name in ("phone_number", "phone"):
        return _text(_primary(person.get("phone_numbers")).get("number"))
    if name in ("identifier", "identifiers", "id"):
        return person_id(person)
    address = _primary(person.get("postal_addresses"))
    if name in ("address_lines", "address_lines_2"):
        lines = address.get("address_lines") or []
        index = 0 if name == "address_lines" else 1
        return _text(lines[index]) if isinstance(lines, list) and len(lines) > index else ""
    if name in _ADDRESS_FIELDS:
        return _text(address.get(name))
    custom = person.get("custom_fields") or {}
    return _text(custom.get(name)) if isinstance(custom, Mapping) else ""


def is_true(value: Any) -> bool:
    """An Action Network checkbox value read as a boolean ("true", "1", "yes", True)."""
    if isinstance(value, bool):
        return value
    return _text(value).lower() in TRUE_VALUES


def mc_phone(number: Any) -> str | None:
    """A phone as Mobile Commons keys profiles: country code and number, digits only; None if not a valid number."""
    text = _text(number)
    digits = "".join(ch for ch in text if ch.isdigit())
    if not text.startswith("+") and len(digits) == 11 and digits.startswith("1"):
        text = f"+{digits}"  # Action Network's 11 digits with the leading 1, no "+"
    e164 = e164_phone(text)
    return e164[1:] if e164 else None


def _missing_required(fields: FieldMap, value_of) -> str | None:
    for mc_field in sorted(fields.required, key=list(McField.values).index):
        if not value_of(mc_field):
            return f"Required field {fields.label(mc_field)} is empty: not synced."
    return None


# --- pull: Action Network person -> Mobile Commons profile ------------------------------------------


def pull_payload(person: Mapping[str, Any], fields: FieldMap) -> dict[str, Any]:
    """What the pull wants Mobile Commons to hold for a person: phone, profile fields, Constituent ID, opted_in.

    Raises SkipRecord for a person without a mobile number or without a Required field's value.
    """
    uuid = person_id(person)
    if not uuid:
        raise RecordError("Action Network sent a person without an action_network identifier.")
    phone_entry = _primary(person.get("phone_numbers"))
    raw_phone = an_value(person, fields.an_field(McField.PHONE_NUMBER))
    if not raw_phone:
        raise SkipRecord("No mobile number: Mobile Commons keys profiles on the mobile phone.")
    number_type = _text(phone_entry.get("number_type"))
    if fields.an_field(McField.PHONE_NUMBER) in ("phone_number", "phone") and number_type.lower() not in ("", "mobile"):
        raise SkipRecord(f"No mobile number: the phone is a {number_type} number.")
    phone = mc_phone(raw_phone)
    if phone is None:
        raise SkipRecord(f"No mobile number: {raw_phone!r} is not a valid phone number.")
    missing = _missing_required(
        fields,
        lambda mc_field: uuid if mc_field == McField.CONSTITUENT_ID else an_value(person, fields.an_field(mc_field)),
    )
    if missing:
        raise SkipRecord(missing)
    payload: dict[str, Any] = {"phone_number": phone}
    for mc_field in PROFILE_FIELDS:
        value = an_value(person, fields.an_field(mc_field))
        if value:
            payload[str(mc_field)] = value
    payload[CONSTITUENT_COLUMN] = uuid
    opt_in = an_value(person, fields.opt_in_field)
    phone_status = _text(phone_entry.get("status")).lower()
    payload["opted_in"] = is_true(opt_in) and phone_status != "unsubscribed"
    return payload


def profile_constituent(profile: Mapping[str, Any]) -> str:
    """The Constituent ID a Mobile Commons profile holds ("" for none)."""
    return _text((profile.get("custom_columns") or {}).get(CONSTITUENT_COLUMN))


def ever_opted_out(profile: Mapping[str, Any]) -> bool:
    """Whether a profile opted out, of anything, ever: such a number is never given an opt-in path again."""
    if profile.get("opted_out_at") or "opted" in _text(profile.get("status")).lower():
        return True
    return any(
        _text(sub.get("status")).lower().startswith("opted") or sub.get("opted_out_at")
        for sub in profile.get("subscriptions") or []
    )


def is_subscribed(profile: Mapping[str, Any]) -> bool:
    """Whether a profile holds an active subscription."""
    return any(_text(sub.get("status")).lower() == "active" for sub in profile.get("subscriptions") or [])


def _profile_field(profile: Mapping[str, Any], mc_field: str) -> str:
    if mc_field in ("street1", "street2", "city", "state", "postal_code", "country"):
        return _text((profile.get("address") or {}).get(mc_field))
    if mc_field == CONSTITUENT_COLUMN:
        return profile_constituent(profile)
    return _text(profile.get(mc_field))


@dataclass(frozen=True)
class ProfileWrite:
    """One `profile_update` the pull sends (None params: nothing to send)."""

    params: dict[str, str] | None
    subscribes: bool = False


def pull_write(payload: Mapping[str, Any], profile: Mapping[str, Any] | None, opt_in_path_id: str) -> ProfileWrite:
    """The profile_update that brings Mobile Commons to `payload`, given the profile it holds (None: no profile).

    Sends only what differs; adds the default opt-in path only for an opted-in person whose number
    was never subscribed and never opted out. Raises RecordError when the number's profile is
    another Action Network person's (its Constituent ID): the pair's identity is never moved.
    """
    uuid = payload[CONSTITUENT_COLUMN]
    if profile is not None:
        held = profile_constituent(profile)
        if held and held != uuid:
            raise RecordError(
                f"The mobile number {payload['phone_number']} is the Mobile Commons profile of another Action "
                f"Network person (Constituent ID {held}); not overwritten. Merge the two people in Action Network."
            )
    params: dict[str, str] = {}
    for key, value in payload.items():
        if key in ("opted_in", "phone_number"):
            continue
        if profile is None or _profile_field(profile, key) != value:
            params[key] = value
    subscribes = bool(
        payload.get("opted_in")
        and opt_in_path_id
        and (profile is None or (not is_subscribed(profile) and not ever_opted_out(profile)))
    )
    if subscribes:
        params["opt_in_path_id"] = opt_in_path_id
    if profile is not None and not params:
        return ProfileWrite(None)
    return ProfileWrite({"phone_number": payload["phone_number"], **params}, subscribes)


# --- push: Mobile Commons opt-in / opt-out -> Action Network person ----------------------------------

OPT_IN = "opt_in"
OPT_OUT = "opt_out"


def subscription_event(profile: Mapping[str, Any], since: datetime | None) -> tuple[str, datetime | None] | None:
    """The profile's new opt-in or opt-out at or after `since` (None: any), as (OPT_IN|OPT_OUT, when).

    An opt-out wins over an opt-in (a number that opted out is out). None: nothing new happened to the
    profile's subscriptions (it changed for another reason, such as the pull's own update).
    """
    if ever_opted_out(profile) and not is_subscribed(profile):
        outs = [sub.get("opted_out_at") for sub in profile.get("subscriptions") or [] if sub.get("opted_out_at")]
        when = profile.get("opted_out_at") or max(outs, default=None)
        return (OPT_OUT, when) if since is None or when is None or when >= since else None
    activations: Iterable[datetime] = [
        sub.get("activated_at")
        for sub in profile.get("subscriptions") or []
        if _text(sub.get("status")).lower() == "active" and sub.get("activated_at")
    ]
    latest = max(activations, default=None)
    if latest is not None and (since is None or latest >= since):
        return OPT_IN, latest
    return None


def push_payload(profile: Mapping[str, Any], event: str, fields: FieldMap) -> dict[str, Any]:
    """What Action Network should learn from a profile's opt-in or opt-out: the event and the person's fields.

    Raises SkipRecord for a profile without a valid phone or without a Required field's value.
    """
    phone = mc_phone(profile.get("phone_number"))
    if phone is None:
        raise SkipRecord(f"The profile's phone number {profile.get('phone_number')!r} is not a valid number.")
    missing = _missing_required(fields, lambda mc_field: _profile_field(profile, mc_field))
    if missing:
        raise SkipRecord(missing)
    payload: dict[str, Any] = {"event": event, "phone_number": phone}
    for mc_field in PROFILE_FIELDS:
        value = _profile_field(profile, mc_field)
        if value:
            payload[str(mc_field)] = value
    return payload


def _set_path(person: dict[str, Any], an_field: str, value: str) -> None:
    """Put a value at an Action Network API field name of a person body (custom fields for other names)."""
    if an_field in ("given_name", "family_name"):
        person[an_field] = value
    elif an_field in ("email_address", "email"):
        person["email_addresses"] = [{"address": value}]
    elif an_field in ("address_lines", "address_lines_2"):
        lines = person.setdefault("postal_addresses", [{}])[0].setdefault("address_lines", ["", ""])
        lines[0 if an_field == "address_lines" else 1] = value
    elif an_field in _ADDRESS_FIELDS:
        person.setdefault("postal_addresses", [{}])[0][an_field] = value
    elif an_field and an_field not in ("phone_number", "phone", "identifier", "identifiers", "id"):
        person.setdefault("custom_fields", {})[an_field] = value


def signup_person(payload: Mapping[str, Any], fields: FieldMap) -> dict[str, Any]:
    """The signup helper's `person` for an opt-in with an email: its fields, opt-in true, the phone subscribed.

    The phone status is always sent: Action Network makes a new number unsubscribed unless told.
    """
    person: dict[str, Any] = {}
    for mc_field in PROFILE_FIELDS:
        if payload.get(mc_field):
            _set_path(person, fields.an_field(mc_field), payload[mc_field])
    for address in person.get("postal_addresses", []):
        while address.get("address_lines") and not address["address_lines"][-1]:
            address["address_lines"].pop()
    person["phone_numbers"] = [{"number": payload["phone_number"], "number_type": "Mobile", "status": "subscribed"}]
    person.setdefault("custom_fields", {})[fields.opt_in_field] = "true"
    return person


def subscription_changes(event: str, fields: FieldMap) -> dict[str, Any]:
    """The partial update of a matched person for an opt-in (true, subscribed) or an opt-out (false, unsubscribed).

    The phone's status is sent without its number: a number would replace the person's phone.
    """
    opted_in = event == OPT_IN
    return {
        "custom_fields": {fields.opt_in_field: "true" if opted_in else "false"},
        "phone_numbers": [{"status": "subscribed" if opted_in else "unsubscribed"}],
    }


def person_holds(person: Mapping[str, Any], event: str, fields: FieldMap) -> bool:
    """Whether a matched Action Network person already says what the opt-in or opt-out would write."""
    opted_in = event == OPT_IN
    field_ok = is_true(an_value(person, fields.opt_in_field)) == opted_in
    status = _text(_primary(person.get("phone_numbers")).get("status")).lower()
    return field_ok and status == ("subscribed" if opted_in else "unsubscribed")
