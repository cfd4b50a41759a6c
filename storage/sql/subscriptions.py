"""The `Subscriptions` and `Deliveries` parts: subscribers' webhooks, their leases and log.

Times are microseconds since the epoch in both dialects; 0 stands for "no time" in the
columns that are never NULL (`next_attempt_at`, `lease_until`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.base import DeliveryRecord, SubscriptionRecord
from storage.codec import (
    DELIVERY_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    delivery_from_row,
    subscription_from_row,
    us,
)
from storage.sql.base import SqlBase
from storage.sql.dialect import Tx

_NEWEST = 2**63 - 1  # "before" no delivery id at all: from the newest
_RELEASE = "UPDATE subscriptions SET lease_owner = NULL, lease_until = 0 WHERE lease_owner = $1"


class SubscriptionsPart(SqlBase):
    # -- as the API manages them -------------------------------------------------------------

    async def add_subscription(
        self, subscription: SubscriptionRecord, *, from_beginning: bool = False
    ) -> SubscriptionRecord:
        sub = subscription

        async def insert(tx: Tx) -> SubscriptionRecord:
            # Changes get their numbers in commit order (the writer's lock in SQLite, the
            # counter's row lock in PostgreSQL), so every change up to the latest one seen
            # here is committed: the cursor skips none by mistake.
            rows = await tx.fetch(
                "INSERT INTO subscriptions "
                "(id, url, secret, description, created_at, created_by, cursor) "
                "SELECT $1, $2, $3, $4, $5, $6, "
                "CASE WHEN $7 THEN 0 ELSE (SELECT coalesce(max(seq), 0) FROM changes) END "
                f"RETURNING {SUBSCRIPTION_COLUMNS}",
                sub.id,
                sub.url,
                sub.secret,
                sub.description,
                us(sub.created_at),
                sub.created_by,
                from_beginning,
            )
            return subscription_from_row(rows[0])

        return await self._write(insert)

    async def subscription(self, subscription_id: str) -> SubscriptionRecord | None:
        rows = await self._read(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = $1", subscription_id
        )
        return subscription_from_row(rows[0]) if rows else None

    async def subscriptions(self) -> list[SubscriptionRecord]:
        rows = await self._read(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE deleted_at IS NULL "
            "ORDER BY created_at, id"
        )
        return [subscription_from_row(r) for r in rows]

    async def delete_subscription(self, subscription_id: str, at: datetime) -> bool:
        async def delete(tx: Tx) -> bool:
            changed = await tx.execute(
                "UPDATE subscriptions SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
                us(at),
                subscription_id,
            )
            return changed > 0

        return await self._write(delete)

    async def deliveries(
        self, subscription_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        rows = await self._read(
            f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE subscription_id = $1 AND id < $2 "
            "ORDER BY id DESC LIMIT $3",
            subscription_id,
            before if before is not None else _NEWEST,
            limit,
        )
        return [delivery_from_row(r) for r in rows]

    # -- as the outbox worker delivers them --------------------------------------------------

    async def due_subscriptions(self, now: datetime, limit: int) -> list[SubscriptionRecord]:
        rows = await self._read(
            f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions "
            "WHERE deleted_at IS NULL AND next_attempt_at <= $1 AND lease_until < $1 "
            "AND cursor < (SELECT coalesce(max(seq), 0) FROM changes) "
            "ORDER BY next_attempt_at, id LIMIT $2",
            us(now),
            limit,
        )
        return [subscription_from_row(r) for r in rows]

    async def claim_subscription(
        self, subscription_id: str, owner: str, now: datetime, until: datetime
    ) -> SubscriptionRecord | None:
        async def claim(tx: Tx) -> SubscriptionRecord | None:
            # Two PostgreSQL instances claiming at once: the second waits for the first's
            # row lock, then finds the lease taken (READ COMMITTED checks the condition
            # again on the new row).
            rows = await tx.fetch(
                "UPDATE subscriptions SET lease_owner = $1, lease_until = $2 "
                "WHERE id = $3 AND deleted_at IS NULL AND next_attempt_at <= $4 "
                "AND (lease_until < $4 OR lease_owner = $1) "
                f"RETURNING {SUBSCRIPTION_COLUMNS}",
                owner,
                us(until),
                subscription_id,
                us(now),
            )
            return subscription_from_row(rows[0]) if rows else None

        return await self._write(claim)

    async def record_delivery(
        self,
        delivery: DeliveryRecord,
        *,
        owner: str,
        lease_until: datetime,
        retry_at: datetime | None = None,
    ) -> bool:
        d = delivery

        async def record(tx: Tx) -> bool:
            await tx.execute(
                "INSERT INTO deliveries (subscription_id, change_seq, attempt, attempted_at, "
                "duration_ms, status, ok, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                d.subscription_id,
                d.change_seq,
                d.attempt,
                us(d.attempted_at),
                d.duration_ms,
                d.status,
                d.ok,
                d.error,
            )
            if d.ok:
                return await _delivered(tx, d, owner, lease_until)
            return await _failed(tx, d, owner, retry_at)

        return await self._write(record)

    async def release_subscriptions(
        self, owner: str, subscription_ids: Sequence[str] | None = None
    ) -> int:
        ids = None if subscription_ids is None else list(dict.fromkeys(subscription_ids))
        among = self._dialect.among
        size = self._dialect.chunk

        async def release(tx: Tx) -> int:
            if ids is None:
                return await tx.execute(_RELEASE, owner)
            released = 0
            for i in range(0, len(ids), size):
                condition, args = among("id", 2, ids[i : i + size])
                released += await tx.execute(f"{_RELEASE} AND {condition}", owner, *args)
            return released

        return await self._write(release)

    async def prune_outbox(self, before: datetime) -> tuple[int, int]:
        async def prune(tx: Tx) -> tuple[int, int]:
            changes = await tx.execute(
                "DELETE FROM changes WHERE changed_at < $1 "
                "AND seq < (SELECT max(seq) FROM changes) "
                "AND seq <= coalesce("
                "(SELECT min(cursor) FROM subscriptions WHERE deleted_at IS NULL), "
                "(SELECT max(seq) FROM changes))",
                us(before),
            )
            deliveries = await tx.execute(
                "DELETE FROM deliveries WHERE attempted_at < $1", us(before)
            )
            return changes, deliveries

        return await self._write(prune)


async def _delivered(tx: Tx, d: DeliveryRecord, owner: str, lease_until: datetime) -> bool:
    """Move the cursor to the change, clear the failures, keep the lease."""
    changed = await tx.execute(
        "UPDATE subscriptions SET cursor = $1, attempts = 0, next_attempt_at = 0, "
        "last_error = NULL, lease_until = $2 "
        "WHERE id = $3 AND lease_owner = $4 AND cursor < $1 AND deleted_at IS NULL",
        d.change_seq,
        us(lease_until),
        d.subscription_id,
        owner,
    )
    return changed > 0


async def _failed(tx: Tx, d: DeliveryRecord, owner: str, retry_at: datetime | None) -> bool:
    """Count the attempt, wait until `retry_at`, let the lease go."""
    changed = await tx.execute(
        "UPDATE subscriptions SET attempts = $1, next_attempt_at = $2, "
        "last_error = $3, lease_owner = NULL, lease_until = 0 "
        "WHERE id = $4 AND lease_owner = $5 AND cursor < $6",
        d.attempt,
        us(retry_at) if retry_at is not None else 0,
        d.error,
        d.subscription_id,
        owner,
        d.change_seq,
    )
    return changed > 0
