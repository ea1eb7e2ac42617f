"""The emulated Mobilize endpoints (GET /v1/...), one function per documented endpoint.

Each view parses its parameters, builds one queryset and hands it to `page_response`; a page
costs a fixed number of queries (single-valued relations joined, many-valued ones loaded in
one query each by `load_related`). Who may see which
events: the organization's own events and those of the organizations it promotes; private
events and non-approved events only the organization's own, and only for its members.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse

from .api import Call, each, endpoint, error_response, forbidden, not_found, page_response
from .models import Attendance, Choices, DeletedEvent, Event, Location, Organization, Person, Timeslot
from .serializers import (
    Related,
    Viewer,
    serialize_attendance,
    serialize_deleted_event,
    serialize_event,
    serialize_organization,
    serialize_person,
)

_LOOKUPS = {"gte": "gte", "gt": "gt", "lte": "lte", "lt": "lt"}
# Parameters that send a real Mobilize request to its search backend (marked * in the reference).
SEARCH_BACKEND_PARAMS = ("zipcode", "max_dist", "exclude_full", "tag_id")
# "usually 1000"; the setting SANDBOX_MOBILIZE_SEARCH_LIMIT overrides it (tests make it small).
DEFAULT_SEARCH_LIMIT = 1000


def _scope_ids(org: Organization) -> list[int]:
    """The organization and the organizations it promotes: whose events it lists."""
    return [org.id, *org.promotes.values_list("id", flat=True)]


def _visible_events(call: Call, visibility: list[str], approval: list[str]) -> QuerySet[Event]:
    """Events the path's organization lists for this request, before the other filters.

    PUBLIC events of the organization and its promoted organizations; PRIVATE events (when
    asked for; the caller has checked permission) and non-approved events (when asked for,
    with permission, else silently left out) only of the organization itself.
    """
    org = call.org
    events = Event.objects.filter(organization_id__in=_scope_ids(org))
    shown = Q()
    if "PUBLIC" in visibility:
        shown |= Q(visibility="PUBLIC")
    if "PRIVATE" in visibility:
        shown |= Q(visibility="PRIVATE", organization_id=org.id)
    approved = Q(approval_status="APPROVED") if "APPROVED" in approval else Q(pk__in=[])
    others = [status for status in approval if status != "APPROVED"]
    if others and call.viewer.permitted:
        approved |= Q(approval_status__in=others, organization_id=org.id)
    return events.filter(shown).filter(approved)


def load_related(
    event_ids: Iterable[int], person_ids: Iterable[int] = (), timeslots: QuerySet[Timeslot] | None = None
) -> Related:
    """The timeslots and tags of some events and the affiliations of some people, one query each.

    `timeslots` narrows the timeslots shown (the request's comparisons); default all of them.
    """
    event_ids, person_ids = set(event_ids), set(person_ids)
    slots: dict[int, list[Timeslot]] = defaultdict(list)
    for timeslot in (timeslots if timeslots is not None else Timeslot.objects.all()).filter(event_id__in=event_ids):
        slots[timeslot.event_id].append(timeslot)
    tags: dict[int, list[dict]] = defaultdict(list)
    tag_rows = Event.tags.through.objects.filter(event_id__in=event_ids).order_by("tag_id")
    for event_id, tag_id, name in tag_rows.values_list("event_id", "tag_id", "tag__name"):
        tags[event_id].append({"id": tag_id, "name": name})
    affiliations: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    if person_ids:
        links = Person.organizations.through.objects.filter(person_id__in=person_ids)
        for person_id, org_id, restricts in links.values_list(
            "person_id", "organization_id", "organization__restricts_sharing"
        ):
            affiliations[person_id].append((org_id, restricts))
    return Related(timeslots=slots, tags=tags, affiliations=affiliations)


def _events_renderer(
    viewer: Viewer, timeslots: QuerySet[Timeslot] | None = None
) -> Callable[[list[Event]], list[dict]]:
    def render(events: list[Event]) -> list[dict]:
        related = load_related((e.id for e in events), timeslots=timeslots)
        return [serialize_event(event, viewer, related) for event in events]

    return render


def _attendances_renderer(viewer: Viewer) -> Callable[[list[Attendance]], list[dict]]:
    def render(attendances: list[Attendance]) -> list[dict]:
        related = load_related((a.event_id for a in attendances), (a.person_id for a in attendances))
        return [serialize_attendance(attendance, viewer, related) for attendance in attendances]

    return render


def _near(zipcode: str, max_dist: float) -> Q:
    """Events within `max_dist` miles of a zipcode, without a geocoder.

    The sandbox takes the zipcode's point from a stored location with that postal code and
    keeps locations inside the bounding box around it (a box, not a circle: close enough for
    a search cap emulation); an unknown zipcode matches its own postal code only.
    """
    origin = (
        Location.objects.filter(postal_code=zipcode, latitude__isnull=False, longitude__isnull=False)
        .order_by("event_id")
        .first()
    )
    if origin is None:
        return Q(location__postal_code=zipcode)
    dlat = max_dist / 69.0
    dlon = max_dist / max(69.0 * math.cos(math.radians(origin.latitude)), 1e-6)
    return Q(
        location__latitude__range=(origin.latitude - dlat, origin.latitude + dlat),
        location__longitude__range=(origin.longitude - dlon, origin.longitude + dlon),
    )


@endpoint()
def organizations(call: Call) -> JsonResponse:
    """GET /organizations: every organization (public); `updated_since` on modified_date."""
    updated_since = call.params.integer("updated_since")
    paging = call.params.paging()
    call.params.check()
    orgs = Organization.objects.all()
    if updated_since is not None:
        orgs = orgs.filter(modified_date__gte=updated_since)
    return page_response(call.request, orgs, each(serialize_organization), paging)


@endpoint(auth=True)
def promoted_organizations(call: Call) -> JsonResponse:
    """GET /organizations/:id/promoted_organizations (members only)."""
    paging = call.params.paging()
    call.params.check()
    return page_response(call.request, call.org.promotes.all(), each(serialize_organization), paging)


@endpoint()
def organization_events(call: Call) -> JsonResponse:
    """GET /organizations/:id/events with every documented parameter."""
    p = call.params
    updated_since = p.integer("updated_since")
    starts = p.comparisons("timeslot_start")
    ends = p.comparisons("timeslot_end")
    visibility = p.choices("visibility", Choices.VISIBILITY) or ["PUBLIC"]
    approval = p.choices("approval_status", Choices.APPROVAL_STATUS) or ["APPROVED"]
    owners = p.integers("organization_id")
    # Mobilize filters by the types it has, including those newer than the reference's list.
    event_types = p.choices("event_types", Choices.EVENT_TYPES + Choices.NEW_EVENT_TYPES)
    is_virtual = p.boolean("is_virtual")
    high_priority_only = p.boolean("high_priority_only")
    event_campaign_id = p.integer("event_campaign_id")
    state = p.string("state")
    zipcode = p.string("zipcode")
    max_dist = p.number("max_dist")
    exclude_full = p.boolean("exclude_full")
    tag_ids = p.integers("tag_id")
    paging = p.paging()
    p.check()
    if "PRIVATE" in visibility and not call.viewer.permitted:
        raise forbidden("You do not have permission to view this organization's private events.")

    events = _visible_events(call, visibility, approval)
    if updated_since is not None:
        events = events.filter(modified_date__gte=updated_since)
    if owners:
        events = events.filter(organization_id__in=owners)
    if event_types:
        events = events.filter(event_type__in=event_types)
    if is_virtual is not None:
        events = events.filter(is_virtual=is_virtual)
    if high_priority_only:
        events = events.filter(high_priority=True)
    if event_campaign_id is not None:
        events = events.filter(event_campaign_id=event_campaign_id)
    if state:
        events = events.filter(location__region__iexact=state)
    if tag_ids:
        events = events.filter(id__in=Event.tags.through.objects.filter(tag_id__in=tag_ids).values("event_id"))
    if zipcode and max_dist is not None:
        events = events.filter(_near(zipcode, max_dist))

    # Timeslot comparisons (and exclude_full) trim each event's timeslots; an event with none
    # left is not listed.
    slot_filter = Q()
    for field, comparisons in (("start_date", starts), ("end_date", ends)):
        for operator, value in comparisons:
            slot_filter &= Q(**{f"{field}__{_LOOKUPS[operator]}": value})
    if exclude_full:
        slot_filter &= Q(is_full=False)
    timeslots = Timeslot.objects.filter(slot_filter).order_by("start_date", "id")
    if slot_filter:
        events = events.filter(id__in=timeslots.values("event_id"))

    searched = any(call.request.GET.get(name) is not None for name in SEARCH_BACKEND_PARAMS)
    limit = settings.SANDBOX_MOBILIZE_SEARCH_LIMIT if searched else None
    return page_response(
        call.request,
        events.select_related("organization", "location", "event_campaign"),
        _events_renderer(call.viewer, timeslots),
        paging,
        results_limited_to=limit,
    )


def _event_for(call: Call, event_id: int) -> Event:
    """An event the path's organization owns or promotes and this request may see, else 404."""
    event = (
        Event.objects.filter(pk=event_id, organization_id__in=_scope_ids(call.org))
        .select_related("organization", "location", "event_campaign")
        .prefetch_related("timeslots", "tags")
        .first()
    )
    if event is None:
        raise not_found()
    owned_and_permitted = event.organization_id == call.org.id and call.viewer.permitted
    if not owned_and_permitted and (event.visibility != "PUBLIC" or event.approval_status != "APPROVED"):
        raise not_found()
    return event


@endpoint()
def organization_event(call: Call, event_id: int) -> JsonResponse:
    """GET /organizations/:id/events/:event_id (404 unless owned or promoted)."""
    call.params.check()
    return JsonResponse({"data": serialize_event(_event_for(call, event_id), call.viewer)})


@endpoint()
def public_event(call: Call, event_id: int) -> JsonResponse:
    """GET /events/:event_id: a public event on the platform, whoever owns it.

    "This endpoint will 404 if a private event is requested"; an event not (yet) approved is not
    public either. A key of the owning organization sees its privileged data, as everywhere.
    """
    call.params.check()
    event = (
        Event.objects.filter(pk=event_id, visibility="PUBLIC", approval_status="APPROVED")
        .select_related("organization", "location", "event_campaign")
        .prefetch_related("timeslots", "tags")
        .first()
    )
    if event is None:
        raise not_found()
    return JsonResponse({"data": serialize_event(event, call.viewer)})


# "[DEPRECATED] List all public events" and "List deleted public events": Mobilize answers them as
# aliases of the organization endpoints for this organization.
DEPRECATED_ALIAS_ORGANIZATION_ID = 1


def deprecated_events(request: HttpRequest) -> HttpResponse:
    """GET /events (deprecated): an alias of GET /organizations/1/events, parameters and all."""
    return organization_events(request, organization_id=DEPRECATED_ALIAS_ORGANIZATION_ID)


def deprecated_deleted_events(request: HttpRequest) -> HttpResponse:
    """GET /events/deleted (deprecated): an alias of GET /organizations/1/events/deleted."""
    return deleted_events(request, organization_id=DEPRECATED_ALIAS_ORGANIZATION_ID)


def unknown_path(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any other path under the API, with any method: 404 in the error envelope, not Django's HTML page."""
    return error_response(404, {"detail": "Not found."})


@endpoint()
def deleted_events(call: Call) -> JsonResponse:
    """GET /organizations/:id/events/deleted: [{id, deleted_date}].

    PRIVATE without permission returns no private events (not a 403, unlike the event list).
    """
    updated_since = call.params.integer("updated_since")
    visibility = call.params.choices("visibility", Choices.VISIBILITY) or ["PUBLIC"]
    paging = call.params.paging()
    call.params.check()
    shown = Q(pk__in=[])
    if "PUBLIC" in visibility:
        shown |= Q(visibility="PUBLIC")
    if "PRIVATE" in visibility and call.viewer.permitted:
        shown |= Q(visibility="PRIVATE", organization_id=call.org.id)
    deleted = DeletedEvent.objects.filter(organization_id__in=_scope_ids(call.org)).filter(shown)
    if updated_since is not None:
        deleted = deleted.filter(deleted_date__gte=updated_since)
    return page_response(call.request, deleted, each(serialize_deleted_event), paging)


def _attendance_queryset(attendances: QuerySet[Attendance]) -> QuerySet[Attendance]:
    return attendances.select_related(
        "person", "timeslot", "sponsor", "event__organization", "event__location", "event__event_campaign"
    )


def _organization_attendances(org: Organization) -> QuerySet[Attendance]:
    """Attendances the organization recruited (promoted) or for events it owns."""
    return Attendance.objects.filter(Q(sponsor_id=org.id) | Q(event__organization_id=org.id))


def _count_attendances(org: Organization, updated_since: int | None) -> int:
    """How many `_organization_attendances` there are, as two counts an index answers alone.

    (The OR over a join that lists them makes SQLite read every attendance: ~15 ms at 50,000.)
    """
    recruited = Attendance.objects.filter(sponsor_id=org.id)
    others = Attendance.objects.filter(event_id__in=Event.objects.filter(organization_id=org.id).values("id")).exclude(
        sponsor_id=org.id
    )
    if updated_since is not None:
        recruited = recruited.filter(modified_date__gte=updated_since)
        others = others.filter(modified_date__gte=updated_since)
    return recruited.count() + others.count()


@endpoint(auth=True)
def organization_attendances(call: Call) -> JsonResponse:
    """GET /organizations/:id/attendances (members only); `updated_since` on modified_date."""
    updated_since = call.params.integer("updated_since")
    paging = call.params.paging()
    call.params.check()
    attendances = _organization_attendances(call.org)
    if updated_since is not None:
        attendances = attendances.filter(modified_date__gte=updated_since)
    return page_response(
        call.request,
        _attendance_queryset(attendances),
        _attendances_renderer(call.viewer),
        paging,
        count=lambda: _count_attendances(call.org, updated_since),
    )


@endpoint(auth=True)
def organization_attendance(call: Call, attendance_id: int) -> JsonResponse:
    """GET /organizations/:id/attendances/:attendance_id (members only)."""
    call.params.check()
    attendance = _attendance_queryset(_organization_attendances(call.org).filter(pk=attendance_id)).first()
    if attendance is None:
        raise not_found()
    return JsonResponse({"data": _attendances_renderer(call.viewer)([attendance])[0]})


@endpoint(auth=True)
def event_attendances(call: Call, event_id: int) -> JsonResponse:
    """GET /organizations/:id/events/:event_id/attendances: all of an owned or promoted event's."""
    paging = call.params.paging()
    call.params.check()
    event = _event_for(call, event_id)
    return page_response(
        call.request,
        _attendance_queryset(Attendance.objects.filter(event_id=event.id)),
        _attendances_renderer(call.viewer),
        paging,
    )


@endpoint(auth=True)
def organization_people(call: Call) -> JsonResponse:
    """GET /organizations/:id/people (members only): its affiliated volunteers."""
    updated_since = call.params.integer("updated_since")
    paging = call.params.paging()
    call.params.check()
    people = Person.objects.filter(organizations=call.org)
    if updated_since is not None:
        people = people.filter(modified_date__gte=updated_since)
    variants = call.viewer.variants_of(call.org)
    return page_response(call.request, people, each(lambda person: serialize_person(person, variants=variants)), paging)


@endpoint()
def enums(call: Call) -> JsonResponse:
    """GET /enums: the values the create endpoints accept (public)."""
    call.params.check()
    return JsonResponse(
        {
            "data": {
                "event_type": list(Choices.EVENT_TYPES),
                "visibility": list(Choices.VISIBILITY),
                "accessibility_status": list(Choices.ACCESSIBILITY_STATUS),
                "approval_status": list(Choices.APPROVAL_STATUS),
                "timezone": list(Choices.TIMEZONES),
                "sms_opt_in": list(Choices.SMS_OPT_IN),
                "transactional_sms_opt_in": list(Choices.TRANSACTIONAL_SMS_OPT_IN),
            }
        }
    )
