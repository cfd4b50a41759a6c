"""The `Store` protocol, the records it keeps, and its errors.

`storage` knows nothing of WhatsApp or of consent rules: it keeps events under unique
keys, links identity keys into subjects, and stores the projection that the caller's
`Projector` derives from a subject's events, all in one transaction per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class StorageError(Exception):
    """Base class of the store's errors."""


class StoreUnavailable(StorageError):
    """The database cannot be reached or written now; the caller should retry later."""


class StoreClosed(StoreUnavailable):
    """The store was used after `close()` (the process is stopping: retry elsewhere)."""


class NewEvent(Protocol):
    """What `append` stores: any object with these attributes (the caller's own events).

    Events are unique by `id`, which callers derive from the natural `key`, so a
    redelivery carries the same id. `identity_keys` are opaque keys naming one person;
    they and `categories` are words without whitespace.
    """

    @property
    def id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def identity_keys(self) -> Sequence[str]: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def wa_id(self) -> str | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def categories(self) -> Collection[str]: ...
    @property
    def phone_number_id(self) -> str | None: ...
    @property
    def waba_id(self) -> str | None: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def evidence(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event as read back from the store (see `NewEvent` for the rules)."""

    id: str
    key: str
    kind: str
    source: str
    occurred_at: datetime
    received_at: datetime
    identity_keys: tuple[str, ...] = ()
    phone: str | None = None
    wa_id: str | None = None
    user_id: str | None = None
    categories: tuple[str, ...] = ()
    phone_number_id: str | None = None
    waba_id: str | None = None
    actor: str | None = None
    language: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    seq: int | None = None  # position in the ledger, set by the store


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """A signed delivery that could not be read (in whole or in part): kept, never dropped."""

    received_at: datetime
    reason: str
    body: bytes
    id: int | None = None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    name: str
    role: str
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    id: int
    state: str  # the projection, as the projector wrote it
    identity_keys: tuple[str, ...]


# Derives a subject's projection (an opaque string) from all of its events, in ledger
# order: records read back, and the caller's own objects for events of this batch.
Projector = Callable[[Sequence[NewEvent]], str]


@dataclass(frozen=True, slots=True)
class AppendResult:
    """For each appended event, in order: True when it was new, False for a duplicate."""

    created: tuple[bool, ...]
    quarantine_id: int | None = None


class Store(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied."""
        ...

    async def pending_migrations(self) -> list[str]:
        """The names `migrate()` would apply, in order."""
        ...

    async def refresh_projections(self, projector_id: str) -> int:
        """Re-derive every subject if the projections were made by another projector (the
        rules or their settings changed); return how many subjects were re-derived."""
        ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers."""
        ...

    async def append(
        self,
        events: Sequence[NewEvent],
        *,
        quarantine: QuarantineRecord | None = None,
    ) -> AppendResult:
        """Commit new events (duplicates by id are skipped) and the quarantine row, if any,
        in one transaction, and re-derive every affected subject's projection. A body
        quarantined before is not stored twice."""
        ...

    async def subject(self, identity_keys: Sequence[str]) -> Subject | None: ...

    async def subjects(self, identity_keys: Sequence[str]) -> dict[str, Subject]:
        """Subjects by identity key for many keys at once (missing keys are absent)."""
        ...

    async def events_of(self, subject_id: int) -> list[EventRecord]: ...

    async def event(self, event_id: str) -> EventRecord | None: ...

    async def count_events(self) -> int: ...

    async def events_of_kinds(
        self, kinds: Sequence[str], *, before_seq: int | None = None, limit: int = 100
    ) -> list[EventRecord]:
        """Events of these kinds, newest first (by ledger position), older than `before_seq`."""
        ...

    async def stored_ids(self, event_ids: Sequence[str]) -> set[str]:
        """Which of these event ids are in the ledger."""
        ...

    async def count_kinds_by_number(
        self, kinds: Sequence[str], since: datetime
    ) -> dict[tuple[str | None, str], int]:
        """How many events of each kind occurred since `since`, per business number."""
        ...

    async def quarantined(self, limit: int = 100) -> list[QuarantineRecord]: ...

    async def add_token(self, token: TokenRecord) -> None: ...

    async def token_by_hash(self, token_hash: str) -> TokenRecord | None: ...

    async def tokens(self) -> list[TokenRecord]: ...

    async def revoke_token(self, token_id: str, at: datetime) -> bool: ...


def split_new(
    batches: Sequence[Sequence[NewEvent]], stored: set[str]
) -> tuple[list[NewEvent], list[tuple[bool, ...]]]:
    """The events to insert (neither `stored` nor seen earlier in the batches), and for each
    batch which of its events are new. `stored` grows by the new ids."""
    fresh: list[NewEvent] = []
    flags: list[tuple[bool, ...]] = []
    for events in batches:
        marks = []
        for e in events:
            is_new = e.id not in stored
            marks.append(is_new)
            if is_new:
                stored.add(e.id)
                fresh.append(e)
        flags.append(tuple(marks))
    return fresh, flags
