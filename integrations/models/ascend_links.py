"""Ascend click-through tracking (shared/seeds/001, "Mobilize Click-Through Tracking"; issue 16).

A TrackedLink is one Mobilize event URL in one outgoing message; it has one MemberLink per
recipient, whose unguessable code is the short URL `/l/<code>`. A Click keeps only when a member
link was followed (no IP, no user agent: no other personal data), and a FormSubmission is a synced
Mobilize attendance whose referrer carried that member link's `utm_content`.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .ascend import AscendConfig, Automation

# secrets.token_urlsafe(12): 16 characters of [A-Za-z0-9_-], 96 random bits.
CODE_BYTES = 12
CODE_LENGTH = 16


def new_code() -> str:
    """A fresh unguessable short-link code (96 random bits, URL-safe)."""
    return secrets.token_urlsafe(CODE_BYTES)


class TrackedLink(models.Model):
    """One Mobilize event URL tracked in one outgoing Ascend message.

    `automation` and `flow_id` say which automation and which Ascend flow sent the message (both
    optional): the Automations and Flow reports group the messages by them. They describe the
    message, so every tracked link of one message carries the same ones (the API keeps it so).
    """

    config = models.ForeignKey(AscendConfig, on_delete=models.CASCADE, related_name="tracked_links")
    message_id = models.CharField("outgoing message id", max_length=200, db_index=True)
    destination_url = models.URLField("Mobilize URL", max_length=2000)
    automation = models.ForeignKey(
        Automation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tracked_links",
        help_text="The automation that sent the message (one of this integration's), if any.",
    )
    flow_id = models.CharField(
        "Ascend flow id",
        max_length=64,
        blank=True,
        db_index=True,
        help_text="The Ascend flow the message belongs to, if any.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.message_id}: {self.destination_url}"

    def clean(self) -> None:
        # An automation's report reads its tracked links by automation alone: another integration's
        # link in it would mix two organizations' figures.
        if self.automation_id and self.config_id and self.automation.config_id != self.config_id:
            raise ValidationError({"automation": "Choose an automation of this Ascend integration."})


class MemberLink(models.Model):
    """One recipient's short link to a tracked link: `/l/<code>`."""

    tracked_link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="member_links")
    phone = models.CharField("member phone (E.164)", max_length=20)
    code = models.CharField(max_length=32, unique=True, default=new_code, editable=False)

    class Meta:
        ordering = ("id",)
        constraints = [models.UniqueConstraint(fields=("tracked_link", "phone"), name="member_link_once_per_phone")]

    def __str__(self) -> str:
        return f"/l/{self.code}"


class Click(models.Model):
    """A member link was followed by a person (not a HEAD request, not a link-preview fetcher)."""

    member_link = models.ForeignKey(MemberLink, on_delete=models.CASCADE, related_name="clicks")
    clicked_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-clicked_at", "-id")

    def __str__(self) -> str:
        return f"Click on member link {self.member_link_id} at {self.clicked_at:%Y-%m-%d %H:%M:%S}"


class ClickBatch(models.Model):
    """A batch of queued clicks written as Click rows (integrations/clicks.py): its name, written once.

    Written in the same transaction as the batch's Click rows and deleted once the batch is gone from
    Redis: a drain that dies between its commit and that deletion leaves the row, and the next drain
    finds it and writes nothing twice.
    """

    name = models.CharField(max_length=100, unique=True)
    written_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """A synced Mobilize attendance attributed to a member link (its referrer's utm_content)."""

    member_link = models.ForeignKey(MemberLink, on_delete=models.CASCADE, related_name="submissions")
    mobilize_attendance_id = models.BigIntegerField()
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ("-submitted_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=("member_link", "mobilize_attendance_id"), name="form_submission_once_per_attendance"
            )
        ]

    def __str__(self) -> str:
        return f"Attendance {self.mobilize_attendance_id} via member link {self.member_link_id}"
