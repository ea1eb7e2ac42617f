"""The emulated Ascend accounts' data (docs/connectors/ascend.md): members by phone, groups and
their members, flows, the flow starts and messages a sync asked for.

Everything belongs to an account; the API key in a request's `Authorization: Bearer` header names
the account. Phones are stored in E.164 (`+12155550101`), as the API takes and answers them.
"""

from __future__ import annotations

import hashlib

from django.db import models


def key_digest(api_key: str) -> str:
    """How an API key is stored and looked up (SHA-256; the key itself is never stored).

    Unsalted, so that a request's key can be found with one indexed lookup: API keys are long
    random strings, not passwords a dictionary could guess.
    """
    return hashlib.sha256(api_key.encode()).hexdigest()


class Account(models.Model):
    """An Ascend account, reached with its API key."""

    name = models.CharField(max_length=255, unique=True)
    api_key_digest = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(default=True, help_text="An inactive account's key gets 401.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_api_key(self, api_key: str) -> None:
        self.api_key_digest = key_digest(api_key)


class SubscriptionStatus(models.TextChoices):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"


class Member(models.Model):
    """A person of the account, unique by phone. An unsubscribed member is never changed by the API."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="members")
    phone = models.CharField(max_length=16, help_text="E.164, e.g. +12155550101.")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    zip = models.CharField(max_length=20, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    subscription_status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.SUBSCRIBED
    )
    opt_in_source = models.CharField(max_length=100, blank=True)
    opt_in_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["account", "phone"], name="ascend_one_member_per_phone")]

    def __str__(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return f"{name} ({self.phone})" if name else self.phone

    @property
    def is_subscribed(self) -> bool:
        return self.subscription_status == SubscriptionStatus.SUBSCRIBED


class GroupKind(models.TextChoices):
    EVENT = "event"
    LIST = "list"


class Group(models.Model):
    """A group of members; `external_id` (the caller's id, e.g. a Mobilize event's) is unique per account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=8, choices=GroupKind.choices, default=GroupKind.LIST)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    members = models.ManyToManyField(Member, through="GroupMembership", related_name="groups")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # NULLs are distinct: any number of groups may have no external_id.
            models.UniqueConstraint(fields=["account", "external_id"], name="ascend_one_group_per_external_id")
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class GroupMembership(models.Model):
    """A member in a group (once)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["group", "member"], name="ascend_one_membership")]

    def __str__(self) -> str:
        return f"{self.member} in {self.group}"


class Flow(models.Model):
    """An automated text conversation the account's staff built in Ascend; the API lists and starts them."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="flows")
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FlowStart(models.Model):
    """A flow fired for a member. `idempotency_key`, when given, is unique per account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="flow_starts")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="starts")
    member = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="flow_starts")
    phone = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "flow start"
        constraints = [models.UniqueConstraint(fields=["account", "idempotency_key"], name="ascend_one_start_per_key")]

    def __str__(self) -> str:
        return f"{self.flow} for {self.phone}"


class Message(models.Model):
    """A text sent to a member. `idempotency_key`, when given, is unique per account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="messages")
    member = models.ForeignKey(Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages")
    phone = models.CharField(max_length=16)
    body = models.TextField()
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "idempotency_key"], name="ascend_one_message_per_key")
        ]

    def __str__(self) -> str:
        return f"Message #{self.pk} to {self.phone}"
