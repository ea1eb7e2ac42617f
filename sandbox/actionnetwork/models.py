"""The emulated Action Network groups' data (docs/connectors/actionnetwork.md): people.

A group (`Account`) is reached with its OSDI API token; every person belongs to one. A person has
at most one email address and one phone number (as Action Network effectively keeps them), each
unique within the group: the email case-insensitively, the phone as its 11 digits.
Dates are set by the API and the setup helpers (never `auto_now`), so tests can give any.
"""

from __future__ import annotations

import hashlib
import uuid

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower


def token_digest(token: str) -> str:
    """How an API token is stored and looked up (SHA-256; the token itself is never stored).

    Unsalted, so that a request's token is one indexed lookup: tokens are long random strings,
    not passwords a dictionary could guess.
    """
    return hashlib.sha256(token.encode()).hexdigest()


class Account(models.Model):
    """An Action Network group (a list), reached with its OSDI API token."""

    name = models.CharField(max_length=255)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = "group"

    def __str__(self) -> str:
        return self.name

    def set_token(self, token: str) -> None:
        self.token_digest = token_digest(token)


class EmailStatus(models.TextChoices):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCING = "bouncing"
    PREVIOUS_BOUNCE = "previous bounce"
    SPAM_COMPLAINT = "spam complaint"
    PREVIOUS_SPAM_COMPLAINT = "previous spam complaint"


class PhoneStatus(models.TextChoices):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class Person(models.Model):
    """A person of a group. The API's id is `uuid`; `id` only orders the people list (creation order)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="people")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(max_length=255, blank=True)
    family_name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=254, blank=True)
    email_status = models.CharField(max_length=32, choices=EmailStatus.choices, default=EmailStatus.SUBSCRIBED)
    phone = models.CharField(max_length=11, blank=True, help_text="11 digits with the leading 1, no '+'.")
    number_type = models.CharField(max_length=32, blank=True, default="Mobile")
    phone_status = models.CharField(max_length=16, choices=PhoneStatus.choices, default=PhoneStatus.UNSUBSCRIBED)
    address_lines = models.JSONField(default=list, blank=True)
    locality = models.CharField(max_length=255, blank=True)
    region = models.CharField(max_length=255, blank=True)
    postal_code = models.CharField(max_length=32, blank=True)
    country = models.CharField(max_length=64, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=255, blank=True, help_text="referrer_data.source of the creating signup.")
    created_date = models.DateTimeField()
    modified_date = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                F("account"), Lower("email"), condition=~Q(email=""), name="actionnetwork_one_person_per_email"
            ),
            models.UniqueConstraint(
                fields=["account", "phone"], condition=~Q(phone=""), name="actionnetwork_one_person_per_phone"
            ),
        ]

    def __str__(self) -> str:
        name = " ".join(part for part in (self.given_name, self.family_name) if part)
        contact = self.email or self.phone or str(self.uuid)
        return f"{name} ({contact})" if name else contact


# What a person's API fields are (their own columns): what the setup helpers may set, and what a
# write compares to tell whether it changed the person (and so bumps modified_date).
PERSON_DATA_FIELDS = (
    "given_name",
    "family_name",
    "email",
    "email_status",
    "phone",
    "phone_status",
    "number_type",
    "address_lines",
    "locality",
    "region",
    "postal_code",
    "country",
    "custom_fields",
)
