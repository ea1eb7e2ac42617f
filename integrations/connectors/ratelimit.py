"""One rate limiter for every connector: a moving-window limit per remote origin and verb class.

With RATE_LIMIT_STORAGE_URL pointing at Redis the window is shared by every worker process
and host; otherwise it is kept in this process (the embedded default).
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from django.conf import settings
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimiter:
    """Blocks until a request may be sent without exceeding `rate` for `key`."""

    def __init__(self, storage_url: str) -> None:
        self.storage_url = storage_url
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    def acquire(self, key: str, rate: str) -> float:
        """Take one slot of `rate` (e.g. "15/second") for `key`, sleeping as needed.

        Returns the seconds waited (for run statistics and the benchmark).
        """
        item = parse(rate)
        waited = 0.0
        while True:
            # limits' MemoryStorage hands out per-key locks that its expiry timer may drop while
            # another thread holds one, so two threads could both take the last slot: serialise
            # the check-and-take here. (Redis does it atomically in a Lua script; the lock only
            # orders this process's threads.)
            with self._lock:
                if self._limiter.hit(item, "mobilize-sync", key):
                    self.waited_seconds += waited
                    return waited
                stats = self._limiter.get_window_stats(item, "mobilize-sync", key)
            if stats.remaining > 0:
                # The window drained between the refused hit and the stats read (its reset_time
                # then means "a whole window from now"): try again at once instead of sleeping 1 s.
                pause = 0.001
            else:
                pause = min(max(stats.reset_time - time.time(), 0.005), item.get_expiry())
            time.sleep(pause)
            waited += pause

    @property
    def storage(self):
        """The `limits` storage holding the windows (the sandbox keeps its own per-IP limit in it too)."""
        return self._limiter.storage

    def reset(self) -> None:
        """Forget every window (tests)."""
        self._limiter.storage.reset()


@lru_cache(maxsize=4)
def _limiter_for(storage_url: str) -> RateLimiter:
    return RateLimiter(storage_url)


def default_limiter() -> RateLimiter:
    """The process-wide limiter for the configured storage."""
    return _limiter_for(settings.RATE_LIMIT_STORAGE_URL)
