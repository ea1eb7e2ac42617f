"""What the Ascend sandbox holds, read for assertions (in the contract's JSON shapes)."""

from __future__ import annotations

from typing import Any


def member(phone: str) -> dict[str, Any] | None:
    from sandbox.ascend.models import Member
    from sandbox.ascend.resources import render_member

    row = Member.objects.filter(phone=phone).first()
    return render_member(row) if row is not None else None


def phones() -> set[str]:
    from sandbox.ascend.models import Member

    return set(Member.objects.values_list("phone", flat=True))


def group_names() -> set[str]:
    from sandbox.ascend.models import Group

    return set(Group.objects.values_list("name", flat=True))


def group_members(name: str) -> set[str]:
    from sandbox.ascend.models import GroupMembership

    return set(GroupMembership.objects.filter(group__name=name).values_list("member__phone", flat=True))


def starts() -> set[tuple[str, str]]:
    """(flow name, phone) of every flow start: which flow fired for whom."""
    from sandbox.ascend.models import FlowStart

    return set(FlowStart.objects.values_list("flow__name", "phone"))


def start_count() -> int:
    from sandbox.ascend.models import FlowStart

    return FlowStart.objects.count()
