"""A synthetic Mobilize organization for benchmarks and end-to-end tests, deterministic per seed.

`generate()` writes, in bulk and one batch at a time (memory stays flat however many records):

- the synthetic coordinated organization (`organization_id`, key `api_key`), an independent
  organization (`organization_id + 1`, key `<api_key>-independent`, restricts sharing) that it
  promotes and that promotes it, across the firewall, and a coordinated organization
  (`organization_id + 2`, key `<api_key>-allied`) that it promotes;
- events owned by all three (most by the synthetic one) with 1-4 timeslots, past and future;
  virtual events with and without a location, private-address events, private events, a few
  not approved, accessibility statuses and notes, U.S. territories (PR, GU, VI), several
  timezones, event campaigns, tags, contacts with owner_user_id, and a few deleted events;
- people affiliated with one or more of the three (those only with the independent
  organization have their email withheld from the others);
- attendances across statuses and `attended` values, referrers with utm_* and a URL carrying
  `?source=...&akid=...`, some recruited by the promoting organizations, some by the synthetic
  one for promoted events, ratings and feedback, and volunteer-picked times on virtual events;
- types the reference's enums do not list ("may expand"): about one event in eight has a type
  outside the Event object's list, and the allied organization's `org_type` is a new one.

The three organizations get `variant_seed = seed`, so the same seed also picks which documented
spelling or shape each record is served in (see `variants`); people without a phone or a zip
code are there for the empty-entry variants.

Ids are taken from a block of its own, `organization_id * 1_000_000 + n`, so generating again
with the same organization id replaces exactly what the last run made and leaves other data
(the demo, other generated organizations) alone. Times are relative to `now` (default: the
start of the current UTC day, so a seed gives the same data all day).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from .loader import reset_sequences
from .models import (
    ApiKey,
    Attendance,
    Choices,
    DeletedEvent,
    Event,
    EventCampaign,
    Location,
    Organization,
    Person,
    Tag,
    Timeslot,
)
from .variants import pick

BATCH = 2000
BLOCK = 1_000_000
# Sub-blocks inside an organization's id block.
MAX_EVENTS = 90_000
DELETED_OFFSET = 90_000
TIMESLOT_OFFSET = 100_000
USER_ID_OFFSET = 500_000
MAX_PEOPLE = 499_999
MAX_ATTENDANCES = 999_999
DAY = 86_400

PLACES = [
    # (region, timezone, locality, postal code, latitude, longitude, congressional district)
    ("PA", "America/New_York", "Philadelphia", "19107", 39.9526, -75.1652, "3"),
    ("PA", "America/New_York", "Pittsburgh", "15213", 40.4406, -79.9959, "12"),
    ("NY", "America/New_York", "New York", "10003", 40.7322, -73.9874, "12"),
    ("GA", "America/New_York", "Atlanta", "30303", 33.7490, -84.3880, "5"),
    ("IL", "America/Chicago", "Chicago", "60601", 41.8781, -87.6298, "7"),
    ("WI", "America/Chicago", "Milwaukee", "53202", 43.0389, -87.9065, "4"),
    ("CO", "America/Denver", "Denver", "80202", 39.7392, -104.9903, "1"),
    ("AZ", "America/Phoenix", "Phoenix", "85004", 33.4484, -112.0740, "3"),
    ("CA", "America/Los_Angeles", "Oakland", "94612", 37.8044, -122.2712, "12"),
    ("HI", "Pacific/Honolulu", "Honolulu", "96813", 21.3069, -157.8583, "1"),
]
TERRITORIES = [
    ("PR", "America/Puerto_Rico", "San Juan", "00901", 18.4655, -66.1057, "AL"),
    ("GU", "Pacific/Guam", "Hagåtña", "96910", 13.4757, 144.7489, "AL"),
    ("VI", "America/St_Thomas", "Charlotte Amalie", "00802", 18.3419, -64.9307, "AL"),
]
EVENT_TYPES = ["CANVASS", "PHONE_BANK", "TEXT_BANK", "MEETING", "TRAINING", "HOUSE_PARTY", "VOTER_REG", "RALLY"]
# Outside the Event object's enum: types only the create endpoint lists, and types newer than the reference.
UNLISTED_EVENT_TYPES = ["POSTCARD_WRITING", "VOLUNTEER_SHIFT", *Choices.NEW_EVENT_TYPES]
UNLISTED_EVENT_TYPE_EVERY = 8  # about one event in this many
TAGS = ["Canvass", "Phones", "Youth", "Spanish language", "Accessible"]
ACCESSIBILITY = [
    (None, ""),
    ("ACCESSIBLE", "Step-free entrance on Main St; accessible restroom on the ground floor."),
    ("NOT_ACCESSIBLE", "Second floor walk-up, no elevator."),
    ("NOT_SURE", "Ask the host about stairs at the entrance."),
]
FIRST_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hugo", "Imani", "Jon", "Kiara", "Luis"]
LAST_NAMES = ["Garcia", "Smith", "Nguyen", "Okafor", "Kim", "Patel", "Johnson", "Rivera", "Chen", "Brown"]
UTM_SOURCES = ["email", "facebook", "twitter", "partner", "sms"]
FEEDBACK = ["Great turnout, well organized.", "Too few walk packets.", "Loved it!", "Started late."]


@dataclass(frozen=True)
class _Slot:
    id: int
    event_id: int
    owner_id: int
    is_virtual: bool
    start_date: int
    end_date: int
    slug: str


def _day_start() -> int:
    """The anchor of generated times: today's start (UTC), so no modified_date lies in the future."""
    return int(time.time()) // DAY * DAY


def _batched(items: Iterator[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _coprime_step(total: int) -> int:
    for step in (104_729, 7_919, 1_009, 101, 7, 1):
        if total % step:
            return step
    return 1


def _clear(org_ids: list[int], base: int) -> None:
    """Remove what an earlier run made in this id block and for these organizations."""
    block = (base, base + BLOCK - 1)
    Attendance.objects.filter(id__range=block).delete()
    Attendance.objects.filter(event__organization_id__in=org_ids).delete()
    Attendance.objects.filter(sponsor_id__in=org_ids).delete()
    Timeslot.objects.filter(event__organization_id__in=org_ids).delete()
    Location.objects.filter(event__organization_id__in=org_ids).delete()
    Event.tags.through.objects.filter(event__organization_id__in=org_ids).delete()
    Event.objects.filter(organization_id__in=org_ids).delete()
    Event.objects.filter(id__range=block).delete()
    DeletedEvent.objects.filter(organization_id__in=org_ids).delete()
    DeletedEvent.objects.filter(id__range=block).delete()
    Person.organizations.through.objects.filter(person_id__gte=block[0], person_id__lte=block[1]).delete()
    Person.objects.filter(id__range=block).delete()
    EventCampaign.objects.filter(organization_id__in=org_ids).delete()
    Tag.objects.filter(id__range=block).delete()
    ApiKey.objects.filter(organization_id__in=org_ids).delete()
    Organization.promotes.through.objects.filter(from_organization_id__in=org_ids).delete()


def _organizations(
    organization_id: int, name: str, anchor: int, seed: int
) -> tuple[Organization, Organization, Organization]:
    slug = f"sandbox-{organization_id}"
    common = {"created_date": anchor - 400 * DAY, "modified_date": anchor - 30 * DAY, "variant_seed": seed}
    main = Organization(
        id=organization_id,
        name=name,
        slug=slug,
        is_coordinated=True,
        race_type="CONGRESSIONAL",
        state="PA",
        district="3",
        candidate_name="Sam Sandbox",
        event_feed_url=f"https://www.mobilize.us/{slug}/",
        org_type="CAMPAIGN",
        **common,
    )
    independent = Organization(
        id=organization_id + 1,
        name=f"{name} Independent PAC",
        slug=f"{slug}-independent",
        is_coordinated=False,
        event_feed_url=f"https://www.mobilize.us/{slug}-independent/",
        org_type="INDEPENDENT",
        restricts_sharing=True,
        **common,
    )
    allied = Organization(
        id=organization_id + 2,
        name=f"{name} Allied Party",
        slug=f"{slug}-allied",
        is_coordinated=True,
        state="PA",
        event_feed_url=f"https://www.mobilize.us/{slug}-allied/",
        org_type=Choices.NEW_ORG_TYPES[0],  # "New options may be added": one a client does not know
        **common,
    )
    return main, independent, allied


def generate(
    *,
    events: int,
    attendances: int,
    people: int | None = None,
    seed: int = 0,
    organization_id: int = 4242,
    api_key: str = "sandbox-mobilize-key",
    name: str | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """Generate (or regenerate) the synthetic organization; returns counts and keys.

    `people` defaults to a third of `attendances` (at least 10). The same arguments (and the
    same `now`) always produce the same data.
    """
    if events < 1 or attendances < 0:
        raise ValueError("events must be at least 1 and attendances at least 0")
    people = max(10, attendances // 3) if people is None else people
    if events > MAX_EVENTS or attendances > MAX_ATTENDANCES or not 1 <= people <= MAX_PEOPLE:
        raise ValueError(
            f"at most {MAX_EVENTS} events, {MAX_ATTENDANCES} attendances and {MAX_PEOPLE} people (at least 1) "
            "fit in an organization's id block"
        )
    if organization_id < 1:
        raise ValueError("organization_id must be a positive Mobilize id")
    anchor = _day_start() if now is None else int(now)
    rng = random.Random(seed)
    base = organization_id * BLOCK
    main, independent, allied = _organizations(
        organization_id, name or f"Sandbox Campaign {organization_id}", anchor, seed
    )
    org_ids = [main.id, independent.id, allied.id]

    with transaction.atomic():
        _clear(org_ids, base)
        for org in (main, independent, allied):
            org.save(touch=False)
        for org, key in ((main, api_key), (independent, f"{api_key}-independent"), (allied, f"{api_key}-allied")):
            ApiKey.objects.update_or_create(key=key, defaults={"organization": org})
        main.promotes.set([independent, allied])
        independent.promotes.set([main])

        campaigns = [
            EventCampaign(
                id=base + n,
                organization=main,
                slug=f"{main.slug}-{label}",
                event_create_page_url=f"https://www.mobilize.us/{main.slug}/create/{label}/",
            )
            for n, label in ((1, "house-parties"), (2, "weekend-of-action"))
        ]
        EventCampaign.objects.bulk_create(campaigns)
        tags = [Tag(id=base + n, name=label) for n, label in enumerate(TAGS, start=1)]
        Tag.objects.bulk_create(tags)

        slots: list[_Slot] = []
        for batch in _batched(iter(range(events))):
            _events_batch(rng, seed, batch, base, anchor, (main, independent, allied), campaigns, tags, slots)

        deleted_count = max(1, events // 50)
        DeletedEvent.objects.bulk_create(
            DeletedEvent(
                id=base + DELETED_OFFSET + j,
                organization_id=org_ids[j % 2],
                visibility="PRIVATE" if j % 5 == 4 else "PUBLIC",
                deleted_date=anchor - rng.randrange(1, 30) * DAY,
            )
            for j in range(deleted_count)
        )

        for batch in _batched(iter(range(people))):
            _people_batch(rng, batch, base, anchor, org_ids)

        step = _coprime_step(len(slots))
        for batch in _batched(iter(range(attendances))):
            _attendances_batch(rng, batch, base, anchor, slots, people, step, org_ids)
        reset_sequences()

    return {
        "organization_id": main.id,
        "api_key": api_key,
        "independent_organization_id": independent.id,
        "independent_api_key": f"{api_key}-independent",
        "allied_organization_id": allied.id,
        "allied_api_key": f"{api_key}-allied",
        "events": events,
        "timeslots": len(slots),
        "deleted_events": deleted_count,
        "people": people,
        "attendances": attendances,
    }


def _events_batch(
    rng: random.Random,
    seed: int,
    numbers: list[int],
    base: int,
    anchor: int,
    orgs: tuple[Organization, Organization, Organization],
    campaigns: list[EventCampaign],
    tags: list[Tag],
    slots: list[_Slot],
) -> None:
    main, independent, allied = orgs
    event_rows, locations, timeslots, tag_rows = [], [], [], []
    for k in numbers:
        event_id = base + k + 1
        owner = (main, main, main, main, independent, allied)[k % 6]
        virtual_kind = k % 7  # 3: virtual without a location, 5: virtual with one
        is_virtual = virtual_kind in (3, 5)
        territory = {4: 0, 8: 1, 10: 2}.get(k % 13)
        place = TERRITORIES[territory] if territory is not None else rng.choice(PLACES)
        region, timezone, locality, postal, lat, lon, district = place
        status, notes = ACCESSIBILITY[k % len(ACCESSIBILITY)] if not is_virtual else (None, "")
        created = anchor - rng.randrange(30, 200) * DAY
        event_type = "PHONE_BANK" if is_virtual else rng.choice(EVENT_TYPES)
        # Chosen by a hash of the seed, not by `rng`, so the rest of the data stays as it was.
        if pick(seed, "unlisted_event_type", event_id, UNLISTED_EVENT_TYPE_EVERY) == 0:
            event_type = UNLISTED_EVENT_TYPES[pick(seed, "which_unlisted_type", event_id, len(UNLISTED_EVENT_TYPES))]
        approval = "APPROVED"
        if k % 23 == 7:
            approval = "NEEDS_APPROVAL"
        elif k % 29 == 11:
            approval = "REJECTED"
        event_rows.append(
            Event(
                id=event_id,
                organization=owner,
                title=f"{event_type.replace('_', ' ').title()} in {locality} #{k + 1}",
                description=f"<p>Join {owner.name} in {locality}.</p>",
                featured_image_url="",
                high_priority=k % 10 == 0,
                timezone=timezone,
                event_type=event_type,
                browser_url=f"https://www.mobilize.us/{owner.slug}/event/{event_id}/",
                created_date=created,
                modified_date=min(created + rng.randrange(0, 20) * DAY, anchor),
                visibility="PRIVATE" if k % 11 == 6 else "PUBLIC",
                address_visibility="PRIVATE" if k % 9 == 2 and not is_virtual else "PUBLIC",
                created_by_volunteer_host=k % 8 == 1,
                is_virtual=is_virtual,
                virtual_action_url=f"https://meet.example.org/{event_id}" if is_virtual else None,
                accessibility_status=status,
                accessibility_notes=notes,
                approval_status=approval,
                event_campaign=campaigns[k % 2] if owner is main and k % 8 == 1 else None,
                instructions="Bring water and comfortable shoes." if k % 3 == 0 else None,
                contact_name=f"{rng.choice(FIRST_NAMES)} Organizer",
                contact_email_address=f"events+{event_id}@example.org",
                contact_phone_number=f"215555{k % 10000:04d}",
                contact_owner_user_id=base + USER_ID_OFFSET + 1 + k % 50,
            )
        )
        if virtual_kind != 3:
            locations.append(
                Location(
                    event_id=event_id,
                    venue="Online" if is_virtual else f"{locality} Field Office",
                    address_line_1=f"{100 + k % 900} Main St",
                    address_line_2="Suite 2" if k % 4 == 0 else "",
                    locality=locality,
                    region=region,
                    country=region if territory is not None else "US",
                    postal_code=postal,
                    latitude=round(lat + rng.uniform(-0.05, 0.05), 6),
                    longitude=round(lon + rng.uniform(-0.05, 0.05), 6),
                    congressional_district=district,
                    state_leg_district=str(rng.randrange(1, 200)),
                    state_senate_district=str(rng.randrange(1, 50)),
                )
            )
        # 1-4 timeslots; the first lies between 60 days ago and 90 days ahead, so events span
        # the past and the future, and some have both.
        start = anchor + rng.randrange(-60 * 24, 90 * 24) * 3600 + rng.choice((0, 1800))
        for n in range(1 + rng.randrange(4)):
            slot_start = start + n * rng.randrange(1, 8) * DAY
            capacity = rng.choice((None, 10, 25, 50))
            timeslot_id = base + TIMESLOT_OFFSET + k * 4 + n
            slot_end = slot_start + rng.choice((1, 2, 3)) * 3600
            timeslots.append(
                Timeslot(
                    id=timeslot_id,
                    event_id=event_id,
                    start_date=slot_start,
                    end_date=slot_end,
                    max_attendees=capacity,
                    is_full=capacity is not None and rng.random() < 0.1,
                    instructions="Check in at the front desk." if n == 0 and k % 3 == 0 else None,
                )
            )
            slots.append(_Slot(timeslot_id, event_id, owner.id, is_virtual, slot_start, slot_end, owner.slug))
        tag_rows.extend(
            Event.tags.through(event_id=event_id, tag_id=tag.id) for tag in rng.sample(tags, rng.randrange(3))
        )
    Event.objects.bulk_create(event_rows)
    Location.objects.bulk_create(locations)
    Timeslot.objects.bulk_create(timeslots)
    Event.tags.through.objects.bulk_create(tag_rows)


def _people_batch(rng: random.Random, numbers: list[int], base: int, anchor: int, org_ids: list[int]) -> None:
    main_id, independent_id, allied_id = org_ids
    rows, links = [], []
    for k in numbers:
        person_id = base + k + 1
        created = anchor - rng.randrange(1, 400) * DAY
        rows.append(
            Person(
                id=person_id,
                person_id=person_id if k % 4 else None,  # "null for new Persons"
                user_id=base + USER_ID_OFFSET + k + 1,
                created_date=created,
                modified_date=min(created + rng.randrange(0, 30) * DAY, anchor),
                given_name=rng.choice(FIRST_NAMES),
                family_name=rng.choice(LAST_NAMES),
                email_address=f"volunteer{k + 1}.{org_ids[0]}@example.org",
                phone_number=f"202555{k % 10000:04d}" if k % 6 else "",
                postal_code="" if k % 17 == 3 else rng.choice(PLACES)[3],
                sms_opt_in_status=rng.choice(("UNSPECIFIED", "OPT_IN", "OPT_IN", "OPT_OUT")),
                blocked_date=anchor - 5 * DAY if k % 97 == 13 else None,
            )
        )
        # Mostly the synthetic organization's; every tenth only the independent one's (their
        # email is withheld from the others), some also or only the allied party's.
        affiliations = {9: [independent_id], 5: [main_id, allied_id], 7: [allied_id]}.get(k % 10, [main_id])
        links.extend(Person.organizations.through(person_id=person_id, organization_id=o) for o in affiliations)
    Person.objects.bulk_create(rows)
    Person.organizations.through.objects.bulk_create(links)


def _attendances_batch(
    rng: random.Random,
    numbers: list[int],
    base: int,
    anchor: int,
    slots: list[_Slot],
    people: int,
    step: int,
    org_ids: list[int],
) -> None:
    main_id, independent_id, _ = org_ids
    rows = []
    for k in numbers:
        # Spread people over timeslots so a (person, timeslot) pair repeats only when there are
        # more attendances than pairs.
        p, round_ = k % people, k // people
        slot = slots[(p * 7919 + round_ * step) % len(slots)]
        if slot.owner_id == main_id:
            sponsor_id = independent_id if k % 7 == 2 else main_id  # recruited across the firewall
        else:
            sponsor_id = main_id if k % 2 == 0 else slot.owner_id  # the synthetic org promoting
        past = slot.end_date < anchor
        status = rng.choices(("REGISTERED", "CONFIRMED", "CANCELLED"), weights=(60, 25, 15))[0]
        attended = rng.choice((True, True, False, None)) if past and status != "CANCELLED" else None
        created = min(anchor, slot.start_date) - rng.randrange(1, 30) * DAY
        referred = k % 5 < 3
        source = rng.choice(UTM_SOURCES)
        override = slot.is_virtual and k % 4 == 0
        rows.append(
            Attendance(
                id=base + k + 1,
                person_id=base + p + 1,
                event_id=slot.event_id,
                timeslot_id=slot.id,
                sponsor_id=sponsor_id,
                created_date=created,
                modified_date=min(created + rng.randrange(0, 3) * DAY, anchor),
                status=status,
                attended=attended,
                utm_source=source if referred else None,
                utm_medium=("email" if source == "email" else "social") if referred else None,
                utm_campaign=f"gotv-{k % 4}" if referred else None,
                utm_term=None,
                utm_content="button" if referred and k % 2 else None,
                referrer_url=(
                    f"https://www.mobilize.us/{slot.slug}/event/{slot.event_id}/"
                    f"?source={source}&akid=.{1000 + p}.{rng.randrange(16**6):06x}"
                    if referred
                    else None
                ),
                custom_signup_field_values=(
                    [
                        {
                            "custom_field_id": 1,
                            "custom_field_name": "tshirt_size",
                            "text_value": rng.choice("SML"),
                            "boolean_value": None,
                        },
                        {
                            "custom_field_id": 2,
                            "custom_field_name": "can_drive",
                            "text_value": None,
                            "boolean_value": rng.random() < 0.5,
                        },
                    ]
                    if k % 3 == 0
                    else []
                ),
                rating=rng.choice(("POSITIVE", "POSITIVE", "NEGATIVE", None)) if attended else None,
                feedback=rng.choice(FEEDBACK) if attended and k % 2 == 0 else None,
                override_start_date=slot.start_date + 1800 if override else None,
                override_end_date=slot.start_date + 5400 if override else None,
            )
        )
    Attendance.objects.bulk_create(rows)
