"""Pick the backend from the database URL."""

from __future__ import annotations

from storage.base import Projector, ReplyRule, Store
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore, path_from_url

_POSTGRES_SCHEMES = ("postgresql:", "postgres:")


def open_store(
    url: str,
    projector: Projector,
    *,
    busy_timeout_ms: int = 5000,
    pool_size: int = 10,
    replies: ReplyRule | None = None,
) -> Store:
    """An unopened store for `url` (call `await store.open()`); `replies` says which replies
    new events call for (None: none)."""
    if url.startswith("sqlite:"):
        return SQLiteStore(
            path_from_url(url), projector, busy_timeout_ms=busy_timeout_ms, replies=replies
        )
    if url.startswith(_POSTGRES_SCHEMES):
        return PostgresStore(url, projector, max_size=pool_size, replies=replies)
    raise ValueError(
        "CONSENTBOT_DATABASE_URL must start with sqlite:///, postgresql:// or postgres://"
    )


def migrates_at_start(url: str) -> bool:
    """Whether the server migrates the database itself when it starts.

    SQLite has one server process, so it may. Several instances share one PostgreSQL
    database, and a schema change there is an operator's deliberate step
    (`consentbot migrate`), taken before the new version starts.
    """
    return not url.startswith(_POSTGRES_SCHEMES)
