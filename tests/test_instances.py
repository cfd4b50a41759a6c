"""Two `consentbot serve` processes on one PostgreSQL database, driven at the same time.

Meta redelivers to whichever instance answers, so duplicates and races meet across
processes: every event must be recorded once, the newer of two racing requests must win
whatever order they arrive in, and operators' writes must not disturb webhooks.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest

from tests import meta
from tests.pg import fresh_database

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 30.0
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


@dataclass
class Instance:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTBOT_")}
    env.update(
        CONSENTBOT_DATABASE_URL=url,
        CONSENTBOT_APP_SECRET=meta.APP_SECRET,
        CONSENTBOT_VERIFY_TOKEN="verify-me-please",
        CONSENTBOT_HOST="127.0.0.1",
        CONSENTBOT_PORT=str(port),
        CONSENTBOT_LOG_LEVEL="warning",
    )
    return env


def _cli(url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=_env(url, 0),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait_ready(instance: Instance) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            pytest.fail(f"instance exited: {instance.log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", int(instance.base.rsplit(":", 1)[1]))):
                return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"instance did not start: {instance.log.read_text(errors='replace')}")


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_database() as url:
        _cli(url, "migrate")
        yield url


@pytest.fixture
def instances(database: str, tmp_path: Path) -> Iterator[list[Instance]]:
    started: list[Instance] = []
    try:
        for n in range(2):
            port = _free_port()
            log = tmp_path / f"instance{n}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "bot", "serve"],
                    cwd=ROOT,
                    env=_env(database, port),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append(Instance(f"http://127.0.0.1:{port}", process, log))
        for instance in started:
            _wait_ready(instance)
        yield started
    finally:
        for instance in started:
            instance.process.terminate()
        for instance in started:
            try:
                instance.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                instance.process.kill()
                instance.process.wait()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


async def _deliver(http: aiohttp.ClientSession, base: str, payload: dict[str, Any]) -> int:
    body, headers = meta.signed_request(payload, meta.APP_SECRET)
    async with http.post(f"{base}/webhook/whatsapp", data=body, headers=headers) as resp:
        return resp.status


async def _count(url: str, sql: str, *args: object) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


def _text(wa_id: str, text: str, n: int, timestamp: int) -> dict[str, Any]:
    message = meta.text_message(
        text, from_=wa_id, id=meta.wamid(f"inst:{wa_id}:{n}", wa_id=wa_id), timestamp=timestamp
    )
    return meta.body(meta.messages_change(message))


async def _marketing(http: aiohttp.ClientSession, base: str, token: str, phone: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{base}/v1/contacts/{phone}", headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        return (await resp.json())["categories"]["marketing"]


async def test_the_same_deliveries_to_both_instances_are_recorded_once(
    instances: list[Instance], database: str, http: aiohttp.ClientSession
) -> None:
    payloads = [
        _text(f"7999{n:07d}", "СТОП" if n % 5 == 4 else "Здравствуйте", n, T0 + n)
        for n in range(200)
    ]
    statuses = await asyncio.gather(
        *(_deliver(http, i.base, p) for p in payloads for i in instances)
    )
    assert statuses == [200] * 400
    assert await _count(database, "SELECT count(*) FROM events") == 200
    assert await _count(database, "SELECT count(*) FROM events WHERE kind = 'opt_out'") == 40
    # Every customer is one subject, whichever instance filed them first.
    assert await _count(database, "SELECT count(DISTINCT subject_id) FROM events") == 200


@pytest.mark.parametrize("stop_arrives_first", [True, False])
async def test_the_newer_of_a_racing_stop_and_start_wins_whatever_the_order(
    instances: list[Instance], database: str, http: aiohttp.ClientSession, stop_arrives_first: bool
) -> None:
    token = _cli(database, "token", "create", "--role", "operator", "--name", "hotline")
    token = token.strip().splitlines()[-1]
    a, b = instances
    rounds = 30

    # Customer n: stop at T0+n*10, start five seconds later (start wins) when n is even;
    # the other way round (stop wins) when n is odd. Each pair is sent to the two instances
    # at once, one of them delayed so the arrival order is the opposite of the time order
    # for half of the pairs.
    async def pair(n: int) -> None:
        wa_id = f"7988{n:07d}"
        stop_at, start_at = (T0 + n * 10, T0 + n * 10 + 5)
        if n % 2:
            stop_at, start_at = start_at, stop_at
        stop = _deliver(http, a.base, _text(wa_id, "СТОП", 1, stop_at))
        start = _deliver(http, b.base, _text(wa_id, "СТАРТ", 2, start_at))
        first, second = (stop, start) if stop_arrives_first else (start, stop)
        first_status = await first
        assert first_status == 200
        assert await second == 200

    async def burst(n: int) -> None:
        # Both at the same moment, on different instances: a true race.
        wa_id = f"7977{n:07d}"
        stop_at, start_at = (T0 + 100 + n, T0 + 50 + n)  # the stop is newer: it wins
        statuses = await asyncio.gather(
            _deliver(http, a.base, _text(wa_id, "СТАРТ", 2, start_at)),
            _deliver(http, b.base, _text(wa_id, "СТОП", 1, stop_at)),
        )
        assert statuses == [200, 200]

    await asyncio.gather(*(pair(n) for n in range(rounds)), *(burst(n) for n in range(rounds)))

    for n in range(rounds):
        marketing = await _marketing(http, a.base, token, f"+7988{n:07d}")
        stopped = "opted_out" in marketing["reasons"]
        assert stopped is bool(n % 2), (n, marketing)
        marketing = await _marketing(http, b.base, token, f"+7977{n:07d}")
        assert "opted_out" in marketing["reasons"], (n, marketing)
    assert await _count(database, "SELECT count(*) FROM events") == rounds * 4


async def test_operators_write_while_webhooks_arrive(
    instances: list[Instance], database: str, http: aiohttp.ClientSession
) -> None:
    token = _cli(database, "token", "create", "--role", "operator", "--name", "hotline")
    token = token.strip().splitlines()[-1]
    a, b = instances
    customers = [f"7966{n:07d}" for n in range(60)]
    headers = {"Authorization": f"Bearer {token}"}

    async def operator(wa_id: str) -> int:
        body = {"reason": "asked on the hotline", "source": "hotline", "categories": ["marketing"]}
        url = f"{b.base}/v1/contacts/{wa_id}/opt-out"
        async with http.post(url, json=body, headers=headers) as resp:
            return resp.status

    async def chatter(n: int, wa_id: str) -> int:
        return await _deliver(http, a.base, _text(wa_id, "Где мой заказ?", n, T0 + n))

    statuses = await asyncio.gather(
        *(operator(c) for c in customers),
        *(chatter(n, c) for n, c in enumerate(customers)),
    )
    assert statuses[: len(customers)] == [201] * len(customers)
    assert statuses[len(customers) :] == [200] * len(customers)
    assert await _count(database, "SELECT count(*) FROM events") == 2 * len(customers)
    assert await _count(database, "SELECT count(DISTINCT subject_id) FROM events") == len(customers)
    for wa_id in customers:
        marketing = await _marketing(http, a.base, token, "+" + wa_id)
        assert "opted_out" in marketing["reasons"], marketing
