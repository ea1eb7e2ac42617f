"""Everything the Mobilize sandbox holds, as a document `loader.load_data` reads back.

Events are written as their owner sees them (contact, instructions, real address) and in the
canonical spelling (no variants: see `variants`), so a loaded file dumps back exactly; attendances
refer to their person, event, timeslot and sponsor by id. Lists are ordered by id, so the same
data always dumps to the same document (the generator's determinism test relies on it).
"""

from __future__ import annotations

from typing import Any

from .models import Attendance, DeletedEvent, Event, Organization, Person
from .serializers import Viewer, serialize_event, serialize_organization, serialize_person

CHUNK = 2000


def dump_organization(org: Organization) -> dict[str, Any]:
    """An Organization object plus its sandbox_ facts."""
    return {
        **serialize_organization(org),
        "sandbox_api_keys": [key.key for key in org.api_keys.all()],
        "sandbox_promotes": sorted(other.id for other in org.promotes.all()),
        "sandbox_restricts_sharing": org.restricts_sharing,
        "sandbox_variant_seed": org.variant_seed,
    }


def dump_event(event: Event) -> dict[str, Any]:
    """An Event object as its owner sees it, canonically spelled."""
    return serialize_event(event, Viewer(org=event.organization, key_org=event.organization, vary=False))


def dump_person(person: Person) -> dict[str, Any]:
    """A Person object plus its affiliations."""
    return {**serialize_person(person), "sandbox_organizations": sorted(o.id for o in person.organizations.all())}


def dump_attendance(attendance: Attendance) -> dict[str, Any]:
    """An Attendance object with nothing omitted; person, event, timeslot and sponsor by id."""
    data: dict[str, Any] = {
        "id": attendance.id,
        "created_date": attendance.created_date,
        "modified_date": attendance.modified_date,
        "person": {"id": attendance.person_id},
        "event": {"id": attendance.event_id},
        "timeslot": {"id": attendance.timeslot_id},
        "sponsor": {"id": attendance.sponsor_id},
        "status": attendance.status,
        "attended": attendance.attended,
        "referrer": {
            "utm_source": attendance.utm_source,
            "utm_medium": attendance.utm_medium,
            "utm_campaign": attendance.utm_campaign,
            "utm_term": attendance.utm_term,
            "utm_content": attendance.utm_content,
            "url": attendance.referrer_url,
        },
        "custom_signup_field_values": attendance.custom_signup_field_values,
        "rating": attendance.rating,
        "feedback": attendance.feedback,
    }
    if attendance.override_start_date is not None:
        data["override_start_date"] = attendance.override_start_date
    if attendance.override_end_date is not None:
        data["override_end_date"] = attendance.override_end_date
    return data


def dump() -> dict[str, Any]:
    """The whole Mobilize sandbox as a loadable document."""
    organizations = Organization.objects.order_by("id").prefetch_related("api_keys", "promotes")
    events = (
        Event.objects.order_by("id")
        .select_related("organization", "location", "event_campaign")
        .prefetch_related("timeslots", "tags")
    )
    people = Person.objects.order_by("id").prefetch_related("organizations")
    return {
        "organizations": [dump_organization(o) for o in organizations.iterator(chunk_size=CHUNK)],
        "events": [dump_event(e) for e in events.iterator(chunk_size=CHUNK)],
        "people": [dump_person(p) for p in people.iterator(chunk_size=CHUNK)],
        "attendances": [dump_attendance(a) for a in Attendance.objects.order_by("id").iterator(chunk_size=CHUNK)],
        "deleted_events": [
            {
                "id": d.id,
                "deleted_date": d.deleted_date,
                "sandbox_organization_id": d.organization_id,
                "sandbox_visibility": d.visibility,
            }
            for d in DeletedEvent.objects.order_by("id").iterator(chunk_size=CHUNK)
        ],
    }
