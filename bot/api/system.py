"""Health, readiness, metrics, the OpenAPI document and the admin's quarantine list."""

from __future__ import annotations

import base64

from aiohttp import web

from bot.api.common import authorize, iso, json_response
from bot.api.openapi import document
from bot.auth import Permission
from bot.errors import BadRequest
from bot.keys import METRICS, STORE

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    await request.app[STORE].ping()  # StoreUnavailable becomes a 503 in the middleware
    return json_response({"status": "ready"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    return web.Response(
        text=request.app[METRICS].render(), content_type="text/plain", charset="utf-8"
    )


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return json_response(document())


@routes.get("/v1/admin/quarantine")
async def quarantine(request: web.Request) -> web.Response:
    await authorize(request, Permission.ADMIN)
    try:
        limit = int(request.query.get("limit", "100"))
    except ValueError:
        raise BadRequest("`limit` must be a whole number") from None
    if not 1 <= limit <= 1000:
        raise BadRequest("`limit` must be between 1 and 1000")
    items = await request.app[STORE].quarantined(limit)
    return json_response(
        {
            "items": [
                {
                    "id": q.id,
                    "received_at": iso(q.received_at),
                    "reason": q.reason,
                    "size": len(q.body),
                    "body_base64": base64.b64encode(q.body).decode(),
                }
                for q in items
            ]
        }
    )
