"""Senders: may this category be sent to these numbers now, and if not, why.

One endpoint, three forms: a JSON list of up to 10,000 recipients answered in one piece,
and CSV or NDJSON streams of any length, read and answered a batch at a time (the line
rules are in `bot.bulk`). Every form decides the same way, from the stored summaries;
the full state is read only for a block limited to some business numbers when the sender
names one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar, cast

import structlog
from aiohttp import web
from pydantic import Field, ValidationError

from bot.api.common import Body, authorize, iso, json_response, read_body
from bot.app import SETTINGS, STORE
from bot.auth import Permission
from bot.bulk import (
    BATCH_SIZE,
    CSV,
    INVALID_NUMBER,
    NDJSON,
    Batch,
    BulkReader,
    CsvWriter,
    NdjsonWriter,
    StreamKind,
    identify,
)
from bot.errors import Unprocessable, UnsupportedMediaType
from bot.ledger import state_from_json
from bot.state import Policy, decide
from bot.summary import Reader, Verdict
from storage.base import Store, StoreUnavailable

routes = web.RouteTableDef()
log = structlog.get_logger("consentbot.api")

T = TypeVar("T")

# A JSON list is answered in one piece; longer lists belong to the streaming formats.
MAX_JSON_RECIPIENTS = 10_000
# Bytes read from a streamed body at a time.
READ_BYTES = 1 << 16
# Batches looked up ahead of the one being written: the store works on the next batch
# (SQLite in its reader threads) while this one is parsed and written.
LOOKAHEAD = 2

Category = Literal["marketing", "utility"]
_INVALID = Verdict(False, (INVALID_NUMBER,))
_MEDIA_TYPES = "JSON (application/json), CSV (text/csv) or NDJSON (application/x-ndjson)"


class EligibilityIn(Body):
    category: Category
    phone_number_id: str | None = Field(default=None, max_length=64)
    recipients: list[str] = Field(max_length=MAX_JSON_RECIPIENTS)


class EligibilityQuery(Body):
    """The query of a streamed request: what the JSON form has in its body."""

    category: Category
    phone_number_id: str | None = Field(default=None, max_length=64)


class Checker(Generic[T]):
    """Decides one category for batches of identity keys, and renders each verdict once
    per summary (most recipients share one of a few)."""

    def __init__(
        self,
        store: Store,
        policy: Policy,
        category: str,
        phone_number_id: str | None,
        render: Callable[[Verdict], T],
    ) -> None:
        self._store = store
        self._policy = policy
        self._reader = Reader(policy)
        self._category = category
        self._phone_number_id = phone_number_id
        self._render = render
        self._invalid = render(_INVALID)

    async def check(self, keys: Sequence[str | None]) -> list[T]:
        """The rendered verdict for each key, in order (None: an unreadable recipient)."""
        found = await self._store.summaries([k for k in keys if k is not None])
        at = datetime.now(UTC)
        rendered: dict[str, T] = {}
        invalid, unknown = self._invalid, self._outcome("", at, rendered)
        get = found.get
        out: list[T | None] = []
        needs_state: dict[int, str] = {}
        for key in keys:
            if key is None:
                out.append(invalid)
            elif (summary := get(key)) is None:
                out.append(unknown)
            else:
                outcome = self._outcome(summary, at, rendered)
                if outcome is None:
                    needs_state[len(out)] = key
                out.append(outcome)
        if needs_state:
            subjects = await self._store.subjects(list(needs_state.values()))
            for index, key in needs_state.items():
                subject = subjects.get(key)
                state = subject.state if subject is not None else ""
                out[index] = self._render(self._decide(state, at))
        return cast(list[T], out)

    def _outcome(self, summary: str, at: datetime, rendered: dict[str, T]) -> T | None:
        """The rendered verdict of a summary, once per summary in `rendered`; None when
        the full state is needed."""
        outcome = rendered.get(summary)
        if outcome is not None:
            return outcome
        verdict = self._reader.verdict(summary, self._category, at, self._phone_number_id)
        if verdict is None:
            return None
        outcome = rendered[summary] = self._render(verdict)
        return outcome

    def _decide(self, state: str, at: datetime) -> Verdict:
        """From the full state: for blocks limited to some business numbers."""
        decision = decide(
            state_from_json(state),
            self._category,
            at=at,
            policy=self._policy,
            phone_number_id=self._phone_number_id,
        )
        return Verdict(
            decision.eligible,
            tuple(r.value for r in decision.reasons),
            decision.lifts_at,
            decision.review_id,
        )


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


def _json_outcome(verdict: Verdict) -> dict[str, Any]:
    item: dict[str, Any] = {"eligible": verdict.eligible, "reasons": list(verdict.reasons)}
    if verdict.lifts_at:
        item["lifts_at"] = iso(verdict.lifts_at)
    if verdict.review_id:
        item["review_id"] = verdict.review_id
    return item


async def _answer_json(request: web.Request) -> web.Response:
    body = await read_body(request, EligibilityIn)
    settings = request.app[SETTINGS]
    checker = Checker(
        request.app[STORE],
        settings.policy,
        body.category,
        body.phone_number_id,
        _json_outcome,
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
    """Answer a CSV or NDJSON list line by line, in order, in bounded memory.

    Everything that can be refused is checked before the first byte of the answer, which
    is sent once the first batch is decided: until then a failure is an ordinary error
    answer. After that, a failure cuts the connection before the end of the answer
    (NDJSON gets a last line with the error first), so a client never takes a part of
    the answer for the whole.
    """
    query = _read_query(request)
    if (request.charset or "utf-8").lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType("the body must be UTF-8 (charset=utf-8)")
    settings = request.app[SETTINGS]
    writer = CsvWriter() if kind == CSV else NdjsonWriter()

    def outcome(verdict: Verdict) -> str:
        return writer.outcome(
            verdict.eligible, verdict.reasons, iso(verdict.lifts_at), verdict.review_id
        )

    checker = Checker(
        request.app[STORE], settings.policy, query.category, query.phone_number_id, outcome
    )
    reader = BulkReader(kind, settings.default_region)
    response = web.StreamResponse()
    response.content_type = writer.content_type
    response.charset = "utf-8"
    started = time.perf_counter()
    pending: deque[tuple[Batch, asyncio.Task[list[str]]]] = deque()

    async def emit() -> None:
        batch, task = pending.popleft()
        outcomes = await task
        if not response.prepared:
            await response.prepare(request)
            await response.write(writer.header().encode())
        await response.write(writer.render(batch, outcomes).encode())

    def submit(batches: list[Batch]) -> None:
        for batch in batches:
            pending.append((batch, asyncio.create_task(checker.check(batch.keys))))

    try:
        async for chunk in request.content.iter_chunked(READ_BYTES):
            submit(reader.feed(chunk))
            while len(pending) > LOOKAHEAD:
                await emit()
        submit(reader.close())
        while pending:
            await emit()
        if not response.prepared:
            await response.prepare(request)
            await response.write(writer.header().encode())
        await response.write_eof()
    except ConnectionResetError:
        log.info("eligibility.client_gone", format=kind, results=reader.lines)
        return response
    except Exception as exc:
        if not response.prepared:
            raise
        await _cut(request, response, writer, exc, reader.lines)
        return response
    finally:
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
        seconds=round(time.perf_counter() - started, 3),
    )
    return response


async def _cut(
    request: web.Request,
    response: web.StreamResponse,
    writer: CsvWriter | NdjsonWriter,
    exc: Exception,
    results: int,
) -> None:
    """End a started answer after a failure: the error line if the format has one, then the
    connection closed without the end of the answer (the last chunk is never sent)."""
    if isinstance(exc, StoreUnavailable):
        log.error("eligibility.stream_failed", error=str(exc), results=results)
        status, code, message = 503, "storage_unavailable", "storage is unavailable, retry later"
    else:
        log.exception("eligibility.stream_failed", results=results)
        status, code, message = 500, "internal_error", "internal error"
    line = writer.failure(code, message, status)
    with contextlib.suppress(ConnectionError):
        if line is not None:
            await response.write(line.encode())
    if request.transport is not None:
        request.transport.close()
