"""Streamed bulk eligibility (CSV and NDJSON) and hashed recipients, end to end: the real app,
real tokens, state made through the webhook and the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientPayloadError
from aiohttp.test_utils import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import create_app
from bot.auth import Role, new_token
from bot.bulk import CSV, NDJSON, BulkReader, LineSplitter, Unreadable, identify
from bot.events import hash_key, identity_keys
from bot.ledger import make_projector
from storage.base import Store
from storage.open import open_store
from tests import meta
from tests.conftest import AiohttpClient, both_backends, make_settings, post_signed

Client = TestClient[Any, Any]

STOPPED = "+79991234567"  # meta.USER_WA_ID: says STOP through the webhook
CONSENTED = "+79995550101"  # gave marketing consent through the API
UNKNOWN = "+79990000001"
BSUID = "RU.10000000000000000002"
CONSENT = {
    "categories": ["marketing"],
    "source": "web_form",
    "collected_at": "2026-09-01T12:00:00Z",
    "wording": "I agree to receive offers from Shop on WhatsApp",
}


def sha(number: str) -> str:
    return "sha256:" + hashlib.sha256(number.encode()).hexdigest()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


async def token(store: Store, role: str) -> dict[str, str]:
    secret, record = new_token(Role(role), f"{role} test")
    await store.add_token(record)
    return {"Authorization": f"Bearer {secret}"}


async def stop(client: Client, wa_id: str = meta.USER_WA_ID, **kw: Any) -> None:
    message = meta.text_message("STOP", from_=wa_id, id=meta.wamid(wa_id, wa_id=wa_id))
    resp = await post_signed(client, meta.body(meta.messages_change(message, **kw)))
    assert resp.status == 200, await resp.text()


@pytest.fixture
async def sender(client: Client, store: Store) -> dict[str, str]:
    """A sender's headers, with STOPPED opted out (webhook) and CONSENTED consented (API)."""
    await stop(client)
    collector = await token(store, "collector")
    resp = await client.post(
        "/v1/consents", json={**CONSENT, "phone": CONSENTED}, headers=collector
    )
    assert resp.status == 201, await resp.text()
    return await token(store, "sender")


async def post(
    client: Client,
    headers: dict[str, str],
    body: bytes | AsyncIterator[bytes],
    content_type: str,
    **query: str,
) -> Any:
    params = {"category": "marketing", **query}
    return await client.post(
        "/v1/eligibility",
        params=params,
        data=body,
        headers={**headers, "Content-Type": content_type},
    )


def csv_rows(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["recipient", "phone", "eligible", "reasons"]
    return rows[1:]


def ndjson_lines(text: str) -> list[dict[str, Any]]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


async def stream_csv(client: Client, headers: dict[str, str], body: str, **query: str) -> Any:
    resp = await post(client, headers, body.encode(), CSV, **query)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == CSV
    return csv_rows(await resp.text())


async def stream_ndjson(client: Client, headers: dict[str, str], body: str, **query: str) -> Any:
    resp = await post(client, headers, body.encode(), NDJSON, **query)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == NDJSON
    return ndjson_lines(await resp.text())


def error_of(doc: dict[str, Any]) -> tuple[str, int]:
    return doc["error"]["code"], doc["error"]["status"]


# --------------------------------------------------------------------------- CSV


async def test_csv_answers_each_line_in_order(client: Client, sender: dict[str, str]) -> None:
    body = "\n".join(
        [
            UNKNOWN,
            "8 (999) 123-45-67",
            CONSENTED,
            BSUID,
            "not a number",
            sha(STOPPED),
            sha(UNKNOWN),
        ]
    )
    rows = await stream_csv(client, sender, body + "\n")
    assert rows == [
        [UNKNOWN, UNKNOWN, "false", "no_consent"],
        ["8 (999) 123-45-67", STOPPED, "false", "opted_out;no_consent"],
        [CONSENTED, CONSENTED, "true", ""],
        [BSUID, "", "false", "no_consent"],
        ["not a number", "", "false", "invalid_number"],
        [sha(STOPPED), "", "false", "opted_out;no_consent"],
        [sha(UNKNOWN), "", "false", "no_consent"],
    ]


async def test_csv_utility_and_phone_number_id(client: Client, sender: dict[str, str]) -> None:
    rows = await stream_csv(
        client, sender, f"{STOPPED}\n{UNKNOWN}\n", category="utility", phone_number_id="222"
    )
    assert rows == [[STOPPED, STOPPED, "false", "opted_out"], [UNKNOWN, UNKNOWN, "true", ""]]


async def test_csv_quoting_crlf_bom_and_header(client: Client, sender: dict[str, str]) -> None:
    body = '\ufeffphone\r\n"+7 999 123-45-67"\r\n"+7 (999) 000,00,01"\r\n"say ""hi"""\r\n'
    rows = await stream_csv(client, sender, body)
    assert rows == [
        ["+7 999 123-45-67", STOPPED, "false", "opted_out;no_consent"],
        ["+7 (999) 000,00,01", "", "false", "invalid_number"],
        ['say "hi"', "", "false", "invalid_number"],
    ]


@pytest.mark.parametrize("header", ["phone", "recipient", "Phone", '"phone"'])
async def test_csv_header_is_optional(client: Client, sender: dict[str, str], header: str) -> None:
    assert await stream_csv(client, sender, f"{header}\n{UNKNOWN}") == [
        [UNKNOWN, UNKNOWN, "false", "no_consent"]
    ]
    # Only the first line can be a header.
    rows = await stream_csv(client, sender, f"{UNKNOWN}\n{header}\n")
    assert rows[1] == [header.strip('"'), "", "false", "invalid_number"]


async def test_csv_bad_lines_are_reported_in_place(client: Client, sender: dict[str, str]) -> None:
    long_line = "1" * 5_000
    body = (
        (
            f"{UNKNOWN}\n"
            f"{STOPPED},Anna\n"  # two columns
            '"+79990000002\n'  # an unterminated quote
            "\n   \n"  # blank lines: skipped
            '""\n'  # an empty recipient: not a number
            f"{long_line}\n"
        ).encode()
        + b"\xff\xfe\n"
        + f"{STOPPED}".encode()
    )  # not UTF-8; no final newline
    resp = await post(client, sender, body, CSV)
    assert resp.status == 200
    assert csv_rows(await resp.text()) == [
        [UNKNOWN, UNKNOWN, "false", "no_consent"],
        [f"{STOPPED},Anna", "", "false", "invalid_line"],
        ['"+79990000002', "", "false", "invalid_line"],
        ["", "", "false", "invalid_number"],
        ["", "", "false", "invalid_line"],
        ["", "", "false", "invalid_line"],
        [STOPPED, STOPPED, "false", "opted_out;no_consent"],
    ]


async def test_empty_csv_is_the_header_alone(client: Client, sender: dict[str, str]) -> None:
    resp = await post(client, sender, b"", CSV)
    assert resp.status == 200
    assert await resp.text() == "recipient,phone,eligible,reasons\n"


# --------------------------------------------------------------------------- NDJSON


async def test_ndjson_answers_each_line_in_order(client: Client, sender: dict[str, str]) -> None:
    recipients = [UNKNOWN, "8 999 123 45 67", CONSENTED, "", sha(STOPPED.upper())]
    body = "".join(json.dumps({"recipient": r}) + "\n" for r in recipients)
    assert await stream_ndjson(client, sender, body) == [
        {"recipient": UNKNOWN, "phone": UNKNOWN, "eligible": False, "reasons": ["no_consent"]},
        {
            "recipient": "8 999 123 45 67",
            "phone": STOPPED,
            "eligible": False,
            "reasons": ["opted_out", "no_consent"],
        },
        {"recipient": CONSENTED, "phone": CONSENTED, "eligible": True, "reasons": []},
        {"recipient": "", "phone": None, "eligible": False, "reasons": ["invalid_number"]},
        {
            "recipient": sha(STOPPED),
            "phone": None,
            "eligible": False,
            "reasons": ["opted_out", "no_consent"],
        },
    ]


async def test_ndjson_bad_lines_are_reported_in_place(
    client: Client, sender: dict[str, str]
) -> None:
    lines = [
        json.dumps({"recipient": UNKNOWN}),
        "not json",
        "",  # blank: skipped, but counted
        json.dumps([UNKNOWN]),
        json.dumps({"phone": UNKNOWN}),
        json.dumps({"recipient": 79991234567}),
        json.dumps({"recipient": UNKNOWN, "name": "Anna"}),
        '{"recipient": "+7999',
        json.dumps({"recipient": STOPPED}),
    ]
    results = await stream_ndjson(client, sender, "\r\n".join(lines))
    problems = [(r["line"], r["error"]) for r in results if "line" in r]
    assert problems == [
        (2, "not valid JSON"),
        (4, 'expected an object with one field: {"recipient": "..."}'),
        (5, 'expected an object with one field: {"recipient": "..."}'),
        (6, "recipient must be a string"),
        (7, 'expected an object with one field: {"recipient": "..."}'),
        (8, "not valid JSON"),
    ]
    for r in results:
        if "line" in r:
            assert r | {"line": 0, "error": ""} == {
                "recipient": None,
                "phone": None,
                "eligible": False,
                "reasons": ["invalid_line"],
                "line": 0,
                "error": "",
            }
    assert [r["recipient"] for r in results if "line" not in r] == [UNKNOWN, STOPPED]


async def test_ndjson_lifts_at_like_the_json_form(
    client: Client, store: Store, sender: dict[str, str]
) -> None:
    an_hour_ago = int(time.time()) - 3600
    failed = meta.status(
        "failed", recipient_id="79995550101", error_code=131049, timestamp=an_hour_ago
    )
    resp = await post_signed(client, meta.body(meta.statuses_change(failed)))
    assert resp.status == 200
    as_json = await client.post(
        "/v1/eligibility", json={"category": "marketing", "recipients": [CONSENTED]}, headers=sender
    )
    [expected] = (await as_json.json())["results"]
    [streamed] = await stream_ndjson(client, sender, json.dumps({"recipient": CONSENTED}))
    assert streamed == expected
    assert streamed["reasons"] == ["backoff"]
    assert "lifts_at" in streamed


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
async def test_other_content_types_are_415(client: Client, store: Store, content_type: str) -> None:
    headers = await token(store, "sender")
    resp = await post(client, headers, UNKNOWN.encode(), content_type)
    assert resp.status == 415
    assert error_of(await resp.json()) == ("unsupported_media_type", 415)


async def test_a_charset_other_than_utf8_is_415(client: Client, store: Store) -> None:
    headers = await token(store, "sender")
    resp = await post(client, headers, UNKNOWN.encode(), "text/csv; charset=latin-1")
    assert resp.status == 415
    assert error_of(await resp.json()) == ("unsupported_media_type", 415)
    resp = await post(client, headers, UNKNOWN.encode(), "text/csv; charset=UTF-8")
    assert resp.status == 200


@pytest.mark.parametrize("kind", [CSV, NDJSON])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "category"),
        ({"category": "transactional"}, "category"),
        ({"category": "marketing", "phone_number_id": "1" * 65}, "phone_number_id"),
        ({"category": "marketing", "channel": "sms"}, "channel"),
    ],
    ids=["no category", "unknown category", "long phone_number_id", "unknown parameter"],
)
async def test_the_query_is_checked_before_streaming(
    client: Client, store: Store, kind: str, query: dict[str, str], field: str
) -> None:
    headers = await token(store, "sender")
    resp = await client.post(
        "/v1/eligibility",
        params=query,
        data=UNKNOWN.encode(),
        headers={**headers, "Content-Type": kind},
    )
    assert resp.status == 422
    doc = await resp.json()
    assert error_of(doc) == ("validation_error", 422)
    assert [e["field"] for e in doc["error"]["errors"]] == [field]


async def test_streams_need_a_sender_token(client: Client, store: Store) -> None:
    resp = await post(client, {}, UNKNOWN.encode(), CSV)
    assert resp.status == 401
    resp = await post(client, await token(store, "collector"), UNKNOWN.encode(), CSV)
    assert resp.status == 403


# --------------------------------------------------------------------------- hashed, JSON form


async def test_json_form_takes_hashed_recipients(client: Client, sender: dict[str, str]) -> None:
    upper = "sha256:" + sha(STOPPED).removeprefix("sha256:").upper()
    recipients = [sha(STOPPED), upper, sha(UNKNOWN), "sha256:abc", "sha256:" + "g" * 64]
    resp = await client.post(
        "/v1/eligibility",
        json={"category": "utility", "recipients": recipients},
        headers=sender,
    )
    assert resp.status == 200
    assert (await resp.json())["results"] == [
        {"recipient": sha(STOPPED), "phone": None, "eligible": False, "reasons": ["opted_out"]},
        {"recipient": upper, "phone": None, "eligible": False, "reasons": ["opted_out"]},
        {"recipient": sha(UNKNOWN), "phone": None, "eligible": True, "reasons": []},
        {
            "recipient": "sha256:abc",
            "phone": None,
            "eligible": False,
            "reasons": ["invalid_number"],
        },
        {
            "recipient": "sha256:" + "g" * 64,
            "phone": None,
            "eligible": False,
            "reasons": ["invalid_number"],
        },
    ]


async def test_a_hash_of_either_whatsapp_form_finds_the_number(
    client: Client, store: Store
) -> None:
    await stop(client, "551187654321")  # an old Brazilian account: no 9th digit
    headers = await token(store, "sender")
    body = f"{sha('+5511987654321')}\n{sha('+551187654321')}\n"
    rows = await stream_csv(client, headers, body, category="utility")
    assert [row[3] for row in rows] == ["opted_out", "opted_out"]


# --------------------------------------------------------------------------- scale and streaming


async def test_twelve_thousand_lines_stream_in_order(
    client: Client, sender: dict[str, str]
) -> None:
    numbers = [f"+7999{i:07d}" for i in range(12_000)]
    numbers[0] = numbers[5_000] = numbers[11_999] = STOPPED
    numbers[7_777] = "bad"
    first, rest = numbers[:8_000], numbers[8_000:]
    head_read = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        # Chunks that cut lines in two, like a network does.
        data = "".join(n + "\n" for n in first).encode()
        for i in range(0, len(data), 7_001):
            yield data[i : i + 7_001]
        # The rest only once the first results are back: the answer streams while the
        # request is still being sent.
        await asyncio.wait_for(head_read.wait(), timeout=20)
        yield "".join(n + "\n" for n in rest).encode()

    resp = await post(client, sender, body(), CSV)
    assert resp.status == 200
    head = [await resp.content.readline() for _ in range(1_001)]
    head_read.set()
    tail = await resp.read()
    rows = csv_rows(b"".join(head).decode() + tail.decode())

    assert [row[0] for row in rows] == numbers
    opted_out = [i for i, row in enumerate(rows) if row[3] == "opted_out;no_consent"]
    assert opted_out == [0, 5_000, 11_999]
    assert rows[7_777] == ["bad", "", "false", "invalid_number"]
    assert {row[3] for i, row in enumerate(rows) if i not in (0, 5_000, 7_777, 11_999)} == {
        "no_consent"
    }


async def test_a_store_failure_mid_stream_cuts_the_answer(
    client: Client, store: Store, sender: dict[str, str]
) -> None:
    head_read = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield "".join(json.dumps({"recipient": UNKNOWN}) + "\n" for _ in range(7_000)).encode()
        await asyncio.wait_for(head_read.wait(), timeout=20)
        yield "".join(json.dumps({"recipient": UNKNOWN}) + "\n" for _ in range(7_000)).encode()

    resp = await post(client, sender, body(), NDJSON)
    assert resp.status == 200
    assert json.loads(await resp.content.readline())["recipient"] == UNKNOWN
    await store.close()
    head_read.set()
    lines: list[bytes] = []

    async def read_all() -> None:
        while line := await resp.content.readline():
            lines.append(line)

    with pytest.raises(ClientPayloadError):
        await read_all()
    assert len(lines) < 14_000
    assert error_of(json.loads(lines[-1])) == ("storage_unavailable", 503)


# --------------------------------------------------------------------------- per-number scope


@pytest.fixture
async def per_number(
    aiohttp_client: AiohttpClient, tmp_path: Path, database_url: str
) -> AsyncIterator[tuple[Client, Store]]:
    """The app and its store with opt-outs limited to the business number they came to."""
    settings = make_settings(tmp_path, database_url=database_url, opt_out_scope="number")
    store = open_store(settings.database_url, make_projector(settings.policy), busy_timeout_ms=200)
    await store.open()
    await store.migrate()
    yield await aiohttp_client(create_app(settings, store=store)), store
    await store.close()


async def test_a_named_business_number_reads_the_full_state(
    per_number: tuple[Client, Store],
) -> None:
    client, store = per_number
    await stop(client, phone_number_id="111")
    headers = await token(store, "sender")
    body = f"{STOPPED}\n{sha(STOPPED)}\n"
    assert await stream_csv(client, headers, body, category="utility") == [
        [STOPPED, STOPPED, "false", "opted_out"],
        [sha(STOPPED), "", "false", "opted_out"],
    ]
    for number_id, reasons in (("111", "opted_out"), ("222", "")):
        rows = await stream_csv(
            client, headers, body, category="utility", phone_number_id=number_id
        )
        assert [row[3] for row in rows] == [reasons, reasons]


# --------------------------------------------------------------------------- the pure parts


@pytest.mark.parametrize(
    "number", ["+79991234567", "+5511987654321", "+551187654321", "+5215512345678"]
)
def test_identify_uses_the_first_identity_key(number: str) -> None:
    assert identify(number, "RU") == (number, identity_keys(number, None)[0])
    assert identify(sha(number), "RU") == (None, hash_key(number))
    assert hash_key(number) in identity_keys(number, None)
    assert identify(BSUID, "RU") == (None, identity_keys(None, BSUID)[0])


LINES = st.lists(
    st.text(
        alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
        max_size=24,
    ),
    max_size=20,
)


@given(
    LINES,
    st.lists(st.integers(min_value=0, max_value=600), max_size=8),
    st.booleans(),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_lines_do_not_depend_on_where_chunks_end(
    lines: list[str], cuts: list[int], crlf: bool, bom: bool
) -> None:
    text = "".join(line + ("\r\n" if crlf else "\n") for line in lines)
    data = (("\ufeff" if bom and lines else "") + text).encode()
    splitter = LineSplitter(max_line_chars=10)
    out: list[str] = []
    start = 0
    for cut in sorted(cuts):
        out += splitter.feed(data[start:cut])
        start = max(start, cut)
    out += splitter.feed(data[start:])
    out += splitter.close()
    expected = [line if len(line) <= 10 else Unreadable.TOO_LONG for line in lines]
    assert read_back(splitter, out) == expected


def read_back(splitter: LineSplitter, lines: list[str]) -> list[str | Unreadable]:
    """The lines, with the reason in place of each line that could not be read."""
    return [splitter.unreadable.get(number, line) for number, line in enumerate(lines, 1)]


def test_an_endless_line_is_dropped_as_it_comes() -> None:
    splitter = LineSplitter(max_line_chars=100)
    lines: list[str] = []
    for _ in range(1_000):
        lines += splitter.feed(b"9" * 1_000)
        assert lines == []
    lines += splitter.feed(b"9\n+79990000001\n")
    lines += splitter.feed(b"\xd0")
    lines += splitter.feed(b"\x9f\n\xd0\n")
    lines += splitter.close()
    assert read_back(splitter, lines) == [
        Unreadable.TOO_LONG,
        "+79990000001",
        "\u041f",
        Unreadable.NOT_UTF8,
    ]


@given(
    st.lists(st.text(max_size=12), min_size=1, max_size=10),
    st.sampled_from([(",", ":"), (", ", ": "), (" , ", " :\t")]),
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_ndjson_recipients_read_back_as_written(
    recipients: list[str], separators: tuple[str, str], ascii_only: bool
) -> None:
    lines = [
        json.dumps({"recipient": r}, separators=separators, ensure_ascii=ascii_only)
        for r in recipients
    ]
    reader = BulkReader(NDJSON, "RU")
    batches = reader.feed(("\n".join(lines) + "\n").encode()) + reader.close()
    assert [r for batch in batches for r in batch.recipients] == recipients
