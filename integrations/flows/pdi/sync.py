"""Mobilize -> PDI (shared/seeds/002), as streams over the engine, reading the Mobilize mirror.

Scope, as the seed says: "any event that is included in your organization's list of events and
the volunteers who sign up for them", promoted events included, and the volunteers who signed up
for those through the organization's feed. The streams, in order:

  contacts         volunteers already linked to a PDI contact, when Mobilize changes them
  events           one PDI event per Mobilize timeslot, in the calendar mapped from the event type
                   (unmapped: skipped with the reason, or the default calendar when one is chosen);
                   a timeslot the event no longer has -> its PDI event is cancelled
  deleted_events   Mobilize's deleted events -> every PDI event made from their timeslots cancelled
  invitations      one PDI invitation per attendance, on its timeslot's event, for its contact
                   (the contact is matched by email, else created, when the invitation first needs it)

Cancelled, not removed: PDI's documented API has no event delete and no event status, and an
event's invitations are the attendance history the campaign reports on; the PDI event is kept,
renamed "Cancelled: ..." with the deletion said in its description (mapping.cancelled_event_payload).

Contacts: matched to an existing PDI contact by email only (the seed). A matched contact is the
campaign's own record and is never changed; only a contact this integration created is kept in
step with Mobilize (its name; a new email or phone is added as the primary one, since PDI
documents no way to edit one).

How a crash never duplicates:
- an event carries its key in PDI itself (its website, the Mobilize event URL, and its start):
  before a create the events PDI holds that week are searched for it;
- a contact is created in three requests (contact, email, phone): the engine keeps a "pending"
  link with the name and email, and the next run adopts a contact holding that email, or the
  only contact of that name holding no email at all (an interrupted create);
- an invitation is one request and unique per contact and event: the event's invitations are
  searched for the contact before a create.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from integrations import pdi_services
from integrations.connectors.errors import NotFoundError
from integrations.connectors.http import WRITE_METHODS
from integrations.connectors.mobilize.records import primary_email
from integrations.connectors.pdi import PdiClient
from integrations.engine import Candidate, RecordError, RunContext, SkipRecord, SourceRecord, Stream, Written
from integrations.engine.adoption import PENDING
from integrations.flows.base import MirrorSourceFlow
from integrations.flows.firewall import AttendanceScope, OrgRef, classify_attendance
from integrations.models import IntegrationKind, PdiConfig, RecordLink
from integrations.models.pdi import event_type_label

from . import mapping

TIMESLOT = "mobilize.timeslot"
PERSON = "mobilize.person"
ATTENDANCE = "mobilize.attendance"
PDI_EVENT = "pdi.event"
PDI_CONTACT = "pdi.contact"
PDI_INVITATION = "pdi.invitation"

_PDI_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)")


def same_moment(a: Any, b: Any) -> bool:
    """Whether two PDI datetimes name the same second ("...T10:00:00.000Z" and "...T10:00:00Z")."""
    return moment_key(a) == moment_key(b)


def moment_key(value: Any) -> str:
    """A PDI datetime cut to the second, for comparisons ("" when absent or unreadable)."""
    match = _PDI_MOMENT.match(str(value or ""))
    if not match:
        return ""
    clock = match.group(2) if match.group(2).count(":") == 2 else f"{match.group(2)}:00"
    return f"{match.group(1)}T{clock}"


def same_value(wanted: Any, held: Any) -> bool:
    """Whether PDI holds a field as we would write it (datetimes to the second, None as "")."""
    if isinstance(wanted, str) and _PDI_MOMENT.match(wanted):
        return same_moment(wanted, held)
    norm = lambda value: "" if value is None else str(value).strip()  # noqa: E731
    return norm(wanted) == norm(held)


def event_key(website: Any, start: Any) -> str:
    """A PDI event's idempotency key: the Mobilize event URL and the timeslot's start."""
    return f"{website or ''}|{moment_key(start)}"


# How many weeks of events, and how many events' invitations, one run keeps at most: what PDI
# answered is remembered while it is likely to be asked for again, never for the whole account.
REMEMBERED_PER_KIND = 256


def remembered(ctx: RunContext, kind: str, key: Any, read: Callable[[], Any]) -> Any:
    """What `read()` gives for `key`, kept in the run's cache (the least recently used dropped first)."""
    kept: OrderedDict = ctx.cache.setdefault(kind, OrderedDict())
    if key in kept:
        kept.move_to_end(key)
        return kept[key]
    kept[key] = value = read()
    while len(kept) > REMEMBERED_PER_KIND:
        kept.popitem(last=False)
    return value


class PdiFlow(MirrorSourceFlow):
    """Mobilize -> PDI: contacts, one event per timeslot, invitations with attendance."""

    kind = IntegrationKind.PDI

    @cached_property
    def config(self) -> PdiConfig:
        try:
            return self.integration.pdi
        except PdiConfig.DoesNotExist:
            raise ValueError(
                f"{self.integration.name} has no PDI settings: enter the API token, username and password on "
                "the integration page."
            ) from None

    @cached_property
    def pdi(self) -> PdiClient:
        return pdi_services.pdi_client(self.config)

    @cached_property
    def our_organization(self) -> OrgRef:
        org = self.organization
        return OrgRef(id=org.mobilize_id, name=org.name, side=org.firewall_side)

    @cached_property
    def contacts_stream(self) -> ContactsStream:
        return ContactsStream(self)

    @cached_property
    def events_stream(self) -> EventsStream:
        return EventsStream(self)

    def streams(self, ctx: RunContext) -> list[Stream]:
        return [self.contacts_stream, self.events_stream, DeletedEventsStream(self), InvitationsStream(self)]

    def configuration_problems(self) -> list[str]:
        problems = super().configuration_problems()
        try:
            config = self.integration.pdi
        except PdiConfig.DoesNotExist:
            return [
                *problems,
                f"{self.integration.name} has no PDI settings yet: enter the API token, username and password "
                "on the integration page.",
            ]
        problems += pdi_services.configuration_problems(config)
        if config.default_calendar_id is None and not config.calendar_mappings.filter(calendar__isnull=False).exists():
            problems.append(
                "No Mobilize event type is mapped to a PDI calendar yet: press Refresh calendars and map them on "
                "the integration page."
            )
        return problems

    def check_ready(self, ctx: RunContext) -> None:
        """The settings are complete and PDI accepts the credentials (one login)."""
        super().check_ready(ctx)
        if "pdi_ready" not in ctx.cache:
            self.pdi.login()
            ctx.cache["pdi_ready"] = True

    def test_connection(self) -> list[str]:
        return self.mobilize_test() + self.pdi.test_connection()

    def mapping_table(self) -> list[tuple[str, str, str]]:
        return mapping.mapping_table()

    def write_count(self) -> int:
        """Writes this run's PDI client has sent: an update that sent none changed nothing."""
        return sum(count for method, count in self.pdi.stats.requests.items() if method in WRITE_METHODS)

    # --- locations -------------------------------------------------------------------------
    def location_id(self, ctx: RunContext, location: Mapping[str, Any] | None) -> int | None:
        """The PDI location for an address: found among the account's locations, else created."""
        if not location:
            return None
        known: dict[str, int] = ctx.cache.get("pdi_locations")  # type: ignore[assignment]
        if known is None:
            # Read once per run, and only by a run that writes an event with an address.
            known = {}
            for held in self.pdi.locations():
                key = mapping.location_key(held)
                if held.get("id") is not None:
                    known.setdefault(key, int(held["id"]))
            ctx.cache["pdi_locations"] = known
        key = mapping.location_key(location)
        if key not in known:
            created = self.pdi.create_location(location["locationName"], location["locationAddress"])
            known[key] = int(created["id"])
        return known[key]

    # --- the dependencies of an invitation ----------------------------------------------------
    def contact_for(self, ctx: RunContext, person: Mapping[str, Any]) -> int:
        """The PDI contact of a volunteer, matched or created now when no stream has yet (0 in a dry run)."""
        record = self.contacts_stream.record_for(person)
        link = ctx.ledger.get(PERSON, record.source_id)
        if link is None or link.destination_id == PENDING:
            link = ctx.sync_now(self.contacts_stream, record)
        return ctx.synced_id(link, "the invitation's PDI contact")

    def event_for(self, ctx: RunContext, attendance: Mapping[str, Any], scope: AttendanceScope) -> int:
        """The PDI event of an attendance's timeslot, synced now when no stream has yet (0 in a dry run)."""
        timeslot = attendance.get("timeslot") or {}
        event = attendance.get("event") or {}
        if timeslot.get("id") is None or event.get("id") is None:
            raise RecordError("Mobilize sent this attendance without its event or timeslot id.")
        link = ctx.ledger.get(TIMESLOT, str(timeslot["id"]))
        if link is None or link.destination_id == PENDING:
            promoted = scope in (AttendanceScope.PROMOTED_SAME_SIDE, AttendanceScope.PROMOTED_ACROSS_FIREWALL)
            full_event, slot = self.signup_event_and_timeslot(attendance, promoted=promoted, destination="PDI")
            record = self.events_stream.record_for(full_event, slot)
            link = ctx.sync_now(self.events_stream, record)
            if link is None and not ctx.dry_run:
                outcome = ctx.processed.get((TIMESLOT, record.source_id))
                if outcome == "skipped":
                    raise SkipRecord(f"Its event is not synced to PDI: {self.events_stream.skip_reason(full_event)}")
        return ctx.synced_id(link, "the invitation's PDI event")


# --- contacts ---------------------------------------------------------------------------------


class ContactsStream(Stream):
    """Volunteers -> PDI contacts: matched by email only, else created with name, email and phone."""

    name = "contacts"
    source_type = PERSON
    destination_type = PDI_CONTACT
    reads_mirror = True

    def __init__(self, flow: PdiFlow) -> None:
        self.flow = flow

    @staticmethod
    def person_id(person: Mapping[str, Any]) -> str:
        return str(person.get("user_id") or person.get("id") or "")

    def record_for(self, person: Mapping[str, Any]) -> SourceRecord:
        return SourceRecord(self.person_id(person), dict(person), None, primary_email(person) or "")

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        """Changes of volunteers already linked; new ones arrive with their first invitation."""
        for change in self.flow.mirror_changes("person", since):
            if change.deleted:
                continue
            person = change.data
            if ctx.ledger.get(PERSON, self.person_id(person)) is None:
                continue
            yield SourceRecord(self.person_id(person), person, change.seq, primary_email(person) or "")

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        if not record.source_id:
            raise RecordError("Mobilize sent this volunteer without a user id.")
        return {
            "contact": mapping.contact_payload(record.data),
            "email": mapping.contact_email(record.data),
            "phone": mapping.contact_phone(record.data),
        }

    def adoption_key(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> str | None:
        return payload["email"]

    def adoption_hints(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> dict[str, Any] | None:
        contact = payload["contact"]
        return {"firstName": contact.get("firstName"), "lastName": contact.get("lastName")}

    def find_candidates(
        self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any], hints: Mapping[str, Any] | None
    ) -> list[Candidate]:
        """Contacts holding the volunteer's email; after an interrupted create, also same-name ones."""
        email = payload["email"]
        pdi = self.flow.pdi
        candidates = [
            Candidate(str(held["id"]), email, {"matched": True}, self.describe(held))
            for held in pdi.find_contacts_by_email(email)
        ]
        if candidates or not hints or not (hints.get("firstName") or hints.get("lastName")):
            return candidates
        for held in pdi.find_contacts_by_name(hints.get("firstName") or "", hints.get("lastName") or ""):
            emails = [str(e.get("emailAddress") or "").strip().lower() for e in held.get("emails") or []]
            key = email if email in emails else (emails[0] if emails else None)
            # A same-name contact without any email is what an interrupted create of ours leaves.
            extra = {"created": True, "contact": {}, "email": email if key == email else None, "phone": None}
            candidates.append(Candidate(str(held["id"]), key, extra, self.describe(held)))
        return candidates

    @staticmethod
    def describe(held: Mapping[str, Any]) -> str:
        name = " ".join(str(held.get(k) or "") for k in ("firstName", "lastName")).strip()
        return f"contact {held.get('id')} '{name}'"

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        pdi = self.flow.pdi
        contact_id = int(pdi.create_contact(payload["contact"])["id"])
        pdi.add_email(contact_id, payload["email"], primary=True)
        if payload["phone"]:
            pdi.add_phone(contact_id, payload["phone"], phone_type=mapping.PHONE_TYPE, primary=True)
        return Written(str(contact_id), {"created": True, **payload})

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        extra = dict(link.extra or {})
        if not extra.get("created"):
            # Matched by email: the campaign's own contact, never changed by this integration.
            return Written(link.destination_id, {"matched": True}, changed=False)
        pdi, contact_id = self.flow.pdi, int(link.destination_id)
        writes = self.flow.write_count()
        if extra.get("contact") != payload["contact"]:
            pdi.update_contact(contact_id, payload["contact"])
        if extra.get("email") != payload["email"]:
            pdi.add_email(contact_id, payload["email"], primary=True)
        if payload["phone"] and extra.get("phone") != payload["phone"]:
            pdi.add_phone(contact_id, payload["phone"], phone_type=mapping.PHONE_TYPE, primary=True)
        return Written(link.destination_id, {"created": True, **payload}, changed=self.flow.write_count() > writes)

    def read_back(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        extra = dict(link.extra or {})
        try:
            held = self.flow.pdi.get_contact(int(link.destination_id))
        except NotFoundError:
            return None
        if not extra.get("created"):
            return {"matched": True}
        contact = payload["contact"]
        same = all(same_value(value, held.get(name)) for name, value in contact.items())
        emails = [str(e.get("emailAddress") or "").strip().lower() for e in held.get("emails") or []]
        phones = [re.sub(r"\D", "", str(p.get("phoneNumber") or "")) for p in held.get("phones") or []]
        phone = payload["phone"]
        return {
            "created": True,
            "contact": contact if same else {},
            "email": payload["email"] if payload["email"] in emails else None,
            "phone": phone if phone and re.sub(r"\D", "", phone) in phones else None,
        }


# --- events -----------------------------------------------------------------------------------


class EventWritingStream(Stream):
    """Timeslot -> PDI event writes shared by the events and the deleted-events streams."""

    source_type = TIMESLOT
    destination_type = PDI_EVENT
    reads_mirror = True

    def __init__(self, flow: PdiFlow) -> None:
        self.flow = flow

    def adoption_key(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> str | None:
        event = payload.get("event") or {}
        return event_key(event.get("website"), event.get("startDateTimeUtc"))

    def find_candidates(
        self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any], hints: Mapping[str, Any] | None
    ) -> list[Candidate]:
        """PDI events of the timeslot's week with its website and start (what an earlier create made)."""
        event = payload.get("event") or {}
        day = moment_key(event.get("startDateTimeUtc"))[:10]
        if not day:
            return []
        own = self.adoption_key(ctx, record, payload)

        # One search per week of starts (a first sync makes many events a week), and a day either
        # side of it: PDI may read the dates in the calendar's own time zone.
        monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())

        def read_week() -> list[dict]:
            held_events = self.flow.pdi.events(monday - timedelta(days=1), monday + timedelta(days=7))
            return [{k: held.get(k) for k in ("id", "name", "website", "startDateTimeUtc")} for held in held_events]

        return [
            Candidate(
                str(held["id"]),
                event_key(held.get("website"), held.get("startDateTimeUtc")),
                {},
                f"event {held['id']} '{held.get('name')}' starting {held.get('startDateTimeUtc')}",
            )
            for held in remembered(ctx, "pdi_events_by_week", monday, read_week)
            if event_key(held.get("website"), held.get("startDateTimeUtc")) == own
        ]

    def body(self, ctx: RunContext, payload: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
        """What PDI's event takes: the event fields, its location and (on update) its calendar."""
        location = payload.get("location")
        if location and mapping.location_key(location) == extra.get("location_key"):
            location_id = extra.get("location_id")
        else:
            location_id = self.flow.location_id(ctx, location)
        return {**payload["event"], "locationId": location_id}

    def memo(self, payload: Mapping[str, Any], body: Mapping[str, Any], calendar_id: int) -> dict[str, Any]:
        location = payload.get("location")
        return {
            "event": dict(payload["event"]),
            "calendar_id": calendar_id,
            "location_id": body.get("locationId"),
            "location_key": mapping.location_key(location) if location else None,
        }

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        if payload.get("deleted"):
            raise SkipRecord("Deleted in Mobilize before its PDI event was ever made.")
        body = self.body(ctx, payload, {})
        created = self.flow.pdi.create_event(payload["calendar_id"], body)
        ctx.cache.setdefault("pdi_events_made", set()).add(int(created["id"]))
        return Written(str(created["id"]), self.memo(payload, body, payload["calendar_id"]))

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        extra = dict(link.extra or {})
        if payload.get("deleted"):
            return self.cancel(link, payload)
        body = self.body(ctx, payload, extra)
        memo = self.memo(payload, body, payload["calendar_id"])
        held = {**(extra.get("event") or {}), "locationId": extra.get("location_id")}
        same = extra.get("calendar_id") == payload["calendar_id"] and all(
            same_value(value, held.get(name)) for name, value in body.items()
        )
        if same and not extra.get("cancelled"):
            return Written(link.destination_id, memo, changed=False)
        self.flow.pdi.update_event(int(link.destination_id), {**body, "calendarId": payload["calendar_id"]})
        return Written(link.destination_id, memo)

    def cancel(self, link: RecordLink, payload: Mapping[str, Any]) -> Written:
        """Mark the PDI event cancelled (see the module docstring for why it is not removed)."""
        extra = dict(link.extra or {})
        if extra.get("cancelled"):
            return Written(link.destination_id, extra, changed=False)
        previous = extra.get("event") or {}
        cancelled = mapping.cancelled_event_payload(previous, payload.get("deleted_at"))
        body = {**cancelled, "locationId": extra.get("location_id"), "calendarId": extra.get("calendar_id")}
        self.flow.pdi.update_event(int(link.destination_id), body)
        return Written(link.destination_id, {**extra, "event": cancelled, "cancelled": True})

    def read_back(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        """The event as PDI holds it now (full resync); None when it is gone (it is made again)."""
        try:
            held = self.flow.pdi.get_event(int(link.destination_id))
        except NotFoundError:
            return None
        extra = dict(link.extra or {})
        wanted = payload.get("event") or {}
        return {
            **extra,
            "event": {name: held.get(name) for name in wanted} if wanted else extra.get("event"),
            "calendar_id": held.get("calendarId"),
            "location_id": held.get("locationId"),
        }

    def deleted_payload(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        """A deleted timeslot's payload; a timeslot never synced is skipped."""
        if ctx.ledger.get(TIMESLOT, record.source_id) is None:
            raise SkipRecord("The timeslot was deleted in Mobilize before it was ever synced to PDI.")
        return {"deleted": True, "deleted_at": record.data.get("deleted_at")}


class EventsStream(EventWritingStream):
    """Every event in the organization's list (owned and promoted): one PDI event per timeslot."""

    name = "events"

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        for change in self.flow.mirror_changes("event", since):
            if change.deleted:
                continue  # a deleted event's timeslots are the deleted-events stream's
            event = change.data
            event_id = str(event["id"])
            current = set()
            for timeslot in event.get("timeslots") or []:
                if timeslot.get("id") is None:
                    continue
                current.add(str(timeslot["id"]))
                yield self.record_for(event, timeslot, change.seq)
            for link in ctx.ledger.children(TIMESLOT, event_id):
                if link.source_id not in current:
                    yield SourceRecord(
                        link.source_id,
                        {"deleted": True, "event_id": event["id"], "deleted_at": event.get("modified_date")},
                        change.seq,
                        f"{(event.get('title') or '')[:200]} (timeslot {link.source_id}, removed)",
                        event_id,
                    )

    def record_for(self, event: Mapping[str, Any], timeslot: Mapping[str, Any], seq: int | None = None) -> SourceRecord:
        return SourceRecord(
            str(timeslot["id"]),
            {"event": dict(event), "timeslot": dict(timeslot)},
            seq,
            f"{(event.get('title') or '')[:200]} (timeslot {timeslot['id']})",
            str(event["id"]),
        )

    def skip_reason(self, event: Mapping[str, Any]) -> str:
        event_type = event.get("event_type") or "OTHER"
        return (
            f"its event type {event_type_label(event_type)} ({event_type}) is mapped to no PDI calendar. Map it on "
            "the integration page, or choose a calendar for unmapped event types."
        )

    def resolve(self, ctx: RunContext, record: SourceRecord) -> Mapping[str, Any]:
        """The PDI calendar of the event's type (never guessed: unmapped types are skipped)."""
        if record.data.get("deleted"):
            return {}
        event = record.data["event"]
        calendar = self.flow.config.calendar_for(event.get("event_type") or "OTHER")
        if calendar is None:
            raise SkipRecord(f"Not synced: {self.skip_reason(event)}")
        return {"calendar_id": int(calendar.pdi_id)}

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        if record.data.get("deleted"):
            return self.deleted_payload(ctx, record)
        event, timeslot = record.data["event"], record.data["timeslot"]
        return {
            "calendar_id": record.resolved["calendar_id"],
            "event": mapping.event_payload(event, timeslot),
            "location": mapping.location_payload(event),
        }

    def refresh(self, ctx: RunContext, record: SourceRecord) -> SourceRecord | None:
        """A queued timeslot is retried with the event as the mirror has it now."""
        if record.data.get("deleted"):
            return record
        event = self.flow.mirror_record("event", record.parent_id or record.data["event"]["id"])
        if event is None:
            return None
        timeslot = next((t for t in event.get("timeslots") or [] if str(t.get("id")) == record.source_id), None)
        if timeslot is None:
            return SourceRecord(
                record.source_id, {"deleted": True, "event_id": event["id"]}, None, record.label, record.parent_id
            )
        return self.record_for(event, timeslot)


class DeletedEventsStream(EventWritingStream):
    """Mobilize's deleted events: every PDI event made from their timeslots is cancelled."""

    name = "deleted_events"

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        for change in self.flow.mirror_changes("deleted_event", since):
            deleted = change.data
            for link in ctx.ledger.children(TIMESLOT, deleted["id"]):
                yield SourceRecord(
                    link.source_id,
                    {"deleted": True, "event_id": deleted["id"], "deleted_at": deleted.get("deleted_date")},
                    change.seq,
                    f"event {deleted['id']} (timeslot {link.source_id}, event deleted)",
                    str(deleted["id"]),
                )

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return self.deleted_payload(ctx, record)


# --- invitations ------------------------------------------------------------------------------


class InvitationsStream(Stream):
    """Mobilize attendances -> PDI invitations on their timeslot's event, with rsvp status and attended."""

    name = "invitations"
    source_type = ATTENDANCE
    destination_type = PDI_INVITATION
    reads_mirror = True

    def __init__(self, flow: PdiFlow) -> None:
        self.flow = flow

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        return self.flow.attendance_records(since, lambda person: primary_email(person) or "")

    def resolve(self, ctx: RunContext, record: SourceRecord) -> Mapping[str, Any]:
        """The volunteer's PDI contact and the timeslot's PDI event, synced first when needed."""
        attendance = record.data
        scope = classify_attendance(attendance, self.flow.our_organization)
        if scope is AttendanceScope.NOT_OURS:
            raise SkipRecord(
                "Neither an event in our list nor a signup through our feed: not synced (the seed's scope)."
            )
        person = attendance.get("person") or {}
        if not ContactsStream.person_id(person):
            raise RecordError("Mobilize sent this attendance without its volunteer.")
        if not primary_email(person):
            raise SkipRecord(
                "Mobilize does not show this volunteer's email to this organization: PDI contacts are matched "
                "and created by email only (the seed), so the signup is not synced."
            )
        contact_id = self.flow.contact_for(ctx, person)
        if mapping.withheld_across_firewall(attendance):
            raise SkipRecord(
                "Mobilize withholds this signup's event across the firewall: the volunteer is synced as a PDI "
                "contact, with no invitation (the event is never reconstructed)."
            )
        return {"contact_id": contact_id, "event_id": self.flow.event_for(ctx, attendance, scope)}

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        resolved = record.resolved
        return {
            "event_id": resolved["event_id"],
            "invitation": mapping.invitation_payload(record.data, resolved["contact_id"]),
        }

    def held_invitations(self, ctx: RunContext, event_id: int) -> dict[int, dict]:
        """The event's invitations by contact id, kept up to date by our writes.

        An event this run made has only the invitations this run makes: it is not read at all.
        """

        def read() -> dict[int, dict]:
            if event_id in ctx.cache.get("pdi_events_made", ()):
                return {}
            return {
                int(held["contactId"]): self.as_held(held) | {"id": held.get("id")}
                for held in self.flow.pdi.invitations(event_id)
                if held.get("contactId") is not None
            }

        return remembered(ctx, "pdi_invitations", event_id, read)

    def adoption_key(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> str | None:
        return str(payload["invitation"]["contactId"])

    def find_existing(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written | None:
        event_id, contact_id = payload["event_id"], payload["invitation"]["contactId"]
        if not event_id or not contact_id:
            return None  # a dry run with the event or contact still to be made
        held = self.held_invitations(ctx, event_id).get(int(contact_id))
        if held is None:
            return None
        return Written(str(held["id"]), {"event_id": event_id, "invitation": self.as_held(held)})

    @staticmethod
    def as_held(held: Mapping[str, Any]) -> dict[str, Any]:
        return {name: held.get(name) for name in ("contactId", "rsvpStatus", "isConfirmed", "attended")}

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        event_id, invitation = payload["event_id"], payload["invitation"]
        created = self.flow.pdi.create_invitation(event_id, invitation)
        self.held_invitations(ctx, event_id)[int(invitation["contactId"])] = {**invitation, "id": created["id"]}
        return Written(str(created["id"]), {"event_id": event_id, "invitation": invitation})

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        extra = dict(link.extra or {})
        event_id, invitation = payload["event_id"], payload["invitation"]
        if extra.get("event_id") not in (None, event_id):
            # The signup's timeslot is now another PDI event: invite there, cancel the old invitation.
            self.flow.pdi.update_invitation(
                int(extra["event_id"]), int(link.destination_id), {"rsvpStatus": "Cancelled"}
            )
            return self.create(ctx, record, payload)
        held = extra.get("invitation") or {}
        changed = {name: value for name, value in invitation.items() if held.get(name) != value}
        if not changed:
            return Written(link.destination_id, {"event_id": event_id, "invitation": invitation}, changed=False)
        self.flow.pdi.update_invitation(event_id, int(link.destination_id), changed)
        return Written(link.destination_id, {"event_id": event_id, "invitation": invitation})

    def read_back(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        extra = dict(link.extra or {})
        event_id = int(extra.get("event_id") or payload["event_id"])
        held = next(
            (h for h in self.held_invitations(ctx, event_id).values() if str(h.get("id")) == link.destination_id), None
        )
        if held is None:
            return None
        return {"event_id": event_id, "invitation": self.as_held(held)}
