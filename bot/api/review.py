"""The review queue: messages a person must decide on, and complaints per business number.

An unclear message (`review`) and a complaint (`complaint`, already an opt-out) wait here
until an operator resolves them as an opt-out, an opt-in or nothing. An opt-in is the
operator's reading of the customer's words, so it names its categories (it never widens to
all) and carries what the customer agreed to (`wording`, `wording_version`); the message
itself is its reference. Without that it is refused: it could lift a stop (`bot.evidence`).

The resolution is an event of its own whose natural key is `review:<item id>`, so an item
is resolved once, on any instance; resolving it again the same way answers the first
resolution.
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
from bot.auth import Permission
from bot.errors import Conflict, NotFound, Unprocessable
from bot.events import ALL, Event, Kind, Source, event_id
from bot.evidence import MIN_WORDING
from bot.keys import STORE
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
        default=None,
        min_length=1,
        description="default: what the message was about; required for opt_in",
    )
    note: str | None = Field(default=None, max_length=2000)
    wording: str | None = Field(
        default=None,
        min_length=MIN_WORDING,
        max_length=4000,
        description="opt_in: the text the customer agreed to",
    )
    wording_version: str | None = Field(
        default=None, min_length=1, max_length=200, description="opt_in: its version"
    )
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="opt_in: recording or ticket id (default: the message's wamid)",
    )

    def missing(self) -> list[str]:
        """What an opt-in resolution lacks: it must name what the customer agreed to."""
        if self.resolution != "opt_in":
            return []
        fields = {
            "categories": self.categories,
            "wording": self.wording,
            "wording_version": self.wording_version,
        }
        return [name for name, value in fields.items() if not value]


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
    missing = body.missing()
    if missing:
        raise Unprocessable(
            "an opt-in needs its categories and what the customer agreed to",
            code="evidence_required",
            errors=[{"field": name, "message": "required for opt_in"} for name in missing],
        )
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
            **_opt_in_evidence(body, item),
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


def _opt_in_evidence(body: Resolution, item: Event) -> dict[str, Any]:
    if body.resolution != "opt_in":
        return {}
    reference = body.reference or item.evidence.get("wamid")
    return {
        "wording": body.wording,
        "wording_version": body.wording_version,
        "method": f"operator's reading of the customer's {item.source.value} message",
        "reference": reference,
    }


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
