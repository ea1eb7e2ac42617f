"""A refresh killed at any page (or any write) and then rerun loses and duplicates nothing; and a
property test: after any sequence of sandbox changes and refreshes, the mirror equals Mobilize."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from integrations.mirror import reader, source, store
from integrations.mirror.flow import MobilizeMirrorFlow
from integrations.models import MirrorRecord, MirrorState, MirrorStream, SyncLock, SyncRun
from tests.flows.actionkit._world import OURS

from .test_refresh import assert_mirror_equals_mobilize

pytestmark = pytest.mark.django_db(transaction=True)


class Killed(BaseException):
    """Stands for the worker process dying: not an Exception, so nothing on the way catches it."""


def forget_mirror(mw) -> None:
    MirrorRecord.objects.all().delete()
    MirrorStream.objects.all().delete()
    MirrorState.objects.all().delete()
    SyncRun.objects.all().delete()
    SyncLock.objects.all().delete()


def assert_complete_and_written_once(mw) -> None:
    assert_mirror_equals_mobilize(mw)
    # Nothing changed in Mobilize between the two runs, so every record took exactly one seq.
    assert reader.latest_seq(mw.organization) == MirrorRecord.objects.count()


def test_a_refresh_killed_after_any_page_then_rerun_loses_and_duplicates_nothing(mirror_world, monkeypatch):
    monkeypatch.setattr(MobilizeMirrorFlow, "per_page", 2)
    pages_in_a_refresh = None
    original = source.MirrorClient.stream_pages
    k = 0
    while pages_in_a_refresh is None or k < pages_in_a_refresh:
        forget_mirror(mirror_world)
        served = 0

        def dying(self, *args, _limit=k, **kwargs):
            nonlocal served
            for page in original(self, *args, **kwargs):
                if served >= _limit:
                    raise Killed
                served += 1
                yield page

        monkeypatch.setattr(source.MirrorClient, "stream_pages", dying)
        try:
            mirror_world.refresh()
            pages_in_a_refresh = served  # the refresh ended before page k: it had only this many
        except Killed:
            pass
        monkeypatch.setattr(source.MirrorClient, "stream_pages", original)
        assert SyncRun.objects.filter(status=SyncRun.Status.RUNNING).count() <= 1
        rerun = mirror_world.refresh()
        assert rerun.status == SyncRun.Status.SUCCEEDED, (k, rerun.message)
        assert_complete_and_written_once(mirror_world)
        k += 1
    assert pages_in_a_refresh and pages_in_a_refresh > 8


def test_a_refresh_killed_at_any_write_then_rerun_loses_and_duplicates_nothing(mirror_world, monkeypatch):
    monkeypatch.setattr(MobilizeMirrorFlow, "per_page", 3)
    original = store.write
    mirror_world.refresh()
    total = MirrorRecord.objects.count()
    # Every third write and the last (each iteration is a whole refresh over HTTP).
    for k in sorted({*range(0, total, 3), total - 1}):
        forget_mirror(mirror_world)
        writes = 0

        def dying(*args, _limit=k, **kwargs):
            nonlocal writes
            if writes >= _limit:
                raise Killed
            writes += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(store, "write", dying)
        with pytest.raises(Killed):
            mirror_world.refresh()
        monkeypatch.setattr(store, "write", original)
        assert MirrorRecord.objects.count() == k
        mirror_world.refresh()
        assert_complete_and_written_once(mirror_world)


# --- the property ------------------------------------------------------------------------------

OPERATIONS = st.one_of(
    st.tuples(st.just("new_event"), st.integers(0, 3)),
    st.tuples(st.just("edit_event"), st.integers(0, 50), st.text("abcdefgh ", min_size=1, max_size=12)),
    st.tuples(st.just("delete_event"), st.integers(0, 50)),
    st.tuples(st.just("remove_timeslot"), st.integers(0, 50)),
    st.tuples(st.just("new_person"), st.text("abcdef", min_size=1, max_size=8)),
    st.tuples(st.just("edit_person"), st.integers(0, 50), st.text("abcdef", min_size=1, max_size=8)),
    st.tuples(st.just("new_attendance"), st.integers(0, 50), st.integers(0, 50)),
    st.tuples(
        st.just("edit_attendance"), st.integers(0, 50), st.sampled_from(["REGISTERED", "CONFIRMED", "CANCELLED"])
    ),
    st.tuples(st.just("refresh"), st.sampled_from([0.0, 60.0])),
)


class Sandbox:
    """Changes made in the Mobilize sandbox the way Mobilize makes them (modified dates bumped)."""

    def __init__(self) -> None:
        from tests.sandbox.conftest import Factory

        self.factory = Factory()
        self.factory._next = 100_000

    def ours(self):
        from sandbox.mobilize.models import Organization

        return Organization.objects.get(pk=OURS)

    @staticmethod
    def pick(queryset, index: int):
        rows = list(queryset.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    def apply(self, operation: tuple) -> None:
        from sandbox.mobilize.models import Attendance, Event, Person

        name, *args = operation
        events = Event.objects.filter(organization_id=OURS)
        if name == "new_event":
            start = 1_900_000_000 + args[0] * 7200
            self.factory.event(self.ours(), slots=[(start, start + 3600), (start + 86400, start + 90000)])
        elif name == "edit_event" and (event := self.pick(events, args[0])):
            event.title = args[1]
            event.save()
        elif name == "delete_event" and (event := self.pick(events, args[0])):
            event.mark_deleted()
        elif name == "remove_timeslot" and (event := self.pick(events, args[0])):
            slots = list(event.timeslots.order_by("pk"))
            if len(slots) > 1:
                event.remove_timeslot(slots[0])
        elif name == "new_person":
            self.factory.person(self.ours(), given_name=args[0])
        elif name == "edit_person" and (person := self.pick(Person.objects.filter(organizations=OURS), args[0])):
            person.given_name = args[1]
            person.save()
        elif name == "new_attendance":
            person = self.pick(Person.objects.filter(organizations=OURS), args[0])
            event = self.pick(events, args[1])
            if person and event and not Attendance.objects.filter(person=person, event=event).exists():
                self.factory.attendance(person, event)
        elif name == "edit_attendance" and (
            attendance := self.pick(Attendance.objects.filter(event__organization_id=OURS), args[0])
        ):
            attendance.status = args[1]
            attendance.save()


def reset(mw) -> None:
    from sandbox.mobilize.models import Attendance, DeletedEvent, Event, Person

    forget_mirror(mw)
    Attendance.objects.filter(pk__gte=100_000).delete()
    Event.objects.filter(pk__gte=100_000).delete()
    Person.objects.filter(pk__gte=100_000).delete()
    DeletedEvent.objects.all().delete()
    mw.load()


@hsettings(
    max_examples=10,
    deadline=None,
    # Each example talks HTTP to the sandbox: keep the generated failure instead of shrinking it for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=12))
def test_after_any_changes_and_refreshes_the_mirror_equals_mobilize(mirror_world, monkeypatch, settings, operations):
    monkeypatch.setattr(MobilizeMirrorFlow, "per_page", 3)
    reset(mirror_world)
    sandbox = Sandbox()
    for operation in operations:
        if operation[0] == "refresh":
            settings.MIRROR_REFRESH_SLICE_SECONDS = operation[1]
            mirror_world.refresh()
        else:
            sandbox.apply(operation)
    settings.MIRROR_REFRESH_SLICE_SECONDS = 60.0
    # Finish any pass left over by a time slice; a change made to pages such a pass had already
    # read is caught by the next pass, which starts after it (in production: the next tick).
    mirror_world.refresh_until_done()
    mirror_world.refresh_until_done()
    assert_mirror_equals_mobilize(mirror_world)
    # Sequence numbers are unique and below the next one; every record has one.
    seqs = list(MirrorRecord.objects.values_list("seq", flat=True))
    assert len(seqs) == len(set(seqs)) and max(seqs) <= reader.latest_seq(mirror_world.organization)
