"""The embedded SQLite backend: connections, the writer's transaction, migrations.

All writes go through one connection and one writer (`storage.committer`): requests put
their work on a queue; the writer takes everything waiting and commits it in one
transaction (group commit), so the cost of a commit and of its fsync is shared by many
requests. What a store does is written once in `storage.sql` and `storage.append`; this
module says how SQLite connects, reads, and runs a transaction.

The transaction runs on the event loop: handing statements to a thread costs more than
the statements (the thread must win the GIL back after each one, which takes up to the
interpreter's switch interval while requests are being parsed). What may wait long, the
write lock held by another process and migrations, runs on a dedicated thread. Reads use
their own connections: WAL lets them run beside the writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

from storage.append import AppendJob, append_batch, rederive_after
from storage.base import Projector, ReplyRule, StoreClosed, StoreUnavailable
from storage.codec import Row, migrations, ts
from storage.committer import GroupCommitter
from storage.sql import SqlStore
from storage.sql.dialect import SQLITE, WriteFn, numbered
from storage.sqlite_ledger import CHUNK, SQLiteLedger, run_to_end

T = TypeVar("T")

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


# What the writer commits: appends, and the other writes.
_Work = AppendJob | WriteFn[Any]


class SQLiteStore(SqlStore):
    """`Store` on one SQLite file. Open with `await store.open()`, or `async with store:`."""

    def __init__(
        self,
        path: Path,
        projector: Projector,
        *,
        busy_timeout_ms: int = 5000,
        synchronous: str = "FULL",
        replies: ReplyRule | None = None,
    ) -> None:
        super().__init__(SQLITE, projector, replies)
        self.path = path
        self._busy_ms = busy_timeout_ms
        # FULL: a commit is on disk before the webhook is acknowledged, even on power loss.
        self._synchronous = synchronous
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        # One committer: the shared parts send appends, this backend every other write too.
        self._committer = self._writer = GroupCommitter[_Work](
            self._transaction, _translate, name="sqlite-writer", max_batch=_MAX_BATCH, linger=True
        )
        self._readers: asyncio.Queue[aiosqlite.Connection | None] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._closed = False

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
        self._writer.start()

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
        await self._writer.stop()
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

    async def _write(self, work: WriteFn[T]) -> T:
        result: T = await self._writer.submit(work)
        return result

    async def _alone(self, fn: Callable[[], T]) -> T:
        """`fn` on the writer's thread, in the writer's turn: work that may wait long and
        manages its own transactions (migrations)."""
        result: T = await self._writer.submit_alone(lambda: self._off_loop(fn))
        return result

    async def _off_loop(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _transaction(self, works: Sequence[_Work]) -> list[Any]:
        """Every work in one transaction, committed before anyone hears of it."""
        conn = self._conn
        if conn is None:
            raise StoreClosed("the store is closed")
        await self._begin(conn)
        try:
            size = sum(len(w.events) for w in works if isinstance(w, AppendJob))
            if size > _BULK_EVENTS:
                # A bulk batch (an import) on the writer's thread: SQLite lets go of the GIL
                # while it works, so the caller can read and parse the next batch meanwhile.
                return await self._off_loop(self._run_and_commit, conn, works)
            results = self._run(conn, works)
            # The commit's fsync (about half a millisecond here) off the loop.
            await self._off_loop(conn.execute, "COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return results

    def _run(self, conn: sqlite3.Connection, works: Sequence[_Work]) -> list[Any]:
        """Appends first, all in one go, then the other works, in order."""
        tx = SQLiteLedger(conn)
        appends = [w for w in works if isinstance(w, AppendJob)]
        appended = iter(run_to_end(append_batch(tx, appends, self._projector, self._replies)))
        return [next(appended) if isinstance(w, AppendJob) else run_to_end(w(tx)) for w in works]

    def _run_and_commit(self, conn: sqlite3.Connection, works: Sequence[_Work]) -> list[Any]:
        results = self._run(conn, works)
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

    async def _read(self, sql: str, *args: Any) -> list[Row]:
        if self._closed:
            raise StoreClosed("the store is closed")
        reader = await self._readers.get()
        if reader is None:  # closed while waiting; pass the news on to the next waiter
            self._readers.put_nowait(None)
            raise StoreClosed("the store is closed")
        try:
            async with reader.execute(numbered(sql), args) as cursor:
                # No row factory: the rows are plain tuples already.
                return cast(list[Row], await cursor.fetchall())
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"SQLite read failed: {exc}") from exc
        finally:
            self._readers.put_nowait(reader)

    # -- migrations and re-derivation --------------------------------------------------------

    async def migrate(self) -> list[str]:
        return await self._alone(self._migrate)

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

    async def _applied_migrations(self) -> set[str]:
        rows = await self._read(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        if not rows:
            return set()
        return {r[0] for r in await self._read("SELECT name FROM schema_migrations")}

    async def refresh_projections(self, projector_id: str) -> int:
        return await self._alone(lambda: self._refresh(projector_id))

    def _refresh(self, projector_id: str) -> int:
        """Every subject in one transaction, on the writer's thread (no append waits on
        the loop meanwhile: they queue behind it)."""
        conn = self._conn
        if conn is None:
            raise StoreClosed("the store is closed")
        row = conn.execute("SELECT value FROM meta WHERE key = 'projector'").fetchone()
        if row is not None and row[0] == projector_id:
            return 0
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_ms)}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            count, last, io = 0, 0, SQLiteLedger(conn)
            while ids := run_to_end(rederive_after(io, last, CHUNK, self._projector)):
                count, last = count + len(ids), ids[-1]
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
        return count


def _sha256_hex(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def _translate(exc: BaseException) -> BaseException:
    """Locked, read-only, full or vanished databases are outages: the caller answers 503."""
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError
    ):
        return StoreUnavailable(f"SQLite write failed: {exc}")
    return exc
