"""The append transaction, written once for every backend.

A batch of appends (many requests' events, committed together) goes through these steps
inside one transaction:

1. Lock the identity keys the batch names (PostgreSQL: advisory locks, so a redelivery
   racing its first delivery on another instance waits for it; SQLite has one writer).
2. Find the events stored already and the subjects that own the keys, after the locks,
   so what other writers committed meanwhile is seen.
3. Lock the subjects that own the new events' keys and read their summaries, then plan
   (`storage.plan`): which subject each event goes to, which subjects merge.
4. Give new subjects their ids, merge, link new keys, insert the events and the
   quarantined bodies.
5. Re-derive every touched subject from all of its events (`storage.project`) and store
   the projections and the change-feed rows.
6. Write the replies the new events call for (the caller's `ReplyRule`) to the reply
   outbox: only new events are given to it, so a redelivery is never answered twice.

What differs between the dialects is only the statements, behind `LedgerIO`. SQLite's are
plain calls on the writer's connection that never suspend (so the same coroutine can run
to its end on a thread, see `storage.sqlite_ledger.run_to_end`); PostgreSQL's are round
trips that may wait for other instances' locks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from storage.base import (
    Appendable,
    AppendResult,
    EventRecord,
    NewReply,
    PreparedEvent,
    Projector,
    QuarantineRecord,
    ReplyRule,
)
from storage.codec import row_of
from storage.plan import Plan, plan
from storage.project import Projected, project_batch

_NOTHING = Plan({}, {}, {}, ())


@dataclass(frozen=True, slots=True)
class AppendJob:
    """One `append` call: its events and the quarantined body, if any."""

    events: Sequence[Appendable]
    quarantine: QuarantineRecord | None = None


class LedgerIO(Protocol):
    """A dialect's statements for the ledger, all inside the caller's transaction."""

    async def lock_keys(self, keys: Sequence[str]) -> None:
        """Keep other writers off these identity keys until the transaction ends."""
        ...

    async def stored(
        self, ids: Sequence[str], keys: Sequence[str]
    ) -> tuple[set[str], dict[str, int]]:
        """Which of these events are stored, and the subject of each known key."""
        ...

    async def lock_subjects(
        self, keys: Sequence[str], owners: dict[str, int]
    ) -> tuple[dict[str, int], dict[int, str]]:
        """The subject of each of these keys (`owners`, as read), with those subjects kept
        from other writers until the transaction ends, and their summaries. Owners are read
        again where a subject was merged away meanwhile."""
        ...

    async def new_subject_ids(self, count: int) -> list[int]:
        """Ids for new subjects, ascending, never handed out before."""
        ...

    async def merge(self, merged: Mapping[int, int]) -> None:
        """Move every key and event of each subject merged away to the subject it joins,
        and delete its row."""
        ...

    async def link(self, links: Mapping[str, int]) -> None:
        """File new identity keys under their subjects."""
        ...

    async def insert_events(
        self, rows: Sequence[tuple[Any, ...]], subject_ids: Sequence[int | None]
    ) -> None:
        """Insert new events (`codec.event_params` rows) under their subjects."""
        ...

    async def quarantine(self, bodies: Mapping[str, QuarantineRecord]) -> dict[str, int]:
        """Keep each body (by its SHA-256 digest) once; the row id of every digest."""
        ...

    async def events_of(self, subject_ids: Sequence[int]) -> dict[int, list[EventRecord]]:
        """Every event of these subjects, in ledger order."""
        ...

    async def subjects_after(self, after: int, limit: int) -> dict[int, str]:
        """The summaries of the next `limit` subjects with ids above `after`, kept from
        other writers until the transaction ends."""
        ...

    async def store_projections(self, projected: Projected) -> None:
        """Write the projections; number the changes in commit order and write them."""
        ...

    async def insert_replies(self, replies: Sequence[NewReply]) -> None:
        """Add replies to the reply outbox; one whose id is there already is left as it is."""
        ...


async def append_batch(
    io: LedgerIO,
    jobs: Sequence[AppendJob],
    projector: Projector,
    replies: ReplyRule | None = None,
) -> list[AppendResult]:
    """Insert the new events of many requests, link identities, re-derive touched subjects:
    a result per job, in order."""
    keys = sorted({k for job in jobs for e in job.events for k in e.identity_keys})
    await io.lock_keys(keys)
    ids = list(dict.fromkeys(e.id for job in jobs for e in job.events))
    existing, owners = await io.stored(ids, keys) if ids else (set(), {})
    fresh, created_per_job = split_new([job.events for job in jobs], existing)
    rows = [row_of(e) for e in fresh]  # refuses malformed words before any write
    filed, before = await _file(io, fresh, owners)
    if rows:
        await io.insert_events(rows, [filed.subject_of.get(e.id) for e in fresh])
    quarantine_ids = await _quarantine(io, [job.quarantine for job in jobs])
    if filed.touched:
        await _project(io, filed, fresh, before, projector)
    if replies is not None and fresh:
        # Prepared events come from bulk imports, which nobody is answered for.
        due = replies([e for e in fresh if not isinstance(e, PreparedEvent)])
        if due:
            await io.insert_replies(due)
    return [
        AppendResult(created, qid)
        for created, qid in zip(created_per_job, quarantine_ids, strict=True)
    ]


async def rederive(io: LedgerIO, before: Mapping[int, str], projector: Projector) -> None:
    """Re-derive existing subjects (whose summaries were `before`) from all their events."""
    if not before:
        return
    stored = await io.events_of(sorted(before))
    events: dict[int, Sequence[Appendable]] = {sid: stored.get(sid, []) for sid in before}
    await io.store_projections(project_batch(projector, events, before))


async def rederive_after(io: LedgerIO, after: int, limit: int, projector: Projector) -> list[int]:
    """Re-derive the next `limit` subjects with ids above `after`; their ids, ascending."""
    before = await io.subjects_after(after, limit)
    await rederive(io, before, projector)
    return sorted(before)


def split_new(
    batches: Sequence[Sequence[Appendable]], stored: set[str]
) -> tuple[list[Appendable], list[tuple[bool, ...]]]:
    """The events to insert (neither `stored` nor seen earlier in the batches), and for each
    batch which of its events are new. `stored` grows by the new ids."""
    fresh: list[Appendable] = []
    flags: list[tuple[bool, ...]] = []
    for events in batches:
        marks = []
        for e in events:
            is_new = e.id not in stored
            marks.append(is_new)
            if is_new:
                stored.add(e.id)
                fresh.append(e)
        flags.append(tuple(marks))
    return fresh, flags


async def _file(
    io: LedgerIO, fresh: Sequence[Appendable], known: Mapping[str, int]
) -> tuple[Plan, dict[int, str]]:
    """Plan where the new events go and carry out the plan; with the summaries of the
    existing subjects it names."""
    keys = sorted({k for e in fresh for k in e.identity_keys})
    if not keys:
        return _NOTHING, {}
    owners, before = await io.lock_subjects(keys, {k: known[k] for k in keys if k in known})
    planned = plan(fresh, owners)
    if planned.new:
        # Ids are drawn only now, so none is drawn for a subject merged away in the batch.
        planned = planned.named(await io.new_subject_ids(len(planned.new)))
    if planned.merged:
        await io.merge(planned.merged)
    if planned.links:
        await io.link(planned.links)
    return planned, before


async def _quarantine(io: LedgerIO, bodies: Sequence[QuarantineRecord | None]) -> list[int | None]:
    """Keep each body once, however often Meta redelivers it; the row ids in order."""
    digests = [hashlib.sha256(q.body).hexdigest() if q is not None else None for q in bodies]
    first: dict[str, QuarantineRecord] = {}
    for q, digest in zip(bodies, digests, strict=True):
        if q is not None and digest is not None:
            first.setdefault(digest, q)
    ids = await io.quarantine(first) if first else {}
    return [ids[d] if d is not None else None for d in digests]


async def _project(
    io: LedgerIO,
    filed: Plan,
    fresh: Sequence[Appendable],
    before: Mapping[int, str],
    projector: Projector,
) -> None:
    """Re-derive every touched subject from all of its events.

    A subject created in this batch has no events but the fresh ones, so they are given as
    the caller made them; older subjects are read whole, in ledger order, new events too.
    """
    created = set(filed.new)
    new: dict[int, list[Appendable]] = {sid: [] for sid in created}
    for e in fresh:
        sid = filed.subject_of.get(e.id)
        if sid in created:
            new[sid].append(e)
    events: dict[int, Sequence[Appendable]] = dict(new)
    events.update(await io.events_of(sorted(filed.touched - created)))
    await io.store_projections(project_batch(projector, events, before, created))
