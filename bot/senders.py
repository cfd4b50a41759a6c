"""Sender health: may a business number (or a template) send marketing now, and if not, why.

A pure function of Meta's account, quality and template notifications, the service's own
opt-outs and complaints per number, spam rate limit failures (131048) and admins' manual
resumes, at a given time. Every pause names its cause, the event behind it, and when it
ends if that is known. A pause is lifted by a newer event that says so (Meta's UNFLAGGED,
REINSTATE, a GREEN quality, an admin's resume), or by its own end time.

Meta names things in three ways: `account_update` names the WABA (every number in it),
`phone_number_quality_update` the display number, and the messaging webhooks (with the
eligibility caller) the `phone_number_id`. `numbers` links a phone_number_id to its display
number; a WABA is linked by the events that carry both ids. When the link is unknown the
notification counts for the number ("when in doubt, do not send").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from bot.events import Kind

SPAM_RATE_LIMIT_CODE = 131048  # "spam rate limit hit": Meta limits what this number may send


class Health(StrEnum):
    HEALTHY = "healthy"
    WATCH = "watch"
    PAUSED = "paused"


class Cause(StrEnum):
    """Why a number or template is watched or paused; `DETAILS` groups them for senders."""

    RESTRICTED = "restricted"  # ACCOUNT_RESTRICTION
    BANNED = "banned"  # DISABLED_UPDATE: DISABLE or SCHEDULE_FOR_DISABLE
    VIOLATION = "violation"  # ACCOUNT_VIOLATION
    SPAM_RATE_LIMIT = "spam_rate_limit"  # error 131048
    FLAGGED = "flagged"  # quality FLAGGED
    DOWNGRADED = "downgraded"  # messaging limit lowered
    TEMPLATE_PAUSED = "template_paused"
    TEMPLATE_DISABLED = "template_disabled"
    TEMPLATE_RED = "template_red"
    TEMPLATE_YELLOW = "template_yellow"
    COMPLAINT_SPIKE = "complaint_spike"


# The `detail` of `sender_paused` in an eligibility answer (the API's fixed vocabulary).
DETAILS: Mapping[Cause, str] = {
    Cause.RESTRICTED: "restricted",
    Cause.BANNED: "restricted",
    Cause.VIOLATION: "restricted",
    Cause.SPAM_RATE_LIMIT: "restricted",
    Cause.FLAGGED: "quality",
    Cause.DOWNGRADED: "quality",
    Cause.TEMPLATE_PAUSED: "template",
    Cause.TEMPLATE_DISABLED: "template",
    Cause.TEMPLATE_RED: "template",
    Cause.TEMPLATE_YELLOW: "template",
    Cause.COMPLAINT_SPIKE: "complaint_spike",
}

# Kinds whose events feed the derivation (with opt-outs, complaints and failures).
NOTICE_KINDS = (
    Kind.ACCOUNT_UPDATE,
    Kind.NUMBER_QUALITY,
    Kind.TEMPLATE_STATUS,
    Kind.TEMPLATE_QUALITY,
    Kind.SENDER_RESUMED,
)
SPIKE_KINDS = (Kind.OPT_OUT, Kind.COMPLAINT)
# A template's pause lasts 3 h the first time and 6 h the second (whatsapp.md §4.3).
_PAUSE_SPANS = {"FIRST_PAUSE": timedelta(hours=3), "SECOND_PAUSE": timedelta(hours=6)}
_LIFTING_STATUSES = frozenset({"APPROVED", "REINSTATED", "UNPAUSED", "UNARCHIVED"})


@dataclass(frozen=True, slots=True)
class SenderPolicy:
    """What pauses a number or a template, and what only puts it on watch."""

    pause_on_restriction: bool = True
    pause_on_flagged: bool = True
    pause_on_downgrade: bool = False
    pause_template_on_red: bool = True
    complaint_spike: int = 5  # opt-outs and complaints on one number in the window; 0: off
    complaint_window: timedelta = timedelta(hours=24)
    spam_rate_limit_pause: timedelta = timedelta(hours=24)  # 0: watch only


class Fact(Protocol):
    """An event as the derivation reads it (`bot.events.Event`, `storage.base.EventRecord`)."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def phone_number_id(self) -> str | None: ...
    @property
    def waba_id(self) -> str | None: ...
    @property
    def evidence(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason a number or template is watched or paused."""

    cause: Cause
    health: Health
    since: datetime
    event_id: str
    until: datetime | None = None  # None: until an event lifts it

    @property
    def detail(self) -> str:
        return DETAILS[self.cause]


@dataclass(frozen=True, slots=True)
class SenderState:
    """A number's (`scope` "number") or a template's (`scope` "template") health at a time."""

    scope: str
    id: str
    health: Health = Health.HEALTHY
    findings: tuple[Finding, ...] = ()
    # When the current health began: the newest finding, lift or end that made it so.
    since: datetime | None = None

    @property
    def until(self) -> datetime | None:
        """When a pause ends by itself: the latest end of the pausing findings, or None
        when one of them lasts until an event lifts it (or nothing is paused)."""
        pauses = [f for f in self.findings if f.health is Health.PAUSED]
        if not pauses or any(f.until is None for f in pauses):
            return None
        return max(f.until for f in pauses if f.until is not None)

    @property
    def detail(self) -> str | None:
        pauses = [f for f in self.findings if f.health is Health.PAUSED]
        return pauses[0].detail if pauses else None


@dataclass(frozen=True, slots=True)
class Overview:
    numbers: Mapping[str, SenderState] = field(default_factory=dict)
    templates: Mapping[str, SenderState] = field(default_factory=dict)


def _value(e: Fact) -> Mapping[str, Any]:
    value = e.evidence.get("value")
    return value if isinstance(value, Mapping) else {}


def template_key(value: Mapping[str, Any]) -> str | None:
    name = value.get("message_template_name")
    if not isinstance(name, str) or not name:
        return None
    language = value.get("message_template_language")
    return f"{name}/{language}" if isinstance(language, str) and language else name


def _resumed(e: Fact, scope: str, ident: str) -> bool:
    return (
        e.kind == Kind.SENDER_RESUMED
        and e.evidence.get("scope") == scope
        and e.evidence.get("id") == ident
    )


class _Track:
    """The newest setting and lifting events of one cause, for one number or template."""

    def __init__(self) -> None:
        self.found: dict[Cause, Finding] = {}
        self.lifted: dict[Cause, datetime] = {}

    def set(self, finding: Finding) -> None:
        old = self.found.get(finding.cause)
        if old is None or (old.since, old.event_id) <= (finding.since, finding.event_id):
            self.found[finding.cause] = finding

    def lift(self, cause: Cause, at: datetime) -> None:
        if self.lifted.get(cause, at) <= at:
            self.lifted[cause] = at

    def lift_all(self, at: datetime) -> None:
        for cause in Cause:
            self.lift(cause, at)

    def state(self, scope: str, ident: str, now: datetime) -> SenderState:
        """What holds at `now`: a finding counts unless a lift at or after it came, or it
        ended. On a tie between a finding and a lift the finding wins (do not send)."""
        live: list[Finding] = []
        ends: list[datetime] = []
        for cause, finding in self.found.items():
            lifted = self.lifted.get(cause)
            if lifted is not None and lifted > finding.since:
                ends.append(lifted)
            elif finding.until is not None and finding.until <= now:
                ends.append(finding.until)
            else:
                live.append(finding)
        live.sort(key=lambda f: (f.health is not Health.PAUSED, f.since, f.cause))
        health = Health.HEALTHY
        if live:
            health = Health.PAUSED if live[0].health is Health.PAUSED else Health.WATCH
        moments = [f.since for f in live] + [t for t in ends if t <= now]
        return SenderState(scope, ident, health, tuple(live), max(moments) if moments else None)


def derive(
    events: Iterable[Fact],
    policy: SenderPolicy,
    now: datetime,
    *,
    numbers: Mapping[str, str] | None = None,
    known: Iterable[str] = (),
    wabas: Mapping[str, str | None] | None = None,
) -> Overview:
    """The health of every business number and template the events, `known` and `wabas`
    name.

    `events` are the notices (`NOTICE_KINDS`), opt-outs and complaints, and failed sends;
    any order, duplicates allowed. `numbers` maps phone_number_id to display number,
    `wabas` to the WABA it belongs to (when known)."""
    unique = sorted({e.id: e for e in events}.values(), key=lambda e: (e.occurred_at, e.id))
    unique = [e for e in unique if e.occurred_at <= now]
    displays = {_digits(d): n for n, d in (numbers or {}).items()}
    linked = {n: w for n, w in (wabas or {}).items() if w}
    ids: set[str] = set(known) | set(displays.values()) | set(wabas or {})
    for e in unique:
        if e.phone_number_id:
            ids.add(e.phone_number_id)
            if e.waba_id and e.kind != Kind.SENDER_RESUMED:
                linked[e.phone_number_id] = e.waba_id
    tracks: dict[str, _Track] = {n: _Track() for n in ids}
    templates: dict[str, _Track] = {}
    for e in unique:
        _apply(e, policy, tracks, templates, linked, displays)
    for n, track in tracks.items():
        _spike(n, [e for e in unique if e.phone_number_id == n], policy, track, now)
    return Overview(
        {n: t.state("number", n, now) for n, t in sorted(tracks.items())},
        {k: t.state("template", k, now) for k, t in sorted(templates.items())},
    )


def _digits(number: str) -> str:
    return "".join(c for c in number if c.isdigit())


def _targets(
    e: Fact,
    tracks: Mapping[str, _Track],
    wabas: Mapping[str, str],
    displays: Mapping[str, str],
) -> list[_Track]:
    """The numbers a notice is about: by phone_number_id, display number, or WABA."""
    if e.phone_number_id:
        return [tracks[e.phone_number_id]]
    if e.kind == Kind.NUMBER_QUALITY:
        display = _digits(str(_value(e).get("display_phone_number") or ""))
        if display in displays:
            return [tracks[displays[display]]]
        mapped = set(displays.values())
        return [t for n, t in tracks.items() if n not in mapped]
    return [t for n, t in tracks.items() if wabas.get(n) in (None, e.waba_id)]


def _apply(
    e: Fact,
    policy: SenderPolicy,
    tracks: dict[str, _Track],
    templates: dict[str, _Track],
    wabas: Mapping[str, str],
    displays: Mapping[str, str],
) -> None:
    value = _value(e)
    at = e.occurred_at
    if e.kind == Kind.SENDER_RESUMED:
        scope, ident = e.evidence.get("scope"), str(e.evidence.get("id") or "")
        if scope == "number":
            tracks.setdefault(ident, _Track()).lift_all(at)
        elif scope == "template":
            for name, track in templates.items():
                if name == ident or name.split("/", 1)[0] == ident:
                    track.lift_all(at)
        return
    if e.kind in (Kind.TEMPLATE_STATUS, Kind.TEMPLATE_QUALITY):
        named = template_key(value)
        if named is not None:
            _template(e, value, policy, templates.setdefault(named, _Track()))
        return
    if e.kind == Kind.FAILED and e.evidence.get("error_code") == SPAM_RATE_LIMIT_CODE:
        pause = policy.spam_rate_limit_pause
        health = Health.PAUSED if pause > timedelta(0) else Health.WATCH
        until = at + pause if pause > timedelta(0) else at + timedelta(hours=24)
        finding = Finding(Cause.SPAM_RATE_LIMIT, health, at, e.id, until)
        for track in _targets(e, tracks, wabas, displays):
            track.set(finding)
        return
    for track in _targets(e, tracks, wabas, displays):
        if e.kind == Kind.ACCOUNT_UPDATE:
            _account(e, value, policy, track)
        elif e.kind == Kind.NUMBER_QUALITY:
            _quality(e, value, policy, track)


def _pausing(flag: bool) -> Health:
    return Health.PAUSED if flag else Health.WATCH


def _account(e: Fact, value: Mapping[str, Any], policy: SenderPolicy, track: _Track) -> None:
    event, at = value.get("event"), e.occurred_at
    if event == "ACCOUNT_RESTRICTION":
        info = value.get("restriction_info")
        ends = [
            r.get("expiration")
            for r in (info if isinstance(info, list) else [])
            if isinstance(r, Mapping)
        ]
        stamps = [int(x) for x in ends if isinstance(x, int | float) and x > 0]
        until = datetime.fromtimestamp(max(stamps), tz=at.tzinfo) if stamps else None
        track.set(Finding(Cause.RESTRICTED, _pausing(policy.pause_on_restriction), at, e.id, until))
    elif event == "DISABLED_UPDATE":
        ban = value.get("ban_info")
        state = ban.get("waba_ban_state") if isinstance(ban, Mapping) else None
        if state in ("DISABLE", "SCHEDULE_FOR_DISABLE"):
            track.set(Finding(Cause.BANNED, Health.PAUSED, at, e.id))
        elif state == "REINSTATE":
            track.lift(Cause.BANNED, at)
            track.lift(Cause.RESTRICTED, at)
    elif event == "ACCOUNT_VIOLATION":
        track.set(Finding(Cause.VIOLATION, Health.WATCH, at, e.id))


def _quality(e: Fact, value: Mapping[str, Any], policy: SenderPolicy, track: _Track) -> None:
    event, at = value.get("event"), e.occurred_at
    if event == "FLAGGED":
        track.set(Finding(Cause.FLAGGED, _pausing(policy.pause_on_flagged), at, e.id))
    elif event == "UNFLAGGED":
        track.lift(Cause.FLAGGED, at)
    elif event == "DOWNGRADE":
        track.set(Finding(Cause.DOWNGRADED, _pausing(policy.pause_on_downgrade), at, e.id))
    elif event in ("UPGRADE", "THROUGHPUT_UPGRADE"):
        track.lift(Cause.DOWNGRADED, at)


def _template(e: Fact, value: Mapping[str, Any], policy: SenderPolicy, track: _Track) -> None:
    at = e.occurred_at
    if e.kind == Kind.TEMPLATE_QUALITY:
        score = value.get("new_quality_score")
        track.lift(Cause.TEMPLATE_RED, at)
        track.lift(Cause.TEMPLATE_YELLOW, at)
        if score == "RED":
            health = _pausing(policy.pause_template_on_red)
            track.set(Finding(Cause.TEMPLATE_RED, health, at, e.id))
        elif score == "YELLOW":
            track.set(Finding(Cause.TEMPLATE_YELLOW, Health.WATCH, at, e.id))
        return
    event = value.get("event")
    info = value.get("other_info")
    title = info.get("title") if isinstance(info, Mapping) else None
    if event == "PAUSED":
        span = _PAUSE_SPANS.get(str(title))
        until = at + span if span is not None else None
        track.set(Finding(Cause.TEMPLATE_PAUSED, Health.PAUSED, at, e.id, until))
    elif event == "DISABLED":
        track.set(Finding(Cause.TEMPLATE_DISABLED, Health.PAUSED, at, e.id))
    elif event in _LIFTING_STATUSES or title == "UNPAUSE":
        track.lift(Cause.TEMPLATE_PAUSED, at)
        track.lift(Cause.TEMPLATE_DISABLED, at)


def _spike(
    number: str, events: Sequence[Fact], policy: SenderPolicy, track: _Track, now: datetime
) -> None:
    """`complaint_spike` opt-outs and complaints on one number within the window, none of
    them before a resume of the number: paused until fewer are within the window (or an
    admin resumes the number after a look at them)."""
    n, window = policy.complaint_spike, policy.complaint_window
    if n <= 0:
        return
    resumed = max((e.occurred_at for e in events if _resumed(e, "number", number)), default=None)
    hits = [
        e for e in events if e.kind in SPIKE_KINDS and (resumed is None or e.occurred_at > resumed)
    ]
    start: Fact | None = None
    end: datetime | None = None
    for i in range(n - 1, len(hits)):
        first, last = hits[i - n + 1], hits[i]
        if last.occurred_at - first.occurred_at >= window:
            continue
        if start is None or end is None or end <= last.occurred_at:
            start = last  # a new run of the spike begins here
        end = first.occurred_at + window
    if start is not None and end is not None:
        track.set(Finding(Cause.COMPLAINT_SPIKE, Health.PAUSED, start.occurred_at, start.id, end))


def find_template(templates: Mapping[str, SenderState], name: str) -> list[SenderState]:
    """The states of a template named `name` (every language) or `name/language`."""
    return [s for k, s in templates.items() if k == name or k.split("/", 1)[0] == name]


def pause_for(
    senders: Overview, phone_number_id: str | None, template: str | None
) -> SenderState | None:
    """The paused state a send from `phone_number_id` with `template` is held by (the
    number's first), or None when neither is paused."""
    states: list[SenderState] = []
    if phone_number_id is not None and phone_number_id in senders.numbers:
        states.append(senders.numbers[phone_number_id])
    if template is not None:
        states.extend(find_template(senders.templates, template))
    for state in states:
        if state.health is Health.PAUSED:
            return state
    return None
