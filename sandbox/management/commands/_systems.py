"""Find an emulated system's module by name, for the sandbox commands (not a command itself)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

from django.core.management.base import CommandError

SANDBOX_DIR = Path(__file__).resolve().parents[2]


def known_systems(module: str) -> list[str]:
    """The sandbox's system packages that provide `module` (e.g. "loader")."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(SANDBOX_DIR)])
        if info.ispkg and (SANDBOX_DIR / info.name / f"{module}.py").exists()
    )


def system_module(system: str, module: str) -> ModuleType:
    """`sandbox.<system>.<module>`, or a CommandError naming the systems that have one."""
    name = f"sandbox.{system}.{module}"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", system or ""):
        raise CommandError(f"{system!r} is not a sandbox system name; known: {', '.join(known_systems(module))}.")
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only a missing system or module is "unknown"; a missing import inside it is a bug to show.
        if exc.name not in (name, f"sandbox.{system}"):
            raise
        raise CommandError(
            f"Unknown sandbox system {system!r} (no module {name}); known: {', '.join(known_systems(module))}."
        ) from None
