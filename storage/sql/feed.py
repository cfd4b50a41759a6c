"""The `Feed` part: eligibility changes in commit order, and the hash secret."""

from __future__ import annotations

import functools

from storage.base import FeedEntry, StorageError
from storage.codec import from_us
from storage.sql.base import SqlBase

# FeedEntry from a row of six columns, without a Python-level call per row (a full export
# builds a million of them).
_feed_entry = functools.partial(tuple.__new__, FeedEntry)


class FeedPart(SqlBase):
    async def feed(self, after: int, limit: int) -> list[FeedEntry]:
        rows = await self._read(
            "SELECT feed_seq, id, phone, user_id, summary, NULL FROM subjects "
            "WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2",
            after,
            limit,
        )
        return list(map(_feed_entry, rows))

    async def feed_head(self) -> int:
        rows = await self._read("SELECT value FROM counters WHERE name = 'feed'")
        return int(rows[0][0]) if rows else 0

    async def changes(self, after: int, limit: int) -> list[FeedEntry]:
        rows = await self._read(
            "SELECT seq, subject_id, phone, user_id, summary, changed_at FROM changes "
            "WHERE seq > $1 ORDER BY seq LIMIT $2",
            after,
            limit,
        )
        return [FeedEntry(r[0], r[1], r[2], r[3], r[4], from_us(r[5])) for r in rows]

    async def hash_secret(self) -> bytes:
        rows = await self._read("SELECT value FROM meta WHERE key = 'hash_secret'")
        if not rows:
            raise StorageError("the database has no hash secret: run `consentbot migrate`")
        return bytes.fromhex(rows[0][0])
