"""The store's reads behind the sender health guard, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.events import Event, Kind, Source
from storage.base import Store
from tests.conftest import both_backends

T0 = datetime(2026, 5, 17, 6, 40, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


def _event(key: str, kind: Kind, at: datetime, number: str | None, **evidence: object) -> Event:
    return Event(
        key=key,
        kind=kind,
        source=Source.WHATSAPP_STATUS,
        occurred_at=at,
        received_at=at,
        phone_number_id=number,
        waba_id="waba1" if number else None,
        evidence=evidence,
    )


async def test_events_since_reads_kinds_over_a_span_oldest_first(store: Store) -> None:
    await store.append(
        [
            _event("b", Kind.OPT_OUT, T0 + timedelta(hours=2), "n1"),
            _event("a", Kind.OPT_OUT, T0, "n1"),
            _event("c", Kind.FAILED, T0 + timedelta(hours=1), "n2", error_code=131048),
            _event("d", Kind.FAILED, T0 + timedelta(hours=1), "n2", error_code=131047),
            _event("e", Kind.NUMBER_QUALITY, T0 - timedelta(days=400), None),
        ]
    )
    since = await store.events_since([Kind.OPT_OUT.value], T0 + timedelta(hours=1))
    assert [e.key for e in since] == ["b"]
    everything = await store.events_since([Kind.OPT_OUT.value, Kind.NUMBER_QUALITY.value])
    assert [e.key for e in everything] == ["e", "a", "b"]
    spam = await store.events_since([Kind.FAILED.value], T0, contains='"error_code":131048')
    assert [e.key for e in spam] == ["c"]
    assert await store.events_since([]) == []


async def test_recent_numbers_names_the_numbers_of_the_newest_events(store: Store) -> None:
    assert await store.recent_numbers(10) == {}
    await store.append(
        [
            _event("old", Kind.SENT, T0, "n-old"),
            _event("x", Kind.SENT, T0, "n1"),
            _event("y", Kind.SENT, T0, None),
        ]
    )
    assert await store.recent_numbers(2) == {"n1": "waba1"}
    assert await store.recent_numbers(10) == {"n-old": "waba1", "n1": "waba1"}
