"""Ascend connector: the API client (members, groups, flow starts, messages) and the flow's adapter."""

from __future__ import annotations

from .client import MAX_LIMIT, AscendAdapter, AscendClient, ConflictError, MemberNotFound, MemberUnsubscribed

__all__ = ["MAX_LIMIT", "AscendAdapter", "AscendClient", "ConflictError", "MemberNotFound", "MemberUnsubscribed"]
