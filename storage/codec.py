"""Conversions between records and the column values both SQL backends store."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, Protocol

import pydantic_core

from storage.base import (
    Appendable,
    DeliveryRecord,
    EventRecord,
    NewEvent,
    NewReply,
    PreparedEvent,
    Projection,
    Projector,
    ReplyRecord,
    SubscriptionRecord,
    TokenRecord,
)


class Row(Protocol):
    """A row as a driver returns it: a tuple (sqlite3) or a record (asyncpg)."""

    def __getitem__(self, index: int) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


_SPACE = re.compile(r"\s")

EVENT_COLUMNS = (
    "id, key, kind, source, occurred_at, received_at, identity_keys, phone, wa_id, user_id, "
    "categories, phone_number_id, waba_id, actor, language, evidence"
)


def ts(value: datetime) -> str:
    """Fixed-width UTC text (`2026-09-13T10:00:00.000000+00:00`), so text order is time order."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def parse_ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def us(value: datetime) -> int:
    """Microseconds since the Unix epoch: the ledger's event times (exact, cheap to compare)."""
    return (value - EPOCH) // _US


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def dumps(value: object) -> str:
    """Compact JSON text (pydantic-core's encoder: several times faster than json.dumps)."""
    return pydantic_core.to_json(value).decode()


def words(items: Iterable[str]) -> str:
    """Space-separated words; a word with whitespace in it would not come back whole."""
    items = tuple(items)
    for word in items:
        if not word or _SPACE.search(word):
            raise ValueError("identity keys and categories are single words")
    return " ".join(items)


def event_params(e: NewEvent) -> tuple[Any, ...]:
    return (
        e.id,
        e.key,
        e.kind,
        e.source,
        us(e.occurred_at),
        us(e.received_at),
        words(e.identity_keys),
        e.phone,
        e.wa_id,
        e.user_id,
        words(e.categories),
        e.phone_number_id,
        e.waba_id,
        e.actor,
        e.language,
        dumps(dict(e.evidence)) if e.evidence else "{}",
    )


def prepare(event: NewEvent, projector: Projector) -> PreparedEvent:
    """The event as a row, with the projection it derives on its own (see `PreparedEvent`)."""
    return PreparedEvent(
        event.id, tuple(event.identity_keys), event_params(event), projector([event])
    )


def row_of(event: Appendable) -> tuple[Any, ...]:
    """The column values of a new event (`event_params`), prepared or not."""
    return event.row if isinstance(event, PreparedEvent) else event_params(event)


def project(projector: Projector, events: Sequence[Appendable], *, new: bool) -> Projection:
    """The projection of a subject from its events: a new subject of one prepared event
    takes the one that came with it; otherwise prepared events are read back from their rows.
    """
    if new and len(events) == 1 and isinstance(events[0], PreparedEvent):
        return events[0].alone
    return projector(
        [event_from_row((None, *e.row)) if isinstance(e, PreparedEvent) else e for e in events]
    )


def event_from_row(r: Row) -> EventRecord:
    """A record from a row laid out as `seq, ` + EVENT_COLUMNS."""
    return EventRecord(
        seq=r[0],
        id=r[1],
        key=r[2],
        kind=r[3],
        source=r[4],
        occurred_at=from_us(r[5]),
        received_at=from_us(r[6]),
        identity_keys=tuple(r[7].split()),
        phone=r[8],
        wa_id=r[9],
        user_id=r[10],
        categories=tuple(r[11].split()),
        phone_number_id=r[12],
        waba_id=r[13],
        actor=r[14],
        language=r[15],
        evidence=pydantic_core.from_json(r[16]) if r[16] != "{}" else {},
    )


def migrations(dialect: str) -> list[tuple[str, str]]:
    """The dialect's migration files as (name, sql), in order."""
    folder = resources.files("storage").joinpath("migrations", dialect)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


SUBSCRIPTION_COLUMNS = (
    "id, url, secret, description, created_at, created_by, cursor, attempts, next_attempt_at, "
    "last_error, deleted_at, lease_owner, lease_until"
)


def subscription_from_row(r: Row) -> SubscriptionRecord:
    """A record from a row laid out as SUBSCRIPTION_COLUMNS (0 stands for "no time")."""
    return SubscriptionRecord(
        id=r[0],
        url=r[1],
        secret=r[2],
        description=r[3],
        created_at=from_us(r[4]),
        created_by=r[5],
        cursor=r[6],
        attempts=r[7],
        next_attempt_at=from_us(r[8]) if r[8] else None,
        last_error=r[9],
        deleted_at=from_us(r[10]) if r[10] is not None else None,
        lease_owner=r[11],
        lease_until=from_us(r[12]) if r[12] else None,
    )


DELIVERY_COLUMNS = (
    "id, subscription_id, change_seq, attempt, attempted_at, duration_ms, status, ok, error"
)


def delivery_from_row(r: Row) -> DeliveryRecord:
    """A record from a row laid out as DELIVERY_COLUMNS."""
    return DeliveryRecord(
        id=r[0],
        subscription_id=r[1],
        change_seq=r[2],
        attempt=r[3],
        attempted_at=from_us(r[4]),
        duration_ms=r[5],
        status=r[6],
        ok=bool(r[7]),
        error=r[8],
    )


TOKEN_COLUMNS = "id, name, role, token_hash, created_at, revoked_at"  # noqa: S105 - column names, not a secret


def token_from_row(r: Row, time: Callable[[Any], datetime]) -> TokenRecord:
    """A record from a row laid out as TOKEN_COLUMNS; `time` reads the dialect's times."""
    return TokenRecord(r[0], r[1], r[2], r[3], time(r[4]), time(r[5]) if r[5] else None)


# A new reply: `reply_params` gives these columns' values; it is due at once.
REPLY_INSERT = (
    "INSERT INTO replies (id, event_id, kind, phone_number_id, recipient, language, body, "
    "created_at, expires_at, next_attempt_at)"
)

REPLY_COLUMNS = (
    "id, event_id, kind, phone_number_id, recipient, language, body, created_at, expires_at, "
    "status, attempts, next_attempt_at, lease_owner, lease_until, http_status, error, wamid, "
    "finished_at"
)


def reply_params(r: NewReply, now: int) -> tuple[Any, ...]:
    """The values of `REPLY_INSERT`'s columns for a reply made at `now` (microseconds)."""
    return (
        r.id,
        r.event_id,
        r.kind,
        r.phone_number_id,
        r.recipient,
        r.language,
        dumps(dict(r.body)),
        now,
        us(r.expires_at),
        now,
    )


def _time(value: int | None) -> datetime | None:
    return from_us(value) if value else None


def reply_from_row(r: Row) -> ReplyRecord:
    """A record from a row laid out as REPLY_COLUMNS (0 stands for "no time")."""
    return ReplyRecord(
        id=r[0],
        event_id=r[1],
        kind=r[2],
        phone_number_id=r[3],
        recipient=r[4],
        language=r[5],
        body=json.loads(r[6]),
        created_at=from_us(r[7]),
        expires_at=from_us(r[8]),
        status=r[9],
        attempts=r[10],
        next_attempt_at=_time(r[11]),
        lease_owner=r[12],
        lease_until=_time(r[13]),
        http_status=r[14],
        error=r[15],
        wamid=r[16],
        finished_at=_time(r[17]),
    )
