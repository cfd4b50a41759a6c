"""`/webhook/whatsapp` end to end: the real app, a real SQLite file, Meta's exact bytes.

Each test checks what Meta is answered and what was (or was not) committed, through the
store itself or through the operator API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.events import event_id
from bot.keys import STORE
from bot.settings import Settings
from storage.base import Store
from tests import meta
from tests.conftest import (
    APP_SECRET,
    VERIFY_TOKEN,
    AiohttpClient,
    both_backends,
    make_settings,
    post_signed,
)

Client = TestClient[Any, Any]

MIB = 1024 * 1024
NUMBER_FORMATS = ("8 (999) 123-45-67", "+7 999 123 45 67", "79991234567")
T = meta.TIMESTAMP
T_ISO = "2026-05-17T06:40:00Z"
# Back-offs run from the failure's own time, so this one must be recent to still apply.
NOW = int(time.time())


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def _db_path(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


async def _assert_nothing_stored(store: Store) -> None:
    assert await store.count_events() == 0
    assert await store.quarantined() == []


async def _contact(client: Client, headers: dict[str, str], number: str) -> dict[str, Any]:
    resp = await client.get(f"/v1/contacts/{number}", headers=headers)
    assert resp.status == 200, await resp.text()
    doc: dict[str, Any] = await resp.json()
    return doc


def _reasons(doc: dict[str, Any]) -> tuple[list[str], list[str]]:
    cats = doc["categories"]
    return cats["marketing"]["reasons"], cats["utility"]["reasons"]


def _walk(value: Any) -> Iterator[str]:
    """Every key and leaf of a log entry, as text."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _walk(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _walk(v)
    else:
        yield str(value)


# 1. Verification handshake


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1158201444"},
            id="wrong-token",
        ),
        pytest.param(
            {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
            id="wrong-mode",
        ),
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}, id="no-challenge"
        ),
        pytest.param({"hub.mode": "subscribe", "hub.challenge": "1158201444"}, id="no-token"),
        pytest.param({"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}, id="no-mode"),
        pytest.param(
            {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN + "x", "hub.challenge": "1"},
            id="token-with-suffix",
        ),
    ],
)
async def test_handshake_refused(client: Client, store: Store, query: dict[str, str]) -> None:
    resp = await client.get("/webhook/whatsapp", params=query)
    assert resp.status == 403
    assert await resp.json() == _error(
        403, "forbidden", "verification failed: wrong mode or verify token"
    )
    await _assert_nothing_stored(store)


async def test_handshake_echoes_the_challenge_exactly(client: Client) -> None:
    challenge = "1158201444"
    resp = await client.get(
        "/webhook/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": challenge,
        },
    )
    assert resp.status == 200
    assert await resp.read() == challenge.encode()


# 2. Signatures


STOP_WAMID = meta.wamid("stop")


def _stop_body() -> bytes:
    message = meta.text_message("СТОП", id=STOP_WAMID)
    return meta.dumps_meta(meta.body(meta.messages_change(message)))


def _hex(body: bytes, secret: str = APP_SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("headers", "status", "code", "message"),
    [
        pytest.param({}, 401, "unauthorized", "X-Hub-Signature-256 is missing", id="no-header"),
        pytest.param(
            {"X-Hub-Signature-256": meta.sign(_stop_body(), "another-app-secret")},
            403,
            "forbidden",
            "X-Hub-Signature-256 does not match",
            id="wrong-secret",
        ),
        pytest.param(
            {"X-Hub-Signature-256": meta.sign(_stop_body() + b" ", APP_SECRET)},
            403,
            "forbidden",
            "X-Hub-Signature-256 does not match",
            id="other-body",
        ),
        pytest.param(
            {"X-Hub-Signature-256": "sha1=" + _hex(_stop_body())},
            403,
            "forbidden",
            "X-Hub-Signature-256 does not match",
            id="other-algorithm",
        ),
        pytest.param(
            {"X-Hub-Signature-256": "sha256="},
            403,
            "forbidden",
            "X-Hub-Signature-256 does not match",
            id="prefix-only",
        ),
    ],
)
async def test_bad_signature_stores_nothing(
    client: Client,
    store: Store,
    headers: dict[str, str],
    status: int,
    code: str,
    message: str,
) -> None:
    resp = await client.post(
        "/webhook/whatsapp",
        data=_stop_body(),
        headers={"Content-Type": "application/json", **headers},
    )
    assert resp.status == status
    assert await resp.json() == _error(status, code, message)
    await _assert_nothing_stored(store)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("sha256=" + _hex(_stop_body()), id="lowercase"),
        pytest.param("sha256=" + _hex(_stop_body()).upper(), id="uppercase-hex"),
        pytest.param("SHA256=" + _hex(_stop_body()).upper(), id="uppercase-all"),
    ],
)
async def test_signature_hex_case_is_ignored(client: Client, store: Store, header: str) -> None:
    body = _stop_body()
    resp = await client.post(
        "/webhook/whatsapp",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": header},
    )
    assert resp.status == 200
    assert await resp.text() == "ok"
    assert await store.count_events() == 1


def _escaped_payload() -> dict[str, object]:
    return meta.body(
        meta.messages_change(
            meta.text_message("СТОП 🙏", id=meta.wamid("escaped-text")),
            meta.media_message("image", caption="Ёлка 🎄 café", id=meta.wamid("escaped-image")),
        )
    )


async def test_meta_escaped_body_verifies_over_raw_bytes(client: Client, store: Store) -> None:
    raw = meta.dumps_meta(_escaped_payload())
    assert b'"mime_type":"image\\/jpeg"' in raw
    assert b"\\u0421\\u0422\\u041e\\u041f \\ud83d\\ude4f" in raw
    resp = await post_signed(client, raw)
    assert resp.status == 200
    assert await store.count_events() == 2
    stop = await store.event(event_id("msg:" + meta.wamid("escaped-text")))
    assert stop is not None
    assert stop.kind == "opt_out"
    assert stop.evidence["text"] == "СТОП 🙏"
    image = await store.event(event_id("msg:" + meta.wamid("escaped-image")))
    assert image is not None
    assert (image.kind, image.source) == ("message", "whatsapp_media")
    assert await store.quarantined() == []


async def test_reserialised_body_fails_the_original_signature(client: Client, store: Store) -> None:
    original = meta.dumps_meta(_escaped_payload())
    reserialised = json.dumps(_escaped_payload(), ensure_ascii=False).encode()
    assert json.loads(reserialised) == json.loads(original)
    resp = await client.post(
        "/webhook/whatsapp",
        data=reserialised,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": meta.sign(original, APP_SECRET),
        },
    )
    assert resp.status == 403
    assert await resp.json() == _error(403, "forbidden", "X-Hub-Signature-256 does not match")
    await _assert_nothing_stored(store)


# 3. Size


async def _post_large(client: Client, raw: bytes) -> Any:
    """POST a large signed body from a file-like object, as aiohttp wants large bodies sent."""
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": meta.sign(raw, APP_SECRET),
    }
    return await client.post("/webhook/whatsapp", data=io.BytesIO(raw), headers=headers)


def _padded(size: int) -> bytes:
    raw = _stop_body()
    return raw + b" " * (size - len(raw))


@pytest.fixture
async def min_cap_client(aiohttp_client: AiohttpClient, tmp_path: Path, store: Store) -> Client:
    capped = make_settings(tmp_path, max_body_bytes=4 * MIB)
    assert capped.max_body_bytes == 4 * MIB
    return await aiohttp_client(create_app(capped, store=store))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_body_over_the_cap_is_413(
    min_cap_client: Client, store: Store, chunked: bool
) -> None:
    raw = _padded(4 * MIB + 1)
    if chunked:
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": meta.sign(raw, APP_SECRET),
        }

        async def stream() -> AsyncIterator[bytes]:
            for i in range(0, len(raw), 256 * 1024):
                yield raw[i : i + 256 * 1024]

        resp = await min_cap_client.post("/webhook/whatsapp", data=stream(), headers=headers)
    else:
        resp = await _post_large(min_cap_client, raw)
    assert resp.status == 413
    assert await resp.json() == _error(413, "payload_too_large", "body over the size limit")
    await _assert_nothing_stored(store)


async def test_body_of_exactly_the_cap_is_accepted(min_cap_client: Client, store: Store) -> None:
    raw = _padded(4 * MIB)
    assert len(raw) == 4 * MIB
    resp = await _post_large(min_cap_client, raw)
    assert resp.status == 200
    assert await store.count_events() == 1


async def test_three_megabyte_delivery_is_recorded(client: Client, store: Store) -> None:
    filler = "Добрый день! " * 230
    messages = [
        meta.text_message(f"{i} {filler}", from_=f"7999{i:07d}", id=meta.wamid(f"big-{i}"))
        for i in range(210)
    ]
    raw = meta.dumps_meta(meta.body(meta.messages_change(*messages)))
    assert 3_000_000 <= len(raw) < 4 * MIB
    resp = await _post_large(client, raw)
    assert resp.status == 200
    assert await store.count_events() == 210
    last = await store.event(event_id("msg:" + meta.wamid("big-209")))
    assert last is not None
    assert last.phone == "+79990000209"
    assert await store.quarantined() == []


# 4. Quarantine


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(
            b'{"object":"whatsapp_business_account","entry":[', "not JSON", id="truncated"
        ),
        pytest.param(b"\xff\xfe not even text", "not JSON", id="binary"),
        pytest.param(b"[]", "not a webhook envelope: Input should be an object", id="list"),
        pytest.param(
            b'{"entry":5}', "not a webhook envelope: Input should be a valid array", id="entry-int"
        ),
        pytest.param(
            b'{"object":"whatsapp_business_account"}',
            "not a webhook envelope: Field required",
            id="no-entry",
        ),
    ],
)
async def test_unreadable_body_is_quarantined_byte_exact(
    client: Client, store: Store, raw: bytes, reason: str
) -> None:
    resp = await post_signed(client, raw)
    assert resp.status == 200
    assert await store.count_events() == 0
    [kept] = await store.quarantined()
    assert kept.body == raw
    assert kept.reason == reason


def _partial(kind: str) -> tuple[dict[str, object], list[str], str]:
    """A body with one unreadable item among good ones: (payload, good keys, reason)."""
    good = meta.text_message("Привет", id=meta.wamid(f"{kind}-good"))
    good_key = "msg:" + meta.wamid(f"{kind}-good")
    if kind == "change-without-value":
        bad_change: dict[str, object] = {"field": "messages"}
        return (
            meta.body(meta.messages_change(good), bad_change),
            [good_key],
            "entry[0].changes[1]: messages change without a value",
        )
    if kind == "message-without-from":
        anonymous = meta.text_message("СТОП", from_=None, id=meta.wamid(f"{kind}-bad"))
        return (
            meta.body(meta.messages_change(good, anonymous)),
            [good_key],
            "entry[0].changes[0].messages[1]: message without `from` or `from_user_id`",
        )
    if kind == "preference-without-wa_id":
        return (
            meta.body(
                meta.user_preferences_change(
                    meta.preference("stop", wa_id=None),
                    meta.preference("stop", wa_id="79990000001"),
                    contacts=[meta.contact("79990000001")],
                ),
                meta.messages_change(good),
            ),
            [f"pref:79990000001:stop:{T}:{meta.PHONE_NUMBER_ID}", good_key],
            "entry[0].changes[0].user_preferences[0]: "
            "user_preferences item without `wa_id` or `user_id`",
        )
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["change-without-value", "message-without-from", "preference-without-wa_id"]
)
async def test_partly_unreadable_body_records_the_rest_and_is_quarantined(
    client: Client, store: Store, kind: str
) -> None:
    payload, good_keys, reason = _partial(kind)
    raw = meta.dumps_meta(payload)
    resp = await post_signed(client, raw)
    assert resp.status == 200
    assert await store.count_events() == len(good_keys)
    for key in good_keys:
        assert await store.event(event_id(key)) is not None
    [kept] = await store.quarantined()
    assert kept.body == raw
    assert kept.reason == reason


async def test_admin_lists_the_quarantine_and_operators_may_not(
    client: Client, store: Store, make_token: Any
) -> None:
    first, second = b"not json at all", b"[]"
    for raw in (first, second):
        assert (await post_signed(client, raw)).status == 200
    resp = await client.get("/v1/admin/quarantine", headers=await make_token("admin"))
    assert resp.status == 200
    items = (await resp.json())["items"]
    assert [(i["reason"], i["size"], base64.b64decode(i["body_base64"])) for i in items] == [
        ("not a webhook envelope: Input should be an object", 2, second),
        ("not JSON", len(first), first),
    ]
    assert [i["id"] for i in items] == [q.id for q in await store.quarantined()]
    resp = await client.get("/v1/admin/quarantine", headers=await make_token("operator"))
    assert resp.status == 403
    assert await resp.json() == _error(
        403, "forbidden", "the operator role may not use this endpoint"
    )


# 5. Unknown fields and keys


async def test_unknown_field_is_ignored(client: Client, store: Store) -> None:
    history = meta.management_change(
        "history",
        {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": meta.DISPLAY_NUMBER, "phone_number_id": "1"},
            "history": [{"metadata": {"phase": 0}, "threads": []}],
        },
    )
    resp = await post_signed(client, meta.body(history))
    assert resp.status == 200
    await _assert_nothing_stored(store)


async def test_unknown_keys_inside_items_are_ignored(client: Client, store: Store) -> None:
    message = meta.text_message("СТОП", id=meta.wamid("extra-keys"))
    message["brand_new_key"] = {"nested": [1, 2, 3]}
    change = meta.messages_change(message)
    value = change["value"]
    assert isinstance(value, dict)
    value["future_thing"] = "x"
    resp = await post_signed(client, meta.body(change))
    assert resp.status == 200
    assert await store.count_events() == 1
    stored = await store.event(event_id("msg:" + meta.wamid("extra-keys")))
    assert stored is not None
    assert stored.kind == "opt_out"
    assert await store.quarantined() == []


# 6. Batches and redelivery


def _batch_payload() -> tuple[dict[str, object], list[str]]:
    keys: list[str] = []
    entries = []
    for e in range(2):
        changes = []
        for c in range(2):
            messages = []
            for m in range(5):
                seed = f"batch-{e}-{c}-{m}"
                messages.append(
                    meta.text_message(
                        f"Сообщение {m}", from_=f"7999000{e}{c}{m:02d}", id=meta.wamid(seed)
                    )
                )
                keys.append("msg:" + meta.wamid(seed))
            changes.append(meta.messages_change(*messages, phone_number_id=f"10654035224292{c}"))
        entries.append(meta.entry(*changes, waba_id=f"10229012934039{e}"))
    return meta.batch(*entries), keys


async def test_batch_is_recorded_once_even_when_redelivered(client: Client, store: Store) -> None:
    payload, keys = _batch_payload()
    raw = meta.dumps_meta(payload)
    for _ in range(2):
        resp = await post_signed(client, raw)
        assert resp.status == 200
        assert await store.count_events() == 20
    for key in keys:
        assert await store.event(event_id(key)) is not None
    assert len(set(keys)) == 20
    assert await store.quarantined() == []


async def test_same_wamid_in_two_bodies_is_one_event(client: Client, store: Store) -> None:
    shared = meta.text_message("СТОП", id=meta.wamid("shared"))
    other = meta.text_message("Привет", id=meta.wamid("other"), timestamp=T + 5)
    first = meta.body(meta.messages_change(shared))
    second = meta.body(meta.messages_change(other, shared), time=T + 10)
    assert meta.dumps_meta(first) != meta.dumps_meta(second)
    for payload in (first, second):
        assert (await post_signed(client, payload)).status == 200
    assert await store.count_events() == 2
    event = await store.event(event_id("msg:" + meta.wamid("shared")))
    assert event is not None
    assert event.id == event_id("msg:" + meta.wamid("shared"))


# 7. Consent signals through the whole stack


def _messages(*items: dict[str, object], **kw: Any) -> dict[str, object]:
    return meta.body(meta.messages_change(*items, **kw))


def _statuses(*items: dict[str, object]) -> dict[str, object]:
    return meta.body(meta.statuses_change(*items))


def _prefs(*items: dict[str, object]) -> dict[str, object]:
    return meta.body(meta.user_preferences_change(*items))


def _undeliverable(n: int) -> dict[str, object]:
    return _statuses(
        meta.status(
            "failed", id=meta.wamid(f"undeliverable-{n}"), error_code=131026, timestamp=T + n
        )
    )


SIGNALS = [
    pytest.param(
        [_messages(meta.text_message("СТОП"))],
        ["opted_out", "no_consent"],
        ["opted_out"],
        [("user_request", "whatsapp_text")],
        id="typed-stop",
    ),
    pytest.param(
        [_messages(meta.button_message("Отписаться"))],
        ["opted_out", "no_consent"],
        [],
        [("user_request", "whatsapp_button")],
        id="template-button",
    ),
    pytest.param(
        # A reply that says "all" blocks every business-initiated message.
        [_messages(meta.interactive_button_reply("UNSUBSCRIBE_ALL", "Отписаться от всего"))],
        ["opted_out", "no_consent"],
        ["opted_out"],
        [("user_request", "whatsapp_interactive")],
        id="interactive-reply",
    ),
    pytest.param(
        [_messages(meta.media_message("image", caption="стоп"))],
        ["opted_out", "no_consent"],
        ["opted_out"],
        [("user_request", "whatsapp_media")],
        id="image-caption",
    ),
    pytest.param(
        [_prefs(meta.preference("stop"))],
        ["platform_opt_out", "no_consent"],
        [],
        [("platform", "whatsapp_preferences")],
        id="preference-stop",
    ),
    pytest.param(
        [_prefs(meta.preference("stop")), _prefs(meta.preference("resume", timestamp=T + 60))],
        ["no_consent"],
        [],
        [],
        id="preference-resume-newer",
    ),
    pytest.param(
        [_prefs(meta.preference("stop")), _prefs(meta.preference("resume", timestamp=T - 60))],
        ["platform_opt_out", "no_consent"],
        [],
        [("platform", "whatsapp_preferences")],
        id="preference-resume-older-arrives-later",
    ),
    pytest.param(
        [_statuses(meta.status("failed", error_code=131050, pricing_category="marketing"))],
        ["platform_opt_out", "no_consent"],
        [],
        [("platform", "whatsapp_status")],
        id="status-131050",
    ),
    pytest.param(
        [_statuses(meta.status("failed", error_code=131049, timestamp=NOW))],
        ["no_consent", "backoff"],
        [],
        [],
        id="status-131049",
    ),
    pytest.param(
        [_undeliverable(1), _undeliverable(2), _undeliverable(3)],
        ["unreachable", "no_consent"],
        ["unreachable"],
        [("unreachable", "whatsapp_status")],
        id="status-131026-three-times",
    ),
    pytest.param(
        [
            _undeliverable(1),
            _undeliverable(2),
            _undeliverable(3),
            _messages(meta.text_message("Я тут", timestamp=T + 10)),
        ],
        ["no_consent"],
        [],
        [],
        id="status-131026-then-inbound",
    ),
    pytest.param(
        [_messages(meta.request_welcome())],
        ["no_consent"],
        [],
        [],
        id="request-welcome",
    ),
    pytest.param(
        [
            _messages(meta.text_message("СТОП")),
            _messages(meta.text_message("СТАРТ", timestamp=T + 60)),
        ],
        [],
        [],
        [],
        id="start-after-stop",
    ),
]


@pytest.mark.parametrize(("deliveries", "marketing", "utility", "marketing_blocks"), SIGNALS)
async def test_consent_signal(
    client: Client,
    store: Store,
    make_token: Any,
    deliveries: list[dict[str, object]],
    marketing: list[str],
    utility: list[str],
    marketing_blocks: list[tuple[str, str]],
) -> None:
    for payload in deliveries:
        resp = await post_signed(client, payload)
        assert resp.status == 200
    assert await store.count_events() == len(deliveries)
    assert await store.quarantined() == []
    headers = await make_token("operator")
    docs = [await _contact(client, headers, number) for number in NUMBER_FORMATS]
    assert docs[0] == docs[1] == docs[2]
    assert docs[0]["phone"] == "+79991234567"
    assert docs[0]["identities"]["wa_ids"] == [meta.USER_WA_ID]
    assert _reasons(docs[0]) == (marketing, utility)
    assert len(docs[0]["events"]) == len(deliveries)
    categories = docs[0]["categories"]
    assert categories["marketing"]["eligible"] is (not marketing)
    assert categories["utility"]["eligible"] is (not utility)
    blocks = categories["marketing"]["blocks"]
    assert [(b["kind"], b["source"]) for b in blocks] == marketing_blocks


async def test_typed_stop_in_detail(client: Client, store: Store, make_token: Any) -> None:
    wamid = meta.wamid("stop-detail")
    resp = await post_signed(client, _messages(meta.text_message("СТОП", id=wamid)))
    assert resp.status == 200
    key = "msg:" + wamid
    stored = await store.event(event_id(key))
    assert stored is not None
    assert (stored.kind, stored.source, stored.categories) == ("opt_out", "whatsapp_text", ("all",))
    assert stored.phone == "+79991234567"
    doc = await _contact(client, await make_token("operator"), "8 (999) 123-45-67")
    block = {
        "kind": "user_request",
        "since": T_ISO,
        "source": "whatsapp_text",
        "event_id": event_id(key),
        "phone_number_id": None,
    }
    assert doc["categories"]["marketing"]["blocks"] == [block]
    assert doc["categories"]["utility"]["blocks"] == [block]
    [event] = doc["events"]
    assert event["id"] == event_id(key)
    assert (event["kind"], event["categories"], event["source"]) == (
        "opt_out",
        ["all"],
        "whatsapp_text",
    )
    assert event["occurred_at"] == T_ISO
    assert event["phone_number_id"] == meta.PHONE_NUMBER_ID
    assert event["evidence"] == {"wamid": wamid, "type": "text", "text": "СТОП", "matched": "стоп"}


# 8. Identity


@pytest.mark.parametrize(
    ("wa_id", "lookup", "phone"),
    [
        pytest.param(
            "551187654321", "+55 11 98765-4321", "+5511987654321", id="br-8-digit-account"
        ),
        pytest.param("5511987654321", "+55 11 8765-4321", "+551187654321", id="br-9-digit-account"),
        pytest.param("5215512345678", "+52 55 1234 5678", "+525512345678", id="mx-521"),
    ],
)
async def test_wa_id_found_by_the_dialled_number(
    client: Client, store: Store, make_token: Any, wa_id: str, lookup: str, phone: str
) -> None:
    resp = await post_signed(client, _messages(meta.text_message("STOP", from_=wa_id)))
    assert resp.status == 200
    assert await store.count_events() == 1
    doc = await _contact(client, await make_token("operator"), lookup)
    assert doc["phone"] == phone
    assert doc["identities"]["wa_ids"] == [wa_id]
    assert _reasons(doc) == (["opted_out", "no_consent"], ["opted_out"])
    resp = await client.post(
        "/v1/eligibility",
        json={"category": "utility", "recipients": [lookup, "+" + wa_id]},
        headers=await make_token("sender"),
    )
    assert [(r["eligible"], r["reasons"]) for r in (await resp.json())["results"]] == [
        (False, ["opted_out"]),
        (False, ["opted_out"]),
    ]


async def test_username_user_found_by_user_id(
    client: Client, store: Store, make_token: Any
) -> None:
    wamid = meta.wamid("username")
    message = meta.text_message("СТОП", from_=None, user_id=meta.USER_BSUID, id=wamid)
    resp = await post_signed(client, _messages(message))
    assert resp.status == 200
    assert await store.quarantined() == []
    assert await store.count_events() == 1
    stored = await store.event(event_id("msg:" + wamid))
    assert stored is not None
    assert (stored.phone, stored.wa_id, stored.user_id) == (None, None, meta.USER_BSUID)
    doc = await _contact(client, await make_token("operator"), meta.USER_BSUID)
    assert doc["phone"] is None
    assert doc["identities"] == {"phones": [], "wa_ids": [], "user_ids": [meta.USER_BSUID]}
    assert _reasons(doc) == (["opted_out", "no_consent"], ["opted_out"])


async def test_message_with_number_and_user_id_links_them(
    client: Client, store: Store, make_token: Any
) -> None:
    headers = await make_token("operator")
    by_number = meta.text_message("СТОП", id=meta.wamid("link-1"))
    by_user_id = meta.text_message(
        "Привет", from_=None, user_id=meta.USER_BSUID, id=meta.wamid("link-2"), timestamp=T + 1
    )
    for message in (by_number, by_user_id):
        assert (await post_signed(client, _messages(message))).status == 200
    before = await _contact(client, headers, meta.USER_BSUID)
    assert [e["evidence"]["wamid"] for e in before["events"]] == [meta.wamid("link-2")]
    assert _reasons(before) == (["no_consent"], [])

    both = meta.text_message(
        "Ок", user_id=meta.USER_BSUID, id=meta.wamid("link-3"), timestamp=T + 2
    )
    assert (await post_signed(client, _messages(both))).status == 200
    assert await store.count_events() == 3
    wamids = [meta.wamid(f"link-{i}") for i in (1, 2, 3)]
    for number in (meta.USER_BSUID, "+7 999 123 45 67"):
        doc = await _contact(client, headers, number)
        assert [e["evidence"]["wamid"] for e in doc["events"]] == wamids
        assert doc["identities"]["user_ids"] == [meta.USER_BSUID]
        assert doc["identities"]["wa_ids"] == [meta.USER_WA_ID]
        assert _reasons(doc) == (["opted_out", "no_consent"], ["opted_out"])


async def test_stop_on_old_number_suppresses_the_new_number(
    client: Client, store: Store, make_token: Any
) -> None:
    new_wa_id = "79997654321"
    stop = _messages(meta.text_message("СТОП"))
    changed = _messages(meta.system_changed_number(new_wa_id, timestamp=T + 60))
    for payload in (stop, changed):
        assert (await post_signed(client, payload)).status == 200
    assert await store.count_events() == 2
    doc = await _contact(client, await make_token("operator"), "+7 999 765-43-21")
    assert doc["phone"] == "+79997654321"
    assert [e["kind"] for e in doc["events"]] == ["opt_out", "number_changed"]
    assert _reasons(doc) == (["opted_out", "no_consent"], ["opted_out"])
    resp = await client.post(
        "/v1/eligibility",
        json={"category": "utility", "recipients": ["+79997654321"]},
        headers=await make_token("sender"),
    )
    assert (await resp.json())["results"] == [
        {
            "recipient": "+79997654321",
            "phone": "+79997654321",
            "eligible": False,
            "reasons": ["opted_out"],
        }
    ]


# 9. Business-wide scope


async def test_stop_on_one_business_number_blocks_the_others(
    client: Client, make_token: Any
) -> None:
    resp = await post_signed(
        client, _messages(meta.text_message("СТОП"), phone_number_id="111111111111111")
    )
    assert resp.status == 200
    headers = await make_token("sender")
    results = []
    for category in ("utility", "marketing"):
        resp = await client.post(
            "/v1/eligibility",
            json={
                "category": category,
                "phone_number_id": "222222222222222",
                "recipients": ["79991234567"],
            },
            headers=headers,
        )
        assert resp.status == 200
        results += (await resp.json())["results"]
    assert [(r["eligible"], r["reasons"]) for r in results] == [
        (False, ["opted_out"]),
        (False, ["opted_out", "no_consent"]),
    ]


# 10. Storage outages: nothing is acknowledged


@pytest.mark.sqlite_only
async def test_locked_database_is_503_and_the_redelivery_is_stored_once(
    client: Client, store: Store, settings: Settings
) -> None:
    raw = _stop_body()
    locker = sqlite3.connect(_db_path(settings), isolation_level=None, timeout=0.1)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        resp = await post_signed(client, raw)
        assert resp.status == 503
        assert await resp.json() == _error(
            503, "storage_unavailable", "storage is unavailable, retry later"
        )
        resp = await client.get("/readyz")
        assert resp.status == 503
        assert (await resp.json())["error"]["code"] == "storage_unavailable"
        assert await store.count_events() == 0
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    resp = await post_signed(client, raw)
    assert resp.status == 200
    assert (await client.get("/readyz")).status == 200
    assert await store.count_events() == 1
    assert await store.quarantined() == []


def _app_store(client: Client) -> Store:
    app = client.app
    assert app is not None
    store: Store = app[STORE]
    return store


def _chmod_database(db: Path, mode: int) -> list[Path]:
    """chmod the database and the -wal/-shm files SQLite keeps beside it; return them."""
    files = [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]
    for path in files:
        os.chmod(path, mode)
    return files


@pytest.mark.sqlite_only
async def test_read_only_database_is_503(
    aiohttp_client: AiohttpClient, store: Store, settings: Settings
) -> None:
    """A connection keeps the write access it opened with, so the app starts on the
    read-only file, as after a restart onto a disk remounted read-only."""
    await store.close()
    db = _db_path(settings)
    files = _chmod_database(db, 0o444)
    if any(os.access(path, os.W_OK) for path in files):
        _chmod_database(db, 0o644)
        pytest.skip(
            "running as root: chmod 0o444 does not stop root from writing; "
            "test_locked_database_is_503_and_the_redelivery_is_stored_once covers the outage"
        )
    raw = _stop_body()
    read_only = await aiohttp_client(create_app(settings))
    try:
        resp = await post_signed(read_only, raw)
        assert resp.status == 503
        assert await resp.json() == _error(
            503, "storage_unavailable", "storage is unavailable, retry later"
        )
        resp = await read_only.get("/readyz")
        assert resp.status == 503
    finally:
        await read_only.close()
        # SQLite gives the -wal/-shm files it created the database file's mode: restore all.
        _chmod_database(db, 0o644)
    restarted = await aiohttp_client(create_app(settings))
    resp = await post_signed(restarted, raw)
    assert resp.status == 200
    assert (await restarted.get("/readyz")).status == 200
    assert await _app_store(restarted).count_events() == 1


def test_read_only_database_is_503_even_for_root(tmp_path: Path) -> None:
    """Root writes to any file, so as root the test above runs again in a child process
    without the capability that lets root ignore file permissions."""
    if os.geteuid() != 0:
        pytest.skip("not root: test_read_only_database_is_503 runs as it is")
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run the read-only test as root")
    done = subprocess.run(
        [
            "setpriv",
            "--bounding-set",
            "-dac_override,-dac_read_search",
            sys.executable,
            "-B",
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--basetemp",
            str(tmp_path / "child"),
            f"{__file__}::test_read_only_database_is_503",
        ],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "1 passed" in done.stdout


@pytest.mark.parametrize(("method", "path"), [("POST", "/webhook/whatsapp"), ("GET", "/readyz")])
async def test_closed_store_is_503(client: Client, store: Store, method: str, path: str) -> None:
    await store.close()
    raw = _stop_body()
    resp = await client.request(
        method,
        path,
        data=raw if method == "POST" else None,
        headers={"X-Hub-Signature-256": meta.sign(raw, APP_SECRET)} if method == "POST" else None,
    )
    assert resp.status == 503
    assert await resp.json() == _error(
        503, "storage_unavailable", "storage is unavailable, retry later"
    )


# 11. Logs


async def test_one_summary_line_and_no_number_or_secret_in_logs(client: Client) -> None:
    with structlog.testing.capture_logs() as logs:
        resp = await post_signed(client, _messages(meta.text_message("СТОП", from_="79991234567")))
        assert resp.status == 200
    deliveries = [e for e in logs if e["event"] == "webhook.delivery"]
    assert len(deliveries) == 1
    [summary] = deliveries
    assert summary["outcome"] == "recorded"
    assert summary["events"] == 1
    assert summary["new"] == 1
    assert summary["kinds"] == {"opt_out": 1}
    for entry in logs:
        for text in _walk(entry):
            for secret in ("79991234567", "9991234567", APP_SECRET):
                assert secret not in text, (entry["event"], text)


# 12. Metrics


async def test_metrics_count_deliveries_by_outcome(client: Client) -> None:
    assert (await post_signed(client, _stop_body())).status == 200
    assert (await post_signed(client, _stop_body(), secret="another-app-secret")).status == 403
    resp = await client.get("/metrics")
    assert resp.status == 200
    lines = [
        line
        for line in (await resp.text()).splitlines()
        if line.startswith("consentbot_webhook_deliveries_total{")
    ]
    assert lines == [
        'consentbot_webhook_deliveries_total{outcome="bad_signature"} 1',
        'consentbot_webhook_deliveries_total{outcome="recorded"} 1',
    ]
