"""The emulated PDI account's data: API users and their sessions, calendars, locations, contacts
with their emails and phones, events, invitations, and event activities.

Field names are Django's snake_case; the API's camelCase names are mapped in `resources.py`.
Datetimes are stored as aware UTC datetimes (PDI's `...Utc` fields); `is_all_day` keeps PDI's
string ("true" / "false") exactly as the API takes and answers it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def _salted_digest(value: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256((salt + value).encode()).hexdigest()}"


def _matches_digest(value: str, stored: str) -> bool:
    salt, _, digest = stored.partition("$")
    if not digest:
        return False
    return hmac.compare_digest(stored, _salted_digest(value, salt))


def default_session_seconds() -> int:
    """How long a new API user's sessions last unless set otherwise: SANDBOX_PDI_SESSION_SECONDS."""
    return int(getattr(settings, "SANDBOX_PDI_SESSION_SECONDS", 3600))


class ApiUser(models.Model):
    """The credentials PDI support issues: a username, a password and an API token.

    Password and token are kept as salted SHA-256 digests (checked at each login; Django's slow
    hashers are not needed for a sandbox and would slow every test that logs in).
    """

    username = models.CharField(max_length=150, unique=True)
    password_digest = models.CharField(max_length=200, editable=False)
    api_token_digest = models.CharField(max_length=200, editable=False)
    is_active = models.BooleanField(default=True)
    session_seconds = models.PositiveIntegerField(
        default=default_session_seconds, help_text="How long a session (AccessToken) of this user lasts."
    )

    class Meta:
        ordering = ["username"]
        verbose_name = "API user"

    def __str__(self) -> str:
        return self.username

    def set_password(self, password: str) -> None:
        self.password_digest = _salted_digest(password)

    def set_api_token(self, api_token: str) -> None:
        self.api_token_digest = _salted_digest(api_token)

    def check_credentials(self, password: str, api_token: str) -> bool:
        """Both the password and the API token match (both are always compared)."""
        password_ok = _matches_digest(password, self.password_digest)
        token_ok = _matches_digest(api_token, self.api_token_digest)
        return password_ok and token_ok


def token_digest(token: str) -> str:
    """How a session's AccessToken is stored and looked up (the token itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionQuerySet(models.QuerySet):
    def live(self) -> SessionQuerySet:
        return self.filter(expires_at__gt=timezone.now())


class Session(models.Model):
    """A login (`POST /sessions`): its AccessToken (kept as a digest) and when it stops working."""

    user = models.ForeignKey(ApiUser, on_delete=models.CASCADE, related_name="sessions")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Session #{self.pk} of {self.user}"

    @property
    def is_live(self) -> bool:
        return self.expires_at > timezone.now()


class Calendar(models.Model):
    """A calendar of the account (made by the account's staff; the API only lists them)."""

    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A place events happen at: a name and a one-line address."""

    location_name = models.CharField(max_length=255)
    location_address = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.location_name} ({self.location_address})" if self.location_address else self.location_name


class Contact(models.Model):
    """A person in the PDI account. Emails and phones are rows of their own (PDI's contact has no
    email or phone field)."""

    name_prefix = models.CharField(max_length=50, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    name_suffix = models.CharField(max_length=50, blank=True)
    nickname = models.CharField(max_length=100, blank=True)
    occupation = models.CharField(max_length=255, blank=True)
    employer = models.CharField(max_length=255, blank=True)
    volunteer_status = models.CharField(max_length=16, blank=True)
    donor_status = models.CharField(max_length=16, blank=True)
    member_status = models.CharField(max_length=16, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=1, blank=True)
    pdi_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return f"{name or 'Contact'} #{self.pk}"


class ContactEmail(models.Model):
    """One email address of a contact. Nothing stops a second row with the same address."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")
    email_address = models.CharField(max_length=254)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "contact email"

    def __str__(self) -> str:
        return self.email_address


class PhoneType(models.TextChoices):
    HOME = "Home"
    WORK = "Work"
    DIRECT = "Direct"
    MOBILE = "Mobile"
    FAX = "Fax"
    OTHER = "Other"


class ContactPhone(models.Model):
    """One phone number of a contact, with PDI's phone type."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    phone_number = models.CharField(max_length=32)
    phone_type = models.CharField(max_length=8, choices=PhoneType.choices)
    extension = models.CharField(max_length=16, blank=True)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "contact phone"

    def __str__(self) -> str:
        return f"{self.phone_number} ({self.phone_type})"


class Event(models.Model):
    """An event on a calendar. `is_all_day` is PDI's string, "true" or "false"."""

    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="events")
    location = models.ForeignKey(Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    start_date_time_utc = models.DateTimeField()
    end_date_time_utc = models.DateTimeField()
    is_all_day = models.CharField(max_length=5, default="false")
    recurrence_type = models.CharField(max_length=16, blank=True, help_text="daily, weekly, monthly or empty.")
    recurrence_end_date_time_utc = models.DateTimeField(null=True, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    contact_email = models.CharField(max_length=254, blank=True)
    website = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class RsvpStatus(models.TextChoices):
    NONE = "", "(none)"
    YES = "Yes"
    NO = "No"
    MAYBE = "Maybe"
    SCHEDULED = "Scheduled"
    INVITED = "Invited"
    CANCELLED = "Cancelled"
    NO_SHOW = "No-Show"
    COMPLETED = "Completed"


class Invitation(models.Model):
    """A contact invited to an event (one per contact and event), with their RSVP and attendance.

    `specific_ocurrence_start_utc` keeps PDI's spelling of the field it stores.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invitations")
    rsvp_status = models.CharField(max_length=16, choices=RsvpStatus.choices, blank=True)
    is_confirmed = models.BooleanField(default=False)
    attended = models.BooleanField(default=False)
    specific_ocurrence_start_utc = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "contact"], name="pdi_one_invitation_per_contact_event")
        ]

    def __str__(self) -> str:
        return f"{self.contact} -> event {self.event_id} ({self.rsvp_status or 'no RSVP'})"


class EventActivity(models.Model):
    """A shift-like activity of an event (`/eventActivities`, the PascalCase endpoint).

    `activity_id` refers to PDI's activities, which the sandbox does not emulate: it is kept as given.
    """

    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="event_activities")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="activities")
    location = models.ForeignKey(
        Location, on_delete=models.SET_NULL, null=True, blank=True, related_name="event_activities"
    )
    activity_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    start_date_time_utc = models.DateTimeField()
    end_date_time_utc = models.DateTimeField()
    recurrence_type = models.CharField(max_length=16, blank=True)
    recurrence_end_date_time_utc = models.DateTimeField(null=True, blank=True)
    count_goal = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "event activity"
        verbose_name_plural = "event activities"

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} (event {self.event_id})"
