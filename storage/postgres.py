"""The PostgreSQL backend, for several consentbot instances writing to one database.

What a store does is written once in `storage.sql` and `storage.append`; this module says
how PostgreSQL connects, reads and runs a transaction. Appends go through a few writer
tasks per process (`storage.committer`), which take every request waiting and commit them
in one transaction (group commit), so throughput does not hang on one round trip per
request; what keeps concurrent transactions of different processes right is in
`storage.postgres_ledger`. Reads and the small writes (tokens, subscriptions, heartbeat)
use the pool, each write in a transaction of its own.

An asyncpg pool replaces connections that died, so the store works again by itself when the
database comes back; until then every call fails with `StoreUnavailable` (the webhook answers
503 and Meta retries). Migrations are applied only by `migrate()`, under an advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from storage.append import AppendJob, append_batch, rederive_after
from storage.base import AppendResult, Projector, ReplyRule, StoreClosed, StoreUnavailable
from storage.codec import migrations
from storage.committer import GroupCommitter
from storage.postgres_ledger import LOCK_CLASS, Conflict, PostgresLedger
from storage.sql import SqlStore
from storage.sql.dialect import POSTGRES, WriteFn

if TYPE_CHECKING:
    from storage.postgres_ledger import Connection

T = TypeVar("T")

_MAX_BATCH = 512
_REFRESH_CHUNK = 500
# Deadlocks (rare: only when merges make a batch lock subjects a second time) and events
# stored by another instance in the meantime are solved by running the transaction again.
_ATTEMPTS = 5
# Advisory locks of the whole database (the two-number form, `LOCK_CLASS` first, apart
# from identity keys).
_MIGRATION_LOCK = 1
_REFRESH_LOCK = 2
# Migrations and re-derivations wait for each other and may take long; requests may not.
_LONG_TIMEOUT_S = 3600.0

# The database is down, restarting, refusing connections, out of room or read-only, or the
# pool is closing: the caller should retry later (503), and nothing was committed.
_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.InternalClientError,  # see _LOST
    asyncpg.exceptions.OperatorInterventionError,  # shutdown, restart, cancelled statement
    asyncpg.exceptions.InsufficientResourcesError,  # disk full, too many connections
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a standby, or a read-only database
    asyncpg.exceptions.PostgresSystemError,
)
# The connection died under the statement (a server restart ends every session): a fresh
# connection from the pool may well work.
_LOST: tuple[type[BaseException], ...] = (
    ConnectionError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    # The server's goodbye arrived while a statement was being sent: asyncpg's protocol is
    # then in a state it cannot leave, and the connection is as good as dead.
    asyncpg.exceptions.InternalClientError,
)
_ANY_DATABASE_ERROR: tuple[type[BaseException], ...] = (*_OUTAGES, asyncpg.PostgresError)
_RETRY: tuple[type[BaseException], ...] = (Conflict, asyncpg.exceptions.TransactionRollbackError)


class _NotCommitted(Exception):
    """The connection was lost before COMMIT was sent: the transaction did nothing."""


# What leaves a connection unusable: it is closed rather than handed out again.
_DEAD: tuple[type[BaseException], ...] = (*_LOST, _NotCommitted)


async def _reset(conn: asyncpg.Connection[asyncpg.Record]) -> None:
    """Make a connection clean for its next user, as it goes back to the pool.

    asyncpg's default runs a reset query on every release, one more round trip per batch
    and per read. This store keeps no session state (its advisory locks are transaction
    locks, it never listens or prepares by name), so only a transaction left open matters.
    """
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class PostgresStore(SqlStore):
    """`Store` on a PostgreSQL database. Open with `await store.open()`, or `async with`."""

    def __init__(
        self,
        dsn: str,
        projector: Projector,
        *,
        min_size: int = 1,
        max_size: int = 10,
        command_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        writers: int = 3,
        replies: ReplyRule | None = None,
    ) -> None:
        super().__init__(POSTGRES, projector, replies)
        self._dsn = dsn
        self._min_size = min_size
        self._max_size = max_size
        self._timeout = command_timeout
        self._connect_timeout = connect_timeout
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None  # generic in the stubs only
        # Several batches in the database at once: each waits mostly on round trips, and
        # the advisory locks keep concurrent batches apart as they do across instances.
        self._committer = GroupCommitter[AppendJob](
            self._append,
            self._error,
            name="postgres-writer",
            writers=max(1, min(writers, max_size)),
            max_batch=_MAX_BATCH,
        )
        self._opened = False
        self._closed = False  # no new calls; queued appends still finish
        self._pool_closing = False
        # Calls admitted before close() still run to the end: close() waits for `_idle`
        # (asyncpg's own close would hand a connection it is closing to a waiting caller).
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Connect; raise StoreUnavailable when the server cannot be reached or refuses us."""
        if self._closed or self._opened:
            raise StoreClosed("a store is opened once; make a new one")
        self._opened = True
        try:
            self._pool = await asyncpg.create_pool(
                self._dsn,
                min_size=self._min_size,
                max_size=self._max_size,
                command_timeout=self._timeout,
                timeout=self._connect_timeout,
                reset=_reset,
            )
            await self._pool.fetchval("SELECT 1")
        except _ANY_DATABASE_ERROR as exc:
            # Wrong password or database name too: the message says which.
            await self.close()
            raise StoreUnavailable(f"cannot open the PostgreSQL database: {exc}") from exc
        self._committer.start()

    async def close(self) -> None:
        """Finish queued appends and reads in flight, then close the connections."""
        if self._closed:
            return
        self._closed = True
        await self._committer.stop()
        await self._idle.wait()
        if self._pool is not None:
            self._pool_closing = True
            try:
                await asyncio.wait_for(self._pool.close(), self._timeout)
            except _ANY_DATABASE_ERROR:
                self._pool.terminate()

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        if self._pool_closing:
            return StoreClosed("the store is closed")
        return StoreUnavailable(f"no PostgreSQL connection: {exc!r}")

    def _error(self, exc: BaseException) -> BaseException:
        """Outages become StoreUnavailable (StoreClosed when the pool is closing under the
        call); any other error is the caller's to see as it is."""
        if isinstance(exc, _OUTAGES):
            if self._pool_closing:
                return StoreClosed("the store is closed")
            return StoreUnavailable(f"PostgreSQL is unavailable: {exc!r}")
        return exc

    # -- the pool ----------------------------------------------------------------------------

    async def _with_conn(
        self,
        work: Callable[[Connection], Awaitable[T]],
        *,
        idempotent: bool = True,
        writer: bool = False,
    ) -> T:
        """Run `work` on a pooled connection. The writer still runs while `close()` waits.

        Idle connections die unnoticed when the server restarts, so a connection found dead
        is dropped and, if `work` may run twice, another taken (the pool reconnects). Not
        getting a connection at all is an outage at once: reconnecting again would only wait
        out the same timeout again.
        """
        if (self._closed and not writer) or self._pool is None or self._pool_closing:
            raise StoreClosed("the store is closed")
        pool = self._pool
        self._active += 1
        self._idle.clear()
        try:
            for attempt in range(self._max_size + 1):
                try:
                    conn = await pool.acquire(timeout=self._timeout)
                except Exception as exc:
                    raise self._unavailable(exc) from exc
                try:
                    return await work(conn)
                except Exception as exc:
                    if isinstance(exc, _DEAD):
                        # Never back into the pool (it reconnects instead); a connection
                        # that asyncpg saw die is detached from the pool already.
                        with contextlib.suppress(asyncpg.InterfaceError):
                            conn.terminate()
                    retry = idempotent and isinstance(exc, _LOST) and not self._pool_closing
                    if not retry or attempt == self._max_size:
                        raise self._error(exc) from exc
                finally:
                    with contextlib.suppress(*_ANY_DATABASE_ERROR):
                        await pool.release(conn)
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            self._active -= 1
            if not self._active:
                self._idle.set()

    async def _read(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async def fetch(conn: Connection) -> list[asyncpg.Record]:
            return await conn.fetch(sql, *args)

        return await self._with_conn(fetch)

    # -- writes ------------------------------------------------------------------------------

    async def _write(self, work: WriteFn[T]) -> T:
        if self._closed:
            raise StoreClosed("the store is closed")
        return await self._transact(lambda conn: work(PostgresLedger(conn)), writer=False)

    async def _append(self, jobs: Sequence[AppendJob]) -> list[AppendResult]:
        """The committer's transaction: it runs while `close()` waits for it."""
        return await self._transact(
            lambda conn: append_batch(PostgresLedger(conn), jobs, self._projector, self._replies),
            writer=True,
        )

    async def _transact(self, work: Callable[[Connection], Awaitable[T]], *, writer: bool) -> T:
        """One transaction, run again after a deadlock, a lost race or a connection that died
        before COMMIT (then nothing was written). A connection lost during COMMIT is not
        retried: the outcome is unknown, so the caller gets StoreUnavailable and retries."""
        lost = contended = 0
        while True:
            try:
                return await self._with_conn(
                    lambda conn: self._transaction(conn, work), idempotent=False, writer=writer
                )
            except _NotCommitted as exc:
                lost += 1  # each time one dead connection fewer in the pool
                if lost > self._max_size:
                    raise StoreUnavailable(f"PostgreSQL connections keep failing: {exc}") from exc
            except _RETRY as exc:
                contended += 1
                if contended == _ATTEMPTS:
                    raise StoreUnavailable(f"PostgreSQL is too contended now: {exc!r}") from exc

    async def _transaction(self, conn: Connection, work: Callable[[Connection], Awaitable[T]]) -> T:
        # READ COMMITTED whatever the server's default: after waiting for a lock, each
        # statement must see what the transaction it waited for committed.
        tx = conn.transaction(isolation="read_committed")
        try:
            await tx.start()
            result = await work(conn)
        except _LOST as exc:
            raise _NotCommitted(str(exc)) from exc
        except BaseException:
            with contextlib.suppress(*_ANY_DATABASE_ERROR):
                await tx.rollback()
            raise
        await tx.commit()
        return result

    # -- migrations and re-derivation --------------------------------------------------------

    async def migrate(self) -> list[str]:
        """Apply pending migrations, each in a transaction with its record. Instances that
        migrate at once take turns on an advisory lock, and each skips what another did."""

        async def run(conn: Connection) -> list[str]:
            applied = []
            for name, sql in migrations(POSTGRES.name):
                async with conn.transaction():
                    await conn.execute(
                        "SELECT pg_advisory_xact_lock($1, $2)",
                        LOCK_CLASS,
                        _MIGRATION_LOCK,
                        timeout=_LONG_TIMEOUT_S,
                    )
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_migrations "
                        "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                    )
                    done = await conn.fetchval(
                        "SELECT count(*) FROM schema_migrations WHERE name = $1", name
                    )
                    if not done:
                        await conn.execute(sql, timeout=_LONG_TIMEOUT_S)
                        await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                        applied.append(name)
            return applied

        return await self._with_conn(run, idempotent=False)

    async def _applied_migrations(self) -> set[str]:
        async def done(conn: Connection) -> set[str]:
            if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
                return set()
            return {r[0] for r in await conn.fetch("SELECT name FROM schema_migrations")}

        return await self._with_conn(done)

    async def refresh_projections(self, projector_id: str) -> int:
        """Re-derive every subject, a chunk per transaction, if another projector made them.

        One instance does it while the others wait on an advisory lock and then find it done.
        Appends go on meanwhile: each chunk locks its subjects' rows, as appends do.
        """

        async def run(conn: Connection) -> int:
            if await _projector_of(conn) == projector_id:
                return 0
            await conn.execute(
                "SELECT pg_advisory_lock($1, $2)",
                LOCK_CLASS,
                _REFRESH_LOCK,
                timeout=_LONG_TIMEOUT_S,
            )
            try:
                return await self._refresh(conn, projector_id)
            finally:
                # A dead connection has let go of the lock already.
                with contextlib.suppress(*_ANY_DATABASE_ERROR):
                    await conn.execute(
                        "SELECT pg_advisory_unlock($1, $2)", LOCK_CLASS, _REFRESH_LOCK
                    )

        return await self._with_conn(run, idempotent=False)

    async def _refresh(self, conn: Connection, projector_id: str) -> int:
        if await _projector_of(conn) == projector_id:
            return 0
        count, last = 0, 0
        while True:
            async with conn.transaction():
                ids = await rederive_after(
                    PostgresLedger(conn), last, _REFRESH_CHUNK, self._projector
                )
            if not ids:
                break
            count += len(ids)
            last = ids[-1]
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES ('projector', $1) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            projector_id,
        )
        return count


async def _projector_of(conn: Connection) -> str | None:
    value: str | None = await conn.fetchval("SELECT value FROM meta WHERE key = 'projector'")
    return value
