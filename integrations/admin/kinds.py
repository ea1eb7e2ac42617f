"""Per-kind settings on the integration page: each kind names the inlines that hold its config.

A new kind (PDI, Ascend, ...) registers its config inline here from its own admin module;
the Integration admin never changes:

    register_kind_inline(IntegrationKind.PDI, PdiConfigInline)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.admin.options import InlineModelAdmin

KIND_INLINES: dict[str, list[type[InlineModelAdmin]]] = {}


def register_kind_inline(kinds: str | Iterable[str], inline: type[InlineModelAdmin]) -> type[InlineModelAdmin]:
    """Show `inline` on the page of every integration of the given kind(s)."""
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        registered = KIND_INLINES.setdefault(str(kind), [])
        if inline not in registered:
            registered.append(inline)
    return inline


def inlines_for(kind: str) -> list[type[InlineModelAdmin]]:
    """The config inlines of one kind (none for a kind without settings)."""
    return list(KIND_INLINES.get(str(kind), ()))
