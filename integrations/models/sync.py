"""The engine's records: runs, items, the idempotency ledger, watermarks, the retry queue, locks."""

from __future__ import annotations

from datetime import timedelta

from django.db import models

from .integration import Integration


class SyncRun(models.Model):
    """One execution of an integration's flow, with its counts and timings."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partial (some items failed)"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (another run held the lock)"
        # The worker died (or lost its lock) mid-run; the counts are those saved before it stopped.
        INTERRUPTED = "interrupted", "Interrupted (worker stopped)"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Sync now (admin)"
        RETRY = "retry", "Retry failed items"
        COMMAND = "command", "Command line"
        API = "api", "API"
        RECOVERY = "recovery", "Recovery after an interrupted run"
        MIRROR = "mirror", "Mirror change"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    dry_run = models.BooleanField(default=False)
    full_resync = models.BooleanField(default=False)
    retry_only = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # {"events": {"before": 1700000000, "after": 1700000500, "fetched": 12, ...}, ...}
    streams = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, help_text="Why the run failed or was skipped, in plain words.")

    COUNTERS = ("fetched", "created", "updated", "unchanged", "skipped", "failed")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["integration", "-started_at"])]

    def __str__(self) -> str:
        return f"Run #{self.pk} of {self.integration.name}: {self.status}"

    @property
    def duration(self) -> timedelta | None:
        if self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class SyncItem(models.Model):
    """What happened to one source record in one run. Unchanged records are counted, not itemised."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        WOULD_CREATE = "would_create", "Would create (dry run)"
        WOULD_UPDATE = "would_update", "Would update (dry run)"
        # Linked to a record the destination already held, which needed no write (a volunteer
        # matched to an existing contact by email): counted unchanged, itemised so it is findable.
        MATCHED = "matched", "Matched an existing record (nothing written)"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="items")
    stream = models.CharField(max_length=64)
    source_type = models.CharField(max_length=64)
    source_id = models.CharField(max_length=128, db_index=True)
    # What support staff search by: an email address or an event title. Never a full record.
    label = models.CharField(max_length=255, blank=True, db_index=True)
    destination_type = models.CharField(max_length=64, blank=True)
    destination_id = models.CharField(max_length=128, blank=True, db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices, db_index=True)
    error = models.TextField(blank=True)
    retryable = models.BooleanField(default=False)
    retry_count = models.PositiveIntegerField(default=0)
    # For a failed item: the later run in which its record went through (or was dropped).
    resolved_by = models.ForeignKey(
        "SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="resolved_items"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.source_type} {self.source_id}: {self.action}"


class RecordLink(models.Model):
    """The idempotency ledger: which destination record a source record became, and its payload hash."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="links")
    source_type = models.CharField(max_length=64)
    source_id = models.CharField(max_length=128)
    # The source record this one belongs to, e.g. a timeslot's event id ("" when none).
    parent_id = models.CharField(max_length=128, blank=True, default="")
    destination_type = models.CharField(max_length=64)
    destination_id = models.CharField(max_length=128)
    payload_hash = models.CharField(max_length=64)
    # Destination-side bookkeeping a flow needs on the next update (e.g. ActionKit eventfield ids).
    extra = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "source_type", "source_id"], name="one_link_per_source_record"
            )
        ]
        indexes = [
            models.Index(fields=["integration", "destination_type", "destination_id"]),
            models.Index(fields=["integration", "source_type", "parent_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.source_type} {self.source_id} -> {self.destination_type} {self.destination_id}"


class Watermark(models.Model):
    """How far a stream has read its source (a Unix timestamp), advanced when the stream finishes."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="watermarks")
    stream = models.CharField(max_length=64)
    value = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "stream"], name="one_watermark_per_stream")]

    def __str__(self) -> str:
        return f"{self.integration.name}/{self.stream} = {self.value}"


class PendingRetry(models.Model):
    """The retry queue: a source record that failed and is tried again on every later run.

    The record is kept so that it is retried even when the source no longer reports it as
    changed; it is deleted as soon as the record goes through.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="pending_retries")
    stream = models.CharField(max_length=64)
    source_id = models.CharField(max_length=128)
    parent_id = models.CharField(max_length=128, blank=True, default="")
    label = models.CharField(max_length=255, blank=True)
    record = models.JSONField()
    modified_at = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    retryable = models.BooleanField(default=True)
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(auto_now_add=True)
    last_failed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "stream", "source_id"], name="one_retry_per_record")
        ]
        verbose_name = "pending retry"
        verbose_name_plural = "pending retries"

    def __str__(self) -> str:
        return f"{self.stream} {self.source_id} ({self.attempts} attempts)"


class SyncLock(models.Model):
    """Who holds the per-integration lock: the visible record of the lock (engine/lock.py).

    On PostgreSQL the lock itself is a session advisory lock held by the run's own database
    connection (freed by the database when the worker dies); this row names the holder for
    people and for dead-holder detection. On SQLite this row is the lock: a lease renewed by a
    heartbeat thread.
    """

    integration = models.OneToOneField(Integration, on_delete=models.CASCADE, primary_key=True, related_name="lock")
    # host:pid:random, so a holder on this host can be checked for life by its pid.
    holder = models.CharField(max_length=128)
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"{self.integration_id} held by {self.holder} until {self.expires_at}"
