"""Ascend operations the admin (and commands, the API) call: settings, the Events tab, field rules, flows.

An Ascend integration's settings are one AscendConfig with the seed's four default field rules
(shared/seeds/001: first name, last name, email and zip code). The Events tab lists the
organization's Mobilize events as the mirror has them ("Fetch events" refreshes the mirror first);
syncing an event only marks it: the flow creates its Ascend event group on its next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations import services
from integrations.models import Integration, IntegrationKind, RecordType, SyncRun
from integrations.models.ascend import CORE_FIELDS, AscendConfig, AscendEvent, Automation, FieldRule, SyncOption
from integrations.models.ascend_links import MemberLink, TrackedLink
from integrations.pdi_services import readable_error

if TYPE_CHECKING:
    from integrations.connectors.ascend import AscendAdapter

logger = logging.getLogger("integrations.ascend")

TITLE_MAX_LENGTH = AscendEvent._meta.get_field("title").max_length
ASCEND_FIELD_MAX_LENGTH = FieldRule._meta.get_field("ascend_field").max_length


# --- Settings and default field rules -----------------------------------------------------------------
def ensure_config(integration: Integration) -> AscendConfig:
    """The Ascend integration's settings row, created (with the default field rules) if it has none."""
    if integration.kind != IntegrationKind.ASCEND:
        raise ValueError(f"{integration.name} is not an Ascend integration.")
    config, _ = AscendConfig.objects.get_or_create(integration=integration)
    ensure_default_field_rules(config)
    return config


def ensure_default_field_rules(config: AscendConfig) -> list[str]:
    """Give the config one default rule per core field (Populate); returns the Mobilize fields added.

    An existing rule keeps its sync option: only missing rows are created.
    """
    existing = set(config.field_rules.filter(is_default=True).values_list("mobilize_field", flat=True))
    missing = [name for name in CORE_FIELDS if name not in existing]
    if missing:
        FieldRule.objects.bulk_create(
            [
                FieldRule(
                    config=config,
                    mobilize_field=name,
                    ascend_field=CORE_FIELDS[name],
                    sync=SyncOption.POPULATE,
                    is_default=True,
                )
                for name in missing
            ],
            ignore_conflicts=True,  # a concurrent ensure_config made them first
        )
    return missing


def default_rules(config: AscendConfig) -> list[FieldRule]:
    """The Default mappings table's rows, in CORE_FIELDS order."""
    order = list(CORE_FIELDS)
    rows = list(config.field_rules.filter(is_default=True))
    return sorted(rows, key=lambda rule: order.index(rule.mobilize_field) if rule.mobilize_field in order else 99)


def additional_rules(config: AscendConfig) -> list[FieldRule]:
    """The Additional mappings table's rows: custom fields the flow found, in the order found."""
    return list(config.field_rules.filter(is_default=False).order_by("id"))


def check_field_rule(rule: FieldRule, ascend_field: str) -> str:
    """The sentence FieldRule.clean refuses `ascend_field` for `rule` with, or "" when it may be used."""
    candidate = FieldRule(
        pk=rule.pk,
        config_id=rule.config_id,
        mobilize_field=rule.mobilize_field,
        ascend_field=ascend_field,
        sync=rule.sync,
        is_default=rule.is_default,
    )
    try:
        candidate.clean()
    except ValidationError as exc:
        return " ".join(exc.message_dict.get("ascend_field") or exc.messages)
    return ""


def set_sync_new_events(config: AscendConfig, on: bool) -> None:
    """Turn Sync new events on (from now: every event synced, submissions backfilled 15 minutes) or off.

    Turning it on also syncs every event the Events tab lists already, as the seed says, and
    queues a run so the backfill starts now rather than at the next scheduled run.
    """
    now = timezone.now()
    config.sync_new_events = on
    config.sync_new_events_since = now if on else None
    config.save(update_fields=["sync_new_events", "sync_new_events_since"])
    if on:
        config.events.filter(synced=False).update(synced=True, synced_at=now)
        # Submissions of the last 15 minutes were read (and skipped) already: read the mirror again.
        services.replay_mirror(config.integration)
        services.trigger_sync(config.integration)


# --- Talking to Ascend -------------------------------------------------------------------------------
def configuration_problems(config: AscendConfig) -> list[str]:
    """What keeps the config from reaching Ascend, in sentences (nothing is asked of Ascend)."""
    missing = [label for label, value in (("base URL", config.base_url), ("API key", config.api_key)) if not value]
    if missing:
        return [f"Enter the Ascend {' and '.join(missing)} in the Ascend settings and save."]
    return []


def ascend_adapter(config: AscendConfig) -> AscendAdapter:
    """The adapter over an Ascend client with the config's base URL and API key."""
    from integrations.connectors.ascend import AscendAdapter, AscendClient

    problems = configuration_problems(config)
    if problems:
        raise ValueError(" ".join(problems))
    return AscendAdapter(AscendClient(config.base_url, config.api_key))


def config_secrets(config: AscendConfig) -> tuple[str, ...]:
    """Every credential a message about this config must never show."""
    return (config.api_key or "", config.integration.organization.mobilize_api_key or "")


def _flow_row(item: Any) -> dict[str, str]:
    if not isinstance(item, dict) or item.get("id") in (None, ""):
        raise ValueError("Ascend listed a flow without an id; the flows were not changed.")
    flow_id = str(item["id"])
    return {"id": flow_id, "name": str(item.get("name") or f"Flow {flow_id}")}


def refresh_flows(config: AscendConfig) -> list[dict[str, str]]:
    """Read the account's flows from Ascend and keep them on the config (the automations' choices).

    Raises ConnectorError or ValueError (readable sentences) when Ascend cannot be read; then the
    cached flows stay as they were.
    """
    flows: dict[str, dict[str, str]] = {}
    for item in ascend_adapter(config).flows():
        row = _flow_row(item)
        flows.setdefault(row["id"], row)  # a flow listed twice (paging) counts once
    config.flows_cache = list(flows.values())
    config.flows_refreshed_at = timezone.now()
    config.save(update_fields=["flows_cache", "flows_refreshed_at"])
    logger.info("Ascend flows of integration %s refreshed: %s flows", config.integration_id, len(flows))
    return config.flows_cache


def flow_names(config: AscendConfig) -> dict[str, str]:
    """{flow id: name} of the cached flows."""
    return {str(row.get("id")): str(row.get("name") or "") for row in config.flows_cache or [] if isinstance(row, dict)}


# --- The Events tab ----------------------------------------------------------------------------------
@dataclass
class FetchResult:
    """What "Fetch events" did, for the message on the page."""

    listed: int = 0
    added: int = 0
    renamed: int = 0
    refresh_error: str = ""

    def summary(self) -> str:
        """The outcome in a sentence or two."""
        parts = []
        if self.refresh_error:
            parts.append(f"Mobilize was not read ({self.refresh_error}) These are the events the mirror had already.")
        parts.append(
            f"{self.listed} event{'s' if self.listed != 1 else ''} listed, {self.added} new, {self.renamed} renamed."
        )
        return " ".join(parts)


def _refresh_mirror(config: AscendConfig) -> str:
    """Refresh the organization's mirror now; "" when it caught up, else why not (readable)."""
    from integrations.mirror import refresh

    org = config.integration.organization
    try:
        runs = refresh.refresh_until_caught_up(org, trigger=SyncRun.Trigger.MANUAL, fan_out=False)
    except Exception as exc:  # a refresh failing in any way must still leave the tab usable
        logger.warning("Mirror refresh for Ascend integration %s failed: %s", config.integration_id, type(exc).__name__)
        return readable_error(exc, *config_secrets(config))
    last = runs[-1] if runs else None
    if last is not None and last.status == SyncRun.Status.FAILED:
        return readable_error(Exception(last.message or "the mirror's refresh failed"), *config_secrets(config))
    return ""


def fetch_events_report(config: AscendConfig, *, refresh: bool = True) -> FetchResult:
    """Refresh the mirror (unless `refresh` is false), then list one AscendEvent per live mirror event.

    New rows are unsynced, or synced at once while Sync new events is on. Titles follow
    Mobilize. Events deleted in Mobilize keep their rows (automations may point at them).
    """
    from integrations.mirror import reader

    result = FetchResult()
    if refresh:
        result.refresh_error = _refresh_mirror(config)
    now = timezone.now()
    org = config.integration.organization
    with transaction.atomic():
        stored = {event.mobilize_event_id: event for event in AscendEvent.objects.filter(config=config)}
        for change in reader.changes(org, RecordType.EVENT, after_seq=0):
            if change.deleted:
                continue
            try:
                mobilize_id = int(change.mobilize_id)
            except (TypeError, ValueError):
                continue
            title = str(change.data.get("title") or "")[:TITLE_MAX_LENGTH]
            result.listed += 1
            event = stored.get(mobilize_id)
            if event is None:
                stored[mobilize_id] = AscendEvent.objects.create(
                    config=config,
                    mobilize_event_id=mobilize_id,
                    title=title,
                    synced=config.sync_new_events,
                    synced_at=now if config.sync_new_events else None,
                )
                result.added += 1
            elif event.title != title:
                event.title = title
                event.save(update_fields=["title"])
                result.renamed += 1
    logger.info(
        "Ascend events of integration %s fetched: %s listed, %s new, %s renamed%s",
        config.integration_id,
        result.listed,
        result.added,
        result.renamed,
        "; the mirror was not refreshed" if result.refresh_error else "",
    )
    return result


def fetch_events(config: AscendConfig) -> int:
    """Fetch events: refresh the mirror and list its events on the Events tab; returns how many it lists."""
    return fetch_events_report(config).listed


def set_event_synced(event: AscendEvent, synced: bool) -> bool:
    """Sync (or stop syncing) one event; returns whether it changed. A change queues a run.

    Nothing is asked of Ascend here: the flow creates the event group on its next run.
    """
    if event.synced == synced:
        return False
    event.synced = synced
    event.synced_at = timezone.now() if synced else None
    event.save(update_fields=["synced", "synced_at"])
    if synced:
        # Its submissions of the last 15 minutes were read (and skipped) already: read the mirror again.
        services.replay_mirror(event.config.integration)
    services.trigger_sync(event.config.integration)
    return True


# --- Tracked links (issue 16) ------------------------------------------------------------------------
def track_message(
    config: AscendConfig,
    message_id: str,
    url: str,
    phones: list[str],
    *,
    automation: Automation | None = None,
    flow_id: str = "",
) -> tuple[TrackedLink, bool]:
    """Track one Mobilize URL of one outgoing message: the tracked link and a member link per new phone.

    Returns the tracked link and whether it is new. `automation` and `flow_id` tag the message for the
    Automations and Flow reports. They belong to the message, so they are given to all its tracked
    links (a later URL or batch may leave them out and inherits them); naming a different automation
    or flow than the message has already, an automation of another integration, or a flow the
    automation does not start is a ValidationError (by field) and changes nothing.
    """
    flow_id = flow_id.strip()
    if automation is not None and automation.config_id != config.pk:
        raise ValidationError({"automation": "Not an automation of this Ascend integration."})
    with transaction.atomic():
        # Locked, so two batches of one message posted at once agree on its automation and flow.
        siblings = list(
            TrackedLink.objects.select_for_update(of=("self",))
            .select_related("automation")
            .filter(config=config, message_id=message_id)
        )
        known_automations = {link.automation for link in siblings if link.automation_id}
        known_flows = {link.flow_id for link in siblings if link.flow_id}
        errors: dict[str, str] = {}
        if automation is not None and known_automations - {automation}:
            errors["automation"] = "This message was tracked with another automation."
        if flow_id and known_flows - {flow_id}:
            errors["flow_id"] = f"This message was tracked with another flow ({', '.join(sorted(known_flows))})."
        automation = automation or next(iter(known_automations), None)
        flow_id = flow_id or next(iter(known_flows), "")
        starts = [str(flow) for flow in (automation.flow_ids or [])] if automation is not None else []
        if not errors and automation is not None and flow_id and flow_id not in starts:
            errors["flow_id"] = f"Not a flow of the automation {automation.name!r}; its flows: {', '.join(starts)}"
        if errors:
            raise ValidationError(errors)
        automation_id = automation.pk if automation is not None else None
        tracked, created = TrackedLink.objects.get_or_create(
            config=config,
            message_id=message_id,
            destination_url=url,
            defaults={"automation_id": automation_id, "flow_id": flow_id},
        )
        # A message tagged now (or by this new URL) tags its links tracked before.
        group = TrackedLink.objects.filter(config=config, message_id=message_id)
        if automation_id is not None:
            group.filter(automation__isnull=True).update(automation_id=automation_id)
        if flow_id:
            group.filter(flow_id="").update(flow_id=flow_id)
        known = set(tracked.member_links.values_list("phone", flat=True))
        MemberLink.objects.bulk_create(
            [MemberLink(tracked_link=tracked, phone=phone) for phone in phones if phone not in known]
        )
    return tracked, created
