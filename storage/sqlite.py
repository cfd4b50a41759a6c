"""The embedded SQLite backend.

All writes go through one connection and one writer task. Requests put their work on a
queue; the writer takes everything waiting and commits it in one transaction (group
commit), so the cost of a commit and of its fsync is shared by many requests.

The transaction runs on the event loop: handing statements to a thread costs more than
the statements (the thread must win the GIL back after each one, which takes up to the
interpreter's switch interval while requests are being parsed). What may wait long, the
write lock held by another process and migrations, runs on a dedicated thread. Reads use
their own connections: WAL lets them run beside the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from storage.base import (
    Appendable,
    AppendResult,
    DeliveryRecord,
    EventRecord,
    FeedEntry,
    Projector,
    QuarantineRecord,
    StorageError,
    StoreClosed,
    StoreUnavailable,
    Subject,
    SubscriptionRecord,
    TokenRecord,
    split_new,
)
from storage.codec import (
    EVENT_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    event_from_row,
    from_us,
    migrations,
    parse_ts,
    project,
    row_of,
    subscription_from_row,
    ts,
    us,
)

T = TypeVar("T")

# SQLite allows 32766 host parameters; stay far below for IN lists.
_CHUNK = 500
# Keys per bulk lookup: SQLite allows 32766 host parameters.
_LOOKUP_CHUNK = 2000
_MAX_BATCH = 512
# Batches with more events than this run on the writer's thread, not on the loop.
_BULK_EVENTS = 1000
_READERS = 4


def path_from_url(url: str) -> Path:
    """`sqlite:///data/x.db` is relative to the working directory; `sqlite:////abs/x.db` is not."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ValueError("an SQLite URL looks like sqlite:///path/to/file.db")
    return Path(url[len(prefix) :])


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


@dataclass
class _Append:
    events: Sequence[Appendable]
    quarantine: QuarantineRecord | None


@dataclass
class _Alone:
    """Work that manages its own transactions (migrations), run on the writer's thread."""

    fn: Callable[[], Any]


@dataclass
class _Job:
    work: _Append | _Alone | Callable[[sqlite3.Connection], Any]
    future: asyncio.Future[Any] = field(repr=False)


class SQLiteStore:
    """`Store` on one SQLite file. Open with `await store.open()`, or `async with store:`."""

    def __init__(
        self,
        path: Path,
        projector: Projector,
        *,
        busy_timeout_ms: int = 5000,
        synchronous: str = "FULL",
    ) -> None:
        self.path = path
        self._projector = projector
        self._busy_ms = busy_timeout_ms
        # FULL: a commit is on disk before the webhook is acknowledged, even on power loss.
        self._synchronous = synchronous
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._queue: asyncio.Queue[_Job | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection | None] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._closed = False

    async def __aenter__(self) -> SQLiteStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        if self._closed or self._executor is not None:
            raise StoreClosed("a store is opened once; make a new one")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        loop = asyncio.get_running_loop()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = await loop.run_in_executor(self._executor, self._connect)
            for _ in range(_READERS):
                reader = await aiosqlite.connect(self.path, isolation_level=None)
                self._all_readers.append(reader)
                await reader.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")
                await reader.execute("PRAGMA query_only = 1")
                self._readers.put_nowait(reader)
        except (sqlite3.Error, OSError) as exc:
            await self.close()
            raise StoreUnavailable(f"cannot open the SQLite database: {exc}") from exc
        self._writer = asyncio.create_task(self._write_loop(), name="sqlite-writer")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {self._synchronous}")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: bulk writes touch many pages
        conn.execute("PRAGMA busy_timeout = 0")  # see _begin
        # Migrations backfill hashed-number identities with it.
        conn.create_function("consentbot_sha256", 1, _sha256_hex, deterministic=True)
        return conn

    async def close(self) -> None:
        """Finish queued writes and reads in flight, then release everything."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._queue.put_nowait(None)
            await self._writer
        for _ in self._all_readers:  # every connection back: reads in flight finish first
            await self._readers.get()
        for reader in self._all_readers:
            await reader.close()
        self._readers.put_nowait(None)  # wakes reads waiting for a connection: they fail
        if self._executor is not None:
            conn = self._conn
            if conn is not None:
                await asyncio.get_running_loop().run_in_executor(self._executor, conn.close)
            self._executor.shutdown(wait=True)

    # -- the writer --------------------------------------------------------------------------

    async def _submit(self, work: _Append | _Alone | Callable[[sqlite3.Connection], T]) -> Any:
        if self._closed or self._writer is None:
            raise StoreClosed("the store is closed")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(work, future))
        return await future

    async def _off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _write_loop(self) -> None:
        while True:
            job = await self._queue.get()
            if job is None:
                return
            jobs = [job]
            stop = False
            while len(jobs) < _MAX_BATCH and not stop:
                # Let requests that are being read right now join this batch: the batch
                # blocks the loop, and a batch of one pays a whole commit for one request.
                await asyncio.sleep(0)
                if self._queue.empty():
                    break
                while len(jobs) < _MAX_BATCH and not self._queue.empty():
                    nxt = self._queue.get_nowait()
                    if nxt is None:
                        stop = True
                        break
                    jobs.append(nxt)
            try:
                outcomes = await self._run_batch(jobs)
            except BaseException as exc:  # never leave a request waiting for an answer
                outcomes = [(False, StoreUnavailable(f"SQLite writer failed: {exc!r}"))] * len(jobs)
            for j, (ok, value) in zip(jobs, outcomes, strict=True):
                if j.future.done():
                    continue
                if ok:
                    j.future.set_result(value)
                else:
                    j.future.set_exception(value)
            if stop:
                return

    async def _run_batch(self, jobs: list[_Job]) -> list[tuple[bool, Any]]:
        """Run jobs in order: each run of transactional jobs as one transaction, `_Alone`
        work by itself."""
        out: list[tuple[bool, Any]] = []
        group: list[_Job] = []
        for job in [*jobs, None]:
            if job is not None and not isinstance(job.work, _Alone):
                group.append(job)
                continue
            if group:
                out += await self._run_group(group)
                group = []
            if job is not None and isinstance(job.work, _Alone):
                try:
                    out.append((True, await self._off_loop(job.work.fn)))
                except Exception as exc:
                    out.append((False, _translate(exc)))
        return out

    async def _run_group(self, jobs: list[_Job]) -> list[tuple[bool, Any]]:
        """All jobs in one transaction; if that fails, each alone, so a bad job fails alone.

        An outage (locked, read-only, full disk) fails the whole group at once: retrying
        each job would only wait out the busy timeout once per job.
        """
        try:
            return [(True, v) for v in await self._transaction(jobs)]
        except Exception as exc:
            error = _translate(exc)
            if len(jobs) == 1 or isinstance(error, StoreUnavailable):
                return [(False, error)] * len(jobs)
        out: list[tuple[bool, Any]] = []
        for job in jobs:
            try:
                out.append((True, (await self._transaction([job]))[0]))
            except Exception as exc:
                out.append((False, _translate(exc)))
        return out

    async def _transaction(self, jobs: Sequence[_Job]) -> list[Any]:
        conn = self._conn
        if conn is None:
            raise StoreClosed("the store is closed")
        await self._begin(conn)
        try:
            size = sum(len(j.work.events) for j in jobs if isinstance(j.work, _Append))
            if size > _BULK_EVENTS:
                # A bulk batch (an import) on the writer's thread: SQLite lets go of the GIL
                # while it works, so the caller can read and parse the next batch meanwhile.
                return await self._off_loop(self._run_and_commit, conn, jobs)
            results = self._run_jobs(conn, jobs)
            # The commit's fsync (about half a millisecond here) off the loop.
            await self._off_loop(conn.execute, "COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return results

    def _run_jobs(self, conn: sqlite3.Connection, jobs: Sequence[_Job]) -> list[Any]:
        appends = [j.work for j in jobs if isinstance(j.work, _Append)]
        appended = iter(_append_many(conn, appends, self._projector))
        return [
            next(appended) if isinstance(j.work, _Append) else j.work(conn)  # type: ignore[operator]
            for j in jobs
        ]

    def _run_and_commit(self, conn: sqlite3.Connection, jobs: Sequence[_Job]) -> list[Any]:
        results = self._run_jobs(conn, jobs)
        conn.execute("COMMIT")
        return results

    async def _begin(self, conn: sqlite3.Connection) -> None:
        """Take the write lock: at once on the loop when it is free (the usual case, since
        this store is the only writer here), else waiting for it on the writer's thread."""
        try:
            conn.execute("BEGIN IMMEDIATE")  # the writer's busy timeout is 0: never blocks
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            await self._off_loop(self._begin_waiting, conn)

    def _begin_waiting(self, conn: sqlite3.Connection) -> None:
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")
        try:
            conn.execute("BEGIN IMMEDIATE")
        finally:
            conn.execute("PRAGMA busy_timeout = 0")

    # -- reads -------------------------------------------------------------------------------

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._closed:
            raise StoreClosed("the store is closed")
        reader = await self._readers.get()
        if reader is None:  # closed while waiting; pass the news on to the next waiter
            self._readers.put_nowait(None)
            raise StoreClosed("the store is closed")
        try:
            async with reader.execute(sql, params) as cursor:
                # No row factory: the rows are plain tuples already.
                return cast(list[tuple[Any, ...]], await cursor.fetchall())
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite read failed: {exc}") from exc
        finally:
            self._readers.put_nowait(reader)

    # -- Store -------------------------------------------------------------------------------

    async def migrate(self) -> list[str]:
        applied: list[str] = await self._submit(_Alone(self._migrate))
        return applied

    def _migrate(self) -> list[str]:
        conn = self._conn
        if conn is None:
            raise StoreClosed("the store is closed")
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")  # on this thread: may wait
        try:
            return self._apply_migrations(conn)
        finally:
            conn.execute("PRAGMA busy_timeout = 0")

    def _apply_migrations(self, conn: sqlite3.Connection) -> list[str]:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
        applied = []
        for name, sql in migrations("sqlite"):
            if name in done:
                continue
            # executescript commits a pending transaction first, then runs the script as is:
            # the script opens the transaction and the record of it joins before COMMIT.
            conn.executescript("BEGIN IMMEDIATE;\n" + sql)
            try:
                conn.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                    (name, ts(datetime.now(UTC))),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            applied.append(name)
        return applied

    async def pending_migrations(self) -> list[str]:
        rows = await self._read(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        done = (
            {r[0] for r in await self._read("SELECT name FROM schema_migrations")}
            if rows
            else set()
        )
        return [name for name, _ in migrations("sqlite") if name not in done]

    async def refresh_projections(self, projector_id: str) -> int:
        count: int = await self._submit(_Alone(lambda: self._refresh(projector_id)))
        return count

    def _refresh(self, projector_id: str) -> int:
        conn = self._conn
        if conn is None:
            raise StoreClosed("the store is closed")
        row = conn.execute("SELECT value FROM meta WHERE key = 'projector'").fetchone()
        if row is not None and row[0] == projector_id:
            return 0
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            ids = [r[0] for r in conn.execute("SELECT id FROM subjects ORDER BY id")]
            for part in _chunks(ids):
                _project(conn, set(part), set(), (), {}, self._projector)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('projector', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (projector_id,),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute("PRAGMA busy_timeout = 0")
        return len(ids)

    async def ping(self) -> None:
        # A real write through the writer: a read-only or locked file fails here too.
        def beat(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO heartbeat (id, at) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                (ts(datetime.now(UTC)),),
            )

        await self._submit(beat)

    async def append(
        self,
        events: Sequence[Appendable],
        *,
        quarantine: QuarantineRecord | None = None,
    ) -> AppendResult:
        result: AppendResult = await self._submit(_Append(events, quarantine))
        return result

    async def subject(self, identity_keys: Sequence[str]) -> Subject | None:
        found = await self.subjects(identity_keys)
        return next((found[k] for k in identity_keys if k in found), None)

    async def subjects(self, identity_keys: Sequence[str]) -> dict[str, Subject]:
        keys = list(dict.fromkeys(identity_keys))
        out: dict[str, Subject] = {}
        for part in _chunks(keys):
            rows = await self._read(
                "SELECT i.key, s.id, s.state, s.summary, s.phone, s.user_id, s.feed_seq "
                "FROM identities i JOIN subjects s ON s.id = i.subject_id "
                f"WHERE i.key IN ({_marks(len(part))})",
                part,
            )
            states = {r[1]: r[2:] for r in rows}
            # Every key of the subjects found, in one read per chunk (not one per subject).
            keys_of: dict[int, list[str]] = defaultdict(list)
            for sids in _chunks(sorted(states)):
                for sid, key in await self._read(
                    "SELECT subject_id, key FROM identities "
                    f"WHERE subject_id IN ({_marks(len(sids))}) ORDER BY key",
                    sids,
                ):
                    keys_of[sid].append(key)
            subjects = {
                sid: Subject(sid, state, tuple(keys_of[sid]), summary, phone, user_id, feed_seq)
                for sid, (state, summary, phone, user_id, feed_seq) in states.items()
            }
            for key, sid, *_ in rows:
                out[key] = subjects[sid]
        return out

    async def summaries(self, identity_keys: Sequence[str]) -> dict[str, str]:
        keys = list(dict.fromkeys(identity_keys))
        out: dict[str, str] = {}
        for part in _chunks(keys, _LOOKUP_CHUNK):
            rows = await self._read(
                "SELECT i.key, s.summary FROM identities i "
                "JOIN subjects s INDEXED BY subjects_summary ON s.id = i.subject_id "
                f"WHERE i.key IN ({_marks(len(part))})",
                part,
            )
            out.update(rows)
        return out

    async def feed(self, after: int, limit: int) -> list[FeedEntry]:
        rows = await self._read(
            "SELECT feed_seq, id, phone, user_id, summary, NULL FROM subjects "
            "WHERE feed_seq > ? ORDER BY feed_seq LIMIT ?",
            (after, limit),
        )
        return list(map(_feed_entry, rows))

    async def feed_head(self) -> int:
        rows = await self._read("SELECT value FROM counters WHERE name = 'feed'")
        return int(rows[0][0]) if rows else 0

    async def changes(self, after: int, limit: int) -> list[FeedEntry]:
        rows = await self._read(
            "SELECT seq, subject_id, phone, user_id, summary, changed_at FROM changes "
            "WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        )
        return [FeedEntry(r[0], r[1], r[2], r[3], r[4], from_us(r[5])) for r in rows]

    async def hash_secret(self) -> bytes:
        rows = await self._read("SELECT value FROM meta WHERE key = 'hash_secret'")
        if not rows:
            raise StorageError("the database has no hash secret: run `consentbot migrate`")
        return bytes.fromhex(rows[0][0])

    async def events_of(self, subject_id: int) -> list[EventRecord]:
        rows = await self._read(
            f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE subject_id = ? ORDER BY seq",
            (subject_id,),
        )
        return [event_from_row(r) for r in rows]

    async def event(self, event_id: str) -> EventRecord | None:
        rows = await self._read(
            f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE id = ?", (event_id,)
        )
        return event_from_row(rows[0]) if rows else None

    async def count_events(self) -> int:
        rows = await self._read("SELECT count(*) FROM events")
        return int(rows[0][0])

    async def events_of_kinds(
        self, kinds: Sequence[str], *, before_seq: int | None = None, limit: int = 100
    ) -> list[EventRecord]:
        if not kinds:
            return []
        rows = await self._read(
            f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE kind IN ({_marks(len(kinds))}) "
            "AND seq < ? ORDER BY seq DESC LIMIT ?",
            (*kinds, before_seq if before_seq is not None else 2**63 - 1, limit),
        )
        return [event_from_row(r) for r in rows]

    async def stored_ids(self, event_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in _chunks(list(dict.fromkeys(event_ids))):
            rows = await self._read(
                f"SELECT id FROM events WHERE id IN ({_marks(len(part))})", part
            )
            found.update(r[0] for r in rows)
        return found

    async def count_kinds_by_number(
        self, kinds: Sequence[str], since: datetime
    ) -> dict[tuple[str | None, str], int]:
        if not kinds:
            return {}
        rows = await self._read(
            "SELECT phone_number_id, kind, count(*) FROM events "
            f"WHERE kind IN ({_marks(len(kinds))}) AND occurred_at >= ? "
            "GROUP BY phone_number_id, kind",
            (*kinds, us(since)),
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}

    async def quarantined(self, limit: int = 100) -> list[QuarantineRecord]:
        rows = await self._read(
            "SELECT id, received_at, reason, body FROM quarantine ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [QuarantineRecord(parse_ts(r[1]), r[2], bytes(r[3]), r[0]) for r in rows]

    async def add_token(self, token: TokenRecord) -> None:
        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO tokens (id, name, role, token_hash, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (token.id, token.name, token.role, token.token_hash, ts(token.created_at)),
            )

        await self._submit(insert)

    async def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        rows = await self._read(_TOKEN_SELECT + " WHERE token_hash = ?", (token_hash,))
        return _token(rows[0]) if rows else None

    async def tokens(self) -> list[TokenRecord]:
        return [_token(r) for r in await self._read(_TOKEN_SELECT + " ORDER BY created_at")]

    async def revoke_token(self, token_id: str, at: datetime) -> bool:
        def revoke(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (ts(at), token_id),
            )
            return cur.rowcount > 0

        revoked: bool = await self._submit(revoke)
        return revoked

    # -- subscriber webhooks -----------------------------------------------------------------

    async def add_subscription(
        self, subscription: SubscriptionRecord, *, from_beginning: bool = False
    ) -> SubscriptionRecord:
        sub = subscription

        def insert(conn: sqlite3.Connection) -> SubscriptionRecord:
            # In the writer's transaction: no change can commit between this read and the
            # insert, so the subscription starts exactly after the latest one.
            (head,) = conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
            row = conn.execute(
                "INSERT INTO subscriptions "
                "(id, url, secret, description, created_at, created_by, cursor) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {SUBSCRIPTION_COLUMNS}",
                (
                    sub.id,
                    sub.url,
                    sub.secret,
                    sub.description,
                    us(sub.created_at),
                    sub.created_by,
                    0 if from_beginning else head,
                ),
            ).fetchone()
            return subscription_from_row(row)

        added: SubscriptionRecord = await self._submit(insert)
        return added

    async def subscription(self, subscription_id: str) -> SubscriptionRecord | None:
        rows = await self._read(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = ?", (subscription_id,)
        )
        return subscription_from_row(rows[0]) if rows else None

    async def subscriptions(self) -> list[SubscriptionRecord]:
        rows = await self._read(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE deleted_at IS NULL "
            "ORDER BY created_at, id"
        )
        return [subscription_from_row(r) for r in rows]

    async def delete_subscription(self, subscription_id: str, at: datetime) -> bool:
        def delete(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "UPDATE subscriptions SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (us(at), subscription_id),
            )
            return cur.rowcount > 0

        deleted: bool = await self._submit(delete)
        return deleted

    async def due_subscriptions(self, now: datetime, limit: int) -> list[SubscriptionRecord]:
        at = us(now)
        rows = await self._read(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions "
            "WHERE deleted_at IS NULL AND next_attempt_at <= ? AND lease_until < ? "
            "AND cursor < (SELECT coalesce(max(seq), 0) FROM changes) "
            "ORDER BY next_attempt_at, id LIMIT ?",
            (at, at, limit),
        )
        return [subscription_from_row(r) for r in rows]

    async def claim_subscription(
        self, subscription_id: str, owner: str, now: datetime, until: datetime
    ) -> SubscriptionRecord | None:
        def claim(conn: sqlite3.Connection) -> SubscriptionRecord | None:
            at = us(now)
            row = conn.execute(
                "UPDATE subscriptions SET lease_owner = ?, lease_until = ? "
                "WHERE id = ? AND deleted_at IS NULL AND next_attempt_at <= ? "
                "AND (lease_until < ? OR lease_owner = ?) "
                f"RETURNING {SUBSCRIPTION_COLUMNS}",
                (owner, us(until), subscription_id, at, at, owner),
            ).fetchone()
            return subscription_from_row(row) if row is not None else None

        claimed: SubscriptionRecord | None = await self._submit(claim)
        return claimed

    async def record_delivery(
        self,
        delivery: DeliveryRecord,
        *,
        owner: str,
        lease_until: datetime,
        retry_at: datetime | None = None,
    ) -> bool:
        d = delivery

        def record(conn: sqlite3.Connection) -> bool:
            conn.execute(
                "INSERT INTO deliveries (subscription_id, change_seq, attempt, attempted_at, "
                "duration_ms, status, ok, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    d.subscription_id,
                    d.change_seq,
                    d.attempt,
                    us(d.attempted_at),
                    d.duration_ms,
                    d.status,
                    int(d.ok),
                    d.error,
                ),
            )
            if d.ok:
                cur = conn.execute(
                    "UPDATE subscriptions SET cursor = ?, attempts = 0, next_attempt_at = 0, "
                    "last_error = NULL, lease_until = ? "
                    "WHERE id = ? AND lease_owner = ? AND cursor < ? AND deleted_at IS NULL",
                    (d.change_seq, us(lease_until), d.subscription_id, owner, d.change_seq),
                )
            else:
                cur = conn.execute(
                    "UPDATE subscriptions SET attempts = ?, next_attempt_at = ?, "
                    "last_error = ?, lease_owner = NULL, lease_until = 0 "
                    "WHERE id = ? AND lease_owner = ? AND cursor < ?",
                    (
                        d.attempt,
                        us(retry_at) if retry_at is not None else 0,
                        d.error,
                        d.subscription_id,
                        owner,
                        d.change_seq,
                    ),
                )
            return cur.rowcount > 0

        moved: bool = await self._submit(record)
        return moved

    async def release_subscriptions(
        self, owner: str, subscription_ids: Sequence[str] | None = None
    ) -> int:
        ids = None if subscription_ids is None else list(dict.fromkeys(subscription_ids))

        def release(conn: sqlite3.Connection) -> int:
            sql = (
                "UPDATE subscriptions SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = ?"
            )
            if ids is None:
                return conn.execute(sql, (owner,)).rowcount
            return sum(
                conn.execute(sql + f" AND id IN ({_marks(len(part))})", (owner, *part)).rowcount
                for part in _chunks(ids)
            )

        released: int = await self._submit(release)
        return released

    async def deliveries(
        self, subscription_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        rows = await self._read(
            "SELECT id, subscription_id, change_seq, attempt, attempted_at, duration_ms, status, "
            "ok, error FROM deliveries WHERE subscription_id = ? AND id < ? "
            "ORDER BY id DESC LIMIT ?",
            (subscription_id, before if before is not None else 2**63 - 1, limit),
        )
        return [
            DeliveryRecord(
                id=r[0],
                subscription_id=r[1],
                change_seq=r[2],
                attempt=r[3],
                attempted_at=from_us(r[4]),
                duration_ms=r[5],
                status=r[6],
                ok=bool(r[7]),
                error=r[8],
            )
            for r in rows
        ]


_TOKEN_SELECT = "SELECT id, name, role, token_hash, created_at, revoked_at FROM tokens"  # noqa: S105 - column names, not a secret


def _token(r: tuple[Any, ...]) -> TokenRecord:
    return TokenRecord(r[0], r[1], r[2], r[3], parse_ts(r[4]), parse_ts(r[5]) if r[5] else None)


# FeedEntry from a row of six columns, without a Python-level call per row.
_feed_entry = functools.partial(tuple.__new__, FeedEntry)


def _sha256_hex(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def _translate(exc: BaseException) -> BaseException:
    """Locked, read-only, full or vanished databases are outages: the caller answers 503."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError
    ):
        return StoreUnavailable(f"SQLite write failed: {exc}")
    return exc


def _append_many(
    conn: sqlite3.Connection, jobs: Sequence[_Append], projector: Projector
) -> list[AppendResult]:
    """Insert the new events of many requests, link identities, re-derive touched subjects."""
    if not jobs:
        return []
    ids = list({e.id for job in jobs for e in job.events})
    existing: set[str] = set()
    for part in _chunks(ids):
        existing.update(
            r[0]
            for r in conn.execute(f"SELECT id FROM events WHERE id IN ({_marks(len(part))})", part)
        )
    fresh, created_per_job = split_new([job.events for job in jobs], existing)

    subject_of, touched, created = _link_identities(conn, fresh)
    conn.executemany(
        f"INSERT INTO events ({EVENT_COLUMNS}, subject_id) VALUES ({_marks(17)})",
        [(*row_of(e), subject_of.get(e.id)) for e in fresh],
    )
    quarantine_ids = [_quarantine(conn, job.quarantine) for job in jobs]
    _project(conn, touched, created, fresh, subject_of, projector)
    return [
        AppendResult(created, qid)
        for created, qid in zip(created_per_job, quarantine_ids, strict=True)
    ]


def _quarantine(conn: sqlite3.Connection, q: QuarantineRecord | None) -> int | None:
    """Keep the body once, however often Meta redelivers it; return its row id."""
    if q is None:
        return None
    digest = hashlib.sha256(q.body).hexdigest()
    conn.execute(
        "INSERT INTO quarantine (received_at, reason, body, body_sha256) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (body_sha256) DO NOTHING",
        (ts(q.received_at), q.reason, q.body, digest),
    )
    row = conn.execute("SELECT id FROM quarantine WHERE body_sha256 = ?", (digest,)).fetchone()
    return int(row[0])


def _link_identities(
    conn: sqlite3.Connection, events: Sequence[Appendable]
) -> tuple[dict[str, int], set[int], set[int]]:
    """File each event under a subject; join subjects that one event shows to be one person.

    Returns the subject of each event id, the subjects touched, and which of them are new
    (their rows are inserted later, together with their first projection).
    """
    keys = list({k for e in events for k in e.identity_keys})
    owner: dict[str, int] = {}
    for part in _chunks(keys):
        owner.update(
            conn.execute(
                f"SELECT key, subject_id FROM identities WHERE key IN ({_marks(len(part))})", part
            ).fetchall()
        )
    new_links: dict[str, int] = {}
    created: set[int] = set()
    last_id: int | None = None  # read on first need from sqlite_sequence (ids never reused)
    for e in events:
        if not e.identity_keys:
            continue
        found = {owner[k] for k in e.identity_keys if k in owner}
        if not found:
            # One writer per database, so the next id cannot be taken by anyone else.
            if last_id is None:
                row = conn.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'subjects'"
                ).fetchone()
                last_id = int(row[0]) if row else 0
            last_id += 1
            sid = last_id
            created.add(sid)
        else:
            sid = min(found)
            merged = found - {sid}
            if merged:
                _merge(conn, sid, sorted(merged))
                created -= merged
                for table in (owner, new_links):
                    for k, v in table.items():
                        if v in merged:
                            table[k] = sid
        for k in e.identity_keys:
            if owner.get(k) != sid:
                owner[k] = sid
                new_links[k] = sid
    conn.executemany(
        "INSERT INTO identities (key, subject_id) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET subject_id = excluded.subject_id",
        list(new_links.items()),
    )
    # Read at the end: a later event of the batch may have merged an earlier one's subject.
    subject_of = {e.id: owner[e.identity_keys[0]] for e in events if e.identity_keys}
    return subject_of, set(subject_of.values()), created


def _merge(conn: sqlite3.Connection, into: int, merged: Sequence[int]) -> None:
    marks = _marks(len(merged))
    conn.execute(
        f"UPDATE identities SET subject_id = ? WHERE subject_id IN ({marks})", (into, *merged)
    )
    conn.execute(f"UPDATE events SET subject_id = ? WHERE subject_id IN ({marks})", (into, *merged))
    conn.execute(f"DELETE FROM subjects WHERE id IN ({marks})", merged)


def _project(
    conn: sqlite3.Connection,
    touched: set[int],
    created: set[int],
    fresh: Sequence[Appendable],
    subject_of: dict[str, int],
    projector: Projector,
) -> None:
    """Re-derive every touched subject from all of its events; put those whose summary
    changed at the head of the change feed, with a row in `changes` each.

    A subject created in this batch has no events but the fresh ones, so they are not
    read back; older subjects are read whole.
    """
    grouped: dict[int, list[Appendable]] = defaultdict(list)
    for e in fresh:
        sid = subject_of.get(e.id)
        if sid in created:
            grouped[sid].append(e)
    older = sorted(touched - created)
    before: dict[int, str] = {}
    for part in _chunks(older):
        before.update(
            conn.execute(
                f"SELECT id, summary FROM subjects WHERE id IN ({_marks(len(part))})", part
            ).fetchall()
        )
        for row in conn.execute(
            f"SELECT subject_id, seq, {EVENT_COLUMNS} FROM events "
            f"WHERE subject_id IN ({_marks(len(part))}) ORDER BY seq",
            part,
        ):
            grouped[row[0]].append(event_from_row(row[1:]))
    projections = {
        sid: project(projector, grouped[sid], new=sid in created) for sid in sorted(touched)
    }
    changed = [sid for sid, p in projections.items() if p.summary != before.get(sid, "")]
    feed_seq: dict[int, int] = {}
    now_us = us(datetime.now(UTC))
    if changed:
        (head,) = conn.execute(
            "UPDATE counters SET value = value + ? WHERE name = 'feed' RETURNING value",
            (len(changed),),
        ).fetchone()
        feed_seq = {sid: head - len(changed) + i for i, sid in enumerate(changed, 1)}
        conn.executemany(
            "INSERT INTO changes (seq, subject_id, phone, user_id, summary, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (feed_seq[sid], sid, p.phone, p.user_id, p.summary, now_us)
                for sid in changed
                for p in (projections[sid],)
            ],
        )
    now = ts(datetime.now(UTC))
    conn.executemany(
        "INSERT INTO subjects (id, state, summary, phone, user_id, feed_seq, updated_at, version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
        [
            (sid, p.state, p.summary, p.phone, p.user_id, feed_seq.get(sid), now)
            for sid in sorted(created)
            for p in (projections[sid],)
        ],
    )
    conn.executemany(
        "UPDATE subjects SET state = ?, summary = ?, phone = ?, user_id = ?, "
        "feed_seq = coalesce(?, feed_seq), updated_at = ?, version = version + 1 WHERE id = ?",
        [
            (p.state, p.summary, p.phone, p.user_id, feed_seq.get(sid), now, sid)
            for sid in older
            for p in (projections[sid],)
        ],
    )
