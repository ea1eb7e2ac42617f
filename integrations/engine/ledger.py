"""The idempotency ledger (RecordLink) and payload hashing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from integrations.models import Integration, RecordLink


def payload_hash(payload: Mapping[str, Any]) -> str:
    """A stable hash of a mapped payload: key order and number formatting do not matter."""
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


class Ledger:
    """Read and write one integration's RecordLinks."""

    def __init__(self, integration: Integration) -> None:
        self.integration = integration

    def get(self, source_type: str, source_id: str) -> RecordLink | None:
        return RecordLink.objects.filter(
            integration=self.integration, source_type=source_type, source_id=str(source_id)
        ).first()

    def forget(self, source_type: str, source_id: str | int) -> None:
        """Drop a link (its destination record turned out never to exist)."""
        RecordLink.objects.filter(
            integration=self.integration, source_type=source_type, source_id=str(source_id)
        ).delete()

    def children(self, source_type: str, parent_id: str | int) -> list[RecordLink]:
        """The links of one parent's records (e.g. every synced timeslot of one event)."""
        return list(
            RecordLink.objects.filter(
                integration=self.integration, source_type=source_type, parent_id=str(parent_id)
            ).order_by("source_id")
        )

    def has_children(self, source_type: str, parent_id: str | int) -> bool:
        """Whether any record of this parent was synced."""
        return RecordLink.objects.filter(
            integration=self.integration, source_type=source_type, parent_id=str(parent_id)
        ).exists()

    def destination_id(self, source_type: str, source_id: str | int) -> str | None:
        """The destination id a source record was written to, if it was."""
        return (
            RecordLink.objects.filter(integration=self.integration, source_type=source_type, source_id=str(source_id))
            .values_list("destination_id", flat=True)
            .first()
        )

    def record(
        self,
        *,
        source_type: str,
        source_id: str,
        destination_type: str,
        destination_id: str,
        payload_digest: str,
        extra: Mapping[str, Any] | None,
        parent_id: str = "",
    ) -> RecordLink:
        """Create or update the link after a successful destination write."""
        defaults: dict[str, Any] = {
            "parent_id": parent_id,
            "destination_type": destination_type,
            "destination_id": destination_id,
            "payload_hash": payload_digest,
            "synced_at": timezone.now(),
        }
        if extra is not None:
            defaults["extra"] = dict(extra)
        link, _ = RecordLink.objects.update_or_create(
            integration=self.integration, source_type=source_type, source_id=str(source_id), defaults=defaults
        )
        return link
