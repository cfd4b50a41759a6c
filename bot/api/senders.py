"""Business numbers' and templates' health (`bot.senders`), and an admin's manual resume.

`GET /v1/senders` lists every number and template the guard knows of, with its state,
the reasons for it and its recorded history (changes and resumes, newest first). A resume
is an event in the ledger with the admin's token and reason: it lifts every pause and
watch found before it; anything found after it counts again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from aiohttp import web
from pydantic import Field, model_validator

from bot.api.common import Body, authorize, iso, json_response, read_body
from bot.auth import Permission
from bot.errors import Conflict, Unprocessable
from bot.events import Event, Kind, Source
from bot.keys import SETTINGS, STORE
from bot.sender_guard import CHANGE_KINDS, overview, state_json
from bot.senders import Health, SenderState, find_template
from storage.base import EventRecord

routes = web.RouteTableDef()
log = structlog.get_logger("consentbot.senders")

HISTORY = 20  # entries of history per number or template


class ResumeIn(Body):
    phone_number_id: str | None = Field(default=None, min_length=1, max_length=64)
    template: str | None = Field(
        default=None,
        min_length=1,
        max_length=600,
        description="a template's name (every language) or name/language",
    )
    reason: str = Field(min_length=3, max_length=2000)

    @model_validator(mode="after")
    def _one_target(self) -> ResumeIn:
        if (self.phone_number_id is None) == (self.template is None):
            raise ValueError("name either phone_number_id or template")
        return self


def _history(changes: Sequence[EventRecord], scope: str, ident: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    name = ident.split("/", 1)[0]
    for e in reversed(changes):
        if e.evidence.get("scope") != scope or e.evidence.get("id") not in (ident, name):
            continue
        item: dict[str, Any] = {
            "event_id": e.id,
            "kind": e.kind,
            "at": iso(e.occurred_at),
            "actor": e.actor,
        }
        if e.kind == Kind.SENDER_RESUMED.value:
            item.update(reason=e.evidence.get("reason"), admin=e.evidence.get("admin"))
        else:
            item.update(state=e.evidence.get("state"), previous=e.evidence.get("previous"))
            item.update(detail=e.evidence.get("detail"), until=e.evidence.get("until"))
        out.append(item)
        if len(out) == HISTORY:
            break
    return out


def _entry(state: SenderState, changes: Sequence[EventRecord]) -> dict[str, Any]:
    named = {"phone_number_id": state.id} if state.scope == "number" else {"template": state.id}
    return {**named, **state_json(state), "history": _history(changes, state.scope, state.id)}


@routes.get("/v1/senders")
async def senders(request: web.Request) -> web.Response:
    """Every known number and template with its state; `?phone_number_id=` adds a number
    the guard has not seen yet (as an eligibility call naming it would)."""
    await authorize(request, Permission.CONTACTS)
    store = request.app[STORE]
    known = request.query.getall("phone_number_id", [])
    view = await overview(store, request.app[SETTINGS], datetime.now(UTC), known)
    changes = await store.events_since(list(CHANGE_KINDS))
    return json_response(
        {
            "numbers": [_entry(s, changes) for s in view.numbers.values()],
            "templates": [_entry(s, changes) for s in view.templates.values()],
        }
    )


@routes.post("/v1/senders/resume")
async def resume(request: web.Request) -> web.Response:
    """An admin lifts a number's or a template's pause (or watch) by hand, with a reason."""
    token = await authorize(request, Permission.ADMIN)
    body = await read_body(request, ResumeIn)
    store = request.app[STORE]
    now = datetime.now(UTC)
    known = [body.phone_number_id] if body.phone_number_id else []
    view = await overview(store, request.app[SETTINGS], now, known)
    if body.phone_number_id is not None:
        scope, ident = "number", body.phone_number_id
        states = [view.numbers[ident]]
    else:
        scope, ident = "template", str(body.template)
        states = find_template(view.templates, ident)
        if not states:
            raise Unprocessable("no template of this name is known", code="unknown_template")
    if all(s.health is Health.HEALTHY for s in states):
        raise Conflict(f"this {scope} is healthy: there is nothing to resume", code="not_paused")
    event = Event(
        key=f"sender-resume:{scope}:{ident}:{uuid.uuid4().hex}",
        kind=Kind.SENDER_RESUMED,
        source=Source.API,
        occurred_at=now,
        received_at=now,
        phone_number_id=ident if scope == "number" else None,
        actor=token.id,
        evidence={
            "scope": scope,
            "id": ident,
            "reason": body.reason,
            "admin": token.name,
            "lifted": [state_json(s) | {"id": s.id} for s in states],
        },
    )
    await store.append([event])
    log.warning("sender.resumed", scope=scope, id=ident, actor=token.id, reason=body.reason)
    after = await overview(store, request.app[SETTINGS], now, known)
    current = [after.numbers[ident]] if scope == "number" else find_template(after.templates, ident)
    return json_response(
        {
            "event_id": event.id,
            "scope": scope,
            "id": ident,
            "actor": token.id,
            "reason": body.reason,
            "at": iso(now),
            "states": [_entry(s, []) for s in current],
        },
        status=201,
    )
