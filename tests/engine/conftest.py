"""The in-memory world of the engine's tests (test_runner.py) for every test module here."""

from .test_runner import world  # noqa: F401  (a fixture)
