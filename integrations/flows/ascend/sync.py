"""Mobilize -> Ascend (shared/seeds/001): event groups, members from synced event forms, automations.

Streams, reading the Mobilize mirror:

  event_groups  every event in the organization's list is listed on the Events tab; a synced event
                (its Sync toggle, or Sync new events) gets its Ascend event group, named like it
  members       each signup to a synced event: the volunteer's mobile phone, with SMS opt-in, becomes
                or updates the Ascend member of that phone (field rules: Populate / Overwrite /
                Ignore), joins the event's group, and the activities its status change reaches start
                the automations' flows; a signup whose referrer carries a tracked member link's
                utm_content counts as that link's form submission (tracking.py)

What is ignored, with the reason on the run's item (findable by email or phone): no mobile phone, no
SMS opt-in, a member whose number is unsubscribed (never touched), a new member while Create new
members is off, a signup to an event not synced, and one submitted before its event was synced
(the seed: "every ... subscriber who submits the form after sync"; Sync new events backfills
submissions from up to 15 minutes before it was turned on, and so does the per-event toggle).

Exactly once: an automation fires once per member (its AutomationFiring row, unique per automation
and phone, is written before the flow is started), and the start carries the row's idempotency key,
which Ascend answers with the first start if a crash made us send it again. Activities are found by
comparing an attendance with the status the ledger last kept for it (mapping.activities).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from functools import cached_property
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations import ascend_services
from integrations.connectors.ascend import AscendAdapter
from integrations.connectors.http import WRITE_METHODS
from integrations.engine import RunContext, SkipRecord, SourceRecord, Stream, Written
from integrations.flows.base import MirrorSourceFlow
from integrations.models import (
    AscendConfig,
    AscendEvent,
    Automation,
    AutomationFiring,
    FieldRule,
    FormSubmission,
    IntegrationKind,
    MemberLink,
    RecordLink,
)
from integrations.models.ascend import CUSTOM_PREFIX

from . import mapping, tracking

EVENT = "mobilize.event"
ATTENDANCE = "mobilize.attendance"
ASCEND_GROUP = "ascend.group"
ASCEND_MEMBER = "ascend.member"
# "backfill previous submissions from up to 15 minutes prior" (the seed).
BACKFILL = timedelta(minutes=15)


class AscendFlow(MirrorSourceFlow):
    """Mobilize -> Ascend: event groups, members with SMS opt-in, automations on registration activity."""

    kind = IntegrationKind.ASCEND

    @cached_property
    def config(self) -> AscendConfig:
        try:
            return self.integration.ascend
        except AscendConfig.DoesNotExist:
            raise ValueError(
                f"{self.integration.name} has no Ascend settings: enter the base URL and API key on the "
                "integration page."
            ) from None

    @cached_property
    def ascend(self) -> AscendAdapter:
        return ascend_services.ascend_adapter(self.config)

    @cached_property
    def groups_stream(self) -> EventGroupsStream:
        return EventGroupsStream(self)

    def streams(self, ctx: RunContext) -> list[Stream]:
        if not self.config.sync_accounts:
            ctx.warn("Sync accounts is off in the Ascend settings: nothing was read or written.")
            return []
        return [self.groups_stream, MembersStream(self)]

    def configuration_problems(self) -> list[str]:
        problems = super().configuration_problems()
        try:
            config = self.integration.ascend
        except AscendConfig.DoesNotExist:
            return [*problems, f"{self.integration.name} has no Ascend settings yet: enter them on its page."]
        problems += ascend_services.configuration_problems(config)
        return problems

    def check_ready(self, ctx: RunContext) -> None:
        super().check_ready(ctx)
        if self.config.sync_accounts and "ascend_ready" not in ctx.cache:
            self.ascend.test_connection()
            ctx.cache["ascend_ready"] = True

    def test_connection(self) -> list[str]:
        return self.mobilize_test() + self.ascend.test_connection()

    def write_count(self) -> int:
        client = self.ascend.client
        return sum(count for method, count in client.stats.requests.items() if method in WRITE_METHODS)

    # --- the Events tab's rows ------------------------------------------------------------------
    def event_row(self, event: Mapping[str, Any], ctx: RunContext) -> AscendEvent:
        """The event's row on the Events tab (listed as the mirror shows it), synced by Sync new events."""
        row, _ = AscendEvent.objects.get_or_create(
            config=self.config,
            mobilize_event_id=int(event["id"]),
            defaults={"title": (event.get("title") or "")[:500]},
        )
        title = (event.get("title") or "")[:500]
        changed = []
        if title and row.title != title:
            row.title = title
            changed.append("title")
        if not row.synced and self.config.sync_new_events and not ctx.dry_run:
            row.synced = True
            row.synced_at = self.config.sync_new_events_since or timezone.now()
            changed += ["synced", "synced_at"]
        if changed:
            row.save(update_fields=changed)
        return row

    @cached_property
    def rules(self) -> list[mapping.Rule]:
        """The Fields tab's rules in its order, read once per run (not once per signup)."""
        return [
            mapping.Rule(rule.mobilize_field, rule.ascend_field, rule.sync)
            for rule in FieldRule.objects.filter(config=self.config).order_by("-is_default", "id")
        ]

    @cached_property
    def listed_fields(self) -> set[str]:
        """The Mobilize fields the Fields tab lists already (read once per run)."""
        return set(FieldRule.objects.filter(config=self.config).values_list("mobilize_field", flat=True))

    def discover_custom_fields(self, attendance: Mapping[str, Any]) -> None:
        """List the custom signup fields an attendance carries on the Fields tab (once each)."""
        for name in mapping.custom_field_names(attendance):
            field_name = f"{CUSTOM_PREFIX}{name}"
            if field_name not in self.listed_fields:
                # A newly listed field has no Ascend field yet: the run's rules need no update.
                FieldRule.objects.get_or_create(config=self.config, mobilize_field=field_name)
                self.listed_fields.add(field_name)

    # --- automations --------------------------------------------------------------------------
    def fire(self, automation: Automation, phone: str, event_id: int, activity: str) -> bool:
        """Start the automation's flow for a member once ever; True when a start was sent now."""
        with transaction.atomic():
            firing, _ = AutomationFiring.objects.select_for_update().get_or_create(
                automation=automation,
                phone=phone,
                defaults={
                    "mobilize_event_id": event_id,
                    "activity": activity,
                    "flow_id": mapping.choose_variant(
                        [str(flow) for flow in automation.flow_ids], automation.firings.count()
                    ),
                },
            )
        if firing.state == AutomationFiring.State.STARTED:
            return False
        start = self.ascend.start_flow(
            firing.flow_id,
            phone,
            firing.idempotency_key,
            {"automation": automation.name, "mobilize_event_id": event_id, "activity": activity},
        )
        for group_id in automation.group_ids or []:
            self.ascend.add_to_group(str(group_id), [phone])
        firing.state = AutomationFiring.State.STARTED
        firing.ascend_start_id = str(start.get("id") or "")
        firing.save(update_fields=["state", "ascend_start_id"])
        return True


class EventGroupsStream(Stream):
    """Every event in the list on the Events tab; a synced one gets its Ascend event group."""

    name = "event_groups"
    source_type = EVENT
    destination_type = ASCEND_GROUP
    reads_mirror = True

    def __init__(self, flow: AscendFlow) -> None:
        self.flow = flow

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        for change in self.flow.mirror_changes("event", since):
            if not change.deleted:
                yield self.record_for(change.data, change.seq)
        # Events synced on the Events tab since their last change: their groups are made now.
        waiting = AscendEvent.objects.filter(config=self.flow.config, synced=True, group_id="")
        for mobilize_event_id in waiting.values_list("mobilize_event_id", flat=True):
            event = self.flow.mirror_record("event", mobilize_event_id)
            if event is not None:
                yield self.record_for(event)

    @staticmethod
    def record_for(event: Mapping[str, Any], seq: int | None = None) -> SourceRecord:
        return SourceRecord(str(event["id"]), dict(event), seq, (event.get("title") or "")[:200])

    def resolve(self, ctx: RunContext, record: SourceRecord) -> Mapping[str, Any]:
        row = self.flow.event_row(record.data, ctx)
        if not row.synced:
            raise SkipRecord("Not synced: press Sync on the Events tab, or turn on Sync new events.")
        return {"row_id": row.pk}

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return {
            "name": mapping.group_name(record.data),
            "external_id": f"mobilize-event-{record.source_id}",
            "row_id": record.resolved["row_id"],
        }

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        group = self.flow.ascend.ensure_group(payload["name"], payload["external_id"])
        AscendEvent.objects.filter(pk=payload["row_id"]).update(group_id=str(group["id"]))
        return Written(str(group["id"]), {"name": payload["name"]})

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        # The contract has no group rename: the group keeps the name it was made with.
        return Written(link.destination_id, dict(link.extra or {}), changed=False)


class MembersStream(Stream):
    """Signups to synced events -> Ascend members (by phone), the event's group, and automations."""

    name = "members"
    source_type = ATTENDANCE
    destination_type = ASCEND_MEMBER
    reads_mirror = True

    def __init__(self, flow: AscendFlow) -> None:
        self.flow = flow

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        return self.flow.attendance_records(since, mapping.member_label)

    def resolve(self, ctx: RunContext, record: SourceRecord) -> Mapping[str, Any]:
        attendance = record.data
        event = attendance.get("event") or {}
        if event.get("id") is None:
            raise SkipRecord("Mobilize withholds this signup's event (across the firewall): no synced event to match.")
        row = AscendEvent.objects.filter(config=self.flow.config, mobilize_event_id=int(event["id"])).first()
        if row is None or not row.synced:
            raise SkipRecord("Its event is not synced to Ascend (Events tab).")
        submitted = attendance.get("created_date") or attendance.get("modified_date")
        if row.synced_at and submitted and submitted < (row.synced_at - BACKFILL).timestamp():
            raise SkipRecord(
                "Submitted before its event was synced (Ascend syncs submissions from up to 15 minutes before)."
            )
        self.flow.discover_custom_fields(attendance)
        person = attendance.get("person") or {}
        phone = mapping.mobile_phone(person)
        member = self.flow.ascend.read_member(phone) if phone else None
        reason = mapping.ignore_reason(person, member, create_new_members=self.flow.config.create_new_members)
        if reason:
            raise SkipRecord(reason)
        group_link = ctx.ledger.get(EVENT, str(event["id"]))
        if group_link is None:
            full_event = self.flow.mirror_record("event", event["id"]) or event
            group_link = ctx.sync_now(self.flow.groups_stream, self.flow.groups_stream.record_for(full_event))
        group_id = ctx.synced_id(group_link, "the signup's Ascend event group")
        # Whether the shift is full decides "waitlisted": the mirror's event says, whatever the
        # attendance's embedded copy of the timeslot leaves out.
        full_event = self.flow.mirror_record("event", event["id"]) or {}
        slot_id = (attendance.get("timeslot") or {}).get("id")
        slot = next((t for t in full_event.get("timeslots") or [] if t.get("id") == slot_id), None)
        return {
            "phone": phone,
            "member": member,
            "group_id": group_id,
            "row_id": row.pk,
            "event_id": int(event["id"]),
            "timeslot_full": None if slot is None else bool(slot.get("is_full")),
        }

    def attribute(self, attendance: Mapping[str, Any]) -> None:
        """Count the attendance as a form submission of the member link its referrer's utm_content names.

        Only a member link of this integration's config counts, once per attendance (the row is unique).
        """
        member_link_id = tracking.attributed_member_link(attendance)
        if member_link_id is None or attendance.get("id") is None:
            return
        link = MemberLink.objects.filter(pk=member_link_id, tracked_link__config=self.flow.config).first()
        if link is None:
            return
        FormSubmission.objects.get_or_create(
            member_link=link,
            mobilize_attendance_id=int(attendance["id"]),
            defaults={"submitted_at": tracking.submitted_at(attendance) or timezone.now()},
        )

    @staticmethod
    def with_timeslot_state(attendance: Mapping[str, Any], full: bool | None) -> Mapping[str, Any]:
        """The attendance with its timeslot's `is_full` as the mirror's event has it."""
        if full is None:
            return attendance
        return {**attendance, "timeslot": {**(attendance.get("timeslot") or {}), "is_full": full}}

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        resolved = record.resolved
        person = record.data.get("person") or {}
        member = resolved["member"]
        fields, custom_fields = mapping.member_update(person, record.data, self.flow.rules, member)
        return {
            "phone": resolved["phone"],
            "create": member is None,
            "fields": fields,
            "custom_fields": custom_fields,
            "group_id": str(resolved["group_id"]),
            "in_group": bool(member) and str(resolved["group_id"]) in [str(g) for g in member.get("groups") or []],
            "status": mapping.status_snapshot(self.with_timeslot_state(record.data, resolved["timeslot_full"])),
            "event_id": resolved["event_id"],
            "row_id": resolved["row_id"],
            "timeslot_full": resolved["timeslot_full"],
        }

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        return self.apply(record, payload, None)

    def update(self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]) -> Written:
        return self.apply(record, payload, (link.extra or {}).get("status"))

    def apply(self, record: SourceRecord, payload: dict[str, Any], previous: Mapping[str, Any] | None) -> Written:
        """Write the member, its event group and the automations its new activities trigger."""
        ascend, phone = self.flow.ascend, payload["phone"]
        writes = self.flow.write_count()
        if payload["create"] or payload["fields"] or payload["custom_fields"]:
            opt_in_at = timezone.now().isoformat() if payload["create"] else None
            ascend.upsert_member(
                phone, payload["fields"], payload["custom_fields"], create=payload["create"], opt_in_at=opt_in_at
            )
        if not payload["in_group"]:
            ascend.add_to_group(payload["group_id"], [phone])
        event_id = payload["event_id"]
        reached = mapping.activities(previous, self.with_timeslot_state(record.data, payload["timeslot_full"]))
        if reached:
            automations = Automation.objects.filter(
                config=self.flow.config, event_id=payload["row_id"], activity__in=reached, enabled=True
            ).order_by("pk")
            for automation in automations:
                self.flow.fire(automation, phone, event_id, automation.activity)
        self.attribute(record.data)
        return Written(
            phone,
            {"status": payload["status"]},
            changed=self.flow.write_count() > writes,
            existed=not payload["create"],
        )
