"""The outbox worker: POSTs every eligibility change to each subscriber's webhook.

Every change is a row in the store's `changes` outbox, written in the transaction that
caused it. Each subscription delivers the changes after its cursor one at a time, in
order, so a receiver sees a subject's changes in the order they happened. A failed
attempt (an answer other than 2xx, a timeout, no connection) is logged and the same
change is tried again after a back-off that doubles each time; nothing later is sent
before it goes through. Everything is in the database, so retries go on after a restart.

Several instances share the work: an instance delivers a subscription only while it
holds the subscription's lease, taken with a conditional UPDATE and renewed with each
delivery. A lease ends by itself when its instance dies, and another instance carries on
from the cursor. A delivery whose outcome was not recorded (the instance died, or lost
the lease while it waited for the answer) is sent again later with the same event id:
deliveries are at least once, and receivers drop repeats by id.

Subscriptions are delivered concurrently, one request in flight each, so a slow or
failing receiver delays only its own subscription.
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
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import aiohttp
import structlog

from bot import __version__
from bot.outbox_rules import event_body, event_id, retry_delay, signed_headers
from bot.settings import Settings
from bot.summary import Reader
from storage.base import (
    DeliveryRecord,
    FeedEntry,
    StorageError,
    Store,
    StoreClosed,
    SubscriptionRecord,
)

log = structlog.get_logger("consentbot.outbox")

# Subscriptions delivered at once by one instance; the rest wait for a free place.
MAX_RUNNING = 100
# Changes read from the outbox per query while a subscription catches up.
READ_BATCH = 100
# A lease outlives the longest request by this much, so that it never runs out under a
# delivery that is still going well (the store's write and a busy loop take time too).
LEASE_MARGIN_S = 30.0
# On shutdown, requests in flight get at most this long to finish and be recorded; the
# rest are abandoned and sent again later.
SHUTDOWN_GRACE_S = 5.0
# How often an instance prunes the outbox and the delivery log past their retention.
PRUNE_EVERY = timedelta(hours=1)
_MAX_ERROR = 500


class SubscriberWorker:
    """Finds subscriptions with changes to deliver, takes their leases, delivers."""

    def __init__(
        self,
        store: Store,
        session: aiohttp.ClientSession,
        reader: Reader,
        *,
        poll_s: float,
        timeout_s: float,
        backoff_base_s: float,
        backoff_max_s: float,
        lease_s: float | None = None,
        retention: timedelta | None = None,
        owner: str | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._session = session
        self._reader = reader
        self._poll_s = poll_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._timeout_s = timeout_s
        self._base_s = backoff_base_s
        self._max_s = backoff_max_s
        self._lease = timedelta(
            seconds=lease_s if lease_s is not None else timeout_s + LEASE_MARGIN_S
        )
        # Names this instance in the leases it holds: readable, and unique per start.
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._rand = rand
        self._retention = retention
        self._pruned_at: datetime | None = None
        self._running: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._stopping = False
        self._poller: asyncio.Task[None] | None = None
        self._claimed = False  # whether there can be leases to let go of at the end
        self._failing = False  # whether the last poll failed (an outage is logged once)

    @classmethod
    def from_settings(
        cls, store: Store, session: aiohttp.ClientSession, settings: Settings
    ) -> SubscriberWorker:
        return cls(
            store,
            session,
            Reader(settings.policy),
            poll_s=settings.subscriber_poll_ms / 1000,
            timeout_s=settings.subscriber_timeout_ms / 1000,
            backoff_base_s=settings.subscriber_backoff_base_ms / 1000,
            backoff_max_s=settings.subscriber_backoff_max_ms / 1000,
            retention=(
                timedelta(days=settings.outbox_retention_days)
                if settings.outbox_retention_days
                else None
            ),
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._poller is None:
            self._poller = asyncio.create_task(self._poll(), name="subscriber-poller")

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    async def stop(self, grace_s: float | None = None) -> None:
        """Start nothing new; give requests in flight `grace_s` to finish and be recorded,
        abandon the rest (their changes are sent again later), and let go of the leases."""
        self._stopping = True
        self._wake.set()
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        running = list(self._running.values())
        if running:
            grace = grace_s if grace_s is not None else min(self._timeout_s, SHUTDOWN_GRACE_S)
            _, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if pending:
                log.warning("subscriber.abandoned", subscriptions=len(pending))
        if self._claimed:
            with contextlib.suppress(StorageError):
                await self._store.release_subscriptions(self.owner)

    # -- finding work ------------------------------------------------------------------------

    async def _poll(self) -> None:
        while not self._stopping:
            try:
                await self._start_due()
                await self._prune_when_due()
            except StoreClosed:
                return
            except Exception as exc:
                if self._failing:
                    pass  # logged once per outage, not once per poll
                elif isinstance(exc, StorageError):
                    log.warning("subscriber.poll_failed", error=str(exc))
                else:
                    log.exception("subscriber.poll_failed")
                self._failing = True
            else:
                if self._failing:
                    log.info("subscriber.poll_recovered")
                self._failing = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_s)
            self._wake.clear()

    async def _start_due(self) -> None:
        room = MAX_RUNNING - len(self._running)
        if room <= 0:
            return
        for due in await self._store.due_subscriptions(_now(), room):
            if self._stopping:
                return
            if due.id in self._running:
                continue
            now = _now()
            self._claimed = True  # before: a claim cut short by stop() may still commit
            sub = await self._store.claim_subscription(due.id, self.owner, now, now + self._lease)
            if sub is None:  # another instance took it first
                continue
            task = asyncio.create_task(self._deliver_pending(sub), name=f"subscriber-{sub.id}")
            self._running[sub.id] = task
            task.add_done_callback(functools.partial(self._finished, sub.id))

    async def prune(self, now: datetime) -> tuple[int, int]:
        """Delete the changes every subscription has been given and the delivery log's
        attempts older than the retention; return how many of each."""
        if self._retention is None:
            return 0, 0
        changes, attempts = await self._store.prune_outbox(now - self._retention)
        self._pruned_at = now
        if changes or attempts:
            log.info("subscriber.pruned", changes=changes, attempts=attempts)
        return changes, attempts

    async def _prune_when_due(self) -> None:
        now = _now()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            await self.prune(now)

    def _finished(self, subscription_id: str, _: asyncio.Task[None]) -> None:
        self._running.pop(subscription_id, None)

    # -- delivering --------------------------------------------------------------------------

    async def _deliver_pending(self, sub: SubscriptionRecord) -> None:
        """Deliver the changes after the cursor, in order, until one fails, none is left,
        the lease is lost or the worker stops; then let go of the lease."""
        cursor, failures = sub.cursor, sub.attempts
        try:
            while not self._stopping:
                changes = await self._store.changes(cursor, READ_BATCH)
                if not changes:
                    return
                for change in changes:
                    if self._stopping:
                        return
                    ok, moved = await self._deliver(sub, change, failures + 1)
                    if not (ok and moved):
                        return  # the failure waits for its back-off; a lost lease is another's
                    cursor, failures = change.seq, 0
        except StorageError as exc:
            # The outcome of the request in flight may be unrecorded: the change goes out
            # again once the lease has run out (same event id).
            log.warning("subscriber.store_failed", subscription=sub.id, error=str(exc))
        except Exception:
            log.exception("subscriber.failed", subscription=sub.id)
        finally:
            with contextlib.suppress(StorageError):
                await self._store.release_subscriptions(self.owner, [sub.id])

    async def _deliver(
        self, sub: SubscriptionRecord, change: FeedEntry, attempt: int
    ) -> tuple[bool, bool]:
        """One attempt at one change, recorded: (delivered, subscription moved on)."""
        event = event_id(sub.id, change.seq)
        body = event_body(
            sub.id,
            seq=change.seq,
            subject=change.subject_id,
            phone=change.phone,
            user_id=change.user_id,
            categories=self._reader.doc(change.summary),
            changed_at=change.changed_at,
        )
        attempted_at = _now()
        headers = signed_headers(sub.secret, event, int(time.time()), body)
        started = time.perf_counter()
        status, error = await self._post(sub.url, body, headers)
        ms = (time.perf_counter() - started) * 1000
        ok = status is not None and 200 <= status < 300
        if not ok and error is None:
            error = f"HTTP {status}"
        retry_at = None
        if not ok:
            delay = retry_delay(attempt, self._base_s, self._max_s, self._rand())
            retry_at = _now() + timedelta(seconds=delay)
        moved = await self._store.record_delivery(
            DeliveryRecord(
                subscription_id=sub.id,
                change_seq=change.seq,
                attempt=attempt,
                attempted_at=attempted_at,
                duration_ms=round(ms),
                ok=ok,
                status=status,
                error=error,
            ),
            owner=self.owner,
            lease_until=_now() + self._lease,
            retry_at=retry_at,
        )
        # One line per attempt. The error's text stays in the delivery log: it may quote the
        # URL, and a URL may carry the receiver's own credentials.
        (log.info if ok else log.warning)(
            "subscriber.delivery",
            subscription=sub.id,
            event_id=event,
            attempt=attempt,
            status=status,
            ok=ok,
            ms=round(ms, 2),
            failure=None if ok else (_kind(error) if status is None else "status"),
            retry_at=retry_at.isoformat() if retry_at else None,
            lease_lost=not moved,
        )
        return ok, moved

    async def _post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int | None, str | None]:
        """(HTTP status, None) when the subscriber answered; (None, why) when it did not."""
        try:
            async with self._session.post(
                url,
                data=body,
                headers=headers,
                timeout=self._timeout,
                # A redirect is not an acknowledgement, and following one would send the
                # signed body to a host the admin never registered.
                allow_redirects=False,
            ) as response:
                return response.status, None
        except TimeoutError:
            return None, f"no answer within {self._timeout_s:g} s"
        except aiohttp.ClientError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]
        except (OSError, ValueError) as exc:  # an unresolvable or malformed address
            return None, f"{type(exc).__name__}: {exc}"[:_MAX_ERROR]


def _now() -> datetime:
    return datetime.now(UTC)


def _kind(error: str | None) -> str:
    """What kind of failure an error text describes, without the text."""
    if error is None or error.startswith("no answer within"):
        return "timeout"
    return error.partition(":")[0]


@contextlib.asynccontextmanager
async def running_worker(store: Store, settings: Settings) -> AsyncIterator[SubscriberWorker]:
    """A started worker with its own HTTP session; stopped, and its leases let go, on exit."""
    async with aiohttp.ClientSession(
        headers={"User-Agent": f"consentbot-webhooks/{__version__}"},
        # Keep-alive to each subscriber, but never unbounded: one request per subscription.
        connector=aiohttp.TCPConnector(limit=MAX_RUNNING, limit_per_host=MAX_RUNNING),
    ) as session:
        worker = SubscriberWorker.from_settings(store, session, settings)
        worker.start()
        try:
            yield worker
        finally:
            await worker.stop()
