"""Pick the backend from the database URL."""

from __future__ import annotations

from storage.base import Projector, Store
from storage.sqlite import SQLiteStore, path_from_url


def open_store(url: str, projector: Projector, *, busy_timeout_ms: int = 5000) -> Store:
    """An unopened store for `url` (call `await store.open()`)."""
    if url.startswith("sqlite:"):
        return SQLiteStore(path_from_url(url), projector, busy_timeout_ms=busy_timeout_ms)
    if url.startswith(("postgresql:", "postgres:")):
        raise ValueError("PostgreSQL is not available in this version; use sqlite:///path.db")
    raise ValueError("CONSENTBOT_DATABASE_URL must start with sqlite:/// or postgresql://")
