"""Senders: may this category be sent to these numbers now, and if not, why.

One endpoint, three forms: a JSON list of up to 10,000 recipients answered in one piece,
and CSV or NDJSON streams of any length, read and answered a batch at a time (the line
rules are in `bot.bulk`). Every form decides the same way, through `bot.checker`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any, Literal

import structlog
from aiohttp import web
from pydantic import Field, ValidationError

from bot.api.common import Body, authorize, iso, json_response, read_body
from bot.api.spool import AnswerSpool
from bot.auth import Permission
from bot.bulk import (
    BATCH_SIZE,
    CSV,
    NDJSON,
    Batch,
    BulkReader,
    CsvWriter,
    NdjsonWriter,
    StreamKind,
    identify,
)
from bot.checker import Checker
from bot.errors import Unprocessable, UnsupportedMediaType, error_response
from bot.keys import SETTINGS, STORE
from bot.sender_guard import sender_pause
from bot.state import Decision
from storage.base import StoreUnavailable

routes = web.RouteTableDef()
log = structlog.get_logger("consentbot.api")

# A JSON list is answered in one piece; longer lists belong to the streaming formats.
MAX_JSON_RECIPIENTS = 10_000
# Bytes read from a streamed body at a time.
READ_BYTES = 1 << 16
# Batches looked up ahead of the one being written: the store works on the next batch
# (SQLite in its reader threads) while this one is parsed and written.
LOOKAHEAD = 2

Category = Literal["marketing", "utility"]
_MEDIA_TYPES = "JSON (application/json), CSV (text/csv) or NDJSON (application/x-ndjson)"


_TEMPLATE = "the template of the send (name, or name/language): a paused one holds marketing"


class EligibilityIn(Body):
    category: Category
    phone_number_id: str | None = Field(default=None, max_length=64)
    template: str | None = Field(default=None, min_length=1, max_length=600, description=_TEMPLATE)
    recipients: list[str] = Field(max_length=MAX_JSON_RECIPIENTS)


class EligibilityQuery(Body):
    """The query of a streamed request: what the JSON form has in its body."""

    category: Category
    phone_number_id: str | None = Field(default=None, max_length=64)
    template: str | None = Field(default=None, min_length=1, max_length=600, description=_TEMPLATE)


@routes.post("/v1/eligibility")
async def eligibility(request: web.Request) -> web.StreamResponse:
    await authorize(request, Permission.ELIGIBILITY)
    if request.content_type == "application/json":
        return await _answer_json(request)
    if request.content_type == CSV:
        return await _stream(request, CSV)
    if request.content_type == NDJSON:
        return await _stream(request, NDJSON)
    raise UnsupportedMediaType(f"send {_MEDIA_TYPES}")


# --------------------------------------------------------------------------- JSON


def _json_outcome(decision: Decision) -> dict[str, Any]:
    item: dict[str, Any] = {"eligible": decision.eligible, "reasons": list(decision.reasons)}
    if decision.lifts_at:
        item["lifts_at"] = iso(decision.lifts_at)
    if decision.review_id:
        item["review_id"] = decision.review_id
    if decision.detail:
        item["detail"] = decision.detail
    return item


async def _answer_json(request: web.Request) -> web.Response:
    body = await read_body(request, EligibilityIn)
    settings = request.app[SETTINGS]
    store = request.app[STORE]
    paused = await sender_pause(store, settings, body.category, body.phone_number_id, body.template)
    checker = Checker(
        store, settings.policy, body.category, body.phone_number_id, _json_outcome, paused
    )
    results: list[dict[str, Any]] = []
    for start in range(0, len(body.recipients), BATCH_SIZE):
        recipients = body.recipients[start : start + BATCH_SIZE]
        found = [identify(r, settings.default_region) for r in recipients]
        outcomes = await checker.check([key for _, key in found])
        results.extend(
            {"recipient": recipient, "phone": phone, **outcome}
            for recipient, (phone, _), outcome in zip(recipients, found, outcomes, strict=True)
        )
    return json_response({"results": results})


# --------------------------------------------------------------------------- streams


class StreamIdle(Exception):
    """Nothing moved either way for the idle timeout while the stream waited on the client."""

    def __init__(self, seconds: float, *, answer_stuck: bool) -> None:
        what = "took none of the answer" if answer_stuck else "sent nothing"
        super().__init__(f"the client {what} for {seconds:g} s; the request is ended")
        self.answer_stuck = answer_stuck


class _Answer:
    """One streamed answer: the body is read (`read`, a task) while a writer task sends the
    spooled result lines as fast as the client takes them, so reading never waits for the
    client to read. A watchdog ends the request when no bytes move either way for the idle
    timeout while the stream waits on the client (for its body or for it to read)."""

    def __init__(self, response: web.StreamResponse, idle_s: float) -> None:
        self.spool = AnswerSpool()
        self._response = response
        self._idle = idle_s
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()  # when bytes last moved, either way
        self.reading = False  # waiting for the body
        self._sending = False  # waiting for the client to take the answer
        self._cut = False  # end without the last chunk: the answer is incomplete
        self._tasks: list[asyncio.Task[None]] = []
        self._reported: set[asyncio.Task[None]] = set()

    def moved(self) -> None:
        self._last = self._loop.time()

    def start(self, read: Coroutine[Any, Any, None]) -> None:
        writing = asyncio.create_task(self._write())
        self._tasks = [asyncio.create_task(read), writing, asyncio.create_task(self._watch())]

    def cut(self, line: str | None) -> None:
        """End the answer after what is spooled and `line`, without its last chunk."""
        self._cut = True
        self._tasks[0].cancel()  # no more of the body is read
        self.reading = False
        self.moved()  # the idle timeout counts again for what is left to send
        if line is not None:
            self.spool.put(line.encode())
        self.spool.close()
        if self._tasks[2].done():  # the watchdog fired: watch the last line go out too
            self._tasks[2] = asyncio.create_task(self._watch())

    async def wait(self) -> BaseException | None:
        """Until the answer is sent, or the first failure not reported yet (the client gone
        first, then the idle timeout, then any other)."""
        live = [task for task in self._tasks if not task.done()]
        if live:
            await asyncio.wait(live, return_when=asyncio.FIRST_EXCEPTION)
        failures: list[BaseException] = []
        for task in self._tasks:
            if task.done() and task not in self._reported and not task.cancelled():
                self._reported.add(task)
                if (exc := task.exception()) is not None:
                    failures.append(exc)
        failures.sort(key=lambda e: 0 if _client_gone(e) else 1 if isinstance(e, StreamIdle) else 2)
        return failures[0] if failures else None

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.spool.discard()

    async def _write(self) -> None:
        response = self._response
        while (data := await self.spool.get()) is not None:
            self._sending = True
            await response.write(data)
            self._sending = False
            self.moved()
        if not self._cut:
            self._sending = True
            await response.write_eof()
            self._sending = False

    async def _watch(self) -> None:
        writing = self._tasks[1]
        step = min(self._idle / 4, 1.0)
        while not writing.done():
            await asyncio.wait([writing], timeout=step)
            waiting = self.reading or self._sending
            if waiting and not writing.done() and self._loop.time() - self._last > self._idle:
                raise StreamIdle(self._idle, answer_stuck=self._sending)


def _client_gone(exc: BaseException) -> bool:
    return isinstance(exc, ConnectionError)


def _read_query(request: web.Request) -> EligibilityQuery:
    try:
        return EligibilityQuery.model_validate(dict(request.query))
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        raise Unprocessable(
            "a streamed request names the category in the query: ?category=marketing",
            errors=errors,
        ) from None


async def _stream(request: web.Request, kind: StreamKind) -> web.StreamResponse:
    """Answer a CSV or NDJSON list line by line, in order, in bounded memory, to any client.

    The body is read without waiting for the client to read the answer: result lines go to
    a spool (memory, then a temporary file) that a writer task empties as fast as the
    client reads. A client that reads while it sends gets its answer as it goes; one that
    sends everything first finds it waiting. Either way the service's memory stays flat.

    Everything that can be refused is checked before the first byte of the answer, which
    is sent once the first batch is decided: until then a failure is an ordinary error
    answer (a stalled client gets 408). After that, a failure cuts the connection before
    the end of the answer (NDJSON gets a last line with the error first), so a client
    never takes a part of the answer for the whole.
    """
    query = _read_query(request)
    if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("the body must be UTF-8 (charset=utf-8)")
    settings = request.app[SETTINGS]
    writer = CsvWriter() if kind == CSV else NdjsonWriter()

    def outcome(decision: Decision) -> str:
        return writer.outcome(
            decision.eligible,
            decision.reasons,
            iso(decision.lifts_at),
            decision.review_id,
            decision.detail,
        )

    store = request.app[STORE]
    paused = await sender_pause(
        store, settings, query.category, query.phone_number_id, query.template
    )
    checker = Checker(
        store, settings.policy, query.category, query.phone_number_id, outcome, paused
    )
    reader = BulkReader(kind, settings.default_region)
    response = web.StreamResponse()
    response.content_type = writer.content_type
    response.charset = "utf-8"
    idle_s = settings.stream_idle_timeout_s
    answer = _Answer(response, idle_s)
    spool = answer.spool
    started = time.perf_counter()
    pending: deque[tuple[Batch, asyncio.Task[list[str]]]] = deque()

    async def begin() -> None:
        if not response.prepared:
            await response.prepare(request)
            spool.put(writer.header().encode())

    async def emit() -> None:
        batch, task = pending.popleft()
        outcomes = await task
        await begin()
        spool.put(writer.render(batch, outcomes).encode())
        await spool.room()

    def submit(batches: list[Batch]) -> None:
        for batch in batches:
            pending.append((batch, asyncio.create_task(checker.check(batch.keys))))

    async def read() -> None:
        content = request.content
        while True:
            answer.reading = True
            chunk = await content.read(READ_BYTES)
            answer.reading = False
            if not chunk:
                break
            answer.moved()
            submit(reader.feed(chunk))
            while len(pending) > LOOKAHEAD:
                await emit()
        submit(reader.close())
        while pending:
            await emit()
        await begin()
        spool.close()

    answer.start(read())
    try:
        failure = await answer.wait()
        if failure is None:
            pass
        elif _client_gone(failure):
            log.info("eligibility.client_gone", format=kind, results=reader.lines)
            _close(request, idle_s, abort=True)
            return response
        elif isinstance(failure, StreamIdle):
            log.info("eligibility.idle", format=kind, results=reader.lines, error=str(failure))
            if not response.prepared:
                return await _timed_out(request, failure, idle_s)
            if failure.answer_stuck:
                _close(request, idle_s, abort=True)
                return response
            await _cut(request, answer, writer, failure, reader.lines, idle_s)
            return response
        else:
            if not response.prepared:
                raise failure
            await _cut(request, answer, writer, failure, reader.lines, idle_s)
            return response
    finally:
        await answer.stop()
        # Lookups still in flight once the answer is over or cut: their results (or errors)
        # are of no use, but they are awaited, so none is left running or unread.
        tasks = [task for _, task in pending]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    log.info(
        "eligibility.streamed",
        format=kind,
        category=query.category,
        results=reader.lines,
        invalid_lines=reader.problems,
        spooled_bytes=spool.spilled,
        seconds=round(time.perf_counter() - started, 3),
    )
    return response


async def _timed_out(request: web.Request, exc: StreamIdle, idle_s: float) -> web.StreamResponse:
    """A 408 for a client that stalled before the answer started, and the connection closed
    (the rest of its body is not waited for)."""
    response = error_response(408, "request_timeout", str(exc))
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    _close(request, idle_s, abort=False)
    return response


async def _cut(
    request: web.Request,
    answer: _Answer,
    writer: CsvWriter | NdjsonWriter,
    exc: BaseException,
    results: int,
    idle_s: float,
) -> None:
    """End a started answer after a failure: what is spooled, the error line if the format
    has one, then the connection closed without the end of the answer (the last chunk is
    never sent)."""
    if isinstance(exc, StreamIdle):
        status, code, message = 408, "request_timeout", str(exc)
    elif isinstance(exc, StoreUnavailable):
        log.error("eligibility.stream_failed", error=str(exc), results=results)
        status, code, message = 503, "storage_unavailable", "storage is unavailable, retry later"
    else:
        log.error("eligibility.stream_failed", results=results, exc_info=exc)
        status, code, message = 500, "internal_error", "internal error"
    answer.cut(writer.failure(code, message, status))
    failure = await answer.wait()
    _close(request, idle_s, abort=failure is not None)


def _close(request: web.Request, idle_s: float, *, abort: bool) -> None:
    """Close the connection: at once (`abort`), or once what is written has gone out,
    which a client that reads nothing cannot hold up longer than the idle timeout."""
    transport = request.transport
    if transport is None:
        return
    if abort:
        transport.abort()
    else:
        transport.close()
        asyncio.get_running_loop().call_later(idle_s, transport.abort)
