"""Everything both SQL backends do the same way, written once over a dialect's primitives.

A backend provides reads (`_read`), small writes in a transaction of their own
(`_write`), the group committer its appends go through, and a `Dialect`: the few
fragments and value conversions in which SQLite and PostgreSQL differ. Each part of the
`Store` protocol is a mixin here; `SqlStore` is all of them.
"""

from __future__ import annotations

from typing import Self

from storage.sql.admin import AdminPart
from storage.sql.feed import FeedPart
from storage.sql.ledger import LedgerPart
from storage.sql.replies import RepliesPart
from storage.sql.senders import SendersPart
from storage.sql.subjects import SubjectsPart
from storage.sql.subscriptions import SubscriptionsPart
from storage.sql.tokens import TokensPart


class SqlStore(
    AdminPart,
    LedgerPart,
    SubjectsPart,
    FeedPart,
    TokensPart,
    SubscriptionsPart,
    SendersPart,
    RepliesPart,
):
    """Every part of a `Store` but its life (open, close, migrate, re-derive), which is
    the backend's own. Open with `await store.open()`, or `async with store:`."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


__all__ = ["SqlStore"]
