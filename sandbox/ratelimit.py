"""The emulated APIs' own rate limits (a moving window per client), for every system.

The windows live in the project's rate-limit storage (Redis when configured, so they hold across
server processes), the same storage object as the connectors' limiter: the test suite's per-test
reset clears the sandbox's windows too. The keys are the sandbox's own.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from limits import parse
from limits.strategies import MovingWindowRateLimiter

from integrations.connectors.ratelimit import default_limiter

_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _moving_window(storage: Any) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage)


def over_rate(rate: str, *identifiers: str) -> bool:
    """Take one slot of `rate` (e.g. "4/second") for the client `identifiers` name (e.g. system,
    verb class, IP or token); True when the client is over the rate and the request must get a 429."""
    # RateLimiter keeps its `limits` limiter private; its storage is what we share.
    storage = default_limiter().storage
    with _lock:  # limits' MemoryStorage is not safe for a check-and-take across threads
        return not _moving_window(storage).hit(parse(rate), *identifiers)
