"""Mobilize -> ActionKit: the CRM-style and the distributed-send flows, as streams over the engine.

CRM style (shared/seeds/000, "CRM-style Integration details"), in this order:
  people          Mobilize volunteers -> ActionKit users (+ their phone, the seed's phone rule)
  dashboard_users the owned events' contacts/owners (organizers, hosts) -> ActionKit users
  events          one ActionKit event per timeslot: owned events, and promoted same-side events
                  we drove a signup to; removed timeslots -> status deleted
  deleted_events  Mobilize's deleted events -> their ActionKit events' status deleted
  masked_events   masked stand-ins for events across the firewall (made on demand by signups)
  attendances     one ActionKit event signup per Mobilize attendance, masked as the firewall needs
Distributed send: events (all owned and promoted, with shift_times, never masked) and
deleted_events.

Which ActionKit route writes an event:
- A timeslot that starts in the future is created through the campaign's event-create page
  (`POST /rest/v1/action/`), as ActionKit documents: that also records the eventcreateaction
  ActionKit's host tools need, and geocodes the address.
- ActionKit's action processor rejects start times in the past, so a past timeslot (backfill)
  is created with the low-level `POST /rest/v1/event/` in the same campaign, with the placeholder
  user as its creator. Such an event has no eventcreateaction; it is history, not hosted anew.
- Every later change is a `PATCH /rest/v1/event/<id>/` of the native fields that changed, and a
  PATCH of each custom event field whose value changed (never a second field of one name).

How a crash never duplicates an event: before the create request the engine gives the ledger a
"pending" link carrying the event's title and start (`adoption_hints`); if the process dies
before the ledger write, the next run looks for what the create may have made: events holding
the timeslot's `mobilize_timeslot_id` field, and events with that title and start in the
campaign. The engine's adoption rule (integrations/engine/adoption.py) decides: an event with
our key is ours; a keyless one is adopted only if it is the only one and no other timeslot's
link owns it; an event holding another timeslot's key never is; anything ambiguous fails the
item with the candidates named.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property
from typing import Any, ClassVar

from integrations.connectors.actionkit import ActionKitClient
from integrations.connectors.actionkit.client import event_resource_fields
from integrations.connectors.errors import NotFoundError
from integrations.connectors.http import WRITE_METHODS
from integrations.connectors.mobilize.records import primary_email
from integrations.engine import Candidate, RecordError, RunContext, SkipRecord, SourceRecord, Stream, Written
from integrations.engine.adoption import PENDING
from integrations.flows.base import MirrorSourceFlow
from integrations.flows.firewall import AttendanceScope, OrgRef, classify_attendance, event_across_firewall
from integrations.models import ActionKitConfig, IntegrationKind, RecordLink

from . import mapping

TIMESLOT = "mobilize.timeslot"
MASKED_TIMESLOT = "mobilize.masked_timeslot"
AK_EVENT = "actionkit.event"
AK_USER = "actionkit.user"
AK_SIGNUP = "actionkit.eventsignup"
# Keys of the canonical event payload that only the event-create page understands.
ACTION_ONLY_EVENT_KEYS = frozenset(
    {"starts_at_date", "starts_at_time", "starts_at_ampm", "host_ground_rules", "host_requirements"}
)


def digest(value: Any) -> str:
    """A short stable hash, to remember what was last written without storing it."""
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def rest_event_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """The native event fields ActionKit's event resource takes (PATCH and low-level POST)."""
    return {key: value for key, value in event.items() if key not in ACTION_ONLY_EVENT_KEYS}


def changed_fields(wanted: Mapping[str, str | None], known: Mapping[str, list]) -> dict[str, str | None]:
    """Custom fields whose value differs from what was last written ([field id, value] per name)."""
    return {name: value for name, value in wanted.items() if (known.get(name) or [None, None])[1] != value}


def merge_field_ids(
    known: Mapping[str, list], written_ids: Mapping[str, int], values: Mapping[str, str | None]
) -> dict[str, list]:
    """The [field id, value] memo after a write of `values` that answered `written_ids`."""
    merged = {name: list(entry) for name, entry in known.items()}
    for name, value in values.items():
        field_id = written_ids.get(name, (merged.get(name) or [None])[0])
        merged[name] = [field_id, value]
    return merged


def known_fields(existing: Mapping[str, Mapping[str, Any]]) -> dict[str, list]:
    """ActionKit's `name -> {id, value}` fields in the memo's `name -> [id, value]` form."""
    return {name: [entry.get("id"), entry.get("value")] for name, entry in existing.items()}


def same_value(wanted: Any, held: Any) -> bool:
    """Whether ActionKit holds a native event field as we would write it (its spellings forgiven).

    ActionKit answers booleans as true/false where we send 1/0, numbers as numbers or text,
    times with or without the "T", and no value as null or "".
    """

    def norm(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "1" if value else "0"
        text = str(value).strip()
        if text.lower() in ("true", "false"):
            return "1" if text.lower() == "true" else "0"
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?.*", text):
            return text.replace(" ", "T")[:19]
        try:
            number = float(text)
        except ValueError:
            return text
        return repr(number) if not number.is_integer() else str(int(number))

    return norm(wanted) == norm(held)


def existing_for_client(known: Mapping[str, list]) -> dict[str, dict[str, Any]]:
    """The memo back in the connector's `name -> {id, value}` form."""
    return {name: {"id": entry[0], "value": entry[1]} for name, entry in known.items() if entry[0] is not None}


class ActionKitFlow(MirrorSourceFlow):
    """What both ActionKit styles share: configuration, the client and the event writes."""

    distributed_send: ClassVar[bool] = False

    @cached_property
    def config(self) -> ActionKitConfig:
        try:
            return self.integration.actionkit
        except ActionKitConfig.DoesNotExist:
            raise ValueError(
                f"{self.integration.name} has no ActionKit settings: choose its ActionKit connection, "
                "event campaign and pages on the integration page."
            ) from None

    @cached_property
    def actionkit(self) -> ActionKitClient:
        connection = self.config.connection
        if not connection.password:
            raise ValueError(f"The ActionKit connection {connection.name} has no password: set it on its page.")
        return ActionKitClient(connection.base_url, connection.username, connection.password)

    @cached_property
    def target(self) -> mapping.ActionKitTarget:
        config = self.config
        return mapping.ActionKitTarget(
            event_create_page=config.event_create_page,
            event_signup_page=config.event_signup_page,
            placeholder_email=config.placeholder_email,
            distributed_send=self.distributed_send,
        )

    def our_organization(self) -> OrgRef:
        org = self.organization
        return OrgRef(id=org.mobilize_id, name=org.name, side=org.firewall_side)

    def configuration_problems(self) -> list[str]:
        problems = super().configuration_problems()
        try:
            config = self.integration.actionkit
        except ActionKitConfig.DoesNotExist:
            return [
                *problems,
                f"{self.integration.name} has no ActionKit settings yet: choose its ActionKit connection, event "
                "campaign and pages on the integration page.",
            ]
        connection = config.connection
        if not connection.password:
            problems.append(f"The ActionKit connection {connection.name} has no password: set it on its page.")
        if not config.campaign_id:
            problems.append("No ActionKit event campaign is set: enter its id on the integration page.")
        if not config.event_create_page:
            problems.append("No event create page is set: enter its short name on the integration page.")
        if not self.distributed_send and not config.event_signup_page:
            problems.append("No event signup page is set: CRM style signs volunteers up through it.")
        return problems

    def check_ready(self, ctx: RunContext) -> None:
        """The settings are complete, and ActionKit accepts the credentials, the campaign and the pages."""
        super().check_ready(ctx)
        config = self.config
        if "actionkit_ready" not in ctx.cache:
            self.actionkit.test_connection(
                config.campaign_id, config.event_create_page, config.event_signup_page or None
            )
            ctx.cache["actionkit_ready"] = True

    def test_connection(self) -> list[str]:
        config = self.config
        checked = self.mobilize_test()
        checked += self.actionkit.test_connection(
            config.campaign_id, config.event_create_page, config.event_signup_page or None
        )
        return checked

    def mapping_table(self) -> list[tuple[str, str, str]]:
        return mapping.mapping_table(self.distributed_send)

    # --- users -------------------------------------------------------------------------
    def placeholder_user_id(self, ctx: RunContext) -> int:
        """The ActionKit user that creates events without a person (the seed's placeholder email)."""
        if "placeholder_user_id" not in ctx.cache:
            email = self.config.placeholder_email
            user = self.actionkit.find_user_by_email(email)
            ctx.cache["placeholder_user_id"] = (
                int(user["id"]) if user else self.actionkit.create_user({"email": email, "first_name": "Mobilize"})
            )
        return ctx.cache["placeholder_user_id"]

    def apply_phone(self, user_id: int, number: str | None, known: Mapping[str, Any] | None) -> dict[str, Any]:
        """Write a user's phone by the seed's rule; return what to remember about it."""
        normalized = mapping.normalize_phone(number)
        known = dict(known or {})
        if not normalized or known.get("number") == normalized:
            return known
        plan = mapping.plan_phone(number, self.actionkit.user_phones(user_id))
        phone_id = plan.phone_id
        if plan.action == "create":
            phone_id = self.actionkit.create_phone(user_id, **plan.fields)
        elif plan.action == "update":
            self.actionkit.update_phone(plan.phone_id, plan.fields)
        return {"id": phone_id, "number": normalized}

    # --- events --------------------------------------------------------------------------
    def create_event(
        self, ctx: RunContext, stream: Stream, record: SourceRecord, payload: dict[str, Any], starts_at_unix: int | None
    ) -> Written:
        """Create an ActionKit event for a timeslot, by the route ActionKit allows for its start time."""
        event = payload["event"]
        if starts_at_unix is not None and starts_at_unix > time.time() + 60:
            # The custom fields travel with the action (as action_<name>) and are created with the
            # event in one request, so the mobilize_timeslot_id key can never be missing from it.
            result = self.actionkit.create_event_via_page(
                payload["page"], payload["email"], event, fields=payload["fields"]
            )
            event_id = int(result.event_id)
            # Written, but their row ids are unknown until needed (see finish_event).
            known = {name: [None, value] for name, value in payload["fields"].items() if value is not None}
        else:
            event_id = self.actionkit.create_event(
                self.config.campaign_id, self.placeholder_user_id(ctx), rest_event_fields(event)
            )
            known = {}
        return self.finish_event(event_id, payload, {"fields": known})

    def update_event(self, link: RecordLink, payload: dict[str, Any]) -> Written:
        """Bring an existing ActionKit event in line with the payload, writing only what changed."""
        extra = dict(link.extra or {})
        event_id = int(link.destination_id)
        native = rest_event_fields(payload["event"])
        writes = self.write_count()
        if extra.get("native") != digest(native):
            self.actionkit.update_event(event_id, native)
        written = self.finish_event(event_id, payload, extra)
        return Written(written.destination_id, written.extra, changed=self.write_count() > writes)

    def read_back_event(self, link: RecordLink, payload: dict[str, Any]) -> dict[str, Any] | None:
        """The event's memo as ActionKit holds it now (full resync); None if it is gone."""
        try:
            held = self.actionkit.get_event(int(link.destination_id))
        except NotFoundError:
            return None
        wanted = event_resource_fields(rest_event_fields(payload["event"]))
        native = rest_event_fields(payload["event"])
        same = all(same_value(value, held.get(name)) for name, value in wanted.items())
        fields = known_fields(self.actionkit.event_fields(int(link.destination_id)))
        return {**dict(link.extra or {}), "native": digest(native) if same else "drifted", "fields": fields}

    def read_user(self, user_id: int) -> dict | None:
        """A user as ActionKit holds it now, None if it is gone."""
        try:
            return self.actionkit.get("user", user_id)
        except NotFoundError:
            return None

    def write_count(self) -> int:
        """Writes this run's ActionKit client has sent: an update that sent none changed nothing."""
        return sum(count for method, count in self.actionkit.stats.requests.items() if method in WRITE_METHODS)

    def finish_event(self, event_id: int, payload: dict[str, Any], extra: Mapping[str, Any]) -> Written:
        """Write the custom fields that changed; remember what the event now holds."""
        known = dict(extra.get("fields") or {})
        to_write = changed_fields(payload.get("fields") or {}, known)
        if any(name in known and known[name][0] is None for name in to_write):
            # A field written with the create action has no row id on record yet: read them once.
            known.update(known_fields(self.actionkit.event_fields(event_id)))
            to_write = changed_fields(payload.get("fields") or {}, known)
        if to_write:
            ids = self.actionkit.set_event_fields(event_id, to_write, existing=existing_for_client(known))
            known = merge_field_ids(known, ids, to_write)
        return Written(str(event_id), {"native": digest(rest_event_fields(payload["event"])), "fields": known})


class EventWritingStream(Stream):
    """Timeslot -> ActionKit event writes shared by the events, deleted-events and masked streams."""

    destination_type = AK_EVENT

    def __init__(self, flow: ActionKitFlow) -> None:
        self.flow = flow

    def adoption_hints(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Title and start: how an event a create left without its key field is found again."""
        event = payload["event"]
        if "title" not in event:
            return None
        return {"title": event["title"], "starts_at": event["starts_at"]}

    def find_candidates(
        self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any], hints: Mapping[str, Any] | None
    ) -> list[Candidate]:
        """Events holding this timeslot's key; after an interrupted create, also those with its title and start."""
        actionkit, campaign_id = self.flow.actionkit, self.flow.config.campaign_id
        key = record.source_id
        candidates = [
            Candidate(str(event["id"]), key, {"fields": known_fields(actionkit.event_fields(event["id"]))})
            for event in actionkit.find_events_by_field(campaign_id, "mobilize_timeslot_id", key)
        ]
        if candidates or not hints:
            return candidates
        params = {"campaign": campaign_id, "title": hints.get("title"), "starts_at": hints.get("starts_at")}
        for event in actionkit.list("event", params):
            fields = known_fields(actionkit.event_fields(event["id"]))
            their_key = (fields.get("mobilize_timeslot_id") or [None, None])[1]
            candidates.append(
                Candidate(
                    str(event["id"]),
                    their_key or None,
                    {"fields": fields},
                    f"event {event['id']} '{event.get('title')}' starting {event.get('starts_at')}",
                )
            )
        return candidates

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        if "title" not in payload["event"]:
            raise SkipRecord("Deleted in Mobilize before its ActionKit event was ever made.")
        start = (record.data.get("timeslot") or {}).get("start_date")
        return self.flow.create_event(ctx, self, record, payload, start)

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        return self.flow.update_event(link, payload)

    def read_back(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        return self.flow.read_back_event(link, payload)


def deleted_payload() -> dict[str, Any]:
    """What a deleted timeslot or event becomes in ActionKit: the seed's status 'deleted'."""
    return {"event": {"status": "deleted"}, "fields": {}}


class EventsStream(EventWritingStream):
    """One ActionKit event per Mobilize timeslot; timeslots an event no longer has -> status deleted."""

    name = "events"
    source_type = TIMESLOT
    reads_mirror = True

    def include(self, ctx: RunContext, event: Mapping[str, Any]) -> bool:
        """Owned events always; promoted ones by style (see the flows)."""
        return (event.get("sponsor") or {}).get("id") == self.flow.organization.mobilize_id

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        for change in self.flow.mirror_changes("event", since):
            event = change.data
            if change.deleted or not self.include(ctx, event):
                # A deleted event's timeslots are the deleted-events stream's.
                continue
            event_id = str(event["id"])
            title = (event.get("title") or "")[:200]
            current = set()
            for timeslot in event.get("timeslots") or []:
                if timeslot.get("id") is None:
                    continue
                current.add(str(timeslot["id"]))
                yield SourceRecord(
                    str(timeslot["id"]),
                    {"event": event, "timeslot": timeslot},
                    change.seq,
                    f"{title} (timeslot {timeslot['id']})",
                    event_id,
                )
            for link in ctx.ledger.children(TIMESLOT, event_id):
                if link.source_id not in current:
                    yield SourceRecord(
                        link.source_id,
                        {"deleted": True, "event_id": event["id"], "why": "timeslot removed"},
                        change.seq,
                        f"{title} (timeslot {link.source_id}, removed)",
                        event_id,
                    )

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        if record.data.get("deleted"):
            return deleted_payload_for(ctx, record)
        return mapping.event_timeslot_payload(record.data["event"], record.data["timeslot"], self.flow.target)

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
        return SourceRecord(
            record.source_id,
            {"event": event, "timeslot": timeslot},
            event.get("modified_date"),
            record.label,
            record.parent_id,
        )

    def record_for(self, event: Mapping[str, Any], timeslot: Mapping[str, Any]) -> SourceRecord:
        return SourceRecord(
            str(timeslot["id"]),
            {"event": dict(event), "timeslot": dict(timeslot)},
            event.get("modified_date"),
            f"{(event.get('title') or '')[:200]} (timeslot {timeslot['id']})",
            str(event["id"]),
        )


def deleted_payload_for(ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
    """The deleted payload for a timeslot that was synced; a never-synced one is skipped."""
    if ctx.ledger.get(TIMESLOT, record.source_id) is None:
        raise SkipRecord("The timeslot was deleted in Mobilize before it was ever synced to ActionKit.")
    return deleted_payload()


class DeletedEventsStream(EventWritingStream):
    """Mobilize's deleted events: every ActionKit event made from their timeslots gets status deleted."""

    name = "deleted_events"
    source_type = TIMESLOT
    reads_mirror = True

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        for change in self.flow.mirror_changes("deleted_event", since):
            deleted = change.data
            for link in ctx.ledger.children(TIMESLOT, deleted["id"]):
                yield SourceRecord(
                    link.source_id,
                    {"deleted": True, "event_id": deleted["id"], "why": "event deleted"},
                    change.seq,
                    f"event {deleted['id']} (timeslot {link.source_id}, event deleted)",
                    str(deleted["id"]),
                )

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return deleted_payload_for(ctx, record)


class MaskedEventsStream(EventWritingStream):
    """Masked stand-ins for events across the firewall, made when a signup we recruited needs one.

    Nothing is read for this stream: its records come from attendances (`sync_now`). It is in
    the flow's list so that its failures are retried like any other stream's.
    """

    name = "masked_events"
    source_type = MASKED_TIMESLOT

    def fetch(self, ctx: RunContext, since: int | None) -> Iterable[SourceRecord]:
        return ()

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        data = record.data
        return mapping.masked_event_payload(data["event_type"], data["timeslot"], data["timezone"], self.flow.target)


class UsersStream(Stream):
    """Mobilize people -> ActionKit users (one per email), with their phone."""

    destination_type = AK_USER

    def __init__(self, flow: ActionKitFlow) -> None:
        self.flow = flow

    def find_existing(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written | None:
        user = self.flow.actionkit.find_user_by_email(payload["email"])
        return Written(str(user["id"]), {}) if user else None

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        fields = {key: value for key, value in payload.items() if key != "phone"}
        user_id = self.flow.actionkit.create_user(fields)
        phone = self.flow.apply_phone(user_id, payload.get("phone"), None)
        return Written(str(user_id), {"user": digest(fields), "phone": phone})

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        extra = dict(link.extra or {})
        user_id = int(link.destination_id)
        writes = self.flow.write_count()
        fields = {key: value for key, value in payload.items() if key not in ("phone", "email")}
        if extra.get("user") != digest({**fields, "email": payload["email"]}):
            self.flow.actionkit.update_user(user_id, fields)
        phone = self.flow.apply_phone(user_id, payload.get("phone"), extra.get("phone"))
        return Written(
            str(user_id),
            {"user": digest({**fields, "email": payload["email"]}), "phone": phone},
            changed=self.flow.write_count() > writes,
        )

    def read_back(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        """The user as ActionKit holds it now; the phone is planned again from the user's phones."""
        held = self.flow.read_user(int(link.destination_id))
        if held is None:
            return None
        fields = {key: value for key, value in payload.items() if key not in ("phone", "email")}
        same = all(same_value(value, held.get(name)) for name, value in fields.items())
        return {"user": digest({**fields, "email": payload["email"]}) if same else "drifted", "phone": {}}


class PeopleStream(UsersStream):
    name = "people"
    source_type = "mobilize.person"
    reads_mirror = True

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        for change in self.flow.mirror_changes("person", since):
            if change.deleted:
                continue
            person = change.data
            person_id = person.get("user_id") or person.get("id")
            yield SourceRecord(str(person_id), person, change.seq, primary_email(person) or "")

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return mapping.user_payload(record.data)


class DashboardUsersStream(UsersStream):
    """The people behind owned events (organizers, hosts, trusted hosts) -> ActionKit users."""

    name = "dashboard_users"
    source_type = "mobilize.dashboard_user"
    reads_mirror = True

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        seen: set[str] = set()
        our_id = self.flow.organization.mobilize_id
        for change in self.flow.mirror_changes("event", since):
            event = change.data
            if change.deleted or (event.get("sponsor") or {}).get("id") != our_id:
                continue
            contact = event.get("contact") or {}
            email = (contact.get("email_address") or "").strip()
            if not email:
                continue
            key = str(contact.get("owner_user_id") or email.lower())
            if key in seen:
                continue
            seen.add(key)
            yield SourceRecord(key, contact, change.seq, email)

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return mapping.host_user_payload(record.data)


class AttendancesStream(Stream):
    """Mobilize attendances -> ActionKit event signups, masked as the firewall requires."""

    name = "attendances"
    source_type = "mobilize.attendance"
    destination_type = AK_SIGNUP
    reads_mirror = True

    def __init__(self, flow: ActionKitCrmFlow) -> None:
        self.flow = flow

    @staticmethod
    def source_id(attendance: Mapping[str, Any]) -> str:
        """The attendance id, or (withheld across the firewall) the person and the masked timeslot."""
        if attendance.get("id") is not None:
            return str(attendance["id"])
        person = attendance.get("person") or {}
        event_type = (attendance.get("event") or {}).get("event_type")
        key = mapping.masked_event_key(event_type, attendance.get("timeslot") or {})
        return f"p{person.get('user_id') or person.get('id')}-{key}"

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        for change in self.flow.mirror_changes("attendance", since):
            if change.deleted:
                continue
            attendance = change.data
            event = attendance.get("event") or {}
            yield SourceRecord(
                self.source_id(attendance),
                attendance,
                change.seq,
                primary_email(attendance.get("person") or {}) or "",
                str(event.get("id") or ""),
            )

    def resolve(self, ctx: RunContext, record: SourceRecord) -> Mapping[str, Any]:
        """The signup's scope, and its ActionKit event (synced first when no stream has made it yet)."""
        attendance = record.data
        scope = classify_attendance(attendance, self.flow.our_organization())
        if scope is AttendanceScope.NOT_OURS:
            raise SkipRecord("Neither our event nor a signup we recruited: not synced (the seed's CRM scope).")
        return {"scope": scope, "ak_event_id": self.flow.ak_event_for(ctx, attendance, scope)}

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return mapping.signup_payload(
            record.data,
            ak_event_id=record.resolved["ak_event_id"],
            scope=record.resolved["scope"],
            target=self.flow.target,
            fallback_timezone=self.flow.config.masked_event_timezone,
        )

    def find_existing(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written | None:
        actionkit = self.flow.actionkit
        user = actionkit.find_user_by_email(payload["email"])
        if not user:
            return None
        signup = actionkit.find_signup(int(user["id"]), payload["signup"]["event_id"])
        if not signup:
            return None
        return Written(
            str(signup["id"]),
            {
                "user_id": int(user["id"]),
                "event_id": payload["signup"]["event_id"],
                "state": {"status": signup.get("status"), "attended": signup.get("attended")},
                "fields": known_fields(actionkit.signup_fields(signup["id"])),
            },
        )

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        signup = payload["signup"]
        if not signup["event_id"]:
            raise RecordError("The signup's ActionKit event does not exist yet.", retryable=True)
        result = self.flow.actionkit.signup_via_page(
            payload["page"],
            payload["email"],
            signup["event_id"],
            user=payload["user"],
            source=signup.get("source"),
            akid=signup.get("akid"),
            subscribe=self.flow.config.subscribe_volunteers,
        )
        extra = {
            "user_id": int(result.user_id),
            "event_id": signup["event_id"],
            "state": {"status": "active", "attended": False},
            "fields": {},
        }
        return self.write_changes(int(result.signup_id), payload, extra)

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        extra = dict(link.extra or {})
        if extra.get("event_id") not in (None, payload["signup"]["event_id"]):
            # The masked stand-in changed (the event moved): sign up to the new one, cancel the old.
            self.flow.actionkit.update_signup(int(link.destination_id), {"status": "cancelled"})
            return self.create(ctx, record, payload)
        return self.write_changes(int(link.destination_id), payload, extra)

    def read_back(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        """The signup, its fields and its user as ActionKit holds them now (full resync)."""
        actionkit = self.flow.actionkit
        extra = dict(link.extra or {})
        try:
            signup = actionkit.get("eventsignup", int(link.destination_id))
        except NotFoundError:
            return None
        state = {"status": signup.get("status"), "attended": bool(signup.get("attended"))}
        fields = known_fields(actionkit.signup_fields(int(link.destination_id)))
        user = self.flow.read_user(int(extra["user_id"])) if extra.get("user_id") else None
        wanted_user = payload["user"]
        same_user = user is not None and all(same_value(v, user.get(k)) for k, v in wanted_user.items())
        return {
            **extra,
            "state": state,
            "fields": fields,
            "user": digest(wanted_user) if same_user else "drifted",
            "phone": {},
        }

    def write_changes(self, signup_id: int, payload: dict[str, Any], extra: dict[str, Any]) -> Written:
        actionkit = self.flow.actionkit
        writes = self.flow.write_count()
        signup = payload["signup"]
        state = {"status": signup["status"], "attended": signup["attended"]}
        if extra.get("state") != state:
            actionkit.update_signup(signup_id, state)
        known = dict(extra.get("fields") or {})
        to_write = changed_fields(payload.get("fields") or {}, known)
        if to_write:
            ids = actionkit.set_signup_fields(signup_id, to_write, existing=existing_for_client(known))
            known = merge_field_ids(known, ids, to_write)
        user_digest = digest(payload["user"])
        if extra.get("user") not in (None, user_digest):
            actionkit.update_user(extra["user_id"], payload["user"])
        phone = self.flow.apply_phone(extra["user_id"], payload.get("phone"), extra.get("phone"))
        return Written(
            str(signup_id),
            {
                **extra,
                "event_id": signup["event_id"],
                "state": state,
                "fields": known,
                "user": user_digest,
                "phone": phone,
            },
            changed=self.flow.write_count() > writes,
        )


class ActionKitCrmFlow(ActionKitFlow):
    """CRM style: people, dashboard users, events, deleted events, masked events, signups."""

    kind = IntegrationKind.ACTIONKIT_CRM

    @cached_property
    def events_stream(self) -> CrmEventsStream:
        return CrmEventsStream(self)

    @cached_property
    def masked_events_stream(self) -> MaskedEventsStream:
        return MaskedEventsStream(self)

    def streams(self, ctx: RunContext) -> list[Stream]:
        return [
            PeopleStream(self),
            DashboardUsersStream(self),
            self.events_stream,
            DeletedEventsStream(self),
            self.masked_events_stream,
            AttendancesStream(self),
        ]

    def ak_event_for(self, ctx: RunContext, attendance: Mapping[str, Any], scope: AttendanceScope) -> int:
        """The ActionKit event a signup goes to, syncing it first when no stream has yet.

        Returns 0 in a dry run when the event would first have to be created.
        """
        timeslot = attendance.get("timeslot") or {}
        event = attendance.get("event") or {}
        if scope is AttendanceScope.PROMOTED_ACROSS_FIREWALL:
            key = mapping.masked_event_key(event.get("event_type"), timeslot)
            link = ctx.ledger.get(MASKED_TIMESLOT, key)
            if link is None or link.destination_id == PENDING:
                record = SourceRecord(
                    key,
                    {
                        "event_type": event.get("event_type"),
                        "timeslot": {"start_date": timeslot.get("start_date"), "end_date": timeslot.get("end_date")},
                        "timezone": event.get("timezone") or self.config.masked_event_timezone,
                    },
                    None,
                    f"Masked {event.get('event_type') or 'event'} {timeslot.get('start_date')}",
                )
                link = ctx.sync_now(self.masked_events_stream, record)
            return ctx.synced_id(link, "the signup's ActionKit masked stand-in event")
        if timeslot.get("id") is None:
            raise RecordError(
                "Mobilize sent this attendance without its timeslot id; it cannot be matched to an event."
            )
        link = ctx.ledger.get(TIMESLOT, str(timeslot["id"]))
        if link is None or link.destination_id == PENDING:
            # Another organization's event Mobilize shows by id exactly when it lists it; our own
            # events also when not approved (the list leaves those out): ask for those always.
            promoted = scope is AttendanceScope.PROMOTED_SAME_SIDE
            full_event, slot = self.signup_event_and_timeslot(attendance, promoted=promoted, destination="ActionKit")
            link = ctx.sync_now(self.events_stream, self.events_stream.record_for(full_event, slot))
        return ctx.synced_id(link, "the signup's ActionKit event")


class CrmEventsStream(EventsStream):
    """Owned events, and promoted same-side events we have driven at least one signup to."""

    def include(self, ctx: RunContext, event: Mapping[str, Any]) -> bool:
        if super().include(ctx, event):
            return True
        # A promoted event is synced (unmasked) only once a signup we recruited put it in the
        # ledger, and never when it is across the firewall (that one exists only masked).
        return ctx.ledger.has_children(TIMESLOT, event["id"]) and not event_across_firewall(
            event, self.flow.our_organization()
        )


class DistributedSendEventsStream(EventsStream):
    """All owned and promoted events (the seed: no masking, since no signup data is synced)."""

    def include(self, ctx: RunContext, event: Mapping[str, Any]) -> bool:
        return True


class ActionKitDistributedSendFlow(ActionKitFlow):
    """Distributed send: every owned and promoted event, one ActionKit event per timeslot, no people."""

    kind = IntegrationKind.ACTIONKIT_DISTRIBUTED_SEND
    distributed_send = True

    def streams(self, ctx: RunContext) -> list[Stream]:
        return [DistributedSendEventsStream(self), DeletedEventsStream(self)]
