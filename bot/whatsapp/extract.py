"""From a verified webhook body to ledger events: pure, no I/O.

Each item gets its natural key (wamid; wamid + status; the preference tuple; the
management notification's own fields) so that Meta's redeliveries map onto the events
already stored. Items that cannot be read are reported as problems; the caller keeps the
whole body in quarantine so that nothing acknowledged is lost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from bot.events import ALL, MARKETING, UTILITY, Event, Kind, Source, utc
from bot.intent import (
    ButtonMap,
    Intent,
    Lexicon,
    Verdict,
    classify_button,
    classify_interactive,
    classify_text,
)
from bot.phones import InvalidNumber, from_wa_id
from bot.replies import answer_event, parse_button_id, tap_verdict
from bot.whatsapp.models import (
    MANAGEMENT_MODELS,
    MAX_UNIX_TIME,
    Contact,
    Entry,
    Envelope,
    Message,
    Preference,
    Status,
    Value,
)

# Error codes in `statuses[].errors[]` that change what may be sent (whatsapp.md §2.4).
PLATFORM_STOP_CODE = 131050  # the user stopped marketing messages: a platform opt-out
UNDELIVERABLE_CODE = 131026  # not on WhatsApp, old client, terms not accepted
BACKOFF_CODES = {131049: frozenset({MARKETING}), 131056: frozenset({ALL})}

_MANAGEMENT_KINDS = {
    "account_update": Kind.ACCOUNT_UPDATE,
    "phone_number_quality_update": Kind.NUMBER_QUALITY,
    "message_template_status_update": Kind.TEMPLATE_STATUS,
    "message_template_quality_update": Kind.TEMPLATE_QUALITY,
    "business_capability_update": Kind.CAPABILITY,
    "security": Kind.SECURITY,
    "account_alerts": Kind.ACCOUNT_ALERT,
}
_KNOWN_FIELDS = frozenset({"messages", "user_preferences", *_MANAGEMENT_KINDS})
_PRICING_CATEGORIES = {"marketing": MARKETING, "marketing_lite": MARKETING, "utility": UTILITY}
# A complaint suppresses like an opt-out and waits for review; an unclear message only waits.
_VERDICT_KINDS = {
    Intent.OPT_OUT: Kind.OPT_OUT,
    Intent.OPT_IN: Kind.OPT_IN,
    Intent.COMPLAINT: Kind.COMPLAINT,
    Intent.REVIEW: Kind.REVIEW,
}


@dataclass
class Extraction:
    events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored_fields: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Where:
    """What every event of one change shares."""

    received_at: datetime
    waba_id: str | None
    phone_number_id: str | None
    buttons: ButtonMap
    lexicon: Lexicon | None


def extract(
    envelope: Envelope,
    *,
    received_at: datetime,
    buttons: ButtonMap,
    lexicon: Lexicon | None = None,
) -> Extraction:
    """The events of a delivery; `lexicon` is the business's words (default: the shipped)."""
    out = Extraction()
    for i, entry in enumerate(envelope.entry):
        for j, change in enumerate(entry.changes):
            path = f"entry[{i}].changes[{j}]"
            if change.value is None and change.field in _KNOWN_FIELDS:
                out.problems.append(f"{path}: {change.field} change without a value")
            elif change.field in ("messages", "user_preferences"):
                _messaging(out, path, entry, change.value, received_at, buttons, lexicon)
            elif change.field in _MANAGEMENT_KINDS:
                _management(out, path, entry, change.field, change.value, received_at)
            else:
                out.ignored_fields.append(change.field)
    return out


def _messaging(
    out: Extraction,
    path: str,
    entry: Entry,
    value: Value | dict[str, Any] | None,
    received_at: datetime,
    buttons: ButtonMap,
    lexicon: Lexicon | None,
) -> None:
    if not isinstance(value, Value):
        out.problems.append(f"{path}: {_why_not(Value, value)}")
        return
    phone_number_id = value.metadata.phone_number_id if value.metadata else None
    where = _Where(received_at, entry.id, phone_number_id, buttons, lexicon)
    users = {c.wa_id: c for c in value.contacts if c.wa_id}
    first = len(out.events)
    _items(out, f"{path}.messages", value.messages, Message, lambda m: _message(m, users, where))
    # A tap on the clarifying question's button also resolves its review item.
    answers = [answer_event(e) for e in out.events[first:] if "review_of" in e.evidence]
    out.events.extend(a for a in answers if a is not None)
    _items(out, f"{path}.statuses", value.statuses, Status, lambda s: _status(s, where))
    _items(
        out,
        f"{path}.user_preferences",
        value.user_preferences,
        Preference,
        lambda p: _preference(p, where),
    )
    if value.errors:
        out.events.append(_platform_errors(value, where))


def _items(
    out: Extraction,
    path: str,
    items: list[Any],
    model: type[Any],
    convert: Callable[[Any], Event],
) -> None:
    """Convert each item; one that is unreadable is reported and the others still count."""
    for k, item in enumerate(items):
        if isinstance(item, dict):
            out.problems.append(f"{path}[{k}]: {_why_not(model, item)}")
            continue
        try:
            out.events.append(convert(item))
        except _Unreadable as exc:
            out.problems.append(f"{path}[{k}]: {exc}")


def _why_not(model: type[Any], raw: object) -> str:
    """The first reason `raw` is not a valid `model`."""
    try:
        model.model_validate(raw)
    except ValidationError as exc:
        return _first_error(exc)
    return "unreadable"


class _Unreadable(ValueError):
    """An item that validates but cannot be attributed (no number, no user id)."""


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else str(err["msg"])


def _phone(wa_id: str | None) -> str | None:
    if not wa_id:
        return None
    try:
        return from_wa_id(wa_id)
    except InvalidNumber as exc:
        raise _Unreadable(f"unreadable WhatsApp id: {exc}") from exc


def _message(m: Message, users: Mapping[str, Contact], where: _Where) -> Event:
    contact = users.get(m.from_ or "")
    user_id = m.from_user_id or (contact.user_id if contact else None)
    phone = _phone(m.from_)
    if phone is None and user_id is None:
        raise _Unreadable("message without `from` or `from_user_id`")
    evidence: dict[str, Any] = {"wamid": m.id, "type": m.type}
    if m.context and m.context.id:
        evidence["context_id"] = m.context.id
    kind, source, verdict = _meaning(m, evidence, where.buttons, where.lexicon)
    linked = None
    if m.type == "system" and m.system and m.system.type == "user_changed_number":
        kind, source = Kind.NUMBER_CHANGED, Source.WHATSAPP_SYSTEM
        linked = _phone(m.system.wa_id)
        evidence["new_wa_id"] = m.system.wa_id
    elif m.type == "system":
        source = Source.WHATSAPP_SYSTEM
    return Event(
        key="msg:" + m.id,
        kind=kind,
        source=source,
        occurred_at=utc(m.timestamp),
        received_at=where.received_at,
        phone=phone,
        wa_id=m.from_,
        user_id=user_id,
        categories=verdict.categories,
        phone_number_id=where.phone_number_id,
        waba_id=where.waba_id,
        language=verdict.language,
        evidence=evidence,
        linked_phone=linked,
    )


def _meaning(
    m: Message, evidence: dict[str, Any], buttons: ButtonMap, lexicon: Lexicon | None
) -> tuple[Kind, Source, Verdict]:
    """Classify what the customer said; keep their words only when they carry consent."""
    said: dict[str, Any]
    if m.type == "text" and m.text is not None:
        source, verdict, said = (
            Source.WHATSAPP_TEXT,
            classify_text(m.text.body, lexicon),
            {"text": m.text.body},
        )
    elif m.type == "button" and m.button is not None:
        b = m.button
        source, verdict = (
            Source.WHATSAPP_BUTTON,
            classify_button(b.payload, b.text, buttons, lexicon),
        )
        said = {"payload": b.payload, "text": b.text}
    elif m.type == "interactive" and m.interactive is not None:
        reply = m.interactive.button_reply or m.interactive.list_reply
        rid, title = (reply.id, reply.title) if reply else (None, None)
        said = {"reply_id": rid, "title": title}
        tap = parse_button_id(rid) if m.interactive.button_reply else None
        if tap is not None:
            # The customer answered the clarifying question about a review item.
            verdict = tap_verdict(tap)
            evidence.update(said, review_of=tap.item_id, answer=tap.answer.value)
        else:
            verdict = classify_interactive(rid, title, buttons, lexicon)
        source = Source.WHATSAPP_INTERACTIVE
    elif (media := m.media()) is not None and media.caption:
        source, verdict, said = (
            Source.WHATSAPP_MEDIA,
            classify_text(media.caption, lexicon),
            {"caption": media.caption},
        )
    else:
        source, verdict, said = (
            Source.WHATSAPP_MESSAGE,
            Verdict(Intent.NONE, frozenset(), None, None),
            {},
        )
    kind = _VERDICT_KINDS.get(verdict.intent, Kind.MESSAGE)
    if kind is not Kind.MESSAGE:
        evidence.update(said)
        evidence["matched"] = verdict.matched
    if kind is Kind.REVIEW:
        evidence["suggested"] = verdict.suggested.value if verdict.suggested else None
        evidence["review_reason"] = verdict.reason
    elif verdict.intent is Intent.HELP:
        evidence["intent"] = Intent.HELP.value  # the customer's words stay out of the ledger
    return kind, source, verdict


def _status(s: Status, where: _Where) -> Event:
    group = s.recipient_type == "group"
    codes = [e.code for e in s.errors if e.code is not None]
    category = _PRICING_CATEGORIES.get(s.pricing.category or "") if s.pricing else None
    categories = frozenset({category}) if category else frozenset()
    kind = Kind.STATUS
    if s.status == "sent":
        kind = Kind.SENT
    elif s.status in ("delivered", "read", "played"):
        kind = Kind.DELIVERED
    deciding = codes[0] if codes else None
    if s.status == "failed":
        kind, categories, deciding = _failure(codes, categories)
    evidence: dict[str, Any] = {"wamid": s.id, "status": s.status}
    if codes:
        evidence["error_code"] = deciding
        evidence["errors"] = [e.model_dump(exclude_none=True) for e in s.errors]
    if s.pricing and s.pricing.category:
        evidence["pricing_category"] = s.pricing.category
    if s.biz_opaque_callback_data:
        evidence["biz_opaque_callback_data"] = s.biz_opaque_callback_data
    if s.recipient_type:
        evidence["recipient_type"] = s.recipient_type
    return Event(
        key=f"st:{s.id}:{s.status}",
        kind=kind,
        source=Source.WHATSAPP_STATUS,
        occurred_at=utc(s.timestamp),
        received_at=where.received_at,
        phone=None if group else _phone(s.recipient_id),
        wa_id=None if group else s.recipient_id,
        user_id=s.recipient_user_id,
        categories=categories,
        phone_number_id=where.phone_number_id,
        waba_id=where.waba_id,
        evidence=evidence,
    )


def _failure(
    codes: list[int], categories: frozenset[str]
) -> tuple[Kind, frozenset[str], int | None]:
    """The kind a failed status records, and the error code that decided it."""
    if PLATFORM_STOP_CODE in codes:
        return Kind.PLATFORM_STOP, frozenset({MARKETING}), PLATFORM_STOP_CODE
    if UNDELIVERABLE_CODE in codes:
        return Kind.UNDELIVERABLE, frozenset(), UNDELIVERABLE_CODE
    for code, scope in BACKOFF_CODES.items():
        if code in codes:
            return Kind.BACKOFF, scope, code
    return Kind.FAILED, categories, codes[0] if codes else None


def _preference(p: Preference, where: _Where) -> Event:
    if not p.wa_id and not p.user_id:
        raise _Unreadable("user_preferences item without `wa_id` or `user_id`")
    kind = {"stop": Kind.PLATFORM_STOP, "resume": Kind.PLATFORM_RESUME}.get(
        p.value, Kind.PREFERENCE
    )
    who = p.wa_id or p.user_id
    return Event(
        key=f"pref:{who}:{p.value}:{p.timestamp}:{where.phone_number_id}",
        kind=kind,
        source=Source.WHATSAPP_PREFERENCES,
        occurred_at=utc(p.timestamp),
        received_at=where.received_at,
        phone=_phone(p.wa_id),
        wa_id=p.wa_id,
        user_id=p.user_id,
        categories=frozenset({MARKETING}) if kind is not Kind.PREFERENCE else frozenset(),
        phone_number_id=where.phone_number_id,
        waba_id=where.waba_id,
        evidence={"value": p.value, "category": p.category, "detail": p.detail},
    )


def _platform_errors(value: Value, where: _Where) -> Event:
    errors = [e.model_dump(exclude_none=True) for e in value.errors]
    digest = _digest({"errors": errors, "phone_number_id": where.phone_number_id})
    return Event(
        key=f"err:{where.waba_id}:{where.phone_number_id}:{digest}",
        kind=Kind.PLATFORM_ERROR,
        source=Source.WHATSAPP_ACCOUNT,
        occurred_at=where.received_at,
        received_at=where.received_at,
        phone_number_id=where.phone_number_id,
        waba_id=where.waba_id,
        evidence={"errors": errors},
    )


def _management(
    out: Extraction,
    path: str,
    entry: Entry,
    field: str,
    value: Value | dict[str, Any] | None,
    received_at: datetime,
) -> None:
    raw = value.model_dump(by_alias=True, exclude_unset=True) if isinstance(value, Value) else value
    try:
        MANAGEMENT_MODELS[field].model_validate(raw)
    except ValidationError as exc:
        out.problems.append(f"{path}: {_first_error(exc)}")
        return
    if entry.time is not None and not 0 <= entry.time <= MAX_UNIX_TIME:
        out.problems.append(f"{path}: entry.time out of range")
        return
    # Meta's redelivery repeats entry.time and the value; together they name the notification.
    key = f"mgmt:{entry.id}:{field}:{entry.time}:{_digest(raw)}"
    out.events.append(
        Event(
            key=key,
            kind=_MANAGEMENT_KINDS[field],
            source=Source.WHATSAPP_ACCOUNT,
            occurred_at=utc(entry.time) if entry.time is not None else received_at,
            received_at=received_at,
            waba_id=entry.id,
            evidence={"field": field, "value": raw},
        )
    )


def _digest(value: object) -> str:
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
