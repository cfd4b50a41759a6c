"""Serving: the event loop and its fallback, the collector's settings, the workers setting, and
several worker processes serving one port (SO_REUSEPORT) on PostgreSQL."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from pydantic import ValidationError

from bot import server
from bot.settings import Settings
from tests import meta
from tests.pg import fresh_database

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 40.0
PG_URL = "postgresql://consentbot@db:5432/consentbot"


def settings(**values: Any) -> Settings:
    values = {"app_secret": "x", "verify_token": "y", **values}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# The event loop


def test_auto_takes_uvloop_where_it_is_installed() -> None:
    pytest.importorskip("uvloop")
    import uvloop

    loop, name = server.new_event_loop("auto")
    try:
        assert name == "uvloop"
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()


def test_auto_falls_back_to_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` raises ImportError
    loop, name = server.new_event_loop("auto")
    try:
        assert name == "asyncio"
        assert type(loop) is type(_default_loop())
    finally:
        loop.close()


def _default_loop() -> asyncio.AbstractEventLoop:
    loop = asyncio.new_event_loop()
    loop.close()
    return loop


def test_uvloop_required_but_missing_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)
    with pytest.raises(server.LoopUnavailable, match="CONSENTBOT_EVENT_LOOP=uvloop"):
        server.new_event_loop("uvloop")


def test_asyncio_is_taken_when_asked_for() -> None:
    loop, name = server.new_event_loop("asyncio")
    try:
        assert name == "asyncio"
        assert type(loop) is type(_default_loop())
    finally:
        loop.close()


def test_the_app_serves_on_the_fallback_loop(tmp_path: Path) -> None:
    """Where uvloop cannot be imported, `consentbot serve` runs on asyncio's loop and answers."""
    shadow = tmp_path / "no-uvloop"
    shadow.mkdir()
    # A module named uvloop that fails to import, found before the installed one.
    (shadow / "uvloop.py").write_text("raise ImportError('uvloop is not here')\n")
    port = _free_port()
    env = _env(f"sqlite:///{tmp_path / 'loop.db'}", port)
    env["PYTHONPATH"] = os.pathsep.join([str(shadow), str(ROOT)])
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_listening(port, process)
        status = asyncio.run(_get_status(f"http://127.0.0.1:{port}/healthz"))
    finally:
        process.terminate()
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode(errors="replace")
    assert status == 200


async def _get_status(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status


# The collector


def test_settle_memory_freezes_start_up_and_collects_young_objects_less_often() -> None:
    threshold = gc.get_threshold()
    try:
        asyncio.run(server.settle_memory(web.Application()))
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == server.GEN0_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


# The workers setting


def test_one_worker_by_default() -> None:
    assert settings().workers == 1
    assert settings().event_loop == "auto"


@pytest.mark.parametrize("workers", [0, -1, 65])
def test_workers_out_of_range_are_refused(workers: int) -> None:
    with pytest.raises(ValidationError, match="workers"):
        settings(database_url=PG_URL, workers=workers)


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="CONSENTBOT_WORKERS above 1 needs PostgreSQL"):
        settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", workers=2)


def test_several_workers_need_a_fixed_port() -> None:
    with pytest.raises(ValidationError, match="fixed CONSENTBOT_PORT"):
        settings(database_url=PG_URL, workers=2, port=0)


@pytest.mark.parametrize("url", [PG_URL, "postgres://consentbot@db/consentbot"])
def test_several_workers_on_postgresql(url: str) -> None:
    assert settings(database_url=url, workers=4).workers == 4


def test_unknown_event_loop_is_refused() -> None:
    with pytest.raises(ValidationError, match="event_loop"):
        settings(event_loop="trio")


def test_serve_refuses_workers_on_sqlite_with_a_clear_message(tmp_path: Path) -> None:
    env = _env(f"sqlite:///{tmp_path / 'x.db'}", _free_port(), CONSENTBOT_WORKERS="2")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "CONSENTBOT_WORKERS above 1 needs PostgreSQL" in done.stderr


# Several workers on one port


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(url: str, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTBOT_")}
    env.update(
        CONSENTBOT_DATABASE_URL=url,
        CONSENTBOT_APP_SECRET=meta.APP_SECRET,
        CONSENTBOT_VERIFY_TOKEN="verify-me-please",
        CONSENTBOT_HOST="127.0.0.1",
        CONSENTBOT_PORT=str(port),
        CONSENTBOT_LOG_LEVEL="warning",
    )
    env.update(extra)
    return env


def _wait_listening(port: int, process: subprocess.Popen[bytes], count: int = 1) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with status {process.returncode}")
        if len(_listeners(port)) >= count:
            return
        time.sleep(0.1)
    pytest.fail(f"{count} listeners on port {port} did not appear")


def _socket_inodes(port: int, state: str) -> set[str]:
    """Inodes of the IPv4 TCP sockets on local port `port` in `state` (0A listen, 01 open)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            inodes.add(fields[9])
    return inodes


def _pids_holding(inodes: set[str]) -> dict[int, int]:
    """For each process holding any of these sockets, how many it holds."""
    held: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        count = sum(1 for link in links if link.startswith("socket:[") and link[8:-1] in inodes)
        if count:
            held[int(entry.name)] = count
    return held


def _listeners(port: int) -> dict[int, int]:
    return _pids_holding(_socket_inodes(port, "0A"))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with fresh_database() as url:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "migrate"],
            cwd=ROOT,
            env=_env(url, 0),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        yield url


@pytest.fixture
def workers(database: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    with (tmp_path / "serve.err").open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"],
            cwd=ROOT,
            env=_env(database, port, CONSENTBOT_WORKERS="2"),
            stdout=subprocess.DEVNULL,
            stderr=err,
            # Its own process group, so that stopping it here reaches nothing else.
            start_new_session=True,
        )
    try:
        _wait_listening(port, process, count=2)
        yield process, port
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for pid in _listeners(port):
            os.kill(pid, signal.SIGKILL)


async def _deliver_all(port: int, count: int, connections: int) -> list[int]:
    """`count` signed deliveries from distinct senders over `connections` kept-alive
    connections, held open until all are answered."""
    url = f"http://127.0.0.1:{port}/webhook/whatsapp"
    bodies = [
        meta.dumps_meta(
            meta.body(
                meta.messages_change(
                    meta.text_message("СТОП" if n % 3 == 0 else "hi", from_=f"7999555{n:04d}")
                )
            )
        )
        for n in range(count)
    ]
    statuses: list[int] = []
    sessions = [
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1, force_close=False))
        for _ in range(connections)
    ]
    try:

        async def send(session: aiohttp.ClientSession, mine: list[bytes]) -> None:
            for body in mine:
                headers = {"X-Hub-Signature-256": meta.sign(body, meta.APP_SECRET)}
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    statuses.append(response.status)

        await asyncio.gather(*(send(s, bodies[i::connections]) for i, s in enumerate(sessions)))
        held = _pids_holding(_socket_inodes(port, "01"))
        statuses.append(-len(held))  # how many processes hold the open connections
    finally:
        for session in sessions:
            await session.close()
    return statuses


async def _count_events(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()


def test_two_workers_share_the_port_and_each_serves(
    workers: tuple[subprocess.Popen[bytes], int], database: str
) -> None:
    process, port = workers
    listening = _listeners(port)
    assert len(listening) == 2
    assert process.pid not in listening  # the supervisor only supervises

    answers = asyncio.run(_deliver_all(port, count=120, connections=16))
    serving_processes = -answers.pop()
    assert answers == [200] * 120
    assert asyncio.run(_count_events(database)) == 120
    # The kernel spread 16 connections over both workers (all on one: odds of 2 in 65,536).
    assert serving_processes == 2

    process.terminate()
    assert process.wait(timeout=60) == 0
    assert _listeners(port) == {}


def test_a_worker_that_dies_stops_the_others_and_the_supervisor_fails(
    workers: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    process, port = workers
    victim, survivor = sorted(_listeners(port))
    os.kill(victim, signal.SIGKILL)
    assert process.wait(timeout=60) == 1
    assert f"worker {victim} ended" in (tmp_path / "serve.err").read_text()
    assert _listeners(port) == {}
    with pytest.raises(ProcessLookupError):
        os.kill(survivor, 0)
