"""The one HTTP helper every connector uses: session, timeouts, rate limits, retries, typed errors.

A connector subclasses `HttpClient`, sets `system`, its rates and auth, and overrides
`error_message()` to read its remote's error envelope. Retrying is decided here from the
error's type: 429, 5xx, timeouts and connection failures are retried with exponential
backoff and jitter (or the server's Retry-After); every other 4xx fails at once.
"""

from __future__ import annotations

import email.utils
import logging
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from .errors import (
    AuthenticationError,
    ConnectorError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    ServerError,
    TransportError,
)
from .ratelimit import RateLimiter, default_limiter

logger = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_RETRY_AFTER_SECONDS = 300.0


class Credential:
    """Holds an API key or password so that no repr, log line or debugger dump of a client shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one place that sends it (a client's `prepare`)."""
        return self._value

    def redact(self, text: str) -> str:
        """`text` with this secret replaced: servers echo what they refuse, and no log or run message may
        show it. Secrets shorter than 4 characters are left alone (they would blank ordinary words)."""
        value = self._value
        return text.replace(value, "[redacted]") if value and len(value) >= 4 else text

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "'********'"

    __str__ = __repr__


@dataclass
class ClientStats:
    """What a client did, for run summaries and the benchmark."""

    requests: Counter = field(default_factory=Counter)  # by method
    retries: int = 0
    rate_limited_responses: int = 0
    throttled_seconds: float = 0.0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)  # delta-seconds; some servers send a fraction ("1.5")
    except ValueError:
        pass
    else:
        return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER_SECONDS))


class HttpClient:
    """Base class of every connector client."""

    system: str = "remote"
    read_rate: str = "10/second"
    write_rate: str = "5/second"
    # POST is not idempotent: after a 5xx or a read timeout the remote may have acted, so a POST
    # is retried only when it surely was not processed (429, or no connection was made). The
    # engine's natural-key lookup on the next run covers the rest without duplicates.
    idempotent_methods: frozenset[str] = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
        limiter: RateLimiter | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout if timeout is not None else settings.HTTP_TIMEOUT_SECONDS
        self.max_attempts = max_attempts if max_attempts is not None else settings.HTTP_MAX_ATTEMPTS
        self.limiter = limiter or default_limiter()
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "mobilize-sync/0.1"})
        self.stats = ClientStats()

    # --- hooks for subclasses ------------------------------------------------------------
    def prepare(self, request_kwargs: dict[str, Any]) -> None:
        """Add authentication to a request (headers, auth). Called before every attempt."""

    def error_message(self, response: requests.Response) -> tuple[str, dict[str, list[str]]]:
        """A readable description of an error response and its field errors, if any."""
        text = response.text[:300].strip()
        return (text or response.reason or "no details"), {}

    # --- the request loop ------------------------------------------------------------------
    def url_for(self, path_or_url: str) -> str:
        """Absolute URL for a path relative to the base URL, a root-relative path, or a full URL."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        if path_or_url.startswith("/"):
            return urljoin(self.origin, path_or_url)
        return self.base_url + path_or_url

    def request(self, method: str, path_or_url: str, *, idempotent: bool = False, **kwargs: Any) -> requests.Response:
        """Send a request with rate limiting and retries; return a 2xx/3xx response or raise ConnectorError.

        Typed errors say whether to retry (see `should_retry`); every attempt takes a rate-limit slot.
        `idempotent` marks a POST that is safe to repeat after a 5xx or a timeout (an upsert by
        natural key, a request carrying an idempotency key): it is retried like a PUT.
        """
        method = method.upper()
        url = self.url_for(path_or_url)

        def retryable(exc: BaseException) -> bool:
            if idempotent and isinstance(exc, ConnectorError) and exc.retryable:
                return True
            return self.should_retry(method, exc)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(retryable),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        return retrying(self._send_once, method, url, kwargs)

    def should_retry(self, method: str, exc: BaseException) -> bool:
        """Whether a failed attempt may be repeated (see `idempotent_methods`)."""
        if not isinstance(exc, ConnectorError) or not exc.retryable:
            return False
        if method in self.idempotent_methods:
            return True
        return isinstance(exc, RateLimitedError) or getattr(exc, "not_sent", False)

    def rate_limit(self, method: str) -> tuple[str, str]:
        """The rate-limit window a request takes a slot of: (key, rate such as "10/second").

        By default one window per remote origin and verb class (reads and writes apart). A
        remote that limits per credential, or counts reads and writes together, overrides this.
        The key may reach Redis and its logs: never put a secret in it.
        """
        if method in WRITE_METHODS:
            return f"{self.system}:{self.origin}:write", self.write_rate
        return f"{self.system}:{self.origin}:read", self.read_rate

    def _send_once(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        key, rate = self.rate_limit(method)
        self.stats.throttled_seconds += self.limiter.acquire(key, rate)
        request_kwargs = {"timeout": self.timeout, **kwargs}
        self.prepare(request_kwargs)
        self.stats.requests[method] += 1
        path = urlsplit(url).path
        started = time.monotonic()
        try:
            response = self.session.request(method, url, **request_kwargs)
        except requests.ConnectTimeout as exc:
            error = TransportError(f"Could not connect to {self.system} at {self.origin} (timeout).", retryable=True)
            error.not_sent = True
            raise error from exc
        except requests.Timeout as exc:
            raise TransportError(
                f"{self.system} did not answer {method} {path} within {self.timeout:g}s.", retryable=True
            ) from exc
        except requests.ConnectionError as exc:
            error = TransportError(
                f"Could not connect to {self.system} at {self.origin} ({type(exc).__name__}).", retryable=True
            )
            error.not_sent = isinstance(exc, requests.ConnectTimeout) or "NewConnectionError" in repr(exc)
            raise error from exc
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            # The answer broke off (or was garbled) mid-body: transient, like a reset connection.
            raise TransportError(
                f"The connection to {self.system} broke while reading the answer to {method} {path} "
                f"({type(exc).__name__}).",
                retryable=True,
            ) from exc
        except requests.RequestException as exc:
            # InvalidURL, MissingSchema, TooManyRedirects...: the request cannot succeed as configured.
            # Raised as a ConnectorError so the engine records a sentence instead of crashing the run.
            raise ConnectorError(
                f"Could not send {method} {path} to {self.system} at {self.origin} ({type(exc).__name__}): "
                "check the base URL configured for this system.",
                retryable=False,
            ) from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug("%s %s %s -> %s in %.0f ms", self.system, method, path, response.status_code, elapsed_ms)
        if response.status_code >= 400:
            raise self.error_for(method, path, response)
        return response

    def error_for(self, method: str, path: str, response: requests.Response) -> ConnectorError:
        """Map an error response to the typed error its status means."""
        status = response.status_code
        detail, field_errors = self.error_message(response)
        where = f"{self.system} answered HTTP {status} to {method} {path}"
        if status == 429:
            self.stats.rate_limited_responses += 1
            return RateLimitedError(
                f"{where}: rate limit exceeded; backing off.",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500:
            return ServerError(f"{where}: {detail}", status=status)
        if status in (401, 403):
            return AuthenticationError(
                f"{where}: the credentials were refused ({detail}). Check the API key or password.",
                status=status,
            )
        if status == 404:
            return NotFoundError(f"{where}: not found ({detail}).", status=status)
        if status in (400, 409, 422):
            return RemoteValidationError(f"{where}: {detail}", status=status, field_errors=field_errors)
        return ConnectorError(f"{where}: {detail}", status=status)

    def json(self, response: requests.Response) -> Any:
        """The JSON body of a response, or MalformedResponseError naming the request."""
        try:
            return response.json()
        except ValueError as exc:
            path = urlsplit(response.url or "").path
            raise MalformedResponseError(
                f"{self.system} answered {path} with a body that is not valid JSON ({len(response.content)} bytes)."
            ) from exc

    def request_json(
        self,
        method: str,
        path_or_url: str,
        *,
        validate: Callable[[Any], Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send a request and parse its JSON, retrying a malformed body like a transient failure.

        `validate` (optional) checks the parsed body against the remote's documented envelope and
        returns what the caller wants from it; raising MalformedResponseError there is retried by
        this same policy, so a connector needs no retry loop of its own for a half-written body.
        """

        def attempt() -> Any:
            body = self.json(self.request(method, path_or_url, **kwargs))
            return validate(body) if validate is not None else body

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts if method.upper() == "GET" else 1),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: isinstance(exc, MalformedResponseError) and exc.retryable),
            before_sleep=self._before_sleep,
            reraise=True,
        )
        return retrying(attempt)

    def next_page_url(self, name: str, shown: str, current: str, link: Any, fetched: set[str]) -> str:
        """Resolve a list's link to its next page, refusing what must not be followed.

        The link must be a string on this client's own origin (following another host would send
        it our credentials) and not a page already fetched (a server looping would never end).
        """
        if not isinstance(link, str):
            raise MalformedResponseError(f"{self.system} answered GET {shown} with a {name} that is not a URL.")
        resolved = urljoin(current, link)
        parts = urlsplit(resolved)
        if f"{parts.scheme}://{parts.netloc}".lower() != self.origin.lower():
            raise MalformedResponseError(
                f"{self.system} answered GET {shown} with a {name} to another host ({parts.netloc}); "
                "refusing to follow it.",
                retryable=False,
            )
        if resolved in fetched:
            raise MalformedResponseError(
                f"{self.system} answered GET {shown} with a {name} to a page already fetched; "
                "stopping instead of looping.",
                retryable=False,
            )
        fetched.add(resolved)
        return resolved

    # --- backoff --------------------------------------------------------------------------
    def _wait(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return retry_after
        # `multiplier` (tenacity deprecated `initial`); the jitter scales with the first step so
        # that a short test backoff is not drowned in a fixed 1 s of jitter.
        initial = settings.HTTP_BACKOFF_INITIAL_SECONDS
        backoff = wait_exponential_jitter(multiplier=initial, jitter=initial, max=settings.HTTP_BACKOFF_MAX_SECONDS)
        return backoff(retry_state)

    def _before_sleep(self, retry_state: RetryCallState) -> None:
        self.stats.retries += 1
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        logger.warning("%s: retrying after attempt %d: %s", self.system, retry_state.attempt_number, exc)
