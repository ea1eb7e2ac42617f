"""Fixtures for the Mobilize mirror: our organization on the Mobilize sandbox over HTTP (live_server)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from integrations.connectors.mobilize import MobilizeClient
from integrations.engine import RunOptions, run_sync
from integrations.mirror import refresh, source
from integrations.models import Integration, MirrorRecord, Organization, RecordType, SyncRun
from tests.flows.actionkit._world import OUR_KEY, OURS, World

BASE = "/sandbox/mobilize/v1"


@dataclass
class MirrorWorld:
    """Our organization (1001) on the sandbox, its mirror integration, and a GET counter."""

    world: World
    organization: Organization
    mirror: Integration
    base_url: str
    gets: Counter = field(default_factory=Counter)

    def load(self) -> None:
        from sandbox.mobilize.loader import load_data

        load_data(self.world.data())

    def refresh(self, **options: Any) -> SyncRun:
        """One refresh through the engine, as the beat task runs it."""
        run = run_sync(self.mirror, RunOptions(**options))
        run.refresh_from_db()
        return run

    def refresh_until_done(self, limit: int = 50) -> list[SyncRun]:
        """Refresh until no stream has pages left over (time slices)."""
        runs = [self.refresh()]
        while refresh.store.state_for(self.organization).more_to_read:
            assert len(runs) < limit, "the mirror never finished its pass"
            runs.append(self.refresh())
        return runs

    def client(self) -> MobilizeClient:
        return MobilizeClient(self.base_url, OUR_KEY, OURS)

    def mirror_ids(self, record_type: str, *, deleted: bool = False) -> set[str]:
        return set(
            MirrorRecord.objects.filter(
                organization=self.organization, record_type=record_type, deleted=deleted
            ).values_list("mobilize_id", flat=True)
        )

    def mirror_data(self, record_type: str) -> dict[str, dict]:
        return {
            r.mobilize_id: comparable(record_type, r.data)
            for r in MirrorRecord.objects.filter(organization=self.organization, record_type=record_type, deleted=False)
        }

    def mobilize_raw(self, record_type: str) -> dict[str, dict]:
        """What Mobilize lists now for one record type, raw and keyed as the mirror keys it."""
        from integrations.mirror.keys import key_record

        client = source.MirrorClient(self.base_url, OUR_KEY, OURS)
        stream = {
            RecordType.EVENT: "events",
            RecordType.DELETED_EVENT: "deleted_events",
            RecordType.ATTENDANCE: "attendances",
            RecordType.PERSON: "people",
            RecordType.PROMOTED_ORGANIZATION: "promoted_organizations",
        }[record_type]
        found = {}
        for page in client.stream_pages(stream, None):
            for raw in page.records:
                found[key_record(record_type, raw).mobilize_id] = comparable(record_type, raw)
        return found


def comparable(record_type: str, raw: dict) -> dict:
    """A record as the mirror promises to keep it current.

    An attendance embeds its person, event and timeslot as they were when the attendance last
    changed (Mobilize does not bump an attendance when its event or person changes): those are
    compared by id, and their current state is compared through their own records.
    """
    if record_type != RecordType.ATTENDANCE:
        return raw
    reduced = dict(raw)
    for name, keys in (("person", ("user_id",)), ("event", ("id", "event_type")), ("timeslot", ("id",))):
        if isinstance(raw.get(name), dict):
            reduced[name] = {key: raw[name].get(key) for key in keys}
    return reduced


@pytest.fixture
def fast_rates(settings):
    """The sandbox is local: let the tests read it fast (rates are read when a client is made)."""
    settings.MOBILIZE_READ_RATE = "1000/second"
    settings.SANDBOX_GET_RATE = "100000/second"
    settings.SANDBOX_FAULTS = []


@pytest.fixture
def mirror_world(transactional_db, live_server, fast_rates, make_organization, monkeypatch) -> MirrorWorld:
    """The ActionKit tests' Mobilize world loaded into the sandbox; our organization with its mirror."""
    base_url = f"{live_server.url}{BASE}"
    organization = make_organization(
        name="Not yet read", mobilize_id=OURS, mobilize_api_key=OUR_KEY, mobilize_base_url=base_url
    )
    mirror = refresh.ensure_mirror_integration(organization)
    result = MirrorWorld(World(), organization, mirror, base_url)
    result.load()

    original = source.MirrorClient.request_json

    def counting(self, method, path_or_url, **kwargs):
        path = path_or_url.split("?")[0].removeprefix(base_url).split("/")[-1] or path_or_url
        result.gets[path] += 1
        return original(self, method, path_or_url, **kwargs)

    monkeypatch.setattr(source.MirrorClient, "request_json", counting)
    made: list[MobilizeClient] = []
    original_init = source.MirrorClient.__init__

    def remembering(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(source.MirrorClient, "__init__", remembering)
    earlier = set(threading.enumerate())
    yield result
    # Close every kept-alive connection so the live server's request threads end (see
    # tests/sandbox/test_mobilize_client_e2e.py: this urllib3 closes pools only when collected).
    for client in made:
        for adapter in client.session.adapters.values():
            for key in list(adapter.poolmanager.pools.keys()):
                adapter.poolmanager.pools[key].close()
        client.session.close()
    for thread in set(threading.enumerate()) - earlier:
        if "process_request_thread" in thread.name:
            thread.join(timeout=30)
