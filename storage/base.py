"""The `Store` protocol, the records it keeps, and its errors.

`storage` knows nothing of WhatsApp or of consent rules: it keeps events under unique
keys, links identity keys into subjects, and stores the projection that the caller's
`Projector` derives from a subject's events, all in one transaction per batch.

`Store` is made of small parts, one per kind of caller: `Admin` (the process that owns
the store), `Ledger` (what records events and reads them back), `Subjects` (deciding),
`Feed` (the suppression feed), `Tokens`, `Subscriptions` (the API), `Deliveries` (the
outbox worker), `Senders` (the sender health guard) and `Replies` (the reply outbox and its
worker). A caller asks for the part it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol


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
    state: str  # the projection's state, as the projector wrote it
    identity_keys: tuple[str, ...]
    summary: str = ""
    phone: str | None = None
    user_id: str | None = None
    feed_seq: int | None = None


class Projection(NamedTuple):
    """What the projector derives from a subject's events.

    `state` is the full state; `summary` what senders need to know, compact and without
    anything that changes unless the eligibility does ('' for the default). A change of
    `summary` is a change of eligibility: the store puts the subject at the head of the
    change feed and writes a `changes` row in the same transaction. `phone` and `user_id`
    name the subject in the feed. (A named tuple: cheap to build, and to send between
    processes by the thousand.)
    """

    state: str
    summary: str = ""
    phone: str | None = None
    user_id: str | None = None


# Derives a subject's projection from all of its events, in ledger order: records read
# back, and the caller's own objects for events of this batch.
Projector = Callable[[Sequence[NewEvent]], Projection]


class PreparedEvent(NamedTuple):
    """A new event already turned into its row (`storage.codec.prepare`), with the projection
    it derives on its own: what a bulk loader hands `append` when parsing and deriving ran
    elsewhere, in worker processes.

    A subject that the event creates by itself is given `alone` as it is; every other
    subject is derived again from all of its events, this one read back from `row`.
    """

    id: str
    identity_keys: tuple[str, ...]
    row: tuple[Any, ...]  # `codec.event_params` of the event
    alone: Projection


# What `append` takes: the caller's events, or events prepared elsewhere.
Appendable = NewEvent | PreparedEvent


class NewReply(Protocol):
    """A message to a customer that a new event calls for (the caller's own objects).

    Replies are unique by `id`, which callers derive from the event and the kind of reply,
    so one event is answered once. `body` is the message as the sending API takes it;
    nothing is sent at or after `expires_at`.
    """

    @property
    def id(self) -> str: ...
    @property
    def event_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def phone_number_id(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def body(self) -> Mapping[str, Any]: ...
    @property
    def expires_at(self) -> datetime: ...


# The replies a batch's new events call for, written in the same transaction as the events
# (only events new to the ledger are given: a redelivery calls for nothing).
ReplyRule = Callable[[Sequence[NewEvent]], Sequence[NewReply]]


class FeedEntry(NamedTuple):
    """A subject's eligibility as of one change: `seq` orders changes in commit order, on
    every instance, and never goes back. (A named tuple: a full export builds a million.)"""

    seq: int
    subject_id: int
    phone: str | None
    user_id: str | None
    summary: str
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AppendResult:
    """For each appended event, in order: True when it was new, False for a duplicate."""

    created: tuple[bool, ...]
    quarantine_id: int | None = None


class Admin(Protocol):
    """The store's life: what the process that owns it calls at start, at stop and to probe."""

    async def open(self) -> None: ...

    async def close(self) -> None:
        """Finish the writes already submitted, then release everything; calls after this
        raise `StoreClosed`."""
        ...

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
        """Raise StoreUnavailable unless the database answers and takes writes."""
        ...


class Ledger(Protocol):
    """The append-only ledger: events in, events and quarantined bodies out."""

    async def append(
        self,
        events: Sequence[Appendable],
        *,
        quarantine: QuarantineRecord | None = None,
    ) -> AppendResult:
        """Commit new events (duplicates by id are skipped) and the quarantine row, if any,
        in one transaction, and re-derive every affected subject's projection. A body
        quarantined before is not stored twice. Returns only once it is all committed."""
        ...

    async def event(self, event_id: str) -> EventRecord | None: ...

    async def events_of(self, subject_id: int) -> list[EventRecord]: ...

    async def events_of_kinds(
        self, kinds: Sequence[str], *, before_seq: int | None = None, limit: int = 100
    ) -> list[EventRecord]:
        """Events of these kinds, newest first (by ledger position), older than `before_seq`."""
        ...

    async def stored_ids(self, event_ids: Sequence[str]) -> set[str]:
        """Which of these event ids are in the ledger."""
        ...

    async def count_events(self) -> int: ...

    async def count_kinds_by_number(
        self, kinds: Sequence[str], since: datetime
    ) -> dict[tuple[str | None, str], int]:
        """How many events of each kind occurred since `since`, per business number."""
        ...

    async def quarantined(self, limit: int = 100) -> list[QuarantineRecord]: ...


class Subjects(Protocol):
    """Subjects by identity key, with their projections: what deciding reads."""

    async def subject(self, identity_keys: Sequence[str]) -> Subject | None:
        """The subject of the first of these keys that has one."""
        ...

    async def subjects(self, identity_keys: Sequence[str]) -> dict[str, Subject]:
        """Subjects by identity key for many keys at once (missing keys are absent)."""
        ...

    async def summaries(self, identity_keys: Sequence[str]) -> dict[str, str]:
        """The summary of the subject of each key, for many keys at once; missing keys are
        absent. The lean read behind bulk eligibility."""
        ...


class Feed(Protocol):
    """Eligibility changes, in commit order: the suppression feed and its exports."""

    async def feed(self, after: int, limit: int) -> list[FeedEntry]:
        """Subjects whose eligibility changed after feed position `after`, each once with
        its latest summary, in feed order (`changed_at` is not read)."""
        ...

    async def feed_head(self) -> int:
        """The feed position of the latest change (0 before any)."""
        ...

    async def changes(self, after: int, limit: int) -> list[FeedEntry]:
        """Every change after position `after`, in order: the outbox subscriptions read."""
        ...

    async def hash_secret(self) -> bytes:
        """The database's secret for keyed hashes of numbers (the same on every instance)."""
        ...


class Tokens(Protocol):
    """API tokens, kept as hashes."""

    async def add_token(self, token: TokenRecord) -> None: ...

    async def token_by_hash(self, token_hash: str) -> TokenRecord | None: ...

    async def tokens(self) -> list[TokenRecord]: ...

    async def revoke_token(self, token_id: str, at: datetime) -> bool:
        """False when there is no such token, or it was revoked before."""
        ...


class Subscriptions(Protocol):
    """Subscribers' webhooks as the API manages them."""

    async def add_subscription(
        self, subscription: SubscriptionRecord, *, from_beginning: bool = False
    ) -> SubscriptionRecord:
        """Store a new subscription and return it as stored. Its cursor (the given one is
        ignored) is the latest change, read in the same transaction, or 0 `from_beginning`."""
        ...

    async def subscription(self, subscription_id: str) -> SubscriptionRecord | None:
        """The subscription with this id, deleted or not."""
        ...

    async def subscriptions(self) -> list[SubscriptionRecord]:
        """Every subscription not deleted, oldest first."""
        ...

    async def delete_subscription(self, subscription_id: str, at: datetime) -> bool:
        """Mark a subscription deleted: nothing more is delivered to it. False when there is
        no such subscription, or it was deleted before."""
        ...

    async def deliveries(
        self, subscription_id: str, *, before: int | None = None, limit: int = 100
    ) -> list[DeliveryRecord]:
        """A subscription's delivery log, newest first, with ids below `before`."""
        ...


class Deliveries(Protocol):
    """What the outbox worker needs to deliver subscriptions.

    Each subscription delivers the `changes` after its cursor, one at a time and in order.
    An instance delivers a subscription only while it holds the subscription's lease, so
    several instances never deliver one subscription at once; a lease ends by itself when
    its instance dies.
    """

    async def due_subscriptions(self, now: datetime, limit: int) -> list[SubscriptionRecord]:
        """Subscriptions not deleted with a change after their cursor, whose next attempt is
        due at `now` and whose lease is free then; the longest waiting first."""
        ...

    async def claim_subscription(
        self, subscription_id: str, owner: str, now: datetime, until: datetime
    ) -> SubscriptionRecord | None:
        """Give `owner` the lease of a subscription not deleted and due at `now`, until
        `until`, if the lease is free at `now` or `owner`'s already. The subscription as
        claimed, or None when it could not be."""
        ...

    async def record_delivery(
        self,
        delivery: DeliveryRecord,
        *,
        owner: str,
        lease_until: datetime,
        retry_at: datetime | None = None,
    ) -> bool:
        """Log one attempt and, in the same transaction, move its subscription on, if
        `owner` still holds the lease and the cursor is still before the change.

        A delivery that went through moves the cursor to its change, clears the failures
        and keeps the lease until `lease_until` (only while the subscription is not
        deleted). A failed one counts as attempt `delivery.attempt`, waits until `retry_at`
        and lets the lease go. False when the subscription was not moved (the attempt is
        logged all the same)."""
        ...

    async def release_subscriptions(
        self, owner: str, subscription_ids: Sequence[str] | None = None
    ) -> int:
        """Let go of `owner`'s leases (of these subscriptions, or of all), so that any
        instance may deliver them at once; return how many were let go."""
        ...

    async def prune_outbox(self, before: datetime) -> tuple[int, int]:
        """Delete the changes made before `before` that every subscription not deleted has
        been given, and the delivery log's attempts made before `before`; return how many
        of each. The newest change is always kept (changes are numbered after it)."""
        ...


class Senders(Protocol):
    """What the sender health guard reads: events of some kinds over a span of time."""

    async def events_since(
        self, kinds: Sequence[str], since: datetime | None = None, *, contains: str | None = None
    ) -> list[EventRecord]:
        """Events of these kinds that occurred at or after `since` (all when None), oldest
        first; with `contains`, only those whose evidence's JSON text contains it."""
        ...

    async def recent_numbers(self, last: int) -> dict[str, str | None]:
        """The business numbers (`phone_number_id`) named by the `last` events of the
        ledger, each with a WABA id it came with (None when none did)."""
        ...


class Replies(Protocol):
    """The reply outbox: what the reply worker sends and the admin reads and retries.

    A reply is `pending` until it is `sent`, found past its `expires_at` (`expired`), or
    failed for good (`dead`). An instance sends a reply only while it holds the reply's
    lease, so several instances never send one reply at once; a lease ends by itself when
    its instance dies.
    """

    async def reply(self, reply_id: str) -> ReplyRecord | None: ...

    async def replies_of(self, event_id: str) -> list[ReplyRecord]:
        """The replies an event called for."""
        ...

    async def due_replies(self, now: datetime, limit: int) -> list[ReplyRecord]:
        """Pending replies whose next attempt is due at `now` and whose lease is free then;
        the longest waiting first."""
        ...

    async def claim_reply(
        self, reply_id: str, owner: str, now: datetime, until: datetime
    ) -> ReplyRecord | None:
        """Give `owner` the lease of a pending reply due at `now`, until `until`, if the
        lease is free at `now`. The reply as claimed, or None when it could not be."""
        ...

    async def record_reply(self, outcome: ReplyOutcome, *, owner: str) -> bool:
        """Record one attempt's outcome and let the lease go, if `owner` still holds it and
        the reply is still pending. False when nothing was recorded."""
        ...

    async def dead_replies(
        self, *, before: str | None = None, limit: int = 100
    ) -> list[ReplyRecord]:
        """Replies that failed for good, newest first, after the reply `before` (a page)."""
        ...

    async def retry_reply(self, reply_id: str, now: datetime) -> ReplyRecord | None:
        """Make a dead reply pending again, due at `now`, with its attempts counted anew.
        None when there is no dead reply with this id."""
        ...


class Store(
    Admin, Ledger, Subjects, Feed, Tokens, Subscriptions, Deliveries, Senders, Replies, Protocol
):
    """Everything a backend provides. Callers that need less ask for the part they use."""


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    """A subscriber's webhook: where eligibility changes are POSTed and how far it has got.

    `cursor` is the last change delivered (or passed over at creation); `attempts` counts
    the failed attempts at the change after it, the next of which waits for
    `next_attempt_at` (None: nothing is waiting). The secret signs the deliveries, so it
    is kept as given.
    """

    id: str
    url: str
    secret: str = field(repr=False)
    created_at: datetime
    description: str = ""
    created_by: str | None = None
    cursor: int = 0
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    deleted_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One attempt to deliver change `change_seq` to a subscription: its HTTP status (None
    when no answer came), whether it counted as delivered, and what went wrong if not."""

    subscription_id: str
    change_seq: int
    attempt: int
    attempted_at: datetime
    duration_ms: int
    ok: bool
    status: int | None = None
    error: str | None = None
    id: int | None = None  # set by the store


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """A reply as the store keeps it (see `NewReply` and `Replies`)."""

    id: str
    event_id: str
    kind: str
    phone_number_id: str
    recipient: str = field(repr=False)
    language: str
    body: Mapping[str, Any] = field(repr=False)
    created_at: datetime
    expires_at: datetime
    status: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    http_status: int | None = None
    error: str | None = None
    wamid: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    """One attempt to send a reply: `status` is what the reply becomes (`sent`, `dead`,
    `expired`, or `pending` again until `retry_at`)."""

    reply_id: str
    status: str
    attempts: int
    at: datetime
    retry_at: datetime | None = None
    http_status: int | None = None
    error: str | None = None
    wamid: str | None = None
