"""Collectors: record a consent with the evidence an appeal to Meta would need."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import Field

from bot.api.common import (
    Body,
    authorize,
    not_in_future,
    parse_number,
    provenance,
    read_body,
    record,
)
from bot.auth import Permission
from bot.events import Event, Kind, Source

routes = web.RouteTableDef()


class ConsentIn(Body):
    phone: str = Field(min_length=1, max_length=64)
    categories: list[Literal["marketing", "utility", "all"]] = Field(min_length=1)
    source: Literal["web_form", "checkbox", "contract", "hotline", "whatsapp", "import", "other"]
    collected_at: datetime
    wording: str = Field(min_length=1, max_length=4000)
    wording_version: str | None = Field(default=None, max_length=200)
    evidence: dict[str, Any] = Field(default_factory=dict)


@routes.post("/v1/consents")
async def record_consent(request: web.Request) -> web.Response:
    token = await authorize(request, Permission.CONSENTS)
    body = await read_body(request, ConsentIn)
    phone, user_id = parse_number(request, body.phone)
    key, proof = provenance(request, token, body, "consent")
    now = datetime.now(UTC)
    event = Event(
        key=key,
        kind=Kind.CONSENT,
        source=Source(body.source),
        occurred_at=not_in_future(body.collected_at, "collected_at"),
        received_at=now,
        phone=phone,
        user_id=user_id,
        categories=frozenset(body.categories),
        actor=token.id,
        # The caller's own evidence first: it may add to the wording, never replace it.
        evidence={
            **body.evidence,
            "wording": body.wording,
            "wording_version": body.wording_version,
            **proof,
        },
    )
    return await record(request, token, event)
