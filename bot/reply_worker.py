"""The reply worker: sends the reply outbox through the Graph API.

Each reply is a row written in the transaction of the event that called for it
(`bot.replies` says which; `reply_rule` hands that to the store). The worker finds due
rows, takes each one's lease in the database (so several instances never send one reply
at once; a lease ends by itself when its instance dies) and sends it off the request path:
webhook ingest never waits on Meta.

An answer of 2xx marks the reply sent, with the id Meta gave it. No answer, 5xx and
throttling (HTTP 429, Graph codes 130429 and 131056) are tried again after a back-off that
doubles each time; after `CONSENTBOT_REPLY_MAX_ATTEMPTS` failures, or at once for any
other 4xx, the reply is dead: an admin reads the dead ones and may retry them
(`bot.api.replies`). A reply whose customer-service window has closed is never sent
(`expired`). A reply whose outcome was not recorded (the instance died mid-request) is
sent again once its lease has run out: replies are at least once, so rarely twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import secrets
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta

import aiohttp
import structlog

from bot import __version__
from bot.graph import GraphClient
from bot.intent import Lexicon
from bot.ledger import from_record
from bot.outbox_rules import retry_delay
from bot.replies import outcome, replies_for
from bot.settings import Settings
from storage.base import (
    NewEvent,
    NewReply,
    ReplyOutcome,
    ReplyRecord,
    ReplyRule,
    StorageError,
    Store,
    StoreClosed,
)

log = structlog.get_logger("consentbot.replies")

# Replies sent at once by one instance; the rest wait for a free place.
MAX_RUNNING = 50
# A lease outlives the longest request by this much (see `bot.outbox.LEASE_MARGIN_S`).
LEASE_MARGIN_S = 30.0
SHUTDOWN_GRACE_S = 5.0


def reply_rule(settings: Settings, lexicon: Lexicon) -> ReplyRule | None:
    """What the store writes to the reply outbox for new events; None when replies are off."""
    if not settings.replies_enabled:
        return None
    language = settings.reply_language

    def rule(events: Sequence[NewEvent]) -> Sequence[NewReply]:
        return replies_for([from_record(e) for e in events], lexicon, language, _now())

    return rule


class ReplyWorker:
    """Finds due replies, takes their leases, sends them."""

    def __init__(
        self,
        store: Store,
        client: GraphClient,
        *,
        poll_s: float,
        timeout_s: float,
        backoff_base_s: float,
        backoff_max_s: float,
        max_attempts: int,
        owner: str | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._client = client
        self._poll_s = poll_s
        self._timeout_s = timeout_s
        self._base_s = backoff_base_s
        self._max_s = backoff_max_s
        self._max_attempts = max_attempts
        self._lease = timedelta(seconds=timeout_s + LEASE_MARGIN_S)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._rand = rand
        self._running: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._poller: asyncio.Task[None] | None = None
        self._failing = False

    @classmethod
    def from_settings(
        cls, store: Store, session: aiohttp.ClientSession, settings: Settings
    ) -> ReplyWorker:
        if settings.access_token is None:
            raise ValueError("replies need CONSENTBOT_ACCESS_TOKEN")
        timeout_s = settings.reply_timeout_ms / 1000
        client = GraphClient(
            session, settings.graph_api_url, settings.access_token, timeout_s=timeout_s
        )
        return cls(
            store,
            client,
            poll_s=settings.reply_poll_ms / 1000,
            timeout_s=timeout_s,
            backoff_base_s=settings.reply_backoff_base_ms / 1000,
            backoff_max_s=settings.reply_backoff_max_ms / 1000,
            max_attempts=settings.reply_max_attempts,
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._poller is None:
            self._poller = asyncio.create_task(self._poll(), name="reply-poller")

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Start nothing new; give requests in flight a moment, abandon the rest (they are
        sent again once their leases run out)."""
        self._stopping = True
        self._wake.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        running = list(self._running.values())
        if running:
            _, pending = await asyncio.wait(running, timeout=min(self._timeout_s, SHUTDOWN_GRACE_S))
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    # -- finding work ------------------------------------------------------------------------

    async def _poll(self) -> None:
        while not self._stopping:
            try:
                await self.start_due()
            except StoreClosed:
                return
            except Exception as exc:
                if not self._failing:  # once per outage, not once per poll
                    if isinstance(exc, StorageError):
                        log.warning("reply.poll_failed", error=str(exc))
                    else:
                        log.exception("reply.poll_failed")
                self._failing = True
            else:
                if self._failing:
                    log.info("reply.poll_recovered")
                self._failing = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_s)
            self._wake.clear()

    async def start_due(self) -> int:
        """Claim due replies and start sending them; how many were started."""
        room = MAX_RUNNING - len(self._running)
        started = 0
        if room <= 0:
            return started
        for due in await self._store.due_replies(_now(), room):
            if self._stopping:
                break
            if due.id in self._running:
                continue
            now = _now()
            reply = await self._store.claim_reply(due.id, self.owner, now, now + self._lease)
            if reply is None:  # another instance took it first
                continue
            task = asyncio.create_task(self._send(reply), name=f"reply-{reply.id}")
            self._running[reply.id] = task
            task.add_done_callback(functools.partial(self._finished, reply.id))
            started += 1
        return started

    def _finished(self, reply_id: str, _: asyncio.Task[None]) -> None:
        self._running.pop(reply_id, None)

    # -- sending -----------------------------------------------------------------------------

    async def _send(self, reply: ReplyRecord) -> None:
        try:
            await self._attempt(reply)
        except StorageError as exc:
            log.warning("reply.store_failed", reply=reply.id, error=str(exc))
        except Exception:
            log.exception("reply.failed", reply=reply.id)

    async def _attempt(self, reply: ReplyRecord) -> None:
        """One attempt at one reply, recorded (phone numbers and texts stay out of the log)."""
        attempt = reply.attempts + 1
        now = _now()
        if now >= reply.expires_at:
            await self._record(reply, ReplyOutcome(reply.id, "expired", reply.attempts, now), 0)
            return
        started = time.perf_counter()
        answer = await self._client.send(reply.phone_number_id, reply.body)
        ms = (time.perf_counter() - started) * 1000
        result = outcome(answer.status, answer.error_code)
        retry_at = None
        if result == "retry" and attempt >= self._max_attempts:
            result = "dead"
        elif result == "retry":
            delay = retry_delay(attempt, self._base_s, self._max_s, self._rand())
            retry_at = _now() + timedelta(seconds=delay)
        status = "pending" if result == "retry" else result
        done = ReplyOutcome(
            reply.id,
            status,
            attempt,
            _now(),
            retry_at=retry_at,
            http_status=answer.status,
            error=answer.error,
            wamid=answer.wamid,
        )
        await self._record(reply, done, ms, answer.error_code)

    async def _record(
        self, reply: ReplyRecord, done: ReplyOutcome, ms: float, error_code: int | None = None
    ) -> None:
        moved = await self._store.record_reply(done, owner=self.owner)
        (log.info if done.status in ("sent", "expired") else log.warning)(
            "reply.attempt",
            reply=reply.id,
            event_id=reply.event_id,
            kind=reply.kind,
            language=reply.language,
            phone_number_id=reply.phone_number_id,
            attempt=done.attempts,
            outcome=done.status,
            http_status=done.http_status,
            error_code=error_code,
            ms=round(ms, 2),
            retry_at=done.retry_at.isoformat() if done.retry_at else None,
            lease_lost=not moved,
        )


def _now() -> datetime:
    return datetime.now(UTC)


@contextlib.asynccontextmanager
async def running_replies(store: Store, settings: Settings) -> AsyncIterator[ReplyWorker | None]:
    """A started reply worker with its own HTTP session, or None (and the reason logged)
    when replies are off."""
    if not settings.replies_enabled:
        off = settings.replies == "off"
        log.warning(
            "replies.off",
            reason="CONSENTBOT_REPLIES=off" if off else "CONSENTBOT_ACCESS_TOKEN is not set",
            detail="no confirmation, HELP answer or clarifying question is sent to customers",
        )
        yield None
        return
    async with aiohttp.ClientSession(
        headers={"User-Agent": f"consentbot/{__version__}"},
        connector=aiohttp.TCPConnector(limit=MAX_RUNNING),
    ) as session:
        worker = ReplyWorker.from_settings(store, session, settings)
        worker.start()
        log.info("replies.on", graph_api_url=settings.graph_api_url)
        try:
            yield worker
        finally:
            await worker.stop()
