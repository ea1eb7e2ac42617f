"""PDI operations the admin (and commands, the demo, the API) call: settings, calendar mapping, cadence.

A PDI integration's settings are one PdiConfig with one PdiCalendarMapping row per Mobilize
event type: the 23 types the seed lists (shared/seeds/002), plus any type Mobilize's enums
endpoint adds later. "Refresh calendars" reads the account's calendars from PDI and the event
types from Mobilize; a run never guesses a calendar (PdiConfig.calendar_for).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from integrations import services
from integrations.connectors.errors import ConnectorError
from integrations.models import Integration, IntegrationKind, PdiCalendar, PdiCalendarMapping, PdiConfig
from integrations.models.pdi import SEED_EVENT_TYPES, PdiEnvironment, event_type_label

if TYPE_CHECKING:
    from integrations.connectors.pdi import PdiClient

logger = logging.getLogger("integrations.pdi")

# The seed: "Data is synced twice a day around midnight and noon EDT." New York's zone keeps
# "around midnight and noon" right in winter too (EST), which a fixed -04:00 would not.
SEED_CRONTAB = "0 0,12 * * *"
SEED_TIMEZONE = "America/New_York"

# Mobilize's enum values are short upper-case words; the mapping's column holds 64 characters.
EVENT_TYPE_MAX_LENGTH = PdiCalendarMapping._meta.get_field("event_type").max_length


# --- Settings and mapping rows ------------------------------------------------------------------
def ensure_config(integration: Integration) -> PdiConfig:
    """The PDI integration's settings row, created (with its seed mapping rows) if it has none."""
    if integration.kind != IntegrationKind.PDI:
        raise ValueError(f"{integration.name} is not a PDI integration.")
    config, _ = PdiConfig.objects.get_or_create(integration=integration)
    ensure_calendar_mappings(config)
    return config


def clean_event_types(values: Iterable[Any]) -> list[str]:
    """Mobilize enum values usable as mapping rows: strings, stripped, unique, in the order given."""
    seen: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str):
            continue
        value = value.strip()
        if value and len(value) <= EVENT_TYPE_MAX_LENGTH:
            seen.setdefault(value, None)
    return list(seen)


def ensure_calendar_mappings(config: PdiConfig, extra_types: Iterable[str] = ()) -> list[str]:
    """Give the config one mapping row per seed event type and per type of `extra_types`; returns the types added.

    Rows are created unmapped (no calendar) and never removed: a type Mobilize stops listing keeps
    its row, so events of it that are still in the mirror keep their calendar.
    """
    wanted = clean_event_types([*SEED_EVENT_TYPES, *extra_types])
    existing = set(config.calendar_mappings.values_list("event_type", flat=True))
    missing = [event_type for event_type in wanted if event_type not in existing]
    if missing:
        # In seed order (the table shows seed types in that order); a concurrent refresh that
        # added the same row first is not an error.
        PdiCalendarMapping.objects.bulk_create(
            [PdiCalendarMapping(config=config, event_type=event_type) for event_type in missing],
            ignore_conflicts=True,
        )
    return missing


def mapping_sort_key(event_type: str) -> tuple[int, int, str]:
    """The table's order: the seed's types in the seed's order, then the others by name."""
    seed_order = list(SEED_EVENT_TYPES)
    if event_type in SEED_EVENT_TYPES:
        return (0, seed_order.index(event_type), "")
    return (1, 0, event_type_label(event_type).lower())


def ordered_mappings(config: PdiConfig) -> list[PdiCalendarMapping]:
    """The config's mapping rows in the table's order, with their calendars."""
    rows = config.calendar_mappings.select_related("calendar")
    return sorted(rows, key=lambda mapping: mapping_sort_key(mapping.event_type))


# --- Talking to PDI and Mobilize ----------------------------------------------------------------
def configuration_problems(config: PdiConfig) -> list[str]:
    """What keeps the config from logging in to PDI, in sentences (nothing is asked of PDI)."""
    given = (("API token", config.api_token), ("username", config.username), ("password", config.password))
    missing = [label for label, value in given if not value]
    problems = []
    if missing:
        problems.append(f"Enter the PDI {', '.join(missing)} in the PDI settings and save.")
    if config.environment == PdiEnvironment.CUSTOM and not config.base_url:
        problems.append("Enter the PDI base URL, or choose production or QA, and save.")
    return problems


def pdi_client(config: PdiConfig) -> PdiClient:
    """A PDI client logged in lazily with the config's credentials, at the config's base URL."""
    from integrations.connectors.pdi import PdiClient

    problems = configuration_problems(config)
    if problems:
        raise ValueError(" ".join(problems))
    return PdiClient(
        base_url=config.api_base_url, username=config.username, password=config.password, api_token=config.api_token
    )


def mobilize_event_types(integration: Integration) -> list[str]:
    """The event types Mobilize's enums endpoint lists, with the organization's credentials.

    Raises ConnectorError (Mobilize failed) or ValueError (no API key, or an answer without types).
    """
    from integrations.connectors.mobilize import MobilizeClient

    org = integration.organization
    if not org.mobilize_api_key:
        raise ValueError(f"{org.name} has no Mobilize API key: add it on the organization page.")
    enums = MobilizeClient(org.mobilize_base_url, org.mobilize_api_key, org.mobilize_id).get_enums()
    types = enums.get("event_type") if isinstance(enums, dict) else None
    if not isinstance(types, list):
        raise ValueError("Mobilize's enums answer has no list of event types.")
    return clean_event_types(types)


def readable_error(exc: BaseException, *secrets: str) -> str:
    """One sentence for the page: the error's message with any credential blanked out, never a traceback."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[hidden]")
    return text if text.endswith((".", "!", "?")) else f"{text}."


def config_secrets(config: PdiConfig) -> tuple[str, ...]:
    """Every credential a message about this config must never show."""
    return (config.api_token, config.password, config.integration.organization.mobilize_api_key or "")


# --- Refresh calendars ----------------------------------------------------------------------------
@dataclass
class RefreshResult:
    """What "Refresh calendars" changed, for the message on the page and the log."""

    calendars: int = 0
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # event type label -> the removed calendar it was mapped to
    unmapped: dict[str, str] = field(default_factory=dict)
    default_unset: str = ""
    new_event_types: list[str] = field(default_factory=list)
    mobilize_error: str = ""

    def summary(self) -> str:
        """The outcome in a few readable sentences."""
        parts = [f"PDI returned {self.calendars} calendar{'s' if self.calendars != 1 else ''}."]
        if self.added:
            parts.append(f"New: {', '.join(self.added)}.")
        if self.renamed:
            parts.append(f"Renamed or changed: {', '.join(self.renamed)}.")
        if self.removed:
            parts.append(f"No longer in PDI, removed: {', '.join(self.removed)}.")
        if self.unmapped:
            types = ", ".join(f"{label} (was {calendar})" for label, calendar in self.unmapped.items())
            parts.append(f"These event types are now unmapped: {types}.")
        if self.default_unset:
            parts.append(
                f"The calendar for unmapped event types ({self.default_unset}) was removed: "
                "unmapped types are now skipped."
            )
        if not (self.added or self.renamed or self.removed):
            parts.append("No calendar changed.")
        if self.mobilize_error:
            parts.append(f"Mobilize's event types were not read ({self.mobilize_error}) The mapping keeps its rows.")
        elif self.new_event_types:
            labels = ", ".join(event_type_label(t) for t in self.new_event_types)
            parts.append(f"New Mobilize event types, added to the mapping unmapped: {labels}.")
        else:
            parts.append("Mobilize lists no new event type.")
        return " ".join(parts)

    @property
    def needs_attention(self) -> bool:
        """Whether the page should show it as a warning: a mapping was lost or Mobilize was not read."""
        return bool(self.unmapped or self.default_unset or self.mobilize_error)


def _calendar_fields(remote: Any) -> dict[str, str]:
    if not isinstance(remote, dict) or remote.get("id") in (None, ""):
        raise ValueError("PDI returned a calendar without an id; nothing was changed.")
    pdi_id = str(remote["id"])
    return {
        "pdi_id": pdi_id,
        "name": str(remote.get("name") or f"Calendar {pdi_id}")[:300],
        "description": str(remote.get("description") or ""),
        "time_zone": str(remote.get("timeZone") or "")[:64],
    }


def refresh_calendars(config: PdiConfig) -> RefreshResult:
    """Read the account's calendars from PDI and Mobilize's event types, and store both.

    Calendars are upserted by their PDI id, so the mapping rows that point at them survive a
    rename; calendars PDI no longer returns are deleted, and the result names the mapping rows
    (and the default calendar) that pointed at them. Mobilize is asked second: when it fails the
    calendars are still refreshed and the result says why the event types were not.
    Raises ConnectorError or ValueError (with readable sentences) when PDI cannot be read; then
    nothing changes.
    """
    client = pdi_client(config)
    remote = [_calendar_fields(item) for item in client.calendars()]
    by_id = {row["pdi_id"]: row for row in remote}  # PDI repeating a calendar on two pages counts once

    result = RefreshResult(calendars=len(by_id))
    extra_types: list[str] = []
    try:
        extra_types = mobilize_event_types(config.integration)
    except (ConnectorError, ValueError) as exc:
        result.mobilize_error = readable_error(exc, *config_secrets(config))

    with transaction.atomic():
        stored = {calendar.pdi_id: calendar for calendar in config.calendars.select_for_update()}
        for pdi_id, row in by_id.items():
            calendar = stored.get(pdi_id)
            if calendar is None:
                PdiCalendar.objects.create(config=config, **row)
                result.added.append(row["name"])
            elif any(getattr(calendar, name) != value for name, value in row.items()):
                for name, value in row.items():
                    setattr(calendar, name, value)
                calendar.save()
                result.renamed.append(row["name"])
        gone = [calendar for pdi_id, calendar in stored.items() if pdi_id not in by_id]
        if gone:
            gone_ids = [calendar.pk for calendar in gone]
            for mapping in ordered_mappings(config):
                if mapping.calendar_id in gone_ids:
                    result.unmapped[mapping.event_type_label] = mapping.calendar.name
            if config.default_calendar_id in gone_ids:
                result.default_unset = config.default_calendar.name
            result.removed = [calendar.name for calendar in gone]
            # The mapping rows and the default calendar are SET_NULL: the types become unmapped.
            PdiCalendar.objects.filter(pk__in=gone_ids).delete()
        if not result.mobilize_error:
            result.new_event_types = ensure_calendar_mappings(config, extra_types)
        else:
            ensure_calendar_mappings(config)
        config.refresh_from_db(fields=["default_calendar"])
        config.calendars_refreshed_at = timezone.now()
        config.save(update_fields=["calendars_refreshed_at"])

    logger.info(
        "PDI calendars of integration %s refreshed: %s calendars, %s added, %s changed, %s removed, "
        "%s mappings unset, %s new event types%s",
        config.integration_id,
        result.calendars,
        len(result.added),
        len(result.renamed),
        len(result.removed),
        len(result.unmapped),
        len(result.new_event_types),
        "; Mobilize's event types not read" if result.mobilize_error else "",
    )
    return result


# --- Cadence --------------------------------------------------------------------------------------
def use_seed_cadence(integration: Integration) -> None:
    """The seed's cadence: stop following the mirror; run at midnight and noon New York time (and on demand)."""
    services.run_on_crontab_only(integration, SEED_CRONTAB, SEED_TIMEZONE)
