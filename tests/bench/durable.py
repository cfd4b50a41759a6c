"""The durable floor: the least any durable webhook endpoint does, in aiohttp.

`POST /webhook/whatsapp` reads the body, checks its `X-Hub-Signature-256`, parses the JSON,
and answers 200 once one row per delivery (the raw body under its first message id) is
committed. Deliveries that arrive together share a transaction, as in consentbot. No
models, no events, no projections, no logging: what is left is the cost of being durable
at all in aiohttp, which bounds what consentbot, doing all of this and more, can reach on
the same machine.

    python -m tests.bench.durable --port P --database URL --secret S [--loop auto]

`URL` is `sqlite:///FILE` (WAL, synchronous FULL, the commit's fsync on a thread) or a
PostgreSQL URL (asyncpg, one connection, synchronous commit). `GET /healthz` answers 200
once it listens.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from aiohttp import web

from tests.bench.bare import healthz, serve, server_parser

Job = tuple[str, bytes, "asyncio.Future[None]"]
Commit = Callable[[Sequence[tuple[str, bytes]]], Awaitable[None]]

QUEUE: web.AppKey[asyncio.Queue[Job]] = web.AppKey("queue")
SECRET = web.AppKey("secret", bytes)
MAX_BATCH = 512
TABLE_NAME = "durable_floor"
TABLE = "CREATE TABLE IF NOT EXISTS durable_floor(key TEXT PRIMARY KEY, body {blob})"
INSERT_SQLITE = "INSERT OR IGNORE INTO durable_floor(key, body) VALUES (?, ?)"
INSERT_POSTGRES = "INSERT INTO durable_floor(key, body) VALUES ($1, $2) ON CONFLICT DO NOTHING"


def first_message_id(doc: Any) -> str:
    return str(doc["entry"][0]["changes"][0]["value"]["messages"][0]["id"])


async def webhook(request: web.Request) -> web.Response:
    body = await request.read()
    given = request.headers.get("X-Hub-Signature-256", "")
    wanted = "sha256=" + hmac.digest(request.app[SECRET], body, "sha256").hex()
    if not hmac.compare_digest(given.encode(), wanted.encode()):
        return web.Response(status=403, text="bad signature")
    try:
        key = first_message_id(json.loads(body))
    except (ValueError, LookupError, TypeError):
        return web.Response(status=400, text="not a message delivery")
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    request.app[QUEUE].put_nowait((key, body, done))
    await done
    return web.Response(text="ok")


async def write_loop(queue: asyncio.Queue[Job], commit: Commit) -> None:
    """Commit what is queued, many deliveries at a time. A failed commit fails its
    deliveries (500: not acknowledged, counted as non-200 by the bench) and the loop goes on."""
    while True:
        jobs = [await queue.get()]
        await asyncio.sleep(0)  # let requests being read now join this transaction
        while len(jobs) < MAX_BATCH and not queue.empty():
            jobs.append(queue.get_nowait())
        failure: Exception | None = None
        try:
            await commit([(key, body) for key, body, _ in jobs])
        except Exception as exc:
            failure = exc
        for _, _, done in jobs:
            if done.done():
                continue
            if failure is None:
                done.set_result(None)
            else:
                done.set_exception(failure)


def sqlite_writer(path: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute(TABLE.format(blob="BLOB"))

        async def commit(rows: Sequence[tuple[str, bytes]]) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(INSERT_SQLITE, rows)
                await asyncio.to_thread(conn.execute, "COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        task = asyncio.create_task(write_loop(app[QUEUE], commit))
        yield
        task.cancel()
        conn.close()

    return context


def postgres_writer(url: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        conn = await asyncpg.connect(url)
        await conn.execute(TABLE.format(blob="BYTEA"))

        async def commit(rows: Sequence[tuple[str, bytes]]) -> None:
            async with conn.transaction():
                await conn.executemany(INSERT_POSTGRES, rows)

        task = asyncio.create_task(write_loop(app[QUEUE], commit))
        yield
        task.cancel()
        await conn.close()

    return context


def make_app(database: str, secret: bytes) -> web.Application:
    app = web.Application()
    app[SECRET] = secret
    app[QUEUE] = asyncio.Queue()
    if database.startswith("sqlite:///"):
        app.cleanup_ctx.append(sqlite_writer(database.removeprefix("sqlite:///")))
    else:
        app.cleanup_ctx.append(postgres_writer(database))
    app.router.add_post("/webhook/whatsapp", webhook)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = server_parser(__doc__)
    parser.add_argument("--database", required=True, help="sqlite:///FILE or a PostgreSQL URL")
    parser.add_argument("--secret", required=True)
    args = parser.parse_args(argv)
    serve(make_app(args.database, args.secret.encode()), args)


if __name__ == "__main__":
    main()
