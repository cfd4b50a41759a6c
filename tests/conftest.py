"""Fixtures: settings from explicit values, a real SQLite store in tmp_path, the real app,
and the session's PostgreSQL database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.auth import Role, new_token
from bot.ledger import make_projector
from bot.settings import Settings
from storage.base import Store
from storage.open import open_store
from tests import meta, pg

APP_SECRET = meta.APP_SECRET
VERIFY_TOKEN = "verify-me-please"

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build settings from explicit values; the developer's environment must not leak in.

    `CONSENTBOT_TEST_*` stay: they configure the test run (the PostgreSQL server to use), not
    the service.
    """
    for name in list(os.environ):
        if name.startswith("CONSENTBOT_") and not name.startswith("CONSENTBOT_TEST_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def postgres_session() -> Iterator[str]:
    """This session's PostgreSQL database (skips, or fails where required, without a server).

    Tests take a schema of it each (`tests.pg.create_schema`); it is dropped at the end.
    """
    with pg.fresh_database() as url, pytest.MonkeyPatch.context() as patch:
        patch.setenv(pg.SESSION_URL_ENV, url)
        yield url


@pytest.fixture
async def postgres_url(postgres_session: str, tmp_path: Path) -> str:
    """The URL of an empty schema of the session database, this test's own."""
    return await pg.create_schema(tmp_path)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path / 'consentbot.db'}",
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "sqlite_busy_timeout_ms": 200,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The store's backend: SQLite, unless a module asks for both (see `both_backends`)."""
    return str(getattr(request, "param", "sqlite"))


def both_backends(request: pytest.FixtureRequest) -> str:
    """Body of a module's `backend` fixture that runs its tests on SQLite and PostgreSQL.

    Tests marked `sqlite_only` (they lock or chmod the database file) skip on PostgreSQL.
    """
    name = str(request.param)
    if name != "sqlite" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("SQLite-specific: the file itself is locked or made read-only")
    return name


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        request.getfixturevalue("postgres_session")
        return pg.run(pg.create_schema(tmp_path))
    return f"sqlite:///{tmp_path / 'consentbot.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url=database_url)


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    """The settings' store, migrated (PostgreSQL too: `serve` expects `migrate` to have run)."""
    s = open_store(settings.database_url, make_projector(settings.policy), busy_timeout_ms=200)
    await s.open()
    await s.migrate()
    yield s
    await s.close()


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, settings: Settings, store: Store
) -> TestClient[Any, Any]:
    return await aiohttp_client(create_app(settings, store=store))


@pytest.fixture
def make_token(store: Store) -> Callable[[str], Awaitable[dict[str, str]]]:
    """`headers = await make_token("operator")`: Authorization headers for a fresh token."""

    async def make(role: str) -> dict[str, str]:
        token, record = new_token(Role(role), f"test {role}")
        await store.add_token(record)
        return {"Authorization": f"Bearer {token}"}

    return make


async def post_signed(
    client: TestClient[Any, Any], payload: dict[str, object] | bytes, secret: str = APP_SECRET
) -> Any:
    """POST a delivery to the webhook, signed as Meta signs it."""
    body, headers = meta.signed_request(payload, secret)
    return await client.post("/webhook/whatsapp", data=body, headers=headers)
