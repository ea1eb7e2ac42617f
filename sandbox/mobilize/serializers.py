"""Model instances -> Mobilize's JSON objects, as one requesting organization sees them.

Who sees what is decided here, field by field, from the API reference:

- privileged event data (`contact`, `event_campaign`, `instructions` of the event and its
  timeslots, the real address of a private-address event) only for an authenticated request
  whose key belongs to the event's owner;
- attendance omissions across the campaign-finance firewall and between promoters (see
  `serialize_attendance`);
- a volunteer's email addresses are withheld from organizations they are not affiliated with
  when their own organization restricts sharing.

How each record is spelled is varied here too, within what the reference allows (see
`variants`): a deterministic choice per record, from the owning organization's `variant_seed`.
`Viewer.vary=False` (the dump) renders canonically.

Serializers do not query when given `Related`: a list view loads a page's many-valued relations
in one query each (`views.load_related`), which costs far less than Django's prefetch_related
(that builds a queryset per instance). Without it they read the instances' own relations (one
record, the dump).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import variants as v
from .models import Attendance, DeletedEvent, Event, Location, Organization, Person, Timeslot
from .variants import CANONICAL, PRIVATE_ADDRESS_TEXTS, Variants

PRIVATE_ADDRESS_TEXT = PRIVATE_ADDRESS_TEXTS[0]
# The keys of the timeslot embedded in the reference's attendance example.
SHORT_TIMESLOT_KEYS = ("id", "start_date", "end_date")
# Sandbox extensions of an attendance (not in the public API).
ATTENDANCE_EXTENSION_KEYS = ("rating", "feedback")


@dataclass(frozen=True)
class Viewer:
    """Who is asking: the organization in the URL path and the organization of the API key.

    `key_org` is None for an unauthenticated request (public data only). `vary` False renders
    every record canonically (the dump); otherwise each organization's `variant_seed` decides.
    """

    org: Organization | None
    key_org: Organization | None
    vary: bool = True

    def variants_of(self, org: Organization | None) -> Variants:
        """The variant choices for records of `org` (canonical when not varying or without an org)."""
        if not self.vary or org is None:
            return CANONICAL
        return Variants(org.variant_seed)

    @property
    def permitted(self) -> bool:
        """Whether the key is a member of the path's organization (private events, attendances, people)."""
        return self.key_org is not None and self.org is not None and self.key_org.id == self.org.id

    def privileged_for(self, event: Event) -> bool:
        """Whether this request may see the event's privileged data: it owns the event."""
        return self.key_org is not None and self.key_org.id == event.organization_id


@dataclass(frozen=True)
class Related:
    """Many-valued relations of a page's records, by owner id."""

    timeslots: Mapping[int, list[Timeslot]] = field(default_factory=dict)  # by event id (already filtered)
    tags: Mapping[int, list[dict[str, Any]]] = field(default_factory=dict)  # by event id
    # by person id: (organization id, whether it restricts sharing) of each affiliation
    affiliations: Mapping[int, list[tuple[int, bool]]] = field(default_factory=dict)


def serialize_organization(org: Organization) -> dict[str, Any]:
    """The Organization object."""
    return {
        "id": org.id,
        "name": org.name,
        "slug": org.slug,
        "is_coordinated": org.is_coordinated,
        "is_independent": not org.is_coordinated,
        "race_type": org.race_type,
        "is_primary_campaign": org.is_primary_campaign,
        "state": org.state,
        "district": org.district,
        "candidate_name": org.candidate_name,
        "event_feed_url": org.event_feed_url,
        "created_date": org.created_date,
        "modified_date": org.modified_date,
        "org_type": org.org_type,
    }


def serialize_timeslot(timeslot: Timeslot, *, privileged: bool) -> dict[str, Any]:
    """The Timeslot object; `instructions` are privileged."""
    return {
        "id": timeslot.id,
        "start_date": timeslot.start_date,
        "end_date": timeslot.end_date,
        "max_attendees": timeslot.max_attendees,
        "is_full": timeslot.is_full,
        "instructions": timeslot.instructions if privileged else None,
    }


def serialize_location(location: Location, *, hide_address: bool, variants: Variants = CANONICAL) -> dict[str, Any]:
    """The Location object; canonically with the `_value` district keys of Mobilize's examples.

    A hidden (private) address shows Mobilize's sentence as venue and first line; the second
    line and the geocoded point are withheld too, since they would give the address away.
    Variants (by event id): the Location table's plain district keys; the sentence with a curly
    apostrophe or in its older wording.
    """
    event_id = location.event_id
    geo = None
    if location.latitude is not None and location.longitude is not None and not hide_address:
        geo = {"latitude": location.latitude, "longitude": location.longitude}
    if hide_address:
        text = PRIVATE_ADDRESS_TEXTS[variants.choose(v.PRIVATE_ADDRESS_WORDING, event_id)]
        venue, lines = text, [text, ""]
    else:
        venue, lines = location.venue, [location.address_line_1, location.address_line_2]
    suffix = "" if variants.on(v.DISTRICT_KEYS, event_id) else "_value"
    return {
        "venue": venue,
        "address_lines": lines,
        "locality": location.locality,
        "region": location.region,
        "country": location.country,
        "postal_code": location.postal_code,
        "location": geo,
        f"congressional_district{suffix}": location.congressional_district,
        f"state_leg_district{suffix}": location.state_leg_district,
        f"state_senate_district{suffix}": location.state_senate_district,
    }


def _contact(event: Event, variants: Variants = CANONICAL) -> dict[str, Any] | None:
    """The Contact object; its email under the examples' `email_address` or the table's `email_adddress`."""
    fields = (event.contact_name, event.contact_email_address, event.contact_phone_number, event.contact_owner_user_id)
    if all(value in (None, "") for value in fields):
        return None
    email_key = "email_adddress" if variants.on(v.CONTACT_EMAIL_KEY, event.id) else "email_address"
    return {
        "name": event.contact_name,
        email_key: event.contact_email_address,
        "phone_number": event.contact_phone_number,
        "owner_user_id": event.contact_owner_user_id,
    }


def _location_of(event: Event) -> Location | None:
    try:
        return event.location
    except Location.DoesNotExist:
        return None


def serialize_event(event: Event, viewer: Viewer, related: Related | None = None) -> dict[str, Any]:
    """The Event object as `viewer` sees it.

    With `related`, the timeslots (already filtered by the request's comparisons) and tags
    come from it; otherwise from the event's own relations.
    """
    privileged = viewer.privileged_for(event)
    variants = viewer.variants_of(event.organization)
    location = _location_of(event)
    if related is None:
        shown: Iterable[Timeslot] = event.timeslots.all()
        tags = [{"id": tag.id, "name": tag.name} for tag in event.tags.all()]
    else:
        shown, tags = related.timeslots.get(event.id, []), related.tags.get(event.id, [])
    campaign = event.event_campaign if privileged else None
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "featured_image_url": event.featured_image_url,
        # Not high priority: the table's false, or the examples' null.
        "high_priority": None
        if event.high_priority is False and variants.on(v.HIGH_PRIORITY_NULL, event.id)
        else event.high_priority,
        "sponsor": serialize_organization(event.organization),
        "timeslots": [serialize_timeslot(t, privileged=privileged) for t in shown],
        "location": (
            serialize_location(
                location, hide_address=event.address_visibility == "PRIVATE" and not privileged, variants=variants
            )
            if location is not None
            else None
        ),
        "timezone": event.timezone,
        "event_type": event.event_type,
        "browser_url": event.browser_url,
        "created_date": event.created_date,
        "modified_date": event.modified_date,
        "visibility": event.visibility,
        "address_visibility": event.address_visibility,
        "created_by_volunteer_host": event.created_by_volunteer_host,
        "is_virtual": event.is_virtual,
        "virtual_action_url": event.virtual_action_url,
        "contact": _contact(event, variants) if privileged else None,
        "accessibility_status": event.accessibility_status,
        "accessibility_notes": event.accessibility_notes,
        "tags": tags,
        "approval_status": event.approval_status,
        "event_campaign": (
            {"id": campaign.id, "slug": campaign.slug, "event_create_page_url": campaign.event_create_page_url}
            if campaign is not None
            else None
        ),
        "instructions": event.instructions if privileged else None,
    }


def serialize_deleted_event(deleted: DeletedEvent) -> dict[str, Any]:
    """The Deleted Event object."""
    return {"id": deleted.id, "deleted_date": deleted.deleted_date}


def serialize_person(person: Person, *, show_email: bool = True, variants: Variants = CANONICAL) -> dict[str, Any]:
    """The Person object; `show_email=False` gives the empty email list of a restricted volunteer.

    Variants (by person id): a person without a phone or zip has a list holding one empty entry
    instead of an empty list (Mobilize documents "array of length 1"; an empty string is what its
    attendance endpoint stores when no phone was given).
    """
    if person.phone_number:
        phones = [{"primary": True, "number": person.phone_number}]
    else:
        phones = [{"primary": True, "number": ""}] if variants.on(v.EMPTY_PHONE_ENTRY, person.id) else []
    if person.postal_code:
        postal = [{"primary": True, "postal_code": person.postal_code}]
    else:
        postal = [{"primary": True, "postal_code": ""}] if variants.on(v.EMPTY_POSTAL_ENTRY, person.id) else []
    return {
        "id": person.id,
        "person_id": person.person_id,
        "user_id": person.user_id,
        "created_date": person.created_date,
        "modified_date": person.modified_date,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email_addresses": [{"primary": True, "address": person.email_address}] if show_email else [],
        "phone_numbers": phones,
        "postal_addresses": postal,
        "sms_opt_in_status": person.sms_opt_in_status,
        "blocked_date": person.blocked_date,
    }


def shares_email_with(affiliations: Iterable[tuple[int, bool]], org: Organization) -> bool:
    """Whether `org` may see a person's email, given the person's (organization id, restricts sharing).

    Yes when the person is affiliated with `org`, or when none of their organizations restricts sharing.
    """
    affiliations = list(affiliations)
    if any(org_id == org.id for org_id, _ in affiliations):
        return True
    return not any(restricts for _, restricts in affiliations)


def serialize_attendance(attendance: Attendance, viewer: Viewer, related: Related | None = None) -> dict[str, Any]:
    """The Attendance object as the requesting organization (`viewer.org`) sees it.

    Omissions, from the reference's Attendance table and changelog:
    - requester independent, event's organization coordinated: no `id`, the event reduced to
      `event_type`, no timeslot `id`;
    - requester coordinated, sponsor (the promoting organization) independent: no `sponsor`;
    - the attendance came through a promotion and the requester is not the promoter: no `referrer`;
    - the requester does not own the event: no `custom_signup_field_values`.
    Sandbox extensions: `rating`, `feedback`, and `override_start_date` / `override_end_date`
    when the volunteer picked their own time for a virtual event.
    Variants (by attendance id, the event owner's seed), as the reference's attendance example
    shows them: the embedded event with `timeslots: null`; the timeslot with `id`, `start_date`
    and `end_date` only; `rating` and `feedback` left out when they have no value (they are not
    in the public API). The person's variants follow the requesting organization's seed, as in
    its people list.
    """
    requester = viewer.org
    if requester is None:
        raise ValueError("attendances are always seen by the organization in the request path")
    event = attendance.event
    owner = event.organization
    sponsor = attendance.sponsor
    across_firewall = (not requester.is_coordinated) and owner.is_coordinated
    privileged = viewer.privileged_for(event)
    variants = viewer.variants_of(owner)

    data: dict[str, Any] = {}
    if not across_firewall:
        data["id"] = attendance.id
    data["created_date"] = attendance.created_date
    data["modified_date"] = attendance.modified_date
    person = attendance.person
    if related is None:
        affiliations = [(o.id, o.restricts_sharing) for o in person.organizations.all()]
    else:
        affiliations = related.affiliations.get(person.id, [])
    data["person"] = serialize_person(
        person, show_email=shares_email_with(affiliations, requester), variants=viewer.variants_of(requester)
    )
    if across_firewall:
        data["event"] = {"event_type": event.event_type}
    else:
        data["event"] = serialize_event(event, viewer, related)
        if variants.on(v.ATTENDANCE_EVENT_TIMESLOTS, attendance.id):
            data["event"]["timeslots"] = None
    timeslot = serialize_timeslot(attendance.timeslot, privileged=privileged)
    if variants.on(v.ATTENDANCE_SHORT_TIMESLOT, attendance.id):
        timeslot = {key: timeslot[key] for key in SHORT_TIMESLOT_KEYS}
    if across_firewall:
        del timeslot["id"]
    data["timeslot"] = timeslot
    if not (requester.is_coordinated and not sponsor.is_coordinated):
        data["sponsor"] = serialize_organization(sponsor)
    data["status"] = attendance.status
    data["attended"] = attendance.attended
    if not (attendance.sponsor_id != event.organization_id and requester.id != attendance.sponsor_id):
        data["referrer"] = {
            "utm_source": attendance.utm_source,
            "utm_medium": attendance.utm_medium,
            "utm_campaign": attendance.utm_campaign,
            "utm_term": attendance.utm_term,
            "utm_content": attendance.utm_content,
            "url": attendance.referrer_url,
        }
    if requester.id == event.organization_id:
        data["custom_signup_field_values"] = list(attendance.custom_signup_field_values or [])
    omit_empty_extensions = variants.on(v.ATTENDANCE_EXTENSIONS, attendance.id)
    for key in ATTENDANCE_EXTENSION_KEYS:
        value = getattr(attendance, key)
        if value is not None or not omit_empty_extensions:
            data[key] = value
    if attendance.override_start_date is not None:
        data["override_start_date"] = attendance.override_start_date
    if attendance.override_end_date is not None:
        data["override_end_date"] = attendance.override_end_date
    return data
