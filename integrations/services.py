"""Operations on integrations that admin actions, commands, tasks and the API call.

Each is a few lines over the engine or the flow; callers stay thin.
"""

from __future__ import annotations

import json
from functools import lru_cache
from zoneinfo import available_timezones

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from integrations.models import Integration, SyncItem, SyncRun

RUN_TASK_NAME = "integrations.run_integration"
DEFAULT_SCHEDULE_MINUTES = 15


def trigger_sync(
    integration: Integration,
    *,
    trigger: str = SyncRun.Trigger.MANUAL,
    dry_run: bool = False,
    full_resync: bool = False,
    retry_only: bool = False,
    retry_keys: list[tuple[str, str]] | None = None,
    stream_names: list[str] | None = None,
) -> None:
    """Queue a run on a Celery worker and return at once (with eager tasks, as in the tests, it runs here).

    `stream_names` limits the run to those streams (one direction of a two-way sync); None: all.
    """
    from integrations.tasks import run_integration

    kwargs = {
        "integration_id": integration.pk,
        "trigger": trigger,
        "dry_run": dry_run,
        "full_resync": full_resync,
        "retry_only": retry_only,
        "retry_keys": [list(key) for key in retry_keys] if retry_keys is not None else None,
        "stream_names": list(stream_names) if stream_names else None,
    }
    transaction.on_commit(lambda: run_integration.delay(**kwargs))


def open_failures(run: SyncRun):
    """The failed items of a run that no later run has settled: their records are still queued."""
    from integrations.models import PendingRetry

    queued = PendingRetry.objects.filter(integration_id=run.integration_id)
    return run.items.filter(action=SyncItem.Action.FAILED, resolved_by__isnull=True).filter(
        source_id__in=queued.values("source_id"), stream__in=queued.values("stream")
    )


def retry_failed_items(run: SyncRun) -> int:
    """Queue a retry of the failed items of one run that are still queued; returns how many are retried.

    Failures a later run (or retry) already settled are not retried again, and when none is left
    no run is queued at all.
    """
    if run.dry_run:
        return 0
    keys = sorted(set(open_failures(run).values_list("stream", "source_id")))
    if keys:
        trigger_sync(run.integration, trigger=SyncRun.Trigger.RETRY, retry_only=True, retry_keys=keys)
    return len(keys)


def test_connection(integration: Integration) -> list[str]:
    """Check the integration's credentials and settings; sentences of what was checked.

    Raises ConnectorError or ValueError with a readable message when something is wrong.
    """
    from integrations.flows.registry import get_flow

    return get_flow(integration).test_connection()


def ensure_schedule(integration: Integration, every_minutes: int = DEFAULT_SCHEDULE_MINUTES) -> PeriodicTask:
    """Give an integration a Celery beat schedule (editable later in the admin) if it has none."""
    if integration.schedule_id:
        return integration.schedule
    interval, _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period=IntervalSchedule.MINUTES)
    task = PeriodicTask.objects.create(
        name=f"Sync integration {integration.pk}: {integration.organization.name} / {integration.name}"[:200],
        task=RUN_TASK_NAME,
        interval=interval,
        kwargs=json.dumps({"integration_id": integration.pk, "trigger": SyncRun.Trigger.SCHEDULE}),
        enabled=integration.enabled,
    )
    integration.schedule = task
    integration.save(update_fields=["schedule", "updated_at"])
    return task


# --- Schedules ------------------------------------------------------------------------------
CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    # Read once: available_timezones() walks the zone database on every call.
    return frozenset(available_timezones())


def check_timezone(name: str | None) -> str:
    """An IANA time zone name as CrontabSchedule stores it ("America/New_York"); blank means UTC.

    Raises ValueError with a readable sentence for a name zoneinfo does not know.
    """
    name = (name or "").strip() or "UTC"
    if name not in _time_zones():
        raise ValueError(f"{name!r} is not a time zone name zoneinfo knows (e.g. UTC, America/New_York).")
    return name


def parse_crontab(line: str) -> dict[str, str]:
    """Split a five-field crontab line ("*/15 6-22 * * 1-5") into CrontabSchedule fields.

    Raises ValueError with a readable sentence when the line is not a valid crontab.
    """
    from django.core.exceptions import ValidationError
    from django_celery_beat.validators import crontab_validator

    parts = line.split()
    if len(parts) != len(CRONTAB_FIELDS):
        raise ValueError(
            f"A crontab line has five fields (minute hour day-of-month month day-of-week), not {len(parts)}: {line!r}."
        )
    try:
        crontab_validator(" ".join(parts))
    except ValidationError as exc:
        raise ValueError(f"{line!r} is not a valid crontab line: {' '.join(exc.messages)}") from None
    return dict(zip(CRONTAB_FIELDS, parts, strict=True))


def set_schedule(
    integration: Integration,
    *,
    every_minutes: int | None = None,
    crontab: str | None = None,
    timezone: str | None = "UTC",
) -> PeriodicTask | None:
    """Set when Celery beat runs an integration: every N minutes, on a crontab line, or only on demand.

    A crontab line is read in `timezone` (an IANA name, UTC by default): "0 0,12 * * *" in
    America/New_York fires at New York's midnight and noon, summer time included.
    Creates or updates the integration's PeriodicTask (enabled exactly when the integration is);
    with neither argument the PeriodicTask is deleted and the integration runs only when triggered.
    Raises ValueError for a bad interval, crontab line or time zone, or when both are given.
    """
    from django_celery_beat.models import CrontabSchedule

    if every_minutes is not None and crontab:
        raise ValueError("Choose either an interval or a crontab line, not both.")
    task = integration.schedule
    if every_minutes is None and not crontab:
        if task is not None:
            integration.schedule = None
            integration.save(update_fields=["schedule", "updated_at"])
            task.delete()
        return None
    interval = cron = None
    if every_minutes is not None:
        if every_minutes < 1:
            raise ValueError("The interval is a whole number of minutes, at least 1.")
        interval, _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period=IntervalSchedule.MINUTES)
    else:
        cron, _ = CrontabSchedule.objects.get_or_create(**parse_crontab(crontab), timezone=check_timezone(timezone))
    if task is None:
        task = PeriodicTask(
            name=f"Sync integration {integration.pk}: {integration.organization.name} / {integration.name}"[:200],
            task=RUN_TASK_NAME,
            kwargs=json.dumps({"integration_id": integration.pk, "trigger": SyncRun.Trigger.SCHEDULE}),
        )
    task.interval, task.crontab = interval, cron
    task.enabled = integration.enabled
    task.save()
    if integration.schedule_id != task.pk:
        integration.schedule = task
        integration.save(update_fields=["schedule", "updated_at"])
    return task


def schedule_summary(integration: Integration) -> str:
    """The schedule in a few words: 'every 15 minutes', 'cron */5 * * * * (UTC)' or 'on demand only'."""
    from integrations.models import IntegrationKind

    if integration.kind == IntegrationKind.ACTIONNETWORK_MOBILECOMMONS:
        # The pair keeps two schedules of its own (the nightly pull and the daytime push).
        from integrations import anmc_services

        return anmc_services.schedule_summary(integration)
    task = integration.schedule
    if task is None:
        return "on demand only"
    if task.interval_id:
        every, period = task.interval.every, task.interval.period
        unit = period.rstrip("s") if every == 1 else period
        text = f"every {every} {unit}" if every != 1 else f"every {unit}"
    elif task.crontab_id:
        c = task.crontab
        text = f"cron {c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week} ({c.timezone})"
    else:
        text = str(task.schedule)
    return text if task.enabled else f"{text} (paused)"


def cadence_summary(integration: Integration) -> str:
    """When the integration runs, in a sentence: after Mobilize changes (if it follows the mirror), on its schedule."""
    from integrations.models import IntegrationKind

    schedule = schedule_summary(integration)
    if integration.kind not in IntegrationKind.mobilize_source_kinds():
        return f"Runs {schedule}." if schedule != "on demand only" else "Runs on demand only."
    if integration.follows_mirror:
        tail = f", and {schedule}" if schedule != "on demand only" else ""
        return f"Follows the mirror: runs within a minute of every Mobilize change{tail}."
    if schedule == "on demand only":
        return "Does not follow the mirror and has no schedule: runs on demand only."
    return f"Does not follow the mirror: runs {schedule}, and on demand."


def follow_mirror(integration: Integration, *, every_minutes: int = DEFAULT_SCHEDULE_MINUTES) -> PeriodicTask | None:
    """Run after every Mobilize change again, with the default interval schedule as a safety net."""
    with transaction.atomic():
        integration.follows_mirror = True
        integration.save(update_fields=["follows_mirror", "updated_at"])
        return set_schedule(integration, every_minutes=every_minutes)


def run_on_crontab_only(integration: Integration, crontab: str, timezone: str) -> PeriodicTask | None:
    """Stop following the mirror and run on a crontab line in `timezone` (and on demand) only.

    The schedule is validated before anything changes, so a bad line leaves the integration as it was.
    """
    parse_crontab(crontab)
    check_timezone(timezone)
    with transaction.atomic():
        integration.follows_mirror = False
        integration.save(update_fields=["follows_mirror", "updated_at"])
        return set_schedule(integration, crontab=crontab, timezone=timezone)


# --- Access: which organizations a user reaches, and with which role ----------------------------
ROLE_RANK = {"viewer": 1, "operator": 2, "admin": 3}


def roles_of(user) -> dict[int, str]:
    """A staff user's roles, organization id -> role, cached on the user object (one query per request)."""
    cached = getattr(user, "_sync_roles", None)
    if cached is None:
        from integrations.models import Membership

        cached = dict(Membership.objects.filter(user_id=user.pk).values_list("organization_id", "role"))
        user._sync_roles = cached
    return cached


def role_allows(role: str | None, needed: str) -> bool:
    """Whether a role includes another: admin > operator > viewer."""
    return role is not None and ROLE_RANK.get(role, 0) >= ROLE_RANK[needed]


def has_role(user, organization_id: int | None, needed: str) -> bool:
    """Whether a user may act with `needed` (a Membership.Role) on one organization; superusers always may."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return organization_id is not None and role_allows(roles_of(user).get(organization_id), needed)


def organization_ids_for(user, needed: str = "viewer") -> list[int] | None:
    """Ids of the organizations where a user has at least `needed`; None means all (a superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return sorted(org_id for org_id, role in roles_of(user).items() if role_allows(role, needed))


def scope_to_user(queryset, user, organization_path: str, needed: str = "viewer"):
    """Filter a queryset to the rows of the organizations a user reaches.

    `organization_path` leads from the model to its Organization ("organization",
    "integration__organization", ...; "" for Organization itself).
    """
    ids = organization_ids_for(user, needed)
    if ids is None:
        return queryset
    lookup = f"{organization_path}__in" if organization_path else "pk__in"
    return queryset.filter(**{lookup: ids})


# --- Overviews and the retry queue -----------------------------------------------------------------
def with_run_overview(queryset):
    """Annotate integrations with their last run (id, status, started_at) and pending failures count."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    from integrations.models import PendingRetry

    last = SyncRun.objects.filter(integration=OuterRef("pk")).order_by("-started_at", "-id")
    pending = (
        PendingRetry.objects.filter(integration=OuterRef("pk"))
        .order_by()
        .values("integration")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        last_run_id=Subquery(last.values("pk")[:1]),
        last_run_status=Subquery(last.values("status")[:1]),
        last_run_started_at=Subquery(last.values("started_at")[:1]),
        pending_failures=Coalesce(Subquery(pending, output_field=IntegerField()), Value(0)),
    )


def retry_pending(entries) -> dict[int, int]:
    """Queue a retry of some retry-queue entries (PendingRetry rows), one run per integration.

    Returns {integration id: number of records retried}.
    """
    by_integration: dict[int, tuple[Integration, list[tuple[str, str]]]] = {}
    for entry in entries:
        integration, keys = by_integration.setdefault(entry.integration_id, (entry.integration, []))
        keys.append((entry.stream, entry.source_id))
    for integration, keys in by_integration.values():
        trigger_sync(integration, trigger=SyncRun.Trigger.RETRY, retry_only=True, retry_keys=sorted(set(keys)))
    return {pk: len(set(keys)) for pk, (_, keys) in by_integration.items()}


# --- The Mobilize mirror (integrations/mirror/) ---------------------------------------------------
def mirror_tick() -> list[int]:
    """Queue a refresh of every organization's mirror that is due; returns the mirror integration ids."""
    from integrations.mirror import refresh

    return refresh.tick()


def refresh_mirror(integration: Integration, *, full: bool = False) -> SyncRun:
    """Refresh one organization's mirror now (full: re-read everything from Mobilize)."""
    from integrations.mirror import refresh

    return refresh.refresh(integration, full=full)


def refresh_from_mobilize(organization) -> Integration:
    """ "Refresh from Mobilize": queue a re-read of everything into the organization's mirror."""
    from integrations.mirror import refresh

    integration = refresh.ensure_mirror_integration(organization)
    trigger_sync(integration, trigger=SyncRun.Trigger.MANUAL, full_resync=True)
    return integration


def run_after_mirror_change(integration: Integration) -> SyncRun | None:
    """Run an integration the mirror fanned out to; None when a run of it is still going (try later)."""
    from integrations.engine import RunOptions, run_sync
    from integrations.mirror import fanout

    if fanout.is_busy(integration.pk):
        from django.conf import settings

        if settings.CELERY_TASK_ALWAYS_EAGER:
            # Inline there is no "later": the running run or the schedule picks the change up.
            fanout.clear_queued(integration.pk)
        return None
    fanout.clear_queued(integration.pk)
    if not integration.enabled or not integration.follows_mirror:
        return None
    return run_sync(integration, RunOptions(trigger=SyncRun.Trigger.MIRROR))


def replay_mirror(integration: Integration) -> int:
    """Let the integration's next run read the whole Mobilize mirror again; returns the cursors reset.

    For a setting that changes what is synced (a PDI calendar mapped to a type that was skipped):
    records synced before and unchanged match their ledger hash and are not written again, so the
    replay writes only what the new setting lets through, and costs Mobilize nothing.
    """
    from integrations.models import MirrorCursor

    deleted, _ = MirrorCursor.objects.filter(integration=integration).delete()
    return deleted


def purge_mirror(*, days: int | None = None, organization=None, dry_run: bool = False):
    """Apply the mirror's retention (MIRROR_RETENTION_DAYS unless `days`); returns a PurgeResult."""
    from integrations.mirror import purge

    return purge.purge(days=days, organization=organization, dry_run=dry_run)


def mirror_deletable(integration: Integration) -> bool:
    """A mirror integration may go only when no integration of its organization reads Mobilize."""
    from integrations.mirror import refresh

    if integration.kind != "mobilize_mirror":
        return True
    return not refresh.has_mobilize_integrations(integration.organization_id)


MIRROR_TICK_TASK, MIRROR_PURGE_TASK = "integrations.mirror_tick", "integrations.purge_mirror"


def ensure_mirror_schedules() -> tuple[PeriodicTask, PeriodicTask]:
    """The mirror's beat tasks: the refresh tick every MIRROR_REFRESH_SECONDS and the daily purge.

    The tick's interval follows the setting each time this runs (beat start); other edits made in
    the admin (enabled, a different daily time) are kept.
    """
    from django.conf import settings

    every, _ = IntervalSchedule.objects.get_or_create(
        every=settings.MIRROR_REFRESH_SECONDS, period=IntervalSchedule.SECONDS
    )
    tick, created = PeriodicTask.objects.get_or_create(
        name="Mobilize mirror: refresh due organizations",
        defaults={"task": MIRROR_TICK_TASK, "interval": every, "kwargs": "{}"},
    )
    if not created and tick.interval_id != every.pk:
        tick.interval = every
        tick.crontab = None
        tick.save()
    daily, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.DAYS)
    purge_task, _ = PeriodicTask.objects.get_or_create(
        name="Mobilize mirror: purge records past retention",
        defaults={"task": MIRROR_PURGE_TASK, "interval": daily, "kwargs": "{}"},
    )
    return tick, purge_task
