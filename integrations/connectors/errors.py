"""Typed connector failures. Each carries a sentence a support person can act on and a
`retryable` flag decided by the connector from the remote's documentation, never by callers.
"""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    """A remote system refused or failed a request."""

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.details = details
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return self.message


class AuthenticationError(ConnectorError):
    """The credentials were refused (Mobilize answers 403 for a bad key). Fix the key; don't retry."""


class NotFoundError(ConnectorError):
    """The object does not exist (or is not visible to this organization)."""


class RemoteValidationError(ConnectorError):
    """The remote rejected the request's content (HTTP 400); `field_errors` says what and where."""

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}


class RateLimitedError(ConnectorError):
    """HTTP 429: too many requests; wait (Retry-After if sent) and try again."""

    retryable = True


class ServerError(ConnectorError):
    """HTTP 5xx: the remote failed; usually passes."""

    retryable = True


class TransportError(ConnectorError):
    """No answer: connection refused or reset, DNS failure, or a timeout."""

    retryable = True
    # True when the request certainly never reached the remote (so even a POST may be resent).
    not_sent = False


class MalformedResponseError(ConnectorError):
    """The remote answered 2xx with a body that is not what its documentation promises."""

    retryable = True


def flatten_field_errors(error: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten nested error envelopes ({"field": {"0": ["msg"]}}) into {"field": ["msg"]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(error, dict):
        for key, value in error.items():
            name = prefix if key.isdigit() and prefix else (f"{prefix}.{key}" if prefix else str(key))
            for field, messages in flatten_field_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
    elif isinstance(error, list):
        for value in error:
            for field, messages in flatten_field_errors(value, prefix).items():
                flat.setdefault(field, []).extend(messages)
    elif error is not None:
        flat.setdefault(prefix or "error", []).append(str(error))
    return flat


def describe_field_errors(field_errors: dict[str, list[str]]) -> str:
    """'field: message; other: message' for a human."""
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in field_errors.items())
