"""A subject's eligibility per category, as senders read it: compact JSON, decided fast.

The summary is written with the projection and is what the suppression feed, subscriber
webhooks and bulk eligibility read, so none of them has to derive a state. It holds, per
category, whether a send may go out, the reasons if not, and when each time-bound reason
(`frequency_cap`, `backoff`) lifts:

    {"marketing": {"eligible": false, "reasons": ["opted_out"]},
     "utility": {"eligible": false, "reasons": ["frequency_cap"],
                 "until": {"frequency_cap": "2026-11-30T10:00:00+00:00"}}}

It changes only when the eligibility changes, never because time passes: a time-bound
reason already over when the summary is made is left out, and readers drop those whose
`until` has passed. A category whose blocks apply to some business numbers only carries
`"scoped": true`; for a send from a named number its answer needs the full state. A category
whose opt-out was lifted (by the person, or by a consent with full evidence) carries
`"resubscribed": true`, so a feed reader sees a re-subscription as one.

The summary of a subject with the default eligibility (a number never seen) is stored as
'' and read as `default_summary(policy)`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_json

from bot.events import ALL, CATEGORIES
from bot.state import (
    BlockKind,
    Decision,
    Policy,
    Reason,
    SenderPause,
    Standing,
    SubjectState,
    standing,
)


def summarize(state: SubjectState, policy: Policy, at: datetime) -> str:
    """The summary of `state` as of `at`: '' when it is the default eligibility."""
    shape = _shape(state, policy)
    if shape is None:
        text = _render(state, policy, at)
        return "" if text == default_summary(policy) else text
    cache = _SHAPES.setdefault(id(policy), (policy, {}))
    if cache[0] is not policy:
        cache = _SHAPES[id(policy)] = (policy, {})
    known = cache[1].get(shape)
    if known is not None:
        return known
    text = _render(state, policy, at)
    text = "" if text == default_summary(policy) else text
    if len(cache[1]) < _MAX_SHAPES:
        cache[1][shape] = text
    return text


# Summaries by the shape of the state they were made from, per policy (see `_shape`).
_SHAPES: dict[int, tuple[Policy, dict[object, str]]] = {}
_MAX_SHAPES = 4096


def _shape(state: SubjectState, policy: Policy) -> object | None:
    """What the summary of `state` depends on, when that is not time: which blocks (kind,
    category, limited to some numbers or not) and which consents it has. None when a cap is
    reached or a back-off is on record, since those make the summary depend on the time."""
    if state.backoffs or any(b.kind is BlockKind.PENDING_REVIEW for b in state.blocks):
        return None  # time-bound, or naming this subject's own review item
    for category, cap in policy.caps.items():
        if len(state.sends.get(category, ())) >= cap.limit:
            return None
    return (
        frozenset((b.kind, b.category, b.scope is not None) for b in state.blocks),
        frozenset(state.consents),
        frozenset(r.category for r in state.resubscriptions),
    )


# Default summaries by policy; the policy is kept with its summary, so its id stays its own.
_DEFAULTS: dict[int, tuple[Policy, str]] = {}


def default_summary(policy: Policy) -> str:
    """The summary of a subject with no events that shape its eligibility."""
    known = _DEFAULTS.get(id(policy))
    if known is None or known[0] is not policy:
        text = _render(SubjectState(), policy, datetime(1970, 1, 1, tzinfo=UTC))
        known = _DEFAULTS[id(policy)] = (policy, text)
    return known[1]


def _render(state: SubjectState, policy: Policy, at: datetime) -> str:
    """Each category's `Standing` as of `at`: what `Standing.at` would count then, with the
    end of each time-bound reason (`Reader.verdict` judges them again at read time)."""
    scoped = {b.category for b in state.blocks if b.scope is not None}
    resubscribed = {r.category for r in state.resubscriptions}
    doc: dict[str, Any] = {}
    for category in CATEGORIES:
        why = standing(state, category, policy=policy)
        decision = why.at(at)
        item: dict[str, Any] = {
            "eligible": decision.eligible,
            "reasons": [r.value for r in decision.reasons],
        }
        if decision.review_id is not None:
            item["review_id"] = decision.review_id
        until = {r.value: why.until[r].isoformat() for r in decision.reasons if r in why.until}
        if until:
            item["until"] = until
        if category in scoped or ALL in scoped:
            item["scoped"] = True
        if category in resubscribed:
            item["resubscribed"] = True
        doc[category] = item
    return to_json(doc).decode()


class Reader:
    """Decides from stored summaries; decoding is cached, since most subjects share one of
    a few summaries (only time-bound reasons make them unique)."""

    def __init__(self, policy: Policy, cache_size: int = 4096) -> None:
        self._default = default_summary(policy)
        self._docs: dict[str, dict[str, Any]] = {}
        self._standings: dict[tuple[str, str], Standing] = {}
        self._cache_size = cache_size

    def doc(self, summary: str) -> dict[str, Any]:
        """The summary as a dict ('' is the default)."""
        text = summary or self._default
        doc = self._docs.get(text)
        if doc is None:
            doc = json.loads(text)
            if len(self._docs) >= self._cache_size:
                self._docs.clear()
            self._docs[text] = doc
        return doc

    def text(self, summary: str) -> str:
        """The summary's JSON text ('' is the default)."""
        return summary or self._default

    def verdict(
        self,
        summary: str,
        category: str,
        at: datetime,
        phone_number_id: str | None = None,
        sender: SenderPause | None = None,
    ) -> Decision | None:
        """May `category` be sent at `at` (`sender`: from a paused number or template)?
        None when the answer needs the full state (a block that applies to some business
        numbers only, and a named number)."""
        item = self.doc(summary)[category]
        if phone_number_id is not None and item.get("scoped"):
            return None
        known = self._standings.get((summary, category))
        if known is None:
            known = _standing(item)
            if len(self._standings) >= self._cache_size:
                self._standings.clear()
            self._standings[(summary, category)] = known
        return known.held(sender).at(at)


def _standing(item: dict[str, Any]) -> Standing:
    """A category of a summary as the `Standing` it was rendered from (less the time-bound
    reasons that had ended by then)."""
    until: dict[str, str] = item.get("until") or {}
    return Standing(
        tuple(Reason(r) for r in item["reasons"]),
        {Reason(r): datetime.fromisoformat(t) for r, t in until.items()},
        item.get("review_id"),
    )
