"""Ascend click-through tracking (shared/seeds/001, "Mobilize Click-Through Tracking"; issue 16).

A TrackedLink is one Mobilize event URL in one outgoing message; it has one MemberLink per
recipient, whose unguessable code is the short URL `/l/<code>`. A Click keeps only when a member
link was followed (no IP, no user agent: no other personal data), and a FormSubmission is a synced
Mobilize attendance whose referrer carried that member link's `utm_content`.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from .ascend import AscendConfig

# secrets.token_urlsafe(12): 16 characters of [A-Za-z0-9_-], 96 random bits.
CODE_BYTES = 12
CODE_LENGTH = 16


def new_code() -> str:
    """A fresh unguessable short-link code (96 random bits, URL-safe)."""
    return secrets.token_urlsafe(CODE_BYTES)


class TrackedLink(models.Model):
    """One Mobilize event URL tracked in one outgoing Ascend message."""

    config = models.ForeignKey(AscendConfig, on_delete=models.CASCADE, related_name="tracked_links")
    message_id = models.CharField("outgoing message id", max_length=200, db_index=True)
    destination_url = models.URLField("Mobilize URL", max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.message_id}: {self.destination_url}"


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
