"""Nudges: text a member who followed a tracked link but did not submit the Mobilize form (issue 16, item 4).

A Nudge hangs from a TrackedLink. A member link of it is due once one of its clicks is `delay` old
and it has no FormSubmission; the nudge is sent at most once per member link (NudgeSend is unique
per nudge and member link, and Ascend's idempotency key is derived from that pair), never outside
the nudge's sending hours, never after it expires. integrations/nudges.py does the sending.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from .ascend_links import MemberLink, TrackedLink

# The admin suggests at least this delay (a warning, not a refusal: a shorter one may be wanted).
SUGGESTED_MIN_DELAY = timedelta(days=1)
MESSAGE_MAX_LENGTH = 1600  # the sandbox's (and Ascend's documented) longest message body

HOUR_VALIDATORS = [MinValueValidator(0), MaxValueValidator(23)]


class Nudge(models.Model):
    """The "Link clicked, no form submission" nudge: a text to members who clicked a tracked link, did not sign up."""

    tracked_link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="nudges")
    name = models.CharField(max_length=200, blank=True, help_text="For the admin's lists only.")
    message = models.TextField(max_length=MESSAGE_MAX_LENGTH, help_text="The text sent to the member.")
    delay = models.DurationField(
        default=SUGGESTED_MIN_DELAY,
        help_text="How long after the member's first click to wait for a form submission. "
        "At least 1 day is suggested (e.g. '1 00:00:00'; hours: '04:00:00').",
    )
    only_group_id = models.CharField(
        "only members of Ascend group",
        max_length=100,
        blank=True,
        help_text="An Ascend group id: only members in that group when the nudge is due get it "
        "(the others are recorded as skipped). Blank: every member who clicked.",
    )
    quiet_start_hour = models.PositiveSmallIntegerField(
        default=21, validators=HOUR_VALIDATORS, help_text="No texts from this hour (0-23) ..."
    )
    quiet_end_hour = models.PositiveSmallIntegerField(
        default=9,
        validators=HOUR_VALIDATORS,
        help_text="... until this hour (0-23), in the time zone below. The same hour twice: no quiet hours.",
    )
    time_zone = models.CharField(max_length=64, default="America/New_York", help_text="An IANA time zone name.")
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Nothing is sent from this moment on. Blank: never expires."
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.name or f"Nudge #{self.pk} on {self.tracked_link}"

    def clean(self) -> None:
        from integrations.services import check_timezone

        errors = {}
        try:
            self.time_zone = check_timezone(self.time_zone)
        except ValueError as exc:
            errors["time_zone"] = str(exc)
        if self.delay is not None and self.delay <= timedelta(0):
            errors["delay"] = "The delay must be longer than zero."
        if not (self.message or "").strip():
            errors["message"] = "The message must not be empty."
        if errors:
            raise ValidationError(errors)


class NudgeSend(models.Model):
    """One member link's nudge: written before the text is sent, so a crash in between never sends twice."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending (being sent, or retried on the next minute)"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    nudge = models.ForeignKey(Nudge, on_delete=models.CASCADE, related_name="sends")
    member_link = models.ForeignKey(MemberLink, on_delete=models.CASCADE, related_name="nudge_sends")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField("Ascend message id", max_length=200, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [models.UniqueConstraint(fields=("nudge", "member_link"), name="nudge_once_per_member_link")]

    def __str__(self) -> str:
        return f"{self.nudge} to member link {self.member_link_id}: {self.state}"

    @property
    def idempotency_key(self) -> str:
        """The key Ascend dedupes the text by: the same for every attempt of this nudge to this member link."""
        return nudge_key(self.nudge_id, self.member_link_id)


def nudge_key(nudge_id: int, member_link_id: int) -> str:
    """Ascend's idempotency key for one nudge to one member link."""
    return f"nudge-{nudge_id}-{member_link_id}"
