"""Ascend's JSON shapes (docs/connectors/ascend.md): the error envelope, phones, rendering objects.

Errors are raised as `ApiError` and answered by the views as
`{"error": {"code", "message", "fields"?, ...}}` with the status their code implies.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from .models import Flow, FlowStart, Group, Member, Message

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")  # a country code and at most 15 digits in all
STATUSES = {
    "invalid": 400,
    "unauthorized": 401,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "unsubscribed": 422,
    "rate_limited": 429,
    "server_error": 500,
    "unavailable": 503,
    "timeout": 504,
}


class ApiError(Exception):
    """An error answer: its code (which sets the status), a sentence, and optional extras
    (`fields` for 400s, `existing` for 409s, `phones` for 422s of a group add)."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra

    @property
    def status(self) -> int:
        return STATUSES[self.code]

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, **self.extra}}


def invalid(fields: dict[str, list[str]], message: str = "The request is invalid.") -> ApiError:
    """A 400 naming what is wrong with each field."""
    return ApiError("invalid", message, fields=fields)


def unsubscribed(phones: list[str]) -> ApiError:
    """A 422: the write would touch an unsubscribed member (never changed, never texted)."""
    return ApiError(
        "unsubscribed", f"{', '.join(phones)} unsubscribed: Ascend changes and texts them no more.", phones=phones
    )


def is_e164(phone: Any) -> bool:
    return isinstance(phone, str) and E164.match(phone) is not None


def check_phone(phone: Any, field: str = "phone") -> str:
    """The phone when it is E.164, else a 400 on `field`."""
    if not is_e164(phone):
        raise invalid({field: [f"{phone!r} is not an E.164 phone number (e.g. +12155550101)."]})
    return phone


def format_datetime(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z (`2030-05-01T14:00:00Z`; microseconds when there are some)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso_datetime(value: Any) -> datetime | None:
    """An ISO 8601 datetime with a zone (Z or an offset) as an aware datetime; None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


# --- rendering -------------------------------------------------------------------------------------


def render_member(member: Member) -> dict[str, Any]:
    opt_in = None
    if member.opt_in_source or member.opt_in_at:
        opt_in = {"source": member.opt_in_source or None, "at": format_datetime(member.opt_in_at)}
    return {
        "phone": member.phone,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
        "zip": member.zip,
        "custom_fields": member.custom_fields,
        "subscription_status": member.subscription_status,
        "opt_in": opt_in,
        "groups": sorted(m.group_id for m in member.memberships.all()),
        "created_at": format_datetime(member.created_at),
        "updated_at": format_datetime(member.updated_at),
    }


def render_group(group: Group, member_count: int | None = None) -> dict[str, Any]:
    return {
        "id": group.pk,
        "name": group.name,
        "kind": group.kind,
        "external_id": group.external_id,
        "member_count": group.memberships.count() if member_count is None else member_count,
    }


def render_flow(flow: Flow) -> dict[str, Any]:
    return {"id": flow.pk, "name": flow.name}


def render_flow_start(start: FlowStart) -> dict[str, Any]:
    return {
        "id": start.pk,
        "flow_id": start.flow_id,
        "phone": start.phone,
        "idempotency_key": start.idempotency_key,
        "context": start.context,
        "created_at": format_datetime(start.created_at),
    }


def render_message(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "phone": message.phone,
        "body": message.body,
        "idempotency_key": message.idempotency_key,
        "created_at": format_datetime(message.created_at),
    }
