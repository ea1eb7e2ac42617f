"""The emulated Mobile Commons companies' data (docs/connectors/mobilecommons.md): campaigns and
their opt-in paths, profiles keyed on the phone number, their subscriptions, and every Welcome
message "sent".

Everything belongs to an account (a Mobile Commons company), reached with HTTP Basic auth (a
login and password) plus `company=<key>` when the account has a company key. Ids (campaign, opt-in
path, profile) are the primary keys, as Mobile Commons' ids are global numbers. Phones are stored
as digits with the country code (`12025550123`); times as aware UTC datetimes, which the API
writes as `2026-12-01 09:00:00 UTC`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import models
from django.utils import timezone


def _salted_digest(value: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256((salt + value).encode()).hexdigest()}"


class Account(models.Model):
    """A Mobile Commons company and the API login that reaches it.

    One login may reach several companies: each is an account with the same login and its own
    company key, and requests name the company with `company=<key>`. The password is kept as a
    salted SHA-256 digest (Django's slow hashers would make every emulated API call cost ~0.3 s).
    """

    login = models.EmailField(help_text="The Mobile Commons login (email) of HTTP Basic auth.")
    password_digest = models.CharField(max_length=200, editable=False)
    company_key = models.CharField(
        max_length=100,
        blank=True,
        help_text="Empty for a login with one company; otherwise requests must send company=<this key>.",
    )
    name = models.CharField(max_length=255, help_text="The company's name.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["login", "company_key"], name="mobilecommons_one_account_per_company")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.login}{', ' + self.company_key if self.company_key else ''})"

    def set_password(self, password: str) -> None:
        self.password_digest = _salted_digest(password)

    def check_password(self, password: str) -> bool:
        salt, _, digest = self.password_digest.partition("$")
        if not digest:
            return False
        return hmac.compare_digest(self.password_digest, _salted_digest(password, salt))


class Campaign(models.Model):
    """A campaign: the list a number subscribes to, through one of its opt-in paths."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=255)
    active = models.BooleanField(default=True, help_text="An inactive campaign's paths subscribe nobody.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class OptInPath(models.Model):
    """A way into a campaign (web form, keyword, API); subscribing through it sends its Welcome message."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="opt_in_paths")
    name = models.CharField(max_length=255)

    class Meta:
        ordering = ["id"]
        verbose_name = "opt-in path"

    def __str__(self) -> str:
        return f"{self.name} ({self.campaign.name})"


class Profile(models.Model):
    """A phone number of the account and what is known of its owner (unique per account by phone).

    `opted_out_at` set means the number opted out: sticky, the API never subscribes it again.
    `created_at` and `updated_at` are set by the sandbox's rules (rules.py), not by Django, so that
    a change bumps `updated_at` and a request that changes nothing leaves it alone.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="profiles")
    phone_number = models.CharField(max_length=16, help_text="Digits with the country code: 12025550123.")
    email = models.CharField(max_length=254, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    street1 = models.CharField(max_length=255, blank=True)
    street2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    custom_columns = models.JSONField(
        default=dict, blank=True, help_text="Column name -> value; the Action Network id is constituent_id."
    )
    source_type = models.CharField(max_length=50, blank=True, help_text="How the profile came: Web, Keyword, API.")
    source_name = models.CharField(max_length=255, blank=True)
    source_opt_in_path = models.ForeignKey(
        OptInPath, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_out_source = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["updated_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "phone_number"], name="mobilecommons_one_profile_per_phone")
        ]
        indexes = [models.Index(fields=["account", "updated_at", "id"], name="mobilecommons_profile_updated")]

    def __str__(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return f"{name} ({self.phone_number})" if name else self.phone_number

    @property
    def constituent_id(self) -> str:
        return str(self.custom_columns.get("constituent_id") or "")


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "Active"
    OPTED_OUT = "Opted-Out"


class Subscription(models.Model):
    """A number's subscription to a campaign: at most one per campaign, ever (once-only opt-in)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="subscriptions")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="subscriptions")
    opt_in_path = models.ForeignKey(
        OptInPath, null=True, blank=True, on_delete=models.SET_NULL, related_name="subscriptions"
    )
    status = models.CharField(max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE)
    activated_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "campaign"], name="mobilecommons_one_subscription_per_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.profile.phone_number} in {self.campaign.name}: {self.status}"


class WelcomeMessage(models.Model):
    """An opt-in path's Welcome message "sent" to a number when it subscribed (tests count them)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="welcome_messages")
    phone = models.CharField(max_length=16)
    opt_in_path = models.ForeignKey(OptInPath, on_delete=models.CASCADE, related_name="welcome_messages")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = "welcome message"

    def __str__(self) -> str:
        return f"Welcome of {self.opt_in_path.name} to {self.phone}"
