"""Fault injection for every emulated API: per request (a header or query parameter) or per rule.

Per request: send `X-Sandbox-Fault: <fault>` or add `?sandbox_fault=<fault>` where <fault> is
one of `429`, `500`, `503`, `timeout`, `malformed` or `latency=<milliseconds>`.
Per rule: a `FaultRule` row (admin: Sandbox -> Fault rules) or the setting SANDBOX_FAULTS
(a list of dicts with the FaultRule fields) for a whole process.

A system's views are wrapped with `with_faults("<system>")`; the wrapper runs before the
system's own auth and rate limiting, as a failing proxy or server would.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse

from .models import FaultKind, FaultRule

HEADER = "HTTP_X_SANDBOX_FAULT"
QUERY_PARAM = "sandbox_fault"


@dataclass(frozen=True)
class Fault:
    kind: str
    latency_ms: int = 0


def parse_fault(text: str | None) -> Fault | None:
    """`429`, `500`, `503`, `timeout`, `malformed` or `latency=<ms>`; None for anything else."""
    if not text:
        return None
    text = text.strip().lower()
    if text.startswith("latency"):
        _, _, value = text.partition("=")
        return Fault(FaultKind.LATENCY, int(value) if value.isdigit() else 500)
    if text in FaultKind.values:
        return Fault(text)
    return None


def _matches(rule: dict | FaultRule, system: str, request: HttpRequest) -> bool:
    get = rule.get if isinstance(rule, dict) else functools.partial(getattr, rule)
    if get("system", "") and get("system", "") != system:
        return False
    if get("method", "") and get("method", "").upper() != request.method:
        return False
    pattern = get("path_pattern", "")
    return not pattern or re.search(pattern, request.path) is not None


def _rule_fault(system: str, request: HttpRequest) -> Fault | None:
    for rule in getattr(settings, "SANDBOX_FAULTS", []) or []:
        if _matches(rule, system, request):
            return Fault(rule["kind"], int(rule.get("latency_ms", 0)))
    candidates = FaultRule.objects.filter(enabled=True).exclude(remaining=0)
    for rule in candidates:
        if not _matches(rule, system, request):
            continue
        with transaction.atomic():
            # Count down atomically so two concurrent requests never both take the last one.
            query = FaultRule.objects.filter(pk=rule.pk)
            if rule.remaining is not None:
                taken = query.filter(remaining__gt=0).update(remaining=F("remaining") - 1, hits=F("hits") + 1)
                if not taken:
                    continue
            else:
                query.update(hits=F("hits") + 1)
        return Fault(rule.kind, rule.latency_ms)
    return None


def requested_fault(system: str, request: HttpRequest) -> Fault | None:
    """The fault this request asks for or a rule imposes, if any."""
    return parse_fault(request.META.get(HEADER) or request.GET.get(QUERY_PARAM)) or _rule_fault(system, request)


def fault_response(fault: Fault) -> HttpResponse | None:
    """Act out a fault: a response to send instead of the real one, or None to carry on (latency)."""
    if fault.kind == FaultKind.LATENCY:
        time.sleep(fault.latency_ms / 1000)
        return None
    if fault.kind == FaultKind.TIMEOUT:
        time.sleep(settings.SANDBOX_TIMEOUT_FAULT_SECONDS)
        return JsonResponse({"detail": "Gateway timeout (sandbox fault)."}, status=504)
    if fault.kind == FaultKind.MALFORMED:
        return HttpResponse('{"data": [{"id": 1, "title": "trunc', content_type="application/json", status=200)
    # No Retry-After: Mobilize documents none, so clients must fall back to their own backoff.
    status = int(fault.kind)
    return JsonResponse({"detail": f"Sandbox fault: HTTP {status}."}, status=status)


def with_faults(system: str) -> Callable:
    """Decorate a sandbox view so that requested and configured faults happen before it runs."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            fault = requested_fault(system, request)
            if fault is not None:
                response = fault_response(fault)
                if response is not None:
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
