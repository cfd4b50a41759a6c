"""A lean HTTP/1.1 keep-alive load generator for servers on 127.0.0.1.

Every request is serialised to bytes before the clock starts. N connections each send one
request, read the complete response, record its latency and take the next request from a
shared list, until the list is used up or the hard timeout passes. The client is built on
`asyncio.Protocol` callbacks with no per-request task or future, so on a small machine the
server, not the client, is what the numbers describe.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

HOST = "127.0.0.1"
DEFAULT_CONNECTIONS = 32
DEFAULT_REQUESTS = 20_000
DEFAULT_WARMUP = 500
DEFAULT_TIMEOUT_S = 300.0
MAX_HEADER_BYTES = 64 * 1024
MAX_RECONNECTS = 1_000


def build_request(
    method: str,
    path: str,
    port: int,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """Serialise one HTTP/1.1 keep-alive request to 127.0.0.1:`port`."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method not in ("GET", "HEAD"):
        lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + body


def build_post_json(path: str, port: int, body: bytes, headers: Mapping[str, str]) -> bytes:
    """Serialise a JSON POST with the given extra headers (e.g. a signature)."""
    return build_request("POST", path, port, body, {"Content-Type": "application/json", **headers})


@dataclass(frozen=True)
class LoadResult:
    """What one run saw.

    `requests`, `ok`, `non_ok` (count by status), `errors` (lost with their connection), the
    rate and the latencies (from sending a request to its response's last byte) cover the
    timed requests; the `warmup_*` fields the untimed ones before them. `unanswered` were
    sent but had no answer when the run ended, `unsent` never left (both phases). `client_cpu`
    is the share of one core this process used while timing.
    """

    requests: int
    ok: int
    non_ok: dict[int, int]
    errors: int
    unanswered: int
    unsent: int
    elapsed_s: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    connections: int
    warmup_requests: int
    warmup_ok: int
    warmup_non_ok: dict[int, int]
    warmup_errors: int
    client_cpu: float
    timed_out: bool

    @property
    def total_ok(self) -> int:
        """200 answers over warm-up and measured requests together."""
        return self.ok + self.warmup_ok


def percentile(sorted_values: Sequence[int], pct: float) -> int:
    """Nearest-rank percentile of already sorted values (0 for no values)."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class _Phase:
    requests: Sequence[bytes]
    done: asyncio.Future[None]
    next_index: int = 0
    answered: int = 0
    ok: int = 0
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ns: list[int] = field(default_factory=list)

    def take(self) -> bytes | None:
        i = self.next_index
        if i >= len(self.requests):
            return None
        self.next_index = i + 1
        return self.requests[i]

    def settled(self) -> int:
        return self.answered + self.errors

    def check_done(self) -> None:
        if self.settled() >= len(self.requests) and not self.done.done():
            self.done.set_result(None)


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request in flight, parsed with a small state machine."""

    def __init__(self, pool: _Pool) -> None:
        self._pool = pool
        self._transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._phase: _Phase | None = None
        self._in_flight = False
        self._sent_ns = 0
        self._reset_response()
        self.closed = False

    def _reset_response(self) -> None:
        self._status = 0
        self._headers_done = False
        self._need = -1
        self._chunked = False
        self._until_close = False
        self._close_after = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)

    def start(self, phase: _Phase) -> None:
        self._phase = phase
        self._send_next()

    def close(self) -> None:
        if self._transport is not None and not self.closed:
            self._transport.close()

    def _send_next(self) -> None:
        phase = self._phase
        if phase is None or self._transport is None or self.closed:
            return
        request = phase.take()
        if request is None:
            self._phase = None
            return
        self._in_flight = True
        self._reset_response()
        self._sent_ns = time.perf_counter_ns()
        self._transport.write(request)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        if not self._in_flight:
            if len(buf) > MAX_HEADER_BYTES:
                self._fail()
            return
        if not self._headers_done and not self._parse_head():
            return
        if self._chunked:
            if not self._parse_chunks():
                return
        elif self._until_close:
            buf.clear()
            return
        elif len(buf) < self._need:
            return
        else:
            del buf[: self._need]
        self._complete()

    def _parse_head(self) -> bool:
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > MAX_HEADER_BYTES:
                self._fail()
            return False
        head = bytes(buf[:end])
        del buf[: end + 4]
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        try:
            self._status = int(parts[1])
        except (IndexError, ValueError):
            self._fail()
            return False
        if 100 <= self._status < 200:
            return self._parse_head() if buf else False
        length = -1
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                self._chunked = True
            elif name == b"connection" and b"close" in value.lower():
                self._close_after = True
        self._headers_done = True
        if self._chunked:
            self._need = 0
        elif length >= 0:
            self._need = length
        elif self._status in (204, 304):
            self._need = 0
        else:
            self._until_close = True
        return True

    def _parse_chunks(self) -> bool:
        buf = self._buf
        while True:
            if self._need > 0:
                if len(buf) < self._need + 2:
                    return False
                del buf[: self._need + 2]
                self._need = 0
            line_end = buf.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(bytes(buf[:line_end]).split(b";", 1)[0].strip(), 16)
            if size == 0:
                if buf[line_end : line_end + 4] == b"\r\n\r\n":
                    del buf[: line_end + 4]
                    return True
                trailer_end = buf.find(b"\r\n\r\n", line_end + 2)
                if trailer_end < 0:
                    return False
                del buf[: trailer_end + 4]
                return True
            del buf[: line_end + 2]
            self._need = size

    def _complete(self) -> None:
        latency = time.perf_counter_ns() - self._sent_ns
        self._in_flight = False
        phase = self._phase
        if phase is not None:
            phase.answered += 1
            if self._status == 200:
                phase.ok += 1
            else:
                phase.statuses[self._status] += 1
            phase.latencies_ns.append(latency)
            phase.check_done()
        if self._close_after:
            self.close()
            return
        self._send_next()

    def _fail(self) -> None:
        if self._in_flight and self._phase is not None:
            self._in_flight = False
            self._phase.errors += 1
            self._phase.check_done()
        self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        phase = self._phase
        if self._in_flight and phase is not None:
            self._in_flight = False
            if self._until_close and self._headers_done:
                self._complete_on_close(phase)
            else:
                phase.errors += 1
                phase.check_done()
        self._pool.lost(self, phase)

    def _complete_on_close(self, phase: _Phase) -> None:
        phase.answered += 1
        if self._status == 200:
            phase.ok += 1
        else:
            phase.statuses[self._status] += 1
        phase.latencies_ns.append(time.perf_counter_ns() - self._sent_ns)
        phase.check_done()


class _Pool:
    """The set of live connections, reopening one the server closed while work remains."""

    def __init__(self, port: int, size: int) -> None:
        self.port = port
        self.size = size
        self.connections: list[_Connection] = []
        self.reconnects = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(self.size):
            _, protocol = await loop.create_connection(lambda: _Connection(self), HOST, self.port)
            self.connections.append(protocol)

    def run(self, phase: _Phase) -> None:
        for connection in list(self.connections):
            connection.start(phase)
        phase.check_done()

    def lost(self, connection: _Connection, phase: _Phase | None) -> None:
        if connection in self.connections:
            self.connections.remove(connection)
        if phase is None or phase.done.done() or phase.next_index >= len(phase.requests):
            self._maybe_stranded(phase)
            return
        if self.reconnects >= MAX_RECONNECTS:
            self._maybe_stranded(phase)
            return
        self.reconnects += 1
        task = asyncio.get_running_loop().create_task(self._reopen(phase))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reopen(self, phase: _Phase) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await loop.create_connection(lambda: _Connection(self), HOST, self.port)
        except OSError:
            self._maybe_stranded(phase)
            return
        self.connections.append(protocol)
        if not phase.done.done():
            protocol.start(phase)

    def _maybe_stranded(self, phase: _Phase | None) -> None:
        if phase is None or phase.done.done():
            return
        if not self.connections and not self._tasks_pending():
            phase.done.set_result(None)

    def _tasks_pending(self) -> bool:
        return any(not task.done() for task in self._tasks)

    def close(self) -> None:
        for connection in list(self.connections):
            connection.close()
        for task in self._tasks:
            task.cancel()


async def _run_phase(
    pool: _Pool, requests: Sequence[bytes], deadline: float
) -> tuple[_Phase, float, float, bool]:
    loop = asyncio.get_running_loop()
    phase = _Phase(requests=requests, done=loop.create_future())
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    pool.run(phase)
    timed_out = False
    try:
        await asyncio.wait_for(asyncio.shield(phase.done), timeout=max(0.0, deadline - t0))
    except TimeoutError:
        timed_out = True
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return phase, elapsed, cpu, timed_out


async def run_load(
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int = DEFAULT_CONNECTIONS,
    warmup: int = DEFAULT_WARMUP,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> LoadResult:
    """Send `requests` to 127.0.0.1:`port`; the first `warmup` of them are not timed.

    The run stops by itself once every request is answered or failed, or when `timeout_s`
    has passed since it began (warm-up included); a timed-out run reports what it got.
    """
    warmup = min(warmup, len(requests))
    deadline = time.perf_counter() + timeout_s
    pool = _Pool(port, connections)
    try:
        await asyncio.wait_for(pool.open(), timeout=min(10.0, timeout_s))
        warm, _, _, warm_timed_out = await _run_phase(pool, requests[:warmup], deadline)
        if warm_timed_out:
            measured, elapsed, cpu, timed_out = _empty_phase(requests[warmup:]), 0.0, 0.0, True
        else:
            measured, elapsed, cpu, timed_out = await _run_phase(pool, requests[warmup:], deadline)
    finally:
        pool.close()
    latencies = sorted(measured.latencies_ns)
    return LoadResult(
        requests=measured.answered,
        ok=measured.ok,
        non_ok=dict(sorted(measured.statuses.items())),
        errors=measured.errors,
        unanswered=measured.next_index - measured.settled() + warm.next_index - warm.settled(),
        unsent=len(requests) - measured.next_index - warm.next_index,
        elapsed_s=elapsed,
        rps=measured.answered / elapsed if elapsed > 0 else 0.0,
        p50_ms=percentile(latencies, 50) / 1e6,
        p99_ms=percentile(latencies, 99) / 1e6,
        max_ms=(latencies[-1] if latencies else 0) / 1e6,
        connections=connections,
        warmup_requests=warm.answered,
        warmup_ok=warm.ok,
        warmup_non_ok=dict(sorted(warm.statuses.items())),
        warmup_errors=warm.errors,
        client_cpu=cpu / elapsed if elapsed > 0 else 0.0,
        timed_out=timed_out,
    )


def _empty_phase(requests: Sequence[bytes]) -> _Phase:
    loop = asyncio.get_running_loop()
    return _Phase(requests=requests, done=loop.create_future())
