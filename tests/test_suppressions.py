"""`GET /v1/suppressions`: the suppression list and change feed, on both backends."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.api import suppressions
from bot.app import create_app
from bot.auth import Role, new_token
from bot.ledger import make_projector
from bot.settings import Settings
from storage.base import Store
from storage.open import open_store
from tests import meta
from tests.conftest import AiohttpClient, both_backends, make_settings, post_signed

Client = TestClient[Any, Any]
Tokens = Callable[[str], Awaitable[dict[str, str]]]

NUMBERS = ["+79990000001", "+79990000002", "+79990000003"]
CONSENT = {
    "categories": ["marketing"],
    "source": "web_form",
    "collected_at": "2026-09-01T12:00:00Z",
    "wording": "I agree to receive offers from Shop on WhatsApp",
    "wording_version": "2026-08",
    "evidence": {"ip": "203.0.113.5"},
}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


async def opt_out(client: Client, headers: dict[str, str], number: str) -> None:
    body = {"source": "hotline", "reason": "asked on the phone"}
    resp = await client.post(f"/v1/contacts/{number}/opt-out", json=body, headers=headers)
    assert resp.status == 201, await resp.text()


async def consent(client: Client, headers: dict[str, str], number: str) -> None:
    resp = await client.post("/v1/consents", json={**CONSENT, "phone": number}, headers=headers)
    assert resp.status == 201, await resp.text()


async def feed(client: Client, headers: dict[str, str], **query: str) -> list[dict[str, Any]]:
    resp = await client.get("/v1/suppressions", params=query, headers=headers)
    assert resp.status == 200, await resp.text()
    assert resp.content_type == "application/x-ndjson"
    return [json.loads(line) for line in (await resp.text()).splitlines()]


async def error(client: Client, headers: dict[str, str], **query: str) -> tuple[int, str]:
    resp = await client.get("/v1/suppressions", params=query, headers=headers)
    body = await resp.json()
    return resp.status, body["error"]["code"]


async def test_an_empty_feed_is_empty_and_gives_a_cursor_to_start_from(
    client: Client, make_token: Tokens
) -> None:
    headers = await make_token("sender")
    resp = await client.get("/v1/suppressions", headers=headers)
    assert resp.status == 200
    assert await resp.text() == ""
    start = resp.headers["X-Consentbot-Cursor"]
    assert start.startswith("0.")
    assert await feed(client, headers, since=start) == []


async def test_the_first_call_lists_every_subject_then_only_what_changed(
    client: Client, make_token: Tokens
) -> None:
    sender, operator = await make_token("sender"), await make_token("operator")
    collector = await make_token("collector")
    for number in NUMBERS:
        await opt_out(client, operator, number)
    await consent(client, collector, "+79990000009")
    lines = await feed(client, sender)
    assert [line["phone"] for line in lines] == [*NUMBERS, "+79990000009"]
    assert lines[0]["categories"] == {
        "marketing": {"eligible": False, "reasons": ["opted_out", "no_consent"]},
        "utility": {"eligible": False, "reasons": ["opted_out"]},
    }
    assert lines[3]["categories"]["marketing"] == {"eligible": True, "reasons": []}
    assert all(isinstance(line["subject"], int) for line in lines)
    cursors = [int(line["cursor"].split(".")[0]) for line in lines]
    assert cursors == sorted(cursors)

    last = lines[-1]["cursor"]
    assert await feed(client, sender, since=last) == []
    # An older consent does not lift the opt-out, but it is a change: it is on file now.
    await consent(client, collector, NUMBERS[1])
    await opt_out(client, operator, "+79990000009")
    changed = await feed(client, sender, since=last)
    assert [line["phone"] for line in changed] == [NUMBERS[1], "+79990000009"]
    assert [line["categories"]["marketing"]["reasons"] for line in changed] == [
        ["opted_out"],
        ["opted_out"],
    ]
    # Resuming from the middle gives what follows, each subject once, as it is now.
    middle = await feed(client, sender, since=lines[1]["cursor"])
    assert [line["phone"] for line in middle] == [NUMBERS[2], NUMBERS[1], "+79990000009"]


async def test_a_number_that_only_wrote_to_us_is_not_in_the_feed(
    client: Client, make_token: Tokens
) -> None:
    headers = await make_token("sender")
    change = meta.messages_change(meta.text_message("когда доставка?", from_="79990000005"))
    assert (await post_signed(client, meta.body(change))).status == 200
    assert await feed(client, headers) == []
    stop = meta.messages_change(
        meta.text_message("СТОП", from_="79990000005", id=meta.wamid("stop"))
    )
    assert (await post_signed(client, meta.body(stop))).status == 200
    [line] = await feed(client, headers)
    assert line["phone"] == "+79990000005"
    assert line["categories"]["utility"]["reasons"] == ["opted_out"]


async def test_csv_gives_a_header_and_one_row_per_subject(
    client: Client, make_token: Tokens
) -> None:
    sender, operator = await make_token("sender"), await make_token("operator")
    await opt_out(client, operator, NUMBERS[0])
    resp = await client.get("/v1/suppressions", params={"format": "csv"}, headers=sender)
    assert resp.status == 200
    assert resp.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert len(rows) == 1
    row = rows[0]
    assert row["phone"] == NUMBERS[0]
    assert row["marketing_eligible"] == "false"
    assert row["marketing_reasons"] == "opted_out;no_consent"
    assert row["utility_reasons"] == "opted_out"
    assert row["marketing_until"] == ""
    assert row["cursor"] == resp.headers["X-Consentbot-Cursor"]
    assert resp.headers["X-Request-Id"]  # streamed answers carry their request id too


async def test_sha256_hashes_replace_the_numbers(client: Client, make_token: Tokens) -> None:
    sender, operator = await make_token("sender"), await make_token("operator")
    await opt_out(client, operator, NUMBERS[0])
    resp = await client.get("/v1/suppressions", params={"hash": "sha256"}, headers=sender)
    text = await resp.text()
    assert NUMBERS[0] not in text
    assert NUMBERS[0][1:] not in text
    [line] = [json.loads(x) for x in text.splitlines()]
    assert "phone" not in line
    assert line["phone_sha256"] == hashlib.sha256(NUMBERS[0].encode()).hexdigest()


async def test_hmac_hashes_use_a_key_of_the_callers_own(client: Client, make_token: Tokens) -> None:
    agency, crm = await make_token("sender"), await make_token("sender")
    await opt_out(client, await make_token("operator"), NUMBERS[0])
    keys = []
    for headers in (agency, crm):
        resp = await client.get("/v1/suppressions/key", headers=headers)
        assert resp.status == 200
        key = bytes.fromhex((await resp.json())["key_hex"])
        [line] = await feed(client, headers, hash="hmac")
        assert "phone" not in line
        assert "phone_sha256" not in line
        assert line["phone_hmac"] == hmac.new(key, NUMBERS[0].encode(), "sha256").hexdigest()
        keys.append(key)
    assert keys[0] != keys[1]
    resp = await client.get("/v1/suppressions/key", headers=agency)
    assert bytes.fromhex((await resp.json())["key_hex"]) == keys[0]  # stable per token


async def test_limit_gives_a_page_and_its_last_cursor_resumes(
    client: Client, make_token: Tokens
) -> None:
    sender, operator = await make_token("sender"), await make_token("operator")
    for number in NUMBERS:
        await opt_out(client, operator, number)
    first = await feed(client, sender, limit="2")
    assert [line["phone"] for line in first] == NUMBERS[:2]
    rest = await feed(client, sender, since=first[-1]["cursor"], limit="2")
    assert [line["phone"] for line in rest] == NUMBERS[2:]


async def test_the_stream_crosses_pages_in_order(
    client: Client, make_token: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(suppressions, "PAGE", 2)
    monkeypatch.setattr(suppressions, "FLUSH_BYTES", 10)
    sender, operator = await make_token("sender"), await make_token("operator")
    numbers = [f"+7999000{n:04d}" for n in range(7)]
    for number in numbers:
        await opt_out(client, operator, number)
    assert [line["phone"] for line in await feed(client, sender)] == numbers


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"since": "yesterday"}, 400, "invalid_cursor"),
        ({"since": "12"}, 400, "invalid_cursor"),
        ({"since": "-1.00000000"}, 400, "invalid_cursor"),
        ({"since": "0.deadbeef"}, 400, "invalid_cursor"),  # another database's tag
        ({"format": "xml"}, 400, "invalid_format"),
        ({"hash": "md5"}, 400, "invalid_hash"),
        ({"limit": "0"}, 400, "invalid_limit"),
        ({"limit": "ten"}, 400, "invalid_limit"),
    ],
)
async def test_bad_queries_are_refused_before_streaming(
    client: Client, make_token: Tokens, query: dict[str, str], status: int, code: str
) -> None:
    headers = await make_token("sender")
    assert await error(client, headers, **query) == (status, code)


async def test_a_cursor_from_the_future_is_refused(client: Client, make_token: Tokens) -> None:
    headers = await make_token("sender")
    resp = await client.get("/v1/suppressions", headers=headers)
    tag = resp.headers["X-Consentbot-Cursor"].split(".")[1]
    status, code = await error(client, headers, since=f"5.{tag}")
    assert (status, code) == (400, "invalid_cursor")


async def test_the_feed_needs_a_sender_token(client: Client, make_token: Tokens) -> None:
    assert (await client.get("/v1/suppressions")).status == 401
    collector = await make_token("collector")
    assert (await client.get("/v1/suppressions", headers=collector)).status == 403
    assert (await client.get("/v1/suppressions/key", headers=collector)).status == 403


async def test_cursors_survive_a_restart(
    aiohttp_client: AiohttpClient, settings: Settings, store: Store, make_token: Tokens
) -> None:
    sender, operator = await make_token("sender"), await make_token("operator")
    first = await aiohttp_client(create_app(settings, store=store))
    await opt_out(first, operator, NUMBERS[0])
    [line] = await feed(first, sender)

    again = open_store(settings.database_url, make_projector(settings.policy))
    await again.open()
    try:
        second = await aiohttp_client(create_app(settings, store=again))
        assert await feed(second, sender, since=line["cursor"]) == []
        await opt_out(second, operator, NUMBERS[1])
        [new] = await feed(second, sender, since=line["cursor"])
        assert new["phone"] == NUMBERS[1]
    finally:
        await again.close()


async def test_a_cursor_of_another_database_is_refused(
    aiohttp_client: AiohttpClient,
    client: Client,
    make_token: Tokens,
    tmp_path: Path,
) -> None:
    headers = await make_token("sender")
    resp = await client.get("/v1/suppressions", headers=headers)
    mine = resp.headers["X-Consentbot-Cursor"]
    other_settings = make_settings(tmp_path / "other", database_url=f"sqlite:///{tmp_path}/o.db")
    other = open_store(other_settings.database_url, make_projector(other_settings.policy))
    await other.open()
    try:
        await other.migrate()
        secret, record = new_token(Role.SENDER, "elsewhere")
        await other.add_token(record)
        elsewhere = await aiohttp_client(create_app(other_settings, store=other))
        status, code = await error(elsewhere, {"Authorization": f"Bearer {secret}"}, since=mine)
        assert (status, code) == (400, "invalid_cursor")
    finally:
        await other.close()
