"""What every `Store` backend promises about subscriptions, leases and the delivery log.

Run unchanged against SQLite and PostgreSQL, like `tests/test_store_contract.py`, whose
`make_store` names the databases. Changes are made with a projector whose summary names
every event of the subject, so each new event is one change in the outbox.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.events import event_id
from storage.base import (
    DeliveryRecord,
    EventRecord,
    NewEvent,
    Projection,
    Store,
    SubscriptionRecord,
)
from tests.test_store_contract import make_store, prepare_location

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def every_event(records: Sequence[NewEvent]) -> Projection:
    keys = sorted(r.key for r in records)
    phone = next((r.phone for r in records if r.phone), None)
    return Projection(state=json.dumps(keys), summary=json.dumps(keys), phone=phone)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgres":
        request.getfixturevalue("postgres_session")  # skips (or fails) without a server
    return name


@pytest.fixture
async def store(backend: str, tmp_path: Path) -> AsyncIterator[Store]:
    await prepare_location(backend, tmp_path)
    s = make_store(backend, tmp_path, every_event)
    await s.open()
    await s.migrate()
    yield s
    await s.close()


@pytest.fixture
async def second(backend: str, tmp_path: Path, store: Store) -> AsyncIterator[Store]:
    """Another store on the same database, as another instance has."""
    s = make_store(backend, tmp_path, every_event)
    await s.open()
    yield s
    await s.close()


async def change(store: Store, key: str, phone: str = "+15550000001") -> int:
    """Append one event for `phone`; return the outbox's latest position."""
    await store.append(
        [
            EventRecord(
                id=event_id(key),
                key=key,
                kind="opt_out",
                source="hotline",
                occurred_at=T0,
                received_at=T0,
                identity_keys=(f"p:{phone}",),
                phone=phone,
                categories=("marketing",),
            )
        ]
    )
    latest = await store.changes(0, 10_000)
    return latest[-1].seq


def subscription(n: int = 1, **fields: object) -> SubscriptionRecord:
    base = SubscriptionRecord(
        id=f"sub_{n}",
        url=f"https://receiver.example/hook/{n}",
        secret=f"secret-number-{n:04d}-xxxxxxxx",
        created_at=T0 + timedelta(seconds=n),
        description=f"CRM {n}",
        created_by="tok_admin",
    )
    return replace(base, **fields)


def attempt(
    sub: str, seq: int, n: int = 1, *, ok: bool = True, status: int | None = 200
) -> DeliveryRecord:
    return DeliveryRecord(
        subscription_id=sub,
        change_seq=seq,
        attempt=n,
        attempted_at=T0 + timedelta(minutes=n),
        duration_ms=12,
        ok=ok,
        status=status,
        error=None if ok else f"HTTP {status}" if status else "no answer within 10 s",
    )


# -- registering ---------------------------------------------------------------------------


async def test_a_new_subscription_starts_after_the_latest_change(store: Store) -> None:
    await change(store, "a")
    head = await change(store, "b")
    added = await store.add_subscription(subscription(1, cursor=999))
    assert added.cursor == head
    assert added == subscription(1, cursor=head)
    assert await store.subscription("sub_1") == added


async def test_a_subscription_from_the_beginning_starts_at_zero(store: Store) -> None:
    await change(store, "a")
    added = await store.add_subscription(subscription(1), from_beginning=True)
    assert added.cursor == 0
    assert [s.id for s in await store.due_subscriptions(T0, 10)] == ["sub_1"]


async def test_a_subscription_keeps_what_it_was_given(store: Store) -> None:
    given = subscription(7, description="Ünïcode CRM — «тест»", created_by=None)
    await store.add_subscription(given)
    found = await store.subscription("sub_7")
    assert found == given
    assert given.secret not in repr(found)  # a record in a log line does not give it away


async def test_subscription_ids_are_unique(store: Store) -> None:
    await store.add_subscription(subscription(1))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await store.add_subscription(subscription(1, url="https://other.example/"))
    assert (await store.subscription("sub_1")) == subscription(1)


async def test_subscriptions_lists_live_ones_oldest_first(store: Store) -> None:
    for n in (3, 1, 2):
        await store.add_subscription(subscription(n))
    assert await store.delete_subscription("sub_2", T0 + timedelta(hours=1))
    assert [s.id for s in await store.subscriptions()] == ["sub_1", "sub_3"]
    assert await store.subscription("missing") is None


async def test_delete_marks_once(store: Store) -> None:
    await store.add_subscription(subscription(1))
    at = T0 + timedelta(hours=1)
    assert await store.delete_subscription("sub_1", at)
    assert not await store.delete_subscription("sub_1", at + timedelta(hours=1))
    assert not await store.delete_subscription("missing", at)
    found = await store.subscription("sub_1")
    assert found is not None
    assert found.deleted_at == at


# -- finding work and leases ---------------------------------------------------------------


async def test_due_means_a_change_to_deliver_and_nothing_in_the_way(store: Store) -> None:
    await store.add_subscription(subscription(1))
    assert await store.due_subscriptions(T0, 10) == []  # nothing after its cursor yet
    await change(store, "a")
    assert [s.id for s in await store.due_subscriptions(T0, 10)] == ["sub_1"]
    await store.delete_subscription("sub_1", T0)
    assert await store.due_subscriptions(T0, 10) == []


async def test_due_respects_the_limit_and_the_longest_waiting_goes_first(store: Store) -> None:
    for n in (1, 2, 3):
        await store.add_subscription(subscription(n))
    seq = await change(store, "a")
    # sub_2 failed once and waits a minute; the others never failed (wait since 0).
    sub = await store.claim_subscription("sub_2", "w", T0, T0 + LEASE)
    assert sub is not None
    failed = attempt("sub_2", seq, ok=False, status=500)
    retry = T0 + timedelta(minutes=1)
    assert await store.record_delivery(failed, owner="w", lease_until=T0, retry_at=retry)
    assert [s.id for s in await store.due_subscriptions(T0, 10)] == ["sub_1", "sub_3"]
    assert [s.id for s in await store.due_subscriptions(T0, 1)] == ["sub_1"]
    later = retry + timedelta(seconds=1)
    assert [s.id for s in await store.due_subscriptions(later, 10)] == ["sub_1", "sub_3", "sub_2"]


async def test_a_lease_is_exclusive_until_it_ends(store: Store) -> None:
    await store.add_subscription(subscription(1))
    await change(store, "a")
    claimed = await store.claim_subscription("sub_1", "a", T0, T0 + LEASE)
    assert claimed is not None
    assert (claimed.lease_owner, claimed.lease_until) == ("a", T0 + LEASE)
    assert await store.claim_subscription("sub_1", "b", T0 + timedelta(seconds=29), T0) is None
    assert await store.due_subscriptions(T0 + timedelta(seconds=29), 10) == []
    # The holder may renew it; once it has run out (the instance died), another takes it.
    again = await store.claim_subscription("sub_1", "a", T0, T0 + 2 * LEASE)
    assert again is not None
    assert again.lease_until == T0 + 2 * LEASE
    after = T0 + 2 * LEASE + timedelta(microseconds=1)
    assert [s.id for s in await store.due_subscriptions(after, 10)] == ["sub_1"]
    taken = await store.claim_subscription("sub_1", "b", after, after + LEASE)
    assert taken is not None
    assert taken.lease_owner == "b"


async def test_no_claim_while_waiting_for_a_retry_or_after_deletion(store: Store) -> None:
    await store.add_subscription(subscription(1))
    seq = await change(store, "a")
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is not None
    retry = T0 + timedelta(minutes=5)
    failed = attempt("sub_1", seq, ok=False, status=503)
    assert await store.record_delivery(failed, owner="w", lease_until=T0, retry_at=retry)
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is None
    assert await store.claim_subscription("sub_1", "w", retry, retry + LEASE) is not None
    await store.delete_subscription("sub_1", retry)
    later = retry + 2 * LEASE
    assert await store.claim_subscription("sub_1", "v", later, later + LEASE) is None


async def test_one_of_many_racing_claims_wins(store: Store, second: Store) -> None:
    await store.add_subscription(subscription(1))
    await change(store, "a")
    claims = await asyncio.gather(
        *(
            (store if n % 2 else second).claim_subscription("sub_1", f"w{n}", T0, T0 + LEASE)
            for n in range(12)
        )
    )
    winners = [c.lease_owner for c in claims if c is not None]
    assert len(winners) == 1
    found = await store.subscription("sub_1")
    assert found is not None
    assert found.lease_owner == winners[0]


async def test_release_lets_go_of_the_owners_leases_only(store: Store) -> None:
    for n in (1, 2, 3):
        await store.add_subscription(subscription(n))
    await change(store, "a")
    for n, owner in ((1, "a"), (2, "a"), (3, "b")):
        assert await store.claim_subscription(f"sub_{n}", owner, T0, T0 + LEASE) is not None
    assert await store.release_subscriptions("a", ["sub_2", "sub_3"]) == 1
    assert [s.id for s in await store.due_subscriptions(T0, 10)] == ["sub_2"]
    assert await store.release_subscriptions("a") == 1
    assert await store.release_subscriptions("a") == 0
    assert [s.id for s in await store.due_subscriptions(T0, 10)] == ["sub_1", "sub_2"]
    found = await store.subscription("sub_3")
    assert found is not None
    assert found.lease_owner == "b"


# -- recording deliveries ------------------------------------------------------------------


async def test_a_delivery_moves_the_cursor_and_keeps_the_lease(store: Store) -> None:
    await store.add_subscription(subscription(1))
    first = await change(store, "a")
    await change(store, "b", phone="+15550000002")
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is not None
    failed = attempt("sub_1", first, 1, ok=False, status=500)
    await store.record_delivery(failed, owner="w", lease_until=T0, retry_at=T0)
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is not None
    until = T0 + 3 * LEASE
    assert await store.record_delivery(attempt("sub_1", first, 2), owner="w", lease_until=until)
    found = await store.subscription("sub_1")
    assert found is not None
    assert (found.cursor, found.attempts, found.next_attempt_at, found.last_error) == (
        first,
        0,
        None,
        None,
    )
    assert (found.lease_owner, found.lease_until) == ("w", until)


async def test_a_failure_counts_waits_and_lets_go(store: Store) -> None:
    added = await store.add_subscription(subscription(1))
    seq = await change(store, "a")
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is not None
    retry = T0 + timedelta(seconds=4)
    failed = attempt("sub_1", seq, 3, ok=False, status=None)
    assert await store.record_delivery(failed, owner="w", lease_until=T0, retry_at=retry)
    found = await store.subscription("sub_1")
    assert found is not None
    assert (found.cursor, found.attempts, found.next_attempt_at) == (added.cursor, 3, retry)
    assert found.last_error == "no answer within 10 s"
    assert (found.lease_owner, found.lease_until) == (None, None)


async def test_without_the_lease_only_the_log_is_written(store: Store) -> None:
    added = await store.add_subscription(subscription(1))
    seq = await change(store, "a")
    assert await store.claim_subscription("sub_1", "a", T0, T0 + LEASE) is not None
    assert not await store.record_delivery(attempt("sub_1", seq), owner="b", lease_until=T0)
    failed = attempt("sub_1", seq, ok=False, status=500)
    assert not await store.record_delivery(failed, owner="b", lease_until=T0, retry_at=T0)
    found = await store.subscription("sub_1")
    assert found is not None
    assert (found.cursor, found.attempts, found.lease_owner) == (added.cursor, 0, "a")
    assert len(await store.deliveries("sub_1")) == 2


async def test_the_cursor_never_goes_back(store: Store) -> None:
    await store.add_subscription(subscription(1), from_beginning=True)
    first = await change(store, "a")
    second_seq = await change(store, "b", phone="+15550000002")
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is not None
    assert await store.record_delivery(attempt("sub_1", second_seq), owner="w", lease_until=T0)
    assert not await store.record_delivery(attempt("sub_1", first), owner="w", lease_until=T0)
    found = await store.subscription("sub_1")
    assert found is not None
    assert found.cursor == second_seq


async def test_a_deleted_subscription_does_not_move_on(store: Store) -> None:
    added = await store.add_subscription(subscription(1))
    seq = await change(store, "a")
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is not None
    await store.delete_subscription("sub_1", T0)
    assert not await store.record_delivery(attempt("sub_1", seq), owner="w", lease_until=T0)
    found = await store.subscription("sub_1")
    assert found is not None
    assert found.cursor == added.cursor


async def test_the_delivery_log_pages_newest_first(store: Store) -> None:
    await store.add_subscription(subscription(1))
    await store.add_subscription(subscription(2))
    seq = await change(store, "a")
    for n in range(1, 6):
        await store.record_delivery(
            attempt("sub_1", seq, n, ok=n == 5, status=200 if n == 5 else 502),
            owner="nobody",
            lease_until=T0,
            retry_at=T0,
        )
    await store.record_delivery(attempt("sub_2", seq), owner="nobody", lease_until=T0)
    log = await store.deliveries("sub_1")
    assert [d.attempt for d in log] == [5, 4, 3, 2, 1]
    assert [(d.ok, d.status) for d in log[:2]] == [(True, 200), (False, 502)]
    assert log[1].error == "HTTP 502"
    assert log[0] == replace(attempt("sub_1", seq, 5), id=log[0].id)
    page = await store.deliveries("sub_1", limit=2)
    rest = await store.deliveries("sub_1", before=page[-1].id, limit=10)
    assert [d.attempt for d in page + rest] == [5, 4, 3, 2, 1]
    assert await store.deliveries("missing") == []


async def test_everything_is_still_there_after_reopening(
    backend: str, tmp_path: Path, store: Store
) -> None:
    await store.add_subscription(subscription(1))
    seq = await change(store, "a")
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is not None
    failed = attempt("sub_1", seq, ok=False, status=500)
    await store.record_delivery(failed, owner="w", lease_until=T0, retry_at=T0 + LEASE)
    before = (await store.subscription("sub_1"), await store.deliveries("sub_1"))
    await store.close()
    reopened = make_store(backend, tmp_path, every_event)
    await reopened.open()
    try:
        after = (await reopened.subscription("sub_1"), await reopened.deliveries("sub_1"))
    finally:
        await reopened.close()
    assert after == before
    assert before[0] is not None
    assert (before[0].attempts, before[0].next_attempt_at) == (1, T0 + LEASE)


# -- retention -----------------------------------------------------------------------------


async def test_pruning_keeps_what_a_subscription_still_needs_and_the_newest_change(
    store: Store,
) -> None:
    await store.add_subscription(subscription(1))
    first = await change(store, "a")
    second = await change(store, "b", phone="+15550000002")
    third = await change(store, "c", phone="+15550000003")
    assert await store.claim_subscription("sub_1", "w", T0, T0 + LEASE) is not None
    assert await store.record_delivery(attempt("sub_1", first), owner="w", lease_until=T0)

    assert await store.prune_outbox(datetime(2000, 1, 1, tzinfo=UTC)) == (0, 0)  # all newer
    later = datetime.now(UTC) + timedelta(days=1)
    assert await store.prune_outbox(later) == (1, 1)  # `first`, given; its attempt
    assert [c.seq for c in await store.changes(0, 100)] == [second, third]
    assert await store.deliveries("sub_1") == []

    # Nobody needs anything any more: all but the newest go, and numbering goes on after it.
    assert await store.delete_subscription("sub_1", T0)
    assert await store.prune_outbox(later) == (1, 0)
    assert [c.seq for c in await store.changes(0, 100)] == [third]
    assert await change(store, "d", phone="+15550000004") == third + 1


async def test_the_worker_prunes_past_its_retention(store: Store) -> None:
    import aiohttp

    from bot.outbox import SubscriberWorker
    from bot.state import Policy
    from bot.summary import Reader

    await store.add_subscription(subscription(1))
    await change(store, "a")
    await change(store, "b", phone="+15550000002")
    await store.delete_subscription("sub_1", T0)
    async with aiohttp.ClientSession() as session:

        def worker(retention: timedelta | None) -> SubscriberWorker:
            return SubscriberWorker(
                store,
                session,
                Reader(Policy()),
                poll_s=1,
                timeout_s=1,
                backoff_base_s=1,
                backoff_max_s=1,
                retention=retention,
            )

        now = datetime.now(UTC)
        assert await worker(None).prune(now + timedelta(days=400)) == (0, 0)  # keeps for ever
        keeping = worker(timedelta(days=30))
        assert await keeping.prune(now + timedelta(days=29)) == (0, 0)  # not old enough
        assert await keeping.prune(now + timedelta(days=31)) == (1, 0)
        assert len(await store.changes(0, 100)) == 1  # the newest stays
