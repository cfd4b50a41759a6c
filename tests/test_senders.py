"""Sender health, derived purely: tables of Meta's notices and the service's own counts, and
properties (order and duplicates never matter; a resume lifts what came before it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.events import Kind
from bot.senders import (
    Cause,
    Health,
    SenderPolicy,
    derive,
    pause_for,
)
from bot.state import Decision, Policy, Reason, SenderPause, decide

T0 = datetime(2026, 5, 17, 6, 40, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
NUMBER = "106540352242922"
OTHER = "106540352242999"
WABA = "102290129340398"
POLICY = SenderPolicy()


@dataclass(frozen=True)
class F:
    """A fact as the derivation reads it."""

    id: str
    kind: str
    occurred_at: datetime
    phone_number_id: str | None = None
    waba_id: str | None = WABA
    evidence: dict[str, Any] = field(default_factory=dict)


def account(event: str, at: datetime = T0, ident: str = "a", **extra: Any) -> F:
    return F(ident, Kind.ACCOUNT_UPDATE, at, evidence={"value": {"event": event, **extra}})


def quality(event: str, at: datetime = T0, ident: str = "q", display: str = "15550783881") -> F:
    value = {"event": event, "display_phone_number": display}
    return F(ident, Kind.NUMBER_QUALITY, at, evidence={"value": value})


def template(event: str, at: datetime = T0, ident: str = "t", title: str | None = None) -> F:
    value: dict[str, Any] = {
        "event": event,
        "message_template_name": "autumn_sale_ru",
        "message_template_language": "ru",
    }
    if title:
        value["other_info"] = {"title": title}
    return F(ident, Kind.TEMPLATE_STATUS, at, evidence={"value": value})


def template_quality(score: str, at: datetime = T0, ident: str = "tq") -> F:
    value = {
        "new_quality_score": score,
        "message_template_name": "autumn_sale_ru",
        "message_template_language": "ru",
    }
    return F(ident, Kind.TEMPLATE_QUALITY, at, evidence={"value": value})


def opt_out(i: int, at: datetime, number: str = NUMBER) -> F:
    return F(f"o{i}", Kind.OPT_OUT, at, phone_number_id=number)


def resume(at: datetime, scope: str = "number", ident: str = NUMBER) -> F:
    number = ident if scope == "number" else None
    evidence = {"scope": scope, "id": ident, "reason": "checked"}
    return F(f"r{at.isoformat()}", Kind.SENDER_RESUMED, at, number, None, evidence)


def seen(number: str = NUMBER) -> F:
    """A send from the number: how the guard learns it (and its WABA)."""
    return F(f"seen-{number}", Kind.SENT, T0 - timedelta(days=1), phone_number_id=number)


RESTRICTION = {
    "restriction_info": [
        {
            "restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING",
            "expiration": int((T0 + timedelta(days=7)).timestamp()),
        }
    ]
}

# (facts, number's health, causes, until)
NUMBER_CASES: list[tuple[str, list[F], Health, list[Cause], datetime | None]] = [
    ("nothing", [], Health.HEALTHY, [], None),
    (
        "restricted until expiry",
        [account("ACCOUNT_RESTRICTION", **RESTRICTION)],
        Health.PAUSED,
        [Cause.RESTRICTED],
        T0 + timedelta(days=7),
    ),
    (
        "expired restriction",
        [
            account(
                "ACCOUNT_RESTRICTION",
                restriction_info=[{"expiration": int((T0 + timedelta(minutes=5)).timestamp())}],
            )
        ],
        Health.HEALTHY,
        [],
        None,
    ),
    (
        "banned",
        [account("DISABLED_UPDATE", ban_info={"waba_ban_state": "DISABLE"})],
        Health.PAUSED,
        [Cause.BANNED],
        None,
    ),
    (
        "reinstated",
        [
            account("DISABLED_UPDATE", ban_info={"waba_ban_state": "DISABLE"}),
            account(
                "DISABLED_UPDATE",
                T0 + timedelta(minutes=1),
                "a2",
                ban_info={"waba_ban_state": "REINSTATE"},
            ),
        ],
        Health.HEALTHY,
        [],
        None,
    ),
    ("violation is watched", [account("ACCOUNT_VIOLATION")], Health.WATCH, [Cause.VIOLATION], None),
    ("flagged", [quality("FLAGGED")], Health.PAUSED, [Cause.FLAGGED], None),
    (
        "unflagged later",
        [quality("FLAGGED"), quality("UNFLAGGED", T0 + timedelta(minutes=1), "q2")],
        Health.HEALTHY,
        [],
        None,
    ),
    (
        "unflagged first, flagged later",
        [quality("UNFLAGGED"), quality("FLAGGED", T0 + timedelta(minutes=1), "q2")],
        Health.PAUSED,
        [Cause.FLAGGED],
        None,
    ),
    ("downgrade is watched", [quality("DOWNGRADE")], Health.WATCH, [Cause.DOWNGRADED], None),
    (
        "four opt-outs are fine",
        [opt_out(i, T0 + timedelta(minutes=i)) for i in range(4)],
        Health.HEALTHY,
        [],
        None,
    ),
    (
        "five opt-outs in a day",
        [opt_out(i, T0 + timedelta(minutes=i)) for i in range(5)],
        Health.PAUSED,
        [Cause.COMPLAINT_SPIKE],
        T0 + timedelta(hours=24),
    ),
    (
        "five opt-outs spread over two days",
        [opt_out(i, T0 - timedelta(hours=47) + timedelta(hours=12 * i)) for i in range(5)],
        Health.HEALTHY,
        [],
        None,
    ),
    (
        "five opt-outs on another number",
        [opt_out(i, T0 + timedelta(minutes=i), OTHER) for i in range(5)],
        Health.HEALTHY,
        [],
        None,
    ),
    (
        "spike resumed by an admin",
        [
            *[opt_out(i, T0 + timedelta(minutes=i)) for i in range(5)],
            resume(T0 + timedelta(minutes=10)),
        ],
        Health.HEALTHY,
        [],
        None,
    ),
    (
        "resume lifts a flag but not a later one",
        [
            quality("FLAGGED"),
            resume(T0 + timedelta(minutes=1)),
            quality("FLAGGED", T0 + timedelta(minutes=2), "q2"),
        ],
        Health.PAUSED,
        [Cause.FLAGGED],
        None,
    ),
    (
        "spam rate limit",
        [
            F(
                "s",
                Kind.FAILED,
                T0,
                phone_number_id=NUMBER,
                evidence={"error_code": 131048},
            )
        ],
        Health.PAUSED,
        [Cause.SPAM_RATE_LIMIT],
        T0 + timedelta(hours=24),
    ),
    (
        "other failures do not count",
        [F("s", Kind.FAILED, T0, phone_number_id=NUMBER, evidence={"error_code": 131047})],
        Health.HEALTHY,
        [],
        None,
    ),
    (
        "a notice from the future does not count yet",
        [quality("FLAGGED", NOW + timedelta(minutes=1))],
        Health.HEALTHY,
        [],
        None,
    ),
]


@pytest.mark.parametrize(
    ("facts", "health", "causes", "until"),
    [pytest.param(f, h, c, u, id=name) for name, f, h, c, u in NUMBER_CASES],
)
def test_number_health(
    facts: list[F], health: Health, causes: list[Cause], until: datetime | None
) -> None:
    state = derive([seen(), *facts], POLICY, NOW).numbers[NUMBER]
    assert state.health is health
    assert [f.cause for f in state.findings] == causes
    assert state.until == until


TEMPLATE_CASES: list[tuple[str, list[F], Health, datetime | None]] = [
    (
        "first pause: 3 hours",
        [template("PAUSED", title="FIRST_PAUSE")],
        Health.PAUSED,
        T0 + timedelta(hours=3),
    ),
    (
        "second pause: 6 hours",
        [template("PAUSED", title="SECOND_PAUSE")],
        Health.PAUSED,
        T0 + timedelta(hours=6),
    ),
    ("disabled", [template("DISABLED")], Health.PAUSED, None),
    (
        "reinstated",
        [template("DISABLED"), template("REINSTATED", T0 + timedelta(minutes=1), "t2")],
        Health.HEALTHY,
        None,
    ),
    ("red", [template_quality("RED")], Health.PAUSED, None),
    ("yellow", [template_quality("YELLOW")], Health.WATCH, None),
    (
        "red then green",
        [template_quality("RED"), template_quality("GREEN", T0 + timedelta(minutes=1), "tq2")],
        Health.HEALTHY,
        None,
    ),
    (
        "red resumed by an admin",
        [template_quality("RED"), resume(T0 + timedelta(minutes=1), "template", "autumn_sale_ru")],
        Health.HEALTHY,
        None,
    ),
]


@pytest.mark.parametrize(
    ("facts", "health", "until"),
    [pytest.param(f, h, u, id=name) for name, f, h, u in TEMPLATE_CASES],
)
def test_template_health(facts: list[F], health: Health, until: datetime | None) -> None:
    now = T0 + timedelta(hours=1)
    state = derive(facts, POLICY, now).templates["autumn_sale_ru/ru"]
    assert state.health is health
    assert state.until == until


def test_first_pause_ends_after_three_hours() -> None:
    facts = [template("PAUSED", title="FIRST_PAUSE")]
    assert derive(facts, POLICY, T0 + timedelta(hours=3)).templates["autumn_sale_ru/ru"].health is (
        Health.HEALTHY
    )


@pytest.mark.parametrize(
    ("policy", "health"),
    [
        (SenderPolicy(), Health.PAUSED),
        (SenderPolicy(pause_on_flagged=False), Health.WATCH),
    ],
)
def test_policy_decides_pause_or_watch(policy: SenderPolicy, health: Health) -> None:
    assert derive([seen(), quality("FLAGGED")], policy, NOW).numbers[NUMBER].health is health


def test_spike_threshold_and_window_are_settings() -> None:
    facts = [seen(), *[opt_out(i, T0 + timedelta(hours=i)) for i in range(3)]]
    policy = SenderPolicy(complaint_spike=3, complaint_window=timedelta(hours=3))
    assert derive(facts, policy, NOW + timedelta(hours=1)).numbers[NUMBER].health is Health.PAUSED
    assert derive(facts, SenderPolicy(complaint_spike=0), NOW).numbers[NUMBER].health is (
        Health.HEALTHY
    )


def test_waba_notices_reach_only_that_wabas_numbers() -> None:
    elsewhere = F("x", Kind.SENT, T0 - timedelta(days=1), OTHER, "999")
    facts = [seen(), elsewhere, account("ACCOUNT_RESTRICTION", **RESTRICTION)]
    view = derive(facts, POLICY, NOW)
    assert view.numbers[NUMBER].health is Health.PAUSED
    assert view.numbers[OTHER].health is Health.HEALTHY


def test_quality_notices_follow_the_display_number_map() -> None:
    numbers = {NUMBER: "+1 555 078 3881", OTHER: "15550000000"}
    view = derive([quality("FLAGGED")], POLICY, NOW, numbers=numbers)
    assert view.numbers[NUMBER].health is Health.PAUSED
    assert view.numbers[OTHER].health is Health.HEALTHY


def test_an_unseen_number_asked_about_counts_waba_notices() -> None:
    view = derive([quality("FLAGGED")], POLICY, NOW, known=[NUMBER])
    assert view.numbers[NUMBER].health is Health.PAUSED


def test_pause_for_names_the_number_or_the_template() -> None:
    view = derive([seen(), template_quality("RED")], POLICY, NOW)
    assert pause_for(view, NUMBER, None) is None
    held = pause_for(view, NUMBER, "autumn_sale_ru")
    assert held is not None
    assert held.detail == "template"
    assert pause_for(view, None, "autumn_sale_ru/ru") is held
    assert pause_for(view, None, "other_template") is None


def test_a_pause_holds_every_decision_with_its_detail_and_end() -> None:
    until = T0 + timedelta(hours=2)
    policy = Policy(require_consent=frozenset())
    held = decide(None, "marketing", at=NOW, policy=policy, sender=SenderPause("quality", until))
    assert held == Decision(False, (Reason.SENDER_PAUSED,), until, None, "quality")
    assert decide(None, "marketing", at=until, policy=policy, sender=SenderPause("quality", until))
    assert decide(None, "marketing", at=NOW, policy=policy).eligible


# -- properties --------------------------------------------------------------------------------

_times = st.integers(min_value=0, max_value=48 * 60).map(lambda m: T0 + timedelta(minutes=m))
_facts = st.one_of(
    st.builds(
        lambda e, t: quality(e, t, f"q{e}{t}"),
        st.sampled_from(["FLAGGED", "UNFLAGGED", "DOWNGRADE", "UPGRADE"]),
        _times,
    ),
    st.builds(
        lambda e, t: template(e, t, f"t{e}{t}", "FIRST_PAUSE"),
        st.sampled_from(["PAUSED", "DISABLED", "REINSTATED"]),
        _times,
    ),
    st.builds(
        lambda s, t: template_quality(s, t, f"tq{s}{t}"),
        st.sampled_from(["RED", "YELLOW", "GREEN"]),
        _times,
    ),
    st.builds(lambda t: opt_out(int(t.timestamp()), t), _times),
    st.builds(resume, _times),
)
_now = st.integers(min_value=0, max_value=72 * 60).map(lambda m: T0 + timedelta(minutes=m))


@settings(max_examples=200, deadline=None)
@given(st.lists(_facts, max_size=25), st.randoms(), _now)
def test_order_and_duplicates_do_not_matter(facts: list[F], rnd: Any, now: datetime) -> None:
    shuffled = [*facts, *facts[: len(facts) // 2]]
    rnd.shuffle(shuffled)
    assert derive([seen(), *shuffled], POLICY, now) == derive([seen(), *facts], POLICY, now)


@settings(max_examples=200, deadline=None)
@given(st.lists(_facts, max_size=25), _now)
def test_a_resume_after_everything_leaves_the_number_healthy(facts: list[F], now: datetime) -> None:
    latest = max([f.occurred_at for f in facts if f.occurred_at <= now], default=T0)
    later = latest + timedelta(seconds=1)
    view = derive([seen(), *facts, resume(later)], POLICY, max(now, later))
    assert view.numbers[NUMBER].health is Health.HEALTHY


@settings(max_examples=200, deadline=None)
@given(st.lists(_facts, max_size=25), _now)
def test_a_paused_state_names_a_pausing_finding(facts: list[F], now: datetime) -> None:
    view = derive([seen(), *facts], POLICY, now)
    for state in (*view.numbers.values(), *view.templates.values()):
        pausing = [f for f in state.findings if f.health is Health.PAUSED]
        assert (state.health is Health.PAUSED) == bool(pausing)
        assert state.detail == (pausing[0].detail if pausing else None)
        assert all(f.until is None or f.until > now for f in state.findings)
