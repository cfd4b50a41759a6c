"""Subscriber webhooks end to end: the real app, a real database, a real receiver.

The receiver is an aiohttp server on 127.0.0.1 that records what it is sent and can be
told to fail (500), to hang past the worker's timeout, and to recover. Eligibility changes
are made as customers and operators make them: a signed «СТОП» from Meta, operator
opt-outs and opt-ins. Timings are shrunk (see FAST) so retries take milliseconds.
"""

from __future__ import annotations

import ast
import asyncio
import hashlib
import hmac
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from bot.app import create_app
from bot.outbox_rules import (
    EVENT_ID_HEADER,
    JITTER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    check_url,
    event_body,
    retry_delay,
    signature,
    signed_headers,
    verify,
)
from bot.settings import Settings
from storage.base import Store
from tests import meta
from tests.conftest import AiohttpClient, both_backends, make_settings, post_signed

Client = TestClient[Any, Any]
AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
Headers = dict[str, str]

ROOT = Path(__file__).resolve().parents[1]
PHONE = "+79991234567"
SECRET = "receiver-secret-0123456789abcdef"
# Milliseconds: poll, request timeout, first back-off, longest back-off.
FAST = {
    "subscriber_poll_ms": 20,
    "subscriber_timeout_ms": 300,
    "subscriber_backoff_base_ms": 50,
    "subscriber_backoff_max_ms": 200,
}
HANG_S = 1.0  # longer than the timeout above
OPT_IN = {
    "categories": ["marketing"],
    "source": "hotline",
    "wording": "Yes, send me offers from Shop on WhatsApp",
    "wording_version": "call-script-3",
    "method": "said yes on a recorded call",
    "reference": "call-2026-11-0042",
}


# -- the pure rules --------------------------------------------------------------------------


def test_rules_module_does_no_io() -> None:
    tree = ast.parse((ROOT / "bot" / "outbox_rules.py").read_text())
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        for name in (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    }
    assert imported & {"aiohttp", "storage", "aiosqlite", "asyncpg", "bot", "socket"} == set()


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 1), (2, 2), (3, 4), (4, 8), (11, 1024), (12, 2048), (13, 3600), (10**9, 3600)],
)
def test_backoff_doubles_up_to_the_cap(attempts: int, seconds: float) -> None:
    assert retry_delay(attempts, 1.0, 3600.0, 0.0) == seconds


@given(
    attempts=st.integers(1, 10**12),
    base=st.floats(0.001, 100),
    spread=st.floats(1, 10**6),
    rand=st.floats(0, 1, exclude_max=True),
)
def test_backoff_stays_between_its_bounds(
    attempts: int, base: float, spread: float, rand: float
) -> None:
    cap = base * spread
    delay = retry_delay(attempts, base, cap, rand)
    full = min(cap, base * 2 ** min(attempts - 1, 64))  # the cap is reached by 2**20
    assert 0 < delay <= cap
    assert delay >= full * (1 - JITTER) * (1 - 1e-9)
    assert retry_delay(attempts + 1, base, cap, rand) >= delay


@pytest.mark.parametrize(
    "args", [(0, 1.0, 10.0, 0.5), (1, 0.0, 10.0, 0.5), (1, 2.0, 1.0, 0.5), (1, 1.0, 2.0, 1.0)]
)
def test_backoff_refuses_nonsense(args: tuple[int, float, float, float]) -> None:
    with pytest.raises(ValueError, match="attempts"):
        retry_delay(*args)


@given(secret=st.text(min_size=1), body=st.binary(), timestamp=st.integers(0, 10**11))
def test_a_signature_verifies_with_its_secret_body_and_time(
    secret: str, body: bytes, timestamp: int
) -> None:
    headers = signed_headers(secret, "sub_1:1", timestamp, body)
    ts, signed = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert verify(secret, body, ts, signed, now=timestamp)
    assert verify(secret, body, ts, signed, now=timestamp + 300)
    assert not verify(secret, body, ts, signed, now=timestamp + 301)
    assert not verify(secret + "x", body, ts, signed, now=timestamp)
    assert not verify(secret, body + b" ", ts, signed, now=timestamp)
    assert not verify(secret, body, str(timestamp + 1), signed, now=timestamp)
    assert not verify(secret, body, ts, None, now=timestamp)
    assert not verify(secret, body, None, signed, now=timestamp)


@given(
    secret=st.text(min_size=1),
    body=st.binary(),
    other=st.binary(),
    timestamp=st.integers(0, 10**11),
)
def test_only_the_signed_body_verifies(
    secret: str, body: bytes, other: bytes, timestamp: int
) -> None:
    signed = signature(secret, timestamp, body)
    assert verify(secret, other, str(timestamp), signed, now=timestamp) == (other == body)


@pytest.mark.parametrize(
    ("timestamp", "signed"),
    [
        ("", "sha256=00"),
        ("-5", "sha256=00"),
        ("1e9", "sha256=00"),
        ("١٢٣", "sha256=00"),  # digits, but not ASCII ones
        ("9" * 40, "sha256=00"),
        ("1000", "sha256=не-hex"),
        ("1000", ""),
    ],
)
def test_malformed_headers_do_not_verify(timestamp: str, signed: str) -> None:
    assert not verify("secret", b"{}", timestamp, signed, now=1000)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"id":"sub_1:7"}'
    expected = hmac.new(b"s3cret", b"1764000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", 1_764_000_000, body) == "sha256=" + expected
    headers = signed_headers("s3cret", "sub_1:7", 1_764_000_000, body)
    assert headers == {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: "sub_1:7",
        TIMESTAMP_HEADER: "1764000000",
        SIGNATURE_HEADER: "sha256=" + expected,
    }


def test_the_event_body() -> None:
    body = event_body(
        "sub_1",
        seq=7,
        subject=3,
        phone=PHONE,
        user_id=None,
        categories={"marketing": {"eligible": False, "reasons": ["opted_out"]}},
        changed_at=datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC),
    )
    assert json.loads(body) == {
        "id": "sub_1:7",
        "type": "eligibility.changed",
        "seq": 7,
        "subject": 3,
        "phone": PHONE,
        "user_id": None,
        "categories": {"marketing": {"eligible": False, "reasons": ["opted_out"]}},
        "changed_at": "2026-11-25T12:00:00.123456Z",
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example/hooks/consent",
        "http://127.0.0.1:8081/hook?token=abc",
        "HTTPS://CRM.EXAMPLE",
        "http://[::1]:9000/",
        "https://user:pass@crm.example/x",
    ],
)
def test_urls_that_can_take_deliveries(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "crm.example/hook",
        "ftp://crm.example/hook",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://",
        "https:///path-only",
        "https://crm.example:99999/",
        "https://crm.example:port/",
        "https://crm.example/a b",
        "https://crm.example/\n",
        "https://crm.example/#part",
        "https://crm.example/" + "x" * 2048,
    ],
)
def test_urls_that_cannot(url: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        check_url(url)


def test_the_readme_snippet_verifies_a_delivery() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Subscriber webhooks", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - the README's own example, run as a receiver would
    body = b'{"id":"sub_1:7","type":"eligibility.changed"}'
    headers = signed_headers(SECRET, "sub_1:7", int(time.time()), body)
    assert namespace["verify"](SECRET, headers, body)
    assert not namespace["verify"](SECRET, headers, body + b" ")
    assert not namespace["verify"]("another-secret", headers, body)
    stale = signed_headers(SECRET, "sub_1:7", int(time.time()) - 3600, body)
    assert not namespace["verify"](SECRET, stale, body)


# -- a receiver --------------------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()

    @property
    def doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self.body)
        return doc


@dataclass
class Receiver:
    """Records every request; answers as `mode` says: ok (204), fail (500) or hang."""

    mode: str = "ok"
    delay_s: float = 0.0
    received: list[Received] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(Received(dict(request.headers), body, time.monotonic()))
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.mode == "fail":
            return web.Response(status=500, text="down for maintenance")
        if self.mode == "hang":
            await asyncio.sleep(HANG_S)
        return web.Response(status=204)

    def ids(self) -> list[str]:
        return [r.headers[EVENT_ID_HEADER] for r in self.received]


@dataclass
class Receivers:
    server: TestServer
    by_name: dict[str, Receiver]

    def url(self, name: str) -> str:
        return str(self.server.make_url(f"/hook/{name}"))

    def __getitem__(self, name: str) -> Receiver:
        return self.by_name.setdefault(name, Receiver())


@pytest.fixture
async def receivers(aiohttp_server: AiohttpServer) -> Receivers:
    by_name: dict[str, Receiver] = {}

    async def handle(request: web.Request) -> web.Response:
        return await by_name.setdefault(request.match_info["name"], Receiver()).handle(request)

    app = web.Application()
    app.router.add_post("/hook/{name}", handle)
    return Receivers(await aiohttp_server(app), by_name)


# -- the service -------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url=database_url, **FAST)


@pytest.fixture
async def admin(make_token: Callable[[str], Awaitable[Headers]]) -> Headers:
    return await make_token("admin")


async def until(check: Callable[[], Any], within: float = 5.0, what: str = "") -> None:
    """Wait for `check()` (a bool, or an awaitable of one) to be true."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.01)


async def subscribe(client: Client, admin: Headers, url: str, **fields: Any) -> dict[str, Any]:
    resp = await client.post("/v1/subscriptions", json={"url": url, **fields}, headers=admin)
    assert resp.status == 201, await resp.text()
    doc: dict[str, Any] = await resp.json()
    return doc


async def get_json(client: Client, path: str, headers: Headers) -> Any:
    resp = await client.get(path, headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def log_of(client: Client, admin: Headers, sub: str) -> list[dict[str, Any]]:
    doc = await get_json(client, f"/v1/subscriptions/{sub}/deliveries", admin)
    items: list[dict[str, Any]] = doc["items"]
    return items


async def stop_in_whatsapp(client: Client, wa_id: str = meta.USER_WA_ID, seed: str = "s") -> None:
    message = meta.text_message(
        "СТОП", from_=wa_id, id=meta.wamid(seed, wa_id=wa_id), timestamp=int(time.time()) - 60
    )
    resp = await post_signed(client, meta.body(meta.messages_change(message)))
    assert resp.status == 200, await resp.text()


async def opt_out(
    client: Client, operator: Headers, number: str = PHONE, categories: list[str] | None = None
) -> None:
    body: dict[str, Any] = {"source": "hotline", "reason": "asked on the phone"}
    if categories:
        body["categories"] = categories
    resp = await client.post(f"/v1/contacts/{number}/opt-out", json=body, headers=operator)
    assert resp.status == 201, await resp.text()


async def opt_in(client: Client, operator: Headers, number: str = PHONE) -> None:
    resp = await client.post(f"/v1/contacts/{number}/opt-in", json=OPT_IN, headers=operator)
    assert resp.status == 201, await resp.text()


def gaps(received: list[Received]) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(received)]


# -- deliveries --------------------------------------------------------------------------------


async def test_changes_arrive_signed_and_in_order(
    client: Client,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    operator = await make_token("operator")
    sub = await subscribe(client, admin, receivers.url("crm"), secret=SECRET)
    await stop_in_whatsapp(client)
    await opt_in(client, operator)
    await opt_out(client, operator, "8 999 123-45-67", ["marketing"])
    crm = receivers["crm"]
    await until(lambda: logged(client, admin, sub["id"], 3), what="three deliveries")

    docs = [r.doc for r in crm.received]
    seqs = [d["seq"] for d in docs]
    assert seqs == sorted(seqs)
    assert seqs[0] == sub["cursor"] + 1
    assert [d["id"] for d in docs] == [f"{sub['id']}:{s}" for s in seqs]
    assert crm.ids() == [d["id"] for d in docs]
    for r in crm.received:
        assert verify(
            SECRET,
            r.body,
            r.headers[TIMESTAMP_HEADER],
            r.headers[SIGNATURE_HEADER],
            now=time.time(),
        )
        assert r.headers["Content-Type"] == "application/json"
    assert {(d["type"], d["phone"], d["subject"]) for d in docs} == {
        ("eligibility.changed", PHONE, docs[0]["subject"])
    }
    # «СТОП» blocks everything; the evidenced opt-in brings marketing back; the operator's
    # marketing opt-out takes it away again. Utility stays blocked throughout.
    assert [d["categories"]["marketing"]["eligible"] for d in docs] == [False, True, False]
    assert "opted_out" in docs[0]["categories"]["marketing"]["reasons"]
    assert "opted_out" in docs[2]["categories"]["marketing"]["reasons"]
    assert [d["categories"]["utility"]["reasons"] for d in docs] == [["opted_out"]] * 3
    for d in docs:
        assert datetime.fromisoformat(d["changed_at"]).tzinfo is not None

    log = await log_of(client, admin, sub["id"])
    assert [(e["seq"], e["attempt"], e["ok"], e["status"]) for e in log] == [
        (s, 1, True, 204) for s in reversed(seqs)
    ]
    [listed] = (await get_json(client, "/v1/subscriptions", admin))["subscriptions"]
    assert (listed["cursor"], listed["lag"], listed["attempts"]) == (seqs[-1], 0, 0)


async def test_failures_and_timeouts_are_retried_with_backoff(
    client: Client,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    crm = receivers["crm"]
    crm.mode = "fail"
    sub = await subscribe(client, admin, receivers.url("crm"))
    await opt_out(client, await make_token("operator"))
    await until(lambda: logged(client, admin, sub["id"], 5), what="five failed attempts")

    # One change, sent again and again under the same event id, each time signed anew.
    assert len(set(crm.ids())) == 1
    for r in crm.received:
        ts, signed = r.headers[TIMESTAMP_HEADER], r.headers[SIGNATURE_HEADER]
        assert verify(sub["secret"], r.body, ts, signed, now=time.time())
    waits = gaps(crm.received[:5])
    base, cap = FAST["subscriber_backoff_base_ms"] / 1000, FAST["subscriber_backoff_max_ms"] / 1000
    for n, waited in enumerate(waits, 1):
        assert waited >= min(cap, base * 2 ** (n - 1)) * (1 - JITTER)
    assert waits[-1] < cap + 1.0

    status = await get_json(client, f"/v1/subscriptions/{sub['id']}", admin)
    assert status["attempts"] >= 5
    assert status["last_error"] == "HTTP 500"
    assert status["lag"] == 1
    assert status["next_attempt_at"] is not None

    crm.mode = "hang"
    await until(
        lambda: log_has(client, admin, sub["id"], "no answer within 0.3 s"),
        what="a timed-out attempt",
    )
    crm.mode = "ok"
    await until(lambda: log_has(client, admin, sub["id"], None), what="the delivery")

    log = list(reversed(await log_of(client, admin, sub["id"])))
    assert [e["attempt"] for e in log] == list(range(1, len(log) + 1))
    assert [e["ok"] for e in log] == [False] * (len(log) - 1) + [True]
    assert log[0]["status"] == 500
    assert log[0]["error"] == "HTTP 500"
    assert any(e["status"] is None and e["error"].startswith("no answer") for e in log)
    assert len({e["event_id"] for e in log}) == 1
    status = await get_json(client, f"/v1/subscriptions/{sub['id']}", admin)
    assert (status["attempts"], status["last_error"], status["next_attempt_at"]) == (0, None, None)
    assert status["lag"] == 0


async def logged(client: Client, admin: Headers, sub: str, count: int) -> bool:
    """Whether the log has at least `count` attempts."""
    return len(await log_of(client, admin, sub)) >= count


async def log_has(client: Client, admin: Headers, sub: str, error: str | None) -> bool:
    """Whether the log has an attempt that failed with `error` (None: one that went through)."""
    log = await log_of(client, admin, sub)
    if error is None:
        return any(e["ok"] for e in log)
    return any(e["error"] == error for e in log)


async def test_a_failing_subscriber_does_not_hold_up_the_others(
    client: Client,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    receivers["slow"].mode = "hang"
    receivers["down"].mode = "fail"
    for name in ("slow", "down", "fine"):
        await subscribe(client, admin, receivers.url(name))
    operator = await make_token("operator")
    for n in range(4):
        await opt_out(client, operator, f"+7999000000{n}")
    fine = receivers["fine"]
    started = time.monotonic()
    await until(lambda: len(fine.received) == 4, what="the healthy subscriber's deliveries")
    assert time.monotonic() - started < 2 * HANG_S
    assert len({r.doc["phone"] for r in fine.received}) == 4
    assert len(set(receivers["slow"].ids())) == 1  # still at its first change
    assert len(set(receivers["down"].ids())) == 1


async def test_deleting_stops_deliveries(
    client: Client,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    operator = await make_token("operator")
    crm = receivers["crm"]
    sub = await subscribe(client, admin, receivers.url("crm"))
    await opt_out(client, operator)
    await until(lambda: len(crm.received) == 1, what="the first delivery")

    resp = await client.delete(f"/v1/subscriptions/{sub['id']}", headers=admin)
    assert resp.status == 204
    await opt_in(client, operator)
    await opt_out(client, operator, "+79990000001")
    await asyncio.sleep(0.3)  # fifteen polls
    assert len(crm.received) == 1
    assert (await get_json(client, "/v1/subscriptions", admin))["subscriptions"] == []
    for method, path in (
        ("GET", f"/v1/subscriptions/{sub['id']}"),
        ("DELETE", f"/v1/subscriptions/{sub['id']}"),
        ("GET", f"/v1/subscriptions/{sub['id']}/deliveries"),
    ):
        resp = await client.request(method, path, headers=admin)
        assert resp.status == 404, (method, path)
        assert (await resp.json())["error"]["code"] == "not_found"


async def test_a_second_instance_does_not_deliver_twice(
    aiohttp_client: AiohttpClient,
    client: Client,
    settings: Settings,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    other = await aiohttp_client(create_app(settings))  # its own store on the same database
    crm = receivers["crm"]
    crm.delay_s = 0.02  # a slow receiver: the lease is held while it answers
    sub = await subscribe(client, admin, receivers.url("crm"))
    operator = await make_token("operator")
    for n in range(8):
        await opt_out(client if n % 2 else other, operator, f"+7999000000{n}")
    await until(lambda: len(crm.received) >= 8, what="eight deliveries")
    await asyncio.sleep(0.3)

    expected = [f"{sub['id']}:{sub['cursor'] + n}" for n in range(1, 9)]
    assert crm.ids() == expected
    log = await log_of(client, admin, sub["id"])
    assert [(e["event_id"], e["attempt"], e["ok"]) for e in log] == [
        (event, 1, True) for event in reversed(expected)
    ]


async def test_pending_deliveries_go_on_after_a_restart(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    store: Store,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    admin, operator = await make_token("admin"), await make_token("operator")
    crm = receivers["crm"]
    crm.mode = "fail"
    first = await aiohttp_client(create_app(settings))
    sub = await subscribe(first, admin, receivers.url("crm"))
    await opt_out(first, operator)
    await until(lambda: logged(first, admin, sub["id"], 2), what="two failed attempts")
    await first.close()
    failed = len(await store.deliveries(sub["id"]))
    assert len(crm.received) == failed  # every attempt was recorded before the shutdown
    await asyncio.sleep(0.3)
    assert len(crm.received) == failed  # nothing delivers while no instance runs

    crm.mode = "ok"
    second = await aiohttp_client(create_app(settings))
    await until(lambda: log_has(second, admin, sub["id"], None), what="the delivery")
    assert len(crm.received) == failed + 1
    assert len(set(crm.ids())) == 1
    log = list(reversed(await log_of(second, admin, sub["id"])))
    assert [(e["attempt"], e["ok"]) for e in log] == [(n, False) for n in range(1, failed + 1)] + [
        (failed + 1, True)
    ]
    found = await store.subscription(sub["id"])
    assert found is not None
    assert (found.cursor, found.attempts, found.last_error) == (sub["cursor"] + 1, 0, None)


async def test_the_lease_of_a_dead_instance_runs_out(
    client: Client,
    store: Store,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    sub = await subscribe(client, admin, receivers.url("crm"))
    # Another instance took the lease for half a second, then died without letting go.
    now = datetime.now(UTC)
    lease = timedelta(seconds=0.5)
    assert await store.claim_subscription(sub["id"], "dead", now, now + lease) is not None
    await opt_out(client, await make_token("operator"))
    await asyncio.sleep(0.25)
    assert receivers["crm"].received == []
    await until(lambda: len(receivers["crm"].received) == 1, what="the delivery")
    assert time.monotonic() - receivers["crm"].received[0].at < 5
    assert datetime.now(UTC) >= now + lease


async def test_shutdown_does_not_wait_for_a_hanging_subscriber(
    aiohttp_client: AiohttpClient,
    settings: Settings,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    admin, operator = await make_token("admin"), await make_token("operator")
    crm = receivers["crm"]
    crm.mode = "hang"
    first = await aiohttp_client(create_app(settings))
    sub = await subscribe(first, admin, receivers.url("crm"))
    await opt_out(first, operator)
    await until(lambda: len(crm.received) == 1, what="a request in flight")
    started = time.monotonic()
    await first.close()
    assert time.monotonic() - started < HANG_S

    crm.mode = "ok"
    second = await aiohttp_client(create_app(settings))
    await until(lambda: log_has(second, admin, sub["id"], None), what="the delivery")
    assert set(crm.ids()) == {f"{sub['id']}:{sub['cursor'] + 1}"}


async def test_logs_name_the_subscription_never_the_number_url_or_secret(
    client: Client,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    url = receivers.url("crm") + "?token=receivers-own-credential"
    with capture_logs() as logs:
        sub = await subscribe(client, admin, url, secret=SECRET)
        receivers["crm"].mode = "fail"
        await opt_out(client, await make_token("operator"))
        await until(lambda: len(receivers["crm"].received) >= 2, what="two failures")
        receivers["crm"].mode = "ok"
        await until(lambda: log_has(client, admin, sub["id"], None), what="the delivery")
    attempts = [e for e in logs if e["event"] == "subscriber.delivery"]
    assert [e["ok"] for e in attempts][-1] is True
    assert {e["subscription"] for e in attempts} == {sub["id"]}
    assert attempts[0]["status"] == 500
    assert attempts[0]["log_level"] == "warning"
    assert attempts[-1]["log_level"] == "info"
    text = repr(logs)
    for never in ("9991234567", "receivers-own-credential", SECRET, "/hook/crm"):
        assert never not in text


async def test_from_the_beginning_delivers_what_happened_before(
    client: Client,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    operator = await make_token("operator")
    await opt_out(client, operator)
    await opt_out(client, operator, "+79990000001")
    late = await subscribe(client, admin, receivers.url("late"))
    full = await subscribe(client, admin, receivers.url("full"), **{"from": "beginning"})
    assert (late["cursor"], late["lag"]) == (full["lag"], 0)
    assert full["cursor"] == 0
    await until(lambda: len(receivers["full"].received) == 2, what="the backlog")
    assert receivers["late"].received == []


async def test_no_worker_when_it_is_turned_off(
    aiohttp_client: AiohttpClient,
    tmp_path: Path,
    database_url: str,
    store: Store,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    settings = make_settings(tmp_path, database_url=database_url, subscriber_worker=False, **FAST)
    client = await aiohttp_client(create_app(settings, store=store))
    await subscribe(client, await make_token("admin"), receivers.url("crm"))
    await opt_out(client, await make_token("operator"))
    await asyncio.sleep(0.2)
    assert receivers["crm"].received == []


# -- the API ---------------------------------------------------------------------------------


async def test_the_secret_is_shown_once(client: Client, admin: Headers) -> None:
    given = await subscribe(client, admin, "https://crm.example/hook", secret=SECRET)
    assert given["secret"] == SECRET
    made = await subscribe(client, admin, "https://crm.example/other", description="Other CRM")
    assert made["secret"].startswith("whsec_")
    assert len(made["secret"]) >= 40
    assert made["description"] == "Other CRM"
    listed = await get_json(client, "/v1/subscriptions", admin)
    one = await get_json(client, f"/v1/subscriptions/{made['id']}", admin)
    assert SECRET not in json.dumps(listed)
    assert made["secret"] not in json.dumps([listed, one])
    assert [s["id"] for s in listed["subscriptions"]] == [given["id"], made["id"]]
    assert one == {k: v for k, v in made.items() if k != "secret"}
    assert set(one) == {
        "id",
        "url",
        "description",
        "created_at",
        "created_by",
        "cursor",
        "lag",
        "attempts",
        "next_attempt_at",
        "last_error",
    }


BAD_BODIES = [
    ({"url": "ftp://crm.example/hook"}, "url"),
    ({"url": "crm.example/hook"}, "url"),
    ({"url": "https://"}, "url"),
    ({"url": "https://crm.example/" + "x" * 2100}, "url"),
    ({}, "url"),
    ({"url": "https://crm.example/", "secret": "short"}, "secret"),
    ({"url": "https://crm.example/", "from": "yesterday"}, "from"),
    ({"url": "https://crm.example/", "from_": "now"}, "from_"),
    ({"url": "https://crm.example/", "colour": "red"}, "colour"),
]


async def test_the_body_is_validated(client: Client, admin: Headers) -> None:
    for body, name in BAD_BODIES:
        resp = await client.post("/v1/subscriptions", json=body, headers=admin)
        assert resp.status == 422, body
        doc = await resp.json()
        assert doc["error"]["code"] == "validation_error"
        assert [e["field"] for e in doc["error"]["errors"]] == [name], body
    assert (await get_json(client, "/v1/subscriptions", admin))["subscriptions"] == []


ADMIN_ONLY = [
    ("POST", "/v1/subscriptions"),
    ("GET", "/v1/subscriptions"),
    ("GET", "/v1/subscriptions/sub_x"),
    ("DELETE", "/v1/subscriptions/sub_x"),
    ("GET", "/v1/subscriptions/sub_x/deliveries"),
]


async def test_only_admins_manage_subscriptions(
    client: Client, make_token: Callable[[str], Awaitable[Headers]]
) -> None:
    body = {"url": "https://crm.example/"}
    for role in ("sender", "collector", "operator"):
        headers = await make_token(role)
        for method, path in ADMIN_ONLY:
            resp = await client.request(method, path, json=body, headers=headers)
            assert resp.status == 403, (role, method, path)
    for method, path in ADMIN_ONLY:
        resp = await client.request(method, path, json=body)
        assert resp.status == 401, (method, path)
        assert (await resp.json())["error"]["code"] == "unauthorized"


async def test_log_paging_is_checked(client: Client, admin: Headers) -> None:
    sub = await subscribe(client, admin, "https://crm.example/hook")
    for query in ("limit=0", "limit=1001", "limit=x", "before=0", "before=-1"):
        resp = await client.get(f"/v1/subscriptions/{sub['id']}/deliveries?{query}", headers=admin)
        assert resp.status == 400, query
        assert (await resp.json())["error"]["code"] == "bad_request"


async def test_the_log_pages(
    client: Client,
    admin: Headers,
    make_token: Callable[[str], Awaitable[Headers]],
    receivers: Receivers,
) -> None:
    receivers["crm"].mode = "fail"
    sub = await subscribe(client, admin, receivers.url("crm"))
    await opt_out(client, await make_token("operator"))
    await until(lambda: len(receivers["crm"].received) >= 3, what="three attempts")
    path = f"/v1/subscriptions/{sub['id']}/deliveries"
    page = await get_json(client, f"{path}?limit=2", admin)
    rest = await get_json(client, f"{path}?limit=1000&before={page['next']}", admin)
    attempts = [e["attempt"] for e in page["items"] + rest["items"]]
    assert attempts == sorted(attempts, reverse=True)
    assert attempts[-1] == 1
    assert len(page["items"]) == 2
    assert rest["next"] is None
