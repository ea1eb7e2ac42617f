"""Fault injection rules shared by every emulated API, editable in the admin."""

from __future__ import annotations

from django.db import models


class FaultKind(models.TextChoices):
    LATENCY = "latency", "Latency (answer after a delay)"
    RATE_LIMIT = "429", "HTTP 429 Too Many Requests"
    SERVER_ERROR = "500", "HTTP 500 Internal Server Error"
    UNAVAILABLE = "503", "HTTP 503 Service Unavailable"
    TIMEOUT = "timeout", "Timeout (hold the request past the client's timeout)"
    MALFORMED = "malformed", "Malformed body (HTTP 200 with truncated JSON)"


class FaultRule(models.Model):
    """Inject a fault into matching sandbox requests ("per setting", as opposed to per request).

    A rule matches on system, method and a regular expression searched in the request path.
    `remaining` counts down with each faulted request (empty: every matching request), so a
    test or a person can say "the next two POSTs to /event/ answer 500, then all is well".
    """

    system = models.CharField(
        max_length=32, blank=True, help_text="mobilize, actionkit, ...; empty matches every system."
    )
    method = models.CharField(max_length=8, blank=True, help_text="GET, POST, PATCH...; empty matches any.")
    path_pattern = models.CharField(
        max_length=200,
        blank=True,
        help_text="Regular expression searched in the request path; empty matches all.",
    )
    kind = models.CharField(max_length=16, choices=FaultKind.choices)
    latency_ms = models.PositiveIntegerField(default=0, help_text="For latency: how long to wait.")
    remaining = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many more matching requests to fault; empty means all of them."
    )
    enabled = models.BooleanField(default=True)
    hits = models.PositiveIntegerField(default=0, editable=False)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        scope = " ".join(part for part in (self.system, self.method, self.path_pattern) if part) or "everything"
        return f"{self.get_kind_display()} on {scope}"
