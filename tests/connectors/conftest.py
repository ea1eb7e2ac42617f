"""Fixtures for connector unit tests: a recorded backoff sleep and a recording rate limiter."""

from __future__ import annotations

import types

import pytest
import tenacity.nap


@pytest.fixture
def backoff_sleeps(monkeypatch) -> list[float]:
    """Record tenacity's backoff sleeps instead of sleeping (the rate limiter is untouched)."""
    slept: list[float] = []
    monkeypatch.setattr(tenacity.nap, "time", types.SimpleNamespace(sleep=slept.append))
    return slept


class RecordingLimiter:
    """A RateLimiter stand-in that admits everything and records what was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def acquire(self, key: str, rate: str) -> float:
        self.calls.append((key, rate))
        return 0.0

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture
def recording_limiter() -> RecordingLimiter:
    return RecordingLimiter()
