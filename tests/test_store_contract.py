"""The behaviour every `Store` backend promises, run unchanged against each backend.

Every test works through the `backend_store` fixture (or, where it needs a second database
or the same database again, through `make_store` for the same backend). Backend-specific
tests say so in their name and skip on the other backends.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.events import Kind, Source, event_id
from bot.ledger import make_projector, state_from_json
from bot.state import BlockKind, Policy
from storage.base import (
    AppendResult,
    EventRecord,
    PreparedEvent,
    Projection,
    Projector,
    QuarantineRecord,
    Store,
    StoreClosed,
    StoreUnavailable,
    TokenRecord,
)
from storage.codec import event_params, migrations
from storage.postgres import PostgresStore
from storage.sqlite import SQLiteStore
from tests import pg

BACKENDS = ["sqlite", "postgres"]
BUSY_TIMEOUT_MS = 200
# Short enough that an outage fails a test quickly, long enough for a loaded CI machine.
PG_COMMAND_TIMEOUT_S = 10.0
ROOT = Path(__file__).resolve().parents[1]

T0 = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
HOUR = timedelta(hours=1)


# -- backends ----------------------------------------------------------------------------------


def make_store(backend: str, location: Path, projector: Projector) -> Store:
    """An unopened store of `backend` whose database lives at `location` (one per database).

    The same `location` names the same database again, so a test can close a store and
    open its data anew. A new backend is one more branch here.
    """
    if backend == "sqlite":
        return SQLiteStore(location / "c.db", projector, busy_timeout_ms=BUSY_TIMEOUT_MS)
    if backend == "postgres":
        # A schema of the session's database per location (see tests/pg.py).
        return PostgresStore(
            pg.location_url(location),
            projector,
            min_size=1,
            max_size=4,
            command_timeout=PG_COMMAND_TIMEOUT_S,
            connect_timeout=2.0,
        )
    raise ValueError(f"unknown backend {backend!r}")


async def prepare_location(backend: str, location: Path) -> None:
    """Make what `make_store` expects to find at `location` (SQLite creates its own file)."""
    if backend == "postgres" and not (location / pg.URL_FILE).exists():
        await pg.create_schema(location)


def unreachable_location(backend: str, tmp_path: Path) -> Path:
    """A `location` where `backend` cannot create or reach its database."""
    if backend == "sqlite":
        blocker = tmp_path / "a-regular-file"
        blocker.write_text("not a directory\n", encoding="utf-8")
        return blocker / "data"
    if backend == "postgres":
        return pg.unreachable_location(tmp_path)  # a closed port
    raise ValueError(f"unknown backend {backend!r}")


# -- projectors --------------------------------------------------------------------------------


def key_kind(records: Sequence[EventRecord]) -> str:
    """A projection that names exactly the events it was derived from."""
    return json.dumps(sorted([r.key, r.kind] for r in records))


def spy_summary(records: Sequence[EventRecord]) -> str:
    """The spy's eligibility: the kind of the latest opt-out or opt-in ('' for none)."""
    return next((r.kind for r in reversed(records) if r.kind in ("opt_out", "opt_in")), "")


def names(records: Sequence[EventRecord]) -> tuple[str | None, str | None]:
    phone = next((r.phone for r in reversed(records) if r.phone), None)
    user_id = next((r.user_id for r in reversed(records) if r.user_id), None)
    return phone, user_id


class Poisoned(Exception):
    """Raised by the spy projector when it sees a poisoned event key."""


class Spy:
    """A projector that records the keys of every call and fails on poisoned keys."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.seen: list[list[EventRecord]] = []
        self.poison: set[str] = set()

    def __call__(self, records: Sequence[EventRecord]) -> Projection:
        keys = [r.key for r in records]
        self.calls.append(keys)
        self.seen.append(list(records))
        bad = self.poison.intersection(keys)
        if bad:
            raise Poisoned(f"poisoned: {sorted(bad)}")
        return Projection(key_kind(records), spy_summary(records), *names(records))

    def saw(self, key: str) -> bool:
        return any(key in call for call in self.calls)


# -- fixtures ----------------------------------------------------------------------------------


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
def spy() -> Spy:
    return Spy()


@pytest.fixture
def projector(request: pytest.FixtureRequest, spy: Spy) -> Projector:
    """The spy, unless a test asks for `"policy"` (the real projector) by indirect parameter."""
    if getattr(request, "param", "spy") == "policy":
        return make_projector(Policy())
    return spy


@pytest.fixture
async def backend_store(backend: str, tmp_path: Path, projector: Projector) -> AsyncIterator[Store]:
    await prepare_location(backend, tmp_path)
    store = make_store(backend, tmp_path, projector)
    await store.open()
    await store.migrate()
    yield store
    await store.close()


@pytest.fixture
async def other_store(
    backend: str, tmp_path: Path, spy: Spy
) -> AsyncIterator[Callable[[Path], Awaitable[Store]]]:
    """`await other_store(location)`: another opened, unmigrated store, closed after the test."""
    opened: list[Store] = []

    async def make(location: Path) -> Store:
        await prepare_location(backend, location)
        store = make_store(backend, location, spy)
        await store.open()
        opened.append(store)
        return store

    yield make
    for store in opened:
        await store.close()


# -- records -----------------------------------------------------------------------------------


def record(
    key: str,
    *,
    ids: tuple[str, ...] = ("p:+15550000001",),
    kind: str = Kind.OPT_OUT.value,
    source: str = Source.WHATSAPP_TEXT.value,
    at: datetime = T0,
    categories: tuple[str, ...] = ("marketing",),
    **fields: Any,
) -> EventRecord:
    base = EventRecord(
        id=event_id(key),
        key=key,
        kind=kind,
        source=source,
        occurred_at=at,
        received_at=at + timedelta(seconds=1, microseconds=7),
        identity_keys=ids,
        categories=categories,
    )
    return replace(base, **fields)


def quarantine(
    body: bytes = b"\x00\xff{not json", reason: str = "invalid JSON"
) -> QuarantineRecord:
    return QuarantineRecord(received_at=T0, reason=reason, body=body)


def token(n: int, *, at: datetime = T0) -> TokenRecord:
    return TokenRecord(
        id=f"tok-{n}",
        name=f"token {n}",
        role="operator",
        token_hash=f"{n:064x}",
        created_at=at,
    )


async def lookup(store: Store, key: str) -> EventRecord | None:
    """The stored event with this natural key (`Store.event` takes the id derived from it)."""
    return await store.event(event_id(key))


async def stored(store: Store, key: str) -> EventRecord:
    found = await lookup(store, key)
    assert found is not None
    assert isinstance(found.seq, int)
    return found


def seqs(events: Sequence[EventRecord]) -> list[int]:
    out = [e.seq for e in events]
    assert all(isinstance(s, int) for s in out)
    return [s for s in out if s is not None]


async def state_of(store: Store, key: str) -> str:
    subject = await store.subject([key])
    assert subject is not None
    return subject.state


async def keys_of(store: Store, identity_key: str) -> list[str]:
    subject = await store.subject([identity_key])
    assert subject is not None
    return [e.key for e in await store.events_of(subject.id)]


# -- migrations and lifecycle ------------------------------------------------------------------


async def test_migrate_reports_applied_names_once(
    backend: str,
    backend_store: Store,
    tmp_path: Path,
    other_store: Callable[[Path], Awaitable[Store]],
) -> None:
    fresh = await other_store(tmp_path / "fresh")
    applied = await fresh.migrate()
    assert applied == [name for name, _ in migrations(backend)]
    assert applied
    assert await fresh.migrate() == []
    assert (await fresh.append([record("after-migrate")])).created == (True,)

    assert await backend_store.migrate() == []
    again = await other_store(tmp_path)
    assert await again.migrate() == []


async def test_committed_data_survives_close_and_reopen(
    backend_store: Store,
    tmp_path: Path,
    other_store: Callable[[Path], Awaitable[Store]],
) -> None:
    ev = record("durable", evidence={"text": "СТОП"})
    await backend_store.append([ev], quarantine=quarantine())
    await backend_store.add_token(token(1))
    state = await state_of(backend_store, "p:+15550000001")
    await backend_store.close()

    reopened = await other_store(tmp_path)
    assert await reopened.migrate() == []
    got = await stored(reopened, "durable")
    assert got == replace(ev, seq=got.seq)
    assert await state_of(reopened, "p:+15550000001") == state
    assert [q.body for q in await reopened.quarantined()] == [quarantine().body]
    assert await reopened.token_by_hash(token(1).token_hash) == token(1)


async def test_close_twice_is_fine(backend_store: Store) -> None:
    await backend_store.close()
    await backend_store.close()


CLOSED_CALLS: list[tuple[str, Callable[[Store], Awaitable[object]]]] = [
    ("migrate", lambda s: s.migrate()),
    ("ping", lambda s: s.ping()),
    ("append", lambda s: s.append([record("late")])),
    ("append_empty", lambda s: s.append([])),
    ("append_quarantine", lambda s: s.append([], quarantine=quarantine())),
    ("subject", lambda s: s.subject(["p:+15550000001"])),
    ("subjects", lambda s: s.subjects(["p:+15550000001"])),
    ("events_of", lambda s: s.events_of(1)),
    ("event", lambda s: s.event(event_id("k"))),
    ("count_events", lambda s: s.count_events()),
    ("quarantined", lambda s: s.quarantined()),
    ("add_token", lambda s: s.add_token(token(9))),
    ("token_by_hash", lambda s: s.token_by_hash(token(1).token_hash)),
    ("tokens", lambda s: s.tokens()),
    ("revoke_token", lambda s: s.revoke_token(token(1).id, T0)),
]


@pytest.mark.parametrize("call", [c for _, c in CLOSED_CALLS], ids=[n for n, _ in CLOSED_CALLS])
async def test_every_call_on_a_closed_store_raises_store_closed(
    backend_store: Store, call: Callable[[Store], Awaitable[object]]
) -> None:
    await backend_store.append([record("k")])
    await backend_store.add_token(token(1))
    await backend_store.close()
    with pytest.raises(StoreClosed):
        await call(backend_store)


_REOPEN_SCRIPT = """
import asyncio, sys
from pathlib import Path

from storage.base import StoreClosed
from tests.test_store_contract import Spy, make_store


async def main() -> None:
    store = make_store(sys.argv[1], Path(sys.argv[2]), Spy())
    await store.open()
    await store.close()
    try:
        await store.open()
    except StoreClosed:
        print("StoreClosed", flush=True)
    else:
        print("opened again", flush=True)
    await store.close()


asyncio.run(main())
"""


def test_open_after_close_raises_store_closed_and_the_process_can_exit(
    backend: str, tmp_path: Path
) -> None:
    # In a child process: a store that leaks threads on reopen keeps the interpreter from
    # exiting, which only an outside observer can see (and it must not hang this run).
    try:
        done = subprocess.run(
            [sys.executable, "-c", _REOPEN_SCRIPT, backend, str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout
        pytest.fail(f"the process did not exit after open() on a closed store; it printed {out!r}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "StoreClosed"


async def test_close_lets_appends_already_submitted_finish(
    backend_store: Store,
    tmp_path: Path,
    other_store: Callable[[Path], Awaitable[Store]],
) -> None:
    results = await asyncio.gather(
        *(backend_store.append([record(f"inflight-{i}", ids=(f"p:+{i}",))]) for i in range(20)),
        backend_store.close(),
    )
    assert results[:-1] == [AppendResult((True,))] * 20
    reopened = await other_store(tmp_path)
    assert await reopened.count_events() == 20


async def test_reads_racing_close_complete_or_raise_store_closed(backend_store: Store) -> None:
    await backend_store.append([record("k")])
    results = await asyncio.gather(
        *(backend_store.count_events() for _ in range(20)),
        backend_store.close(),
        return_exceptions=True,
    )
    unexpected = [
        f"{type(r).__name__}: {r}"
        for r in results[:-1]
        if r != 1 and not isinstance(r, StoreClosed)
    ]
    assert unexpected == []


async def test_open_where_the_database_cannot_be_created_raises_store_unavailable(
    backend: str, tmp_path: Path, spy: Spy
) -> None:
    store = make_store(backend, unreachable_location(backend, tmp_path), spy)
    with pytest.raises(StoreUnavailable):
        await store.open()
    await store.close()


async def test_sqlite_only_open_where_a_directory_stands_in_for_the_file_raises_unavailable(
    backend: str, tmp_path: Path, spy: Spy
) -> None:
    if backend != "sqlite":
        pytest.skip("the database file is SQLite-specific")
    (tmp_path / "c.db").mkdir()
    store = make_store(backend, tmp_path, spy)
    with pytest.raises(StoreUnavailable):
        await store.open()
    await store.close()


# -- append ------------------------------------------------------------------------------------


async def test_append_returns_created_flags_in_order(backend_store: Store) -> None:
    first = await backend_store.append([record("a"), record("b")])
    assert first == AppendResult((True, True))
    second = await backend_store.append([record("c"), record("a"), record("c"), record("d")])
    assert second.created == (True, False, False, True)
    assert second.quarantine_id is None
    assert await backend_store.count_events() == 4
    assert await keys_of(backend_store, "p:+15550000001") == ["a", "b", "c", "d"]


async def test_a_duplicate_keeps_the_first_version_of_the_event(backend_store: Store) -> None:
    original = record("same", evidence={"text": "СТОП"})
    await backend_store.append([original])
    again = record("same", kind=Kind.OPT_IN.value, ids=("u:other",), evidence={"text": "START"})
    assert (await backend_store.append([again])).created == (False,)
    first = await stored(backend_store, "same")
    assert replace(first, seq=None) == original
    assert await backend_store.subject(["u:other"]) is None
    assert await backend_store.count_events() == 1


async def test_duplicates_are_found_by_id(backend_store: Store) -> None:
    first = record("natural-key")
    await backend_store.append([first])
    assert (await backend_store.append([replace(first, evidence={"n": 2})])).created == (False,)
    both = await backend_store.append([record("other"), first])
    assert both.created == (True, False)
    assert await backend_store.count_events() == 2
    assert (await stored(backend_store, "natural-key")).evidence == {}
    assert await keys_of(backend_store, "p:+15550000001") == ["natural-key", "other"]


async def test_quarantine_is_stored_byte_exact(backend_store: Store) -> None:
    body = b'\x00\xff\xfe{"entry": [\xd0\xa1\xd0\xa2\xd0\x9e\xd0\x9f\r\n\t'
    q = quarantine(body, reason="entry[0].changes[1]: field 'value' missing")
    result = await backend_store.append([record("with-q")], quarantine=q)
    assert result.created == (True,)
    assert result.quarantine_id is not None
    stored = await backend_store.quarantined()
    assert stored == [replace(q, id=result.quarantine_id)]
    assert await backend_store.count_events() == 1


async def test_append_with_only_a_quarantine_row(backend_store: Store) -> None:
    result = await backend_store.append([], quarantine=quarantine())
    assert result.created == ()
    assert result.quarantine_id is not None
    assert [q.id for q in await backend_store.quarantined()] == [result.quarantine_id]
    assert await backend_store.count_events() == 0
    assert await backend_store.append([]) == AppendResult(())


async def test_concurrent_quarantine_rows_get_distinct_ids(backend_store: Store) -> None:
    results = await asyncio.gather(
        *(backend_store.append([], quarantine=quarantine(bytes([i]) * 3)) for i in range(10))
    )
    ids = [r.quarantine_id for r in results]
    assert None not in ids
    assert len(set(ids)) == 10
    stored = {q.id: q.body for q in await backend_store.quarantined()}
    assert stored == {r.quarantine_id: bytes([i]) * 3 for i, r in enumerate(results)}


async def test_event_round_trips_every_field(backend_store: Store) -> None:
    ev = EventRecord(
        id=event_id("wamid.HBgLNzk5OTEyMzQ1NjcVAgASGBQzQUM="),
        key="wamid.HBgLNzk5OTEyMzQ1NjcVAgASGBQzQUM=",
        kind=Kind.CONSENT.value,
        source=Source.WEB_FORM.value,
        occurred_at=datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        received_at=datetime(2024, 3, 1, 0, 0, 0, 1, tzinfo=UTC),
        identity_keys=("p:79991234567", "u:RU.1234567890"),
        phone="+79991234567",
        wa_id="79991234567",
        user_id="RU.1234567890",
        categories=("utility", "marketing"),
        phone_number_id="106540352242922",
        waba_id="102290129340398",
        actor="operator:Анна",
        language="ru",
        evidence={
            "text": "Да, согласен получать рассылки «Ромашки» 🌼",
            "wording": {"version": 3, "lines": ["Я согласен", "Отписаться: СТОП"]},
            "ip": "203.0.113.7",
            "nested": {"a": [1, 2.5, None, True, {"b": "в"}], "empty": {}},
        },
    )
    result = await backend_store.append([ev])
    assert result.created == (True,)
    got = await backend_store.event(ev.id)
    assert got is not None
    assert isinstance(got.seq, int)
    assert got == replace(ev, seq=got.seq)
    for value in (got.occurred_at, got.received_at):
        assert value.utcoffset() == timedelta(0)
    assert got.occurred_at.microsecond == 999999
    assert got.received_at.microsecond == 1
    assert await lookup(backend_store, "no-such-key") is None


@pytest.mark.parametrize(
    ("ids", "categories"),
    [
        pytest.param(("u:ACME 42",), ("marketing",), id="space-in-identity"),
        pytest.param(("p:+1",), ("custom category",), id="space-in-category"),
        pytest.param(("",), ("marketing",), id="empty-identity"),
    ],
)
async def test_identity_keys_and_categories_are_single_words(
    backend_store: Store, ids: tuple[str, ...], categories: tuple[str, ...]
) -> None:
    good = backend_store.append([record("fine")])
    bad = backend_store.append([record("opaque", ids=ids, categories=categories)])
    outcomes = await asyncio.gather(good, bad, return_exceptions=True)
    assert isinstance(outcomes[1], ValueError)
    assert await lookup(backend_store, "opaque") is None
    assert await lookup(backend_store, "fine") is not None


async def test_identity_keys_may_hold_any_other_character(backend_store: Store) -> None:
    ev = record(
        "odd", ids=("u:ACME.42", "p:+1", 'x:["json"]'), categories=("marketing", "topic:шины")
    )
    await backend_store.append([ev])
    got = await stored(backend_store, "odd")
    assert got.identity_keys == ev.identity_keys
    assert got.categories == ev.categories
    subject = await backend_store.subject(['x:["json"]'])
    assert subject is not None
    assert set(subject.identity_keys) == set(ev.identity_keys)


async def test_times_in_other_zones_come_back_as_the_same_instant_in_utc(
    backend_store: Store,
) -> None:
    moscow = timezone(timedelta(hours=3))
    at = datetime(2024, 5, 1, 15, 30, 15, 654321, tzinfo=moscow)
    await backend_store.append([record("moscow", at=at)])
    got = await stored(backend_store, "moscow")
    assert got.occurred_at == at
    assert got.occurred_at.utcoffset() == timedelta(0)
    assert got.occurred_at.hour == 12
    assert got.occurred_at.microsecond == 654321


async def test_seq_follows_the_order_of_commit(backend_store: Store) -> None:
    await backend_store.append([record("one"), record("two")])
    await backend_store.append([record("three")])
    order = seqs([await stored(backend_store, k) for k in ("one", "two", "three")])
    assert order == sorted(order)
    assert len(set(order)) == 3


async def test_large_appends_cross_every_internal_chunk(backend_store: Store) -> None:
    first = await backend_store.append([record(f"k{i}", ids=(f"i:{i}",)) for i in range(600)])
    assert first.created == (True,) * 600
    second = await backend_store.append([record(f"k{i}", ids=(f"i:{i}",)) for i in range(1200)])
    assert second.created == (False,) * 600 + (True,) * 600
    assert await backend_store.count_events() == 1200
    keys = [f"i:{i}" for i in range(1200)]
    found = await backend_store.subjects([*keys, "i:missing"])
    assert set(found) == set(keys)
    assert len({s.id for s in found.values()}) == 1200
    assert all(found[k].identity_keys == (k,) for k in keys)


# -- identities --------------------------------------------------------------------------------


async def test_separate_keys_are_separate_subjects_until_an_event_links_them(
    backend_store: Store,
) -> None:
    await backend_store.append([record("by-phone", ids=("p:+1",))])
    await backend_store.append([record("by-user", ids=("u:X",))])
    phone = await backend_store.subject(["p:+1"])
    user = await backend_store.subject(["u:X"])
    assert phone is not None
    assert user is not None
    assert phone.id != user.id
    assert phone.identity_keys == ("p:+1",)

    await backend_store.append([record("again-by-phone", ids=("p:+1",))])
    await backend_store.append([record("link", ids=("p:+1", "u:X"))])
    phone = await backend_store.subject(["p:+1"])
    user = await backend_store.subject(["u:X"])
    assert phone is not None
    assert user is not None
    assert phone.id == user.id
    assert set(phone.identity_keys) == {"p:+1", "u:X"}
    events = await backend_store.events_of(phone.id)
    assert [e.key for e in events] == ["by-phone", "by-user", "again-by-phone", "link"]
    assert seqs(events) == sorted(seqs(events))


async def test_a_chain_of_links_merges_three_subjects(backend_store: Store) -> None:
    for key, ids in (("a", ("p:+1",)), ("b", ("u:X",)), ("c", ("p:+2",))):
        await backend_store.append([record(key, ids=ids)])
    await backend_store.append([record("link-1-x", ids=("p:+1", "u:X"))])
    await backend_store.append([record("link-x-2", ids=("u:X", "p:+2"))])
    found = await backend_store.subjects(["p:+1", "u:X", "p:+2"])
    assert len({s.id for s in found.values()}) == 1
    merged = found["p:+2"]
    assert set(merged.identity_keys) == {"p:+1", "u:X", "p:+2"}
    assert [e.key for e in await backend_store.events_of(merged.id)] == [
        "a",
        "b",
        "c",
        "link-1-x",
        "link-x-2",
    ]


async def test_links_inside_one_append_merge_new_and_old_subjects(backend_store: Store) -> None:
    await backend_store.append([record("old-1", ids=("p:+1",))])
    await backend_store.append([record("old-3", ids=("p:+3",))])
    await backend_store.append(
        [
            record("new-x", ids=("u:X",)),
            record("link-x-3", ids=("u:X", "p:+3")),
            record("new-y", ids=("u:Y",)),
            record("link-y-1-x", ids=("u:Y", "p:+1", "u:X")),
        ]
    )
    found = await backend_store.subjects(["p:+1", "p:+3", "u:X", "u:Y"])
    assert len({s.id for s in found.values()}) == 1
    subject = found["u:Y"]
    assert set(subject.identity_keys) == {"p:+1", "p:+3", "u:X", "u:Y"}
    assert [e.key for e in await backend_store.events_of(subject.id)] == [
        "old-1",
        "old-3",
        "new-x",
        "link-x-3",
        "new-y",
        "link-y-1-x",
    ]
    assert subject.state == key_kind(await backend_store.events_of(subject.id))


async def test_subjects_maps_each_known_key_and_omits_unknown_ones(backend_store: Store) -> None:
    await backend_store.append([record("one", ids=("p:+1", "u:A"))])
    await backend_store.append([record("two", ids=("p:+2",))])
    found = await backend_store.subjects(["p:+1", "p:+2", "u:A", "p:+404", "p:+1"])
    assert set(found) == {"p:+1", "p:+2", "u:A"}
    assert found["p:+1"] == found["u:A"]
    assert found["p:+1"].id != found["p:+2"].id
    assert found["p:+2"].identity_keys == ("p:+2",)
    assert await backend_store.subjects(["p:+404"]) == {}
    assert await backend_store.subject(["p:+404"]) is None
    first_known = await backend_store.subject(["p:+404", "p:+2", "p:+1"])
    assert first_known == found["p:+2"]


async def test_events_without_identity_keys_belong_to_no_subject(
    backend_store: Store, spy: Spy
) -> None:
    result = await backend_store.append(
        [record("anonymous", ids=()), record("known", ids=("p:+1",))]
    )
    assert result.created == (True, True)
    assert (await stored(backend_store, "anonymous")).identity_keys == ()
    subject = await backend_store.subject(["p:+1"])
    assert subject is not None
    assert [e.key for e in await backend_store.events_of(subject.id)] == ["known"]
    assert not spy.saw("anonymous")
    assert await backend_store.count_events() == 2


# -- projection --------------------------------------------------------------------------------


async def test_state_is_the_projection_of_all_the_subjects_events(
    backend_store: Store, spy: Spy
) -> None:
    p1 = record("p1", ids=("p:+1",))
    await backend_store.append([p1])
    assert await state_of(backend_store, "p:+1") == key_kind([p1])
    assert spy.calls[-1] == ["p1"]

    u1 = record("u1", ids=("u:X",), kind=Kind.CONSENT.value)
    await backend_store.append([u1])
    assert await state_of(backend_store, "u:X") == key_kind([u1])
    assert await state_of(backend_store, "p:+1") == key_kind([p1])

    p2 = record("p2", ids=("p:+1",), kind=Kind.OPT_IN.value)
    await backend_store.append([p2])
    assert await state_of(backend_store, "p:+1") == key_kind([p1, p2])
    assert sorted(spy.calls[-1]) == ["p1", "p2"]

    link = record("link", ids=("u:X", "p:+1"), kind=Kind.MESSAGE.value)
    calls_before = len(spy.calls)
    await backend_store.append([link])
    merged = key_kind([p1, u1, p2, link])
    assert await state_of(backend_store, "p:+1") == merged
    assert await state_of(backend_store, "u:X") == merged
    assert [sorted(c) for c in spy.calls[calls_before:]] == [["link", "p1", "p2", "u1"]]

    subject = await backend_store.subject(["u:X"])
    assert subject is not None
    assert subject.state == key_kind(await backend_store.events_of(subject.id))


async def test_the_projector_is_given_the_subjects_events_in_ledger_order(
    backend_store: Store, spy: Spy
) -> None:
    """Events of the batch come as the caller gave them (not read back); older ones as stored."""
    moscow = timezone(timedelta(hours=3))
    first = record("new", ids=("p:+1",), at=datetime(2024, 5, 1, 15, 0, tzinfo=moscow))
    await backend_store.append([first])
    subject = await backend_store.subject(["p:+1"])
    assert subject is not None
    assert spy.seen[-1] == [first]

    second = record("second", ids=("p:+1",))
    await backend_store.append([second])
    stored = await backend_store.events_of(subject.id)
    assert spy.seen[-1] == stored
    assert [e.key for e in stored] == ["new", "second"]


@pytest.mark.parametrize("projector", ["policy"], indirect=True)
async def test_a_new_subjects_state_matches_a_rederivation_from_its_stored_events(
    backend_store: Store,
) -> None:
    moscow = timezone(timedelta(hours=3))
    opt_out = record("stop", ids=("p:+1",), at=datetime(2024, 5, 1, 15, 0, tzinfo=moscow))
    await backend_store.append([opt_out])
    subject = await backend_store.subject(["p:+1"])
    assert subject is not None
    assert (
        subject.state == make_projector(Policy())(await backend_store.events_of(subject.id)).state
    )


def prepared(event: EventRecord, alone: Projection) -> PreparedEvent:
    """`event` as a bulk loader hands it over, with the projection it claims to give alone."""
    return PreparedEvent(event.id, event.identity_keys, event_params(event), alone)


async def test_a_prepared_event_of_a_new_subject_brings_its_projection(
    backend_store: Store, spy: Spy
) -> None:
    first = record("first", ids=("p:+1", "h:one"), evidence={"row": 7})
    given = Projection("given state", "given summary", "+1", None)
    result = await backend_store.append([prepared(first, given)])
    assert result.created == (True,)
    subject = await backend_store.subject(["h:one"])
    assert subject is not None
    assert (subject.state, subject.summary, subject.phone) == ("given state", "given summary", "+1")
    assert subject.feed_seq is not None  # a new summary: at the head of the feed
    assert not spy.saw("first")
    # Stored as the event it was made from.
    assert replace(await stored(backend_store, "first"), seq=None) == first

    again = await backend_store.append([prepared(first, Projection("other"))])
    assert again.created == (False,)
    assert await state_of(backend_store, "p:+1") == "given state"


async def test_prepared_events_joining_a_subject_are_derived_with_all_its_events(
    backend_store: Store, spy: Spy
) -> None:
    older = record("older", ids=("p:+1",), kind=Kind.CONSENT.value)
    await backend_store.append([older])
    later = record("later", ids=("p:+1",), at=T0 + HOUR)
    await backend_store.append([prepared(later, Projection("never used"))])
    assert await state_of(backend_store, "p:+1") == key_kind([older, later])
    subject = await backend_store.subject(["p:+1"])
    assert subject is not None
    assert spy.seen[-1] == await backend_store.events_of(subject.id)  # read back, in order

    # Two prepared events of one new subject in one append: derived from both.
    a = record("a", ids=("p:+2",))
    b = record("b", ids=("p:+2",), kind=Kind.OPT_IN.value, at=T0 + HOUR)
    await backend_store.append([prepared(a, Projection("a alone")), prepared(b, Projection("b"))])
    assert await state_of(backend_store, "p:+2") == key_kind([a, b])

    # A prepared event that links two subjects merges them, and the merged one is derived.
    link = record("link", ids=("p:+1", "p:+2"), kind=Kind.MESSAGE.value, at=T0 + 2 * HOUR)
    await backend_store.append([prepared(link, Projection("never used"))])
    assert await state_of(backend_store, "p:+2") == key_kind([older, later, a, b, link])


async def test_a_duplicate_append_does_not_change_the_state(backend_store: Store) -> None:
    await backend_store.append([record("a", ids=("p:+1",)), record("b", ids=("p:+1",))])
    before = await backend_store.subject(["p:+1"])
    result = await backend_store.append([record("b", ids=("p:+1",)), record("a", ids=("p:+1",))])
    assert result.created == (False, False)
    assert await backend_store.subject(["p:+1"]) == before


@pytest.mark.parametrize("projector", ["policy"], indirect=True)
async def test_the_policy_projection_follows_identity_merges(backend_store: Store) -> None:
    project = make_projector(Policy())
    opt_out = record("stop", ids=("p:+1",), kind=Kind.OPT_OUT.value, at=T0)
    consent = record(
        "consent",
        ids=("u:X",),
        kind=Kind.CONSENT.value,
        source=Source.WEB_FORM.value,
        at=T0 + timedelta(hours=1),
        evidence={
            "wording": "Согласен на рассылку магазина",
            "wording_version": "2",
            "reference": "form-2",
        },
    )
    await backend_store.append([opt_out])
    await backend_store.append([consent])
    phone_state = state_from_json(await state_of(backend_store, "p:+1"))
    assert [(b.kind, b.category) for b in phone_state.blocks] == [
        (BlockKind.USER_REQUEST, "marketing")
    ]
    assert phone_state.consents == {}
    assert await state_of(backend_store, "u:X") == project([consent]).state

    link = record(
        "hello",
        ids=("p:+1", "u:X"),
        kind=Kind.MESSAGE.value,
        at=T0 + timedelta(hours=2),
        categories=(),
    )
    await backend_store.append([link])
    subject = await backend_store.subject(["p:+1"])
    assert subject is not None
    events = await backend_store.events_of(subject.id)
    assert subject.state == project(events).state
    merged = state_from_json(subject.state)
    assert merged.blocks == ()
    assert merged.consents["marketing"].evidence == consent.evidence


# -- group commit ------------------------------------------------------------------------------


async def test_many_concurrent_appends_all_commit(backend_store: Store) -> None:
    results = await asyncio.gather(
        *(backend_store.append([record(f"c{i}", ids=(f"p:+{i}",))]) for i in range(200))
    )
    assert results == [AppendResult((True,))] * 200
    assert await backend_store.count_events() == 200
    found = await backend_store.subjects([f"p:+{i}" for i in (0, 99, 199)])
    assert found["p:+99"].state == key_kind([record("c99", ids=("p:+99",))])


async def test_concurrent_appends_of_one_key_create_it_once(backend_store: Store) -> None:
    results = await asyncio.gather(*(backend_store.append([record("same")]) for _ in range(100)))
    assert sorted(r.created for r in results) == [(False,)] * 99 + [(True,)]
    assert await backend_store.count_events() == 1
    assert await state_of(backend_store, "p:+15550000001") == key_kind([record("same")])


async def test_concurrent_links_merge_into_one_subject(backend_store: Store) -> None:
    for i in range(10):
        await backend_store.append([record(f"u{i}", ids=(f"u:{i}",))])
    await asyncio.gather(
        *(backend_store.append([record(f"link{i}", ids=("p:+1", f"u:{i}"))]) for i in range(10))
    )
    found = await backend_store.subjects(["p:+1", *(f"u:{i}" for i in range(10))])
    assert len({s.id for s in found.values()}) == 1
    subject = found["p:+1"]
    events = await backend_store.events_of(subject.id)
    assert sorted(e.key for e in events) == sorted(
        [f"u{i}" for i in range(10)] + [f"link{i}" for i in range(10)]
    )
    assert subject.state == key_kind(events)


async def test_a_failing_projection_fails_only_its_own_append(
    backend_store: Store, spy: Spy
) -> None:
    spy.poison = {"bad"}
    calls = [backend_store.append([record(f"good{i}", ids=(f"p:+{i}",))]) for i in range(20)]
    calls.insert(
        7,
        backend_store.append([record("fine-too", ids=("p:+77",)), record("bad", ids=("p:+666",))]),
    )
    results = await asyncio.gather(*calls, return_exceptions=True)
    failed = results.pop(7)
    assert isinstance(failed, Poisoned)
    assert results == [AppendResult((True,))] * 20
    assert await backend_store.count_events() == 20
    assert await lookup(backend_store, "bad") is None
    assert await lookup(backend_store, "fine-too") is None
    assert await backend_store.subjects(["p:+666", "p:+77"]) == {}
    assert await state_of(backend_store, "p:+3") == key_kind([record("good3", ids=("p:+3",))])

    spy.poison = set()
    again = await backend_store.append(
        [record("fine-too", ids=("p:+77",)), record("bad", ids=("p:+666",))]
    )
    assert again.created == (True, True)


# -- tokens ------------------------------------------------------------------------------------


async def test_tokens_are_added_found_listed_and_revoked(backend_store: Store) -> None:
    first, second = token(1), token(2, at=T0 + timedelta(microseconds=1))
    await backend_store.add_token(first)
    await backend_store.add_token(second)
    assert await backend_store.token_by_hash(first.token_hash) == first
    assert await backend_store.token_by_hash("0" * 63 + "f") is None
    assert sorted(await backend_store.tokens(), key=lambda t: t.id) == [first, second]

    revoked_at = T0 + timedelta(days=1, microseconds=42)
    assert await backend_store.revoke_token(first.id, revoked_at) is True
    assert await backend_store.revoke_token(first.id, revoked_at + timedelta(hours=1)) is False
    assert await backend_store.revoke_token("tok-missing", revoked_at) is False
    assert await backend_store.token_by_hash(first.token_hash) == replace(
        first, revoked_at=revoked_at
    )
    assert await backend_store.token_by_hash(second.token_hash) == second


# -- outages (SQLite: another process holds the write lock) -------------------------------------


class _WriteLock:
    """Holds `BEGIN EXCLUSIVE` on an SQLite file from a separate stdlib connection."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None)

    def __enter__(self) -> _WriteLock:
        self._conn.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.execute("ROLLBACK")
        self._conn.close()


async def test_sqlite_only_locked_database_is_an_outage_until_released(
    backend: str, backend_store: Store, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("holding the database file's write lock is SQLite-specific")
    await backend_store.append([record("before")])
    with _WriteLock(tmp_path / "c.db"):
        with pytest.raises(StoreUnavailable):
            await backend_store.append([record("locked")])
        with pytest.raises(StoreUnavailable):
            await backend_store.ping()
        assert await backend_store.count_events() == 1
    assert (await backend_store.append([record("after")])).created == (True,)
    await backend_store.ping()
    assert await lookup(backend_store, "locked") is None
    assert await backend_store.count_events() == 2


async def test_sqlite_only_locked_database_fails_a_batch_of_appends_at_once(
    backend: str, backend_store: Store, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("holding the database file's write lock is SQLite-specific")
    with _WriteLock(tmp_path / "c.db"):
        started = time.monotonic()
        results = await asyncio.gather(
            *(backend_store.append([record(f"k{i}")]) for i in range(10)),
            return_exceptions=True,
        )
        elapsed = time.monotonic() - started
    assert all(isinstance(r, StoreUnavailable) for r in results), results
    # One busy wait for the whole batch, not one per queued request after it.
    assert elapsed < 5 * BUSY_TIMEOUT_MS / 1000, f"{elapsed:.2f} s"
    assert (await backend_store.append([record("after")])).created == (True,)


async def test_projections_are_redone_when_the_projector_changes(
    backend_store: Store, spy: Spy
) -> None:
    await backend_store.append([record("a", ids=("p:+1",)), record("b", ids=("p:+2",))])
    assert await backend_store.refresh_projections("rules-1") == 2
    assert await backend_store.refresh_projections("rules-1") == 0
    seen = len(spy.seen)
    assert await backend_store.refresh_projections("rules-2") == 2
    assert len(spy.seen) == seen + 2


# -- PostgreSQL: outages, restarts, several instances -------------------------------------------


def _postgres_only(backend: str, why: str) -> None:
    if backend != "postgres":
        pytest.skip(why)


async def test_postgres_only_the_store_recovers_by_itself_when_every_session_is_ended(
    backend: str, backend_store: Store
) -> None:
    _postgres_only(backend, "ending the server's sessions is PostgreSQL-specific")
    # Fill the pool with connections, as a busy instance has, then end them all as a server
    # restart does: every pooled connection is dead, and the store is not reopened.
    await asyncio.gather(*(backend_store.append([record(f"before-{i}")]) for i in range(3)))
    await asyncio.gather(*(backend_store.count_events() for _ in range(8)))
    assert await pg.terminate_sessions(pg.session_url()) >= 1

    assert (await backend_store.append([record("after")])).created == (True,)
    assert await backend_store.count_events() == 4
    await backend_store.ping()
    assert await keys_of(backend_store, "p:+15550000001") == [
        "before-0",
        "before-1",
        "before-2",
        "after",
    ]


async def test_postgres_only_a_database_that_takes_no_connections_is_an_outage_until_it_does(
    backend: str, backend_store: Store
) -> None:
    _postgres_only(backend, "refusing connections is a PostgreSQL database setting")
    await backend_store.append([record("before")])
    await backend_store.add_token(token(1))
    async with pg.refusing_connections(pg.session_url()):
        started = time.monotonic()
        for call in (
            lambda: backend_store.append([record("refused")]),
            lambda: backend_store.append([], quarantine=quarantine()),
            lambda: backend_store.ping(),
            lambda: backend_store.count_events(),
            lambda: backend_store.subject(["p:+15550000001"]),
            lambda: backend_store.token_by_hash(token(1).token_hash),
            lambda: backend_store.add_token(token(2)),
        ):
            with pytest.raises(StoreUnavailable):
                await call()
        # Refused connections fail at once: no request waits for a timeout.
        assert time.monotonic() - started < PG_COMMAND_TIMEOUT_S
        results = await asyncio.gather(
            *(backend_store.append([record(f"burst-{i}")]) for i in range(10)),
            return_exceptions=True,
        )
        assert all(isinstance(r, StoreUnavailable) for r in results), results

    assert (await backend_store.append([record("after")])).created == (True,)
    await backend_store.ping()
    assert await backend_store.count_events() == 2
    assert await lookup(backend_store, "refused") is None
    assert await backend_store.quarantined() == []


async def test_postgres_only_two_instances_migrating_at_once_apply_each_migration_once(
    backend: str, tmp_path: Path, other_store: Callable[[Path], Awaitable[Store]]
) -> None:
    _postgres_only(backend, "SQLite has one instance per database file")
    first, second = await other_store(tmp_path / "db"), await other_store(tmp_path / "db")
    assert await first.pending_migrations() == [name for name, _ in migrations(backend)]
    applied = await asyncio.gather(first.migrate(), second.migrate())
    # They take turns per migration, so either may apply any of them; each is applied once.
    assert sorted(applied[0] + applied[1]) == sorted(name for name, _ in migrations(backend))
    assert await first.pending_migrations() == []
    assert await second.pending_migrations() == []


async def _two_instances(
    backend: str, location: Path, other_store: Callable[[Path], Awaitable[Store]]
) -> tuple[Store, Store]:
    """Two stores on one database, each with its own pool, as two processes would have."""
    a = await other_store(location)
    await a.migrate()
    return a, await other_store(location)


async def _assert_states_are_derived_from_all_their_events(store: Store, keys: list[str]) -> int:
    """Every subject's state names exactly its events; return how many subjects there are."""
    found = await store.subjects(keys)
    assert set(found) == set(keys)
    subjects = {s.id: s for s in found.values()}
    total = 0
    for subject in subjects.values():
        events = await store.events_of(subject.id)
        assert subject.state == key_kind(events)
        total += len(events)
    assert total == await store.count_events()  # no event is filed under a subject gone
    return len(subjects)


async def test_postgres_only_the_same_events_sent_to_two_instances_are_stored_once(
    backend: str, tmp_path: Path, other_store: Callable[[Path], Awaitable[Store]]
) -> None:
    _postgres_only(backend, "two instances share one database only on PostgreSQL")
    a, b = await _two_instances(backend, tmp_path / "db", other_store)
    batches = [
        [record(f"m{n}-{k}", ids=(f"p:+{n}",), at=T0 + timedelta(seconds=k)) for k in range(2)]
        for n in range(60)
    ]
    results = await asyncio.gather(*(store.append(batch) for batch in batches for store in (a, b)))
    for n in range(60):
        from_a, from_b = results[2 * n].created, results[2 * n + 1].created
        assert [x + y for x, y in zip(from_a, from_b, strict=True)] == [1, 1]
    assert await a.count_events() == 120
    assert await b.count_events() == 120
    assert (
        await _assert_states_are_derived_from_all_their_events(a, [f"p:+{n}" for n in range(60)])
        == 60
    )


async def test_postgres_only_events_of_one_person_split_across_two_instances_all_count(
    backend: str, tmp_path: Path, other_store: Callable[[Path], Awaitable[Store]]
) -> None:
    _postgres_only(backend, "two instances share one database only on PostgreSQL")
    a, b = await _two_instances(backend, tmp_path / "db", other_store)
    events = [record(f"e{i}", ids=("p:+1",), at=T0 + timedelta(seconds=i)) for i in range(80)]
    results = await asyncio.gather(*((a, b)[i % 2].append([e]) for i, e in enumerate(events)))
    assert [r.created for r in results] == [(True,)] * 80
    subject = await b.subject(["p:+1"])
    assert subject is not None
    stored = await a.events_of(subject.id)
    assert sorted(e.key for e in stored) == sorted(e.key for e in events)
    assert subject.state == key_kind(events)
    assert await a.count_events() == 80


async def test_postgres_only_links_made_on_two_instances_at_once_merge_into_one_subject(
    backend: str, tmp_path: Path, other_store: Callable[[Path], Awaitable[Store]]
) -> None:
    _postgres_only(backend, "two instances share one database only on PostgreSQL")
    a, b = await _two_instances(backend, tmp_path / "db", other_store)
    n = 25
    # Each person is known by phone on one instance and by user id on the other, and each
    # pair is linked, and every pair is linked to one hub, all at the same time: the merges
    # race with each other and with new events for the subjects being merged away.
    calls = []
    for i in range(n):
        first, second = (a, b) if i % 2 else (b, a)
        calls += [
            first.append([record(f"phone-{i}", ids=(f"p:+{i}",))]),
            second.append([record(f"user-{i}", ids=(f"u:{i}",))]),
            first.append([record(f"link-{i}", ids=(f"p:+{i}", f"u:{i}"))]),
            second.append([record(f"hub-{i}", ids=("u:hub", f"u:{i}"))]),
            first.append([record(f"more-{i}", ids=(f"p:+{i}",))]),
        ]
    results = await asyncio.gather(*calls)
    assert [r.created for r in results] == [(True,)] * (5 * n)
    keys = ["u:hub", *(f"p:+{i}" for i in range(n)), *(f"u:{i}" for i in range(n))]
    assert await _assert_states_are_derived_from_all_their_events(a, keys) == 1
    assert await b.count_events() == 5 * n
    subject = await b.subject(["u:hub"])
    assert subject is not None
    assert set(subject.identity_keys) == set(keys)


async def test_postgres_only_events_for_a_subject_being_merged_away_on_another_instance_follow_it(
    backend: str, tmp_path: Path, other_store: Callable[[Path], Awaitable[Store]]
) -> None:
    _postgres_only(backend, "two instances share one database only on PostgreSQL")
    a, b = await _two_instances(backend, tmp_path / "db", other_store)
    n = 30
    for r in range(3):  # a race: give it several chances to go wrong
        people = range(r * n, (r + 1) * n)
        # The user ids' subjects are older (smaller ids): a link on one instance merges the
        # phone's subject into them, while the other instance files events under the phone's
        # subject through a key the link does not name. Only the subject's row lock makes
        # the second wait for the merge and follow it.
        await b.append([record(f"user-{i}", ids=(f"u:{i}",)) for i in people])
        await a.append([record(f"phone-{i}", ids=(f"p:+{i}", f"x:{i}")) for i in people])
        results = await asyncio.gather(
            *(a.append([record(f"link-{i}", ids=(f"p:+{i}", f"u:{i}"))]) for i in people),
            *(b.append([record(f"other-{i}", ids=(f"x:{i}",))]) for i in people),
        )
        assert [r.created for r in results] == [(True,)] * (2 * n)
    everyone = range(3 * n)
    keys = [k for i in everyone for k in (f"p:+{i}", f"u:{i}", f"x:{i}")]
    assert await _assert_states_are_derived_from_all_their_events(b, keys) == 3 * n
    for i in everyone:
        assert sorted(await keys_of(a, f"x:{i}")) == sorted(
            [f"user-{i}", f"phone-{i}", f"link-{i}", f"other-{i}"]
        )


# -- reading by kind ---------------------------------------------------------------------------


async def test_events_of_kinds_newest_first_and_paged(backend_store: Store) -> None:
    kinds = ["review", "complaint", "message", "review", "complaint", "review"]
    await backend_store.append(
        [
            record(f"k{n}", kind=kind, ids=(f"p:+1555000{n:04d}",), at=T0 + timedelta(minutes=n))
            for n, kind in enumerate(kinds)
        ]
    )
    first = await backend_store.events_of_kinds(["review", "complaint"], limit=3)
    assert [r.key for r in first] == ["k5", "k4", "k3"]
    assert all(r.seq is not None for r in first)
    rest = await backend_store.events_of_kinds(
        ["review", "complaint"], before_seq=first[-1].seq, limit=10
    )
    assert [r.key for r in rest] == ["k1", "k0"]
    assert await backend_store.events_of_kinds(["review"], limit=10) == [
        r for r in [*first, *rest] if r.kind == "review"
    ]
    assert await backend_store.events_of_kinds([], limit=10) == []
    assert await backend_store.events_of_kinds(["nothing"], limit=10) == []


async def test_stored_ids_names_only_the_stored(backend_store: Store) -> None:
    await backend_store.append([record("a"), record("b", ids=("p:+15550000002",))])
    ids = [event_id("a"), event_id("b"), event_id("missing"), event_id("a")]
    assert await backend_store.stored_ids(ids) == {event_id("a"), event_id("b")}
    assert await backend_store.stored_ids([]) == set()


async def test_count_kinds_by_number_counts_since_a_time(backend_store: Store) -> None:
    events = [
        record("c1", kind="complaint", phone_number_id="111", at=T0),
        record("c2", kind="complaint", phone_number_id="111", at=T0 + timedelta(days=2)),
        record("c3", kind="complaint", phone_number_id="222", at=T0 + timedelta(days=3)),
        record("c4", kind="complaint", at=T0 + timedelta(days=3)),
        record("r1", kind="review", phone_number_id="111", at=T0 + timedelta(days=3)),
        record("o1", kind="opt_out", phone_number_id="111", at=T0 + timedelta(days=3)),
    ]
    await backend_store.append(events)
    counts = await backend_store.count_kinds_by_number(
        ["complaint", "review"], T0 + timedelta(days=1)
    )
    assert counts == {
        ("111", "complaint"): 1,
        ("222", "complaint"): 1,
        (None, "complaint"): 1,
        ("111", "review"): 1,
    }
    assert await backend_store.count_kinds_by_number([], T0) == {}


# -- the change feed and the outbox ------------------------------------------------------------


async def test_a_change_of_summary_puts_the_subject_at_the_head_of_the_feed(
    backend_store: Store,
) -> None:
    assert await backend_store.feed_head() == 0
    await backend_store.append([record("out", ids=("p:+1",), phone="+1")])
    await backend_store.append([record("hello", ids=("p:+1",), kind="message")])  # no change
    await backend_store.append([record("only-msgs", ids=("p:+2",), kind="message")])  # default
    assert await backend_store.feed_head() == 1
    [entry] = await backend_store.feed(0, 100)
    assert (entry.seq, entry.phone, entry.summary) == (1, "+1", "opt_out")
    await backend_store.append([record("in", ids=("p:+1",), kind="opt_in", at=T0 + HOUR)])
    assert await backend_store.feed_head() == 2
    [again] = await backend_store.feed(0, 100)  # each subject once, as it is now
    assert (again.seq, again.subject_id, again.summary) == (2, entry.subject_id, "opt_in")
    assert await backend_store.feed(2, 100) == []
    assert [c.summary for c in await backend_store.changes(0, 100)] == ["opt_out", "opt_in"]
    assert [c.seq for c in await backend_store.changes(1, 100)] == [2]
    [first] = await backend_store.changes(0, 1)
    assert first.changed_at is not None
    assert first.subject_id == entry.subject_id


async def test_the_feed_pages_in_order_and_a_subject_that_changes_moves_to_the_end(
    backend_store: Store,
) -> None:
    await backend_store.append([record(f"out{n}", ids=(f"p:+{n}",)) for n in range(1, 6)])
    await backend_store.append([record("in3", ids=("p:+3",), kind="opt_in", at=T0 + HOUR)])
    first, rest = await backend_store.feed(0, 2), await backend_store.feed(2, 100)
    seqs_seen = [e.seq for e in first + rest]
    assert seqs_seen == sorted(seqs_seen)
    assert len(set(seqs_seen)) == 5
    assert (first + rest)[-1].summary == "opt_in"
    assert len(await backend_store.changes(0, 100)) == 6


async def test_summaries_give_the_summary_of_each_known_key(backend_store: Store) -> None:
    await backend_store.append([record("out", ids=("p:+1", "u:X"))])
    found = await backend_store.summaries(["p:+1", "u:X", "p:+404"])
    assert set(found) == {"p:+1", "u:X"}
    assert found["p:+1"] == found["u:X"]
    assert found["p:+1"] == "opt_out"
    many = [f"p:+{n}" for n in range(12_000)]
    assert set(await backend_store.summaries(many)) == {"p:+1"}


async def test_the_hash_secret_is_random_per_database(
    backend: str,
    tmp_path: Path,
    backend_store: Store,
    other_store: Callable[[Path], Awaitable[Store]],
) -> None:
    secret = await backend_store.hash_secret()
    assert len(secret) == 32
    elsewhere = await other_store(tmp_path / "elsewhere")
    await elsewhere.migrate()
    assert await elsewhere.hash_secret() != secret


async def test_postgres_only_feed_positions_follow_commit_order_across_instances(
    backend: str, tmp_path: Path, other_store: Callable[[Path], Awaitable[Store]]
) -> None:
    _postgres_only(backend, "two instances share one database only on PostgreSQL")
    a, b = await _two_instances(backend, tmp_path / "db", other_store)
    await asyncio.gather(
        *((a, b)[n % 2].append([record(f"out{n}", ids=(f"p:+{n}",))]) for n in range(80))
    )
    changes = await b.changes(0, 1000)
    assert [c.seq for c in changes] == list(range(1, 81))
    assert await a.feed_head() == 80
    assert len({c.subject_id for c in changes}) == 80


async def test_postgres_only_a_batch_too_big_for_a_lock_per_key_still_excludes_the_others(
    backend: str, tmp_path: Path, other_store: Callable[[Path], Awaitable[Store]]
) -> None:
    _postgres_only(backend, "two instances share one database only on PostgreSQL")
    a, b = await _two_instances(backend, tmp_path / "db", other_store)
    big = [
        record(f"bulk{n}", ids=(f"p:+{n}", f"h:{n}"), at=T0 + timedelta(seconds=n))
        for n in range(1_500)
    ]
    singles = [
        [record(f"one{n}", ids=(f"p:+{n}", f"u:U{n}"), kind="opt_in", at=T0 + HOUR)]
        for n in range(0, 1_500, 25)
    ]
    results = await asyncio.gather(a.append(big), *(b.append(s) for s in singles))
    assert all(all(r.created) for r in results)
    assert await a.count_events() == 1_500 + len(singles)
    keys = [f"p:+{n}" for n in range(1_500)]
    assert await _assert_states_are_derived_from_all_their_events(b, keys) == 1_500
    linked = range(0, 1_500, 25)
    found = await b.subjects([f"u:U{n}" for n in linked] + [f"p:+{n}" for n in linked])
    assert [found[f"u:U{n}"].id for n in linked] == [found[f"p:+{n}"].id for n in linked]
