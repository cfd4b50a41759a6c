"""The PostgreSQL append transaction: lock identities, link them, insert events, re-derive.

Several consentbot processes append to one database at once, so each batch protects itself:

- First, every identity key that the batch's events carry is locked: a transaction-level
  advisory lock on a 64-bit hash of the key, taken in sorted order so that two batches never
  wait for each other in a circle. (A batch with thousands of keys would fill the server's
  lock table: it takes one lock that excludes every other batch instead, see
  `_lock_identities`.) Two batches that name the same key run one after the
  other, and the second reads what the first committed.
- Only then does it look for the events already stored: the same event delivered to two
  instances at once names the same keys, so the second transaction finds the first's.
- Then the subjects that own the new events' keys are locked (`FOR UPDATE`, in id order).
  A subject can be reached through keys of other batches too, and a batch that merges it
  away holds its row: whoever found it waits, finds it gone and reads the owners again.
- Events go in with `ON CONFLICT (id) DO NOTHING RETURNING id`. Should another instance be
  inserting one of them anyway (an event without identity keys, say), the insert waits for
  it; when it commits, the event was not new after all, and the whole transaction runs
  again (`Conflict`).
- Every touched subject is re-derived from all of its events, read after the locks and the
  inserts, in the same transaction.

Hash collisions only make two unrelated keys wait for each other, never mix them up.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

import asyncpg

from storage.base import (
    Appendable,
    AppendResult,
    Projection,
    Projector,
    QuarantineRecord,
    split_new,
)
from storage.codec import EVENT_COLUMNS, event_from_row, project, row_of, us

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    # A pooled connection: what `Pool.acquire()` gives (asyncpg's classes are generic only
    # in their type stubs, so this name exists only for the type checker).
    Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]

# Column types of `event_params(e) + (subject_id,)`, for `unnest` of one array per column.
_EVENT_TYPES = ("text",) * 4 + ("bigint",) * 2 + ("text",) * 9 + ("json", "bigint")
_INSERT_EVENTS = (
    f"INSERT INTO events ({EVENT_COLUMNS}, subject_id) SELECT * FROM unnest("
    + ", ".join(f"${i}::{t}[]" for i, t in enumerate(_EVENT_TYPES, 1))
    + ") ON CONFLICT (id) DO NOTHING RETURNING id"
)
# How often the owners of a batch's keys are read again because a subject was merged away
# by another instance between the read and the lock.
_OWNER_ROUNDS = 8


class Conflict(Exception):
    """Another transaction changed what this one had read: run it again."""


@dataclass(frozen=True, slots=True)
class AppendJob:
    events: Sequence[Appendable]
    quarantine: QuarantineRecord | None


def lock_id(identity_key: str) -> int:
    """The advisory lock of an identity key: the same 64-bit number in every process."""
    digest = hashlib.blake2b(identity_key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def append_batch(
    conn: Connection, jobs: Sequence[AppendJob], projector: Projector
) -> list[AppendResult]:
    """Insert the new events of many requests, link identities, re-derive touched subjects.

    Runs inside the caller's transaction; raises `Conflict` when it must run again.
    """
    # Locks first: a redelivery racing its first delivery on another instance then waits
    # for it and finds its events stored, instead of running again after a conflict.
    keys = sorted({k for job in jobs for e in job.events for k in e.identity_keys})
    await _lock_identities(conn, keys)
    existing, owner = await _stored(conn, list({e.id for job in jobs for e in job.events}), keys)
    fresh, created_per_job = split_new([job.events for job in jobs], existing)
    params = [row_of(e) for e in fresh]  # refuses malformed words before any write

    links = await _link_identities(conn, fresh, owner)
    if fresh:
        columns = [list(c) for c in zip(*params, strict=True)]
        subject_ids = [links.subject_of.get(e.id) for e in fresh]
        inserted = await conn.fetch(_INSERT_EVENTS, *columns, subject_ids)
        if len(inserted) != len(fresh):
            raise Conflict("another instance stored some of these events first")
    quarantine_ids = await _quarantine(conn, [job.quarantine for job in jobs])
    await _project(conn, links, fresh, projector)
    return [
        AppendResult(created, qid)
        for created, qid in zip(created_per_job, quarantine_ids, strict=True)
    ]


@dataclass
class _Links:
    """Where a batch's events go: subject of each event id, touched and new subjects."""

    subject_of: dict[str, int] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    created: set[int] = field(default_factory=set)
    summaries: dict[int, str] = field(default_factory=dict)  # of the existing subjects, as read


async def _link_identities(
    conn: Connection, events: Sequence[Appendable], known: dict[str, int]
) -> _Links:
    """Link the new events' keys (`known`: their owners as read) and file the events."""
    keys = sorted({k for e in events for k in e.identity_keys})
    if not keys:
        return _Links()
    summaries: dict[int, str] = {}
    owner = await _locked_owners(conn, keys, {k: known[k] for k in keys if k in known}, summaries)
    plan = _plan(events, owner)

    # New subjects get their ids from the sequence only now, once merges within the batch
    # are known, so no id is drawn for a subject that never comes to be.
    real: dict[int, int] = {}
    if plan.new:
        rows = await conn.fetch(
            "SELECT nextval('subject_ids') FROM generate_series(1, $1::int)", len(plan.new)
        )
        real = dict(zip(plan.new, sorted(r[0] for r in rows), strict=True))

    def final(sid: int) -> int:
        return real.get(sid, sid)

    if plan.merged:
        olds = sorted(plan.merged)
        intos = [plan.merged[old] for old in olds]
        for table in ("identities", "events"):
            await conn.execute(
                f"UPDATE {table} SET subject_id = m.into_id "
                "FROM unnest($1::bigint[], $2::bigint[]) AS m(old_id, into_id) "
                f"WHERE {table}.subject_id = m.old_id",
                olds,
                intos,
            )
        await conn.execute("DELETE FROM subjects WHERE id = ANY($1::bigint[])", olds)

    changed = {k: final(sid) for k, sid in plan.owner.items() if owner.get(k) != final(sid)}
    if changed:
        await conn.execute(
            "INSERT INTO identities (key, subject_id) "
            "SELECT * FROM unnest($1::text[], $2::bigint[]) "
            "ON CONFLICT (key) DO UPDATE SET subject_id = excluded.subject_id",
            list(changed),
            list(changed.values()),
        )
    subject_of = {e.id: final(plan.owner[e.identity_keys[0]]) for e in events if e.identity_keys}
    return _Links(subject_of, set(subject_of.values()), set(real.values()), summaries)


# Every batch holds one lock in common, shared; a batch with more keys than the server's
# lock table can hold at once takes it alone instead of a lock per key (an import, say).
_LOCK_CLASS = 0x63626F74  # "cbot", as in storage.postgres
_ALL_IDENTITIES = 3
BULK_KEYS = 1_000


async def _lock_identities(conn: Connection, keys: Sequence[str]) -> None:
    """Hold every key's advisory lock until the transaction ends (sorted: no deadlocks),
    after the common lock; or, for a batch of more than `BULK_KEYS` keys, the common lock
    alone, exclusively."""
    if not keys:
        return
    if len(keys) > BULK_KEYS:
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1::int, $2::int)", _LOCK_CLASS, _ALL_IDENTITIES
        )
        return
    await conn.execute(
        "WITH common AS (SELECT pg_advisory_xact_lock_shared($2::int, $3::int)) "
        "SELECT pg_advisory_xact_lock(k) FROM common, unnest($1::bigint[]) AS k",
        sorted({lock_id(k) for k in keys}),
        _LOCK_CLASS,
        _ALL_IDENTITIES,
    )


async def _stored(
    conn: Connection, ids: Sequence[str], keys: Sequence[str]
) -> tuple[set[str], dict[str, int]]:
    """Which of these events are stored, and the subject of each known key: one statement,
    after the locks, so it sees what the transactions it waited for committed."""
    if not ids:
        return set(), {}
    rows = await conn.fetch(
        "SELECT id, NULL::bigint FROM events WHERE id = ANY($1::text[]) "
        "UNION ALL SELECT key, subject_id FROM identities WHERE key = ANY($2::text[])",
        ids,
        keys,
    )
    existing = {r[0] for r in rows if r[1] is None}
    return existing, {r[0]: r[1] for r in rows if r[1] is not None}


async def _owners(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT key, subject_id FROM identities WHERE key = ANY($1::text[])", keys
    )
    return {r[0]: r[1] for r in rows}


async def _locked_owners(
    conn: Connection, keys: Sequence[str], owner: dict[str, int], summaries: dict[int, str]
) -> dict[str, int]:
    """The subject of each known key, with every one of those subjects' rows locked (and
    their summaries read into `summaries`)."""
    for _ in range(_OWNER_ROUNDS):
        wanted = sorted(set(owner.values()))
        if not wanted:
            return owner
        locked = await conn.fetch(
            "SELECT id, summary FROM subjects WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE",
            wanted,
        )
        if len(locked) == len(wanted):
            summaries.update((r[0], r[1]) for r in locked)
            return owner
        # A subject missing now was merged away (its keys moved) while this batch waited.
        owner = await _owners(conn, keys)
    raise Conflict("subjects kept being merged away by other instances")


@dataclass
class _Plan:
    """The outcome of linking, before new subjects have their ids.

    New subjects carry placeholder ids -1, -2, ... in order of creation; `merged` maps each
    existing subject that is merged away to the existing subject it ends in.
    """

    owner: dict[str, int]
    new: list[int]
    merged: dict[int, int]


def _plan(events: Sequence[Appendable], known: dict[str, int]) -> _Plan:
    """File each event under a subject; join subjects that one event shows to be one person.

    The survivor of a merge is the oldest existing subject (the smallest id), else the
    first subject this batch created, so ids that were handed out before stay in use.
    """
    owner = dict(known)
    into: dict[int, int] = {}
    placeholder = 0
    for e in events:
        if not e.identity_keys:
            continue
        found = {owner[k] for k in e.identity_keys if k in owner}
        if not found:
            placeholder -= 1
            sid = placeholder
        else:
            existing = [s for s in found if s > 0]
            sid = min(existing) if existing else max(found)
            gone = found - {sid}
            if gone:
                into.update(dict.fromkeys(gone, sid))
                for k, v in owner.items():
                    if v in gone:
                        owner[k] = sid
        for k in e.identity_keys:
            owner[k] = sid

    def end(sid: int) -> int:
        while sid in into:
            sid = into[sid]
        return sid

    alive = set(owner.values())
    new = sorted((s for s in alive if s < 0), reverse=True)
    merged = {s: end(s) for s in into if s > 0}
    return _Plan(owner, new, merged)


async def _quarantine(
    conn: Connection, rows: Sequence[QuarantineRecord | None]
) -> list[int | None]:
    """Keep each body once, however often Meta redelivers it; return the row ids in order."""
    digests = [hashlib.sha256(q.body).hexdigest() if q is not None else None for q in rows]
    first: dict[str, QuarantineRecord] = {}
    for q, digest in zip(rows, digests, strict=True):
        if q is not None and digest is not None:
            first.setdefault(digest, q)
    if not first:
        return [None] * len(rows)
    await conn.execute(
        "INSERT INTO quarantine (received_at, reason, body, body_sha256) "
        "SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bytea[], $4::text[]) "
        "ON CONFLICT (body_sha256) DO NOTHING",
        [q.received_at for q in first.values()],
        [q.reason for q in first.values()],
        [q.body for q in first.values()],
        list(first),
    )
    found = await conn.fetch(
        "SELECT body_sha256, id FROM quarantine WHERE body_sha256 = ANY($1::text[])", list(first)
    )
    ids: dict[str, int] = {r[0]: r[1] for r in found}
    return [ids[d] if d is not None else None for d in digests]


async def _project(
    conn: Connection, links: _Links, fresh: Sequence[Appendable], projector: Projector
) -> None:
    """Re-derive every touched subject from all of its events.

    A subject created in this batch has no events but the fresh ones, so they are given as
    the caller made them; older subjects are read whole, in ledger order.
    """
    grouped: dict[int, list[Appendable]] = defaultdict(list)
    for e in fresh:
        sid = links.subject_of.get(e.id)
        if sid in links.created:
            grouped[sid].append(e)
    older = sorted(links.touched - links.created)
    await _read_events(conn, older, grouped)
    touched = sorted(links.touched)
    await _store_projections(
        conn,
        touched,
        [project(projector, grouped[sid], new=sid in links.created) for sid in touched],
        links.summaries,
    )


async def rederive(
    conn: Connection, subject_ids: Sequence[int], projector: Projector, summaries: dict[int, str]
) -> None:
    """Re-derive existing subjects (whose rows the caller has locked, reading `summaries`)
    from all their events."""
    grouped: dict[int, list[Appendable]] = defaultdict(list)
    await _read_events(conn, subject_ids, grouped)
    await _store_projections(
        conn,
        subject_ids,
        [project(projector, grouped[sid], new=False) for sid in subject_ids],
        summaries,
    )


async def _read_events(
    conn: Connection, subject_ids: Sequence[int], into: dict[int, list[Appendable]]
) -> None:
    if not subject_ids:
        return
    rows = await conn.fetch(
        f"SELECT subject_id, seq, {EVENT_COLUMNS} FROM events "
        "WHERE subject_id = ANY($1::bigint[]) ORDER BY seq",
        list(subject_ids),
    )
    for row in rows:
        values = tuple(row)
        into[values[0]].append(event_from_row(values[1:]))


# One statement: when summaries changed, take the next feed positions (the counter row
# stays locked until commit, so positions follow the commit order on every instance),
# write the `changes` rows, then the subjects: new rows are made, older ones updated (their
# rows are locked, so none of them can have been merged away and come back here).
_STORE_PROJECTIONS = """
WITH clock AS (
    UPDATE counters SET value = value + cardinality($6::bigint[])
    WHERE name = 'feed' AND cardinality($6::bigint[]) > 0
    RETURNING value
), changed AS (
    INSERT INTO changes (seq, subject_id, phone, user_id, summary, changed_at)
    SELECT clock.value - cardinality($6::bigint[]) + c.n, c.id, u.phone, u.user_id, u.summary,
           $7::bigint
    FROM clock, unnest($6::bigint[]) WITH ORDINALITY AS c(id, n)
    JOIN unnest($1::bigint[], $3::text[], $4::text[], $5::text[]) AS u(id, summary, phone, user_id)
      ON u.id = c.id
    RETURNING seq, subject_id
)
INSERT INTO subjects (id, state, summary, phone, user_id, feed_seq, updated_at, version)
SELECT u.id, u.state, u.summary, u.phone, u.user_id, changed.seq, now(), 1
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
     AS u(id, state, summary, phone, user_id)
LEFT JOIN changed ON changed.subject_id = u.id
ON CONFLICT (id) DO UPDATE SET state = excluded.state, summary = excluded.summary,
    phone = excluded.phone, user_id = excluded.user_id,
    feed_seq = coalesce(excluded.feed_seq, subjects.feed_seq),
    updated_at = excluded.updated_at, version = subjects.version + 1
"""


async def _store_projections(
    conn: Connection,
    subject_ids: Sequence[int],
    projections: Sequence[Projection],
    before: dict[int, str],
) -> None:
    if not subject_ids:
        return
    changed = [
        sid
        for sid, p in zip(subject_ids, projections, strict=True)
        if p.summary != before.get(sid, "")
    ]
    await conn.execute(
        _STORE_PROJECTIONS,
        list(subject_ids),
        [p.state for p in projections],
        [p.summary for p in projections],
        [p.phone for p in projections],
        [p.user_id for p in projections],
        changed,
        us(datetime.now(UTC)),
    )
