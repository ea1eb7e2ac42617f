"""Make an emulated PDI account: API users, calendars, locations, contacts; and end sessions on demand.

Tests, the demo and `loader.py` call these. `create_api_user` and `create_calendar` are idempotent
(matched by username and by name); `create_contact` always makes a new contact, because two PDI
contacts sharing an email is a case a sync must meet.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import ApiUser, Calendar, Contact, ContactEmail, ContactPhone, Location, PhoneType, Session


def create_api_user(username: str, password: str, api_token: str, session_seconds: int | None = None) -> ApiUser:
    """An active API user with these credentials (created, or its password and token reset).

    `session_seconds` None: a new user's sessions last SANDBOX_PDI_SESSION_SECONDS, an existing
    user keeps its own length.
    """
    user = ApiUser.objects.filter(username=username).first() or ApiUser(username=username)
    user.set_password(password)
    user.set_api_token(api_token)
    user.is_active = True
    if session_seconds is not None:
        user.session_seconds = session_seconds
    user.save()
    return user


def create_calendar(name: str, time_zone: str = "America/New_York", description: str = "") -> Calendar:
    """The calendar of this name (the first one if several share it), created or given this zone."""
    calendar = Calendar.objects.filter(name=name).order_by("id").first() or Calendar(name=name)
    calendar.time_zone = time_zone
    if description:
        calendar.description = description
    calendar.save()
    return calendar


def create_location(name: str, address: str = "") -> Location:
    """The location with this name and address (created if missing)."""
    return Location.objects.filter(location_name=name, location_address=address).order_by("id").first() or (
        Location.objects.create(location_name=name, location_address=address)
    )


@transaction.atomic
def create_contact(
    first: str, last: str, email: str | None = None, phone: str | None = None, *, phone_type: str = PhoneType.MOBILE
) -> Contact:
    """A new contact with, when given, one primary email and one primary phone."""
    contact = Contact.objects.create(first_name=first, last_name=last)
    if email:
        ContactEmail.objects.create(contact=contact, email_address=email, is_primary=True)
    if phone:
        ContactPhone.objects.create(contact=contact, phone_number=phone, phone_type=phone_type, is_primary=True)
    return contact


def expire_sessions(users: list[ApiUser] | None = None) -> int:
    """End every live session now (of `users` only, when given); return how many were ended.

    Tests use it for "the token expires in the middle of a run": the next request with an old
    AccessToken gets 401, and a new `POST /sessions` works as before.
    """
    sessions = Session.objects.live()
    if users is not None:
        sessions = sessions.filter(user__in=users)
    return sessions.update(expires_at=timezone.now())
