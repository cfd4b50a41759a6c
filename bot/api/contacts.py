"""Operators: look a customer up by any number format; record their opt-out or opt-in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import structlog
from aiohttp import web
from pydantic import Field

from bot.api.common import (
    Body,
    authorize,
    event_json,
    iso,
    json_response,
    not_in_future,
    parse_number,
    provenance,
    read_body,
    record,
)
from bot.auth import Permission
from bot.errors import NotFound
from bot.events import ALL, CATEGORIES, Event, Kind, Source, identity_keys
from bot.keys import SETTINGS, STORE
from bot.ledger import from_record, state_from_json
from bot.state import SubjectState, decide
from storage.base import TokenRecord

routes = web.RouteTableDef()
log = structlog.get_logger("consentbot.contacts")

Category = Literal["marketing", "utility", "all"]


class OptOut(Body):
    categories: list[Category] = Field(default=["all"], min_length=1)
    source: Literal["hotline", "web_form", "email", "post", "other"]
    reason: str = Field(min_length=1, max_length=2000)
    occurred_at: datetime | None = None


class OptIn(Body):
    """An opt-in lifts an opt-out, so it needs the evidence an appeal would ask for."""

    categories: list[Category] = Field(min_length=1)
    source: Literal["hotline", "web_form", "email", "post", "other"]
    wording: str = Field(
        min_length=1, max_length=4000, description="the text the customer agreed to"
    )
    wording_version: str = Field(
        min_length=1, max_length=200, description="the version of that text"
    )
    method: str = Field(min_length=1, max_length=500, description="how it was given")
    reference: str = Field(
        min_length=1, max_length=500, description="recording, document or ticket id"
    )
    occurred_at: datetime | None = None


@routes.get("/v1/contacts/{number}")
async def lookup(request: web.Request) -> web.Response:
    token = await authorize(request, Permission.CONTACTS)
    phone, user_id = parse_number(request, request.match_info["number"])
    store = request.app[STORE]
    subject = await store.subject(identity_keys(phone, user_id))
    log.info("contact.lookup", actor=token.id, found=subject is not None)
    if subject is None:
        raise NotFound("no record of this number")
    events = [from_record(r) for r in await store.events_of(subject.id)]
    return json_response(contact_json(request, phone, events, state_from_json(subject.state)))


def contact_json(
    request: web.Request, phone: str | None, events: list[Event], state: SubjectState
) -> dict[str, Any]:
    policy = request.app[SETTINGS].policy
    now = datetime.now(UTC)
    phones = sorted({e.phone for e in events if e.phone})
    categories = {}
    resubscribed = {r.category: r for r in state.resubscriptions}
    for category in CATEGORIES:
        decision = decide(state, category, at=now, policy=policy)
        consent = state.consents.get(category)
        lift = resubscribed.get(category)
        categories[category] = {
            "eligible": decision.eligible,
            "reasons": [r.value for r in decision.reasons],
            "lifts_at": iso(decision.lifts_at),
            "consent": consent
            and {
                "since": iso(consent.since),
                "source": consent.source,
                "event_id": consent.event_id,
                "evidence": dict(consent.evidence),
            },
            "blocks": [
                {
                    "kind": b.kind.value,
                    "since": iso(b.since),
                    "source": b.source,
                    "event_id": b.event_id,
                    "phone_number_id": b.scope,
                }
                for b in state.blocks
                if b.category in (category, ALL)
            ],
            # An opt-out lifted by the person or by a consent with full evidence.
            "resubscribed": lift
            and {
                "since": iso(lift.since),
                "source": lift.source,
                "event_id": lift.event_id,
                "lifted_event_id": lift.lifted,
                "by": "customer" if lift.by_person else "evidence",
            },
        }
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.received_at))
    return {
        "phone": phone or (phones[0] if phones else None),
        "identities": {
            "phones": phones,
            "wa_ids": sorted({e.wa_id for e in events if e.wa_id}),
            "user_ids": sorted({e.user_id for e in events if e.user_id}),
        },
        "categories": categories,
        "events": [event_json(e) for e in ordered],
    }


@routes.post("/v1/contacts/{number}/opt-out")
async def opt_out(request: web.Request) -> web.Response:
    token = await authorize(request, Permission.CONTACTS)
    phone, user_id = parse_number(request, request.match_info["number"])
    body = await read_body(request, OptOut)
    key, proof = provenance(request, token, body, "op")
    event = _operator_event(
        key,
        token,
        Kind.OPT_OUT,
        phone,
        user_id,
        body.categories,
        body.source,
        body.occurred_at,
        {"reason": body.reason, **proof},
    )
    return await record(request, token, event)


@routes.post("/v1/contacts/{number}/opt-in")
async def opt_in(request: web.Request) -> web.Response:
    token = await authorize(request, Permission.CONTACTS)
    phone, user_id = parse_number(request, request.match_info["number"])
    body = await read_body(request, OptIn)
    key, proof = provenance(request, token, body, "op")
    evidence = {
        "wording": body.wording,
        "wording_version": body.wording_version,
        "method": body.method,
        "reference": body.reference,
    }
    event = _operator_event(
        key,
        token,
        Kind.OPT_IN,
        phone,
        user_id,
        body.categories,
        body.source,
        body.occurred_at,
        {**evidence, **proof},
    )
    return await record(request, token, event)


def _operator_event(
    key: str,
    token: TokenRecord,
    kind: Kind,
    phone: str | None,
    user_id: str | None,
    categories: Sequence[str],
    source: str,
    occurred_at: datetime | None,
    evidence: dict[str, Any],
) -> Event:
    now = datetime.now(UTC)
    return Event(
        key=key,
        kind=kind,
        source=Source(source),
        occurred_at=not_in_future(occurred_at, "occurred_at") if occurred_at else now,
        received_at=now,
        phone=phone,
        user_id=user_id,
        categories=frozenset(categories),
        actor=token.id,
        evidence={**evidence, "operator": token.name},
    )
