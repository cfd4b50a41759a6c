"""The review queue: messages a person must decide on, and complaints per business number.

An unclear message (`review`) and a complaint (`complaint`, already an opt-out) wait here
until an operator resolves them as an opt-out, an opt-in or nothing. The resolution is an
event of its own whose natural key is `review:<item id>`, so an item is resolved once,
on any instance; resolving it again the same way answers the first resolution.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import structlog
from aiohttp import web
from pydantic import Field

from bot.api.common import (
    Body,
    authorize,
    event_json,
    int_query,
    iso,
    json_response,
    read_body,
)
from bot.app import STORE
from bot.auth import Permission
from bot.errors import Conflict, NotFound
from bot.events import ALL, Event, Kind, Source, event_id
from bot.ledger import from_record
from storage.base import Store

routes = web.RouteTableDef()
log = structlog.get_logger("consentbot.review")

QUEUED = (Kind.REVIEW.value, Kind.COMPLAINT.value)
_RESOLUTION_KINDS = {"opt_out": Kind.OPT_OUT, "opt_in": Kind.OPT_IN, "none": Kind.REVIEWED}
_SCAN = 500  # items read per step while looking for open ones
MAX_LIMIT = 500


class Resolution(Body):
    resolution: Literal["opt_out", "opt_in", "none"]
    categories: list[Literal["marketing", "utility", "all"]] | None = Field(
        default=None, min_length=1, description="default: what the message was about"
    )
    note: str | None = Field(default=None, max_length=2000)


def resolution_key(item_id: str) -> str:
    return f"review:{item_id}"


def _item_json(e: Event, seq: int | None) -> dict[str, Any]:
    return {
        **event_json(e),
        "seq": seq,
        "phone": e.phone,
        "wa_id": e.wa_id,
        "user_id": e.user_id,
    }


async def _open_items(
    store: Store, before: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Up to `limit` unresolved items older than `before`, and where the next page starts."""
    items: list[dict[str, Any]] = []
    cursor = before
    while len(items) < limit:
        page = await store.events_of_kinds(QUEUED, before_seq=cursor, limit=_SCAN)
        if not page:
            return items, None
        resolved = await store.stored_ids([event_id(resolution_key(r.id)) for r in page])
        for r in page:
            cursor = r.seq
            if event_id(resolution_key(r.id)) not in resolved:
                items.append(_item_json(from_record(r), r.seq))
                if len(items) == limit:
                    break
        if len(page) < _SCAN and len(items) < limit:
            return items, None
    return items, cursor


@routes.get("/v1/review")
async def queue(request: web.Request) -> web.Response:
    """Open review items, newest first; `next` is the `before` of the following page."""
    await authorize(request, Permission.CONTACTS)
    limit = int_query(request, "limit", 50, 1, MAX_LIMIT)
    before = int_query(request, "before", None, 1, 2**63 - 1)
    items, cursor = await _open_items(request.app[STORE], before, limit)
    return json_response({"items": items, "next": str(cursor) if cursor is not None else None})


@routes.post("/v1/review/{item_id}")
async def resolve(request: web.Request) -> web.Response:
    token = await authorize(request, Permission.CONTACTS)
    body = await read_body(request, Resolution)
    store = request.app[STORE]
    stored = await store.event(request.match_info["item_id"])
    if stored is None or stored.kind not in QUEUED:
        raise NotFound("no review item with this id")
    item = from_record(stored)
    digest = hashlib.sha256(
        json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()
    ).hexdigest()
    now = datetime.now(UTC)
    event = Event(
        key=resolution_key(item.id),
        kind=_RESOLUTION_KINDS[body.resolution],
        source=Source.HOTLINE,
        # The customer's own words decide, as of when they wrote them: a later «СТАРТ»
        # still outranks an opt-out read into an earlier message.
        occurred_at=item.occurred_at,
        received_at=now,
        phone=item.phone,
        wa_id=item.wa_id,
        user_id=item.user_id,
        categories=_categories(body.categories, item.categories),
        phone_number_id=item.phone_number_id,
        waba_id=item.waba_id,
        actor=token.id,
        language=item.language,
        evidence={
            "review_of": item.id,
            "resolution": body.resolution,
            "note": body.note,
            "operator": token.name,
            "request_sha256": digest,
        },
    )
    result = await store.append([event])
    if result.created[0]:
        log.info("review.resolved", actor=token.id, item=item.id, resolution=body.resolution)
        return json_response(event_json(event), status=201)
    first = await store.event(event.id)
    if first is None or first.evidence.get("request_sha256") != digest:
        raise Conflict("this item was already resolved otherwise", code="already_resolved")
    return json_response(event_json(from_record(first)), status=200)


def _categories(given: Sequence[str] | None, asked: frozenset[str]) -> frozenset[str]:
    """The operator's choice, else what the customer's message was about, else everything."""
    return frozenset(given or asked or {ALL})


@routes.get("/v1/complaints")
async def complaints(request: web.Request) -> web.Response:
    """Complaints per business number over the last `days` (they drive its quality rating)."""
    await authorize(request, Permission.CONTACTS)
    days = int_query(request, "days", 7, 1, 365)
    since = datetime.now(UTC) - timedelta(days=days)
    counts = await request.app[STORE].count_kinds_by_number([Kind.COMPLAINT.value], since)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0] or ""))
    numbers = [{"phone_number_id": pnid, "complaints": n} for (pnid, _), n in ranked]
    return json_response({"since": iso(since), "days": days, "numbers": numbers})
