"""Every error answer has the one envelope: {"error": {"code", "message", "status"}}.

One row per way a request can fail, from the router, the auth layer, the body parser, the
domain and the store, so that a new error path cannot slip in with another shape.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from bot.api.openapi import document
from bot.auth import Role, new_token
from bot.settings import DEFAULT_MAX_BODY
from storage.base import Store
from storage.sqlite import SQLiteStore
from tests import meta
from tests.conftest import VERIFY_TOKEN, post_signed

Client = TestClient[Any, Any]
Request = Callable[[Client, Store], Awaitable[ClientResponse]]

CONSENT = {
    "phone": "+79991234567",
    "categories": ["marketing"],
    "source": "web_form",
    "collected_at": "2026-09-01T12:00:00Z",
    "wording": "I agree to receive offers from Shop on WhatsApp",
}
OPT_OUT = {"source": "hotline", "reason": "customer called the hotline"}


async def auth(store: Store, role: str) -> dict[str, str]:
    secret, record = new_token(Role(role), f"{role} for error shapes")
    await store.add_token(record)
    return {"Authorization": f"Bearer {secret}"}


# 400


async def body_not_json(client: Client, store: Store) -> ClientResponse:
    headers = {**await auth(store, "operator"), "Content-Type": "application/json"}
    return await client.post("/v1/contacts/+79991234567/opt-out", data=b"{", headers=headers)


async def body_not_declared_json(client: Client, store: Store) -> ClientResponse:
    headers = {**await auth(store, "operator"), "Content-Type": "text/plain"}
    return await client.post("/v1/contacts/+79991234567/opt-out", data=b"{}", headers=headers)


async def bad_query_parameter(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "admin")
    return await client.get("/v1/admin/quarantine?limit=many", headers=headers)


async def query_parameter_out_of_range(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "admin")
    return await client.get("/v1/admin/quarantine?limit=0", headers=headers)


# 401


async def no_token(client: Client, store: Store) -> ClientResponse:
    return await client.get("/v1/contacts/+79991234567")


async def unknown_token(client: Client, store: Store) -> ClientResponse:
    headers = {"Authorization": "Bearer cb_not-a-token"}
    return await client.post("/v1/eligibility", json={}, headers=headers)


async def unsigned_webhook(client: Client, store: Store) -> ClientResponse:
    body = meta.dumps_meta(meta.body(meta.messages_change(meta.text_message("STOP"))))
    headers = {"Content-Type": "application/json"}
    return await client.post("/webhook/whatsapp", data=body, headers=headers)


# 403


async def wrong_role(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "sender")
    return await client.get("/v1/contacts/+79991234567", headers=headers)


async def wrong_role_for_admin(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "operator")
    return await client.get("/v1/admin/quarantine", headers=headers)


async def bad_signature(client: Client, store: Store) -> ClientResponse:
    payload = meta.body(meta.messages_change(meta.text_message("STOP")))
    return await post_signed(client, payload, secret="0" * 32)


async def wrong_verify_token(client: Client, store: Store) -> ClientResponse:
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}
    return await client.get("/webhook/whatsapp", params=query)


# 404


async def unknown_contact(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "operator")
    return await client.get("/v1/contacts/+79990000001", headers=headers)


async def unknown_route(client: Client, store: Store) -> ClientResponse:
    return await client.get("/nope")


async def unknown_api_route(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "admin")
    return await client.post("/v1/contacts", json={}, headers=headers)


# 405


async def get_consents(client: Client, store: Store) -> ClientResponse:
    return await client.get("/v1/consents")


async def delete_contact(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "admin")
    return await client.delete("/v1/contacts/+79991234567", headers=headers)


async def put_webhook(client: Client, store: Store) -> ClientResponse:
    return await client.put("/webhook/whatsapp", data=b"{}")


# 409


async def idempotency_conflict(client: Client, store: Store) -> ClientResponse:
    headers = {**await auth(store, "operator"), "Idempotency-Key": "ticket-1"}
    path = "/v1/contacts/+79991234567/opt-out"
    first = await client.post(path, json=OPT_OUT, headers=headers)
    assert first.status == 201
    return await client.post(path, json={**OPT_OUT, "reason": "another"}, headers=headers)


# 413


async def webhook_over_the_cap(client: Client, store: Store) -> ClientResponse:
    body, headers = meta.signed_request(b" " * (DEFAULT_MAX_BODY + 1), meta.APP_SECRET)
    return await client.post("/webhook/whatsapp", data=io.BytesIO(body), headers=headers)


async def api_body_over_the_cap(client: Client, store: Store) -> ClientResponse:
    headers = {**await auth(store, "collector"), "Content-Type": "application/json"}
    body = b'{"wording": "' + b"x" * DEFAULT_MAX_BODY + b'"}'
    return await client.post("/v1/consents", data=io.BytesIO(body), headers=headers)


# 415


async def text_eligibility(client: Client, store: Store) -> ClientResponse:
    headers = {**await auth(store, "sender"), "Content-Type": "text/plain"}
    return await client.post("/v1/eligibility", data=b"+79991234567\n", headers=headers)


# 422


async def schema_violation(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "collector")
    body = {"phone": "+79991234567", "categories": ["sms"], "colour": "red"}
    return await client.post("/v1/consents", json=body, headers=headers)


async def invalid_number(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "operator")
    return await client.get("/v1/contacts/abc", headers=headers)


async def time_without_zone(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "collector")
    body = {**CONSENT, "collected_at": "2026-09-01T12:00:00"}
    return await client.post("/v1/consents", json=body, headers=headers)


async def too_many_recipients(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "sender")
    body = {"category": "marketing", "recipients": ["+79991234567"] * 10_001}
    return await client.post("/v1/eligibility", json=body, headers=headers)


# 503


async def while_locked(
    store: Store, send: Callable[[], Awaitable[ClientResponse]]
) -> ClientResponse:
    """Send while another process holds the SQLite write lock (beyond the busy timeout)."""
    assert isinstance(store, SQLiteStore)
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        return await send()
    finally:
        other.execute("ROLLBACK")
        other.close()


async def readyz_locked(client: Client, store: Store) -> ClientResponse:
    return await while_locked(store, lambda: client.get("/readyz"))


async def webhook_locked(client: Client, store: Store) -> ClientResponse:
    payload = meta.body(meta.messages_change(meta.text_message("STOP")))
    return await while_locked(store, lambda: post_signed(client, payload))


async def api_locked(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "collector")
    return await while_locked(
        store, lambda: client.post("/v1/consents", json=CONSENT, headers=headers)
    )


async def readyz_store_closed(client: Client, store: Store) -> ClientResponse:
    await store.close()
    return await client.get("/readyz")


async def webhook_store_closed(client: Client, store: Store) -> ClientResponse:
    await store.close()
    return await post_signed(client, meta.body(meta.messages_change(meta.text_message("STOP"))))


async def api_store_closed(client: Client, store: Store) -> ClientResponse:
    headers = await auth(store, "collector")
    await store.close()
    return await client.post("/v1/consents", json=CONSENT, headers=headers)


CASES = [
    pytest.param(body_not_json, 400, "bad_request", id="400-not-json"),
    pytest.param(body_not_declared_json, 415, "unsupported_media_type", id="415-content-type"),
    pytest.param(bad_query_parameter, 400, "bad_request", id="400-query"),
    pytest.param(query_parameter_out_of_range, 400, "bad_request", id="400-query-range"),
    pytest.param(no_token, 401, "unauthorized", id="401-no-token"),
    pytest.param(unknown_token, 401, "unauthorized", id="401-unknown-token"),
    pytest.param(unsigned_webhook, 401, "unauthorized", id="401-webhook-unsigned"),
    pytest.param(wrong_role, 403, "forbidden", id="403-role"),
    pytest.param(wrong_role_for_admin, 403, "forbidden", id="403-admin-role"),
    pytest.param(bad_signature, 403, "forbidden", id="403-webhook-signature"),
    pytest.param(wrong_verify_token, 403, "forbidden", id="403-verify-token"),
    pytest.param(unknown_contact, 404, "not_found", id="404-contact"),
    pytest.param(unknown_route, 404, "not_found", id="404-route"),
    pytest.param(unknown_api_route, 404, "not_found", id="404-api-route"),
    pytest.param(get_consents, 405, "method_not_allowed", id="405-get-consents"),
    pytest.param(delete_contact, 405, "method_not_allowed", id="405-delete-contact"),
    pytest.param(put_webhook, 405, "method_not_allowed", id="405-put-webhook"),
    pytest.param(idempotency_conflict, 409, "idempotency_conflict", id="409-idempotency"),
    pytest.param(webhook_over_the_cap, 413, "payload_too_large", id="413-webhook"),
    pytest.param(api_body_over_the_cap, 413, "payload_too_large", id="413-api"),
    pytest.param(text_eligibility, 415, "unsupported_media_type", id="415-text"),
    pytest.param(schema_violation, 422, "validation_error", id="422-schema"),
    pytest.param(invalid_number, 422, "invalid_number", id="422-number"),
    pytest.param(time_without_zone, 422, "validation_error", id="422-time-zone"),
    pytest.param(too_many_recipients, 422, "validation_error", id="422-too-many"),
    pytest.param(readyz_locked, 503, "storage_unavailable", id="503-readyz-locked"),
    pytest.param(webhook_locked, 503, "storage_unavailable", id="503-webhook-locked"),
    pytest.param(api_locked, 503, "storage_unavailable", id="503-api-locked"),
    pytest.param(readyz_store_closed, 503, "storage_unavailable", id="503-readyz-closed"),
    pytest.param(webhook_store_closed, 503, "storage_unavailable", id="503-webhook-closed"),
    pytest.param(api_store_closed, 503, "storage_unavailable", id="503-api-closed"),
]


@pytest.mark.parametrize(("request_", "status", "code"), CASES)
async def test_error_envelope(
    client: Client, store: Store, request_: Request, status: int, code: str
) -> None:
    resp = await request_(client, store)

    assert resp.status == status
    assert resp.content_type == "application/json"
    doc = await resp.json()
    assert list(doc) == ["error"]
    error = doc["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    assert type(error["status"]) is int
    assert error["status"] == status
    extras = {"errors"} if code == "validation_error" else set()
    assert set(error) - {"code", "message", "status"} <= extras


async def test_validation_errors_name_each_field(client: Client, store: Store) -> None:
    resp = await schema_violation(client, store)
    errors = (await resp.json())["error"]["errors"]
    assert sorted(e["field"] for e in errors) == [
        "categories.0",
        "collected_at",
        "colour",
        "source",
        "wording",
    ]
    for item in errors:
        assert set(item) == {"field", "message"}
        assert isinstance(item["message"], str)
        assert item["message"]


async def test_method_not_allowed_keeps_the_allow_header(client: Client, store: Store) -> None:
    resp = await get_consents(client, store)
    assert resp.headers["Allow"] == "POST"


async def test_verification_handshake_still_answers_the_challenge(client: Client) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
    resp = await client.get("/webhook/whatsapp", params=query)
    assert resp.status == 200
    assert await resp.text() == "42"


def test_the_envelope_is_the_documented_schema() -> None:
    schema = document()["components"]["schemas"]["Error"]
    assert schema["required"] == ["error"]
    inner = schema["properties"]["error"]
    assert inner["required"] == ["code", "message", "status"]
    assert {k: v["type"] for k, v in inner["properties"].items()} == {
        "code": "string",
        "message": "string",
        "status": "integer",
    }
