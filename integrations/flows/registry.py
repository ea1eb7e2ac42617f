"""Integration kind -> Flow class. A new flow registers itself here."""

from __future__ import annotations

from integrations.mirror.flow import MobilizeMirrorFlow
from integrations.models import Integration

from .actionkit.sync import ActionKitCrmFlow, ActionKitDistributedSendFlow
from .anmc.sync import AnMcFlow
from .ascend.sync import AscendFlow
from .base import Flow
from .pdi.sync import PdiFlow

FLOWS: dict[str, type[Flow]] = {
    flow.kind: flow
    for flow in (ActionKitCrmFlow, ActionKitDistributedSendFlow, PdiFlow, AscendFlow, AnMcFlow, MobilizeMirrorFlow)
}


def get_flow(integration: Integration) -> Flow:
    """The flow object for an integration's kind."""
    try:
        flow_class = FLOWS[integration.kind]
    except KeyError:
        raise ValueError(f"No flow is registered for integration kind {integration.kind!r}.") from None
    return flow_class(integration)
