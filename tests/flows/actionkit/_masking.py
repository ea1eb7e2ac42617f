"""The firewall check shared by the masking tests: walk a payload, report anything not allowed.

A masked payload may hold, at a key that carries a kept fact, that fact; everywhere else only the
constants the mapping exports (and our own page and placeholder email). Comparison is by type and
value, so True is not mistaken for 1 nor "1" for 1.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any


def leaves(payload: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every scalar in a payload, walking dicts and lists."""
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(payload, list | tuple):
        for index, value in enumerate(payload):
            yield from leaves(value, f"{path}[{index}]")
    else:
        yield path, payload


def paths(payload: Any, path: str = "") -> Iterator[str]:
    """Every key of a payload as a dotted path, inner dicts included."""
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            here = f"{path}.{key}" if path else str(key)
            yield here
            yield from paths(value, here)


def _contains(allowed: Collection[Any], value: Any) -> bool:
    return any(type(value) is type(candidate) and value == candidate for candidate in allowed)


def masking_violations(
    payload: Mapping[str, Any],
    *,
    allowed_paths: Collection[str],
    kept: Mapping[str, Collection[Any]],
    constants: Collection[Any],
) -> list[str]:
    """Everything in `payload` a masked payload must not hold, as readable lines (empty: clean).

    `kept` maps the dotted path of each kept fact to the values allowed there; every other leaf
    must be one of `constants`; every key must be one of `allowed_paths`.
    """
    problems = [f"unexpected key {path!r}" for path in paths(payload) if path not in allowed_paths]
    for path, value in leaves(payload):
        allowed = [*kept.get(path, ()), *constants]
        if not _contains(allowed, value):
            problems.append(f"{path} = {value!r} is neither a kept fact nor a masking constant")
    return problems


def source_values(record: Any) -> set[Any]:
    """Every scalar a source record holds (strings stripped), to prove none of them leaks."""
    values: set[Any] = set()
    for _, value in leaves(record):
        if isinstance(value, str):
            if value.strip():
                values.add(value.strip())
        elif isinstance(value, int | float) and not isinstance(value, bool):
            values.add(value)
    return values
