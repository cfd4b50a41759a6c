"""The ledger's statements on PostgreSQL (`storage.append.LedgerIO`).

Several consentbot processes append to one database at once, so each batch protects itself
(the steps are `storage.append`'s):

- First, every identity key that the batch's events carry is locked: a transaction-level
  advisory lock on a 64-bit hash of the key, taken in sorted order so that two batches never
  wait for each other in a circle. (A batch with thousands of keys would fill the server's
  lock table: it takes one lock that excludes every other batch instead, see
  `PostgresLedger.lock_keys`.) Two batches that name the same key run one after the
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
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg

from storage.base import EventRecord, NewReply, QuarantineRecord
from storage.codec import EVENT_COLUMNS, REPLY_INSERT, event_from_row, reply_params, us
from storage.project import Projected

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
# Every batch holds one lock in common, shared; a batch with more keys than the server's
# lock table can hold at once takes it alone instead of a lock per key (an import, say).
LOCK_CLASS = 0x63626F74  # "cbot": advisory locks of the whole database use two numbers
_ALL_IDENTITIES = 3
BULK_KEYS = 1_000


class Conflict(Exception):
    """Another transaction changed what this one had read: run it again."""


def lock_id(identity_key: str) -> int:
    """The advisory lock of an identity key: the same 64-bit number in every process."""
    digest = hashlib.blake2b(identity_key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresLedger:
    """A pooled connection inside a READ COMMITTED transaction: the ledger's statements
    (`LedgerIO`) and the shared ones (`storage.sql.dialect.Tx`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await self._conn.fetch(sql, *args)

    async def execute(self, sql: str, *args: Any) -> int:
        status = await self._conn.execute(sql, *args)  # such as "UPDATE 3"
        return int(status.rsplit(" ", 1)[-1])

    async def lock_keys(self, keys: Sequence[str]) -> None:
        """Hold every key's advisory lock until the transaction ends (sorted: no deadlocks),
        after the common lock; or, for a batch of more than `BULK_KEYS` keys, the common
        lock alone, exclusively."""
        if not keys:
            return
        if len(keys) > BULK_KEYS:
            await self._conn.execute(
                "SELECT pg_advisory_xact_lock($1::int, $2::int)", LOCK_CLASS, _ALL_IDENTITIES
            )
            return
        await self._conn.execute(
            "WITH common AS (SELECT pg_advisory_xact_lock_shared($2::int, $3::int)) "
            "SELECT pg_advisory_xact_lock(k) FROM common, unnest($1::bigint[]) AS k",
            sorted({lock_id(k) for k in keys}),
            LOCK_CLASS,
            _ALL_IDENTITIES,
        )

    async def stored(
        self, ids: Sequence[str], keys: Sequence[str]
    ) -> tuple[set[str], dict[str, int]]:
        """One statement, after the locks, so it sees what the transactions it waited for
        committed."""
        rows = await self._conn.fetch(
            "SELECT id, NULL::bigint FROM events WHERE id = ANY($1::text[]) "
            "UNION ALL SELECT key, subject_id FROM identities WHERE key = ANY($2::text[])",
            list(ids),
            list(keys),
        )
        existing = {r[0] for r in rows if r[1] is None}
        return existing, {r[0]: r[1] for r in rows if r[1] is not None}

    async def lock_subjects(
        self, keys: Sequence[str], owners: dict[str, int]
    ) -> tuple[dict[str, int], dict[int, str]]:
        for _ in range(_OWNER_ROUNDS):
            wanted = sorted(set(owners.values()))
            if not wanted:
                return owners, {}
            locked = await self._conn.fetch(
                "SELECT id, summary FROM subjects WHERE id = ANY($1::bigint[]) "
                "ORDER BY id FOR UPDATE",
                wanted,
            )
            if len(locked) == len(wanted):
                return owners, {r[0]: r[1] for r in locked}
            # A subject missing now was merged away (its keys moved) while this batch waited.
            rows = await self._conn.fetch(
                "SELECT key, subject_id FROM identities WHERE key = ANY($1::text[])", list(keys)
            )
            owners = {r[0]: r[1] for r in rows}
        raise Conflict("subjects kept being merged away by other instances")

    async def new_subject_ids(self, count: int) -> list[int]:
        rows = await self._conn.fetch(
            "SELECT nextval('subject_ids') FROM generate_series(1, $1::int)", count
        )
        return sorted(r[0] for r in rows)

    async def merge(self, merged: Mapping[int, int]) -> None:
        olds = sorted(merged)
        intos = [merged[old] for old in olds]
        for table in ("identities", "events"):
            await self._conn.execute(
                f"UPDATE {table} SET subject_id = m.into_id "
                "FROM unnest($1::bigint[], $2::bigint[]) AS m(old_id, into_id) "
                f"WHERE {table}.subject_id = m.old_id",
                olds,
                intos,
            )
        await self._conn.execute("DELETE FROM subjects WHERE id = ANY($1::bigint[])", olds)

    async def link(self, links: Mapping[str, int]) -> None:
        await self._conn.execute(
            "INSERT INTO identities (key, subject_id) "
            "SELECT * FROM unnest($1::text[], $2::bigint[]) "
            "ON CONFLICT (key) DO UPDATE SET subject_id = excluded.subject_id",
            list(links),
            list(links.values()),
        )

    async def insert_events(
        self, rows: Sequence[tuple[Any, ...]], subject_ids: Sequence[int | None]
    ) -> None:
        """Should another instance be inserting one of them anyway (an event without
        identity keys, say), the insert waits for it; when it commits, the event was not
        new after all, and the whole transaction runs again (`Conflict`)."""
        columns = [list(c) for c in zip(*rows, strict=True)]
        inserted = await self._conn.fetch(_INSERT_EVENTS, *columns, list(subject_ids))
        if len(inserted) != len(rows):
            raise Conflict("another instance stored some of these events first")

    async def quarantine(self, bodies: Mapping[str, QuarantineRecord]) -> dict[str, int]:
        await self._conn.execute(
            "INSERT INTO quarantine (received_at, reason, body, body_sha256) "
            "SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bytea[], $4::text[]) "
            "ON CONFLICT (body_sha256) DO NOTHING",
            [q.received_at for q in bodies.values()],
            [q.reason for q in bodies.values()],
            [q.body for q in bodies.values()],
            list(bodies),
        )
        found = await self._conn.fetch(
            "SELECT body_sha256, id FROM quarantine WHERE body_sha256 = ANY($1::text[])",
            list(bodies),
        )
        return {r[0]: r[1] for r in found}

    async def events_of(self, subject_ids: Sequence[int]) -> dict[int, list[EventRecord]]:
        out: dict[int, list[EventRecord]] = defaultdict(list)
        if not subject_ids:
            return out
        rows = await self._conn.fetch(
            f"SELECT subject_id, seq, {EVENT_COLUMNS} FROM events "
            "WHERE subject_id = ANY($1::bigint[]) ORDER BY seq",
            list(subject_ids),
        )
        for row in rows:
            values = tuple(row)
            out[values[0]].append(event_from_row(values[1:]))
        return out

    async def subjects_after(self, after: int, limit: int) -> dict[int, str]:
        rows = await self._conn.fetch(
            "SELECT id, summary FROM subjects WHERE id > $1 ORDER BY id LIMIT $2 FOR UPDATE",
            after,
            limit,
        )
        return {r[0]: r[1] for r in rows}

    async def store_projections(self, projected: Projected) -> None:
        """One statement (see `_STORE_PROJECTIONS`)."""
        if not projected.subject_ids:
            return
        p = projected.projections
        await self._conn.execute(
            _STORE_PROJECTIONS,
            list(projected.subject_ids),
            [x.state for x in p],
            [x.summary for x in p],
            [x.phone for x in p],
            [x.user_id for x in p],
            list(projected.changed),
            us(datetime.now(UTC)),
        )

    async def insert_replies(self, replies: Sequence[NewReply]) -> None:
        now = us(datetime.now(UTC))
        columns = [list(c) for c in zip(*(reply_params(r, now) for r in replies), strict=True)]
        await self._conn.execute(
            f"{REPLY_INSERT} SELECT * FROM unnest("
            + ", ".join(f"${i}::{t}[]" for i, t in enumerate(_REPLY_TYPES, 1))
            + ") ON CONFLICT (id) DO NOTHING",
            *columns,
        )


# Column types of `codec.reply_params`, for `unnest` of one array per column.
_REPLY_TYPES = ("text",) * 7 + ("bigint",) * 3

# When summaries changed, take the next feed positions (the counter row stays locked until
# commit, so positions follow the commit order on every instance), write the `changes`
# rows, then the subjects: new rows are made, older ones updated (their rows are locked,
# so none of them can have been merged away and come back here).
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
