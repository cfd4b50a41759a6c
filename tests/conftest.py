"""Fixtures: settings from explicit values, a real SQLite store in tmp_path, the real app."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.auth import Role, new_token
from bot.ledger import make_projector
from bot.settings import Settings
from storage.sqlite import SQLiteStore
from tests import meta

APP_SECRET = meta.APP_SECRET
VERIFY_TOKEN = "verify-me-please"

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests build settings from explicit values; the developer's environment must not leak in."""
    for name in list(os.environ):
        if name.startswith("CONSENTBOT_"):
            monkeypatch.delenv(name)


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
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[SQLiteStore]:
    path = Path(settings.database_url.removeprefix("sqlite:///"))
    s = SQLiteStore(path, make_projector(settings.policy), busy_timeout_ms=200)
    await s.open()
    await s.migrate()
    yield s
    await s.close()


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, settings: Settings, store: SQLiteStore
) -> TestClient[Any, Any]:
    return await aiohttp_client(create_app(settings, store=store))


@pytest.fixture
def make_token(store: SQLiteStore) -> Callable[[str], Awaitable[dict[str, str]]]:
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
