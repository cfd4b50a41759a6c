"""The sender health guard through the real app, on both backends: Meta's signed notices
pause a number or a template, eligibility answers `sender_paused`, `GET /v1/senders` shows
why, an admin resumes by hand, and a change of health is recorded once and logged."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from structlog.testing import capture_logs

from bot.app import create_app
from bot.ledger import make_projector
from bot.sender_guard import check
from bot.settings import Settings
from storage.base import Store
from storage.open import open_store
from tests import meta
from tests.conftest import AiohttpClient, both_backends, make_settings, post_signed

Client = TestClient[Any, Any]
RECIPIENT = "+79990000001"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path, database_url=database_url, sender_check_s=0, require_consent=False
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    s = open_store(settings.database_url, make_projector(settings.policy), busy_timeout_ms=200)
    await s.open()
    await s.migrate()
    yield s
    await s.close()


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings, store: Store) -> Client:
    return await aiohttp_client(create_app(settings, store=store))


def _recent() -> int:
    return int(time.time()) - 60


async def _notify(client: Client, change: dict[str, object]) -> None:
    resp = await post_signed(client, meta.body(change, time=_recent()))
    assert resp.status == 200, await resp.text()


async def _check(client: Client, headers: dict[str, str], **query: str) -> dict[str, Any]:
    body = {"category": "marketing", "recipients": [RECIPIENT], **query}
    resp = await client.post("/v1/eligibility", json=body, headers=headers)
    assert resp.status == 200, await resp.text()
    result: dict[str, Any] = (await resp.json())["results"][0]
    return result


async def _senders(client: Client, headers: dict[str, str], query: str = "") -> dict[str, Any]:
    resp = await client.get(f"/v1/senders{query}", headers=headers)
    assert resp.status == 200, await resp.text()
    doc: dict[str, Any] = await resp.json()
    return doc


async def test_flagged_number_is_paused_until_an_admin_resumes_it(
    client: Client, make_token: Any
) -> None:
    sender, admin = await make_token("sender"), await make_token("admin")
    await _notify(client, meta.quality_update("FLAGGED"))

    held = await _check(client, sender, phone_number_id=meta.PHONE_NUMBER_ID)
    assert held["eligible"] is False
    assert held["reasons"] == ["sender_paused"]
    assert held["detail"] == "quality"
    assert "lifts_at" not in held  # until Meta unflags it or an admin resumes it
    assert (await _check(client, sender))["eligible"] is True  # no number named

    doc = await _senders(client, admin, f"?phone_number_id={meta.PHONE_NUMBER_ID}")
    [number] = doc["numbers"]
    assert number["phone_number_id"] == meta.PHONE_NUMBER_ID
    assert (number["state"], number["detail"]) == ("paused", "quality")
    assert [r["cause"] for r in number["reasons"]] == ["flagged"]

    resp = await client.post(
        "/v1/senders/resume",
        json={"phone_number_id": meta.PHONE_NUMBER_ID, "reason": "opt-out handling audited"},
        headers=admin,
    )
    assert resp.status == 201, await resp.text()
    resumed = await resp.json()
    assert resumed["states"][0]["state"] == "healthy"
    assert (await _check(client, sender, phone_number_id=meta.PHONE_NUMBER_ID))["eligible"]

    doc = await _senders(client, admin, f"?phone_number_id={meta.PHONE_NUMBER_ID}")
    [entry] = doc["numbers"][0]["history"]
    assert entry["kind"] == "sender_resumed"
    assert entry["reason"] == "opt-out handling audited"
    assert entry["admin"] == "test admin"
    assert entry["actor"].startswith("tok_")

    # A newer flag pauses the number again.
    change = meta.quality_update("FLAGGED", current_limit="TIER_250")
    resp = await post_signed(client, meta.body(change, time=int(time.time()) + 1))
    assert resp.status == 200
    assert await _wait_paused(client, sender)


async def _wait_paused(client: Client, headers: dict[str, str]) -> bool:
    """The notice above is stamped a second ahead: wait until it is in the past."""
    for _ in range(40):
        result = await _check(client, headers, phone_number_id=meta.PHONE_NUMBER_ID)
        if not result["eligible"]:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_restriction_pauses_until_its_expiry_in_every_form(
    client: Client, make_token: Any
) -> None:
    sender = await make_token("sender")
    expiry = int(time.time()) + 7 * 86400
    restriction = [{"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expiration": expiry}]
    await _notify(client, meta.account_update("ACCOUNT_RESTRICTION", restriction_info=restriction))
    held = await _check(client, sender, phone_number_id=meta.PHONE_NUMBER_ID)
    assert (held["reasons"], held["detail"]) == (["sender_paused"], "restricted")
    assert held["lifts_at"].startswith(time.strftime("%Y-%m-%dT%H:%M", time.gmtime(expiry)))

    query = f"?category=marketing&phone_number_id={meta.PHONE_NUMBER_ID}"
    resp = await client.post(
        "/v1/eligibility" + query,
        data=json.dumps({"recipient": RECIPIENT}) + "\n",
        headers={**sender, "Content-Type": "application/x-ndjson"},
    )
    line = json.loads((await resp.text()).splitlines()[0])
    assert (line["reasons"], line["detail"]) == (["sender_paused"], "restricted")
    resp = await client.post(
        "/v1/eligibility" + query,
        data=RECIPIENT + "\n",
        headers={**sender, "Content-Type": "text/csv"},
    )
    assert (await resp.text()).splitlines()[1] == f"{RECIPIENT},{RECIPIENT},false,sender_paused"

    utility = {"category": "utility", "recipients": [RECIPIENT]}
    resp = await client.post(
        "/v1/eligibility", json={**utility, "phone_number_id": meta.PHONE_NUMBER_ID}, headers=sender
    )
    assert (await resp.json())["results"][0]["eligible"] is True  # marketing only


async def test_red_template_pauses_sends_with_it(client: Client, make_token: Any) -> None:
    sender, operator = await make_token("sender"), await make_token("operator")
    await _notify(client, meta.template_quality("RED"))
    held = await _check(client, sender, template=meta.TEMPLATE_NAME)
    assert (held["reasons"], held["detail"]) == (["sender_paused"], "template")
    assert (await _check(client, sender, template="winter_sale"))["eligible"] is True
    [entry] = (await _senders(client, operator))["templates"]
    assert (entry["template"], entry["state"]) == (f"{meta.TEMPLATE_NAME}/ru", "paused")


async def test_five_opt_outs_in_a_day_pause_the_number(client: Client, make_token: Any) -> None:
    sender = await make_token("sender")
    for i in range(5):
        wa_id = f"7999000010{i}"
        message = meta.text_message(
            "СТОП", from_=wa_id, id=meta.wamid(f"spike{i}", wa_id=wa_id), timestamp=_recent()
        )
        resp = await post_signed(client, meta.body(meta.messages_change(message)))
        assert resp.status == 200
    held = await _check(client, sender, phone_number_id=meta.PHONE_NUMBER_ID)
    assert (held["reasons"], held["detail"]) == (["sender_paused"], "complaint_spike")
    assert "lifts_at" in held


async def test_spam_rate_limit_pauses_the_number(client: Client, make_token: Any) -> None:
    sender = await make_token("sender")
    failed = meta.status("failed", error_code=131048, timestamp=_recent())
    resp = await post_signed(client, meta.body(meta.statuses_change(failed)))
    assert resp.status == 200
    held = await _check(client, sender, phone_number_id=meta.PHONE_NUMBER_ID)
    assert (held["reasons"], held["detail"]) == (["sender_paused"], "restricted")


async def test_a_change_is_recorded_once_and_logged(
    client: Client, store: Store, settings: Settings, make_token: Any
) -> None:
    await _notify(client, meta.quality_update("FLAGGED"))
    # The guard learns the number from the ledger: a message received on it.
    message = meta.text_message("Привет", timestamp=_recent())
    assert (await post_signed(client, meta.body(meta.messages_change(message)))).status == 200
    with capture_logs() as logs:
        [recorded] = await check(store, settings)
        assert await check(store, settings) == []
    assert recorded.evidence["state"] == "paused"
    assert recorded.evidence["previous"] == "healthy"
    [line] = [entry for entry in logs if entry["event"] == "sender.state_changed"]
    assert line["log_level"] == "warning"
    assert (line["id"], line["state"], line["detail"]) == (
        meta.PHONE_NUMBER_ID,
        "paused",
        "quality",
    )
    doc = await _senders(client, await make_token("operator"))
    history = doc["numbers"][0]["history"]
    assert [(h["kind"], h["state"]) for h in history] == [("sender_changed", "paused")]


async def test_resume_is_for_admins_and_needs_a_paused_target(
    client: Client, make_token: Any
) -> None:
    admin, operator = await make_token("admin"), await make_token("operator")
    body = {"phone_number_id": meta.PHONE_NUMBER_ID, "reason": "checked"}
    resp = await client.post("/v1/senders/resume", json=body, headers=operator)
    assert resp.status == 403
    resp = await client.post("/v1/senders/resume", json=body, headers=admin)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "not_paused"
    resp = await client.post("/v1/senders/resume", json={"reason": "checked"}, headers=admin)
    assert resp.status == 422
    no_reason = {"phone_number_id": meta.PHONE_NUMBER_ID}
    resp = await client.post("/v1/senders/resume", json=no_reason, headers=admin)
    assert resp.status == 422
