"""Subscribers' webhooks (admin): register a URL, see how far each has got, read its log.

The deliveries themselves are the outbox worker's (`bot.outbox`); what is sent and how it
is signed is in `bot.outbox_rules`.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import structlog
from aiohttp import web
from pydantic import Field, field_validator

from bot.api.common import Body, authorize, int_query, iso, json_response, read_body
from bot.auth import Permission
from bot.errors import NotFound
from bot.keys import STORE, SUBSCRIBERS
from bot.outbox_rules import MAX_URL_LENGTH, check_url, event_id
from storage.base import DeliveryRecord, SubscriptionRecord

routes = web.RouteTableDef()
log = structlog.get_logger("consentbot.subscriptions")

MAX_LOG_LIMIT = 1000
# A generated secret: 256 random bits; the prefix tells a reader what it is.
_SECRET_PREFIX = "whsec_"  # noqa: S105 - a label, not a secret


class SubscriptionIn(Body):
    url: str = Field(
        max_length=MAX_URL_LENGTH, description="where changes are POSTed: http:// or https://"
    )
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=256,
        description="signs the deliveries; generated (and shown once) when absent",
    )
    description: str = Field(default="", max_length=500)
    start: Literal["now", "beginning"] = Field(
        default="now",
        alias="from",
        description="`now`: changes from now on; `beginning`: every change on record first",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_url(value)


def _subscription_json(sub: SubscriptionRecord, head: int) -> dict[str, Any]:
    return {
        "id": sub.id,
        "url": sub.url,
        "description": sub.description,
        "created_at": iso(sub.created_at),
        "created_by": sub.created_by,
        "cursor": sub.cursor,
        "lag": max(head - sub.cursor, 0),
        "attempts": sub.attempts,
        "next_attempt_at": iso(sub.next_attempt_at),
        "last_error": sub.last_error,
    }


def _delivery_json(d: DeliveryRecord) -> dict[str, Any]:
    return {
        "id": d.id,
        "event_id": event_id(d.subscription_id, d.change_seq),
        "seq": d.change_seq,
        "attempt": d.attempt,
        "attempted_at": iso(d.attempted_at),
        "duration_ms": d.duration_ms,
        "status": d.status,
        "ok": d.ok,
        "error": d.error,
    }


async def _live(request: web.Request) -> SubscriptionRecord:
    sub = await request.app[STORE].subscription(request.match_info["id"])
    if sub is None or sub.deleted_at is not None:
        raise NotFound("no subscription with this id")
    return sub


@routes.post("/v1/subscriptions")
async def create(request: web.Request) -> web.Response:
    token = await authorize(request, Permission.ADMIN)
    body = await read_body(request, SubscriptionIn)
    store = request.app[STORE]
    record = SubscriptionRecord(
        id="sub_" + uuid.uuid4().hex[:16],
        url=body.url,
        secret=body.secret or _SECRET_PREFIX + secrets.token_urlsafe(32),
        created_at=datetime.now(UTC),
        description=body.description,
        created_by=token.id,
    )
    sub = await store.add_subscription(record, from_beginning=body.start == "beginning")
    worker = request.app.get(SUBSCRIBERS)
    if worker is not None:
        worker.wake()
    log.info("subscription.created", actor=token.id, subscription=sub.id, start=body.start)
    head = await store.feed_head()
    # The only answer that shows the secret: it is needed to check the signatures.
    return json_response({**_subscription_json(sub, head), "secret": sub.secret}, status=201)


@routes.get("/v1/subscriptions")
async def listing(request: web.Request) -> web.Response:
    await authorize(request, Permission.ADMIN)
    store = request.app[STORE]
    subs = await store.subscriptions()
    head = await store.feed_head()
    return json_response(
        {"head": head, "subscriptions": [_subscription_json(s, head) for s in subs]}
    )


@routes.get("/v1/subscriptions/{id}")
async def one(request: web.Request) -> web.Response:
    await authorize(request, Permission.ADMIN)
    sub = await _live(request)
    return json_response(_subscription_json(sub, await request.app[STORE].feed_head()))


@routes.delete("/v1/subscriptions/{id}")
async def delete(request: web.Request) -> web.Response:
    token = await authorize(request, Permission.ADMIN)
    subscription_id = request.match_info["id"]
    if not await request.app[STORE].delete_subscription(subscription_id, datetime.now(UTC)):
        raise NotFound("no subscription with this id")
    log.info("subscription.deleted", actor=token.id, subscription=subscription_id)
    return web.Response(status=204)


@routes.get("/v1/subscriptions/{id}/deliveries")
async def deliveries(request: web.Request) -> web.Response:
    """The delivery log, newest first; `next` is the `before` of the following page."""
    await authorize(request, Permission.ADMIN)
    limit = int_query(request, "limit", 100, 1, MAX_LOG_LIMIT)
    before = int_query(request, "before", None, 1, 2**63 - 1)
    sub = await _live(request)
    items = await request.app[STORE].deliveries(sub.id, before=before, limit=limit)
    following = items[-1].id if len(items) == limit else None
    return json_response({"items": [_delivery_json(d) for d in items], "next": following})
