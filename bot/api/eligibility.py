"""Senders: may this category be sent to these numbers now, and if not, why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from bot.api.common import Body, authorize, iso, json_response, read_body
from bot.app import SETTINGS, STORE
from bot.auth import Permission
from bot.errors import UnsupportedMediaType
from bot.events import identity_keys
from bot.ledger import state_from_json
from bot.phones import InvalidNumber, parse_any
from bot.state import Reason, decide

routes = web.RouteTableDef()

# A JSON list is answered in one piece; longer lists belong to the streaming formats.
MAX_JSON_RECIPIENTS = 10_000


class EligibilityIn(Body):
    category: Literal["marketing", "utility"]
    phone_number_id: str | None = Field(default=None, max_length=64)
    recipients: list[str] = Field(max_length=MAX_JSON_RECIPIENTS)


@routes.post("/v1/eligibility")
async def eligibility(request: web.Request) -> web.Response:
    await authorize(request, Permission.ELIGIBILITY)
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            "send JSON (application/json); streaming CSV and NDJSON are not available yet"
        )
    body = await read_body(request, EligibilityIn)
    settings = request.app[SETTINGS]
    parsed: list[tuple[str, str | None, tuple[str, ...]]] = []
    for recipient in body.recipients:
        try:
            kind, value = parse_any(recipient, settings.default_region)
        except InvalidNumber:
            parsed.append((recipient, None, ()))
            continue
        phone = value if kind == "phone" else None
        keys = identity_keys(phone, None if phone else value)
        parsed.append((recipient, phone, keys))
    subjects = await request.app[STORE].subjects([k for _, _, keys in parsed for k in keys])
    now = datetime.now(UTC)
    policy = settings.policy
    results: list[dict[str, Any]] = []
    for recipient, phone, keys in parsed:
        if not keys:
            results.append(
                {
                    "recipient": recipient,
                    "phone": None,
                    "eligible": False,
                    "reasons": [Reason.INVALID_NUMBER.value],
                }
            )
            continue
        subject = subjects.get(keys[0])
        state = state_from_json(subject.state) if subject else None
        decision = decide(
            state,
            body.category,
            at=now,
            policy=policy,
            phone_number_id=body.phone_number_id,
        )
        item: dict[str, Any] = {
            "recipient": recipient,
            "phone": phone,
            "eligible": decision.eligible,
            "reasons": [r.value for r in decision.reasons],
        }
        if decision.lifts_at:
            item["lifts_at"] = iso(decision.lifts_at)
        results.append(item)
    return json_response({"results": results})
