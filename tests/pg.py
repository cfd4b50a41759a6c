"""PostgreSQL for the tests: which server, fresh databases and schemas, skip or fail.

The server is `CONSENTBOT_TEST_POSTGRES_URL` (default
`postgresql://postgres@127.0.0.1:5432/postgres`; `CONSENTBOT_TEST_POSTGRES_HOST` changes only
the host), a maintenance database where test databases are created and dropped. When it
cannot be reached, the tests that need it skip and say why, unless
`CONSENTBOT_TEST_REQUIRE_POSTGRES=1` (CI), where they fail.

A test session makes one database (the `postgres_session` fixture); each test location gets a
schema of it, named after the location, and reaches it through `?search_path=` in the URL,
which asyncpg passes on as a server setting. A schema costs a few milliseconds where a
database costs a few hundred. `fresh_database()` makes a whole database, for tests that run
the service as separate processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import secrets
import socket
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

T = TypeVar("T")

DEFAULT_HOST = "127.0.0.1"
# Set for the whole session by the `postgres_session` fixture, so that child processes the
# tests start (they import this module anew) find the session's database too.
SESSION_URL_ENV = "CONSENTBOT_TEST_POSTGRES_SESSION_URL"
# A test location may name its database outright in this file (an unreachable one, say).
URL_FILE = "postgres.url"
CONNECT_TIMEOUT_S = 5.0


class Unreachable(Exception):
    """The test server cannot be reached; the message says why."""


def admin_url() -> str:
    url = os.environ.get("CONSENTBOT_TEST_POSTGRES_URL")
    if url:
        return url
    host = os.environ.get("CONSENTBOT_TEST_POSTGRES_HOST", DEFAULT_HOST)
    return f"postgresql://postgres@{host}:5432/postgres"


def required() -> bool:
    return os.environ.get("CONSENTBOT_TEST_REQUIRE_POSTGRES") == "1"


def server_address() -> tuple[str, int]:
    """Host and port of the test server, as they appear in every URL made here."""
    parts = urlsplit(admin_url())
    return parts.hostname or DEFAULT_HOST, parts.port or 5432


def database_url(database: str, **params: str) -> str:
    """A URL for `database` on the test server: `user[:password]@host:port/database?params`."""
    parts = urlsplit(admin_url())
    host, port = server_address()
    user = quote(parts.username or "postgres", safe="")
    if parts.password:
        user += ":" + quote(parts.password, safe="")
    return urlunsplit(
        (parts.scheme, f"{user}@{host}:{port}", "/" + database, urlencode(params), "")
    )


def unavailable(reason: str) -> NoReturn:
    """Skip the test, or fail it where PostgreSQL is required."""
    if required():
        pytest.fail(f"PostgreSQL is required (CONSENTBOT_TEST_REQUIRE_POSTGRES=1): {reason}")
    pytest.skip(f"PostgreSQL is not reachable: {reason}")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on a thread of its own: sync fixtures may call this, and
    the thread's event loop never touches the one pytest runs tests on."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def connect(url: str | None = None) -> asyncpg.Connection[asyncpg.Record]:
    """A connection to `url` (default: the maintenance database); Unreachable if none."""
    try:
        return await asyncpg.connect(url or admin_url(), timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise Unreachable(f"{server_address()}: {exc!r}") from exc


@functools.cache
def _reason_unreachable() -> str | None:
    """Why the server cannot be reached, asked once per process (a dead host may take the
    whole connect timeout to say so)."""

    async def probe() -> None:
        conn = await connect()
        await conn.close()

    try:
        run(probe())
    except Unreachable as exc:
        return str(exc)
    return None


async def _admin(*statements: str) -> None:
    conn = await connect()
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database (`consentbot_test_<random>`), dropped afterwards; its URL."""
    reason = _reason_unreachable()
    if reason is not None:
        unavailable(reason)
    name = f"consentbot_test_{secrets.token_hex(6)}"
    run(
        _admin(
            f"CREATE DATABASE {_ident(name)} TEMPLATE template0",
            # Tests survive a lost commit on a server crash; they do not need the fsync.
            f"ALTER DATABASE {_ident(name)} SET synchronous_commit = off",
        )
    )
    try:
        yield database_url(name)
    finally:
        run(_admin(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)"))


def session_url() -> str:
    url = os.environ.get(SESSION_URL_ENV)
    if not url:
        raise RuntimeError(f"{SESSION_URL_ENV} is unset: use the postgres_session fixture")
    return url


def schema_of(location: Path) -> str:
    return "t_" + hashlib.sha256(str(location.resolve()).encode()).hexdigest()[:24]


def location_url(location: Path) -> str:
    """The URL of the session database's schema for `location`: the same place each time."""
    named = location / URL_FILE
    if named.is_file():
        return named.read_text(encoding="utf-8").strip()
    base = urlsplit(session_url())
    return urlunsplit(base._replace(query=urlencode({"search_path": schema_of(location)})))


async def create_schema(location: Path) -> str:
    """Make the schema of `location` (if it is not there yet); return its URL."""
    conn = await connect(session_url())
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(schema_of(location))}")
    finally:
        await conn.close()
    return location_url(location)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unreachable_location(tmp_path: Path) -> Path:
    """A location whose database URL points at a closed port."""
    location = tmp_path / "unreachable"
    location.mkdir(parents=True, exist_ok=True)
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/consentbot"
    (location / URL_FILE).write_text(url + "\n", encoding="utf-8")
    return location


def database_of(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


async def terminate_sessions(url: str) -> int:
    """End every session on `url`'s database, as a server restart does; return how many."""
    conn = await connect()
    try:
        ended = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database_of(url),
        )
    finally:
        await conn.close()
    return int(ended)


@contextlib.asynccontextmanager
async def refusing_connections(url: str) -> AsyncIterator[None]:
    """While inside, `url`'s database takes no connections, and has none: it is down for
    its clients, while the server (and every other test database) stays up."""
    name = _ident(database_of(url))
    await _admin(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
    try:
        await terminate_sessions(url)
        yield
    finally:
        await _admin(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")
