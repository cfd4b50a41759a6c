"""JSON log lines: one write per turn of the event loop, at once outside a loop, every line
whole and in order, numbers still hashed."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Iterator

import pytest
import structlog

from bot.log import LineBuffer, configure


class CountingFile(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.writes += 1
        return super().write(data)


@pytest.fixture
def out() -> Iterator[CountingFile]:
    yield CountingFile()
    structlog.reset_defaults()


def test_outside_a_loop_each_line_is_written_at_once(out: CountingFile) -> None:
    lines = LineBuffer(out)
    lines.msg(b'{"a":1}')
    assert out.getvalue() == b'{"a":1}\n'
    lines.msg(b'{"a":2}')
    assert out.getvalue() == b'{"a":1}\n{"a":2}\n'
    assert out.writes == 2


async def test_in_a_loop_the_lines_of_one_turn_go_out_in_one_write(out: CountingFile) -> None:
    lines = LineBuffer(out)
    for n in range(5):
        lines.msg(f'{{"n":{n}}}'.encode())
    assert out.getvalue() == b""  # not yet: at the end of this turn
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert out.writes == 1
    assert [json.loads(line)["n"] for line in out.getvalue().splitlines()] == [0, 1, 2, 3, 4]
    lines.msg(b'{"n":5}')
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert out.writes == 2


async def test_a_busy_turn_is_written_in_whole_lines_of_at_most_a_pipe_buffer(
    out: CountingFile,
) -> None:
    """Workers share their supervisor's stdout: a write of at most PIPE_BUF bytes to a pipe is
    never interleaved with another process's, so no line is cut by another."""
    lines = LineBuffer(out)
    sent = [json.dumps({"n": n, "pad": "x" * (n % 300)}).encode() for n in range(200)]
    sent.append(json.dumps({"long": "y" * 6000}).encode())
    chunks: list[bytes] = []
    real_write = out.write

    def recording(data: bytes) -> int:
        chunks.append(bytes(data))
        return real_write(data)

    out.write = recording  # type: ignore[method-assign]
    for line in sent:
        lines.msg(line)
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert out.getvalue().splitlines() == sent
    assert all(chunk.endswith(b"\n") for chunk in chunks)
    assert all(len(chunk) <= 4096 for chunk in chunks if b"long" not in chunk)
    assert 1 < len(chunks) < len(sent)


async def test_a_closed_output_loses_the_lines_not_the_request(out: CountingFile) -> None:
    lines = LineBuffer(out)
    out.close()
    lines.msg(b'{"a":1}')
    await asyncio.sleep(0)
    lines.flush()  # nothing raised


async def test_configured_json_lines_are_hashed_and_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    buffer = io.BytesIO()
    stdout = io.TextIOWrapper(buffer, encoding="utf-8")
    monkeypatch.setattr("sys.stdout", stdout)
    configure(json_logs=True, level="info", redaction_key=b"k")
    try:
        log = structlog.get_logger("t")
        log.info("webhook.delivery", detail="from +7 999 123-45-67", kinds={"opt_out": 1})
        log.info("webhook.delivery", big=2**70, token="cb_secret")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    finally:
        structlog.reset_defaults()
    first, second = (json.loads(line) for line in buffer.getvalue().splitlines())
    assert "123-45-67" not in first["detail"]
    assert first["detail"].startswith("from ph_")
    assert first["kinds"] == {"opt_out": 1}
    assert first["level"] == "info"
    assert first["timestamp"].endswith("Z")
    assert second["big"] == 2**70  # beyond orjson's 64 bits: still logged
    assert second["token"] == "[secret]"
