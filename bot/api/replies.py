"""The reply outbox (admin): replies that failed for good, and retrying them.

Replies are sent by the reply worker (`bot.reply_worker`); what is sent and when is in
`bot.replies`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import structlog
from aiohttp import web

from bot.api.common import authorize, int_query, iso, json_response
from bot.auth import Permission
from bot.errors import Conflict, NotFound
from bot.keys import REPLIES, STORE
from storage.base import ReplyRecord

routes = web.RouteTableDef()
log = structlog.get_logger("consentbot.replies")

MAX_LIMIT = 500


def reply_json(r: ReplyRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "event_id": r.event_id,
        "kind": r.kind,
        "phone_number_id": r.phone_number_id,
        "to": r.recipient,
        "language": r.language,
        "status": r.status,
        "attempts": r.attempts,
        "http_status": r.http_status,
        "error": r.error,
        "wamid": r.wamid,
        "created_at": iso(r.created_at),
        "expires_at": iso(r.expires_at),
        "next_attempt_at": iso(r.next_attempt_at) if r.status == "pending" else None,
        "finished_at": iso(r.finished_at),
        "message": dict(r.body),
    }


@routes.get("/v1/replies/dead")
async def dead(request: web.Request) -> web.Response:
    """Replies that failed for good, newest first; `next` is the `before` of the next page."""
    await authorize(request, Permission.ADMIN)
    limit = int_query(request, "limit", 50, 1, MAX_LIMIT)
    before = request.query.get("before")
    items = await request.app[STORE].dead_replies(before=before, limit=limit)
    return json_response(
        {
            "items": [reply_json(r) for r in items],
            "next": items[-1].id if len(items) == limit else None,
        }
    )


@routes.post("/v1/replies/{reply_id}/retry")
async def retry(request: web.Request) -> web.Response:
    """Send a dead reply again (its attempts counted anew; still only inside the window)."""
    token = await authorize(request, Permission.ADMIN)
    store = request.app[STORE]
    reply_id = request.match_info["reply_id"]
    retried = await store.retry_reply(reply_id, datetime.now(UTC))
    if retried is None:
        found = await store.reply(reply_id)
        if found is None:
            raise NotFound("no reply with this id")
        raise Conflict(f"this reply is {found.status}, not dead", code="not_dead")
    log.info("reply.retried", actor=token.id, reply=reply_id)
    worker = request.app.get(REPLIES)
    if worker is not None:
        worker.wake()
    return json_response(reply_json(retried))
