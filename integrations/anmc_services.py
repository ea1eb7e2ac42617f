"""Action Network <-> Mobile Commons operations the admin (and the flow, commands, the API) call.

One AnMcConfig holds both accounts, the seed's settings (shared/seeds/003), the field mappings
and the active state. Activate writes the two django-celery-beat schedules of the pair: the
nightly pull (Action Network people -> Mobile Commons profiles, early morning in the
organization's time zone) and the five-minute daytime push (Mobile Commons opt-ins and opt-outs ->
Action Network). Both run the same integration, limited to one stream each, so the two directions
never run at once (the integration's lock). The integration's own schedule stays empty.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from integrations import services
from integrations.connectors.errors import ConnectorError
from integrations.models import Integration, IntegrationKind, SyncRun
from integrations.models.anmc import (
    PULL_STREAM,
    PUSH_STREAM,
    AnMcConfig,
    McOptInPath,
    ensure_field_mappings,
)
from integrations.pdi_services import readable_error

if TYPE_CHECKING:
    from integrations.connectors.actionnetwork import ActionNetworkClient
    from integrations.connectors.mobilecommons import MobileCommonsClient

logger = logging.getLogger("integrations.anmc")

PUSH_EVERY_MINUTES = 5
PATH_NAME_MAX_LENGTH = McOptInPath._meta.get_field("name").max_length
CAMPAIGN_NAME_MAX_LENGTH = McOptInPath._meta.get_field("campaign_name").max_length
MC_ID_MAX_LENGTH = McOptInPath._meta.get_field("mc_id").max_length


# --- Settings ----------------------------------------------------------------------------------------
def ensure_config(integration: Integration) -> AnMcConfig:
    """The integration's settings row, created (with the default field mapping rows) if it has none."""
    if integration.kind != IntegrationKind.ACTIONNETWORK_MOBILECOMMONS:
        raise ValueError(f"{integration.name} is not an Action Network <-> Mobile Commons integration.")
    config, _ = AnMcConfig.objects.get_or_create(integration=integration)
    ensure_field_mappings(config)
    return config


def configuration_problems(config: AnMcConfig) -> list[str]:
    """What keeps the pair from syncing (and from being activated), in sentences; nothing remote is asked."""
    problems = []
    if not config.an_api_token:
        problems.append("Enter the Action Network OSDI API token in Configure Integration and save.")
    missing = [label for label, value in (("login", config.mc_login), ("password", config.mc_password)) if not value]
    if missing:
        problems.append(f"Enter the Mobile Commons {' and '.join(missing)} in Configure Integration and save.")
    if not config.opt_in_field.strip():
        problems.append("Enter the Action Network mobile opt-in Boolean field name in Configure Integration and save.")
    return problems


NO_OPT_IN_PATH = (
    "No default web opt-in path is chosen (optional, the seed says): people pulled from Action Network get "
    "profiles but are not subscribed, whatever their opt-in. Choose one in Configure Integration to subscribe them."
)


def config_secrets(config: AnMcConfig) -> tuple[str, ...]:
    """Every credential a message about this config must never show."""
    return (
        config.an_password or "",
        config.an_api_token or "",
        config.mc_password or "",
        config.integration.organization.mobilize_api_key or "",
    )


# --- Clients ---------------------------------------------------------------------------------------
def action_network_client(config: AnMcConfig) -> ActionNetworkClient:
    """An Action Network client with the config's OSDI API token, at the config's base URL.

    Raises ValueError (a readable sentence) when the token is missing.
    """
    if not config.an_api_token:
        raise ValueError("Enter the Action Network OSDI API token in Configure Integration and save.")
    # Imported here: the admin works (and its tests run) without the connector package loaded.
    from integrations.connectors.actionnetwork import ActionNetworkClient

    return ActionNetworkClient(config.an_base_url, config.an_api_token)


def mobile_commons_client(config: AnMcConfig) -> MobileCommonsClient:
    """A Mobile Commons client with the config's login, password and company key, at its base URL.

    Raises ValueError (a readable sentence) when the login or the password is missing.
    """
    if not (config.mc_login and config.mc_password):
        raise ValueError("Enter the Mobile Commons login and password in Configure Integration and save.")
    from integrations.connectors.mobilecommons import MobileCommonsClient

    return MobileCommonsClient(
        config.mc_base_url, config.mc_login, config.mc_password, company_key=config.mc_company_key or None
    )


def test_connection(config: AnMcConfig) -> list[str]:
    """Ask both systems whether the credentials work; the sentences of what was checked.

    Both are asked even when the first fails, so one answer says what is wrong with each. Raises
    ConnectorError (ValueError when only settings are missing) naming the system that failed, the
    other's outcome included; credentials never appear in it.
    """
    checks: list[str] = []
    failures: list[str] = []
    only_settings = True
    for system, client_for in (("Action Network", action_network_client), ("Mobile Commons", mobile_commons_client)):
        try:
            checks.extend(client_for(config).test())
        except (ConnectorError, ValueError) as exc:
            only_settings = only_settings and not isinstance(exc, ConnectorError)
            failures.append(f"{system} failed: {readable_error(exc, *config_secrets(config))}")
    if failures:
        message = " ".join([*failures, *checks])
        raise ValueError(message) if only_settings else ConnectorError(message)
    return checks


# --- Refresh opt-in paths ----------------------------------------------------------------------------
def _path_label(name: str, campaign_name: str) -> str:
    return f"{name} ({campaign_name})" if campaign_name else name


def _remote_paths(campaigns: Any) -> tuple[dict[str, dict[str, str]], list[str]]:
    """{mc_id: row fields} of the opt-in paths of active campaigns, and the names of inactive campaigns."""
    paths: dict[str, dict[str, str]] = {}
    inactive: list[str] = []
    for campaign in campaigns:
        if not isinstance(campaign, dict) or campaign.get("id") in (None, ""):
            raise ValueError("Mobile Commons listed a campaign without an id; the opt-in paths were not changed.")
        campaign_id = str(campaign["id"])[:MC_ID_MAX_LENGTH]
        campaign_name = str(campaign.get("name") or f"Campaign {campaign_id}")[:CAMPAIGN_NAME_MAX_LENGTH]
        if not campaign.get("active", True):
            # An inactive campaign takes no new subscribers: its paths cannot be the default.
            inactive.append(campaign_name)
            continue
        for path in campaign.get("opt_in_paths") or []:
            if not isinstance(path, dict) or path.get("id") in (None, ""):
                raise ValueError("Mobile Commons listed an opt-in path without an id; the paths were not changed.")
            mc_id = str(path["id"])[:MC_ID_MAX_LENGTH]
            paths.setdefault(
                mc_id,
                {
                    "name": str(path.get("name") or f"Opt-in path {mc_id}")[:PATH_NAME_MAX_LENGTH],
                    "campaign_id": campaign_id,
                    "campaign_name": campaign_name,
                },
            )
    return paths, inactive


def refresh_opt_in_paths(config: AnMcConfig) -> list[str]:
    """Read the account's campaigns and opt-in paths from Mobile Commons and store the paths; sentences.

    Paths are upserted by their Mobile Commons id (a renamed path stays the default); paths Mobile
    Commons no longer lists, and paths of inactive campaigns, are deleted, and the sentences name
    them; when the default was one of them the default is cleared and a sentence says so.
    Raises ConnectorError or ValueError (readable) when Mobile Commons cannot be read: then nothing
    changes.
    """
    remote, inactive = _remote_paths(mobile_commons_client(config).campaigns())
    added: list[str] = []
    changed: list[str] = []
    removed: list[str] = []
    default_cleared = ""
    with transaction.atomic():
        stored = {path.mc_id: path for path in McOptInPath.objects.select_for_update().filter(config=config)}
        for mc_id, fields in remote.items():
            path = stored.get(mc_id)
            label = _path_label(fields["name"], fields["campaign_name"])
            if path is None:
                McOptInPath.objects.create(config=config, mc_id=mc_id, **fields)
                added.append(label)
            elif any(getattr(path, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(path, name, value)
                path.save(update_fields=list(fields))
                changed.append(label)
        gone = [path for mc_id, path in stored.items() if mc_id not in remote]
        if gone:
            gone_ids = {path.pk for path in gone}
            if config.default_opt_in_path_id in gone_ids:
                default_cleared = str(next(path for path in gone if path.pk == config.default_opt_in_path_id))
            removed = [str(path) for path in gone]
            # The default is SET_NULL: deleting its path clears it.
            McOptInPath.objects.filter(pk__in=gone_ids).delete()
        config.refresh_from_db(fields=["default_opt_in_path"])
        config.opt_in_paths_refreshed_at = timezone.now()
        config.save(update_fields=["opt_in_paths_refreshed_at"])

    count = len(remote)
    sentences = [f"Mobile Commons lists {count} opt-in path{'s' if count != 1 else ''} in active campaigns."]
    if added:
        sentences.append(f"New: {', '.join(added)}.")
    if changed:
        sentences.append(f"Renamed or moved: {', '.join(changed)}.")
    if removed:
        sentences.append(f"No longer listed, removed: {', '.join(removed)}.")
    if not (added or changed or removed):
        sentences.append("No opt-in path changed.")
    if inactive:
        sentences.append(f"Paths of inactive campaigns are not offered: {', '.join(inactive)}.")
    if default_cleared:
        state = " No sync runs until one is chosen." if config.active else ""
        sentences.append(
            f"The default web opt-in path, {default_cleared}, is no longer listed: choose another one in "
            f"Configure Integration.{state}"
        )
    logger.info(
        "Opt-in paths of integration %s refreshed: %s listed, %s new, %s changed, %s removed%s",
        config.integration_id,
        count,
        len(added),
        len(changed),
        len(removed),
        "; the default was cleared" if default_cleared else "",
    )
    return sentences


# --- Activate / Deactivate and the two schedules ---------------------------------------------------
def _zone(config: AnMcConfig) -> ZoneInfo:
    return ZoneInfo(services.check_timezone(config.time_zone))


def first_sync_time(config: AnMcConfig) -> time:
    """The time of day of the first run on a day: the pull or the first push, whichever is earlier."""
    return min(config.pull_time, time(config.push_from_hour % 24))


def waiting_for_first_sync(config: AnMcConfig, *, now: datetime | None = None) -> bool:
    """Whether the config is active and its first sync day (in its time zone) has not begun yet."""
    if not config.active or config.first_sync_on is None:
        return False
    today = (now or timezone.now()).astimezone(_zone(config)).date()
    return today < config.first_sync_on


def _task_name(config: AnMcConfig, direction: str) -> str:
    integration = config.integration
    # The integration's id keeps the name unique (PeriodicTask.name is); the rest is for people.
    return f"AN <-> MC {integration.pk} {direction}: {integration.organization.name} / {integration.name}"[:200]


def _write_task(
    config: AnMcConfig, task: PeriodicTask | None, direction: str, stream: str, crontab: CrontabSchedule
) -> PeriodicTask:
    zone = _zone(config)
    start = datetime.combine(config.first_sync_on or timezone.now().astimezone(zone).date(), time(0), tzinfo=zone)
    name = _task_name(config, direction)
    # A task of this name left unlinked (its link cleared by hand) is taken back, not duplicated.
    task = task or PeriodicTask.objects.filter(name=name).first() or PeriodicTask(task=services.RUN_TASK_NAME)
    task.name = name
    task.task = services.RUN_TASK_NAME
    task.interval, task.crontab, task.solar, task.clocked = None, crontab, None, None
    task.kwargs = json.dumps(
        {"integration_id": config.integration_id, "trigger": SyncRun.Trigger.SCHEDULE, "stream_names": [stream]}
    )
    task.one_off = False
    task.start_time = start
    # Beat treats a task that never ran as overdue the moment start_time passes (a pull and a push
    # at midnight). Counting start_time as the last run makes the first run the crontab's first
    # time after it: the pull at its hour, the push at its first daytime slot.
    if task.last_run_at is None or task.last_run_at < start:
        task.last_run_at = start
    task.enabled = config.active
    task.save()
    return task


def _write_schedules(config: AnMcConfig) -> tuple[PeriodicTask, PeriodicTask]:
    tz = services.check_timezone(config.time_zone)
    every_day = {"day_of_month": "*", "month_of_year": "*", "day_of_week": "*", "timezone": tz}
    pull_cron, _ = CrontabSchedule.objects.get_or_create(
        minute=str(config.pull_time.minute), hour=str(config.pull_time.hour), **every_day
    )
    push_cron, _ = CrontabSchedule.objects.get_or_create(
        minute=f"*/{PUSH_EVERY_MINUTES}", hour=f"{config.push_from_hour}-{config.push_until_hour - 1}", **every_day
    )
    pull = _write_task(config, config.pull_schedule, "nightly pull", PULL_STREAM, pull_cron)
    push = _write_task(config, config.push_schedule, "daytime push", PUSH_STREAM, push_cron)
    if (config.pull_schedule_id, config.push_schedule_id) != (pull.pk, push.pk):
        config.pull_schedule, config.push_schedule = pull, push
        config.save(update_fields=["pull_schedule", "push_schedule"])
    return pull, push


def activate(config: AnMcConfig, *, now: datetime | None = None) -> str:
    """Activate the pair: the first sync runs the morning after (in the config's time zone); a sentence.

    Writes (creates or rewrites) the nightly pull's and the daytime push's PeriodicTasks, enabled,
    starting at midnight of the next calendar day in the config's time zone. Raises ValueError
    listing configuration_problems when the settings are incomplete; then nothing changes.
    """
    problems = configuration_problems(config)
    if problems:
        raise ValueError("Not activated. " + " ".join(problems))
    if config.active:
        # Activating again must not push the next sync back a day: the schedules are only rewritten.
        sync_schedules(config)
        return f"Already active: {schedule_summary(config)}."
    now = now or timezone.now()
    zone = _zone(config)
    first = now.astimezone(zone).date() + timedelta(days=1)
    with transaction.atomic():
        config.active = True
        config.activated_at = now
        config.first_sync_on = first
        config.save(update_fields=["active", "activated_at", "first_sync_on"])
        _write_schedules(config)
    logger.info("Integration %s activated: first sync on %s (%s)", config.integration_id, first, zone.key)
    sentence = (
        f"Active. The first sync runs on {first.isoformat()} at {first_sync_time(config):%H:%M} ({zone.key}): "
        f"{schedule_summary(config)}."
    )
    if not config.integration.enabled:
        sentence += " The integration itself is disabled: its scheduled runs are skipped until it is enabled."
    return sentence


def deactivate(config: AnMcConfig) -> str:
    """Stop the scheduled syncs (both PeriodicTasks disabled, kept); a sentence."""
    if not config.active:
        return "Already inactive: nothing is synced on a schedule."
    with transaction.atomic():
        config.active = False
        config.save(update_fields=["active"])
        for task in (config.pull_schedule, config.push_schedule):
            if task is not None and task.enabled:
                task.enabled = False
                task.save()  # save(), not update(): beat notices changes through PeriodicTasks
    logger.info("Integration %s deactivated", config.integration_id)
    return "Inactive. Nothing is synced on a schedule until it is activated again; Sync now still works."


def sync_schedules(config: AnMcConfig) -> tuple[PeriodicTask, PeriodicTask] | None:
    """After the settings changed: rewrite both PeriodicTasks of an active config; None when inactive.

    The first sync day stays as activation set it (its midnight is recomputed in the new time zone).
    """
    if not config.active or config.first_sync_on is None:
        return None
    with transaction.atomic():
        return _write_schedules(config)


def delete_schedules(config: AnMcConfig) -> None:
    """Delete both PeriodicTasks (the config is going away with its integration)."""
    PeriodicTask.objects.filter(pk__in=[pk for pk in (config.pull_schedule_id, config.push_schedule_id) if pk]).delete()


def schedules_deleted_with_config(sender: type[AnMcConfig], instance: AnMcConfig, **kwargs: Any) -> None:
    """post_delete receiver (apps.py): a deleted config's PeriodicTasks go too, or beat would fire them forever."""
    delete_schedules(instance)


def schedule_summary(config: AnMcConfig | Integration) -> str:
    """When the pair runs, in words (services.schedule_summary's answer for this kind)."""
    if isinstance(config, Integration):
        try:
            config = config.anmc
        except AnMcConfig.DoesNotExist:
            return "on demand only (not configured)"
    if not config.active:
        return "on demand only (inactive)"
    return (
        f"nightly pull at {config.pull_time:%H:%M}, push every {PUSH_EVERY_MINUTES} minutes from "
        f"{config.push_from_hour:02d}:00 to {config.push_until_hour:02d}:00 ({config.time_zone})"
    )
