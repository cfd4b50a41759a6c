"""A subject's consent state, derived purely from its set of events.

The state does not depend on arrival order or on duplicates: for each
(category, block kind, scope) the event with the greatest `occurred_at` wins, and on a
tie the suppressing event wins (when in doubt, do not send). Block kinds are kept apart
because different things lift them:

- `user_request` (keyword, button, hotline, form): lifted only by a newer opt-in from the
  person (START, a subscribe tap) or a newer opt-in or consent with full evidence
  (`bot.evidence`); such a lift is kept as a `Resubscription`, for the feed and the contact;
- `platform` (Meta's marketing preference, error 131050): lifted only by `resume`;
- `unreachable` (several 131026 in a row): lifted by a later inbound message or delivery;
- `erased`: never lifted;
- `pending_review` (an unclear reply in the review queue, while the policy holds, unless it
  leans to an opt-in): a provisional hold on marketing (on everything when the reply leaned
  to a complaint),
  lifted by the item's resolution (an opt-out resolution leaves its own block) or by a newer
  opt-in from the person.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.events import ALL, CATEGORIES, INBOUND_SOURCES, MARKETING, WHATSAPP_SOURCES, Event, Kind
from bot.evidence import by_the_person, lifts_opt_out


class BlockKind(StrEnum):
    USER_REQUEST = "user_request"
    PLATFORM = "platform"
    UNREACHABLE = "unreachable"
    ERASED = "erased"
    PENDING_REVIEW = "pending_review"


class Reason(StrEnum):
    OPTED_OUT = "opted_out"
    PLATFORM_OPT_OUT = "platform_opt_out"
    NO_CONSENT = "no_consent"
    UNREACHABLE = "unreachable"
    FREQUENCY_CAP = "frequency_cap"
    BACKOFF = "backoff"
    SENDER_PAUSED = "sender_paused"
    ERASED = "erased"
    INVALID_NUMBER = "invalid_number"
    PENDING_REVIEW = "pending_review"


_BLOCK_REASON = {
    BlockKind.ERASED: Reason.ERASED,
    BlockKind.USER_REQUEST: Reason.OPTED_OUT,
    BlockKind.PLATFORM: Reason.PLATFORM_OPT_OUT,
    BlockKind.UNREACHABLE: Reason.UNREACHABLE,
    BlockKind.PENDING_REVIEW: Reason.PENDING_REVIEW,
}

# Which kinds set and which lift each block kind.
_SETTERS = {
    BlockKind.USER_REQUEST: frozenset({Kind.OPT_OUT, Kind.COMPLAINT}),
    BlockKind.PLATFORM: frozenset({Kind.PLATFORM_STOP}),
}
_LIFTERS = {
    BlockKind.USER_REQUEST: frozenset({Kind.OPT_IN, Kind.CONSENT}),
    BlockKind.PLATFORM: frozenset({Kind.PLATFORM_RESUME}),
}
_CONSENT_KINDS = frozenset({Kind.OPT_IN, Kind.CONSENT})
# Without one of these a subject's state is empty, whatever else its events say.
SHAPING_KINDS = frozenset(
    {
        Kind.OPT_OUT,
        Kind.COMPLAINT,
        Kind.OPT_IN,
        Kind.CONSENT,
        Kind.PLATFORM_STOP,
        Kind.ERASED,
        Kind.UNDELIVERABLE,
        Kind.SENT,
        Kind.BACKOFF,
        Kind.REVIEW,
    }
)


@dataclass(frozen=True, slots=True)
class Cap:
    """At most `limit` sends of a category in any rolling `window`."""

    limit: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class Policy:
    """The business's rules; fixed per deployment, read from the settings."""

    require_consent: frozenset[str] = frozenset({MARKETING})
    per_number_scope: bool = False
    caps: Mapping[str, Cap] = field(
        default_factory=lambda: {MARKETING: Cap(limit=3, window=timedelta(days=7))}
    )
    unreachable_after: int = 3
    # 131049: Meta asks for at least 24 h before another marketing template;
    # 131056: the (business, user) pair rate limit, a short pause is enough.
    backoffs: Mapping[int, timedelta] = field(
        default_factory=lambda: {131049: timedelta(hours=24), 131056: timedelta(minutes=5)}
    )
    # An unclear reply holds marketing until a person (or the customer's tap) resolves it.
    review_hold: bool = True


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    category: str
    since: datetime
    source: str
    event_id: str
    scope: str | None = None  # a business phone_number_id, or None for every number


@dataclass(frozen=True, slots=True)
class Consent:
    category: str
    since: datetime
    source: str
    event_id: str
    evidence: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Resubscription:
    """A person's opt-out for `category` lifted by `event_id` (their own START or tap, or a
    consent with full evidence): the record an appeal or an operator asks for first."""

    category: str
    since: datetime
    source: str
    event_id: str
    lifted: str  # the id of the opt-out it lifted
    by_person: bool


@dataclass(frozen=True, slots=True)
class Backoff:
    category: str
    until: datetime
    code: int
    event_id: str


@dataclass(frozen=True, slots=True)
class SubjectState:
    blocks: tuple[Block, ...] = ()
    consents: Mapping[str, Consent] = field(default_factory=dict)
    # The most recent sends per category, newest first, as many as the largest cap needs.
    sends: Mapping[str, tuple[datetime, ...]] = field(default_factory=dict)
    backoffs: tuple[Backoff, ...] = ()
    resubscriptions: tuple[Resubscription, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    eligible: bool
    reasons: tuple[Reason, ...]
    lifts_at: datetime | None = None  # when a time-bound reason (cap, back-off) ends
    review_id: str | None = None  # the review item behind `pending_review`
    detail: str | None = None  # what holds the sender behind `sender_paused`


@dataclass(frozen=True, slots=True)
class SenderPause:
    """The business number or template of a send is paused (`bot.senders`): `detail` is
    `restricted`, `quality`, `template`, `complaint_spike` or `warm_up`; `until` is when
    the pause ends by itself, None when an event (or an admin) has to lift it."""

    detail: str
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """Every reason not to send a category to a subject, each once and in order, with the
    time each time-bound one (`frequency_cap`, `backoff`) ends: what `decide` judges at a
    given time, and what a stored summary keeps of each category (`bot.summary`)."""

    reasons: tuple[Reason, ...] = ()
    until: Mapping[Reason, datetime] = field(default_factory=dict)
    review_id: str | None = None
    detail: str | None = None  # of `sender_paused`

    def held(self, pause: SenderPause | None) -> Standing:
        """This standing for a send from a paused number or template (`sender_paused`)."""
        if pause is None:
            return self
        until = dict(self.until)
        if pause.until is not None:
            until[Reason.SENDER_PAUSED] = pause.until
        reasons = tuple(dict.fromkeys((*self.reasons, Reason.SENDER_PAUSED)))
        return Standing(reasons, until, self.review_id, pause.detail)

    def at(self, when: datetime) -> Decision:
        """The decision at `when`: the one rule for every reader of a state or a summary.
        A time-bound reason counts until it ends; any other until an event lifts it."""
        reasons: list[Reason] = []
        lifts: list[datetime] = []
        for reason in self.reasons:
            ends = self.until.get(reason)
            if ends is not None:
                if ends <= when:
                    continue
                lifts.append(ends)
            reasons.append(reason)
        detail = self.detail if Reason.SENDER_PAUSED in reasons else None
        return Decision(
            not reasons,
            tuple(reasons),
            max(lifts) if lifts else None,
            self.review_id,
            detail,
        )


def _order(e: Event) -> tuple[datetime, int, str]:
    """Chronological order; at equal times a suppressing event sorts last, so it wins."""
    suppressing = e.kind in (
        Kind.OPT_OUT,
        Kind.COMPLAINT,
        Kind.PLATFORM_STOP,
        Kind.UNDELIVERABLE,
        Kind.ERASED,
    )
    return (e.occurred_at, 1 if suppressing else 0, e.key)


def _scope(e: Event, policy: Policy) -> str | None:
    if policy.per_number_scope and e.source in WHATSAPP_SOURCES:
        return e.phone_number_id
    return None


def derive(events: Iterable[Event], policy: Policy) -> SubjectState:
    """The state of one subject from all of its events (any order, duplicates allowed)."""
    unique = sorted({e.key: e for e in events}.values(), key=_order)
    kinds = {e.kind for e in unique}
    if kinds.isdisjoint(SHAPING_KINDS):
        return SubjectState()
    # Each part below is skipped when no event could contribute to it: most subjects have
    # one or two kinds of events, and deriving runs for every subject a batch touches.
    scopes: set[str | None] = {None}
    if policy.per_number_scope:
        scopes.update(_scope(e, policy) for e in unique)
    blocks: list[Block] = []
    resubscriptions: list[Resubscription] = []
    for scope in sorted(scopes, key=lambda s: s or "") if len(scopes) > 1 else scopes:
        visible = (
            unique
            if len(scopes) == 1
            else [e for e in unique if _scope(e, policy) in (None, scope)]
        )
        blocks.extend(_toggle_blocks(visible, scope, kinds, resubscriptions))
        if Kind.UNDELIVERABLE in kinds:
            blocks.extend(_unreachable(visible, scope, policy))
    if Kind.REVIEW in kinds and policy.review_hold:
        blocks.extend(_holds(unique, policy))
    if Kind.ERASED in kinds:
        blocks.extend(
            Block(BlockKind.ERASED, ALL, e.occurred_at, e.source, e.id)
            for e in unique
            if e.kind is Kind.ERASED
        )
    return SubjectState(
        blocks=tuple(blocks),
        consents=_consents(unique) if not kinds.isdisjoint(_CONSENT_KINDS) else {},
        sends=_sends(unique, policy) if Kind.SENT in kinds else {},
        backoffs=_backoffs(unique, policy) if Kind.BACKOFF in kinds else (),
        resubscriptions=tuple(dict.fromkeys(resubscriptions)),
    )


def _toggle_blocks(
    ordered: Sequence[Event],
    scope: str | None,
    kinds: set[Kind],
    resubscriptions: list[Resubscription],
) -> list[Block]:
    """Blocks set and lifted by events, the newest (then the suppressing) one winning.

    A person's opt-out is lifted only by what `bot.evidence` accepts: a consent without
    full evidence is still on file, but it does not outrank the stop."""
    out: list[Block] = []
    for kind, setters in _SETTERS.items():
        if kinds.isdisjoint(setters):
            continue
        lifters = _LIFTERS[kind]
        checked = kind is BlockKind.USER_REQUEST
        for category in CATEGORIES:
            last: Event | None = None
            lift: tuple[Event, Event] | None = None  # (the lifting event, the stop it lifted)
            for e in ordered:
                if not e.covers(category):
                    continue
                if e.kind in setters:
                    last, lift = e, None
                elif e.kind in lifters and (not checked or lifts_opt_out(e)):
                    if checked and last is not None and last.kind in setters:
                        lift = (e, last)
                    last = e
            if last is None:
                continue
            if last.kind in setters:
                out.append(Block(kind, category, last.occurred_at, last.source, last.id, scope))
            elif lift is not None:
                by, stop = lift
                resubscriptions.append(
                    Resubscription(
                        category, by.occurred_at, by.source, by.id, stop.id, by_the_person(by)
                    )
                )
    return out


def _holds(ordered: Sequence[Event], policy: Policy) -> list[Block]:
    """Review items not yet resolved, and not overtaken by a newer opt-in of the person."""
    resolved = {e.evidence.get("review_of") for e in ordered if e.key.startswith("review:")}
    out: list[Block] = []
    last_opt_in: datetime | None = None
    for e in reversed(ordered):
        if last_opt_in is None and by_the_person(e):
            last_opt_in = e.occurred_at
        if e.kind is not Kind.REVIEW or e.id in resolved:
            continue
        if e.evidence.get("suggested") == Kind.OPT_IN.value:
            continue  # a reply leaning to an opt-in asks for more, not less: no hold
        if last_opt_in is not None and last_opt_in > e.occurred_at:
            continue
        wide = e.evidence.get("suggested") == Kind.COMPLAINT.value
        for category in CATEGORIES if wide else (MARKETING,):
            out.append(
                Block(
                    BlockKind.PENDING_REVIEW,
                    category,
                    e.occurred_at,
                    e.source,
                    e.id,
                    _scope(e, policy),
                )
            )
    return out


def _unreachable(ordered: Sequence[Event], scope: str | None, policy: Policy) -> list[Block]:
    """N failures with 131026 in a row, with no inbound message or delivery after them."""
    run: list[Event] = []
    for e in ordered:
        if e.kind is Kind.UNDELIVERABLE:
            run.append(e)
        elif e.kind is Kind.DELIVERED or e.source in INBOUND_SOURCES:
            run = []
    if len(run) < policy.unreachable_after:
        return []
    third = run[policy.unreachable_after - 1]
    return [
        Block(BlockKind.UNREACHABLE, c, third.occurred_at, third.source, third.id, scope)
        for c in CATEGORIES
    ]


def _consents(ordered: Sequence[Event]) -> dict[str, Consent]:
    out: dict[str, Consent] = {}
    for e in ordered:
        if e.kind in _CONSENT_KINDS:
            for category in CATEGORIES:
                if e.covers(category):
                    out[category] = Consent(category, e.occurred_at, e.source, e.id, e.evidence)
    return out


def _sends(ordered: Sequence[Event], policy: Policy) -> dict[str, tuple[datetime, ...]]:
    out: dict[str, tuple[datetime, ...]] = {}
    for category, cap in policy.caps.items():
        times = [e.occurred_at for e in ordered if e.kind is Kind.SENT and e.covers(category)]
        if times:
            out[category] = tuple(reversed(times[-cap.limit :]))
    return out


def _backoffs(ordered: Sequence[Event], policy: Policy) -> tuple[Backoff, ...]:
    latest: dict[str, Backoff] = {}
    for e in ordered:
        if e.kind is not Kind.BACKOFF:
            continue
        code = int(e.evidence.get("error_code", 0))
        pause = policy.backoffs.get(code)
        if pause is None:
            continue
        for category in e.categories or {MARKETING}:
            until = e.occurred_at + pause
            if category not in latest or latest[category].until < until:
                latest[category] = Backoff(category, until, code, e.id)
    return tuple(latest.values())


def decide(
    state: SubjectState | None,
    category: str,
    *,
    at: datetime,
    policy: Policy,
    phone_number_id: str | None = None,
    sender: SenderPause | None = None,
) -> Decision:
    """May `category` be sent to this subject from `phone_number_id` at time `at`
    (`sender`: the number or template of the send is paused)?"""
    found = standing(state, category, policy=policy, phone_number_id=phone_number_id)
    return found.held(sender).at(at)


def standing(
    state: SubjectState | None,
    category: str,
    *,
    policy: Policy,
    phone_number_id: str | None = None,
) -> Standing:
    """Why `category` may not be sent to this subject from `phone_number_id` (from any
    number when None), at any time: time-bound reasons carry when they end."""
    state = state or SubjectState()
    reasons: list[Reason] = []
    until: dict[Reason, datetime] = {}
    review: Block | None = None
    for block in state.blocks:
        # A send whose business number is not named may go out from any: every block counts.
        in_scope = block.scope is None or phone_number_id is None or block.scope == phone_number_id
        if in_scope and block.category in (category, ALL):
            reasons.append(_BLOCK_REASON[block.kind])
            if block.kind is BlockKind.PENDING_REVIEW and (
                review is None or review.since < block.since
            ):
                review = block
    if category in policy.require_consent and category not in state.consents:
        reasons.append(Reason.NO_CONSENT)
    cap = policy.caps.get(category)
    sends = state.sends.get(category, ())
    if cap is not None and len(sends) >= cap.limit:
        reasons.append(Reason.FREQUENCY_CAP)
        until[Reason.FREQUENCY_CAP] = sends[cap.limit - 1] + cap.window
    ends = [b.until for b in state.backoffs if b.category in (category, ALL)]
    if ends:
        reasons.append(Reason.BACKOFF)
        until[Reason.BACKOFF] = max(ends)
    return Standing(
        tuple(dict.fromkeys(reasons)), until, review.event_id if review is not None else None
    )
