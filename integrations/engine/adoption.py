"""Which destination record a source record may adopt instead of creating a new one.

The rule (the engine's contract, for every stream of every flow):

1. A candidate holding this record's own idempotency key is adopted: it is ours.
2. Otherwise, a candidate holding no key at all may be adopted when it is the only one and no
   other ledger link of the same stream points to it (an interrupted create that left a record
   without its key field, e.g. an ActionKit event whose custom fields were never written).
3. A candidate holding another key, or one another link already points to, is never adopted:
   it is someone else's record (a twin timeslot that starts at the same time, say).
4. When rules 1 or 2 leave more than one candidate, nothing is guessed: the record fails with
   a readable reason naming the candidates, for a person to settle.

Links of other source types may share a destination record (a volunteer who also hosts is one
ActionKit user for the people and the dashboard-users streams), so ownership is checked among
the links of the same source type only.
"""

from __future__ import annotations

from collections.abc import Iterable

from integrations.models import Integration, RecordLink

from .streams import Candidate, RecordError

PENDING = "pending"


def owners(integration: Integration, source_type: str, destination_type: str, destination_id: str) -> list[str]:
    """Source ids of the links of one source type that point to a destination record."""
    return list(
        RecordLink.objects.filter(
            integration=integration,
            source_type=source_type,
            destination_type=destination_type,
            destination_id=destination_id,
        ).values_list("source_id", flat=True)
    )


def choose_candidate(
    integration: Integration,
    *,
    source_type: str,
    source_id: str,
    destination_type: str,
    own_key: str | None,
    candidates: Iterable[Candidate],
    what: str = "record",
) -> Candidate | None:
    """The candidate this source record adopts, None to create a new one; RecordError when ambiguous."""
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        unique.setdefault(str(candidate.destination_id), candidate)
    if not unique:
        return None
    free: list[Candidate] = []
    taken: list[tuple[Candidate, list[str]]] = []
    for candidate in unique.values():
        others = [
            sid
            for sid in owners(integration, source_type, destination_type, candidate.destination_id)
            if sid != source_id
        ]
        if others:
            taken.append((candidate, others))
        else:
            free.append(candidate)
    own_key = None if own_key is None else str(own_key)
    mine = [c for c in free if own_key is not None and c.key is not None and str(c.key) == own_key]
    keyless = [c for c in free if c.key is None]
    if len(mine) == 1:
        return mine[0]
    if len(mine) > 1:
        raise RecordError(_ambiguous(mine, what, "each holds this record's key"))
    if len(keyless) == 1:
        return keyless[0]
    if len(keyless) > 1:
        raise RecordError(_ambiguous(keyless, what, "none holds a key to tell which one an interrupted create made"))
    mine_but_taken = [(c, o) for c, o in taken if own_key is not None and c.key is not None and str(c.key) == own_key]
    if mine_but_taken:
        candidate, others = mine_but_taken[0]
        raise RecordError(
            f"The destination {what} {_describe(candidate)} matches this record, but the ledger already links it "
            f"to source record {', '.join(others[:3])}; not adopting it. Settle which record it stands for "
            "(e.g. fix the duplicate at the source), then retry."
        )
    # Only other records' candidates (another key, or owned by another link): ours does not exist yet.
    return None


def _describe(candidate: Candidate) -> str:
    return candidate.description or str(candidate.destination_id)


def _ambiguous(candidates: list[Candidate], what: str, why: str) -> str:
    names = ", ".join(_describe(c) for c in candidates[:5])
    more = f" and {len(candidates) - 5} more" if len(candidates) > 5 else ""
    return (
        f"{len(candidates)} destination {what}s could be this record ({names}{more}) and {why}: "
        "not guessing. Remove the duplicate in the destination, then retry the failed item."
    )
