"""Action Network <-> Mobile Commons (shared/seeds/003), as two streams over the engine.

  pull_people          nightly: Action Network people updated in the past 48 hours -> Mobile Commons
                       profiles (`profile_update`, keyed on the mobile number); an opted-in new
                       number gets the default opt-in path; the person's identifier goes to the
                       profile's Constituent ID, which identifies the pair from then on.
  push_subscriptions   every five minutes in the daytime: Mobile Commons profiles with a new
                       opt-in or opt-out since the last push -> Action Network: an opt-in with an
                       email becomes a person (the signup helper: opt-in field true, phone
                       subscribed) and its identifier is written back to the profile; an opt-out of
                       a matched person sets the opt-in field false and the phone unsubscribed.

Each direction has its own schedule (the integration's settings, anmc_services.activate); both
are streams of one integration, so the engine's lock keeps them from running at once.

Reads neither Mobilize nor the mirror. The streams read their own source with a time window:
the pull asks Action Network for `modified_date` after the earlier of 48 hours ago and its
watermark (a pull missed for days reads everything since); the push asks Mobile Commons for
profiles updated since its watermark (the first push: since activation), and keeps the ones
whose opt-in or opt-out happened in that window.

How a crash never duplicates: `profile_update` is an upsert keyed on the phone, and the pull
looks the number's profile up before writing (adopting a profile that holds this person's
Constituent ID or none); the signup helper is an upsert by email and phone, so a push repeated
after a crash finds the person it made.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from django.utils import timezone

from integrations import anmc_services
from integrations.connectors.errors import NotFoundError
from integrations.engine import Candidate, RunContext, SkipRecord, SourceRecord, Stream, Written
from integrations.engine.adoption import PENDING
from integrations.flows.base import Flow
from integrations.models import AnMcConfig, IntegrationKind, RecordLink
from integrations.models.anmc import PULL_STREAM, PUSH_STREAM, McField, ensure_field_mappings

from . import mapping

AN_PERSON = "actionnetwork.person"
MC_PROFILE = "mobilecommons.profile"
# The seed: "updates to any of the supported fields within the past 48 hours".
PULL_WINDOW = timedelta(hours=48)
_NOT_READ = object()


def _stamp(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def _jsonable(value: Any) -> Any:
    """A parsed Mobile Commons profile with its datetimes as ISO text (the retry queue stores JSON)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


class AnMcFlow(Flow):
    """Action Network <-> Mobile Commons: the nightly pull and the daytime push."""

    kind = IntegrationKind.ACTIONNETWORK_MOBILECOMMONS

    @cached_property
    def config(self) -> AnMcConfig:
        try:
            return self.integration.anmc
        except AnMcConfig.DoesNotExist:
            raise ValueError(
                f"{self.integration.name} has no Action Network and Mobile Commons settings: enter them on the "
                "integration page (Configure Integration)."
            ) from None

    @cached_property
    def an(self):
        return anmc_services.action_network_client(self.config)

    @cached_property
    def mc(self):
        return anmc_services.mobile_commons_client(self.config)

    @cached_property
    def fields(self) -> mapping.FieldMap:
        """The field mappings, read once per run."""
        rows = ensure_field_mappings(self.config)
        return mapping.FieldMap(
            an_fields={row.mc_field: row.an_field for row in rows},
            required=frozenset(row.mc_field for row in rows if row.required),
            opt_in_field=self.config.opt_in_field,
        )

    @property
    def opt_in_path_id(self) -> str:
        path = self.config.default_opt_in_path
        return path.mc_id if path is not None else ""

    def streams(self, ctx: RunContext) -> list[Stream]:
        return [PullPeopleStream(self), PushSubscriptionsStream(self)]

    def prepare(self, ctx: RunContext) -> None:
        if not self.opt_in_path_id:
            ctx.warn(anmc_services.NO_OPT_IN_PATH)

    def release_constituent(self, ctx: RunContext, uuid: str, keep_phone: str) -> None:
        """Clear a person's Constituent ID from every profile but `keep_phone`'s: one profile per pair.

        A person's number changes (in Action Network, or when a Mobile Commons opt-in with their email
        moves their phone); the profiles this integration linked to them before are found through the
        ledger (the pull's link, the push's links), and each that still holds the ID is cleared
        before the new profile is written, so no two profiles ever name one person.
        """
        phones = set()
        pulled = ctx.ledger.get(AN_PERSON, uuid)
        if pulled is not None:
            phones.add((pulled.extra or {}).get("phone"))
        pushed = RecordLink.objects.filter(integration=ctx.integration, source_type=MC_PROFILE, destination_id=uuid)
        phones.update((extra or {}).get("phone") for extra in pushed.values_list("extra", flat=True))
        for phone in sorted(p for p in phones if p and p != keep_phone):
            held = self.mc.get_profile(phone)
            if held is None:
                continue
            if mapping.profile_constituent(held) == uuid:
                self.mc.profile_update({"phone_number": phone, mapping.CONSTITUENT_COLUMN: ""})
            if not ctx.dry_run and ctx.ledger.get(MC_PROFILE, str(held["id"])) is None:
                # The old profile's subscription was this person's opt-in: the push must not take it
                # for a new one and sign the person up with that number again (moving their phone back).
                # No payload hash: the next push checks the person once and writes only what differs.
                ctx.ledger.record(
                    source_type=MC_PROFILE,
                    source_id=str(held["id"]),
                    destination_type=AN_PERSON,
                    destination_id=uuid,
                    payload_digest="",
                    extra={"phone": phone},
                )

    def configuration_problems(self) -> list[str]:
        try:
            config = self.config
        except ValueError as exc:
            return [str(exc)]
        return anmc_services.configuration_problems(config)

    def test_connection(self) -> list[str]:
        return anmc_services.test_connection(self.config)

    def mapping_table(self) -> list[tuple[str, str, str]]:
        if not AnMcConfig.objects.filter(integration=self.integration).exists():
            return []  # the page makes the settings; nothing is mapped yet
        rows = []
        for mc_field, an_field in self.fields.an_fields.items():
            an_field = self.fields.an_field(mc_field) or an_field
            rule = "required" if mc_field in self.fields.required else ""
            rows.append((f"Action Network {an_field}", f"Mobile Commons {McField(mc_field).label}", rule))
        return rows


class PullPeopleStream(Stream):
    """Action Network people updated in the past 48 hours -> Mobile Commons profiles, matched by mobile phone."""

    name = PULL_STREAM
    source_type = AN_PERSON
    destination_type = MC_PROFILE

    def __init__(self, flow: AnMcFlow) -> None:
        self.flow = flow
        self._read_to: int | None = None
        # The profile `find_candidates` read for a number, handed to the write that follows it.
        self._profiles: dict[str, Any] = {}

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        now = timezone.now()
        self._read_to = _stamp(now)
        lower: datetime | None = now - PULL_WINDOW
        if ctx.full_resync:
            lower = None
        elif since is not None:
            lower = min(lower, datetime.fromtimestamp(since, UTC))
        for person in self.flow.an.iter_people(modified_since=lower):
            modified = self.flow.an.parse_date(person.get("modified_date"))
            label = mapping.an_value(person, "email_address") or mapping.an_value(person, "phone_number")
            yield SourceRecord(
                source_id=mapping.person_id(person) or "(no identifier)",
                data=person,
                modified_at=_stamp(modified),
                label=label[:255],
            )

    def read_through(self, ctx: RunContext) -> int | None:
        return self._read_to

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        return mapping.pull_payload(record.data, self.flow.fields)

    def adoption_key(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> str | None:
        return payload[mapping.CONSTITUENT_COLUMN]

    def _profile(self, phone: str) -> dict | None:
        profile = self._profiles.pop(phone, _NOT_READ)
        return self.flow.mc.get_profile(phone) if profile is _NOT_READ else profile

    def find_candidates(
        self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any], hints: Mapping[str, Any] | None
    ) -> list[Candidate]:
        phone = payload["phone_number"]
        profile = self.flow.mc.get_profile(phone)
        self._profiles = {phone: profile}
        if profile is None:
            return []
        held = mapping.profile_constituent(profile)
        return [
            Candidate(
                profile["id"],
                held or None,
                {"phone": phone},
                description=f"Mobile Commons profile {profile['id']} ({phone})",
            )
        ]

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        profile = self._profile(payload["phone_number"])
        write = mapping.pull_write(payload, profile, self.flow.opt_in_path_id)
        self.flow.release_constituent(ctx, payload[mapping.CONSTITUENT_COLUMN], payload["phone_number"])
        if write.params is None:
            return Written(profile["id"], {"phone": payload["phone_number"]}, changed=False, existed=True)
        written = self.flow.mc.profile_update(write.params)
        return Written(written["id"], {"phone": payload["phone_number"]}, existed=profile is not None)

    def update(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Written | None:
        phone = payload["phone_number"]
        profile = self._profile(phone)
        write = mapping.pull_write(payload, profile, self.flow.opt_in_path_id)
        if (link.extra or {}).get("phone") != phone:
            self.flow.release_constituent(ctx, payload[mapping.CONSTITUENT_COLUMN], phone)
        if write.params is None:
            return Written(profile["id"], {"phone": phone}, changed=False)
        written = self.flow.mc.profile_update(write.params)
        return Written(written["id"], {"phone": phone})


class PushSubscriptionsStream(Stream):
    """New Mobile Commons opt-ins and opt-outs since the last push -> Action Network people."""

    name = PUSH_STREAM
    source_type = MC_PROFILE
    destination_type = AN_PERSON

    def __init__(self, flow: AnMcFlow) -> None:
        self.flow = flow
        self._read_to: int | None = None

    def fetch(self, ctx: RunContext, since: int | None) -> Iterator[SourceRecord]:
        now = timezone.now()
        self._read_to = _stamp(now)
        if since is not None and not ctx.full_resync:
            lower = datetime.fromtimestamp(since, UTC)
        else:
            # The first push (and a full resync): the opt-ins and opt-outs since the sync was activated.
            lower = self.flow.config.activated_at or self.flow.integration.created_at
        # No upper bound: a profile changed while the run reads is read now or, being newer than the
        # run's start (the watermark), by the next push; a bound cut to the second could miss it for good.
        for profile in self.flow.mc.iter_profiles(updated_from=lower):
            event = mapping.subscription_event(profile, lower)
            if event is None:
                continue  # updated for another reason (a pull, a name change): nothing to push
            yield SourceRecord(
                source_id=str(profile["id"]),
                data={"profile": _jsonable(profile), "event": event[0]},
                modified_at=_stamp(profile.get("updated_at")),
                label=(profile.get("email") or profile.get("phone_number") or "")[:255],
            )

    def read_through(self, ctx: RunContext) -> int | None:
        return self._read_to

    def resolve(self, ctx: RunContext, record: SourceRecord) -> Mapping[str, Any]:
        """The profile's Action Network person: its Constituent ID, else the person this stream pushed it to
        before, else the person the pull linked to it.

        The push's own link comes before the pull's: a profile whose person has since moved to another
        number (and whose Constituent ID was cleared) stays that person's, so the same opt-in read again
        is unchanged rather than a new signup that would move the person's phone back.
        """
        profile = record.data["profile"]
        person_id = mapping.profile_constituent(profile)
        own = ctx.ledger.get(MC_PROFILE, record.source_id)
        if not person_id and own is not None and own.destination_id != PENDING:
            person_id = own.destination_id
        if not person_id:
            person_id = (
                RecordLink.objects.filter(
                    integration=ctx.integration, source_type=AN_PERSON, destination_id=str(profile["id"])
                )
                .values_list("source_id", flat=True)
                .first()
                or ""
            )
        return {"person_id": person_id}

    def map(self, ctx: RunContext, record: SourceRecord) -> dict[str, Any]:
        event = record.data["event"]
        payload = mapping.push_payload(record.data["profile"], event, self.flow.fields)
        person_id = record.resolved.get("person_id", "")
        if not person_id:
            if event == mapping.OPT_OUT:
                raise SkipRecord(
                    "Opted out in Mobile Commons, but the profile has no Action Network person (no Constituent ID): "
                    "nothing to update."
                )
            if not payload.get("email"):
                raise SkipRecord(
                    "Opted in without an email address: Action Network adds new people by email (the seed: new "
                    "opt-ins of users whose profile records contain an email address)."
                )
        payload["person_id"] = person_id
        return payload

    def adoption_key(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> str | None:
        return None

    def create(self, ctx: RunContext, record: SourceRecord, payload: dict[str, Any]) -> Written:
        return self._write(ctx, payload)

    def update(
        self, ctx: RunContext, link: RecordLink, record: SourceRecord, payload: dict[str, Any]
    ) -> Written | None:
        return self._write(ctx, payload)

    def _write(self, ctx: RunContext, payload: dict[str, Any]) -> Written:
        an, fields, event, phone = self.flow.an, self.flow.fields, payload["event"], payload["phone_number"]
        person_id = payload["person_id"]
        if person_id:
            try:
                person = an.get_person(person_id)
            except NotFoundError:
                person = None
            if person is not None:
                held_phone = mapping.mc_phone(mapping.an_value(person, "phone_number"))
                if held_phone and held_phone != phone:
                    raise SkipRecord(
                        f"Action Network person {person_id} now has another mobile number ({held_phone}): this "
                        f"{'opt-in' if event == mapping.OPT_IN else 'opt-out'} of {phone} is not theirs to record."
                    )
                if mapping.person_holds(person, event, fields):
                    return Written(person_id, {"phone": phone}, changed=False, existed=True)
                an.update_person(person_id, mapping.subscription_changes(event, fields))
                return Written(person_id, {"phone": phone}, existed=True)
            if event == mapping.OPT_OUT or not payload.get("email"):
                raise SkipRecord(f"The profile's Constituent ID {person_id} is not an Action Network person.")
        person, created = an.signup(mapping.signup_person(payload, fields), source=self.flow.config.source_code)
        new_id = an.person_id(person)
        held_phone = mapping.mc_phone(mapping.an_value(person, "phone_number"))
        if held_phone and held_phone != phone:
            # Matched by email to a person Action Network keeps another number for: the opt-in is recorded
            # on them, but the pair stays with that number's profile (one phone, one profile per person).
            ctx.warn(
                f"Mobile Commons opt-in {phone} matched Action Network person {new_id} by email, who keeps the "
                f"number {held_phone}: the profile of {phone} is not linked to them."
            )
            return Written(new_id, {"phone": phone}, existed=not created)
        # This person now holds this phone: a profile linked to them before lets go of them.
        self.flow.release_constituent(ctx, new_id, phone)
        # Mobile Commons learns the identifier: it links the pair from now on (the seed's Constituent ID).
        self.flow.mc.profile_update({"phone_number": phone, mapping.CONSTITUENT_COLUMN: new_id})
        return Written(new_id, {"phone": phone}, existed=not created)
