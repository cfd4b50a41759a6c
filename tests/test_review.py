"""The review queue: unclear messages and complaints wait for an operator, on both backends."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.keys import STORE
from tests import meta
from tests.conftest import both_backends, make_settings, post_signed

Client = TestClient[Any, Any]

UNCLEAR = (
    "Здравствуйте! Заказ пришёл, спасибо, но рассылку стоп, "
    "и ещё подскажите, где посмотреть чек за прошлый месяц?"
)
COMPLAINT = "Кто дал вам мой номер?"
OPT_IN_EVIDENCE = {
    "categories": ["marketing"],
    "wording": "Keep sending me offers from Shop",
    "wording_version": "chat-2026-11",
}
OPT_IN = {"resolution": "opt_in", **OPT_IN_EVIDENCE}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


async def _say(client: Client, text: str, wa_id: str, seed: str, timestamp: int = 0) -> None:
    message = meta.text_message(
        text,
        from_=wa_id,
        id=meta.wamid(seed, wa_id=wa_id),
        timestamp=timestamp or meta.TIMESTAMP,
    )
    resp = await post_signed(client, meta.body(meta.messages_change(message)))
    assert resp.status == 200


async def _queue(client: Client, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    resp = await client.get(f"/v1/review{query}", headers=headers)
    assert resp.status == 200, await resp.text()
    doc: dict[str, Any] = await resp.json()
    return doc


async def _marketing_reasons(client: Client, headers: dict[str, str], phone: str) -> list[str]:
    resp = await client.get(f"/v1/contacts/{phone}", headers=headers)
    assert resp.status == 200
    reasons: list[str] = (await resp.json())["categories"]["marketing"]["reasons"]
    return reasons


async def test_unclear_message_waits_and_decides_nothing_by_itself(
    client: Client, make_token: Any
) -> None:
    headers = await make_token("operator")
    await _say(client, UNCLEAR, "79990000001", "u1")
    items = (await _queue(client, headers))["items"]
    assert [(i["kind"], i["phone"]) for i in items] == [("review", "+79990000001")]
    assert items[0]["evidence"]["text"] == UNCLEAR
    assert "opted_out" not in await _marketing_reasons(client, headers, "+79990000001")


async def test_complaint_suppresses_at_once_and_is_queued(client: Client, make_token: Any) -> None:
    headers = await make_token("operator")
    await _say(client, COMPLAINT, "79990000002", "c1", timestamp=int(time.time()) - 60)
    await _say(client, COMPLAINT, "79990000012", "c2", timestamp=int(time.time()) - 30 * 86400)
    assert "opted_out" in await _marketing_reasons(client, headers, "+79990000002")
    items = (await _queue(client, headers))["items"]
    assert [i["kind"] for i in items] == ["complaint", "complaint"]
    resp = await client.get("/v1/complaints", headers=headers)
    assert resp.status == 200
    doc = await resp.json()
    assert doc["days"] == 7
    assert doc["numbers"] == [{"phone_number_id": meta.PHONE_NUMBER_ID, "complaints": 1}]
    resp = await client.get("/v1/complaints?days=31", headers=headers)
    assert (await resp.json())["numbers"][0]["complaints"] == 2


@pytest.mark.parametrize(
    ("resolution", "opted_out"), [("opt_out", True), ("none", False), ("opt_in", False)]
)
async def test_resolving_an_item_records_the_decision_once(
    client: Client, make_token: Any, resolution: str, opted_out: bool
) -> None:
    headers = await make_token("operator")
    await _say(client, UNCLEAR, "79990000003", "u3")
    item = (await _queue(client, headers))["items"][0]
    body = {"resolution": resolution, "note": "read it"}
    if resolution == "opt_in":
        body.update(OPT_IN_EVIDENCE)
    resp = await client.post(f"/v1/review/{item['id']}", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    event = await resp.json()
    assert event["evidence"]["review_of"] == item["id"]
    assert event["evidence"]["operator"] == "test operator"
    assert event["occurred_at"] == item["occurred_at"]
    assert (await _queue(client, headers))["items"] == []
    reasons = await _marketing_reasons(client, headers, "+79990000003")
    assert ("opted_out" in reasons) is opted_out

    again = await client.post(f"/v1/review/{item['id']}", json=body, headers=headers)
    assert again.status == 200
    assert (await again.json())["id"] == event["id"]
    other = {"resolution": "opt_out"} if resolution == "opt_in" else OPT_IN
    resp = await client.post(f"/v1/review/{item['id']}", json=other, headers=headers)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "already_resolved"


async def test_a_later_start_outranks_an_opt_out_read_into_an_earlier_message(
    client: Client, make_token: Any
) -> None:
    headers = await make_token("operator")
    await _say(client, UNCLEAR, "79990000004", "u4", timestamp=meta.TIMESTAMP)
    await _say(client, "СТАРТ", "79990000004", "s4", timestamp=meta.TIMESTAMP + 60)
    item = (await _queue(client, headers))["items"][0]
    resp = await client.post(
        f"/v1/review/{item['id']}", json={"resolution": "opt_out"}, headers=headers
    )
    assert resp.status == 201
    assert "opted_out" not in await _marketing_reasons(client, headers, "+79990000004")


async def test_queue_pages_newest_first(client: Client, make_token: Any) -> None:
    headers = await make_token("operator")
    for n in range(5):
        await _say(client, COMPLAINT, f"7999100000{n}", f"p{n}")
    first = await _queue(client, headers, "?limit=2")
    assert [i["phone"] for i in first["items"]] == ["+79991000004", "+79991000003"]
    assert first["next"] is not None
    second = await _queue(client, headers, f"?limit=2&before={first['next']}")
    assert [i["phone"] for i in second["items"]] == ["+79991000002", "+79991000001"]
    third = await _queue(client, headers, f"?limit=2&before={second['next']}")
    assert [i["phone"] for i in third["items"]] == ["+79991000000"]
    assert third["next"] is None


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/v1/review?limit=0", None, 400, "bad_request"),
        ("GET", "/v1/review?limit=x", None, 400, "bad_request"),
        ("GET", "/v1/review?before=-1", None, 400, "bad_request"),
        ("GET", "/v1/complaints?days=0", None, 400, "bad_request"),
        ("POST", "/v1/review/nope", {"resolution": "none"}, 404, "not_found"),
        ("POST", "/v1/review/nope", {"resolution": "maybe"}, 422, "validation_error"),
        ("POST", "/v1/review/nope", {"resolution": "none", "extra": 1}, 422, "validation_error"),
    ],
)
async def test_bad_requests_are_refused_clearly(
    client: Client,
    make_token: Any,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    code: str,
) -> None:
    headers = await make_token("operator")
    resp = await client.request(method, path, json=body, headers=headers)
    assert resp.status == status, await resp.text()
    assert (await resp.json())["error"]["code"] == code


async def test_only_review_items_can_be_resolved(client: Client, make_token: Any) -> None:
    headers = await make_token("operator")
    await _say(client, "Спасибо!", "79990000005", "m5")
    store = client.app[STORE] if client.app is not None else None
    assert store is not None
    events = await store.events_of_kinds(["message"], limit=1)
    resp = await client.post(
        f"/v1/review/{events[0].id}", json={"resolution": "none"}, headers=headers
    )
    assert resp.status == 404


@pytest.mark.parametrize("role", ["sender", "collector"])
async def test_review_is_for_operators(client: Client, make_token: Any, role: str) -> None:
    headers = await make_token(role)
    for method, path in (("GET", "/v1/review"), ("GET", "/v1/complaints")):
        resp = await client.request(method, path, headers=headers)
        assert resp.status == 403


async def test_a_business_lexicon_file_is_used_by_the_webhook(
    aiohttp_client: Any, tmp_path: Path, database_url: str, store: Any, make_token: Any
) -> None:
    lexicon = tmp_path / "lexicon.json"
    lexicon.write_text(
        json.dumps(
            {"version": 1, "languages": {"ru": {"opt_out": {"all": ["ромашка довольно"]}}}},
            ensure_ascii=False,
        )
    )
    settings = make_settings(tmp_path, database_url=database_url, lexicon_file=lexicon)
    client = await aiohttp_client(create_app(settings, store=store))
    headers = await make_token("operator")
    await _say(client, "Ромашка, довольно!", "79990000006", "l6")
    assert "opted_out" in await _marketing_reasons(client, headers, "+79990000006")
    plain = await aiohttp_client(
        create_app(make_settings(tmp_path, database_url=database_url), store=store)
    )
    await _say(plain, "Ромашка, довольно!", "79990000007", "l7")
    assert "opted_out" not in await _marketing_reasons(plain, headers, "+79990000007")


async def test_a_resolution_that_is_not_json_is_415(client: Client, make_token: Any) -> None:
    headers = await make_token("operator")
    await _say(client, COMPLAINT, "79990000008", "j8")
    item = (await _queue(client, headers))["items"][0]
    resp = await client.post(
        f"/v1/review/{item['id']}",
        data="resolution=opt_out",
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 415
    assert (await resp.json())["error"]["code"] == "unsupported_media_type"
    assert [i["id"] for i in (await _queue(client, headers))["items"]] == [item["id"]]
