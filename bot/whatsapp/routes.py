"""`/webhook/whatsapp`: Meta's verification handshake and its signed deliveries.

A delivery is acknowledged (200) only once its events, or the body in quarantine, are
committed: Meta retries anything else for days, and an acknowledged opt-out that was
not stored would be an opt-out lost.
"""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime

import structlog
from aiohttp import web

from bot.errors import error_response
from bot.keys import BUTTONS, LEXICON, METRICS, SETTINGS, STORE
from bot.metrics import Metrics
from bot.whatsapp import signature
from bot.whatsapp.batch import BatchReader, Unreadable
from storage.base import QuarantineRecord, StoreUnavailable

routes = web.RouteTableDef()
log = structlog.get_logger("consentbot.webhook")
READER = web.AppKey("webhook_reader", BatchReader)


def install(app: web.Application) -> None:
    """Add the webhook's routes, and its batch reader (for the app's buttons and lexicon)."""
    app[READER] = BatchReader(app[BUTTONS], app[LEXICON])
    app.add_routes(routes)


@routes.get("/webhook/whatsapp")
async def verify(request: web.Request) -> web.Response:
    """Meta's handshake: echo `hub.challenge` when the verify token matches."""
    settings = request.app[SETTINGS]
    expected = settings.verify_token.get_secret_value() if settings.verify_token else ""
    given = request.query.get("hub.verify_token", "")
    mode_ok = request.query.get("hub.mode") == "subscribe"
    token_ok = bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
    if mode_ok and token_ok and "hub.challenge" in request.query:
        log.info("webhook.verified")
        return web.Response(text=request.query["hub.challenge"])
    log.warning("webhook.verification_refused", mode_ok=mode_ok, token_ok=token_ok)
    return error_response(403, "forbidden", "verification failed: wrong mode or verify token")


@routes.post("/webhook/whatsapp")
async def deliver(request: web.Request) -> web.Response:
    try:
        return await _deliver(request)
    except StoreUnavailable:
        # Not acknowledged: Meta delivers it again later, so nothing is lost.
        request.app[METRICS].deliveries["unavailable"] += 1
        raise


async def _deliver(request: web.Request) -> web.Response:
    started = time.perf_counter()
    app = request.app
    settings, metrics = app[SETTINGS], app[METRICS]
    if (request.content_length or 0) > settings.max_body_bytes:
        return _done(metrics, started, "too_large", 413, "body over the size limit")
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _done(metrics, started, "too_large", 413, "body over the size limit")
    secret = settings.app_secret.get_secret_value().encode() if settings.app_secret else b""
    verdict = signature.check(body, request.headers.get("X-Hub-Signature-256"), secret)
    if verdict is signature.Verdict.MISSING:
        return _done(metrics, started, "unsigned", 401, "X-Hub-Signature-256 is missing")
    if verdict is signature.Verdict.MISMATCH:
        return _done(metrics, started, "bad_signature", 403, "X-Hub-Signature-256 does not match")

    received_at = datetime.now(UTC)
    store = app[STORE]
    extraction = await app[READER].read(body, received_at)
    if isinstance(extraction, Unreadable):
        reason = extraction.reason
        result = await store.append([], quarantine=QuarantineRecord(received_at, reason, body))
        log.warning("webhook.quarantined", reason=reason, quarantine_id=result.quarantine_id)
        return _done(metrics, started, "quarantined", 200)

    quarantine = None
    if extraction.problems:
        quarantine = QuarantineRecord(received_at, "; ".join(extraction.problems), body)
    result = await store.append(extraction.events, quarantine=quarantine)

    kinds: dict[str, int] = {}
    for event, created in zip(extraction.events, result.created, strict=True):
        kind = event.kind.value
        kinds[kind] = kinds.get(kind, 0) + 1
        metrics.events[(kind, "new" if created else "duplicate")] += 1
    outcome = "partly_quarantined" if quarantine else "recorded"
    extra: dict[str, object] = {}
    if extraction.ignored_fields:
        extra["ignored_fields"] = extraction.ignored_fields
    if quarantine:
        extra.update(problems=extraction.problems, quarantine_id=result.quarantine_id)
    log.info(
        "webhook.delivery",
        outcome=outcome,
        events=len(extraction.events),
        new=sum(result.created),
        kinds=kinds,
        ms=round((time.perf_counter() - started) * 1000, 2),
        **extra,
    )
    return _done(metrics, started, outcome, 200)


def _done(
    metrics: Metrics, started: float, outcome: str, status: int, message: str = ""
) -> web.Response:
    metrics.deliveries[outcome] += 1
    metrics.observe_webhook(time.perf_counter() - started)
    if status == 200:
        return web.Response(text="ok")
    log.warning("webhook.refused", outcome=outcome, status=status)
    code = {401: "unauthorized", 403: "forbidden", 413: "payload_too_large"}[status]
    return error_response(status, code, message)
