"""Load Mobilize sandbox data from a JSON document shaped like the API's own responses.

The document (see README.md in this folder) has top-level lists `organizations`, `events`,
`attendances`, `people` and `deleted_events` of API-shaped objects; facts the API does not
show (API keys, promotions, affiliations, sharing restrictions, a deleted event's owner) go
under keys starting with `sandbox_`.

Loading is an upsert by the ids in the document, done in bulk: loading the same document
twice changes nothing, and a document can add to or correct what is already there. Nothing
outside the document is removed, except that an event listed in it ends with exactly the
timeslots, location and tags the document gives it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.color import no_style
from django.db import connection, models, transaction

from .models import (
    ApiKey,
    Attendance,
    DeletedEvent,
    Event,
    EventCampaign,
    Location,
    Organization,
    Person,
    Tag,
    Timeslot,
    now,
)

BATCH = 1000
M = TypeVar("M", bound=models.Model)
SECTIONS = ("organizations", "events", "attendances", "people", "deleted_events")
DATE_FIELDS = ("created_date", "modified_date", "deleted_date")


class LoadError(ValueError):
    """The document cannot be loaded; the message names the record and what is wrong."""


def _batches(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _concrete_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if not f.primary_key]


def upsert(model: type[M], objects: Iterable[M], fields: list[str] | None = None) -> int:
    """Insert or update `objects` by primary key, in batches; returns how many.

    A date the document left out (None here) keeps its stored value, or is now for a new row:
    loading the same document again must not move any date.
    """
    fields = fields or _concrete_fields(model)
    dates = [f for f in DATE_FIELDS if f in fields]
    total = 0
    objects = list(objects)
    for batch in _batches(objects):
        stored = {row["pk"]: row for row in model.objects.filter(pk__in=[o.pk for o in batch]).values("pk", *dates)}
        stamp = now()
        for obj in batch:
            for field in dates:
                if getattr(obj, field) is None:
                    setattr(obj, field, stored[obj.pk][field] if obj.pk in stored else stamp)
        new = [o for o in batch if o.pk not in stored]
        old = [o for o in batch if o.pk in stored]
        if new:
            model.objects.bulk_create(new, batch_size=BATCH)
        if old:
            model.objects.bulk_update(old, fields, batch_size=BATCH)
        total += len(batch)
    return total


def reset_sequences() -> None:
    """Move PostgreSQL's id sequences past the loaded ids, so rows added in the admin don't collide."""
    model_list = [Organization, ApiKey, Tag, EventCampaign, Event, Timeslot, Person, Attendance]
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


# --- API objects -> model instances -----------------------------------------------------------


def _where(kind: str, record: Mapping[str, Any]) -> str:
    return f"{kind} {record.get('id', '(no id)')}"


def _id(record: Any, kind: str, field: str = "id") -> int:
    value = record.get(field) if isinstance(record, Mapping) else record
    if isinstance(value, bool) or not isinstance(value, int):
        raise LoadError(f"{kind}: `{field}` must be an integer id, not {value!r}.")
    return value


def _ref(value: Any, kind: str, field: str) -> int | None:
    """An id from an id-bearing object ({"id": 5, ...}) or a bare id; None when absent."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = value.get("id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise LoadError(f"{kind}: `{field}` must be an object with an integer id, not {value!r}.")
    return value


def _time(record: Mapping[str, Any], field: str) -> int | None:
    """A Unix timestamp field; None when absent (`upsert` then keeps the stored date or uses now)."""
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LoadError(f"{_where('record', record)}: `{field}` must be a Unix timestamp, not {value!r}.")
    return int(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _seed(record: Mapping[str, Any], field: str) -> int:
    value = record.get(field, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LoadError(f"{_where('organization', record)}: `{field}` must be an integer, not {value!r}.")
    return value


def organization_from(record: Mapping[str, Any]) -> Organization:
    """An Organization from an Organization object (plus sandbox_restricts_sharing)."""
    if "is_coordinated" in record and record["is_coordinated"] is not None:
        coordinated = bool(record["is_coordinated"])
    elif "is_independent" in record and record["is_independent"] is not None:
        coordinated = not record["is_independent"]
    else:
        coordinated = str(record.get("org_type") or "").upper() != "INDEPENDENT"
    return Organization(
        id=_id(record, "organization"),
        name=_text(record.get("name")),
        slug=_text(record.get("slug")),
        is_coordinated=coordinated,
        race_type=record.get("race_type"),
        is_primary_campaign=bool(record.get("is_primary_campaign")),
        state=_text(record.get("state")),
        district=_text(record.get("district")),
        candidate_name=_text(record.get("candidate_name")),
        event_feed_url=_text(record.get("event_feed_url")),
        org_type=record.get("org_type") or "CAMPAIGN",
        created_date=_time(record, "created_date"),
        modified_date=_time(record, "modified_date"),
        restricts_sharing=bool(record.get("sandbox_restricts_sharing", False)),
        variant_seed=_seed(record, "sandbox_variant_seed"),
    )


def event_from(record: Mapping[str, Any]) -> Event:
    """An Event from an Event object (its sponsor, contact and event campaign flattened)."""
    where = _where("event", record)
    organization_id = _ref(record.get("sponsor"), where, "sponsor")
    if organization_id is None:
        raise LoadError(f"{where}: `sponsor` (the owning organization) is required.")
    contact = record.get("contact") or {}
    email = contact.get("email_address")
    if email is None:
        email = contact.get("email_adddress")  # the reference's Contact table spells it so
    return Event(
        id=_id(record, "event"),
        organization_id=organization_id,
        title=_text(record.get("title")),
        description=_text(record.get("description")),
        featured_image_url=_text(record.get("featured_image_url")),
        high_priority=record.get("high_priority"),
        timezone=record.get("timezone") or "America/New_York",
        event_type=record.get("event_type") or "OTHER",
        browser_url=_text(record.get("browser_url")),
        created_date=_time(record, "created_date"),
        modified_date=_time(record, "modified_date"),
        visibility=record.get("visibility") or "PUBLIC",
        address_visibility=record.get("address_visibility") or "PUBLIC",
        created_by_volunteer_host=bool(record.get("created_by_volunteer_host")),
        is_virtual=bool(record.get("is_virtual")),
        virtual_action_url=record.get("virtual_action_url"),
        accessibility_status=record.get("accessibility_status"),
        accessibility_notes=_text(record.get("accessibility_notes")),
        approval_status=record.get("approval_status") or "APPROVED",
        event_campaign_id=_ref(record.get("event_campaign"), where, "event_campaign"),
        instructions=record.get("instructions"),
        contact_name=contact.get("name"),
        contact_email_address=email,
        contact_phone_number=contact.get("phone_number"),
        contact_owner_user_id=contact.get("owner_user_id"),
    )


def location_from(event_id: int, record: Mapping[str, Any]) -> Location:
    """A Location from a Location object; both district spellings are read."""
    lines = list(record.get("address_lines") or [])
    lines = [_text(line) for line in lines] + ["", ""]
    geo = record.get("location") or {}

    def district(key: str) -> Any:
        value = record.get(f"{key}_value")
        return record.get(key) if value is None else value

    return Location(
        event_id=event_id,
        venue=_text(record.get("venue")),
        address_line_1=lines[0],
        address_line_2=lines[1],
        locality=_text(record.get("locality")),
        region=_text(record.get("region")),
        country=record.get("country") or "US",
        postal_code=_text(record.get("postal_code")),
        latitude=geo.get("latitude"),
        longitude=geo.get("longitude"),
        congressional_district=district("congressional_district"),
        state_leg_district=district("state_leg_district"),
        state_senate_district=district("state_senate_district"),
    )


def timeslot_from(event_id: int, record: Mapping[str, Any]) -> Timeslot:
    where = f"timeslot {record.get('id', '(no id)')} of event {event_id}"
    start, end = record.get("start_date"), record.get("end_date")
    if not isinstance(start, int) or not isinstance(end, int):
        raise LoadError(f"{where}: start_date and end_date must be Unix timestamps.")
    return Timeslot(
        id=_id(record, where),
        event_id=event_id,
        start_date=start,
        end_date=end,
        max_attendees=record.get("max_attendees"),
        is_full=bool(record.get("is_full")),
        instructions=record.get("instructions"),
    )


def _primary(entries: Any, field: str) -> str:
    if not isinstance(entries, list):
        return ""
    values = [e for e in entries if isinstance(e, Mapping) and e.get(field)]
    chosen = next((e for e in values if e.get("primary")), values[0] if values else None)
    return _text(chosen.get(field)) if chosen else ""


def person_from(record: Mapping[str, Any]) -> Person:
    """A Person from a Person object (one email, phone and zip: Mobilize's "array of length 1")."""
    where = _where("person", record)
    person_id = _id(record, "person")
    email = _primary(record.get("email_addresses"), "address")
    if not email:
        raise LoadError(f"{where}: people are unique by email address, so `email_addresses` needs one.")
    return Person(
        id=person_id,
        person_id=record.get("person_id", person_id),
        user_id=record.get("user_id") if record.get("user_id") is not None else person_id,
        created_date=_time(record, "created_date"),
        modified_date=_time(record, "modified_date"),
        given_name=_text(record.get("given_name")),
        family_name=_text(record.get("family_name")),
        email_address=email,
        phone_number=_primary(record.get("phone_numbers"), "number"),
        postal_code=_primary(record.get("postal_addresses"), "postal_code"),
        sms_opt_in_status=record.get("sms_opt_in_status") or "UNSPECIFIED",
        blocked_date=record.get("blocked_date"),
    )


def attendance_from(record: Mapping[str, Any], event_owner: Mapping[int, int]) -> Attendance:
    """An Attendance from an Attendance object; sponsor defaults to the event's organization."""
    where = _where("attendance", record)
    event_id = _ref(record.get("event"), where, "event")
    timeslot_id = _ref(record.get("timeslot"), where, "timeslot")
    person_id = _ref(record.get("person"), where, "person")
    if event_id is None or timeslot_id is None or person_id is None:
        raise LoadError(f"{where}: `person`, `event` and `timeslot` must each carry an id.")
    if event_id not in event_owner:
        raise LoadError(f"{where}: event {event_id} is neither in the document nor in the sandbox.")
    sponsor_id = _ref(record.get("sponsor"), where, "sponsor") or event_owner[event_id]
    referrer = record.get("referrer") or {}
    return Attendance(
        id=_id(record, "attendance"),
        person_id=person_id,
        event_id=event_id,
        timeslot_id=timeslot_id,
        sponsor_id=sponsor_id,
        created_date=_time(record, "created_date"),
        modified_date=_time(record, "modified_date"),
        status=record.get("status") or "REGISTERED",
        attended=record.get("attended"),
        utm_source=referrer.get("utm_source"),
        utm_medium=referrer.get("utm_medium"),
        utm_campaign=referrer.get("utm_campaign"),
        utm_term=referrer.get("utm_term"),
        utm_content=referrer.get("utm_content"),
        referrer_url=referrer.get("url"),
        custom_signup_field_values=list(record.get("custom_signup_field_values") or []),
        rating=record.get("rating"),
        feedback=record.get("feedback"),
        override_start_date=record.get("override_start_date"),
        override_end_date=record.get("override_end_date"),
    )


# --- loading -----------------------------------------------------------------------------------


def _replace_links(
    through: type[models.Model], owner_field: str, other_field: str, links: dict[int, list[int]]
) -> None:
    """Make the many-to-many rows of each owner in `links` exactly the given ones."""
    for batch in _batches(list(links)):
        through.objects.filter(**{f"{owner_field}__in": batch}).delete()
        rows = [
            through(**{owner_field: owner, other_field: other})
            for owner in batch
            for other in dict.fromkeys(links[owner])  # once each, in order
        ]
        through.objects.bulk_create(rows, batch_size=BATCH)


def _require(model: type[models.Model], ids: Iterable[int], what: str) -> None:
    """LoadError naming the first id in `ids` that is neither in the document nor in the sandbox."""
    wanted = set(ids)
    found = set()
    for batch in _batches(sorted(wanted)):
        found.update(model.objects.filter(pk__in=batch).values_list("pk", flat=True))
    if wanted - found:
        raise LoadError(f"{what} {min(wanted - found)} is neither in the document nor in the sandbox.")


def _check_references(rows: Sequence[Attendance]) -> None:
    """Name a dangling person, timeslot or sponsor id instead of failing at commit."""
    slots = dict(Timeslot.objects.filter(pk__in={r.timeslot_id for r in rows}).values_list("id", "event_id"))
    people = set(Person.objects.filter(pk__in={r.person_id for r in rows}).values_list("pk", flat=True))
    orgs = set(Organization.objects.filter(pk__in={r.sponsor_id for r in rows}).values_list("pk", flat=True))
    for row in rows:
        where = f"attendance {row.id}"
        if slots.get(row.timeslot_id) != row.event_id:
            raise LoadError(f"{where}: timeslot {row.timeslot_id} is not a timeslot of event {row.event_id}.")
        if row.person_id not in people:
            raise LoadError(f"{where}: person {row.person_id} is neither in the document nor in the sandbox.")
        if row.sponsor_id not in orgs:
            raise LoadError(f"{where}: sponsor {row.sponsor_id} is neither in the document nor in the sandbox.")


def _check_lists(data: Mapping[str, Any]) -> None:
    if not isinstance(data, Mapping):
        raise LoadError("The document must be a JSON object with lists under " + ", ".join(SECTIONS) + ".")
    for section in SECTIONS:
        value = data.get(section, [])
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise LoadError(f"`{section}` must be a list of objects.")


def load_data(data: Mapping[str, Any]) -> str:
    """Load a Mobilize sandbox document (see the module docstring); returns a one-line summary."""
    _check_lists(data)
    organizations = data.get("organizations", [])
    events = data.get("events", [])
    attendances = data.get("attendances", [])
    people = data.get("people", [])
    deleted = data.get("deleted_events", [])

    with transaction.atomic():
        # Organizations, including sponsors only nested in events/attendances and not yet known.
        orgs = {o.id: o for o in map(organization_from, organizations)}
        nested = [e.get("sponsor") for e in events] + [a.get("sponsor") for a in attendances]
        # A nested sponsor that carries more than an id (a name) is an Organization object to keep.
        missing = {
            n["id"]: n for n in nested if isinstance(n, Mapping) and isinstance(n.get("id"), int) and "name" in n
        }
        stored = set(Organization.objects.filter(pk__in=missing).values_list("pk", flat=True))
        for org_id in set(missing) - set(orgs) - stored:
            orgs[org_id] = organization_from(missing[org_id])
        upsert(Organization, orgs.values())
        for record in organizations:
            if "sandbox_api_keys" in record:
                keys = [str(k) for k in record.get("sandbox_api_keys") or []]
                for key in keys:
                    ApiKey.objects.update_or_create(key=key, defaults={"organization_id": record["id"]})
                ApiKey.objects.filter(organization_id=record["id"]).exclude(key__in=keys).delete()
        promotions = {r["id"]: list(r.get("sandbox_promotes") or []) for r in organizations if "sandbox_promotes" in r}
        _require(Organization, (i for ids in promotions.values() for i in ids), "Promoted organization")
        _replace_links(Organization.promotes.through, "from_organization_id", "to_organization_id", promotions)

        # Events with their campaigns, tags, locations and timeslots.
        campaigns, tags, event_rows, locations, timeslots = {}, {}, [], [], []
        event_tags: dict[int, list[int]] = {}
        no_location: list[int] = []
        for record in events:
            event = event_from(record)
            event_rows.append(event)
            campaign = record.get("event_campaign")
            if isinstance(campaign, Mapping):
                campaigns[campaign["id"]] = EventCampaign(
                    id=campaign["id"],
                    organization_id=event.organization_id,
                    slug=_text(campaign.get("slug")),
                    event_create_page_url=_text(campaign.get("event_create_page_url")),
                )
            for tag in record.get("tags") or []:
                tags[_id(tag, f"tag of event {event.id}")] = Tag(id=tag["id"], name=_text(tag.get("name")))
            event_tags[event.id] = [tag["id"] for tag in record.get("tags") or []]
            if isinstance(record.get("location"), Mapping):
                locations.append(location_from(event.id, record["location"]))
            else:
                no_location.append(event.id)
            timeslots.extend(timeslot_from(event.id, slot) for slot in record.get("timeslots") or [])
        _require(Organization, (e.organization_id for e in event_rows), "Event sponsor organization")
        upsert(EventCampaign, campaigns.values())
        upsert(Tag, tags.values())
        upsert(Event, event_rows)
        upsert(Location, locations)
        for batch in _batches(no_location):
            Location.objects.filter(event_id__in=batch).delete()
        upsert(Timeslot, timeslots)
        kept = {t.id for t in timeslots}
        for batch in _batches([e.id for e in event_rows]):
            Timeslot.objects.filter(event_id__in=batch).exclude(id__in=kept).delete()
        _replace_links(Event.tags.through, "event_id", "tag_id", event_tags)

        # People (listed, then any only nested in attendances) and their affiliations.
        person_rows = {p.id: p for p in map(person_from, people)}
        nested_people = {
            a["person"]["id"]: a["person"]
            for a in attendances
            if isinstance(a.get("person"), Mapping) and a["person"].get("email_addresses")
        }
        unknown = set(nested_people) - set(person_rows)
        known = set(Person.objects.filter(pk__in=unknown).values_list("pk", flat=True)) if unknown else set()
        for person_id in unknown - known:
            person_rows[person_id] = person_from(nested_people[person_id])
        upsert(Person, person_rows.values())
        affiliations = {
            r["id"]: list(r.get("sandbox_organizations") or []) for r in people if "sandbox_organizations" in r
        }
        _require(Organization, (i for ids in affiliations.values() for i in ids), "Affiliated organization")
        _replace_links(Person.organizations.through, "person_id", "organization_id", affiliations)

        # Attendances: their event's owner is the default sponsor.
        attendance_rows = []
        for batch in _batches(attendances):
            event_ids = {_ref(a.get("event"), _where("attendance", a), "event") for a in batch}
            owners = dict(Event.objects.filter(pk__in=event_ids).values_list("id", "organization_id"))
            rows = [attendance_from(a, owners) for a in batch]
            _check_references(rows)
            attendance_rows.extend(rows)
        upsert(Attendance, attendance_rows)

        # Deleted events: recorded, and gone from the event lists if they were there.
        deleted_rows = []
        for record in deleted:
            where = _where("deleted event", record)
            owner = record.get("sandbox_organization_id")
            if owner is None:
                raise LoadError(f"{where}: `sandbox_organization_id` (the owning organization) is required.")
            deleted_rows.append(
                DeletedEvent(
                    id=_id(record, "deleted event"),
                    organization_id=owner,
                    visibility=record.get("sandbox_visibility") or "PUBLIC",
                    deleted_date=_time(record, "deleted_date"),
                )
            )
        _require(Organization, (d.organization_id for d in deleted_rows), "Deleted event's organization")
        upsert(DeletedEvent, deleted_rows)
        for batch in _batches([d.id for d in deleted_rows]):
            Event.objects.filter(pk__in=batch).delete()
        reset_sequences()

    return (
        f"Mobilize sandbox: loaded {len(orgs)} organizations, {len(event_rows)} events "
        f"({len(timeslots)} timeslots), {len(person_rows)} people, {len(attendance_rows)} attendances, "
        f"{len(deleted_rows)} deleted events."
    )


def load_file(path: str | Path) -> str:
    """Load a Mobilize sandbox JSON file (see `load_data`); returns a one-line summary."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LoadError(f"{path} is not valid JSON: {exc}") from exc
    return load_data(data)
