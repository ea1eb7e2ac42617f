"""The Mobilize mirror: one local copy per organization of what Mobilize shows it (DESIGN.md).

Written only by the mirror's refresh (integrations/mirror/refresh.py) and purge; read by flows
through integrations/mirror/reader.py. See integrations/mirror/README.md for the contract.
"""

from __future__ import annotations

from django.db import models

from .integration import Integration
from .tenancy import Organization


class RecordType(models.TextChoices):
    """What a mirror record is. Names follow Mobilize's resources."""

    ORGANIZATION = "organization", "Organization"
    PROMOTED_ORGANIZATION = "promoted_organization", "Promoted organization"
    EVENT = "event", "Event"
    DELETED_EVENT = "deleted_event", "Deleted event"
    ATTENDANCE = "attendance", "Attendance"
    PERSON = "person", "Person"


class MirrorRecord(models.Model):
    """One Mobilize record as Mobilize returned it, with the local change sequence.

    `seq` comes from the organization's MirrorState under a row lock, in the same transaction
    as the write, so sequence numbers become visible in order: a reader that has seen seq N
    never later finds a new record below N. It moves only when `content_hash` (of `data` and
    `deleted`) changes.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="mirror_records")
    record_type = models.CharField(max_length=32, choices=RecordType.choices)
    # Mobilize's id; a person's user_id; a withheld attendance keyed as the ActionKit flow keys it.
    mobilize_id = models.CharField(max_length=128)
    data = models.JSONField()
    # Mobilize's modified_date (deleted events: deleted_date), Unix seconds.
    modified_at = models.BigIntegerField(null=True, blank=True)
    # Gone from Mobilize's lists: a deleted event, its attendances, an organization no longer promoted.
    deleted = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    # Derived keys (never personal data) for deletion cascades and retention.
    event_id = models.CharField(max_length=64, blank=True, default="")
    timeslot_id = models.CharField(max_length=64, blank=True, default="")
    person_id = models.CharField(max_length=64, blank=True, default="")
    # Events: the end of their last timeslot; attendances: the end of their timeslot (Unix seconds).
    ends_at = models.BigIntegerField(null=True, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "record_type", "mobilize_id"], name="one_mirror_record_per_id"
            ),
            models.UniqueConstraint(fields=["organization", "seq"], name="one_mirror_record_per_seq"),
        ]
        indexes = [
            models.Index(fields=["organization", "record_type", "seq"], name="mirror_changes"),
            models.Index(fields=["organization", "record_type", "event_id"], name="mirror_by_event"),
            models.Index(fields=["organization", "record_type", "person_id"], name="mirror_by_person"),
        ]
        verbose_name = "mirror record"

    def __str__(self) -> str:
        return f"{self.record_type} {self.mobilize_id} (seq {self.seq})"


class MirrorState(models.Model):
    """Per organization: the next change sequence number and how its refreshes go."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="mirror_state"
    )
    next_seq = models.BigIntegerField(default=1)
    last_refresh_at = models.DateTimeField(null=True, blank=True)
    last_change_at = models.DateTimeField(null=True, blank=True)
    # A refresh ran out of its time slice with pages left: the next tick continues it.
    more_to_read = models.BooleanField(default=False)
    # Set when a refresh is queued, cleared when it starts (debounces the tick).
    refresh_queued_at = models.DateTimeField(null=True, blank=True)
    # When the organization and its promoted organizations were last read (read less often).
    organizations_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "mirror state"

    def __str__(self) -> str:
        return f"Mirror of {self.organization_id} (next seq {self.next_seq})"


class MirrorStream(models.Model):
    """How far the refresh has read one Mobilize stream of one organization.

    A pass reads `updated_since = pass_since` page by page; `next_url` (Mobilize's cursor link)
    is saved after each page's records are stored, so a refresh cut short (time slice, crash)
    resumes at that page. When a pass ends, `watermark` becomes the time it started: anything
    modified during a pass, however long, is read again by the next one.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="mirror_streams")
    stream = models.CharField(max_length=32)
    watermark = models.BigIntegerField(null=True, blank=True)
    pass_since = models.BigIntegerField(null=True, blank=True)
    pass_started_at = models.BigIntegerField(null=True, blank=True)
    next_url = models.TextField(blank=True, default="")
    pages_read = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "stream"], name="one_mirror_stream")]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.stream} watermark {self.watermark}"


class MirrorCursor(models.Model):
    """How far one integration's stream has read the mirror (a change sequence number)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="mirror_cursors")
    stream = models.CharField(max_length=64)
    seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "stream"], name="one_mirror_cursor")]

    def __str__(self) -> str:
        return f"{self.integration_id}/{self.stream} at seq {self.seq}"


class MirrorFanOut(models.Model):
    """A run of an integration queued because the mirror changed (debounce marker).

    Present from the fan-out until the run starts; while present (and younger than its TTL)
    the integration is not queued again.
    """

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, primary_key=True, related_name="mirror_fan_out"
    )
    queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.integration_id} queued at {self.queued_at}"
