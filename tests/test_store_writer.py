"""The stores' writer on every backend: an error nobody expected fails the appends it
was committing, never silently, and the writer goes on serving later ones."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from storage.base import AppendResult, EventRecord, Projection, Store
from tests.test_store_contract import BACKENDS, lookup, make_store, prepare_location, record


class Fatal(BaseException):
    """Not an `Exception`: escapes every handler of a transaction's errors."""


def tripwire(records: Sequence[EventRecord]) -> Projection:
    """A projector that fails, with an error nobody expects, on the event keyed "boom"."""
    if any(r.key == "boom" for r in records):
        raise Fatal("the projector blew up")
    return Projection(json.dumps(sorted(r.key for r in records)))


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.postgres] if name == "postgres" else [])
        for name in BACKENDS
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
    s = make_store(backend, tmp_path, tripwire)
    await s.open()
    await s.migrate()
    yield s
    await s.close()


async def test_an_unexpected_error_fails_its_appends_and_later_appends_are_served(
    store: Store,
) -> None:
    calls = [store.append([record(f"ok{i}", ids=(f"p:+{i}",))]) for i in range(10)]
    calls.insert(5, store.append([record("boom", ids=("p:+666",))]))
    results = await asyncio.gather(*calls, return_exceptions=True)

    # The append that met the error gets it; any append committed with it in one batch
    # gets it too, and nothing of that batch is stored. No call is left waiting.
    assert isinstance(results.pop(5), Fatal)
    assert all(r == AppendResult((True,)) or isinstance(r, Fatal) for r in results), results
    assert await lookup(store, "boom") is None
    committed = [f"ok{i}" for i, r in enumerate(results) if not isinstance(r, Fatal)]
    assert [await lookup(store, key) is not None for key in committed] == [True] * len(committed)
    assert await store.count_events() == len(committed)

    # The writer is still there: later appends commit, again and again.
    for n in range(3):
        assert (await store.append([record(f"after{n}")])).created == (True,)
    assert await store.count_events() == len(committed) + 3
    # However often it happens (more times than PostgreSQL has writers).
    for n in range(5):
        with pytest.raises(Fatal):
            await store.append([record("boom", ids=(f"p:+66{n}",))])
    assert (await store.append([record("last")])).created == (True,)
