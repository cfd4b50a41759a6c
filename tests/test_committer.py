"""The group committer (`storage.committer`) with a fake transaction: batching, the retry of
each job alone, outages, errors nobody expected, cancellation and stopping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from storage.base import StoreClosed, StoreUnavailable
from storage.committer import GroupCommitter


class Bad(Exception):
    """A work that fails its transaction."""


class Fatal(BaseException):
    """An error that no transaction handles (not an `Exception`)."""


class Db:
    """A fake database: a transaction commits works (strings) unless one of them is bad."""

    def __init__(self) -> None:
        self.transactions: list[list[str]] = []
        self.committed: list[str] = []
        self.down = False
        self.gate: asyncio.Event | None = None  # when set, a transaction waits for it

    async def commit(self, works: Sequence[str]) -> list[str]:
        self.transactions.append(list(works))
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise OSError("the database is down")
        if "fatal" in works:
            raise Fatal("nobody expects this")
        if any(w.startswith("bad") for w in works):
            raise Bad(f"bad work in {works}")
        self.committed += works
        return [w.upper() for w in works]


def classify(exc: Exception) -> BaseException:
    return StoreUnavailable(str(exc)) if isinstance(exc, OSError) else exc


@pytest.fixture
def db() -> Db:
    return Db()


@pytest.fixture(params=[True, False], ids=["linger", "no-linger"])
async def committer(request: pytest.FixtureRequest, db: Db) -> AsyncIterator[GroupCommitter[str]]:
    c = GroupCommitter[str](db.commit, classify, name="test", linger=request.param)
    c.start()
    yield c
    await c.stop()


async def test_concurrent_works_share_one_transaction(
    committer: GroupCommitter[str], db: Db
) -> None:
    db.gate = asyncio.Event()
    first = asyncio.create_task(committer.submit("a"))
    await asyncio.sleep(0.01)  # "a" is in its transaction: the rest queue up behind it
    rest = [asyncio.create_task(committer.submit(w)) for w in "bcd"]
    await asyncio.sleep(0)
    db.gate.set()
    assert await asyncio.gather(first, *rest) == ["A", "B", "C", "D"]
    assert db.transactions == [["a"], ["b", "c", "d"]]


async def test_a_failed_batch_is_tried_one_work_at_a_time(
    committer: GroupCommitter[str], db: Db
) -> None:
    results = await asyncio.gather(
        *(committer.submit(w) for w in ["a", "bad", "c"]), return_exceptions=True
    )
    assert results[0] == "A"
    assert isinstance(results[1], Bad)
    assert results[2] == "C"
    assert db.committed == ["a", "c"]
    assert db.transactions[-3:] == [["a"], ["bad"], ["c"]]


async def test_an_outage_fails_the_whole_batch_at_once(
    committer: GroupCommitter[str], db: Db
) -> None:
    db.down = True
    results = await asyncio.gather(*(committer.submit(w) for w in "abc"), return_exceptions=True)
    assert all(isinstance(r, StoreUnavailable) for r in results)
    assert len(db.transactions) == 1  # not tried again once per work
    db.down = False
    assert await committer.submit("d") == "D"


async def test_work_alone_runs_by_itself_in_its_turn(
    committer: GroupCommitter[str], db: Db
) -> None:
    seen: list[list[str]] = []

    async def migrate() -> str:
        seen.append([w for t in db.transactions for w in t])
        return "migrated"

    results = await asyncio.gather(
        committer.submit("a"), committer.submit_alone(migrate), committer.submit("b")
    )
    assert results == ["A", "migrated", "B"]
    assert seen == [["a"]]
    assert db.transactions == [["a"], ["b"]]


async def test_an_unexpected_error_fails_its_batch_and_the_writer_serves_later_work(
    committer: GroupCommitter[str], db: Db
) -> None:
    results = await asyncio.gather(
        *(committer.submit(w) for w in ["a", "fatal", "b"]), return_exceptions=True
    )
    assert all(isinstance(r, Fatal) for r in results), results
    assert db.committed == []
    assert await committer.submit("later") == "LATER"


async def test_a_caller_that_stops_waiting_does_not_stop_its_work(
    committer: GroupCommitter[str], db: Db
) -> None:
    db.gate = asyncio.Event()
    waiting = asyncio.create_task(committer.submit("a"))
    await asyncio.sleep(0.01)
    waiting.cancel()
    db.gate.set()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert await committer.submit("b") == "B"
    assert db.committed == ["a", "b"]


async def test_stop_finishes_queued_work_then_refuses_more(
    committer: GroupCommitter[str], db: Db
) -> None:
    queued = [asyncio.create_task(committer.submit(w)) for w in "abc"]
    await asyncio.sleep(0)
    await committer.stop()
    assert [t.result() for t in queued] == ["A", "B", "C"]
    with pytest.raises(StoreClosed):
        await committer.submit("late")


async def test_a_cancelled_writer_fails_its_batch_and_the_queue_and_refuses_more(db: Db) -> None:
    committer = GroupCommitter[str](db.commit, classify, name="test")
    committer.start()
    db.gate = asyncio.Event()
    in_flight = asyncio.create_task(committer.submit("a"))
    await asyncio.sleep(0.01)
    queued = asyncio.create_task(committer.submit("b"))
    await asyncio.sleep(0)
    for task in asyncio.all_tasks():
        if task.get_name() == "test-0":
            task.cancel()
    for call in (in_flight, queued):
        with pytest.raises(StoreClosed):
            await call
    with pytest.raises(StoreClosed):
        await committer.submit("c")
    await committer.stop()
    assert db.committed == []


async def test_several_writers_commit_batches_side_by_side(db: Db) -> None:
    committer = GroupCommitter[str](db.commit, classify, name="test", writers=3)
    committer.start()
    db.gate = asyncio.Event()
    calls = []
    for i in range(3):
        calls.append(asyncio.create_task(committer.submit(f"w{i}")))
        await asyncio.sleep(0.01)
    assert len(db.transactions) == 3  # three writers, each in a transaction at once
    db.gate.set()
    assert await asyncio.gather(*calls) == ["W0", "W1", "W2"]
    await committer.stop()


async def test_work_before_start_is_refused(db: Db) -> None:
    committer = GroupCommitter[str](db.commit, classify, name="test")
    with pytest.raises(StoreClosed):
        await committer.submit("a")
