"""Between the domain and storage: stored records to events, states to projections.

The store calls the projector inside its write transaction with every event of each
subject it touched; the projector derives the state with the pure rules in `bot.state`
and returns it as compact JSON that reads turn back into a `SubjectState`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic_core import to_json

from bot.events import Event, Kind, Source
from bot.state import (
    SHAPING_KINDS,
    Backoff,
    Block,
    BlockKind,
    Consent,
    Policy,
    Resubscription,
    SubjectState,
    derive,
)
from bot.summary import summarize
from storage.base import NewEvent, Projection, Projector


def from_record(r: NewEvent) -> Event:
    """The domain event of a stored record (an `Event` is returned as it is)."""
    if isinstance(r, Event):
        return r
    return Event(
        id=r.id,
        key=r.key,
        kind=Kind(r.kind),
        source=Source(r.source),
        occurred_at=r.occurred_at,
        received_at=r.received_at,
        phone=r.phone,
        wa_id=r.wa_id,
        user_id=r.user_id,
        categories=frozenset(r.categories),
        phone_number_id=r.phone_number_id,
        waba_id=r.waba_id,
        actor=r.actor,
        language=r.language,
        evidence=r.evidence,
        linked_phone=r.evidence.get("linked_phone"),
        identity_keys=tuple(r.identity_keys),
    )


_SHAPING = frozenset(k.value for k in SHAPING_KINDS)

# Raised whenever `bot.state.derive` changes what it derives, so stored projections are redone.
DERIVATION_VERSION = 5


def projector_id(policy: Policy) -> str:
    """Names the projections `make_projector(policy)` makes: the rules' version and the
    settings that `derive` and the summaries read (in a stable order: sets are ordered
    differently per process)."""
    caps = ",".join(f"{c}={v.limit}/{v.window}" for c, v in sorted(policy.caps.items()))
    backoffs = ",".join(f"{code}={pause}" for code, pause in sorted(policy.backoffs.items()))
    consent = ",".join(sorted(policy.require_consent))
    return (
        f"v{DERIVATION_VERSION};per_number={policy.per_number_scope};caps={caps};"
        f"unreachable_after={policy.unreachable_after};backoffs={backoffs};"
        f"require_consent={consent};review_hold={policy.review_hold}"
    )


def make_projector(policy: Policy) -> Projector:
    def project(records: Sequence[NewEvent]) -> Projection:
        phone, user_id = _names(records)
        # Most subjects have only messages and deliveries: skip the conversions for them.
        if not any(r.kind in _SHAPING for r in records):
            return Projection("", "", phone, user_id)
        state = derive((from_record(r) for r in records), policy)
        summary = summarize(state, policy, datetime.now(UTC))
        return Projection(state_to_json(state), summary, phone, user_id)

    return project


def _names(records: Sequence[NewEvent]) -> tuple[str | None, str | None]:
    """The latest number and business-scoped user id the subject's events carry."""
    phone = user_id = None
    for r in reversed(records):
        phone = phone or r.phone
        user_id = user_id or r.user_id
        if phone and user_id:
            break
    return phone, user_id


_EMPTY = SubjectState()


def _t(value: datetime) -> str:
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat()


def state_to_json(state: SubjectState) -> str:
    if state == _EMPTY:
        return ""
    doc = {
        "blocks": [
            [b.kind.value, b.category, _t(b.since), b.source, b.event_id, b.scope]
            for b in state.blocks
        ],
        "consents": {
            c.category: [_t(c.since), c.source, c.event_id, dict(c.evidence)]
            for c in state.consents.values()
        },
        "sends": {cat: [_t(t) for t in times] for cat, times in state.sends.items()},
        "backoffs": [[b.category, _t(b.until), b.code, b.event_id] for b in state.backoffs],
    }
    if state.resubscriptions:
        doc["resubscribed"] = [
            [r.category, _t(r.since), r.source, r.event_id, r.lifted, r.by_person]
            for r in state.resubscriptions
        ]
    return to_json(doc).decode()


def state_from_json(text: str) -> SubjectState:
    if not text:
        return SubjectState()
    doc = json.loads(text)
    p = datetime.fromisoformat
    return SubjectState(
        blocks=tuple(
            Block(BlockKind(k), cat, p(since), src, eid, scope)
            for k, cat, since, src, eid, scope in doc["blocks"]
        ),
        consents={
            cat: Consent(cat, p(since), src, eid, ev)
            for cat, (since, src, eid, ev) in doc["consents"].items()
        },
        sends={cat: tuple(p(t) for t in times) for cat, times in doc["sends"].items()},
        backoffs=tuple(
            Backoff(cat, p(until), code, eid) for cat, until, code, eid in doc["backoffs"]
        ),
        resubscriptions=tuple(
            Resubscription(cat, p(since), src, eid, lifted, by_person)
            for cat, since, src, eid, lifted, by_person in doc.get("resubscribed", ())
        ),
    )
