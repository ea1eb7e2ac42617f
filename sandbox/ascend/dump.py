"""What the emulated Ascend accounts hold, as plain JSON-ready data (`manage.py sandbox_dump ascend`).

Records are in the API's shapes, plus what makes a dump readable at a glance: each record's
account name, each member's groups by name, and for each flow start and message who it was for
("which flow fired for whom"). Accounts are listed by name only (never an API key). The output is
also a valid `loader.load` input (its accounts, which have no key, must exist already; flow
starts and messages are history and are not loaded).
"""

from __future__ import annotations

from typing import Any

from . import resources as r
from .models import Account, Flow, FlowStart, Group, Member, Message


def _who(member: Member | None, phone: str) -> str:
    if member is None:
        return phone
    name = " ".join(part for part in (member.first_name, member.last_name) if part)
    return f"{name} ({phone})" if name else phone


def dump() -> dict[str, Any]:
    """Every account (name and active only), member with their groups, group, flow, flow start and message."""
    members = []
    for member in Member.objects.select_related("account").prefetch_related("memberships__group").order_by("id"):
        entry = {"account": member.account.name, **r.render_member(member)}
        entry["groups"] = [m.group.name for m in sorted(member.memberships.all(), key=lambda m: m.group_id)]
        members.append(entry)
    groups = [
        {"account": group.account.name, **r.render_group(group)}
        for group in Group.objects.select_related("account").order_by("id")
    ]
    flows = [{"account": flow.account.name, **r.render_flow(flow)} for flow in Flow.objects.select_related("account")]
    starts = [
        {"account": start.account.name, "flow": start.flow.name, "member": _who(start.member, start.phone)}
        | r.render_flow_start(start)
        for start in FlowStart.objects.select_related("account", "flow", "member").order_by("id")
    ]
    messages = [
        {"account": message.account.name, "member": _who(message.member, message.phone)} | r.render_message(message)
        for message in Message.objects.select_related("account", "member").order_by("id")
    ]
    return {
        "accounts": [{"name": a.name, "is_active": a.is_active} for a in Account.objects.order_by("id")],
        "members": members,
        "groups": groups,
        "flows": flows,
        "flow_starts": starts,
        "messages": messages,
    }
