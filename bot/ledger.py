"""Between the domain and storage: stored records to events, states to projections.

The store calls the projector inside its write transaction with every event of each
subject it touched; the projector derives the state with the pure rules in `bot.state`
and returns it as compact JSON that reads turn back into a `SubjectState`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.events import Event, Kind, Source
from bot.state import (
    SHAPING_KINDS,
    Backoff,
    Block,
    BlockKind,
    Consent,
    Policy,
    SubjectState,
    derive,
)
from storage.base import NewEvent, Projector


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
DERIVATION_VERSION = 2


def projector_id(policy: Policy) -> str:
    """Names the projections `make_projector(policy)` makes: the rules' version and the
    settings `derive` reads (in a stable order: sets are ordered differently per process)."""
    caps = ",".join(f"{c}={v.limit}/{v.window}" for c, v in sorted(policy.caps.items()))
    backoffs = ",".join(f"{code}={pause}" for code, pause in sorted(policy.backoffs.items()))
    return (
        f"v{DERIVATION_VERSION};per_number={policy.per_number_scope};caps={caps};"
        f"unreachable_after={policy.unreachable_after};backoffs={backoffs}"
    )


def make_projector(policy: Policy) -> Projector:
    def project(records: Sequence[NewEvent]) -> str:
        # Most subjects have only messages and deliveries: skip the conversions for them.
        if not any(r.kind in _SHAPING for r in records):
            return ""
        return state_to_json(derive((from_record(r) for r in records), policy))

    return project


_EMPTY = SubjectState()


def _t(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


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
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


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
    )
