"""The REST API end to end: the real app from the factory, a real SQLite file, real tokens."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.api.openapi import document
from bot.app import create_app
from bot.auth import GRANTS, Permission, Role, new_token
from bot.events import event_id
from bot.intent import classify_text
from bot.keys import STORE
from storage.base import Store, TokenRecord
from tests import meta
from tests.conftest import AiohttpClient, both_backends, make_settings, post_signed

Client = TestClient[Any, Any]

PHONE = "+79991234567"
STOP_AT = "2026-05-17T06:40:00Z"  # meta.TIMESTAMP
CONSENT = {
    "phone": "+7 999 123-45-67",
    "categories": ["marketing"],
    "source": "web_form",
    "collected_at": "2026-09-01T12:00:00Z",
    "wording": "I agree to receive offers from Shop on WhatsApp",
    "wording_version": "2026-08",
    "evidence": {
        "ip": "203.0.113.5",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "url": "https://shop.example/subscribe",
    },
}
OPT_IN = {
    "categories": ["marketing"],
    "source": "hotline",
    "wording": "Yes, send me offers from Shop on WhatsApp",
    "wording_version": "call-script-3",
    "method": "said yes on a recorded call",
    "reference": "call-2026-11-0042",
}


# Helpers


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


async def token(store: Store, role: str) -> tuple[dict[str, str], TokenRecord]:
    """Authorization headers for a fresh token of `role`, and its stored record."""
    secret, record = new_token(Role(role), f"{role} Anna")
    await store.add_token(record)
    return {"Authorization": f"Bearer {secret}"}, record


async def deliver(client: Client, *changes: meta.Json) -> None:
    resp = await post_signed(client, meta.body(*changes))
    assert resp.status == 200, await resp.text()


def typed(text: str, wa_id: str | None = meta.USER_WA_ID, *, seed: str, **kw: Any) -> meta.Json:
    wamid = meta.wamid(seed, wa_id=wa_id or meta.USER_WA_ID)
    return meta.messages_change(meta.text_message(text, from_=wa_id, id=wamid, **kw))


def platform_stop(wa_id: str = meta.USER_WA_ID, timestamp: int = meta.TIMESTAMP) -> meta.Json:
    return meta.user_preferences_change(meta.preference("stop", wa_id=wa_id, timestamp=timestamp))


def failed(wa_id: str, code: int, timestamp: int) -> meta.Json:
    return meta.statuses_change(
        meta.status("failed", recipient_id=wa_id, error_code=code, timestamp=timestamp)
    )


def sent(wa_id: str, timestamp: int) -> meta.Json:
    return meta.statuses_change(
        meta.status("sent", recipient_id=wa_id, pricing_category="marketing", timestamp=timestamp)
    )


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def error_of(doc: dict[str, Any]) -> tuple[str, int]:
    return doc["error"]["code"], doc["error"]["status"]


def fields_of(doc: dict[str, Any]) -> list[str]:
    return [e["field"] for e in doc["error"]["errors"]]


async def eligibility(
    client: Client, headers: dict[str, str], category: str, recipients: list[str]
) -> list[dict[str, Any]]:
    resp = await client.post(
        "/v1/eligibility", json={"category": category, "recipients": recipients}, headers=headers
    )
    assert resp.status == 200, await resp.text()
    results: list[dict[str, Any]] = (await resp.json())["results"]
    return results


async def verdicts(client: Client, store: Store, number: str) -> dict[str, tuple[bool, list[str]]]:
    """(eligible, reasons) per category, as a sender sees them."""
    headers, _ = await token(store, "sender")
    out = {}
    for category in ("marketing", "utility"):
        [result] = await eligibility(client, headers, category, [number])
        out[category] = (result["eligible"], result["reasons"])
    return out


# 1. Authentication and roles

ENDPOINTS = [
    ("GET", "/v1/contacts/+79991234567", Permission.CONTACTS),
    ("POST", "/v1/contacts/+79991234567/opt-out", Permission.CONTACTS),
    ("POST", "/v1/contacts/+79991234567/opt-in", Permission.CONTACTS),
    ("POST", "/v1/consents", Permission.CONSENTS),
    ("POST", "/v1/eligibility", Permission.ELIGIBILITY),
    ("GET", "/v1/admin/quarantine", Permission.ADMIN),
]
ENDPOINT_IDS = [f"{m} {p}" for m, p, _ in ENDPOINTS]


@pytest.mark.parametrize(("method", "path", "permission"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize(
    "authorization",
    [None, "Basic x", "Bearer ", "Bearer cb_unknown-token", "revoked"],
    ids=["no header", "basic", "empty bearer", "unknown token", "revoked token"],
)
async def test_without_a_valid_token_every_endpoint_is_401(
    client: Client,
    store: Store,
    method: str,
    path: str,
    permission: Permission,
    authorization: str | None,
) -> None:
    headers: dict[str, str] = {}
    if authorization == "revoked":
        headers, record = await token(store, "admin")
        assert await store.revoke_token(record.id, datetime.now(UTC))
    elif authorization is not None:
        headers = {"Authorization": authorization}
    resp = await client.request(method, path, json={}, headers=headers)
    assert resp.status == 401
    assert error_of(await resp.json()) == ("unauthorized", 401)


@pytest.mark.parametrize(("method", "path", "permission"), ENDPOINTS, ids=ENDPOINT_IDS)
@pytest.mark.parametrize("role", [r.value for r in Role])
async def test_role_matrix_follows_the_grants(
    client: Client, store: Store, method: str, path: str, permission: Permission, role: str
) -> None:
    headers, _ = await token(store, role)
    resp = await client.request(method, path, json={}, headers=headers)
    doc = await resp.json()
    if permission in GRANTS[Role(role)]:
        assert resp.status not in (401, 403), doc
    else:
        assert resp.status == 403
        assert error_of(doc) == ("forbidden", 403)


async def test_the_bearer_scheme_is_case_insensitive(client: Client, store: Store) -> None:
    headers, _ = await token(store, "admin")
    lower = {"Authorization": headers["Authorization"].replace("Bearer", "bearer")}
    resp = await client.get("/v1/admin/quarantine", headers=lower)
    assert resp.status == 200
    assert await resp.json() == {"items": []}


# 2. Contacts lookup


async def test_unknown_number_is_404(client: Client, store: Store) -> None:
    headers, _ = await token(store, "operator")
    resp = await client.get("/v1/contacts/+79990000001", headers=headers)
    assert resp.status == 404
    assert error_of(await resp.json()) == ("not_found", 404)


@pytest.mark.parametrize("number", ["abc", "12", "+7 999"])
async def test_unreadable_number_is_422_invalid_number(
    client: Client, store: Store, number: str
) -> None:
    headers, _ = await token(store, "operator")
    resp = await client.get(f"/v1/contacts/{number}", headers=headers)
    assert resp.status == 422
    assert error_of(await resp.json()) == ("invalid_number", 422)


@pytest.mark.parametrize(
    "number",
    ["+7 (999) 123-45-67", "79991234567", "8 999 123 45 67", "8(999)1234567", "%2B79991234567"],
)
async def test_every_form_of_a_number_finds_the_same_subject(
    client: Client, store: Store, number: str
) -> None:
    await deliver(client, typed("STOP", seed="stop"))
    headers, _ = await token(store, "operator")
    canonical = await client.get("/v1/contacts/+79991234567", headers=headers)
    assert canonical.status == 200
    resp = await client.get(f"/v1/contacts/{number}", headers=headers)
    assert resp.status == 200
    doc = await resp.json()
    assert doc == await canonical.json()
    assert doc["phone"] == PHONE
    assert [e["id"] for e in doc["events"]] == [event_id("msg:" + meta.wamid("stop"))]


async def test_contact_document_has_the_documented_shape_and_values(
    client: Client, store: Store
) -> None:
    before = datetime.now(UTC)
    stop_wamid, hello_wamid = meta.wamid("stop"), meta.wamid("hello")
    await deliver(client, typed("СТОП", seed="stop", user_id=meta.USER_BSUID))
    await deliver(client, platform_stop(timestamp=meta.TIMESTAMP + 60))
    # Arrives last but happened first: events are listed in the order they happened.
    await deliver(
        client, typed("Здравствуйте, когда доставка?", seed="hello", timestamp=meta.TIMESTAMP - 60)
    )
    after = datetime.now(UTC)
    headers, _ = await token(store, "operator")

    resp = await client.get("/v1/contacts/+79991234567", headers=headers)

    assert resp.status == 200
    doc = await resp.json()
    received = [e.pop("received_at") for e in doc["events"]]
    for value in received:
        assert before <= datetime.fromisoformat(value) <= after
    stop_id = event_id("msg:" + stop_wamid)
    pref_key = f"pref:{meta.USER_WA_ID}:stop:{meta.TIMESTAMP + 60}:{meta.PHONE_NUMBER_ID}"
    pref_id = event_id(pref_key)
    user_block = {
        "kind": "user_request",
        "since": STOP_AT,
        "source": "whatsapp_text",
        "event_id": stop_id,
        "phone_number_id": None,
    }
    platform_block = {
        "kind": "platform",
        "since": iso(meta.TIMESTAMP + 60),
        "source": "whatsapp_preferences",
        "event_id": pref_id,
        "phone_number_id": None,
    }
    verdict = classify_text("СТОП")
    assert doc == {
        "phone": PHONE,
        "identities": {
            "phones": [PHONE],
            "wa_ids": [meta.USER_WA_ID],
            "user_ids": [meta.USER_BSUID],
        },
        "categories": {
            "marketing": {
                "eligible": False,
                "reasons": ["opted_out", "platform_opt_out", "no_consent"],
                "lifts_at": None,
                "consent": None,
                "blocks": [user_block, platform_block],
                "resubscribed": None,
            },
            "utility": {
                "eligible": False,
                "reasons": ["opted_out"],
                "lifts_at": None,
                "consent": None,
                "blocks": [user_block],
                "resubscribed": None,
            },
        },
        "events": [
            {
                "id": event_id("msg:" + hello_wamid),
                "kind": "message",
                "categories": [],
                "source": "whatsapp_text",
                "occurred_at": iso(meta.TIMESTAMP - 60),
                "phone_number_id": meta.PHONE_NUMBER_ID,
                "actor": None,
                "language": None,
                "evidence": {"wamid": hello_wamid, "type": "text"},
            },
            {
                "id": stop_id,
                "kind": "opt_out",
                "categories": ["all"],
                "source": "whatsapp_text",
                "occurred_at": STOP_AT,
                "phone_number_id": meta.PHONE_NUMBER_ID,
                "actor": None,
                "language": verdict.language,
                "evidence": {
                    "wamid": stop_wamid,
                    "type": "text",
                    "text": "СТОП",
                    "matched": verdict.matched,
                },
            },
            {
                "id": pref_id,
                "kind": "platform_stop",
                "categories": ["marketing"],
                "source": "whatsapp_preferences",
                "occurred_at": iso(meta.TIMESTAMP + 60),
                "phone_number_id": meta.PHONE_NUMBER_ID,
                "actor": None,
                "language": None,
                "evidence": {
                    "value": "stop",
                    "category": "marketing_messages",
                    "detail": "User requested to stop marketing messages",
                },
            },
        ],
    }


async def test_lookup_by_business_scoped_user_id(client: Client, store: Store) -> None:
    await deliver(client, typed("STOP", seed="stop", user_id=meta.USER_BSUID))
    headers, _ = await token(store, "operator")
    by_phone = await client.get("/v1/contacts/+79991234567", headers=headers)
    resp = await client.get(f"/v1/contacts/{meta.USER_BSUID}", headers=headers)
    assert resp.status == 200
    assert await resp.json() == await by_phone.json()


# 3. Operator opt-out


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "hotline"}, "reason"),
        ({"source": "hotline", "reason": ""}, "reason"),
        ({"source": "hotline", "reason": "   "}, "reason"),
        ({"source": "telepathy", "reason": "called"}, "source"),
        ({"reason": "called"}, "source"),
        ({"source": "hotline", "reason": "called", "categories": []}, "categories"),
        ({"source": "hotline", "reason": "called", "categories": ["sms"]}, "categories.0"),
        ({"source": "hotline", "reason": "called", "colour": "red"}, "colour"),
    ],
    ids=[
        "no reason",
        "empty reason",
        "blank reason",
        "bad source",
        "no source",
        "no categories",
        "bad category",
        "unknown field",
    ],
)
async def test_opt_out_body_is_validated(
    client: Client, store: Store, body: dict[str, Any], field: str
) -> None:
    headers, _ = await token(store, "operator")
    resp = await client.post("/v1/contacts/+79991234567/opt-out", json=body, headers=headers)
    assert resp.status == 422
    doc = await resp.json()
    assert error_of(doc) == ("validation_error", 422)
    assert fields_of(doc) == [field]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b'{"source": "hotline", "reason": ', "application/json"),
        (b'{"source": "hotline", "reason": "called"}', "text/plain"),
        (b"source=hotline&reason=called", "application/x-www-form-urlencoded"),
    ],
    ids=["not json", "text/plain", "form"],
)
async def test_opt_out_needs_a_json_body(
    client: Client, store: Store, data: bytes, content_type: str
) -> None:
    headers, _ = await token(store, "operator")
    resp = await client.post(
        "/v1/contacts/+79991234567/opt-out",
        data=data,
        headers={**headers, "Content-Type": content_type},
    )
    expected = (
        (400, "bad_request")
        if content_type == "application/json"
        else (415, "unsupported_media_type")
    )
    assert resp.status == expected[0]
    assert error_of(await resp.json()) == (expected[1], expected[0])


async def test_opt_out_defaults_to_all_and_suppresses_everything(
    client: Client, store: Store
) -> None:
    await deliver(client, typed("Здравствуйте", seed="hello"))
    headers, record = await token(store, "operator")
    assert await verdicts(client, store, PHONE) == {
        "marketing": (False, ["no_consent"]),
        "utility": (True, []),
    }
    before = datetime.now(UTC)

    resp = await client.post(
        "/v1/contacts/8 999 123-45-67/opt-out",
        json={"source": "hotline", "reason": "customer called the hotline"},
        headers=headers,
    )

    assert resp.status == 201
    event = await resp.json()
    assert before <= datetime.fromisoformat(event["occurred_at"]) <= datetime.now(UTC)
    assert event == {
        "id": event["id"],
        "kind": "opt_out",
        "categories": ["all"],
        "source": "hotline",
        "occurred_at": event["occurred_at"],
        "received_at": event["occurred_at"],
        "phone_number_id": None,
        "actor": record.id,
        "language": None,
        "evidence": {"reason": "customer called the hotline", "operator": record.name},
    }
    assert await verdicts(client, store, PHONE) == {
        "marketing": (False, ["opted_out", "no_consent"]),
        "utility": (False, ["opted_out"]),
    }
    contact = await (await client.get("/v1/contacts/+79991234567", headers=headers)).json()
    assert contact["events"][-1] == event
    block = {
        "kind": "user_request",
        "since": event["occurred_at"],
        "source": "hotline",
        "event_id": event["id"],
        "phone_number_id": None,
    }
    assert contact["categories"]["marketing"]["blocks"] == [block]
    assert contact["categories"]["utility"]["blocks"] == [block]


async def test_opt_out_of_marketing_only_leaves_utility(client: Client, store: Store) -> None:
    headers, _ = await token(store, "operator")
    resp = await client.post(
        "/v1/contacts/+79991234567/opt-out",
        json={"categories": ["marketing"], "source": "email", "reason": "asked by e-mail"},
        headers=headers,
    )
    assert resp.status == 201
    assert (await resp.json())["categories"] == ["marketing"]
    assert await verdicts(client, store, PHONE) == {
        "marketing": (False, ["opted_out", "no_consent"]),
        "utility": (True, []),
    }


async def test_opt_out_of_a_number_never_seen_before(client: Client, store: Store) -> None:
    headers, _ = await token(store, "operator")
    assert (await client.get("/v1/contacts/+79990000001", headers=headers)).status == 404
    resp = await client.post(
        "/v1/contacts/+7 999 000-00-01/opt-out",
        json={"source": "post", "reason": "letter of 2026-11-20"},
        headers=headers,
    )
    assert resp.status == 201
    event = await resp.json()

    found = await client.get("/v1/contacts/79990000001", headers=headers)

    assert found.status == 200
    doc = await found.json()
    assert doc["phone"] == "+79990000001"
    assert doc["identities"] == {"phones": ["+79990000001"], "wa_ids": [], "user_ids": []}
    assert doc["events"] == [event]


async def test_opt_out_with_a_past_occurred_at_keeps_it(client: Client, store: Store) -> None:
    headers, _ = await token(store, "operator")
    resp = await client.post(
        "/v1/contacts/+79991234567/opt-out",
        json={"source": "post", "reason": "letter", "occurred_at": "2026-09-01T15:00:00+03:00"},
        headers=headers,
    )
    assert resp.status == 201
    assert (await resp.json())["occurred_at"] == "2026-09-01T12:00:00Z"


@pytest.mark.parametrize(
    "occurred_at",
    [
        (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "2099-01-01T00:00:00Z",
        "2026-09-01T12:00:00",
    ],
    ids=["in an hour", "far future", "no time zone"],
)
async def test_opt_out_occurred_at_must_be_past_and_zoned(
    client: Client, store: Store, occurred_at: str
) -> None:
    headers, _ = await token(store, "operator")
    resp = await client.post(
        "/v1/contacts/+79991234567/opt-out",
        json={"source": "hotline", "reason": "called", "occurred_at": occurred_at},
        headers=headers,
    )
    assert resp.status == 422
    assert error_of(await resp.json()) == ("validation_error", 422)
    assert (await client.get("/v1/contacts/+79991234567", headers=headers)).status == 404


async def test_opt_out_replay_with_idempotency_key(client: Client, store: Store) -> None:
    headers, _ = await token(store, "operator")
    body = {"source": "hotline", "reason": "customer called the hotline"}
    idem = {**headers, "Idempotency-Key": "call-42"}

    first = await client.post("/v1/contacts/+79991234567/opt-out", json=body, headers=idem)
    again = await client.post("/v1/contacts/8 999 123 45 67/opt-out", json=body, headers=idem)

    assert (first.status, again.status) == (201, 200)
    assert await again.json() == await first.json()
    contact = await (await client.get("/v1/contacts/+79991234567", headers=headers)).json()
    assert [e["id"] for e in contact["events"]] == [(await first.json())["id"]]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("+79991234567", {"source": "hotline", "reason": "a different reason"}),
        ("+79991234567", {"source": "hotline", "reason": "called", "categories": ["marketing"]}),
        ("+79990000001", {"source": "hotline", "reason": "called"}),
        ("+79991234567", {"source": "email", "reason": "called"}),
        (
            "+79991234567",
            {"source": "hotline", "reason": "called", "occurred_at": "2026-09-01T12:00:00Z"},
        ),
    ],
    ids=["reason", "categories", "number", "source", "occurred_at"],
)
async def test_opt_out_same_key_different_request_is_409(
    client: Client, store: Store, path: str, body: dict[str, Any]
) -> None:
    headers, _ = await token(store, "operator")
    idem = {**headers, "Idempotency-Key": "call-42"}
    first = await client.post(
        "/v1/contacts/+79991234567/opt-out",
        json={"source": "hotline", "reason": "called"},
        headers=idem,
    )
    assert first.status == 201

    resp = await client.post(f"/v1/contacts/{path}/opt-out", json=body, headers=idem)

    assert resp.status == 409
    assert error_of(await resp.json()) == ("idempotency_conflict", 409)


async def test_idempotency_keys_belong_to_their_token(client: Client, store: Store) -> None:
    alice, _ = await token(store, "operator")
    bob, _ = await token(store, "operator")
    body = {"source": "hotline", "reason": "called"}
    a = await client.post(
        "/v1/contacts/+79991234567/opt-out", json=body, headers={**alice, "Idempotency-Key": "k"}
    )
    b = await client.post(
        "/v1/contacts/+79991234567/opt-out", json=body, headers={**bob, "Idempotency-Key": "k"}
    )
    assert (a.status, b.status) == (201, 201)
    assert (await a.json())["id"] != (await b.json())["id"]


# 4. Operator opt-in


@pytest.mark.parametrize(
    "field", ["wording", "wording_version", "method", "reference", "categories", "source"]
)
async def test_opt_in_needs_its_evidence(client: Client, store: Store, field: str) -> None:
    headers, _ = await token(store, "operator")
    body = {k: v for k, v in OPT_IN.items() if k != field}
    resp = await client.post("/v1/contacts/+79991234567/opt-in", json=body, headers=headers)
    assert resp.status == 422
    doc = await resp.json()
    assert error_of(doc) == ("validation_error", 422)
    assert fields_of(doc) == [field]


@pytest.mark.parametrize("field", ["wording", "wording_version", "method", "reference"])
async def test_opt_in_evidence_may_not_be_empty(client: Client, store: Store, field: str) -> None:
    headers, _ = await token(store, "operator")
    resp = await client.post(
        "/v1/contacts/+79991234567/opt-in", json={**OPT_IN, field: " "}, headers=headers
    )
    assert resp.status == 422
    assert fields_of(await resp.json()) == [field]


async def test_opt_in_lifts_the_stop_for_its_categories(client: Client, store: Store) -> None:
    await deliver(client, typed("STOP", seed="stop"))
    headers, record = await token(store, "operator")
    assert await verdicts(client, store, PHONE) == {
        "marketing": (False, ["opted_out", "no_consent"]),
        "utility": (False, ["opted_out"]),
    }

    resp = await client.post("/v1/contacts/+79991234567/opt-in", json=OPT_IN, headers=headers)

    assert resp.status == 201
    event = await resp.json()
    evidence = {k: OPT_IN[k] for k in ("wording", "wording_version", "method", "reference")}
    assert event == {
        "id": event["id"],
        "kind": "opt_in",
        "categories": ["marketing"],
        "source": "hotline",
        "occurred_at": event["occurred_at"],
        "received_at": event["occurred_at"],
        "phone_number_id": None,
        "actor": record.id,
        "language": None,
        "evidence": {**evidence, "operator": record.name},
        "lifts_opt_out": True,
        "missing_evidence": [],
    }
    assert await verdicts(client, store, PHONE) == {
        "marketing": (True, []),
        "utility": (False, ["opted_out"]),
    }
    contact = await (await client.get("/v1/contacts/+79991234567", headers=headers)).json()
    marketing = contact["categories"]["marketing"]
    assert marketing["blocks"] == []
    assert marketing["consent"] == {
        "since": event["occurred_at"],
        "source": "hotline",
        "event_id": event["id"],
        "evidence": {**evidence, "operator": record.name},
    }
    assert [b["kind"] for b in contact["categories"]["utility"]["blocks"]] == ["user_request"]


async def test_opt_in_does_not_lift_a_platform_block(client: Client, store: Store) -> None:
    await deliver(client, typed("STOP", seed="stop"), platform_stop(timestamp=meta.TIMESTAMP + 60))
    headers, _ = await token(store, "operator")

    resp = await client.post(
        "/v1/contacts/+79991234567/opt-in", json={**OPT_IN, "categories": ["all"]}, headers=headers
    )

    assert resp.status == 201
    assert await verdicts(client, store, PHONE) == {
        "marketing": (False, ["platform_opt_out"]),
        "utility": (True, []),
    }
    contact = await (await client.get("/v1/contacts/+79991234567", headers=headers)).json()
    [block] = contact["categories"]["marketing"]["blocks"]
    assert (block["kind"], block["source"]) == ("platform", "whatsapp_preferences")


# 5. Consents


async def test_consent_is_recorded_with_its_evidence(client: Client, store: Store) -> None:
    headers, record = await token(store, "collector")
    before = datetime.now(UTC)

    resp = await client.post("/v1/consents", json=CONSENT, headers=headers)

    assert resp.status == 201
    event = await resp.json()
    assert before <= datetime.fromisoformat(event["received_at"]) <= datetime.now(UTC)
    assert event == {
        "id": event["id"],
        "kind": "consent_granted",
        "categories": ["marketing"],
        "source": "web_form",
        "occurred_at": "2026-09-01T12:00:00Z",
        "received_at": event["received_at"],
        "phone_number_id": None,
        "actor": record.id,
        "language": None,
        "evidence": {
            "wording": CONSENT["wording"],
            "wording_version": "2026-08",
            **CONSENT["evidence"],
        },
        "lifts_opt_out": True,
        "missing_evidence": [],
    }
    assert await verdicts(client, store, PHONE) == {
        "marketing": (True, []),
        "utility": (True, []),
    }


async def test_consent_evidence_does_not_replace_the_wording(client: Client, store: Store) -> None:
    headers, _ = await token(store, "collector")
    body = {**CONSENT, "evidence": {"wording": "something else", "wording_version": "1999"}}

    resp = await client.post("/v1/consents", json=body, headers=headers)

    assert resp.status == 201
    evidence = (await resp.json())["evidence"]
    assert (evidence["wording"], evidence["wording_version"]) == (CONSENT["wording"], "2026-08")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"collected_at": "2026-09-01T12:00:00"}, "validation_error"),
        (
            {"collected_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()},
            "validation_error",
        ),
        ({"collected_at": "yesterday"}, "validation_error"),
        ({"phone": "not a phone"}, "invalid_number"),
        ({"phone": "+7 999"}, "invalid_number"),
        ({"source": "rumour"}, "validation_error"),
        ({"categories": []}, "validation_error"),
        ({"wording": ""}, "validation_error"),
        ({"consented": True}, "validation_error"),
    ],
    ids=[
        "no time zone",
        "future",
        "not a time",
        "letters",
        "short number",
        "bad source",
        "no categories",
        "empty wording",
        "unknown field",
    ],
)
async def test_consent_is_validated(
    client: Client, store: Store, change: dict[str, Any], code: str
) -> None:
    headers, _ = await token(store, "collector")
    resp = await client.post("/v1/consents", json={**CONSENT, **change}, headers=headers)
    assert resp.status == 422
    assert error_of(await resp.json()) == (code, 422)
    assert await store.count_events() == 0


async def test_consent_replay_with_idempotency_key(client: Client, store: Store) -> None:
    headers, _ = await token(store, "collector")
    idem = {**headers, "Idempotency-Key": "form-7781"}

    first = await client.post("/v1/consents", json=CONSENT, headers=idem)
    again = await client.post(
        "/v1/consents", json={**CONSENT, "phone": "79991234567"}, headers=idem
    )

    assert (first.status, again.status) == (201, 200)
    assert await again.json() == await first.json()
    assert await store.count_events() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"wording_version": "2026-09"},
        {"wording": "I agree to receive offers"},
        {"categories": ["all"]},
        {"phone": "+79990000001"},
        {"evidence": {"ip": "198.51.100.7"}},
        {"source": "checkbox"},
        {"collected_at": "2026-09-02T12:00:00Z"},
    ],
    ids=["wording_version", "wording", "categories", "phone", "evidence", "source", "collected_at"],
)
async def test_consent_same_key_different_request_is_409(
    client: Client, store: Store, change: dict[str, Any]
) -> None:
    headers, _ = await token(store, "collector")
    idem = {**headers, "Idempotency-Key": "form-7781"}
    first = await client.post("/v1/consents", json=CONSENT, headers=idem)
    assert first.status == 201

    resp = await client.post("/v1/consents", json={**CONSENT, **change}, headers=idem)

    assert resp.status == 409
    assert error_of(await resp.json()) == ("idempotency_conflict", 409)
    assert await store.count_events() == 1


# 6. Eligibility

U_STOP = "79991234567"  # typed STOP
U_PLATFORM = "79991112233"  # user_preferences stop
U_CONSENT = "79992223344"  # consent on file
U_CONSENT_THEN_STOP = "79993334455"
U_STOP_THEN_CONSENT = "79994445566"
U_UNREACHABLE = "79995556677"  # three 131026 failures in a row
U_131050 = "79996667788"  # marketing refused by the platform
U_BACKOFF = "79997778899"  # 131049
U_CAPPED = "79998889900"  # three marketing sends this week
BSUID_ONLY = "RU.10000000000000000002"


@pytest.fixture
async def population(client: Client, store: Store) -> dict[str, int]:
    """A customer for every reason, through the webhook and the consents API."""
    now = int(time.time())
    await deliver(
        client,
        typed("STOP", U_STOP, seed="a"),
        platform_stop(U_PLATFORM),
        typed("STOP", U_CONSENT_THEN_STOP, seed="b"),
        typed("STOP", U_STOP_THEN_CONSENT, seed="c"),
        typed("STOP", None, seed="d", user_id=BSUID_ONLY),
        failed(U_UNREACHABLE, 131026, meta.TIMESTAMP),
        failed(U_UNREACHABLE, 131026, meta.TIMESTAMP + 60),
        failed(U_UNREACHABLE, 131026, meta.TIMESTAMP + 120),
        failed(U_131050, 131050, meta.TIMESTAMP),
        failed(U_BACKOFF, 131049, now - 3600),
        sent(U_CAPPED, now - 3 * 3600),
        sent(U_CAPPED, now - 2 * 3600),
        sent(U_CAPPED, now - 3600),
    )
    collector, _ = await token(store, "collector")
    consents = [
        (U_CONSENT, "2026-09-01T12:00:00Z"),
        (U_CONSENT_THEN_STOP, "2026-01-01T12:00:00Z"),
        (U_STOP_THEN_CONSENT, "2026-09-01T12:00:00Z"),
        (U_BACKOFF, "2026-09-01T12:00:00Z"),
    ]
    for phone, at in consents:
        body = {**CONSENT, "phone": phone, "collected_at": at}
        resp = await client.post("/v1/consents", json=body, headers=collector)
        assert resp.status == 201
    return {"now": now}


RECIPIENTS = [
    "+7 999 000-00-01",
    U_STOP,
    "+" + U_PLATFORM,
    U_CONSENT,
    U_CONSENT_THEN_STOP,
    U_STOP_THEN_CONSENT,
    U_UNREACHABLE,
    U_131050,
    U_BACKOFF,
    U_CAPPED,
    BSUID_ONLY,
    "abc",
    "",
    "12",
    "8 (999) 123-45-67",
]


def _expected(
    reasons: list[list[str]], lifts: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    phones = [
        "+79990000001",
        *("+" + u.removeprefix("+") for u in RECIPIENTS[1:10]),
        None,
        None,
        None,
        None,
        PHONE,
    ]
    out = []
    for i, (recipient, phone, why) in enumerate(zip(RECIPIENTS, phones, reasons, strict=True)):
        item: dict[str, Any] = {
            "recipient": recipient,
            "phone": phone,
            "eligible": not why,
            "reasons": why,
        }
        if lifts and i in lifts:
            item["lifts_at"] = lifts[i]
        out.append(item)
    return out


async def test_marketing_eligibility_gives_every_reason_in_order(
    client: Client, store: Store, population: dict[str, int]
) -> None:
    headers, _ = await token(store, "sender")
    now = population["now"]
    results = await eligibility(client, headers, "marketing", RECIPIENTS)
    invalid = ["invalid_number"]
    assert results == _expected(
        [
            ["no_consent"],
            ["opted_out", "no_consent"],
            ["platform_opt_out", "no_consent"],
            [],
            ["opted_out"],
            [],
            ["unreachable", "no_consent"],
            ["platform_opt_out", "no_consent"],
            ["backoff"],
            ["no_consent", "frequency_cap"],
            ["opted_out", "no_consent"],
            invalid,
            invalid,
            invalid,
            ["opted_out", "no_consent"],
        ],
        lifts={8: iso(now - 3600 + 24 * 3600), 9: iso(now - 3 * 3600 + 7 * 24 * 3600)},
    )


async def test_utility_eligibility_gives_every_reason_in_order(
    client: Client, store: Store, population: dict[str, int]
) -> None:
    headers, _ = await token(store, "sender")
    results = await eligibility(client, headers, "utility", RECIPIENTS)
    invalid = ["invalid_number"]
    assert results == _expected(
        [
            [],
            ["opted_out"],
            [],
            [],
            ["opted_out"],
            ["opted_out"],
            ["unreachable"],
            [],
            [],
            [],
            ["opted_out"],
            invalid,
            invalid,
            invalid,
            ["opted_out"],
        ]
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "transactional", "recipients": [PHONE]}, "category"),
        ({"category": "authentication", "recipients": [PHONE]}, "category"),
        ({"recipients": [PHONE]}, "category"),
        ({"category": "marketing"}, "recipients"),
        ({"category": "marketing", "recipients": [PHONE] * 10_001}, "recipients"),
        ({"category": "marketing", "recipients": [79991234567]}, "recipients.0"),
        ({"category": "marketing", "recipients": [], "channel": "sms"}, "channel"),
    ],
    ids=[
        "transactional",
        "authentication",
        "no category",
        "no recipients",
        "10001 recipients",
        "number not a string",
        "unknown field",
    ],
)
async def test_eligibility_body_is_validated(
    client: Client, store: Store, body: dict[str, Any], field: str
) -> None:
    headers, _ = await token(store, "sender")
    resp = await client.post("/v1/eligibility", json=body, headers=headers)
    assert resp.status == 422
    doc = await resp.json()
    assert error_of(doc) == ("validation_error", 422)
    assert fields_of(doc) == [field]


async def test_eligibility_accepts_ten_thousand_recipients(client: Client, store: Store) -> None:
    headers, _ = await token(store, "sender")
    results = await eligibility(client, headers, "utility", [PHONE] * 10_000)
    assert len(results) == 10_000
    assert results[-1] == {"recipient": PHONE, "phone": PHONE, "eligible": True, "reasons": []}


async def test_eligibility_as_plain_text_is_415(client: Client, store: Store) -> None:
    headers, _ = await token(store, "sender")
    resp = await client.post(
        "/v1/eligibility",
        data=b"+79991234567\n",
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert resp.status == 415
    assert error_of(await resp.json()) == ("unsupported_media_type", 415)


async def test_without_require_consent_marketing_needs_no_consent(
    aiohttp_client: AiohttpClient, tmp_path: Path, database_url: str, store: Store
) -> None:
    settings = make_settings(tmp_path, database_url=database_url, require_consent=False)
    app = create_app(settings)  # its own store: summaries are made with the settings' rules
    client = await aiohttp_client(app)
    headers, _ = await token(app[STORE], "sender")
    await deliver(client, typed("STOP", seed="stop"))

    results = await eligibility(client, headers, "marketing", ["+79990000001", PHONE])

    assert results == [
        {"recipient": "+79990000001", "phone": "+79990000001", "eligible": True, "reasons": []},
        {"recipient": PHONE, "phone": PHONE, "eligible": False, "reasons": ["opted_out"]},
    ]


# 7. Health, metrics, OpenAPI


async def test_healthz(client: Client) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok"}


async def test_readyz(client: Client) -> None:
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ready"}


async def test_metrics_count_requests(client: Client) -> None:
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/nope")).status == 404
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.content_type == "text/plain"
    lines = (await resp.text()).splitlines()
    assert "# TYPE consentbot_http_requests_total counter" in lines
    assert 'consentbot_http_requests_total{route="/healthz",status="200"} 1' in lines
    assert 'consentbot_http_requests_total{route="unmatched",status="404"} 1' in lines


async def test_openapi_documents_every_route(client: Client) -> None:
    resp = await client.get("/openapi.json")
    assert resp.status == 200
    doc = await resp.json()
    assert doc == document()
    registered = {
        (route.resource.canonical, route.method.lower())
        for route in client.app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert ("/v1/contacts/{number}/opt-out", "post") in registered
    assert registered - documented == set()
