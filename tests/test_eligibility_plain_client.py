"""Streamed eligibility with clients that send the whole body before they read the answer
(urllib, requests, most CRM and ETL clients), and with clients that stall: the real app on a
real TCP port, real sockets, nothing mocked.

Such a client reads nothing until it has sent everything, so the answer to the first lines
must wait somewhere while the rest of the body arrives; if the server stopped reading until
the answer could be written, both sides' socket buffers would fill and both would wait
forever (a million numbers did).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from structlog.testing import capture_logs

from bot.app import create_app
from bot.auth import Role, new_token
from bot.bulk import CSV, CSV_HEADER, NDJSON
from storage.base import Store
from tests.conftest import make_settings

IDLE_S = 1.0  # the idle timeout of the stalling tests
# The numbers the operator opts out first (indexes into the list sent).
OPTED_OUT = (0, 1_999, 2_000, 123_457, 299_999)

Start = Callable[..., Awaitable[str]]


def number(index: int) -> str:
    return f"+7998{index:07d}"


@pytest.fixture
async def start(tmp_path: Path, database_url: str, store: Store) -> AsyncIterator[Start]:
    """`base = await start(**settings)`: the app on 127.0.0.1 and a free port, with the
    test's store; stopped at the end."""
    runners: list[web.AppRunner] = []

    async def started(**overrides: Any) -> str:
        settings = make_settings(tmp_path, database_url=database_url, **overrides)
        runner = web.AppRunner(create_app(settings, store=store), access_log=None)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield started
    for runner in runners:
        await runner.cleanup()


async def token(store: Store, role: str) -> str:
    secret, record = new_token(Role(role), f"{role} test")
    await store.add_token(record)
    return secret


async def opt_out(base: str, store: Store, indexes: tuple[int, ...]) -> None:
    """The operator records opt-outs through the API, as from a hotline."""
    headers = {"Authorization": f"Bearer {await token(store, 'operator')}"}
    async with aiohttp.ClientSession() as session:
        for index in indexes:
            async with session.post(
                f"{base}/v1/contacts/{number(index)}/opt-out",
                json={"source": "hotline", "reason": "asked to stop"},
                headers=headers,
            ) as resp:
                assert resp.status == 201, await resp.text()


class _SmallWindow(http.client.HTTPConnection):
    """urllib's connection with a small receive buffer: the answer backs up quickly."""

    def connect(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        sock.settimeout(self.timeout)
        sock.connect((self.host, self.port))
        self.sock = sock


class _SmallWindowHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_SmallWindow, req)


def post_plainly(
    url: str, secret: str, body: bytes, content_type: str, small_window: bool = False
) -> tuple[int, str, bytes]:
    """POST as urllib does: the whole body sent, then the answer read. A socket operation
    that waits 30 s fails the test instead of hanging it."""
    request = urllib.request.Request(  # noqa: S310 - the test's own http:// URL
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": content_type},
    )
    opener = urllib.request.build_opener(*([_SmallWindowHandler] if small_window else []))
    with opener.open(request, timeout=30) as resp:
        return resp.status, resp.headers["Content-Type"], resp.read()


async def test_a_million_csv_lines_from_a_plain_client(start: Start, store: Store) -> None:
    base = await start()
    await opt_out(base, store, OPTED_OUT)
    secret = await token(store, "sender")
    count = 1_000_000
    numbers = [number(i) for i in range(count)]
    numbers[500_000] = "not a number"
    body = ("phone\n" + "".join(n + "\n" for n in numbers)).encode()
    assert len(body) > 12_000_000  # well past what the socket buffers hold

    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    status, content_type, answer = await loop.run_in_executor(
        None, post_plainly, f"{base}/v1/eligibility?category=utility", secret, body, CSV
    )
    elapsed = time.perf_counter() - started

    assert status == 200
    assert content_type.startswith(CSV)
    lines = answer.decode().split("\n")
    assert lines.pop() == ""  # the answer ends with a newline
    assert lines[0] + "\n" == CSV_HEADER
    expected = [f"{n},{n},true," for n in numbers]
    for i in OPTED_OUT:
        expected[i] = f"{numbers[i]},{numbers[i]},false,opted_out"
    expected[500_000] = "not a number,,false,invalid_number"
    assert len(lines) - 1 == count
    assert lines[1:] == expected
    assert elapsed < 30


async def test_ndjson_to_a_client_with_a_small_receive_buffer(start: Start, store: Store) -> None:
    """NDJSON answers are longer than the request: the answer backs up first."""
    base = await start()
    await opt_out(base, store, OPTED_OUT)
    secret = await token(store, "sender")
    count = 300_000
    body = "".join(json.dumps({"recipient": number(i)}) + "\n" for i in range(count)).encode()

    loop = asyncio.get_running_loop()
    status, content_type, answer = await loop.run_in_executor(
        None,
        lambda: post_plainly(
            f"{base}/v1/eligibility?category=marketing", secret, body, NDJSON, small_window=True
        ),
    )

    assert status == 200
    assert content_type.startswith(NDJSON)
    results = [json.loads(line) for line in answer.decode().splitlines()]
    assert [r["recipient"] for r in results] == [number(i) for i in range(count)]
    assert [i for i, r in enumerate(results) if "opted_out" in r["reasons"]] == list(OPTED_OUT)
    assert {tuple(r["reasons"]) for r in results} == {("no_consent",), ("opted_out", "no_consent")}


# --------------------------------------------------------------------------- stalled clients


async def connect(base: str, receive_buffer: int | None = None) -> tuple[Any, Any]:
    """A raw TCP connection to the app (with a small receive buffer if asked)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
    return await asyncio.open_connection(sock=sock)


def request_head(secret: str, content_type: str, length: int, category: str = "marketing") -> bytes:
    return (
        f"POST /v1/eligibility?category={category} HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Authorization: Bearer {secret}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


async def read_to_the_end(reader: asyncio.StreamReader, limit_s: float) -> bytes:
    """Everything the server sends until it closes the connection (a reset ends it too)."""
    data = bytearray()
    async with asyncio.timeout(limit_s):
        while True:
            try:
                chunk = await reader.read(1 << 16)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    return bytes(data)


def split_answer(raw: bytes) -> tuple[str, dict[str, str], bytes, bool]:
    """(status line, headers, body, whether a chunked body had its last chunk)."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    if headers.get("transfer-encoding") != "chunked":
        return status, headers, rest, True
    body = bytearray()
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return status, headers, bytes(body), True
        if len(rest) < size + 2:
            body += rest[:size]
            break
        body += rest[:size]
        rest = rest[size + 2 :]
    return status, headers, bytes(body), False


async def test_a_client_that_stalls_before_the_answer_gets_408(start: Start, store: Store) -> None:
    base = await start(stream_idle_timeout_s=IDLE_S)
    secret = await token(store, "sender")
    reader, writer = await connect(base)
    lines = b"".join(number(i).encode() + b"\n" for i in range(10))
    writer.write(request_head(secret, CSV, 1_000_000) + lines)  # ...and nothing more
    await writer.drain()
    began = time.perf_counter()
    raw = await read_to_the_end(reader, IDLE_S + 5)
    waited = time.perf_counter() - began
    writer.close()

    status, headers, body, _ = split_answer(raw)
    assert status.startswith("HTTP/1.1 408")
    assert headers["connection"].lower() == "close"
    error = json.loads(body)["error"]
    assert (error["code"], error["status"]) == ("request_timeout", 408)
    assert "sent nothing for 1 s" in error["message"]
    assert IDLE_S * 0.9 <= waited < IDLE_S + 2


async def test_a_client_that_stalls_mid_answer_gets_an_error_line(
    start: Start, store: Store
) -> None:
    """NDJSON: the answer has begun, so the error is its last line and the last chunk is
    never sent (the client sees an incomplete body, not a short list)."""
    base = await start(stream_idle_timeout_s=IDLE_S)
    secret = await token(store, "sender")
    reader, writer = await connect(base)
    sent = 9_000  # several batches: their answer is out before the client stalls
    lines = "".join(json.dumps({"recipient": number(i)}) + "\n" for i in range(sent)).encode()
    writer.write(request_head(secret, NDJSON, 10 * len(lines)) + lines)
    await writer.drain()
    began = time.perf_counter()
    raw = await read_to_the_end(reader, IDLE_S + 5)
    waited = time.perf_counter() - began
    writer.close()

    status, _, body, complete = split_answer(raw)
    assert status.startswith("HTTP/1.1 200")
    assert not complete
    results = [json.loads(line) for line in body.decode().splitlines()]
    error = results.pop()["error"]
    assert (error["code"], error["status"]) == ("request_timeout", 408)
    assert 0 < len(results) <= sent
    assert [r["recipient"] for r in results] == [number(i) for i in range(len(results))]
    assert waited < IDLE_S + 2


async def test_a_client_that_never_reads_the_answer_is_let_go(start: Start, store: Store) -> None:
    """The whole body sent, the answer never read: after the idle timeout the server drops
    the connection and the answer waiting for it, instead of holding them forever."""
    base = await start(stream_idle_timeout_s=IDLE_S)
    secret = await token(store, "sender")
    reader, writer = await connect(base, receive_buffer=16 * 1024)
    count = 100_000  # about 8 MB of answer: far more than the socket buffers hold
    lines = "".join(json.dumps({"recipient": number(i)}) + "\n" for i in range(count)).encode()
    with capture_logs() as logs:
        writer.write(request_head(secret, NDJSON, len(lines)) + lines)
        await writer.drain()  # the server reads the whole body although nothing is read back
        await asyncio.sleep(IDLE_S * 3)
        raw = await read_to_the_end(reader, 10)
    writer.close()

    _, _, body, complete = split_answer(raw) if raw else ("", {}, b"", False)
    assert not complete
    assert body.count(b"\n") < count
    [idle] = [e for e in logs if e["event"] == "eligibility.idle"]
    assert "took none of the answer for 1 s" in idle["error"]
    assert idle["results"] == count  # the whole body was read and decided
