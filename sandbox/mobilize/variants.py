"""The spellings and shapes the emulated Mobilize varies, so that it never flatters a client.

Mobilize's reference disagrees with itself and with the data it serves: the Contact table spells
`email_adddress` where the examples say `email_address`; the Location table says
`congressional_district` where the examples say `congressional_district_value`; the private-address
sentence comes with a straight apostrophe (live data), a curly one (the reference's tables) or in
its older wording ("This event address is private", older examples); `high_priority` is `null` in
the examples where the table says bool; a person's phone and postal lists may hold one empty
entry; the attendance example embeds its event with `timeslots: null` and a short timeslot
(`id`, `start_date`, `end_date` only). A client must read every one of them, so the sandbox sends
every one of them, each on some records.

Which record gets which variant is a pure function of a seed (the owning organization's
`variant_seed`: the generator's `--seed`, 0 for loaded files) and the record's kind and id. The
stored data never changes, only how it is rendered, so the same record always looks the same,
and `dump()` (which renders canonically, `CANONICAL`) round-trips a loaded file exactly.
Every variant here carries the same facts as the canonical rendering, except where the reference
itself shows less (the attendance's embedded timeslots and timeslot keys).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

# The sentence Mobilize puts in a hidden address's venue and first line, as it has been written.
PRIVATE_ADDRESS_STRAIGHT = "This event's address is private. Sign up for more details"
PRIVATE_ADDRESS_CURLY = "This event\u2019s address is private. Sign up for more details"
PRIVATE_ADDRESS_OLDER = "This event address is private. Sign up for more details"
PRIVATE_ADDRESS_TEXTS = (PRIVATE_ADDRESS_STRAIGHT, PRIVATE_ADDRESS_CURLY, PRIVATE_ADDRESS_OLDER)

# Kinds of variant: (name, number of variants). Variant 0 is always the canonical rendering.
CONTACT_EMAIL_KEY = ("contact_email_key", 2)  # email_address | email_adddress
DISTRICT_KEYS = ("district_keys", 2)  # *_district_value | *_district
PRIVATE_ADDRESS_WORDING = ("private_address_wording", 3)  # straight | curly | older wording
HIGH_PRIORITY_NULL = ("high_priority_null", 2)  # false | null (for an event that is not high priority)
EMPTY_PHONE_ENTRY = ("empty_phone_entry", 2)  # [] | [{"primary": true, "number": ""}]
EMPTY_POSTAL_ENTRY = ("empty_postal_entry", 2)  # [] | [{"primary": true, "postal_code": ""}]
ATTENDANCE_EVENT_TIMESLOTS = ("attendance_event_timeslots", 2)  # the event's timeslots | null
ATTENDANCE_SHORT_TIMESLOT = ("attendance_short_timeslot", 2)  # every timeslot key | id, start, end
ATTENDANCE_EXTENSIONS = ("attendance_extensions", 2)  # null rating/feedback shown | left out
KINDS = (
    CONTACT_EMAIL_KEY,
    DISTRICT_KEYS,
    PRIVATE_ADDRESS_WORDING,
    HIGH_PRIORITY_NULL,
    EMPTY_PHONE_ENTRY,
    EMPTY_POSTAL_ENTRY,
    ATTENDANCE_EVENT_TIMESLOTS,
    ATTENDANCE_SHORT_TIMESLOT,
    ATTENDANCE_EXTENSIONS,
)


def pick(seed: int, kind: str, record_id: int, count: int) -> int:
    """A variant number in [0, count) for one record: a hash of seed, kind and id.

    A hash rather than arithmetic on the id, so that records the generator makes at regular
    intervals (every ninth event has a private address) still get every variant.
    """
    digest = hashlib.blake2b(f"{seed}:{kind}:{record_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


@dataclass(frozen=True)
class Variants:
    """The variant choices of one rendering: `seed` None renders canonically (the dump)."""

    seed: int | None

    def choose(self, kind: tuple[str, int], record_id: int | None) -> int:
        """The variant of `kind` for the record `record_id` (0, the canonical one, without a seed)."""
        name, count = kind
        if self.seed is None or record_id is None:
            return 0
        return pick(self.seed, name, record_id, count)

    def on(self, kind: tuple[str, int], record_id: int | None) -> bool:
        """Whether a two-way variant is the non-canonical one for this record."""
        return self.choose(kind, record_id) != 0


CANONICAL = Variants(None)
