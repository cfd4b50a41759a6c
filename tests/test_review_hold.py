"""Doubt is safe: an unclear reply holds marketing until it is resolved.

The derivation with tables, then the round trip through the real app on both backends:
the reply, the hold in eligibility (with the review item's id), and each resolution.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.auth import Role, new_token
from bot.events import ALL, MARKETING, UTILITY, Event, Kind, Source
from bot.ledger import make_projector
from bot.state import BlockKind, Policy, Reason, decide, derive
from storage.open import open_store
from tests import meta
from tests.conftest import both_backends, make_settings, post_signed

Client = TestClient[Any, Any]

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
HOLD = Policy(require_consent=frozenset())
NO_HOLD = Policy(require_consent=frozenset(), review_hold=False)


def review(minutes: int = 0, suggested: str = "opt_out") -> Event:
    return Event(
        key=f"wamid.review.{minutes}.{suggested}",
        kind=Kind.REVIEW,
        source=Source.WHATSAPP_TEXT,
        occurred_at=T0 + timedelta(minutes=minutes),
        received_at=T0 + timedelta(minutes=minutes),
        phone="+79991234567",
        categories=frozenset({ALL}),
        evidence={"suggested": suggested, "review_reason": "other_content"},
    )


def resolution(item: Event, kind: Kind) -> Event:
    return Event(
        key=f"review:{item.id}",
        kind=kind,
        source=Source.HOTLINE,
        occurred_at=item.occurred_at,
        received_at=item.occurred_at + timedelta(hours=1),
        phone=item.phone,
        categories=frozenset({ALL}),
        actor="tok_1",
        evidence={"review_of": item.id},
    )


def typed(kind: Kind, minutes: int) -> Event:
    return Event(
        key=f"wamid.{kind}.{minutes}",
        kind=kind,
        source=Source.WHATSAPP_TEXT,
        occurred_at=T0 + timedelta(minutes=minutes),
        received_at=T0 + timedelta(minutes=minutes),
        phone="+79991234567",
        categories=frozenset({ALL}),
    )


def reasons(events: list[Event], category: str, policy: Policy = HOLD) -> tuple[Reason, ...]:
    state = derive(events, policy)
    return decide(state, category, at=T0 + timedelta(days=1), policy=policy).reasons


ITEM = review()
CASES = [
    ("open item holds marketing", [ITEM], (Reason.PENDING_REVIEW,), ()),
    ("a hold can be turned off", [ITEM], (), ()),
    ("a complaint-leaning item holds everything", [review(suggested="complaint")], None, None),
    ("an item leaning to an opt-in holds nothing", [review(suggested="opt_in")], (), ()),
    ("resolved as none: lifted", [ITEM, resolution(ITEM, Kind.REVIEWED)], (), ()),
    (
        "resolved as opt-out: kept, as an opt-out",
        [ITEM, resolution(ITEM, Kind.OPT_OUT)],
        (Reason.OPTED_OUT,),
        (Reason.OPTED_OUT,),
    ),
    ("a newer START by the person lifts it", [ITEM, typed(Kind.OPT_IN, 5)], (), ()),
    (
        "an older START does not",
        [typed(Kind.OPT_IN, -5), ITEM],
        (Reason.PENDING_REVIEW,),
        (),
    ),
]


@pytest.mark.parametrize(
    ("events", "marketing", "utility"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_hold(
    events: list[Event],
    marketing: tuple[Reason, ...] | None,
    utility: tuple[Reason, ...] | None,
    request: pytest.FixtureRequest,
) -> None:
    policy = NO_HOLD if "turned off" in request.node.callspec.id else HOLD
    if marketing is None:  # the complaint-leaning case
        assert reasons(events, MARKETING) == (Reason.PENDING_REVIEW,)
        assert reasons(events, UTILITY) == (Reason.PENDING_REVIEW,)
        return
    assert reasons(events, MARKETING, policy) == marketing
    assert reasons(events, UTILITY, policy) == utility


def test_the_hold_names_its_review_item() -> None:
    state = derive([ITEM], HOLD)
    [block] = state.blocks
    assert (block.kind, block.category, block.event_id) == (
        BlockKind.PENDING_REVIEW,
        MARKETING,
        ITEM.id,
    )
    decision = decide(state, MARKETING, at=T0, policy=HOLD)
    assert decision.review_id == ITEM.id


# -- through the app ---------------------------------------------------------------------------

UNCLEAR = "Рассылку стоп, но подскажите, где посмотреть чек за прошлый месяц?"
PHONE = "+79991234567"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


async def _say(client: Client, text: str, seed: str, offset: int = 0) -> None:
    wamid = meta.wamid(seed, wa_id=meta.USER_WA_ID)
    message = meta.text_message(
        text, from_=meta.USER_WA_ID, id=wamid, timestamp=meta.TIMESTAMP + offset
    )
    assert (await post_signed(client, meta.body(meta.messages_change(message)))).status == 200


async def _check(client: Client, headers: dict[str, str], category: str) -> dict[str, Any]:
    resp = await client.post(
        "/v1/eligibility", json={"category": category, "recipients": [PHONE]}, headers=headers
    )
    assert resp.status == 200, await resp.text()
    result: dict[str, Any] = (await resp.json())["results"][0]
    return result


@pytest.mark.parametrize(
    ("resolution", "after"),
    [("none", []), ("opt_out", ["opted_out"])],
)
async def test_an_unclear_reply_holds_marketing_until_resolved(
    client: Client, make_token: Any, resolution: str, after: list[str]
) -> None:
    operator, sender = await make_token("operator"), await make_token("sender")
    await _say(client, UNCLEAR, "unclear")
    [item] = (await (await client.get("/v1/review", headers=operator)).json())["items"]

    held = await _check(client, sender, "marketing")
    assert held["reasons"] == ["pending_review", "no_consent"]
    assert held["review_id"] == item["id"]
    assert (await _check(client, sender, "utility"))["eligible"] is True
    ndjson = await client.post(
        "/v1/eligibility?category=marketing",
        data=json.dumps({"recipient": PHONE}) + "\n",
        headers={**sender, "Content-Type": "application/x-ndjson"},
    )
    assert '"review_id":"' + item["id"] + '"' in await ndjson.text()
    contact = await (await client.get(f"/v1/contacts/{PHONE}", headers=operator)).json()
    [block] = contact["categories"]["marketing"]["blocks"]
    assert (block["kind"], block["event_id"]) == ("pending_review", item["id"])

    body = {"resolution": resolution, "categories": ["marketing"]}
    resp = await client.post(f"/v1/review/{item['id']}", json=body, headers=operator)
    assert resp.status == 201, await resp.text()
    marketing = await _check(client, sender, "marketing")
    assert marketing["reasons"] == [*after, "no_consent"]
    assert "review_id" not in marketing


async def test_without_the_hold_an_unclear_reply_changes_nothing(
    aiohttp_client: Any, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url=database_url, review_hold="none")
    store = open_store(database_url, make_projector(settings.policy), busy_timeout_ms=200)
    await store.open()
    await store.migrate()
    try:
        client = await aiohttp_client(create_app(settings, store=store))
        secret, record = new_token(Role.SENDER, "sender")
        await store.add_token(record)
        await _say(client, UNCLEAR, "unclear-no-hold")
        result = await _check(client, {"Authorization": f"Bearer {secret}"}, "marketing")
        assert result["reasons"] == ["no_consent"]
    finally:
        await store.close()
