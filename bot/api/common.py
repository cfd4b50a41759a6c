"""What every API handler needs: the caller's token, a valid body, a number, an event as JSON."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import structlog
from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.auth import Permission, allows, hash_token
from bot.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidNumberError,
    NotFound,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)
from bot.events import Event, Kind
from bot.evidence import missing_evidence
from bot.keys import SETTINGS, STORE
from bot.ledger import from_record
from bot.phones import InvalidNumber, parse_any
from storage.base import TokenRecord

M = TypeVar("M", bound=BaseModel)
log = structlog.get_logger("consentbot.api")

# A little clock skew between a caller and us is normal; a time further ahead is a mistake.
MAX_FUTURE_SKEW = timedelta(minutes=5)


class Body(BaseModel):
    """API request bodies: unknown fields are errors, so a misspelt field is never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


async def authorize(request: web.Request, permission: Permission) -> TokenRecord:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("an `Authorization: Bearer <token>` header is required")
    record = await request.app[STORE].token_by_hash(hash_token(token.strip()))
    if record is None or record.revoked_at is not None:
        raise Unauthorized("the token is not valid")
    if not allows(record, permission):
        raise Forbidden(f"the {record.role} role may not use this endpoint")
    structlog.contextvars.bind_contextvars(actor=record.id)
    return record


async def read_body(request: web.Request, model: type[M]) -> M:
    if request.content_type != "application/json":
        raise UnsupportedMediaType("the body must be JSON (Content-Type: application/json)")
    raw = await request.read()
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()
        ]
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise BadRequest("the body is not valid JSON") from None
        raise Unprocessable("the body does not match the schema", errors=errors) from None


def int_query(request: web.Request, name: str, default: int | None, low: int, high: int) -> Any:
    """A whole number from the query string, within [low, high]; 400 otherwise."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"`{name}` must be a whole number") from None
    if not low <= value <= high:
        raise BadRequest(f"`{name}` must be between {low} and {high}")
    return value


def parse_number(request: web.Request, text: str) -> tuple[str | None, str | None]:
    """(E.164 phone, business-scoped user id): exactly one is set. 422 when unreadable."""
    try:
        kind, value = parse_any(text, request.app[SETTINGS].default_region)
    except InvalidNumber as exc:
        raise InvalidNumberError(f"not a phone number or WhatsApp user id: {exc}") from None
    return (value, None) if kind == "phone" else (None, value)


def not_in_future(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise Unprocessable(f"`{field}` needs a time zone, e.g. 2026-09-01T12:00:00Z")
    if value > datetime.now(UTC) + MAX_FUTURE_SKEW:
        raise Unprocessable(f"`{field}` is in the future")
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def event_json(e: Event) -> dict[str, Any]:
    """An event as the API shows it; an opt-in or consent also says whether it may lift a
    person's opt-out and, if not, what evidence it lacks (`bot.evidence`)."""
    doc: dict[str, Any] = {
        "id": e.id,
        "kind": e.kind.value,
        "categories": sorted(e.categories),
        "source": e.source.value,
        "occurred_at": iso(e.occurred_at),
        "received_at": iso(e.received_at),
        "phone_number_id": e.phone_number_id,
        "actor": e.actor,
        "language": e.language,
        "evidence": dict(e.evidence),
    }
    if e.kind in (Kind.OPT_IN, Kind.CONSENT):
        missing = missing_evidence(e)
        doc["lifts_opt_out"] = not missing
        doc["missing_evidence"] = list(missing)
    return doc


MAX_IDEMPOTENCY_KEY = 200


def provenance(
    request: web.Request, token: TokenRecord, body: BaseModel, prefix: str
) -> tuple[str, dict[str, str]]:
    """The natural key of an API event, and what proves a retry is the same request.

    With an `Idempotency-Key` the key is the client's (per token), and a digest of the
    validated request goes into the evidence; without one, every request is new.
    """
    idem = request.headers.get("Idempotency-Key")
    if idem is None:
        return f"{prefix}:{uuid.uuid4()}", {}
    if not idem.strip() or len(idem) > MAX_IDEMPOTENCY_KEY:
        raise BadRequest(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else request.path
    # The number is compared once resolved (any spelling of it is the same request).
    fields = json.dumps(body.model_dump(mode="json", exclude={"phone"}), sort_keys=True)
    digest = hashlib.sha256(f"{route}\n{fields}".encode()).hexdigest()
    return f"idem:{token.id}:{idem}", {"request_sha256": digest}


async def record(request: web.Request, token: TokenRecord, event: Event) -> web.Response:
    """Append an API event; a repeated Idempotency-Key returns the first answer."""
    store = request.app[STORE]
    result = await store.append([event])
    if result.created[0]:
        log.info("contact.recorded", actor=token.id, kind=event.kind.value, event_id=event.id)
        return json_response(event_json(event), status=201)
    stored = await store.event(event.id)
    if stored is None:  # pragma: no cover - the key was just seen in the ledger
        raise NotFound("the event vanished")
    first = from_record(stored)
    same = (first.phone, first.user_id, first.evidence.get("request_sha256")) == (
        event.phone,
        event.user_id,
        event.evidence.get("request_sha256"),
    )
    if not same:
        raise Conflict(
            "this Idempotency-Key was used for a different request", code="idempotency_conflict"
        )
    return json_response(event_json(first), status=200)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
