"""Validation of remote base URLs: https and allow-listed outside development."""

from __future__ import annotations

from fnmatch import fnmatch
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError


def validate_remote_base_url(url: str) -> None:
    """Reject a base URL that is not https or whose host is not on REMOTE_HOST_ALLOWLIST.

    Development (ALLOW_INSECURE_REMOTES) accepts anything, so the sandbox can be used.
    """
    if settings.ALLOW_INSECURE_REMOTES:
        return
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ValidationError(f"{url} must use https.")
    host = (parts.hostname or "").lower()
    if not any(fnmatch(host, pattern.lower()) for pattern in settings.REMOTE_HOST_ALLOWLIST):
        raise ValidationError(f"{host} is not on REMOTE_HOST_ALLOWLIST; an operator must add it to the settings first.")
