"""The application factory: `create_app(settings, store=None)` builds everything, at call time."""

from __future__ import annotations

import contextlib
import itertools
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

import structlog
from aiohttp import web

from bot.api import routes as api_routes
from bot.errors import ApiError, error_response
from bot.intent import ButtonMap, load_lexicon
from bot.keys import (
    BUTTONS,
    LEXICON,
    METRICS,
    REPLIES,
    REQUEST_ID,
    SETTINGS,
    STORE,
    SUBSCRIBERS,
)
from bot.ledger import make_projector, projector_id
from bot.metrics import Metrics
from bot.outbox import running_worker
from bot.reply_worker import reply_rule, running_replies
from bot.sender_guard import running_guard
from bot.settings import Settings
from bot.whatsapp import routes as webhook_routes
from storage.base import StorageError, Store, StoreUnavailable
from storage.open import migrates_at_start, open_store

log = structlog.get_logger("consentbot")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


# Request ids: a random per-process prefix and a counter (cheaper than a uuid per request).
_ID_PREFIX = secrets.token_hex(4) + "-"
_ID_COUNTER = itertools.count(1)


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind a request id, shape every error, count requests by route and status."""
    request_id = request.headers.get("X-Request-Id") or f"{_ID_PREFIX}{next(_ID_COUNTER):x}"
    request[REQUEST_ID] = request_id
    structlog.contextvars.bind_contextvars(request_id=request_id)
    route = request.match_info.route.resource
    name = route.canonical if route is not None else "unmatched"
    try:
        response = await _shaped(request, handler)
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    request.app[METRICS].requests[(name, response.status)] += 1
    return response


async def _stamp_request_id(request: web.Request, response: web.StreamResponse) -> None:
    """Every answer carries its request id, streamed ones too (their headers go out before
    the handler returns)."""
    request_id = request.get(REQUEST_ID)
    if request_id is not None:
        response.headers["X-Request-Id"] = request_id


async def _shaped(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, **exc.details)
    except StoreUnavailable as exc:
        log.error("storage.unavailable", error=str(exc))
        return error_response(503, "storage_unavailable", "storage is unavailable, retry later")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        response = error_response(exc.status, code, exc.reason)
        if exc.status == 405 and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except Exception:
        log.exception("request.failed", path=request.path)
        return error_response(500, "internal_error", "internal error")


def create_app(settings: Settings, *, store: Store | None = None) -> web.Application:
    """Build the application. With `store=None` it opens the one `settings` names."""
    app = web.Application(middlewares=[request_context], client_max_size=settings.max_body_bytes)
    app.on_response_prepare.append(_stamp_request_id)
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    buttons = ButtonMap.default()
    if settings.buttons_file is not None:
        try:
            buttons = buttons.merged(ButtonMap.from_file(settings.buttons_file))
        except OSError as exc:
            raise ValueError(f"CONSENTBOT_BUTTONS_FILE cannot be read: {exc.strerror}") from exc
    app[BUTTONS] = buttons
    try:
        app[LEXICON] = load_lexicon(settings.lexicon_file)
    except OSError as exc:
        raise ValueError(f"CONSENTBOT_LEXICON_FILE cannot be read: {exc.strerror}") from exc
    app.cleanup_ctx.append(_store_context(settings, store))
    if settings.subscriber_worker:
        app.cleanup_ctx.append(_subscriber_worker)  # stops before the store closes
    app.cleanup_ctx.append(_reply_worker)
    app.cleanup_ctx.append(_sender_guard)
    webhook_routes.install(app)
    app.add_routes(api_routes.routes)
    return app


def _store_context(
    settings: Settings, given: Store | None
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        if given is not None:
            app[STORE] = given
            yield
            return
        async with opened_store(settings) as store:
            app[STORE] = store
            yield

    return context


async def _subscriber_worker(app: web.Application) -> AsyncIterator[None]:
    """Deliveries to subscribers' webhooks (see `bot.outbox`), for as long as the app runs."""
    async with running_worker(app[STORE], app[SETTINGS]) as worker:
        app[SUBSCRIBERS] = worker
        yield


async def _reply_worker(app: web.Application) -> AsyncIterator[None]:
    """Replies to customers through the Graph API (see `bot.reply_worker`), when on."""
    async with running_replies(app[STORE], app[SETTINGS]) as worker:
        if worker is not None:
            app[REPLIES] = worker
        yield


async def _sender_guard(app: web.Application) -> AsyncIterator[None]:
    """Records and alerts changes of senders' health (see `bot.sender_guard`)."""
    async with running_guard(app[STORE], app[SETTINGS]):
        yield


@contextlib.asynccontextmanager
async def opened_store(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Store]:
    """The store the settings name, migrated (unless told not to), with projections made by
    today's rules.

    PostgreSQL is shared by several instances and migrated only by `consentbot migrate`:
    with migrations pending, this fails (StorageError) instead of serving an old schema.
    """
    store = open_store(
        settings.database_url,
        make_projector(settings.policy),
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        pool_size=settings.postgres_pool_size,
        replies=(
            reply_rule(settings, load_lexicon(settings.lexicon_file))
            if settings.replies_enabled
            else None
        ),
    )
    await store.open()
    try:
        if not migrate:
            yield store
            return
        if migrates_at_start(settings.database_url):
            await store.migrate()
        else:
            pending = await store.pending_migrations()
            if pending:
                log.error("store.migrations_pending", pending=pending)
                raise StorageError(
                    f"the database needs migrations ({', '.join(pending)}): "
                    "run `consentbot migrate` first"
                )
        try:
            redone = await store.refresh_projections(projector_id(settings.policy))
        except StoreUnavailable as exc:
            # A read-only or locked database still serves reads (and answers 503 to writes);
            # the next start re-derives.
            log.error("store.projections_not_rederived", error=str(exc))
        else:
            if redone:
                log.warning("store.projections_rederived", subjects=redone)
        yield store
    finally:
        await store.close()
