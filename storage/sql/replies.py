"""The `Replies` part: the reply outbox as the reply worker and the admin use it.

Rows are added in the append transaction (`storage.append`, `LedgerIO.insert_replies`);
here they are read, leased, finished and, when dead, made pending again. Times are
microseconds since the epoch in both dialects; 0 stands for "no time".
"""

from __future__ import annotations

from datetime import datetime

from storage.base import ReplyOutcome, ReplyRecord
from storage.codec import REPLY_COLUMNS, reply_from_row, us
from storage.sql.base import SqlBase
from storage.sql.dialect import Tx

PENDING = "pending"
FINISHED = frozenset({"sent", "dead", "expired"})


class RepliesPart(SqlBase):
    async def reply(self, reply_id: str) -> ReplyRecord | None:
        rows = await self._read(f"SELECT {REPLY_COLUMNS} FROM replies WHERE id = $1", reply_id)
        return reply_from_row(rows[0]) if rows else None

    async def replies_of(self, event_id: str) -> list[ReplyRecord]:
        rows = await self._read(
            f"SELECT {REPLY_COLUMNS} FROM replies WHERE event_id = $1 ORDER BY created_at, id",
            event_id,
        )
        return [reply_from_row(r) for r in rows]

    async def due_replies(self, now: datetime, limit: int) -> list[ReplyRecord]:
        rows = await self._read(
            f"SELECT {REPLY_COLUMNS} FROM replies "
            "WHERE status = $1 AND next_attempt_at <= $2 AND lease_until < $2 "
            "ORDER BY next_attempt_at, id LIMIT $3",
            PENDING,
            us(now),
            limit,
        )
        return [reply_from_row(r) for r in rows]

    async def claim_reply(
        self, reply_id: str, owner: str, now: datetime, until: datetime
    ) -> ReplyRecord | None:
        async def claim(tx: Tx) -> ReplyRecord | None:
            # Two PostgreSQL instances claiming at once: the second waits for the first's
            # row lock, then finds the lease taken (READ COMMITTED checks the condition
            # again on the new row).
            rows = await tx.fetch(
                "UPDATE replies SET lease_owner = $1, lease_until = $2 "
                "WHERE id = $3 AND status = $4 AND next_attempt_at <= $5 AND lease_until < $5 "
                f"RETURNING {REPLY_COLUMNS}",
                owner,
                us(until),
                reply_id,
                PENDING,
                us(now),
            )
            return reply_from_row(rows[0]) if rows else None

        return await self._write(claim)

    async def record_reply(self, outcome: ReplyOutcome, *, owner: str) -> bool:
        o = outcome
        if o.status != PENDING and o.status not in FINISHED:
            raise ValueError(f"a reply cannot become {o.status!r}")

        async def record(tx: Tx) -> bool:
            changed = await tx.execute(
                "UPDATE replies SET status = $1, attempts = $2, next_attempt_at = $3, "
                "http_status = $4, error = $5, wamid = $6, finished_at = $7, "
                "lease_owner = NULL, lease_until = 0 "
                "WHERE id = $8 AND lease_owner = $9 AND status = $10",
                o.status,
                o.attempts,
                us(o.retry_at) if o.retry_at is not None else 0,
                o.http_status,
                o.error,
                o.wamid,
                us(o.at) if o.status in FINISHED else None,
                o.reply_id,
                owner,
                PENDING,
            )
            return changed > 0

        return await self._write(record)

    async def dead_replies(
        self, *, before: str | None = None, limit: int = 100
    ) -> list[ReplyRecord]:
        after = None
        if before is not None:
            found = await self._read("SELECT finished_at FROM replies WHERE id = $1", before)
            after = (int(found[0][0] or 0), before) if found else None
        if after is None:
            rows = await self._read(
                f"SELECT {REPLY_COLUMNS} FROM replies WHERE status = 'dead' "
                "ORDER BY finished_at DESC, id DESC LIMIT $1",
                limit,
            )
        else:
            rows = await self._read(
                f"SELECT {REPLY_COLUMNS} FROM replies WHERE status = 'dead' "
                "AND (finished_at < $1 OR (finished_at = $1 AND id < $2)) "
                "ORDER BY finished_at DESC, id DESC LIMIT $3",
                *after,
                limit,
            )
        return [reply_from_row(r) for r in rows]

    async def retry_reply(self, reply_id: str, now: datetime) -> ReplyRecord | None:
        async def retry(tx: Tx) -> ReplyRecord | None:
            rows = await tx.fetch(
                "UPDATE replies SET status = $1, attempts = 0, next_attempt_at = $2, "
                "finished_at = NULL, lease_owner = NULL, lease_until = 0 "
                f"WHERE id = $3 AND status = 'dead' RETURNING {REPLY_COLUMNS}",
                PENDING,
                us(now),
                reply_id,
            )
            return reply_from_row(rows[0]) if rows else None

        return await self._write(retry)
