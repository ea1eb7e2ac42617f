"""The base every flow builds on, and the Mobilize-source helpers they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings

from integrations.connectors.errors import ConnectorError, NotFoundError
from integrations.connectors.mobilize import MobilizeClient
from integrations.connectors.mobilize.records import firewall_side
from integrations.engine import RecordError, RunContext, SkipRecord, SourceRecord, Stream
from integrations.mirror import reader
from integrations.mirror.reader import MirrorChange
from integrations.models import Integration, Organization


def attendance_key(attendance: Mapping[str, Any]) -> str:
    """An attendance's ledger key: its id, or (withheld across the firewall) the person, event type and start."""
    if attendance.get("id") is not None:
        return str(attendance["id"])
    person = attendance.get("person") or {}
    event_type = (attendance.get("event") or {}).get("event_type") or ""
    start = (attendance.get("timeslot") or {}).get("start_date") or ""
    return f"p{person.get('user_id') or person.get('id')}-{event_type}-{start}"


class Flow(ABC):
    """One integration kind: which streams, in what order, with which connectors."""

    kind: ClassVar[str]

    def __init__(self, integration: Integration) -> None:
        self.integration = integration
        self.organization: Organization = integration.organization

    @abstractmethod
    def streams(self, ctx: RunContext) -> list[Stream]:
        """The streams of one run, in the order they must run."""

    def configuration_problems(self) -> list[str]:
        """What is missing from the integration's settings, in sentences (no remote is asked).

        The integration page shows these before anyone presses a button; a run with any of
        them does not start.
        """
        return []

    def check_ready(self, ctx: RunContext) -> None:
        """Refuse to start a run whose configuration is incomplete or refused by a remote.

        Raises ValueError (configuration) or ConnectorError (a remote refused the credentials or
        a setting) with one readable sentence; the run is then recorded as failed, with no items.
        """
        problems = self.configuration_problems()
        if problems:
            raise ValueError(" ".join(problems))

    def prepare(self, ctx: RunContext) -> None:
        """Work before the streams (e.g. refresh the organization's firewall side)."""
        return None

    def after_stream(self, ctx: RunContext, stream: Stream) -> None:
        """Work after each stream (e.g. copy connector warnings into the run)."""
        return None

    @abstractmethod
    def test_connection(self) -> list[str]:
        """Check every credential and setting the flow needs; return what was checked, in sentences.

        Raises ConnectorError (or ValueError for configuration) with a readable message.
        """

    def mapping_table(self) -> list[tuple[str, str, str]]:
        """(source field, destination field, rule) rows a campaign can check on the integration page."""
        return []


class MobilizeSourceFlow(Flow):
    """A flow that reads the organization's Mobilize data."""

    def configuration_problems(self) -> list[str]:
        org = self.organization
        if not org.mobilize_api_key:
            return [f"{org.name} has no Mobilize API key: add it on the organization page."]
        return []

    @cached_property
    def mobilize(self) -> MobilizeClient:
        org = self.organization
        if not org.mobilize_api_key:
            raise ValueError(f"{org.name} has no Mobilize API key: add it on the organization page.")
        return MobilizeClient(org.mobilize_base_url, org.mobilize_api_key, org.mobilize_id)

    def refresh_organization(self) -> dict:
        """Read the organization from Mobilize and store its name and firewall side."""
        remote = self.mobilize.get_organization()
        side = firewall_side(remote)
        org = self.organization
        if org.firewall_side != side or (remote.get("name") and org.name != remote["name"]):
            org.firewall_side = side
            org.name = remote.get("name") or org.name
            org.save(update_fields=["firewall_side", "name", "updated_at"])
        return remote

    def prepare(self, ctx: RunContext) -> None:
        self.refresh_organization()

    def after_stream(self, ctx: RunContext, stream: Stream) -> None:
        for warning in self.mobilize.warnings:
            ctx.warn(warning)

    def mobilize_test(self) -> list[str]:
        """The Mobilize half of Test connection."""
        remote = self.mobilize.test_connection()
        side = firewall_side(remote)
        return [
            f"Mobilize: the API key works for {remote.get('name')} (organization {self.organization.mobilize_id}).",
            f"Mobilize: the organization is on the {side} side of the firewall.",
        ]


class MirrorSourceFlow(MobilizeSourceFlow):
    """A flow whose source is the organization's Mobilize mirror (DESIGN.md, "The Mobilize mirror").

    Its streams read the mirror (`reads_mirror = True`), never Mobilize: a full resync, a dry run
    or a new integration replays the mirror at no cost to Mobilize's rate limit. Mobilize is
    asked only for a single record the mirror lacks (`mobilize_record`).
    """

    def configuration_problems(self) -> list[str]:
        problems = super().configuration_problems()
        if problems:
            return problems
        from integrations.models import MirrorState

        state = MirrorState.objects.filter(organization=self.organization).first()
        if state is None or state.last_refresh_at is None:
            last = self.last_mirror_failure()
            why = (
                f"its last refresh failed: {last}"
                if last
                else f"it refreshes every {settings.MIRROR_REFRESH_SECONDS} seconds (or press Refresh from "
                "Mobilize on the organization)"
            )
            problems.append(f"The Mobilize mirror of {self.organization.name} has not been read yet: {why}")
        return problems

    def last_mirror_failure(self) -> str:
        """The message of the organization's mirror refresh when its latest run failed ("" otherwise)."""
        from integrations.models import IntegrationKind, SyncRun

        latest = (
            SyncRun.objects.filter(
                integration__organization=self.organization, integration__kind=IntegrationKind.MOBILIZE_MIRROR
            )
            .exclude(status=SyncRun.Status.SKIPPED)
            .order_by("-started_at", "-id")
            .values_list("status", "message")
            .first()
        )
        if latest is None or latest[0] != SyncRun.Status.FAILED:
            return ""
        return latest[1]

    def prepare(self, ctx: RunContext) -> None:
        # The organization's name and firewall side are kept in step by the mirror's refresh.
        return None

    def after_stream(self, ctx: RunContext, stream: Stream) -> None:
        if "mobilize" in self.__dict__:  # only when a record had to be asked of Mobilize itself
            super().after_stream(ctx, stream)

    def mirror_changes(self, record_type: str, since: int | None) -> Iterator[MirrorChange]:
        """The mirror's records of one type changed after sequence `since` (None: all), in order."""
        return reader.changes(self.organization, record_type, after_seq=since or 0)

    def attendance_records(
        self, since: int | None, label: Callable[[Mapping[str, Any]], str]
    ) -> Iterator[SourceRecord]:
        """The mirror's attendances changed after `since` as records keyed by `attendance_key`, their
        event as parent and `label(person)` for support staff to search by."""
        for change in self.mirror_changes("attendance", since):
            if change.deleted:
                continue
            attendance = change.data
            yield SourceRecord(
                attendance_key(attendance),
                attendance,
                change.seq,
                label(attendance.get("person") or {}),
                str((attendance.get("event") or {}).get("id") or ""),
            )

    def mirror_record(self, record_type: str, mobilize_id: str | int) -> dict | None:
        """One record from the mirror (None when it lacks it or Mobilize no longer lists it)."""
        change = reader.get(self.organization, record_type, mobilize_id)
        if change is None or change.deleted:
            return None
        return change.data

    def mirror_read_whole_since(self, stream: str, moment: int | None) -> bool:
        """Whether the mirror read Mobilize list `stream` whole after `moment` (see reader.read_whole_since)."""
        return reader.read_whole_since(self.organization, stream, moment)

    def event_for_signup(self, event_id: int, signed_up_at: int | None = None) -> dict:
        """The event a signup needs, from the mirror; Mobilize is asked only when the mirror may lack it.

        `signed_up_at` (the signup's modified_date) is given for an event Mobilize shows by id
        exactly when it lists it (a promoted one): once the mirror has read the whole event list
        after that, an event it lacks is one Mobilize does not show (private or not approved), so
        NotFoundError without a request: replays of old signups (a full resync, a new integration)
        cost Mobilize nothing.
        """
        event = self.mirror_record("event", event_id)
        if event is not None:
            return event
        if self.mirror_read_whole_since("events", signed_up_at):
            raise NotFoundError(f"Mobilize does not list event {event_id} for this organization (mirror).")
        return self.mobilize.get_organization_event(event_id)

    def signup_event_and_timeslot(
        self, attendance: Mapping[str, Any], *, promoted: bool, destination: str
    ) -> tuple[dict, dict]:
        """The whole event and the timeslot a signup is for, when no stream has synced it yet.

        `promoted`: the event is another organization's, which Mobilize shows by id exactly when
        it lists it (see `event_for_signup`); a promoted event Mobilize keeps from us (private, or
        not approved) skips the signup, since there is no `destination` event for it to go to.
        """
        event = attendance.get("event") or {}
        timeslot = attendance.get("timeslot") or {}
        try:
            full_event = self.event_for_signup(int(event["id"]), attendance.get("modified_date") if promoted else None)
        except NotFoundError as exc:
            if promoted:
                raise SkipRecord(
                    f"Mobilize does not show this organization the promoted event {event.get('id')} "
                    f"(private or not approved), so the signup has no {destination} event to go to."
                ) from exc
            raise RecordError(f"The signup's Mobilize event {event.get('id')} could not be read: {exc}") from exc
        except ConnectorError as exc:
            raise RecordError(
                f"The signup's Mobilize event {event.get('id')} could not be read: {exc}", retryable=exc.retryable
            ) from exc
        slot = next((t for t in full_event.get("timeslots") or [] if t.get("id") == timeslot.get("id")), None)
        if slot is None:
            raise RecordError(f"Mobilize event {event.get('id')} no longer has timeslot {timeslot.get('id')}.")
        return full_event, slot
