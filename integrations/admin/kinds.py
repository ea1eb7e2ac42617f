"""Per-kind settings on the integration page: each kind names the inlines that hold its config.

A new kind (PDI, Ascend, ...) registers its config inline here from its own admin module;
the Integration admin never changes:

    register_kind_inline(IntegrationKind.PDI, PdiConfigInline)

A kind may also register what to create with a new integration of it (`register_kind_setup`),
buttons of its own on the integration page (`register_kind_action`, e.g. "Refresh calendars"),
a panel that replaces the page's row of run buttons (`register_kind_panel`, e.g. Action Network <->
Mobile Commons' "Integration Actions"), and that it keeps beat schedules of its own
(`register_kind_own_schedules`: the page's schedule fields are hidden and Integration.schedule
stays empty).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.admin.options import InlineModelAdmin
from django.http import HttpRequest

from integrations.models import Integration

KIND_INLINES: dict[str, list[type[InlineModelAdmin]]] = {}
KIND_SETUPS: dict[str, list[Callable[[Integration], object]]] = {}
KIND_ACTIONS: dict[str, dict[str, KindAction]] = {}
KIND_PANELS: dict[str, KindPanel] = {}
OWN_SCHEDULE_KINDS: set[str] = set()

# Names the integration page's own buttons use (integrations/admin/actions.py): a kind's action may not take one.
RESERVED_ACTION_NAMES = frozenset({"sync", "dry_run", "full_resync", "test_connection"})


def _kinds(kinds: str | Iterable[str]) -> list[str]:
    return [str(kind) for kind in ([kinds] if isinstance(kinds, str) else kinds)]


def register_kind_inline(kinds: str | Iterable[str], inline: type[InlineModelAdmin]) -> type[InlineModelAdmin]:
    """Show `inline` on the page of every integration of the given kind(s)."""
    for kind in _kinds(kinds):
        registered = KIND_INLINES.setdefault(kind, [])
        if inline not in registered:
            registered.append(inline)
    return inline


def inlines_for(kind: str) -> list[type[InlineModelAdmin]]:
    """The config inlines of one kind (none for a kind without settings)."""
    return list(KIND_INLINES.get(str(kind), ()))


def register_kind_setup(kinds: str | Iterable[str], setup: Callable[[Integration], object]) -> None:
    """Call `setup(integration)` when an integration of the kind(s) is created in the admin."""
    for kind in _kinds(kinds):
        registered = KIND_SETUPS.setdefault(kind, [])
        if setup not in registered:
            registered.append(setup)


def set_up(integration: Integration) -> None:
    """Create what a new integration of its kind starts with (its settings row, mapping rows, ...)."""
    for setup in KIND_SETUPS.get(str(integration.kind), ()):
        setup(integration)


@dataclass(frozen=True)
class KindAction:
    """A button on the page of integrations of some kinds: POST, then a message says what happened.

    `role` names the ModelAdmin permission it needs: "run" (operators, like Sync now) or
    "change" (organization admins, like editing the settings). `shown_when`, if given, hides the
    button when it would change nothing (the action itself still works when posted).
    """

    name: str
    label: str
    handler: Callable[[HttpRequest, Integration], object]
    role: Literal["run", "change"] = "run"
    description: str = ""
    shown_when: Callable[[Integration], bool] | None = None

    def shown_for(self, integration: Integration) -> bool:
        """Whether the integration page shows this button (permissions aside)."""
        return self.shown_when is None or self.shown_when(integration)


def register_kind_action(kinds: str | Iterable[str], action: KindAction) -> KindAction:
    """Show `action` as a button on the page of every integration of the given kind(s)."""
    if action.name in RESERVED_ACTION_NAMES:
        raise ValueError(f"{action.name!r} is one of the integration page's own actions.")
    for kind in _kinds(kinds):
        KIND_ACTIONS.setdefault(kind, {})[action.name] = action
    return action


def actions_for(kind: str) -> list[KindAction]:
    """The buttons of one kind, in the order they were registered."""
    return list(KIND_ACTIONS.get(str(kind), {}).values())


def kind_action(kind: str, name: str) -> KindAction | None:
    """One button of a kind by name, or None when the kind has no such button."""
    return KIND_ACTIONS.get(str(kind), {}).get(name)


@dataclass(frozen=True)
class KindPanel:
    """A kind's own panel of buttons and state on the integration page, in place of the row of run buttons.

    `context(request, integration, may)` returns the template's variables (`kind_panel.<name>`);
    `may(role)` says whether the user holds a KindAction role ("run" or "change") on the integration.
    The template is rendered outside the integration's form, so it may hold forms of its own.
    """

    template: str
    context: Callable[[HttpRequest, Integration, Callable[[str], bool]], dict[str, Any]]


def register_kind_panel(kinds: str | Iterable[str], panel: KindPanel) -> KindPanel:
    """Show `panel` on the page of every integration of the given kind(s)."""
    for kind in _kinds(kinds):
        KIND_PANELS[kind] = panel
    return panel


def panel_for(kind: str) -> KindPanel | None:
    """The kind's panel, or None: the page shows the row of run buttons."""
    return KIND_PANELS.get(str(kind))


def register_kind_own_schedules(kinds: str | Iterable[str]) -> None:
    """The kind(s) keep their own beat schedules: the page neither shows nor writes Integration.schedule."""
    OWN_SCHEDULE_KINDS.update(_kinds(kinds))


def has_own_schedules(kind: str) -> bool:
    """Whether a kind keeps its own beat schedules (see register_kind_own_schedules)."""
    return str(kind) in OWN_SCHEDULE_KINDS
