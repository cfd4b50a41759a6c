"""The webhook bench's durable floor answers 200 only for a committed row, on both backends."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests import meta
from tests.bench import durable
from tests.bench.webhook import count_events
from tests.conftest import AiohttpClient, both_backends

SECRET = "floor-secret"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


def delivery(wamid: str) -> bytes:
    return meta.dumps_meta(meta.body(meta.messages_change(meta.text_message("СТОП", id=wamid))))


async def post(client: Any, body: bytes, signature: str) -> tuple[int, str]:
    response = await client.post(
        "/webhook/whatsapp", data=body, headers={"X-Hub-Signature-256": signature}
    )
    return response.status, await response.text()


async def test_each_signed_delivery_is_one_row_once(
    aiohttp_client: AiohttpClient, database_url: str
) -> None:
    client = await aiohttp_client(durable.make_app(database_url, SECRET.encode()))
    first, second = delivery("wamid.floor-1"), delivery("wamid.floor-2")
    for body in (first, second, first):  # a redelivery adds no row
        assert await post(client, body, meta.sign(body, SECRET)) == (200, "ok")
    assert await rows(database_url) == 2


async def test_wrong_signature_and_other_bodies_store_nothing(
    aiohttp_client: AiohttpClient, database_url: str
) -> None:
    client = await aiohttp_client(durable.make_app(database_url, SECRET.encode()))
    body = delivery("wamid.floor-3")
    assert (await post(client, body, meta.sign(body, "other")))[0] == 403
    not_message = b'{"entry": []}'
    assert (await post(client, not_message, meta.sign(not_message, SECRET)))[0] == 400
    assert await rows(database_url) == 0


async def rows(url: str) -> int | None:
    return await asyncio.to_thread(count_events, url, durable.TABLE_NAME)


async def test_a_failed_commit_is_not_acknowledged_and_the_next_one_is(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    path = tmp_path / "floor.db"
    client = await aiohttp_client(durable.make_app(f"sqlite:///{path}", SECRET.encode()))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("ALTER TABLE durable_floor RENAME TO elsewhere")  # the insert will fail
    lost, kept = delivery("wamid.floor-4"), delivery("wamid.floor-5")
    assert (await post(client, lost, meta.sign(lost, SECRET)))[0] == 500
    other.execute("ALTER TABLE elsewhere RENAME TO durable_floor")
    assert await post(client, kept, meta.sign(kept, SECRET)) == (200, "ok")
    other.close()
    assert await rows(f"sqlite:///{path}") == 1
