"""The `Senders` part: the ledger's events of some kinds over a span of time, for the
sender health guard (rare notices over all time, opt-outs and failures over a day)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.base import EventRecord
from storage.codec import EVENT_COLUMNS, event_from_row, us
from storage.sql.base import SqlBase

# Rows one read returns at most: a guard that needs more is looking at far too much.
MAX_ROWS = 100_000


class SendersPart(SqlBase):
    async def events_since(
        self, kinds: Sequence[str], since: datetime | None = None, *, contains: str | None = None
    ) -> list[EventRecord]:
        if not kinds:
            return []
        # `contains` narrows the read (LIKE: `_` and `%` in it match loosely); the caller
        # still checks each event.
        condition, args = self._dialect.among("kind", 4, list(dict.fromkeys(kinds)))
        rows = await self._read(
            f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE {condition} AND occurred_at >= $1 "
            "AND CAST(evidence AS text) LIKE '%' || $2 || '%' "
            "ORDER BY occurred_at, seq LIMIT $3",
            us(since) if since is not None else -(2**62),
            contains or "",
            MAX_ROWS,
            *args,
        )
        return [event_from_row(r) for r in rows]

    async def recent_numbers(self, last: int) -> dict[str, str | None]:
        rows = await self._read(
            "SELECT phone_number_id, max(waba_id) FROM events "
            "WHERE seq > (SELECT coalesce(max(seq), 0) FROM events) - $1 "
            "AND phone_number_id IS NOT NULL GROUP BY phone_number_id",
            last,
        )
        return {r[0]: r[1] for r in rows}
