"""The ledger's statements on SQLite (`storage.append.LedgerIO`).

One writer task owns the database's only write connection and holds its write lock
(`BEGIN IMMEDIATE`) for the whole transaction, so nothing needs locking here and a new
subject's id can be read ahead from `sqlite_sequence`. The statements are plain calls on
that connection, batched with `executemany`: each method is a coroutine only to fit the
shared algorithm, and never suspends, so `run_to_end` runs a whole transaction at once,
on the event loop or on the writer's thread.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Coroutine, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from storage.base import EventRecord, NewReply, QuarantineRecord
from storage.codec import EVENT_COLUMNS, REPLY_INSERT, event_from_row, reply_params, ts, us
from storage.project import Projected
from storage.sql.dialect import numbered

T = TypeVar("T")

# SQLite allows 32766 host parameters; stay far below for IN lists.
CHUNK = 500


def run_to_end(coro: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends (every await in it completes at once),
    run here and now: on the event loop without a round through it, or on a thread."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise RuntimeError("a SQLite statement coroutine suspended")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def marks(n: int) -> str:
    return ",".join("?" * n)


class SQLiteLedger:
    """The writer's connection inside its transaction: the ledger's statements (`LedgerIO`)
    and the shared ones (`storage.sql.dialect.Tx`)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return self._conn.execute(numbered(sql), args).fetchall()

    async def execute(self, sql: str, *args: Any) -> int:
        return self._conn.execute(numbered(sql), args).rowcount

    def _select(self, sql: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Rows of `sql` (with one `{}` for a list of `?`) for each part of `values`."""
        for part in chunks(values):
            yield from self._conn.execute(sql.format(marks(len(part))), part)

    async def lock_keys(self, keys: Sequence[str]) -> None:
        return  # the writer's transaction holds the database's write lock

    async def stored(
        self, ids: Sequence[str], keys: Sequence[str]
    ) -> tuple[set[str], dict[str, int]]:
        existing = {r[0] for r in self._select("SELECT id FROM events WHERE id IN ({})", ids)}
        owners = dict(
            self._select("SELECT key, subject_id FROM identities WHERE key IN ({})", keys)
        )
        return existing, owners

    async def lock_subjects(
        self, keys: Sequence[str], owners: dict[str, int]
    ) -> tuple[dict[str, int], dict[int, str]]:
        wanted = sorted(set(owners.values()))
        return owners, dict(
            self._select("SELECT id, summary FROM subjects WHERE id IN ({})", wanted)
        )

    async def new_subject_ids(self, count: int) -> list[int]:
        # AUTOINCREMENT keeps the greatest id ever used here; this writer is the only one.
        row = self._conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'subjects'"
        ).fetchone()
        last = int(row[0]) if row else 0
        return list(range(last + 1, last + count + 1))

    async def merge(self, merged: Mapping[int, int]) -> None:
        pairs = [(into, old) for old, into in merged.items()]
        self._conn.executemany("UPDATE identities SET subject_id = ? WHERE subject_id = ?", pairs)
        self._conn.executemany("UPDATE events SET subject_id = ? WHERE subject_id = ?", pairs)
        self._conn.executemany("DELETE FROM subjects WHERE id = ?", [(old,) for old in merged])

    async def link(self, links: Mapping[str, int]) -> None:
        self._conn.executemany(
            "INSERT INTO identities (key, subject_id) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET subject_id = excluded.subject_id",
            list(links.items()),
        )

    async def insert_events(
        self, rows: Sequence[tuple[Any, ...]], subject_ids: Sequence[int | None]
    ) -> None:
        self._conn.executemany(
            f"INSERT INTO events ({EVENT_COLUMNS}, subject_id) VALUES ({marks(17)})",
            [(*row, sid) for row, sid in zip(rows, subject_ids, strict=True)],
        )

    async def quarantine(self, bodies: Mapping[str, QuarantineRecord]) -> dict[str, int]:
        self._conn.executemany(
            "INSERT INTO quarantine (received_at, reason, body, body_sha256) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (body_sha256) DO NOTHING",
            [(ts(q.received_at), q.reason, q.body, d) for d, q in bodies.items()],
        )
        return dict(
            self._select(
                "SELECT body_sha256, id FROM quarantine WHERE body_sha256 IN ({})", list(bodies)
            )
        )

    async def events_of(self, subject_ids: Sequence[int]) -> dict[int, list[EventRecord]]:
        out: dict[int, list[EventRecord]] = defaultdict(list)
        sql = (
            f"SELECT subject_id, seq, {EVENT_COLUMNS} FROM events "
            "WHERE subject_id IN ({}) ORDER BY seq"
        )
        for row in self._select(sql, subject_ids):
            out[row[0]].append(event_from_row(row[1:]))
        return out

    async def subjects_after(self, after: int, limit: int) -> dict[int, str]:
        return dict(
            self._conn.execute(
                "SELECT id, summary FROM subjects WHERE id > ? ORDER BY id LIMIT ?", (after, limit)
            ).fetchall()
        )

    async def store_projections(self, projected: Projected) -> None:
        conn = self._conn
        changed = projected.changed
        feed_seq: dict[int, int] = {}
        if changed:
            (head,) = conn.execute(
                "UPDATE counters SET value = value + ? WHERE name = 'feed' RETURNING value",
                (len(changed),),
            ).fetchone()
            feed_seq = {sid: head - len(changed) + i for i, sid in enumerate(changed, 1)}
            rows = dict(projected.rows())
            changed_at = us(datetime.now(UTC))
            conn.executemany(
                "INSERT INTO changes (seq, subject_id, phone, user_id, summary, changed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (feed_seq[sid], sid, p.phone, p.user_id, p.summary, changed_at)
                    for sid in changed
                    for p in (rows[sid],)
                ],
            )
        now = ts(datetime.now(UTC))
        created = projected.created
        conn.executemany(
            "INSERT INTO subjects (id, state, summary, phone, user_id, feed_seq, updated_at, "
            "version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
            [
                (sid, p.state, p.summary, p.phone, p.user_id, feed_seq.get(sid), now)
                for sid, p in projected.rows()
                if sid in created
            ],
        )
        conn.executemany(
            "UPDATE subjects SET state = ?, summary = ?, phone = ?, user_id = ?, "
            "feed_seq = coalesce(?, feed_seq), updated_at = ?, version = version + 1 WHERE id = ?",
            [
                (p.state, p.summary, p.phone, p.user_id, feed_seq.get(sid), now, sid)
                for sid, p in projected.rows()
                if sid not in created
            ],
        )

    async def insert_replies(self, replies: Sequence[NewReply]) -> None:
        now = us(datetime.now(UTC))
        self._conn.executemany(
            f"{REPLY_INSERT} VALUES ({marks(10)}) ON CONFLICT (id) DO NOTHING",
            [reply_params(r, now) for r in replies],
        )
