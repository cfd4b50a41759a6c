"""The core loop end to end: a signed «СТОП» suppresses the customer everywhere at once."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests import meta
from tests.conftest import post_signed


async def test_stop_is_recorded_and_suppresses(
    client: TestClient[Any, Any], make_token: Any
) -> None:
    resp = await post_signed(client, meta.body(meta.messages_change(meta.text_message("СТОП"))))
    assert resp.status == 200
    headers = await make_token("operator")
    resp = await client.get("/v1/contacts/8 (999) 123-45-67", headers=headers)
    assert resp.status == 200
    doc = await resp.json()
    assert doc["phone"] == "+79991234567"
    assert doc["categories"]["marketing"]["reasons"][0] == "opted_out"
    assert doc["categories"]["utility"]["eligible"] is False
    resp = await client.post(
        "/v1/eligibility",
        json={
            "category": "utility",
            "recipients": ["+7 999 123-45-67", "+7 999 000-00-01", "nope"],
        },
        headers=await make_token("sender"),
    )
    results = (await resp.json())["results"]
    assert [r["eligible"] for r in results] == [False, True, False]
    assert results[2]["reasons"] == ["invalid_number"]
