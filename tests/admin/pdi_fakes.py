"""A PDI account in memory behind `integrations.connectors.pdi.PdiClient`, and Mobilize's event types.

`install(monkeypatch)` puts a module with a PdiClient of the connector's signature in
`sys.modules["integrations.connectors.pdi"]`, so the code under test builds its client exactly as
it will build the real one (`pdi_services.pdi_client`), and answers `calendars()` and
`test_connection()` from the FakePdi it returns. The real connector's HTTP is tested with
`responses` in its own tests; these tests are about what the admin does with the answers.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from typing import Any

from integrations.connectors.errors import ConnectorError
from integrations.connectors.mobilize import MobilizeClient
from integrations.models.pdi import SEED_EVENT_TYPES


@dataclass
class FakePdi:
    """What PDI answers, and what it was asked."""

    calendars: list[dict[str, Any]] = field(default_factory=list)
    error: ConnectorError | None = None
    logins: list[dict[str, str]] = field(default_factory=list)
    event_types: list[str] = field(default_factory=lambda: list(SEED_EVENT_TYPES))
    mobilize_error: ConnectorError | None = None

    def calendar(self, pdi_id: int, name: str, time_zone: str = "Eastern Standard Time") -> dict[str, Any]:
        """Add a calendar the way PDI lists it."""
        row = {"id": pdi_id, "name": name, "description": f"{name} events", "timeZone": time_zone}
        self.calendars.append(row)
        return row


def install(monkeypatch) -> FakePdi:
    """Answer PdiClient and MobilizeClient.get_enums from a FakePdi for this test."""
    fake = FakePdi()

    class PdiClient:
        def __init__(self, base_url: str, username: str, password: str, api_token: str, **kwargs: Any) -> None:
            self.base_url = base_url
            fake.logins.append({"base_url": base_url, "username": username, "password": password, "token": api_token})

        def calendars(self):
            if fake.error is not None:
                raise fake.error
            yield from (dict(row) for row in fake.calendars)

        def test_connection(self) -> list[str]:
            if fake.error is not None:
                raise fake.error
            return [f"PDI: logged in; {len(fake.calendars)} calendars."]

    module = types.ModuleType("integrations.connectors.pdi")
    module.PdiClient = PdiClient
    monkeypatch.setitem(sys.modules, "integrations.connectors.pdi", module)

    def get_enums(self) -> dict[str, Any]:
        if fake.mobilize_error is not None:
            raise fake.mobilize_error
        return {"event_type": list(fake.event_types), "visibility": ["PUBLIC", "PRIVATE"]}

    monkeypatch.setattr(MobilizeClient, "get_enums", get_enums)
    return fake
