"""The PostgreSQL backend, for several consentbot instances writing to one database.

Appends go through one writer task per process, which takes every request waiting and
commits them in one transaction (group commit), so throughput does not hang on one round
trip per request; what keeps concurrent transactions of different processes right is in
`storage.postgres_ledger`. Reads and the small writes (tokens, heartbeat) use the pool.

An asyncpg pool replaces connections that died, so the store works again by itself when the
database comes back; until then every call fails with `StoreUnavailable` (the webhook answers
503 and Meta retries). Migrations are applied only by `migrate()`, under an advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

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
)
from storage.codec import (
    EVENT_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    event_from_row,
    from_us,
    migrations,
    subscription_from_row,
    us,
)
from storage.postgres_ledger import AppendJob, Conflict, append_batch, rederive

if TYPE_CHECKING:
    from storage.postgres_ledger import Connection

T = TypeVar("T")

DIALECT = "postgres"
_MAX_BATCH = 512
# Keys per `= ANY($1)` read: large lists go in parts so one statement stays small.
_CHUNK = 10_000
_LOOKUP_CHUNK = 10_000
_REFRESH_CHUNK = 500
# Deadlocks (rare: only when merges make a batch lock subjects a second time) and events
# stored by another instance in the meantime are solved by running the transaction again.
_ATTEMPTS = 5
# Advisory locks of the whole database (the two-number form, apart from identity keys).
_LOCK_CLASS = 0x63626F74  # "cbot"
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


@dataclass
class _Job:
    work: AppendJob
    future: asyncio.Future[AppendResult] = field(repr=False)


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


class PostgresStore:
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
    ) -> None:
        self._dsn = dsn
        self._projector = projector
        self._min_size = min_size
        self._max_size = max_size
        self._timeout = command_timeout
        self._connect_timeout = connect_timeout
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None  # generic in the stubs only
        self._queue: asyncio.Queue[_Job | None] = asyncio.Queue()
        # Several batches in the database at once: each waits mostly on round trips, and
        # the advisory locks keep concurrent batches apart as they do across instances.
        self._writer_count = max(1, min(writers, max_size))
        self._writers: list[asyncio.Task[None]] = []
        self._opened = False
        self._closed = False  # no new calls; queued appends still finish
        self._pool_closing = False
        # Calls admitted before close() still run to the end: close() waits for `_idle`
        # (asyncpg's own close would hand a connection it is closing to a waiting caller).
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __aenter__(self) -> PostgresStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

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
        self._writers = [
            asyncio.create_task(self._write_loop(), name=f"postgres-writer-{n}")
            for n in range(self._writer_count)
        ]

    async def close(self) -> None:
        """Finish queued appends and reads in flight, then close the connections."""
        if self._closed:
            return
        self._closed = True
        for _ in self._writers:
            self._queue.put_nowait(None)
        await asyncio.gather(*self._writers, return_exceptions=True)
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

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        async def fetch(conn: Connection) -> list[asyncpg.Record]:
            return await conn.fetch(sql, *args)

        return await self._with_conn(fetch)

    # -- the writer --------------------------------------------------------------------------

    async def _write_loop(self) -> None:
        while True:
            job = await self._queue.get()
            if job is None:
                return
            jobs = [job]
            stop = False
            # Everything that queued up while the last batch was in the database joins now.
            while len(jobs) < _MAX_BATCH and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
            try:
                outcomes = await self._run_group(jobs)
            except BaseException as exc:  # never leave a request waiting for an answer
                failed = StoreUnavailable(f"PostgreSQL writer failed: {exc!r}")
                _answer(jobs, [(False, failed)] * len(jobs))
                raise
            _answer(jobs, outcomes)
            if stop:
                return

    async def _run_group(self, jobs: list[_Job]) -> list[tuple[bool, Any]]:
        """All jobs in one transaction; if that fails, each alone, so a bad job fails alone.

        An outage fails the whole group at once: retrying each job would only wait out the
        same timeout once per job.
        """
        try:
            return [(True, r) for r in await self._append([j.work for j in jobs])]
        except Exception as exc:
            error = self._error(exc)
            if len(jobs) == 1 or isinstance(error, StoreUnavailable):
                return [(False, error)] * len(jobs)
        out: list[tuple[bool, Any]] = []
        for job in jobs:
            try:
                out.append((True, (await self._append([job.work]))[0]))
            except Exception as exc:
                out.append((False, self._error(exc)))
        return out

    async def _append(self, jobs: Sequence[AppendJob]) -> list[AppendResult]:
        """One transaction, run again after a deadlock, a lost race or a connection that died
        before COMMIT (then nothing was written). A connection lost during COMMIT is not
        retried: the outcome is unknown, so the caller gets StoreUnavailable and retries."""
        lost = contended = 0
        while True:
            try:
                return await self._with_conn(
                    lambda conn: self._transaction(conn, jobs), idempotent=False, writer=True
                )
            except _NotCommitted as exc:
                lost += 1  # each time one dead connection fewer in the pool
                if lost > self._max_size:
                    raise StoreUnavailable(f"PostgreSQL connections keep failing: {exc}") from exc
            except _RETRY as exc:
                contended += 1
                if contended == _ATTEMPTS:
                    raise StoreUnavailable(f"PostgreSQL is too contended now: {exc!r}") from exc

    async def _transaction(self, conn: Connection, jobs: Sequence[AppendJob]) -> list[AppendResult]:
        # READ COMMITTED whatever the server's default: after waiting for a lock, each
        # statement must see what the transaction it waited for committed.
        tx = conn.transaction(isolation="read_committed")
        try:
            await tx.start()
            results = await append_batch(conn, jobs, self._projector)
        except _LOST as exc:
            raise _NotCommitted(str(exc)) from exc
        except BaseException:
            with contextlib.suppress(*_ANY_DATABASE_ERROR):
                await tx.rollback()
            raise
        await tx.commit()
        return results

    # -- Store -------------------------------------------------------------------------------

    async def migrate(self) -> list[str]:
        """Apply pending migrations, each in a transaction with its record. Instances that
        migrate at once take turns on an advisory lock, and each skips what another did."""

        async def run(conn: Connection) -> list[str]:
            applied = []
            for name, sql in migrations(DIALECT):
                async with conn.transaction():
                    await conn.execute(
                        "SELECT pg_advisory_xact_lock($1, $2)",
                        _LOCK_CLASS,
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

    async def pending_migrations(self) -> list[str]:
        async def done(conn: Connection) -> set[str]:
            if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
                return set()
            return {r[0] for r in await conn.fetch("SELECT name FROM schema_migrations")}

        applied = await self._with_conn(done)
        return [name for name, _ in migrations(DIALECT) if name not in applied]

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
                _LOCK_CLASS,
                _REFRESH_LOCK,
                timeout=_LONG_TIMEOUT_S,
            )
            try:
                return await self._refresh(conn, projector_id)
            finally:
                # A dead connection has let go of the lock already.
                with contextlib.suppress(*_ANY_DATABASE_ERROR):
                    await conn.execute(
                        "SELECT pg_advisory_unlock($1, $2)", _LOCK_CLASS, _REFRESH_LOCK
                    )

        return await self._with_conn(run, idempotent=False)

    async def _refresh(self, conn: Connection, projector_id: str) -> int:
        if await _projector_of(conn) == projector_id:
            return 0
        count, last = 0, 0
        while True:
            async with conn.transaction():
                rows = await conn.fetch(
                    "SELECT id, summary FROM subjects WHERE id > $1 ORDER BY id LIMIT $2 "
                    "FOR UPDATE",
                    last,
                    _REFRESH_CHUNK,
                )
                ids = [r[0] for r in rows]
                if ids:
                    await rederive(conn, ids, self._projector, {r[0]: r[1] for r in rows})
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

    async def ping(self) -> None:
        # A real write: a read-only standby or a full disk fails here too.
        await self._fetch(
            "INSERT INTO heartbeat (id, at) VALUES (1, now()) "
            "ON CONFLICT (id) DO UPDATE SET at = excluded.at"
        )

    async def append(
        self,
        events: Sequence[Appendable],
        *,
        quarantine: QuarantineRecord | None = None,
    ) -> AppendResult:
        if self._closed or not self._writers:
            raise StoreClosed("the store is closed")
        if not events and quarantine is None:
            return AppendResult(())
        future: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(AppendJob(events, quarantine), future))
        return await future

    async def subject(self, identity_keys: Sequence[str]) -> Subject | None:
        found = await self.subjects(identity_keys)
        return next((found[k] for k in identity_keys if k in found), None)

    async def subjects(self, identity_keys: Sequence[str]) -> dict[str, Subject]:
        if self._closed:
            raise StoreClosed("the store is closed")
        keys = list(dict.fromkeys(identity_keys))
        out: dict[str, Subject] = {}
        for i in range(0, len(keys), _CHUNK):
            # One statement, so a merge committed meanwhile cannot split what it returns.
            # COLLATE "C": keys in byte order, as SQLite gives them, whatever the locale.
            rows = await self._fetch(
                "SELECT i.key, s.id, s.state, "
                '(SELECT array_agg(k.key ORDER BY k.key COLLATE "C") '
                " FROM identities k WHERE k.subject_id = s.id), "
                "s.summary, s.phone, s.user_id, s.feed_seq "
                "FROM identities i JOIN subjects s ON s.id = i.subject_id "
                "WHERE i.key = ANY($1::text[])",
                keys[i : i + _CHUNK],
            )
            subjects: dict[int, Subject] = {}
            for key, sid, state, all_keys, *rest in rows:
                out[key] = subjects.setdefault(sid, Subject(sid, state, tuple(all_keys), *rest))
        return out

    async def summaries(self, identity_keys: Sequence[str]) -> dict[str, str]:
        if self._closed:
            raise StoreClosed("the store is closed")
        keys = list(dict.fromkeys(identity_keys))
        out: dict[str, str] = {}
        for i in range(0, len(keys), _LOOKUP_CHUNK):
            rows = await self._fetch(
                "SELECT i.key, s.summary FROM identities i "
                "JOIN subjects s ON s.id = i.subject_id WHERE i.key = ANY($1::text[])",
                keys[i : i + _LOOKUP_CHUNK],
            )
            out.update((r[0], r[1]) for r in rows)
        return out

    async def feed(self, after: int, limit: int) -> list[FeedEntry]:
        rows = await self._fetch(
            "SELECT feed_seq, id, phone, user_id, summary FROM subjects "
            "WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2",
            after,
            limit,
        )
        return [FeedEntry(r[0], r[1], r[2], r[3], r[4], None) for r in rows]

    async def feed_head(self) -> int:
        rows = await self._fetch("SELECT value FROM counters WHERE name = 'feed'")
        return int(rows[0][0]) if rows else 0

    async def changes(self, after: int, limit: int) -> list[FeedEntry]:
        rows = await self._fetch(
            "SELECT seq, subject_id, phone, user_id, summary, changed_at FROM changes "
            "WHERE seq > $1 ORDER BY seq LIMIT $2",
            after,
            limit,
        )
        return [FeedEntry(r[0], r[1], r[2], r[3], r[4], from_us(r[5])) for r in rows]

    async def hash_secret(self) -> bytes:
        rows = await self._fetch("SELECT value FROM meta WHERE key = 'hash_secret'")
        if not rows:
            raise StorageError("the database has no hash secret: run `consentbot migrate`")
        return bytes.fromhex(rows[0][0])

    async def events_of(self, subject_id: int) -> list[EventRecord]:
        rows = await self._fetch(
            f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE subject_id = $1 ORDER BY seq",
            subject_id,
        )
        return [event_from_row(tuple(r)) for r in rows]

    async def event(self, event_id: str) -> EventRecord | None:
        rows = await self._fetch(f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE id = $1", event_id)
        return event_from_row(tuple(rows[0])) if rows else None

    async def count_events(self) -> int:
        rows = await self._fetch("SELECT count(*) FROM events")
        return int(rows[0][0])

    async def events_of_kinds(
        self, kinds: Sequence[str], *, before_seq: int | None = None, limit: int = 100
    ) -> list[EventRecord]:
        rows = await self._fetch(
            f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE kind = ANY($1::text[]) "
            "AND seq < $2 ORDER BY seq DESC LIMIT $3",
            list(kinds),
            before_seq if before_seq is not None else 2**63 - 1,
            limit,
        )
        return [event_from_row(tuple(r)) for r in rows]

    async def stored_ids(self, event_ids: Sequence[str]) -> set[str]:
        rows = await self._fetch(
            "SELECT id FROM events WHERE id = ANY($1::text[])", list(dict.fromkeys(event_ids))
        )
        return {r[0] for r in rows}

    async def count_kinds_by_number(
        self, kinds: Sequence[str], since: datetime
    ) -> dict[tuple[str | None, str], int]:
        rows = await self._fetch(
            "SELECT phone_number_id, kind, count(*) FROM events "
            "WHERE kind = ANY($1::text[]) AND occurred_at >= $2 GROUP BY phone_number_id, kind",
            list(kinds),
            us(since),
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}

    async def quarantined(self, limit: int = 100) -> list[QuarantineRecord]:
        rows = await self._fetch(
            "SELECT id, received_at, reason, body FROM quarantine ORDER BY id DESC LIMIT $1",
            limit,
        )
        return [QuarantineRecord(r[1], r[2], bytes(r[3]), r[0]) for r in rows]

    async def add_token(self, token: TokenRecord) -> None:
        async def insert(conn: Connection) -> None:
            await conn.execute(
                "INSERT INTO tokens (id, name, role, token_hash, created_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                token.id,
                token.name,
                token.role,
                token.token_hash,
                token.created_at,
            )

        await self._with_conn(insert, idempotent=False)

    async def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        rows = await self._fetch(_TOKEN_SELECT + " WHERE token_hash = $1", token_hash)
        return _token(rows[0]) if rows else None

    async def tokens(self) -> list[TokenRecord]:
        return [_token(r) for r in await self._fetch(_TOKEN_SELECT + " ORDER BY created_at")]

    async def revoke_token(self, token_id: str, at: datetime) -> bool:
        async def revoke(conn: Connection) -> bool:
            found = await conn.fetchval(
                "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL "
                "RETURNING id",
                at,
                token_id,
            )
            return found is not None

        return await self._with_conn(revoke, idempotent=False)

    # -- subscriber webhooks -----------------------------------------------------------------

    async def add_subscription(
        self, subscription: SubscriptionRecord, *, from_beginning: bool = False
    ) -> SubscriptionRecord:
        sub = subscription

        async def insert(conn: Connection) -> SubscriptionRecord:
            # Changes get their numbers in commit order (see the migration), so every change
            # up to the latest one seen here is committed: the cursor skips none by mistake.
            row = await conn.fetchrow(
                "INSERT INTO subscriptions "
                "(id, url, secret, description, created_at, created_by, cursor) "
                "SELECT $1, $2, $3, $4, $5, $6, "
                "CASE WHEN $7 THEN 0 ELSE (SELECT coalesce(max(seq), 0) FROM changes) END "
                f"RETURNING {SUBSCRIPTION_COLUMNS}",
                sub.id,
                sub.url,
                sub.secret,
                sub.description,
                us(sub.created_at),
                sub.created_by,
                from_beginning,
            )
            return _subscription(row)

        return await self._with_conn(insert, idempotent=False)

    async def subscription(self, subscription_id: str) -> SubscriptionRecord | None:
        rows = await self._fetch(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = $1", subscription_id
        )
        return _subscription(rows[0]) if rows else None

    async def subscriptions(self) -> list[SubscriptionRecord]:
        rows = await self._fetch(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE deleted_at IS NULL "
            "ORDER BY created_at, id"
        )
        return [_subscription(r) for r in rows]

    async def delete_subscription(self, subscription_id: str, at: datetime) -> bool:
        async def delete(conn: Connection) -> bool:
            found = await conn.fetchval(
                "UPDATE subscriptions SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL "
                "RETURNING id",
                us(at),
                subscription_id,
            )
            return found is not None

        return await self._with_conn(delete, idempotent=False)

    async def due_subscriptions(self, now: datetime, limit: int) -> list[SubscriptionRecord]:
        rows = await self._fetch(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions "
            "WHERE deleted_at IS NULL AND next_attempt_at <= $1 AND lease_until < $1 "
            "AND cursor < (SELECT coalesce(max(seq), 0) FROM changes) "
            "ORDER BY next_attempt_at, id LIMIT $2",
            us(now),
            limit,
        )
        return [_subscription(r) for r in rows]

    async def claim_subscription(
        self, subscription_id: str, owner: str, now: datetime, until: datetime
    ) -> SubscriptionRecord | None:
        # Two instances claiming at once: the second waits for the first's row lock, then
        # finds the lease taken (READ COMMITTED checks the condition again on the new row).
        rows = await self._fetch(
            "UPDATE subscriptions SET lease_owner = $1, lease_until = $2 "
            "WHERE id = $3 AND deleted_at IS NULL AND next_attempt_at <= $4 "
            "AND (lease_until < $4 OR lease_owner = $1) "
            f"RETURNING {SUBSCRIPTION_COLUMNS}",
            owner,
            us(until),
            subscription_id,
            us(now),
        )
        return _subscription(rows[0]) if rows else None

    async def record_delivery(
        self,
        delivery: DeliveryRecord,
        *,
        owner: str,
        lease_until: datetime,
        retry_at: datetime | None = None,
    ) -> bool:
        d = delivery

        async def record(conn: Connection) -> bool:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO deliveries (subscription_id, change_seq, attempt, "
                    "attempted_at, duration_ms, status, ok, error) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    d.subscription_id,
                    d.change_seq,
                    d.attempt,
                    us(d.attempted_at),
                    d.duration_ms,
                    d.status,
                    d.ok,
                    d.error,
                )
                if d.ok:
                    moved = await conn.fetchval(
                        "UPDATE subscriptions SET cursor = $1, attempts = 0, "
                        "next_attempt_at = 0, last_error = NULL, lease_until = $2 "
                        "WHERE id = $3 AND lease_owner = $4 AND cursor < $1 "
                        "AND deleted_at IS NULL RETURNING id",
                        d.change_seq,
                        us(lease_until),
                        d.subscription_id,
                        owner,
                    )
                else:
                    moved = await conn.fetchval(
                        "UPDATE subscriptions SET attempts = $1, next_attempt_at = $2, "
                        "last_error = $3, lease_owner = NULL, lease_until = 0 "
                        "WHERE id = $4 AND lease_owner = $5 AND cursor < $6 RETURNING id",
                        d.attempt,
                        us(retry_at) if retry_at is not None else 0,
                        d.error,
                        d.subscription_id,
                        owner,
                        d.change_seq,
                    )
            return moved is not None

        return await self._with_conn(record, idempotent=False)

    async def release_subscriptions(
        self, owner: str, subscription_ids: Sequence[str] | None = None
    ) -> int:
        rows = await self._fetch(
            "UPDATE subscriptions SET lease_owner = NULL, lease_until = 0 "
            "WHERE lease_owner = $1 AND ($2::text[] IS NULL OR id = ANY($2::text[])) "
            "RETURNING id",
            owner,
            None if subscription_ids is None else list(subscription_ids),
        )
        return len(rows)

    async def deliveries(
        self, subscription_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        rows = await self._fetch(
            "SELECT id, subscription_id, change_seq, attempt, attempted_at, duration_ms, status, "
            "ok, error FROM deliveries WHERE subscription_id = $1 AND id < $2 "
            "ORDER BY id DESC LIMIT $3",
            subscription_id,
            before if before is not None else 2**63 - 1,
            limit,
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
                ok=r[7],
                error=r[8],
            )
            for r in rows
        ]


def _answer(jobs: Sequence[_Job], outcomes: Sequence[tuple[bool, Any]]) -> None:
    for job, (ok, value) in zip(jobs, outcomes, strict=True):
        if job.future.done():
            continue
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)


_TOKEN_SELECT = "SELECT id, name, role, token_hash, created_at, revoked_at FROM tokens"  # noqa: S105 - column names, not a secret


def _token(r: asyncpg.Record) -> TokenRecord:
    return TokenRecord(r[0], r[1], r[2], r[3], r[4], r[5])


async def _projector_of(conn: Connection) -> str | None:
    value: str | None = await conn.fetchval("SELECT value FROM meta WHERE key = 'projector'")
    return value


def _subscription(r: asyncpg.Record | None) -> SubscriptionRecord:
    if r is None:
        raise StorageError("the subscription row was not returned")
    return subscription_from_row(tuple(r))
