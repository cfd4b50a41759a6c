"""Frequency caps: counted from our own `sent` statuses, configurable per category."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import ValidationError

from bot.app import create_app
from bot.auth import Role, new_token
from bot.keys import STORE
from bot.ledger import make_projector
from bot.settings import parse_caps
from bot.state import Cap
from storage.open import open_store
from tests import meta
from tests.conftest import AiohttpClient, both_backends, make_settings, post_signed

Client = TestClient[Any, Any]
WA_ID = "79995550001"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


@pytest.mark.parametrize(
    ("text", "caps"),
    [
        ("marketing=3/7d", {"marketing": Cap(3, timedelta(days=7))}),
        (
            " marketing=2/24h , utility=10/30m ",
            {"marketing": Cap(2, timedelta(hours=24)), "utility": Cap(10, timedelta(minutes=30))},
        ),
        ("", {}),
        ("none", {}),
    ],
)
def test_caps_are_read_per_category(text: str, caps: dict[str, Cap]) -> None:
    assert parse_caps(text) == caps


@pytest.mark.parametrize(
    "text",
    ["marketing", "marketing=3", "marketing=3/7", "marketing=3/7w", "promo=3/7d", "marketing=0/7d"],
)
def test_a_bad_cap_stops_the_start_with_what_to_write(tmp_path: Path, text: str) -> None:
    with pytest.raises(ValidationError, match=r"marketing=3/7d|above 0"):
        make_settings(tmp_path, frequency_caps=text)


def sent(timestamp: int, category: str = "marketing", n: int = 0) -> dict[str, Any]:
    status = meta.status(
        "sent",
        recipient_id=WA_ID,
        pricing_category=category,
        timestamp=timestamp,
        id=meta.wamid(f"sent-{category}-{n}", wa_id=WA_ID),
    )
    return meta.statuses_change(status)


async def check(client: Client, category: str) -> dict[str, Any]:
    token = await _sender(client)
    resp = await client.post(
        "/v1/eligibility", json={"category": category, "recipients": ["+" + WA_ID]}, headers=token
    )
    assert resp.status == 200, await resp.text()
    result: dict[str, Any] = (await resp.json())["results"][0]
    return result


async def _sender(client: Client) -> dict[str, str]:
    secret, record = new_token(Role.SENDER, "caps")
    await client.app[STORE].add_token(record)
    return {"Authorization": f"Bearer {secret}"}


async def test_a_configured_cap_blocks_until_the_oldest_counted_send_leaves_the_window(
    aiohttp_client: AiohttpClient, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(
        tmp_path,
        database_url=database_url,
        frequency_caps="marketing=2/1d,utility=1/1h",
        require_consent=False,
    )
    store = open_store(settings.database_url, make_projector(settings.policy))
    await store.open()
    await store.migrate()
    try:
        client = await aiohttp_client(create_app(settings, store=store))
        now = int(time.time())
        assert (await post_signed(client, meta.body(sent(now - 7200, n=1)))).status == 200
        assert (await check(client, "marketing"))["eligible"] is True
        assert (await post_signed(client, meta.body(sent(now - 3600, n=2)))).status == 200
        result = await check(client, "marketing")
        assert result["reasons"] == ["frequency_cap"]
        lifts = datetime.fromtimestamp(now - 7200, UTC) + timedelta(days=1)
        assert result["lifts_at"] == lifts.isoformat().replace("+00:00", "Z")
        # Utility sends are counted on their own: an hour-old one no longer counts.
        utility = sent(now - 3601, category="utility", n=3)
        assert (await post_signed(client, meta.body(utility))).status == 200
        assert (await check(client, "utility"))["eligible"] is True
    finally:
        await store.close()


async def test_the_default_cap_is_three_marketing_sends_a_week(
    client: Client, database_url: str
) -> None:
    now = int(time.time())
    for n, hours_ago in enumerate((100, 50, 10)):
        delivery = meta.body(sent(now - hours_ago * 3600, n=n))
        assert (await post_signed(client, delivery)).status == 200
    result = await check(client, "marketing")
    assert "frequency_cap" in result["reasons"]
    lifts = datetime.fromtimestamp(now - 100 * 3600, UTC) + timedelta(days=7)
    assert result["lifts_at"] == lifts.isoformat().replace("+00:00", "Z")
    # A redelivered status is not a new send: counted again, it would move `lifts_at` on.
    assert (await post_signed(client, meta.body(sent(now - 10 * 3600, n=2)))).status == 200
    assert (await check(client, "marketing"))["lifts_at"] == result["lifts_at"]
    assert (await check(client, "utility"))["eligible"] is True
