"""What the emulated Mobilize holds: organizations, events, timeslots, people, attendances.

Field names follow Mobilize's own objects (see shared/seeds, the Mobilize API reference); every
timestamp is Unix seconds, as the API serves it. Ids are Mobilize's ids: the loader and the
generator set them explicitly, so a file loaded twice lands on the same rows.

modified_date semantics (what `updated_since` filters on) are kept by the models' own methods:
`save()` on an event, its location, a timeslot, an attendance or a person bumps the relevant
`modified_date` to `time.time()` (so tests can move time with time-machine); `remove_timeslot()`
bumps the event; `mark_deleted()` records a DeletedEvent and removes the event. Bulk writes
(`bulk_create`, `QuerySet.update`) bypass this on purpose: the loader and the generator set
the dates they were given.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import models, transaction


def now() -> int:
    """The current time in Unix seconds, as Mobilize stamps records."""
    return int(time.time())


class Choices:
    """Mobilize's enums (GET /enums serves them; the views validate parameters against them)."""

    EVENT_TYPES = (
        "CANVASS",
        "PHONE_BANK",
        "TEXT_BANK",
        "MEETING",
        "COMMUNITY",
        "FUNDRAISER",
        "MEET_GREET",
        "HOUSE_PARTY",
        "VOTER_REG",
        "TRAINING",
        "FRIEND_TO_FRIEND_OUTREACH",
        "DEBATE_WATCH_PARTY",
        "ADVOCACY_CALL",
        "RALLY",
        "TOWN_HALL",
        "OFFICE_OPENING",
        "BARNSTORM",
        "SOLIDARITY_EVENT",
        "COMMUNITY_CANVASS",
        "SIGNATURE_GATHERING",
        "CARPOOL",
        "WORKSHOP",
        "PETITION",
        "AUTOMATED_PHONE_BANK",
        "LETTER_WRITING",
        "LITERATURE_DROP_OFF",
        "VISIBILITY_EVENT",
        "PLEDGE",
        "INTEREST_FORM",
        "DONATION_CAMPAIGN",
        "SOCIAL_MEDIA_CAMPAIGN",
        "POSTCARD_WRITING",
        "GROUP",
        "VOLUNTEER_SHIFT",
        "OTHER",
    )
    VISIBILITY = ("PUBLIC", "PRIVATE")
    APPROVAL_STATUS = ("APPROVED", "NEEDS_APPROVAL", "REJECTED", "NEEDS_HOST_VERIFICATION")
    ACCESSIBILITY_STATUS = ("ACCESSIBLE", "NOT_ACCESSIBLE", "NOT_SURE")
    ATTENDANCE_STATUS = ("REGISTERED", "CANCELLED", "CONFIRMED")
    SMS_OPT_IN = ("UNSPECIFIED", "OPT_IN", "OPT_OUT")
    TRANSACTIONAL_SMS_OPT_IN = ("UNSPECIFIED", "OPT_IN")
    RATING = ("POSITIVE", "NEGATIVE")
    RACE_TYPES = (
        "GOVERNOR",
        "CONGRESSIONAL",
        "SENATE",
        "STATE_SENATE",
        "STATE_LEG",
        "SEC_STATE",
        "ATTY_GENERAL",
        "OTHER_LOCAL",
        "OTHER_STATEWIDE",
    )
    ORG_TYPES = ("CAMPAIGN", "STATE_PARTY", "COORDINATED", "INDEPENDENT")
    # Types the reference does not list yet ("This list may expand", "New options may be added"):
    # the generator gives some records one, so that clients meet a value they do not know.
    NEW_EVENT_TYPES = ("VOTER_PROTECTION", "BALLOT_CHASE")
    NEW_ORG_TYPES = ("LOCAL_PARTY",)
    # The create/update endpoints' list (the time zones Mobilize accepts for new events).
    TIMEZONES = (
        "America/New_York",
        "Pacific/Honolulu",
        "America/Los_Angeles",
        "America/Denver",
        "America/Phoenix",
        "America/Chicago",
    )

    @staticmethod
    def of(values: tuple[str, ...]) -> list[tuple[str, str]]:
        """Django `choices` for one of the tuples above."""
        return [(value, value) for value in values]


class Organization(models.Model):
    """A Mobilize organization (the Organization object), plus sandbox-only facts.

    `promotes`: the organizations whose events this one promotes (their events appear in its
    event list, their deleted events in its deleted list). `restricts_sharing`: people affiliated
    only with organizations that restrict sharing show no email address to other organizations.
    """

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, blank=True)
    is_coordinated = models.BooleanField(default=True, help_text="Coordinated side of the firewall; else independent.")
    race_type = models.CharField(max_length=32, choices=Choices.of(Choices.RACE_TYPES), null=True, blank=True)
    is_primary_campaign = models.BooleanField(default=False)
    state = models.CharField(max_length=2, blank=True)
    district = models.CharField(max_length=32, blank=True)
    candidate_name = models.CharField(max_length=200, blank=True)
    event_feed_url = models.CharField(max_length=300, blank=True)
    org_type = models.CharField(
        max_length=32, choices=Choices.of(Choices.ORG_TYPES + Choices.NEW_ORG_TYPES), default="CAMPAIGN"
    )
    created_date = models.BigIntegerField(default=now)
    modified_date = models.BigIntegerField(default=now, db_index=True)
    promotes = models.ManyToManyField("self", symmetrical=False, related_name="promoted_by", blank=True)
    restricts_sharing = models.BooleanField(
        default=False, help_text="Sandbox: hide affiliated volunteers' email addresses from other organizations."
    )
    variant_seed = models.BigIntegerField(
        default=0,
        help_text="Sandbox: picks which documented spelling or shape each of this organization's records is "
        "served in (see sandbox/mobilize/variants.py); the generator's seed.",
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    def save(self, *args: Any, touch: bool = True, **kwargs: Any) -> None:
        """Save; `touch` (the default) bumps modified_date to now, as an edit in Mobilize would."""
        if touch:
            self.modified_date = now()
        super().save(*args, **kwargs)

    @property
    def is_independent(self) -> bool:
        return not self.is_coordinated


class ApiKey(models.Model):
    """A Mobilize API key; requests with it act as a member of its organization."""

    key = models.CharField(max_length=200, unique=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")

    class Meta:
        ordering = ["id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"key of {self.organization_id}"


class Tag(models.Model):
    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class EventCampaign(models.Model):
    """A distributed-organizing event campaign (privileged: only its owner sees it on events)."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="event_campaigns", null=True, blank=True
    )
    slug = models.CharField(max_length=200)
    event_create_page_url = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.slug


class Event(models.Model):
    """A Mobilize event owned by `organization` (its `sponsor` in the API).

    The contact is kept on the event (Mobilize's Contact has no identity of its own); it is
    served as null when every contact field is empty.
    """

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    featured_image_url = models.CharField(max_length=500, blank=True)
    high_priority = models.BooleanField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="America/New_York")
    event_type = models.CharField(
        max_length=40, choices=Choices.of(Choices.EVENT_TYPES + Choices.NEW_EVENT_TYPES), default="CANVASS"
    )
    browser_url = models.CharField(max_length=500, blank=True)
    created_date = models.BigIntegerField(default=now)
    modified_date = models.BigIntegerField(default=now, db_index=True)
    visibility = models.CharField(max_length=8, choices=Choices.of(Choices.VISIBILITY), default="PUBLIC")
    address_visibility = models.CharField(max_length=8, choices=Choices.of(Choices.VISIBILITY), default="PUBLIC")
    created_by_volunteer_host = models.BooleanField(default=False)
    is_virtual = models.BooleanField(default=False)
    virtual_action_url = models.CharField(max_length=500, null=True, blank=True)
    accessibility_status = models.CharField(
        max_length=16, choices=Choices.of(Choices.ACCESSIBILITY_STATUS), null=True, blank=True
    )
    accessibility_notes = models.TextField(blank=True)
    approval_status = models.CharField(max_length=32, choices=Choices.of(Choices.APPROVAL_STATUS), default="APPROVED")
    event_campaign = models.ForeignKey(
        EventCampaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    instructions = models.TextField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="events")
    contact_name = models.CharField(max_length=200, null=True, blank=True)
    contact_email_address = models.CharField(max_length=254, null=True, blank=True)
    contact_phone_number = models.CharField(max_length=40, null=True, blank=True)
    contact_owner_user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.id})"

    def save(self, *args: Any, touch: bool = True, **kwargs: Any) -> None:
        """Save; `touch` (the default) bumps modified_date to now."""
        if touch:
            self.modified_date = now()
        super().save(*args, **kwargs)

    def touch(self) -> int:
        """Bump modified_date to now without saving other fields (a child changed); returns it."""
        self.modified_date = now()
        if self.pk is not None:
            Event.objects.filter(pk=self.pk).update(modified_date=self.modified_date)
        return self.modified_date

    def add_timeslot(self, start_date: int, end_date: int, **fields: Any) -> Timeslot:
        """Add a timeslot (bumps the event)."""
        timeslot = Timeslot(event=self, start_date=start_date, end_date=end_date, **fields)
        timeslot.save()
        return timeslot

    def remove_timeslot(self, timeslot: Timeslot) -> None:
        """Remove one of this event's timeslots (and its attendances); bumps the event."""
        if timeslot.event_id != self.pk:
            raise ValueError(f"timeslot {timeslot.pk} is not a timeslot of event {self.pk}")
        timeslot.delete()
        self.modified_date = Event.objects.get(pk=self.pk).modified_date

    def mark_deleted(self, deleted_date: int | None = None) -> DeletedEvent:
        """Delete the event as Mobilize does: it leaves the lists and appears in the deleted list.

        Its timeslots and attendances go with it. Returns the DeletedEvent record.
        """
        when = deleted_date if deleted_date is not None else now()
        with transaction.atomic():
            deleted, _ = DeletedEvent.objects.update_or_create(
                id=self.pk,
                defaults={
                    "organization_id": self.organization_id,
                    "visibility": self.visibility,
                    "deleted_date": when,
                },
            )
            self.delete()
        return deleted


class Location(models.Model):
    """An event's location. Saving it bumps the event's modified_date."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, primary_key=True, related_name="location")
    venue = models.CharField(max_length=300, blank=True)
    address_line_1 = models.CharField(max_length=300, blank=True)
    address_line_2 = models.CharField(max_length=300, blank=True)
    locality = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=8, blank=True, db_index=True)
    country = models.CharField(max_length=2, default="US")
    postal_code = models.CharField(max_length=16, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    congressional_district = models.CharField(max_length=16, null=True, blank=True)
    state_leg_district = models.CharField(max_length=16, null=True, blank=True)
    state_senate_district = models.CharField(max_length=16, null=True, blank=True)

    def __str__(self) -> str:
        return ", ".join(part for part in (self.venue, self.address_line_1, self.locality, self.region) if part)

    def save(self, *args: Any, touch: bool = True, **kwargs: Any) -> None:
        """Save; `touch` (the default) bumps the event's modified_date."""
        super().save(*args, **kwargs)
        if touch:
            self.event.touch()

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Remove the location (the event becomes location-less); bumps the event."""
        event = self.event
        result = super().delete(*args, **kwargs)
        event.touch()
        return result


class Timeslot(models.Model):
    """One shift of an event. Saving or deleting it bumps the event's modified_date."""

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="timeslots")
    start_date = models.BigIntegerField(db_index=True)
    end_date = models.BigIntegerField()
    max_attendees = models.PositiveIntegerField(null=True, blank=True)
    is_full = models.BooleanField(default=False)
    instructions = models.TextField(null=True, blank=True)

    class Meta:
        ordering = ["start_date", "id"]

    def __str__(self) -> str:
        return f"timeslot {self.id} of event {self.event_id}"

    def save(self, *args: Any, touch: bool = True, **kwargs: Any) -> None:
        """Save; `touch` (the default) bumps the event's modified_date."""
        super().save(*args, **kwargs)
        if touch:
            Event.objects.filter(pk=self.event_id).update(modified_date=now())

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        """Delete (with its attendances); bumps the event's modified_date."""
        event_id = self.event_id
        result = super().delete(*args, **kwargs)
        Event.objects.filter(pk=event_id).update(modified_date=now())
        return result


class Person(models.Model):
    """A volunteer. `id` is Mobilize's person id (= person_id); `user_id` is the canonical id.

    People are unique by email address. `organizations` are the affiliations ("sandbox_
    organizations" in the data file): the people list of an organization is its affiliates.
    """

    id = models.BigAutoField(primary_key=True)
    person_id = models.BigIntegerField(null=True, blank=True, help_text="Deprecated by Mobilize; may be null.")
    user_id = models.BigIntegerField(unique=True)
    created_date = models.BigIntegerField(default=now)
    modified_date = models.BigIntegerField(default=now, db_index=True)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    email_address = models.CharField(max_length=254, unique=True)
    phone_number = models.CharField(max_length=40, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    sms_opt_in_status = models.CharField(max_length=16, choices=Choices.of(Choices.SMS_OPT_IN), default="UNSPECIFIED")
    blocked_date = models.BigIntegerField(null=True, blank=True)
    organizations = models.ManyToManyField(Organization, blank=True, related_name="people")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} <{self.email_address}>"

    def save(self, *args: Any, touch: bool = True, **kwargs: Any) -> None:
        """Save; `touch` (the default) bumps modified_date to now."""
        if touch:
            self.modified_date = now()
        super().save(*args, **kwargs)


class Attendance(models.Model):
    """One person's signup for one timeslot of an event.

    `sponsor` is the organization that recruited the signup: the promoting organization when it
    came through a promotion, otherwise the event's organization. `rating`, `feedback` and the
    override dates are sandbox extensions that Mobilize's own ActionKit integration carries.
    """

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attendances")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    timeslot = models.ForeignKey(Timeslot, on_delete=models.CASCADE, related_name="attendances")
    sponsor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sponsored_attendances")
    created_date = models.BigIntegerField(default=now)
    modified_date = models.BigIntegerField(default=now, db_index=True)
    status = models.CharField(max_length=16, choices=Choices.of(Choices.ATTENDANCE_STATUS), default="REGISTERED")
    attended = models.BooleanField(null=True, blank=True)
    utm_source = models.CharField(max_length=200, null=True, blank=True)
    utm_medium = models.CharField(max_length=200, null=True, blank=True)
    utm_campaign = models.CharField(max_length=200, null=True, blank=True)
    utm_term = models.CharField(max_length=200, null=True, blank=True)
    utm_content = models.CharField(max_length=200, null=True, blank=True)
    referrer_url = models.CharField(max_length=1000, null=True, blank=True)
    custom_signup_field_values = models.JSONField(default=list, blank=True)
    rating = models.CharField(max_length=8, choices=Choices.of(Choices.RATING), null=True, blank=True)
    feedback = models.TextField(null=True, blank=True)
    override_start_date = models.BigIntegerField(null=True, blank=True)
    override_end_date = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        # An organization's attendance count is two index-only counts (see views): those it
        # recruited, and the others on its events, each optionally since a date.
        indexes = [
            models.Index(fields=["sponsor", "modified_date"], name="sandbox_mob_att_sponsor"),
            models.Index(fields=["event", "sponsor", "modified_date"], name="sandbox_mob_att_event"),
        ]

    def __str__(self) -> str:
        return f"attendance {self.id}: person {self.person_id} at timeslot {self.timeslot_id}"

    def save(self, *args: Any, touch: bool = True, **kwargs: Any) -> None:
        """Save; `touch` (the default) bumps modified_date to now."""
        if touch:
            self.modified_date = now()
        super().save(*args, **kwargs)

    def set_status(self, status: str) -> None:
        """Change the status (REGISTERED, CONFIRMED, CANCELLED); bumps modified_date."""
        if status not in Choices.ATTENDANCE_STATUS:
            raise ValueError(f"{status!r} is not an attendance status ({', '.join(Choices.ATTENDANCE_STATUS)})")
        self.status = status
        self.save()

    def set_attended(self, attended: bool | None) -> None:
        """Record whether the person attended (None: not set); bumps modified_date."""
        self.attended = attended
        self.save()

    @property
    def came_through_promotion(self) -> bool:
        return self.sponsor_id != self.event.organization_id


class DeletedEvent(models.Model):
    """An event deleted from Mobilize: served by GET /organizations/:id/events/deleted.

    The owner and visibility are kept so that the list can be scoped like the event list.
    """

    id = models.BigIntegerField(primary_key=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="deleted_events")
    visibility = models.CharField(max_length=8, choices=Choices.of(Choices.VISIBILITY), default="PUBLIC")
    deleted_date = models.BigIntegerField(default=now, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"deleted event {self.id}"
