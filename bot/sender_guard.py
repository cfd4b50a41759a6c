"""The sender health guard at work: reads what `bot.senders` derives from, records changes.

`overview` reads the notices (all time: Meta sends a few a week), the opt-outs and
complaints of the last two windows, the spam rate limit failures still in force, and the
business numbers of the newest events (with their WABAs), then derives. `running_guard`
looks every `CONSENTBOT_SENDER_CHECK_S` for a number or template whose health differs from
the last one recorded, and records the change as a `sender_changed` event, logged at
warning level. The event's key is the change itself (scope, id, health, since), so several
instances that see the same change record it once, and only the one that recorded it logs it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from bot.events import MARKETING, Event, Kind, Source
from bot.senders import (
    NOTICE_KINDS,
    SPAM_RATE_LIMIT_CODE,
    SPIKE_KINDS,
    Health,
    Overview,
    SenderState,
    derive,
    pause_for,
)
from bot.settings import Settings
from bot.state import SenderPause
from storage.base import EventRecord, Senders, StorageError, Store, StoreClosed

log = structlog.get_logger("consentbot.senders")

# The newest events in which the guard looks for the business numbers in use.
RECENT_EVENTS = 10_000
# Categories the guard holds: Meta's restrictions and quality ratings follow marketing.
GUARDED = frozenset({MARKETING})
CHANGE_KINDS = (Kind.SENDER_CHANGED.value, Kind.SENDER_RESUMED.value)


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


async def overview(
    store: Senders, settings: Settings, now: datetime, known: Iterable[str] = ()
) -> Overview:
    policy = settings.sender_policy
    notices = await store.events_since([k.value for k in NOTICE_KINDS])
    spikes = await store.events_since(
        [k.value for k in SPIKE_KINDS], now - 2 * policy.complaint_window
    )
    spam = await store.events_since(
        [Kind.FAILED.value],
        now - max(policy.spam_rate_limit_pause, timedelta(hours=24)),
        contains=f'"error_code":{SPAM_RATE_LIMIT_CODE}',
    )
    return derive(
        [*notices, *spikes, *spam],
        policy,
        now,
        numbers=settings.sender_display_numbers,
        known=known,
        wabas=await store.recent_numbers(RECENT_EVENTS),
    )


async def sender_pause(
    store: Senders,
    settings: Settings,
    category: str,
    phone_number_id: str | None,
    template: str | None,
) -> SenderPause | None:
    """What holds a send of `category` from this number with this template, if anything."""
    if category not in GUARDED or (phone_number_id is None and template is None):
        return None
    known = [phone_number_id] if phone_number_id is not None else []
    view = await overview(store, settings, datetime.now(UTC), known)
    state = pause_for(view, phone_number_id, template)
    if state is None or state.detail is None:
        return None
    return SenderPause(state.detail, state.until)


def state_json(state: SenderState) -> dict[str, Any]:
    return {
        "state": state.health.value,
        "since": _iso(state.since),
        "until": _iso(state.until),
        "detail": state.detail,
        "reasons": [
            {
                "cause": f.cause.value,
                "detail": f.detail,
                "state": f.health.value,
                "since": _iso(f.since),
                "until": _iso(f.until),
                "event_id": f.event_id,
            }
            for f in state.findings
        ],
    }


def change_event(state: SenderState, previous: str, now: datetime) -> Event:
    """The ledger's record of a change of health, keyed by the change itself."""
    since = state.since or now
    return Event(
        key=f"sender:{state.scope}:{state.id}:{state.health.value}:{_iso(since)}",
        kind=Kind.SENDER_CHANGED,
        source=Source.SYSTEM,
        occurred_at=since,
        received_at=now,
        phone_number_id=state.id if state.scope == "number" else None,
        evidence={
            "scope": state.scope,
            "id": state.id,
            "previous": previous,
            **state_json(state),
        },
    )


def last_recorded(changes: Sequence[EventRecord]) -> dict[tuple[str, str], str]:
    """The health last recorded per (scope, id): a resume counts as healthy."""
    out: dict[tuple[str, str], str] = {}
    for e in changes:
        scope, ident = e.evidence.get("scope"), e.evidence.get("id")
        if not isinstance(scope, str) or not isinstance(ident, str):
            continue
        if e.kind == Kind.SENDER_CHANGED.value:
            out[(scope, ident)] = str(e.evidence.get("state", Health.HEALTHY.value))
        else:
            out[(scope, ident)] = Health.HEALTHY.value
    return out


async def check(store: Store, settings: Settings, now: datetime | None = None) -> list[Event]:
    """Record every change of health since the last recorded one; the changes recorded."""
    now = now or datetime.now(UTC)
    view = await overview(store, settings, now)
    last = last_recorded(await store.events_since(list(CHANGE_KINDS)))
    changed = [
        change_event(state, last.get((state.scope, state.id), Health.HEALTHY.value), now)
        for state in (*view.numbers.values(), *view.templates.values())
        if state.health.value != last.get((state.scope, state.id), Health.HEALTHY.value)
    ]
    if not changed:
        return []
    result = await store.append(changed)
    recorded = [e for e, new in zip(changed, result.created, strict=True) if new]
    for e in recorded:
        log.warning(
            "sender.state_changed",
            scope=e.evidence["scope"],
            id=e.evidence["id"],
            state=e.evidence["state"],
            previous=e.evidence["previous"],
            detail=e.evidence["detail"],
            until=e.evidence["until"],
            causes=[r["cause"] for r in e.evidence["reasons"]],
        )
    return recorded


@contextlib.asynccontextmanager
async def running_guard(store: Store, settings: Settings) -> AsyncIterator[None]:
    """Checks for changes every `sender_check_s` while the app runs (never when 0)."""
    if settings.sender_check_s <= 0:
        yield
        return

    async def loop() -> None:
        failing = False
        while True:
            try:
                await check(store, settings)
            except StoreClosed:
                return
            except StorageError as exc:
                if not failing:
                    log.warning("sender.check_failed", error=str(exc))
                failing = True
            except Exception:
                log.exception("sender.check_failed")
            else:
                failing = False
            await asyncio.sleep(settings.sender_check_s)

    task = asyncio.create_task(loop(), name="sender-guard")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
