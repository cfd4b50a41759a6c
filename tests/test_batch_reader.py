"""Deliveries handed over in one turn of the event loop are read together, after it; each one
gets its own reading, and one that fails fails alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.intent import ButtonMap, load_lexicon
from bot.whatsapp import batch
from bot.whatsapp.batch import BatchReader, Unreadable, parse
from bot.whatsapp.extract import Extraction
from bot.whatsapp.models import Envelope
from tests import meta

RECEIVED = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def delivery(text: str, wamid: str) -> bytes:
    return meta.dumps_meta(meta.body(meta.messages_change(meta.text_message(text, id=wamid))))


@pytest.fixture(scope="module")
def reader_parts() -> tuple[ButtonMap, Any]:
    return ButtonMap.default(), load_lexicon(None)


@pytest.fixture
def reader(reader_parts: tuple[ButtonMap, Any]) -> BatchReader:
    return BatchReader(*reader_parts)


async def test_one_turn_is_read_in_one_pass_after_it(
    reader: BatchReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[int] = []
    original = BatchReader._read_waiting

    def counted(self: BatchReader) -> None:
        passes.append(len(self._waiting))
        original(self)

    monkeypatch.setattr(BatchReader, "_read_waiting", counted)
    futures = [reader.read(delivery("СТОП", f"wamid.b{n}"), RECEIVED) for n in range(3)]
    assert not any(f.done() for f in futures)  # nothing is read during the turn itself
    readings = await asyncio.gather(*futures)
    assert passes == [3]
    assert [r.events[0].key for r in readings if isinstance(r, Extraction)] == [
        f"msg:wamid.b{n}" for n in range(3)
    ]
    later = await reader.read(delivery("hi", "wamid.b3"), RECEIVED)
    assert passes == [3, 1]
    assert isinstance(later, Extraction)


async def test_readings_match_reading_each_body_alone(
    reader: BatchReader, reader_parts: tuple[ButtonMap, Any]
) -> None:
    from bot.whatsapp.extract import extract

    bodies = [delivery(text, f"wamid.m{n}") for n, text in enumerate(["СТОП", "hi", "start"])]
    together = await asyncio.gather(*(reader.read(body, RECEIVED) for body in bodies))
    buttons, lexicon = reader_parts
    alone = [
        extract(
            Envelope.model_validate_json(b), received_at=RECEIVED, buttons=buttons, lexicon=lexicon
        )
        for b in bodies
    ]
    assert together == alone


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b'{"object": "whatsapp_business_account"}', "not a webhook envelope: Field required"),
    ],
)
async def test_a_body_that_is_no_envelope_says_why(
    reader: BatchReader, body: bytes, reason: str
) -> None:
    good, bad = await asyncio.gather(
        reader.read(delivery("hi", "wamid.ok"), RECEIVED), reader.read(body, RECEIVED)
    )
    assert isinstance(good, Extraction)
    assert bad == Unreadable(reason)
    assert parse(body) == Unreadable(reason)


async def test_a_failing_extraction_fails_its_own_request_only(
    reader: BatchReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = batch.extract

    def sometimes(envelope: Envelope, **kwargs: Any) -> Extraction:
        if envelope.entry[0].changes[0].field == "messages" and "boom" in str(envelope):
            raise RuntimeError("boom")
        return real(envelope, **kwargs)

    monkeypatch.setattr(batch, "extract", sometimes)
    results = await asyncio.gather(
        reader.read(delivery("hi", "wamid.1"), RECEIVED),
        reader.read(delivery("boom", "wamid.2"), RECEIVED),
        reader.read(delivery("СТОП", "wamid.3"), RECEIVED),
        return_exceptions=True,
    )
    assert isinstance(results[0], Extraction)
    assert isinstance(results[1], RuntimeError)
    assert isinstance(results[2], Extraction)


async def test_a_cancelled_request_is_skipped(reader: BatchReader) -> None:
    gone = reader.read(delivery("hi", "wamid.gone"), RECEIVED)
    kept = reader.read(delivery("hi", "wamid.kept"), RECEIVED)
    gone.cancel()
    reading = await kept
    assert isinstance(reading, Extraction)
    assert gone.cancelled()
