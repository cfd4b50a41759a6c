"""Replies end to end: the real app, a real database and a real Graph API server.

The Graph server is an aiohttp server on 127.0.0.1 that speaks `POST /{version}/
{phone_number_id}/messages`, records what it is sent, and fails (500), throttles (HTTP 429,
or error code 130429), refuses for good (400) or recovers on command. Customers write
through Meta's signed webhook; timings are shrunk so retries take milliseconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from bot.app import create_app
from bot.events import event_id
from bot.intent import default_lexicon
from bot.ledger import make_projector
from bot.replies import QUESTIONS, parse_button_id
from bot.reply_worker import reply_rule
from bot.settings import Settings
from storage.base import Store
from storage.open import open_store
from tests import meta
from tests.conftest import AiohttpClient, both_backends, make_settings, post_signed

Client = TestClient[Any, Any]
AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]

TOKEN = "EAAG-test-access-token-0123456789"
FAST = {
    "reply_poll_ms": 20,
    "reply_timeout_ms": 500,
    "reply_backoff_base_ms": 20,
    "reply_backoff_max_ms": 60,
    "reply_max_attempts": 4,
}
UNCLEAR = (
    "Здравствуйте! Заказ пришёл, спасибо, но рассылку стоп, "
    "и ещё подскажите, где посмотреть чек за прошлый месяц?"
)


@dataclass
class Graph:
    """The Graph API as this test needs it: what it got, and how it answers next."""

    server: TestServer | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"  # ok, fail, throttle, throttle_code, refuse
    count: int = 0

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/v23.0"))

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(
            {
                "path": request.path,
                "authorization": request.headers.get("Authorization"),
                "body": body,
                "mode": self.mode,
            }
        )
        if self.mode == "fail":
            return web.json_response({"error": {"message": "oops", "code": 1}}, status=500)
        if self.mode == "throttle":
            return web.json_response({"error": {"message": "slow down", "code": 4}}, status=429)
        if self.mode == "throttle_code":
            error = {"message": "(#130429) Rate limit hit", "code": 130429}
            return web.json_response({"error": error}, status=400)
        if self.mode == "refuse":
            error = {"message": "Invalid parameter", "code": 100, "error_data": {"details": "x"}}
            return web.json_response({"error": error}, status=400)
        self.count += 1
        to = body["to"]
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                "messages": [{"id": f"wamid.sent{self.count}"}],
            }
        )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


@pytest.fixture
async def graph(aiohttp_server: AiohttpServer) -> Graph:
    g = Graph()
    app = web.Application()
    app.router.add_post("/{version}/{phone_number_id}/messages", g.handle)
    g.server = await aiohttp_server(app)
    return g


@pytest.fixture
def settings(tmp_path: Any, database_url: str, graph: Graph) -> Settings:
    return make_settings(
        tmp_path,
        database_url=database_url,
        access_token=TOKEN,
        graph_api_url=graph.url,
        subscriber_worker=False,
        **FAST,
    )


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    """The store as the server opens it: with the reply rule."""
    s = open_store(
        settings.database_url,
        make_projector(settings.policy),
        busy_timeout_ms=200,
        replies=reply_rule(settings, default_lexicon()),
    )
    await s.open()
    await s.migrate()
    yield s
    await s.close()


@pytest.fixture
async def client(aiohttp_client: AiohttpClient, settings: Settings, store: Store) -> Client:
    return await aiohttp_client(create_app(settings, store=store))


async def until(check: Callable[[], Any], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)


def text(body: str, seed: str, *, at: int | None = None) -> dict[str, object]:
    message = meta.text_message(body, id=meta.wamid(seed), timestamp=at or int(time.time()))
    return meta.body(meta.messages_change(message))


async def admin(store: Store) -> dict[str, str]:
    from bot.auth import Role, new_token

    token, record = new_token(Role.ADMIN, "test admin")
    await store.add_token(record)
    return {"Authorization": f"Bearer {token}"}


# -- the round trip --------------------------------------------------------------------------


async def test_a_stop_is_confirmed_once_from_the_number_written_to(
    client: Client, graph: Graph, store: Store
) -> None:
    payload = text("СТОП", "stop-1")
    with capture_logs() as logs:
        assert (await post_signed(client, payload)).status == 200
        await until(lambda: len(graph.received) == 1)
        for _ in range(3):  # Meta redelivers: nothing more is sent
            assert (await post_signed(client, payload)).status == 200
        await asyncio.sleep(0.2)
    assert len(graph.received) == 1
    got = graph.received[0]
    assert got["path"] == f"/v23.0/{meta.PHONE_NUMBER_ID}/messages"
    assert got["authorization"] == f"Bearer {TOKEN}"
    assert got["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+79991234567",
        "context": {"message_id": meta.wamid("stop-1")},
        "type": "text",
        "text": {"preview_url": False, "body": default_lexicon().replies("ru")["opt_out"]},
    }
    replies = await store.replies_of(event_id("msg:" + meta.wamid("stop-1")))
    assert [(r.kind, r.status, r.attempts, r.wamid) for r in replies] == [
        ("opt_out", "sent", 1, "wamid.sent1")
    ]
    lines = [line for line in logs if line["event"] == "reply.attempt"]
    assert [line["outcome"] for line in lines] == ["sent"]
    assert "79991234567" not in repr(logs)
    assert TOKEN not in repr(logs)


async def test_help_and_opt_in_are_answered_in_the_customers_language(
    client: Client, graph: Graph
) -> None:
    await post_signed(client, text("HELP", "help-1"))
    await until(lambda: len(graph.received) == 1)
    await post_signed(client, text("START", "start-1"))
    await until(lambda: len(graph.received) == 2)
    bodies = [g["body"]["text"]["body"] for g in graph.received]
    en = default_lexicon().replies("en")
    assert bodies == [en["help"], en["opt_in"]]


async def test_two_instances_send_a_reply_once(
    aiohttp_client: AiohttpClient, settings: Settings, store: Store, graph: Graph
) -> None:
    first = await aiohttp_client(create_app(settings, store=store))
    await aiohttp_client(create_app(settings, store=store))
    for i in range(5):
        await post_signed(first, text("STOP", f"many-{i}"))
    await until(lambda: len(graph.received) == 5)
    await asyncio.sleep(0.2)
    assert len(graph.received) == 5
    assert len({g["body"]["context"]["message_id"] for g in graph.received}) == 5


async def test_a_message_older_than_the_window_is_not_answered(
    client: Client, graph: Graph, store: Store
) -> None:
    old = int(time.time()) - 25 * 3600
    assert (await post_signed(client, text("СТОП", "late-1", at=old))).status == 200
    await asyncio.sleep(0.2)
    assert graph.received == []
    assert await store.replies_of(event_id("msg:" + meta.wamid("late-1"))) == []


# -- failures --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["fail", "throttle", "throttle_code"])
async def test_failures_and_throttling_are_retried_until_meta_recovers(
    client: Client, graph: Graph, store: Store, mode: str
) -> None:
    graph.mode = mode
    await post_signed(client, text("СТОП", f"retry-{mode}"))
    await until(lambda: len(graph.received) >= 2)
    graph.mode = "ok"
    await until(lambda: graph.count == 1)
    await asyncio.sleep(0.1)
    (reply,) = await store.replies_of(event_id("msg:" + meta.wamid(f"retry-{mode}")))
    assert reply.status == "sent"
    assert reply.attempts >= 2
    assert graph.count == 1


async def test_a_permanent_error_is_dead_at_once_and_an_admin_retries_it(
    client: Client, graph: Graph, store: Store
) -> None:
    graph.mode = "refuse"
    await post_signed(client, text("СТОП", "dead-1"))
    await until(lambda: len(graph.received) == 1)
    await asyncio.sleep(0.2)
    assert len(graph.received) == 1  # no retry of a 400
    headers = await admin(store)
    dead = await (await client.get("/v1/replies/dead", headers=headers)).json()
    (item,) = dead["items"]
    assert item["status"] == "dead"
    assert item["http_status"] == 400
    assert item["attempts"] == 1
    assert "code 100" in item["error"]
    assert item["kind"] == "opt_out"
    assert dead["next"] is None

    graph.mode = "ok"
    resp = await client.post(f"/v1/replies/{item['id']}/retry", headers=headers)
    assert resp.status == 200
    assert (await resp.json())["status"] == "pending"
    await until(lambda: graph.count == 1)
    await asyncio.sleep(0.05)
    assert (await store.reply(item["id"])).status == "sent"  # type: ignore[union-attr]
    assert (await (await client.get("/v1/replies/dead", headers=headers)).json())["items"] == []
    again = await client.post(f"/v1/replies/{item['id']}/retry", headers=headers)
    assert again.status == 409
    assert (await again.json())["error"]["code"] == "not_dead"
    missing = await client.post("/v1/replies/nope/retry", headers=headers)
    assert missing.status == 404


async def test_a_reply_that_keeps_failing_ends_dead(
    client: Client, graph: Graph, store: Store
) -> None:
    graph.mode = "fail"
    await post_signed(client, text("СТОП", "dying-1"))
    await until(lambda: len(graph.received) == FAST["reply_max_attempts"])
    await asyncio.sleep(0.3)
    (reply,) = await store.replies_of(event_id("msg:" + meta.wamid("dying-1")))
    assert (reply.status, reply.attempts, reply.http_status) == ("dead", 4, 500)
    assert len(graph.received) == 4


async def test_the_dead_list_is_for_admins_only(
    client: Client, store: Store, make_token: Callable[[str], Awaitable[dict[str, str]]]
) -> None:
    operator = await make_token("operator")
    assert (await client.get("/v1/replies/dead", headers=operator)).status == 403
    assert (await client.get("/v1/replies/dead")).status == 401
    assert (await client.post("/v1/replies/x/retry", headers=operator)).status == 403


# -- the clarifying question -----------------------------------------------------------------


async def _asked(client: Client, graph: Graph, seed: str) -> tuple[str, dict[str, str]]:
    """Send an unclear message; the review item's id and the two buttons' ids."""
    await post_signed(client, text(UNCLEAR, seed))
    await until(lambda: len(graph.received) == 1)
    question = graph.received[0]["body"]
    assert question["type"] == "interactive"
    assert question["interactive"]["body"]["text"] == QUESTIONS["ru"].body
    buttons = {
        b["reply"]["title"]: b["reply"]["id"] for b in question["interactive"]["action"]["buttons"]
    }
    assert list(buttons) == [QUESTIONS["ru"].stop, QUESTIONS["ru"].keep]
    item = event_id("msg:" + meta.wamid(seed))
    taps = [parse_button_id(i) for i in buttons.values()]
    assert {t.item_id for t in taps if t} == {item}
    return item, buttons


async def _queue(client: Client, headers: dict[str, str]) -> list[str]:
    return [
        i["id"] for i in (await (await client.get("/v1/review", headers=headers)).json())["items"]
    ]


async def _reasons(client: Client, headers: dict[str, str]) -> list[str]:
    contact = await (await client.get("/v1/contacts/+79991234567", headers=headers)).json()
    return list(contact["categories"]["marketing"]["reasons"])


async def test_stop_offers_resolves_the_item_as_an_opt_out(
    client: Client, graph: Graph, store: Store
) -> None:
    headers = await admin(store)
    item, buttons = await _asked(client, graph, "unclear-1")
    assert item in await _queue(client, headers)
    assert "pending_review" in await _reasons(client, headers)

    tap = meta.interactive_button_reply(
        buttons[QUESTIONS["ru"].stop],
        QUESTIONS["ru"].stop,
        id=meta.wamid("tap-1"),
        timestamp=int(time.time()),
    )
    assert (await post_signed(client, meta.body(meta.messages_change(tap)))).status == 200
    assert item not in await _queue(client, headers)
    reasons = await _reasons(client, headers)
    assert "opted_out" in reasons
    assert "pending_review" not in reasons
    resolution = await store.event(event_id(f"review:{item}"))
    assert resolution is not None
    assert resolution.kind == "reviewed"
    assert resolution.evidence["by"] == "customer"
    assert resolution.evidence["wamid"] == meta.wamid("tap-1")
    assert resolution.evidence["reply_id"] == buttons[QUESTIONS["ru"].stop]
    # The tap is an opt-out of its own, confirmed once in the customer's language.
    await until(lambda: len(graph.received) == 2)
    confirmation = graph.received[1]["body"]
    assert confirmation["text"]["body"] == default_lexicon().replies("ru")["opt_out"]


async def test_keep_receiving_lifts_the_hold_and_records_nothing_else(
    client: Client, graph: Graph, store: Store
) -> None:
    headers = await admin(store)
    item, buttons = await _asked(client, graph, "unclear-2")
    tap = meta.interactive_button_reply(
        buttons[QUESTIONS["ru"].keep],
        QUESTIONS["ru"].keep,
        id=meta.wamid("tap-2"),
        timestamp=int(time.time()),
    )
    assert (await post_signed(client, meta.body(meta.messages_change(tap)))).status == 200
    assert item not in await _queue(client, headers)
    reasons = await _reasons(client, headers)
    assert "pending_review" not in reasons
    assert "opted_out" not in reasons
    await asyncio.sleep(0.2)
    assert len(graph.received) == 1  # no answer to "keep"


async def test_without_an_answer_the_hold_stays(client: Client, graph: Graph, store: Store) -> None:
    headers = await admin(store)
    item, _ = await _asked(client, graph, "unclear-3")
    await asyncio.sleep(0.2)
    assert item in await _queue(client, headers)
    assert "pending_review" in await _reasons(client, headers)


# -- off -------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [{"access_token": None}, {"replies": "off"}])
async def test_replies_off_send_nothing_and_say_so_at_start(
    aiohttp_client: AiohttpClient,
    tmp_path: Any,
    database_url: str,
    graph: Graph,
    overrides: dict[str, Any],
) -> None:
    values: dict[str, Any] = {
        "database_url": database_url,
        "access_token": TOKEN,
        "graph_api_url": graph.url,
        **FAST,
        **overrides,
    }
    settings = make_settings(tmp_path, **values)
    assert not settings.replies_enabled
    assert reply_rule(settings, default_lexicon()) is None
    store = open_store(
        settings.database_url,
        make_projector(settings.policy),
        replies=reply_rule(settings, default_lexicon()),
    )
    async with store:  # type: ignore[attr-defined]
        await store.migrate()
        with capture_logs() as logs:
            client = await aiohttp_client(create_app(settings, store=store))
        assert [line["reason"] for line in logs if line["event"] == "replies.off"]
        await post_signed(client, text("СТОП", "off-1"))
        await asyncio.sleep(0.2)
        assert graph.received == []
        assert await store.replies_of(event_id("msg:" + meta.wamid("off-1"))) == []
        await client.close()


async def test_nothing_is_sent_once_the_window_has_closed(
    client: Client, graph: Graph, store: Store
) -> None:
    graph.mode = "refuse"
    almost = int(time.time()) - 24 * 3600 + 2  # the window closes in about two seconds
    await post_signed(client, text("СТОП", "closing-1", at=almost))
    await until(lambda: len(graph.received) == 1)
    (reply,) = await store.replies_of(event_id("msg:" + meta.wamid("closing-1")))
    await until(lambda: time.time() > reply.expires_at.timestamp(), within=5)
    graph.mode = "ok"
    resp = await client.post(f"/v1/replies/{reply.id}/retry", headers=await admin(store))
    assert resp.status == 200
    await asyncio.sleep(0.2)
    assert len(graph.received) == 1
    assert (await store.reply(reply.id)).status == "expired"  # type: ignore[union-attr]
