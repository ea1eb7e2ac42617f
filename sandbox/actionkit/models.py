"""The emulated ActionKit instance's data: API users, mailing lists, campaigns and their pages,
users with phones and list subscriptions, events with custom fields, event signups with custom
fields, and the actions that made them.

Times follow ActionKit: an event's `starts_at` / `ends_at` are the local wall time of the event
(no zone). They are stored as UTC-tagged datetimes whose digits are that wall time, so that the
database and the admin (TIME_ZONE = UTC) show them exactly as ActionKit's API does.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.db import models
from django.db.models.functions import Lower


class ApiUser(models.Model):
    """A staff user allowed to use the REST API with HTTP Basic auth.

    The password is kept as a salted SHA-256 digest: the sandbox checks it on every request, and
    Django's deliberately slow password hashers would make every emulated API call cost ~0.3 s.
    """

    username = models.CharField(max_length=150, unique=True)
    password_digest = models.CharField(max_length=200, editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["username"]
        verbose_name = "API user"

    def __str__(self) -> str:
        return self.username

    def set_password(self, password: str) -> None:
        salt = secrets.token_hex(8)
        self.password_digest = f"{salt}${hashlib.sha256((salt + password).encode()).hexdigest()}"

    def check_password(self, password: str) -> bool:
        salt, _, digest = self.password_digest.partition("$")
        if not digest:
            return False
        return hmac.compare_digest(digest, hashlib.sha256((salt + password).encode()).hexdigest())


class Campaign(models.Model):
    """An event campaign: its events, its host (event create) page and its signup page.

    `max_event_size` is the cap the action processor enforces on `max_attendees` (empty: no cap);
    `default_event_size` is used when an event is created without one.
    """

    name = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=255, blank=True)
    default_event_size = models.PositiveIntegerField(null=True, blank=True)
    max_event_size = models.PositiveIntegerField(null=True, blank=True)
    public_create_page = models.BooleanField(default=True)
    require_email_confirmation = models.BooleanField(default=False)
    require_staff_approval = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title or self.name


class MailingList(models.Model):
    """A mailing list (ActionKit's `list` resource). Every instance has a default list, "Default list"
    (id 1 on a fresh instance, as in ActionKit); a page without a list of its own uses it.
    """

    name = models.CharField(max_length=255, unique=True)
    is_default = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    DEFAULT_NAME = "Default list"

    class Meta:
        ordering = ["id"]
        verbose_name = "mailing list"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="ak_one_default_list"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> MailingList:
        """The instance's default list, made on first use (test databases are emptied between tests)."""
        found = cls.objects.filter(is_default=True).first()
        if found is None:
            found, _ = cls.objects.get_or_create(name=cls.DEFAULT_NAME, defaults={"is_default": True})
            if not found.is_default:
                found.is_default = True
                found.save(update_fields=["is_default", "updated_at"])
        return found


class PageType(models.TextChoices):
    EVENT_CREATE = "EventCreate", "Event create (host) page"
    EVENT_SIGNUP = "EventSignup", "Event signup page"


class Page(models.Model):
    """An action page. Page short names are unique across every page type, as in ActionKit.

    `list` is the mailing list the action processor subscribes a user who acts on the page to
    (unless the action says `suppress_subscribe`); a page saved without one gets the default list.
    """

    name = models.CharField(max_length=255, unique=True, help_text="The page's short name.")
    title = models.CharField(max_length=255, blank=True)
    type = models.CharField(max_length=32, choices=PageType.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="pages")
    list = models.ForeignKey(
        MailingList,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pages",
        help_text="Who acts on the page is subscribed to this list (empty: the default list).",
    )
    status = models.CharField(max_length=16, default="active")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"

    def save(self, *args, **kwargs) -> None:
        if self.list_id is None:
            self.list = MailingList.default()
        super().save(*args, **kwargs)


class User(models.Model):
    """An ActionKit user: one per email address (compared case-insensitively)."""

    email = models.EmailField(max_length=255)
    prefix = models.CharField(max_length=32, blank=True)
    first_name = models.CharField(max_length=255, blank=True)
    middle_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    suffix = models.CharField(max_length=32, blank=True)
    address1 = models.CharField(max_length=255, blank=True)
    address2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=64, blank=True)
    region = models.CharField(max_length=255, blank=True)
    zip = models.CharField(max_length=16, blank=True)
    plus4 = models.CharField(max_length=4, blank=True)
    postal = models.CharField(max_length=32, blank=True)
    country = models.CharField(max_length=255, blank=True, default="United States")
    source = models.CharField(max_length=255, blank=True)
    lang = models.CharField(max_length=16, blank=True)
    # ActionKit's values: "subscribed" (to at least one list), "unsubscribed", "never". Kept in step
    # with the user's Subscription rows by the action processor and the loader.
    subscription_status = models.CharField(max_length=32, default="never")
    token = models.CharField(max_length=16, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(Lower("email"), name="ak_one_user_per_email")]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        if not self.token:
            self.token = secrets.token_urlsafe(6)[:6]
        super().save(*args, **kwargs)

    @property
    def akid(self) -> str:
        """ActionKit's user token shape: `.<user id>.<hash>`."""
        return f".{self.pk}.{self.token}"


PHONE_TYPES = ("home", "work", "mobile")


def normalize_phone(phone: str) -> str:
    """Digits only; a US number written with its country code (11 digits starting with 1) loses it."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


class Phone(models.Model):
    """A user's phone: `type` is one of home / work / mobile (shown as Home, Work, Mobile)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phones")
    phone = models.CharField(max_length=64)
    type = models.CharField(max_length=16, default="home")
    source = models.CharField(max_length=255, blank=True)
    normalized_phone = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.phone} ({self.type})"

    def save(self, *args, **kwargs) -> None:
        self.normalized_phone = normalize_phone(self.phone)
        super().save(*args, **kwargs)


class EventStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    DELETED = "deleted", "Deleted"


class Event(models.Model):
    """An event of a campaign. `creator` is the host user (the action taker for a host page)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="events")
    creator = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="created_events")
    title = models.CharField(max_length=255, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Local wall time of the event.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Local wall time of the event.")
    venue = models.CharField(max_length=255, blank=True)
    address1 = models.CharField(max_length=255, blank=True)
    address2 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=64, blank=True)
    region = models.CharField(max_length=255, blank=True)
    zip = models.CharField(max_length=16, blank=True)
    plus4 = models.CharField(max_length=4, blank=True)
    postal = models.CharField(max_length=32, blank=True)
    country = models.CharField(max_length=255, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    max_attendees = models.PositiveIntegerField(null=True, blank=True)
    public_description = models.TextField(blank=True)
    directions = models.TextField(blank=True)
    note_to_attendees = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    is_private = models.BooleanField(default=False)
    is_approved = models.BooleanField(default=True)
    host_is_confirmed = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=EventStatus.choices, default=EventStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.title or 'Event'} #{self.pk}"


class CustomFieldRow(models.Model):
    """A custom field row. ActionKit keeps rows, not a map: a second POST of a name adds a row."""

    name = models.CharField(max_length=255)
    value = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}={self.value[:40]}"


class EventField(CustomFieldRow):
    """A custom event field row."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="fields")

    class Meta(CustomFieldRow.Meta):
        pass


class SignupRole(models.TextChoices):
    HOST = "host", "Host"
    ATTENDEE = "attendee", "Attendee"


class SignupStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"
    DELETED = "deleted", "Deleted"


class EventSignup(models.Model):
    """A user's signup for an event, as host or attendee (one per user, event and role)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signups")
    page = models.ForeignKey(Page, on_delete=models.SET_NULL, null=True, blank=True, related_name="signups")
    role = models.CharField(max_length=16, choices=SignupRole.choices, default=SignupRole.ATTENDEE)
    status = models.CharField(max_length=16, choices=SignupStatus.choices, default=SignupStatus.ACTIVE)
    attended = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user", "role"], name="ak_one_signup_per_user_event_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} -> event {self.event_id} ({self.role}, {self.status})"


class EventSignupField(CustomFieldRow):
    """A custom field row of an event signup (same row semantics as event fields)."""

    parent = models.ForeignKey(EventSignup, on_delete=models.CASCADE, related_name="fields")

    class Meta(CustomFieldRow.Meta):
        pass


class Action(models.Model):
    """One submission to the action processor (an EventCreate or EventSignup action)."""

    page = models.ForeignKey(Page, on_delete=models.PROTECT, related_name="actions")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="actions")
    type = models.CharField(max_length=32)
    event = models.ForeignKey(Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    signup = models.ForeignKey(EventSignup, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    created_user = models.BooleanField(default=False)
    source = models.CharField(max_length=255, blank=True)
    akid = models.CharField(max_length=255, blank=True, help_text="The akid sent with the action (mailing link).")
    status = models.CharField(max_length=16, default="complete")
    subscribed_user = models.BooleanField(
        default=False, help_text="The action subscribed the user to the page's list (they were not on it)."
    )
    fields = models.JSONField(default=dict, blank=True, help_text="The action_<name> fields sent.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} action #{self.pk} by {self.user}"


class Subscription(models.Model):
    """A user's subscription to a mailing list (one per user and list)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subscriptions")
    list = models.ForeignKey(MailingList, on_delete=models.PROTECT, related_name="subscriptions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["user", "list"], name="ak_one_subscription_per_user_list")]

    def __str__(self) -> str:
        return f"{self.user} on {self.list}"


class SubscriptionChange(models.TextChoices):
    SUBSCRIBE = "subscribe", "Subscribe"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribe"


class SubscriptionHistory(models.Model):
    """One change of a user's subscriptions: what changed, on which list, and the action that did it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="subscription_history")
    list = models.ForeignKey(MailingList, on_delete=models.PROTECT, related_name="subscription_history")
    change = models.CharField(max_length=32, choices=SubscriptionChange.choices)
    action = models.ForeignKey(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="subscription_changes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "subscription history"

    def __str__(self) -> str:
        return f"{self.change} {self.user} on {self.list}"
