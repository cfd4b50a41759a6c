"""PostgreSQL goes away and comes back: deliveries get 503 meanwhile (Meta retries them),
`/readyz` says 503, and the service recovers by itself. Nothing acknowledged is lost.

The outage is real: the service reaches the database through a TCP proxy that the test
cuts (host gone), restores, and resets (server restarted).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.ledger import make_projector
from bot.state import Policy
from storage.open import open_store
from tests import meta
from tests.conftest import AiohttpClient, make_settings, post_signed
from tests.faultproxy import FaultProxy
from tests.pg import fresh_database, server_address

RECOVERY_S = 20.0


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
async def proxy() -> AsyncIterator[FaultProxy]:
    host, port = server_address()
    p = FaultProxy(host, port)
    await p.start()
    yield p
    await p.close()


def _through(url: str, proxy: FaultProxy) -> str:
    """The same database URL, reached through the proxy."""
    host, port = server_address()
    return url.replace(f"@{host}:{port}/", f"@127.0.0.1:{proxy.port}/", 1)


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, database: str, proxy: FaultProxy, tmp_path: Path
) -> AsyncIterator[TestClient[Any, Any]]:
    migrating = open_store(database, make_projector(Policy()))
    await migrating.open()
    await migrating.migrate()
    await migrating.close()
    settings = make_settings(tmp_path, database_url=_through(database, proxy))
    store = open_store(settings.database_url, make_projector(settings.policy))
    await store.open()
    yield await aiohttp_client(create_app(settings, store=store))
    await store.close()


def _stop(n: int) -> dict[str, Any]:
    wa_id = f"7955{n:07d}"
    message = meta.text_message("СТОП", from_=wa_id, id=meta.wamid(f"outage:{n}", wa_id=wa_id))
    return meta.body(meta.messages_change(message))


async def _until_ok(client: TestClient[Any, Any], payload: dict[str, Any]) -> float:
    """Deliver as Meta does: again and again until it is acknowledged; return how long."""
    started = time.monotonic()
    while True:
        resp = await post_signed(client, payload)
        if resp.status == 200:
            return time.monotonic() - started
        assert resp.status == 503, await resp.text()
        assert (await resp.json())["error"]["code"] == "storage_unavailable"
        assert time.monotonic() - started < RECOVERY_S, "did not recover"
        await asyncio.sleep(0.2)


async def _stored(database: str) -> set[str]:
    conn = await asyncpg.connect(database)
    try:
        return {r["wa_id"] for r in await conn.fetch("SELECT wa_id FROM events")}
    finally:
        await conn.close()


async def test_database_gone_then_back(
    client: TestClient[Any, Any], proxy: FaultProxy, database: str
) -> None:
    assert (await post_signed(client, _stop(0))).status == 200
    assert (await client.get("/readyz")).status == 200

    await proxy.cut()
    resp = await post_signed(client, _stop(1))
    assert resp.status == 503
    assert (await resp.json())["error"]["code"] == "storage_unavailable"
    assert (await client.get("/readyz")).status == 503
    assert (await client.get("/healthz")).status == 200  # alive: no restart needed

    await proxy.restore()
    await _until_ok(client, _stop(1))  # Meta's retry of the refused delivery
    assert (await client.get("/readyz")).status == 200
    assert await _stored(database) == {"79550000000", "79550000001"}


async def test_server_restart_drops_every_connection(
    client: TestClient[Any, Any], proxy: FaultProxy, database: str
) -> None:
    for n in range(5):
        assert (await post_signed(client, _stop(n))).status == 200
    await proxy.restart()  # every pooled connection is now dead
    acknowledged = {f"7955{n:07d}" for n in range(5)}
    for n in range(5, 15):
        await _until_ok(client, _stop(n))
        acknowledged.add(f"7955{n:07d}")
    assert (await client.get("/readyz")).status == 200
    assert await _stored(database) == acknowledged


async def test_deliveries_in_flight_when_the_database_goes_are_not_acknowledged(
    client: TestClient[Any, Any], proxy: FaultProxy, database: str
) -> None:
    async def deliver(n: int) -> tuple[int, int]:
        return n, (await post_signed(client, _stop(n))).status

    sending = [asyncio.create_task(deliver(n)) for n in range(40)]
    await asyncio.sleep(0.01)
    await proxy.cut()
    answers = dict(await asyncio.gather(*sending))
    assert set(answers.values()) <= {200, 503}
    await proxy.restore()
    acknowledged = {f"7955{n:07d}" for n, status in answers.items() if status == 200}
    assert acknowledged <= await _stored(database)  # nothing acknowledged is lost
    for n, status in answers.items():  # Meta retries the others
        if status != 200:
            await _until_ok(client, _stop(n))
    assert await _stored(database) == {f"7955{n:07d}" for n in range(40)}
