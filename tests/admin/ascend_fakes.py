"""An Ascend account in memory behind `integrations.connectors.ascend`, and a stand-in mirror refresh.

`install(monkeypatch)` puts a module with an AscendClient and an AscendAdapter of the connector's
signatures in `sys.modules["integrations.connectors.ascend"]`, so the code under test builds its
adapter exactly as it will build the real one (`ascend_services.ascend_adapter`), and answers
`flows()` and `test_connection()` from the FakeAscend it returns. It also replaces the mirror's
`refresh_until_caught_up` (which would ask Mobilize) with one that records its calls and writes the
events of `FakeAscend.mobilize_events` into the mirror, or fails when `refresh_error` is set.
The real connector's HTTP is tested with `responses` in its own tests.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

from integrations.connectors.errors import ConnectorError
from integrations.mirror import refresh, store
from integrations.models import RecordType


def mobilize_event(event_id: int, title: str, end: int = 1_900_003_600) -> dict[str, Any]:
    """An event the way Mobilize lists it (the keys the mirror needs)."""
    return {"id": event_id, "title": title, "modified_date": 1_800_000_000, "timeslots": [{"id": 1, "end_date": end}]}


@dataclass
class FakeAscend:
    """What Ascend answers, what it was asked, and what the mirror refresh finds in Mobilize."""

    flows: list[dict[str, Any]] = field(default_factory=list)
    error: ConnectorError | None = None
    clients: list[dict[str, str]] = field(default_factory=list)
    mobilize_events: list[dict[str, Any]] = field(default_factory=list)
    refresh_error: Exception | None = None
    refreshes: list[dict[str, Any]] = field(default_factory=list)


def install(monkeypatch) -> FakeAscend:
    """Answer AscendAdapter(AscendClient(...)) and the mirror refresh from a FakeAscend for this test."""
    fake = FakeAscend()

    class AscendClient:
        def __init__(self, base_url: str, api_key: str, **kwargs: Any) -> None:
            self.base_url = base_url
            fake.clients.append({"base_url": base_url, "api_key": api_key})

    class AscendAdapter:
        def __init__(self, client: AscendClient) -> None:
            self.client = client

        def flows(self) -> list[dict[str, Any]]:
            if fake.error is not None:
                raise fake.error
            return [dict(row) for row in fake.flows]

        def test_connection(self) -> list[str]:
            if fake.error is not None:
                raise fake.error
            return ["Ascend: the account answered."]

    module = types.ModuleType("integrations.connectors.ascend")
    module.AscendClient = AscendClient
    module.AscendAdapter = AscendAdapter
    monkeypatch.setitem(sys.modules, "integrations.connectors.ascend", module)

    def refresh_until_caught_up(organization, *, trigger=None, max_rounds=1000, fan_out=True):
        fake.refreshes.append({"organization": organization.pk, "fan_out": fan_out})
        if fake.refresh_error is not None:
            raise fake.refresh_error
        for raw in fake.mobilize_events:
            store.write(organization.pk, RecordType.EVENT, raw)
        return []

    monkeypatch.setattr(refresh, "refresh_until_caught_up", refresh_until_caught_up)
    return fake
