"""Senders: the suppression list and its change feed, streamed as NDJSON or CSV.

`GET /v1/suppressions` streams every subject whose eligibility changed after `since` (the
first call, without `since`: every subject that ever left the default), each line with
its cursor. The stream ends at the feed's head as of the request, so it always ends;
`X-Consentbot-Cursor` carries that head, the cursor to resume from once every line is
read. A stream cut short by a failure ends without its final chunk, so HTTP clients see
an incomplete body, never a short list that looks whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web

from bot.api.common import authorize, json_response
from bot.auth import Permission
from bot.errors import BadRequest
from bot.feed import (
    CursorError,
    HashMode,
    Renderer,
    cursor,
    database_tag,
    parse_cursor,
    subscriber_key,
)
from bot.keys import SETTINGS, STORE
from bot.summary import Reader
from storage.base import FeedEntry, Store

routes = web.RouteTableDef()

PAGE = 5_000
FLUSH_BYTES = 256 * 1024
_FORMATS = {"ndjson": "application/x-ndjson", "csv": "text/csv"}


@routes.get("/v1/suppressions")
async def suppressions(request: web.Request) -> web.StreamResponse:
    token = await authorize(request, Permission.ELIGIBILITY)
    query = request.query
    fmt = query.get("format", "ndjson")
    if fmt not in _FORMATS:
        raise BadRequest("`format` must be ndjson or csv", code="invalid_format")
    try:
        mode = HashMode(query.get("hash", "none"))
    except ValueError:
        raise BadRequest("`hash` must be sha256 or hmac", code="invalid_hash") from None
    limit = _limit(query.get("limit"))
    store = request.app[STORE]
    secret = await store.hash_secret()
    tag = database_tag(secret)
    head = await store.feed_head()
    since = 0
    if "since" in query:
        try:
            since = parse_cursor(query["since"], tag, head)
        except CursorError as exc:
            raise BadRequest(f"`since`: {exc}", code="invalid_cursor") from None
    key = subscriber_key(secret, token.id) if mode is HashMode.HMAC else b""
    renderer = Renderer(Reader(request.app[SETTINGS].policy), tag, mode, key)
    render = renderer.csv if fmt == "csv" else renderer.ndjson

    response = web.StreamResponse(
        headers={
            "Content-Type": f"{_FORMATS[fmt]}; charset=utf-8",
            "X-Consentbot-Cursor": cursor(head, tag),
            "Cache-Control": "no-store",
        }
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    buffer: list[str] = [renderer.csv_header()] if fmt == "csv" else []
    size = 0
    async for page in _pages(store, since, head, limit):
        for e in page:
            line = render(e.seq, e.subject_id, e.phone, e.user_id, e.summary)
            buffer.append(line)
            size += len(line)
        if size >= FLUSH_BYTES:
            await response.write("".join(buffer).encode())
            buffer, size = [], 0
    if buffer:
        await response.write("".join(buffer).encode())
    await response.write_eof()
    return response


async def _pages(
    store: Store, since: int, head: int, limit: int | None
) -> AsyncIterator[list[FeedEntry]]:
    """The feed after `since` up to `head` (at most `limit` entries), a page at a time; the
    next page is read while the caller writes this one."""
    position, left = since, limit
    task: asyncio.Future[list[FeedEntry]] | None = None
    asked = 0

    def fetch() -> asyncio.Future[list[FeedEntry]]:
        nonlocal asked
        asked = PAGE if left is None else min(PAGE, left)
        return asyncio.ensure_future(store.feed(position, asked))

    if position < head and left != 0:
        task = fetch()
    try:
        while task is not None:
            entries = await task
            task = None
            # A subject that changed after the stream began is past `head`: the next call.
            kept = (
                entries
                if not entries or entries[-1].seq <= head
                else [e for e in entries if e.seq <= head]
            )
            if kept:
                position = kept[-1].seq
                left = None if left is None else left - len(kept)
            more = len(entries) == asked and len(kept) == len(entries)
            if more and position < head and left != 0:
                task = fetch()
            if kept:
                yield kept
    finally:
        if task is not None:
            task.cancel()


@routes.get("/v1/suppressions/key")
async def hmac_key(request: web.Request) -> web.Response:
    """The calling token's key for `hash=hmac`: hash your own list with it to compare."""
    token = await authorize(request, Permission.ELIGIBILITY)
    secret = await request.app[STORE].hash_secret()
    return json_response(
        {
            "algorithm": "HMAC-SHA256",
            "input": "the number in E.164 form, e.g. +79991234567",
            "key_hex": subscriber_key(secret, token.id).hex(),
        }
    )


def _limit(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or int(text) < 1:
        raise BadRequest("`limit` must be a positive whole number", code="invalid_limit")
    return int(text)
