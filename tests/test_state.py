"""Tests for bot.state: a subject's consent state derived from its events, and send decisions."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.events import ALL, MARKETING, UTILITY, Event, Kind, Source
from bot.state import Cap, Decision, Policy, Reason, Standing, decide, derive
from bot.summary import Reader, summarize

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
RECEIVED = datetime(2026, 9, 30, 0, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=3)
"""When decisions are asked, unless a scenario says otherwise: after every event."""

DEFAULT = Policy()
NO_CONSENT_NEEDED = Policy(require_consent=frozenset())
PER_NUMBER = Policy(per_number_scope=True, require_consent=frozenset())

ALL_CATS = frozenset({ALL})
MKT = frozenset({MARKETING})
UTL = frozenset({UTILITY})

_DEFAULT_SOURCES = {
    Kind.OPT_OUT: Source.WHATSAPP_TEXT,
    Kind.OPT_IN: Source.WHATSAPP_TEXT,
    Kind.CONSENT: Source.WEB_FORM,
    Kind.PLATFORM_STOP: Source.WHATSAPP_PREFERENCES,
    Kind.PLATFORM_RESUME: Source.WHATSAPP_PREFERENCES,
    Kind.UNDELIVERABLE: Source.WHATSAPP_STATUS,
    Kind.DELIVERED: Source.WHATSAPP_STATUS,
    Kind.SENT: Source.WHATSAPP_STATUS,
    Kind.BACKOFF: Source.WHATSAPP_STATUS,
    Kind.FAILED: Source.WHATSAPP_STATUS,
    Kind.MESSAGE: Source.WHATSAPP_TEXT,
    Kind.ERASED: Source.API,
}

_keys = itertools.count()


def ev(
    kind: Kind,
    at: datetime | timedelta,
    categories: frozenset[str] = frozenset(),
    *,
    source: Source | None = None,
    phone_number_id: str | None = None,
    evidence: Mapping[str, Any] | None = None,
    key: str | None = None,
) -> Event:
    """An event of one subject; `at` is absolute or an offset from T0."""
    occurred = T0 + at if isinstance(at, timedelta) else at
    return Event(
        key=key if key is not None else f"test:{next(_keys)}",
        kind=kind,
        source=source if source is not None else _DEFAULT_SOURCES[kind],
        occurred_at=occurred,
        received_at=RECEIVED,
        phone="+79991234567",
        wa_id="79991234567",
        categories=categories,
        phone_number_id=phone_number_id,
        evidence=dict(evidence or {}),
    )


def h(n: float) -> timedelta:
    return timedelta(hours=n)


def d(n: float) -> timedelta:
    return timedelta(days=n)


def ok() -> Decision:
    return Decision(True, ())


def no(*reasons: Reason, lifts_at: datetime | None = None) -> Decision:
    return Decision(False, tuple(reasons), lifts_at)


def check(
    events: Sequence[Event],
    category: str,
    expected: Decision,
    *,
    policy: Policy = DEFAULT,
    at: datetime = LATER,
    phone_number_id: str | None = None,
) -> None:
    state = derive(events, policy)
    got = decide(state, category, at=at, policy=policy, phone_number_id=phone_number_id)
    assert got == expected


# --------------------------------------------------------------------------- user requests

STOP = Kind.OPT_OUT
START = Kind.OPT_IN


def _stop_all(at: timedelta) -> Event:
    return ev(STOP, at, ALL_CATS)


def _start_all(at: timedelta) -> Event:
    return ev(START, at, ALL_CATS)


USER_REQUEST_CASES = [
    pytest.param([_stop_all(h(1))], MARKETING, no(Reason.OPTED_OUT), id="typed-stop-marketing"),
    pytest.param([_stop_all(h(1))], UTILITY, no(Reason.OPTED_OUT), id="typed-stop-utility"),
    pytest.param(
        [ev(STOP, h(1), MKT, source=Source.WHATSAPP_BUTTON)],
        MARKETING,
        no(Reason.OPTED_OUT),
        id="button-opt-out-marketing",
    ),
    pytest.param(
        [ev(STOP, h(1), MKT, source=Source.WHATSAPP_BUTTON)],
        UTILITY,
        ok(),
        id="button-opt-out-leaves-utility",
    ),
    pytest.param(
        [_stop_all(h(1)), _start_all(h(2))], MARKETING, ok(), id="start-after-stop-marketing"
    ),
    pytest.param([_stop_all(h(1)), _start_all(h(2))], UTILITY, ok(), id="start-after-stop-utility"),
    pytest.param(
        [_start_all(h(2)), _stop_all(h(1))],
        UTILITY,
        ok(),
        id="start-after-stop-listed-first",
    ),
    pytest.param(
        [_start_all(h(1)), _stop_all(h(2))],
        MARKETING,
        no(Reason.OPTED_OUT),
        id="stop-after-start-marketing",
    ),
    pytest.param(
        [_start_all(h(1)), _stop_all(h(2))],
        UTILITY,
        no(Reason.OPTED_OUT),
        id="stop-after-start-utility",
    ),
    pytest.param(
        [_stop_all(h(1)), _start_all(h(1))],
        MARKETING,
        no(Reason.OPTED_OUT),
        id="tie-stop-listed-first-marketing",
    ),
    pytest.param(
        [_start_all(h(1)), _stop_all(h(1))],
        MARKETING,
        no(Reason.OPTED_OUT),
        id="tie-start-listed-first-marketing",
    ),
    pytest.param(
        [_stop_all(h(1)), _start_all(h(1))],
        UTILITY,
        no(Reason.OPTED_OUT),
        id="tie-stop-listed-first-utility",
    ),
    pytest.param(
        [_start_all(h(1)), _stop_all(h(1))],
        UTILITY,
        no(Reason.OPTED_OUT),
        id="tie-start-listed-first-utility",
    ),
    pytest.param(
        [ev(START, h(1), MKT, source=Source.WHATSAPP_BUTTON), _stop_all(h(1))],
        MARKETING,
        no(Reason.OPTED_OUT),
        id="tie-button-opt-in-against-typed-stop",
    ),
    pytest.param(
        [_stop_all(h(1)), ev(START, h(2), MKT, source=Source.WHATSAPP_BUTTON)],
        UTILITY,
        no(Reason.OPTED_OUT),
        id="marketing-opt-in-leaves-utility-blocked",
    ),
    pytest.param(
        [
            ev(STOP, h(1), ALL_CATS, source=Source.HOTLINE),
            ev(STOP, h(3), MKT, source=Source.WHATSAPP_BUTTON),
            _start_all(h(2)),
        ],
        UTILITY,
        ok(),
        id="newest-per-category",
    ),
]


@pytest.mark.parametrize(("events", "category", "expected"), USER_REQUEST_CASES)
def test_user_requests(events: list[Event], category: str, expected: Decision) -> None:
    check(events, category, expected, policy=NO_CONSENT_NEEDED)


def test_newest_per_category_keeps_the_newer_marketing_opt_out() -> None:
    events = [
        ev(STOP, h(1), ALL_CATS, source=Source.HOTLINE),
        _start_all(h(2)),
        ev(STOP, h(3), MKT, source=Source.WHATSAPP_BUTTON),
    ]
    check(events, MARKETING, no(Reason.OPTED_OUT), policy=NO_CONSENT_NEEDED)


# --------------------------------------------------------------------------- consent


FULL_EVIDENCE = {
    "wording": "I agree to receive offers from Shop",
    "wording_version": "2026-08",
    "ip": "203.0.113.5",
    "user_agent": "Mozilla/5.0",
}


def _consent(at: timedelta, categories: frozenset[str] = MKT, **evidence: str) -> Event:
    return ev(Kind.CONSENT, at, categories, evidence={**FULL_EVIDENCE, **evidence})


CONSENT_CASES = [
    pytest.param([_consent(h(1))], MARKETING, DEFAULT, ok(), id="consent-makes-eligible"),
    pytest.param([], MARKETING, DEFAULT, no(Reason.NO_CONSENT), id="no-events-no-consent"),
    pytest.param(
        [ev(Kind.DELIVERED, h(1)), ev(Kind.MESSAGE, h(2))],
        MARKETING,
        DEFAULT,
        no(Reason.NO_CONSENT),
        id="unrelated-events-no-consent",
    ),
    pytest.param(
        [_consent(h(1), UTL)],
        MARKETING,
        DEFAULT,
        no(Reason.NO_CONSENT),
        id="utility-consent-is-not-marketing-consent",
    ),
    pytest.param([], UTILITY, DEFAULT, ok(), id="utility-needs-no-consent-by-default"),
    pytest.param([], MARKETING, NO_CONSENT_NEEDED, ok(), id="consent-not-required"),
    pytest.param(
        [_consent(h(1))],
        UTILITY,
        Policy(require_consent=frozenset({MARKETING, UTILITY})),
        no(Reason.NO_CONSENT),
        id="utility-consent-required-and-missing",
    ),
    pytest.param(
        [_stop_all(h(1)), _consent(h(2))],
        MARKETING,
        DEFAULT,
        ok(),
        id="newer-consent-lifts-marketing",
    ),
    pytest.param(
        [_stop_all(h(1)), _consent(h(2), wording_version="")],
        MARKETING,
        DEFAULT,
        no(Reason.OPTED_OUT),
        id="newer-consent-without-full-evidence-lifts-nothing",
    ),
    pytest.param(
        [_stop_all(h(1)), _consent(h(2))],
        UTILITY,
        DEFAULT,
        no(Reason.OPTED_OUT),
        id="newer-marketing-consent-leaves-utility-blocked",
    ),
    pytest.param(
        [_consent(h(1)), _stop_all(h(2))],
        MARKETING,
        DEFAULT,
        no(Reason.OPTED_OUT),
        id="older-consent-does-not-lift",
    ),
    pytest.param(
        [_stop_all(h(1)), _consent(h(1))],
        MARKETING,
        DEFAULT,
        no(Reason.OPTED_OUT),
        id="consent-at-same-time-does-not-lift",
    ),
]


@pytest.mark.parametrize(("events", "category", "policy", "expected"), CONSENT_CASES)
def test_consent(events: list[Event], category: str, policy: Policy, expected: Decision) -> None:
    check(events, category, expected, policy=policy)


def test_consent_is_kept_with_its_evidence() -> None:
    consent = _consent(h(1))
    state = derive([consent], DEFAULT)
    assert set(state.consents) == {MARKETING}
    kept = state.consents[MARKETING]
    assert kept.since == T0 + h(1)
    assert kept.source == "web_form"
    assert kept.event_id == consent.id
    assert dict(kept.evidence) == FULL_EVIDENCE


# --------------------------------------------------------------------------- platform


def _pstop(at: timedelta) -> Event:
    return ev(Kind.PLATFORM_STOP, at, MKT)


def _presume(at: timedelta) -> Event:
    return ev(Kind.PLATFORM_RESUME, at, MKT)


PLATFORM_CASES = [
    pytest.param(
        [_pstop(h(1))],
        MARKETING,
        DEFAULT,
        no(Reason.PLATFORM_OPT_OUT, Reason.NO_CONSENT),
        id="stop-without-consent",
    ),
    pytest.param(
        [_consent(h(0)), _pstop(h(1))],
        MARKETING,
        DEFAULT,
        no(Reason.PLATFORM_OPT_OUT),
        id="stop-blocks-marketing",
    ),
    pytest.param([_pstop(h(1))], UTILITY, DEFAULT, ok(), id="stop-leaves-utility"),
    pytest.param(
        [_consent(h(0)), _pstop(h(1)), _presume(h(2))],
        MARKETING,
        DEFAULT,
        ok(),
        id="newer-resume-lifts",
    ),
    pytest.param(
        [_consent(h(0)), _presume(h(1)), _pstop(h(2))],
        MARKETING,
        DEFAULT,
        no(Reason.PLATFORM_OPT_OUT),
        id="older-resume-does-not-lift",
    ),
    pytest.param(
        [_consent(h(0)), _presume(h(1)), _pstop(h(1))],
        MARKETING,
        DEFAULT,
        no(Reason.PLATFORM_OPT_OUT),
        id="tie-stop-wins",
    ),
    pytest.param(
        [_pstop(h(1)), ev(START, h(2), ALL_CATS)],
        MARKETING,
        DEFAULT,
        no(Reason.PLATFORM_OPT_OUT),
        id="opt-in-does-not-lift-platform",
    ),
    pytest.param(
        [_pstop(h(1)), _consent(h(2))],
        MARKETING,
        DEFAULT,
        no(Reason.PLATFORM_OPT_OUT),
        id="consent-does-not-lift-platform",
    ),
    pytest.param(
        [_consent(h(0)), ev(STOP, h(1), MKT, source=Source.WHATSAPP_BUTTON), _presume(h(2))],
        MARKETING,
        DEFAULT,
        no(Reason.OPTED_OUT),
        id="resume-does-not-lift-user-request",
    ),
    pytest.param(
        [_stop_all(h(1)), ev(Kind.PLATFORM_RESUME, h(2), ALL_CATS)],
        UTILITY,
        DEFAULT,
        no(Reason.OPTED_OUT),
        id="resume-does-not-lift-typed-stop",
    ),
]


@pytest.mark.parametrize(("events", "category", "policy", "expected"), PLATFORM_CASES)
def test_platform(events: list[Event], category: str, policy: Policy, expected: Decision) -> None:
    check(events, category, expected, policy=policy)


# --------------------------------------------------------------------------- unreachable


def _undeliverable(*hours: float) -> list[Event]:
    return [ev(Kind.UNDELIVERABLE, h(n), evidence={"error_code": 131026}) for n in hours]


UNREACHABLE_CASES = [
    pytest.param(_undeliverable(1, 2, 3), True, id="three-in-a-row"),
    pytest.param(_undeliverable(1, 2, 3, 4), True, id="four-in-a-row"),
    pytest.param(_undeliverable(1, 2), False, id="two-are-not-enough"),
    pytest.param(
        [*_undeliverable(1, 2, 3), ev(Kind.DELIVERED, h(4))], False, id="later-delivery-lifts"
    ),
    pytest.param(
        [*_undeliverable(1, 2, 3), ev(Kind.MESSAGE, h(4))], False, id="later-inbound-message-lifts"
    ),
    pytest.param(
        [*_undeliverable(1, 2, 3), ev(Kind.OPT_IN, h(4), ALL_CATS)],
        False,
        id="later-inbound-keyword-lifts",
    ),
    pytest.param(
        [ev(Kind.DELIVERED, h(4)), *_undeliverable(1, 2, 3)],
        False,
        id="later-delivery-listed-first",
    ),
    pytest.param(
        [*_undeliverable(1, 2, 3), ev(Kind.DELIVERED, h(4)), *_undeliverable(5, 6, 7)],
        True,
        id="three-again-re-blocks",
    ),
    pytest.param(
        [*_undeliverable(1, 2), ev(Kind.DELIVERED, h(3)), *_undeliverable(4, 5)],
        False,
        id="not-in-a-row",
    ),
    pytest.param(
        [*_undeliverable(1, 2, 3), ev(Kind.SENT, h(4), MKT)], True, id="a-send-does-not-lift"
    ),
    pytest.param(
        [*_undeliverable(1, 2, 3), ev(Kind.MESSAGE, h(0))],
        True,
        id="older-message-does-not-lift",
    ),
]


@pytest.mark.parametrize(("events", "blocked"), UNREACHABLE_CASES)
@pytest.mark.parametrize("category", [MARKETING, UTILITY])
def test_unreachable(events: list[Event], blocked: bool, category: str) -> None:
    expected = no(Reason.UNREACHABLE) if blocked else ok()
    check(events, category, expected, policy=NO_CONSENT_NEEDED)


# --------------------------------------------------------------------------- frequency cap


def _sent(*days_before: float, categories: frozenset[str] = MKT) -> list[Event]:
    return [ev(Kind.SENT, -d(n), categories) for n in days_before]


NOW = T0
FREQUENCY_CASES = [
    pytest.param(
        _sent(1, 3, 5),
        MARKETING,
        NOW,
        no(Reason.FREQUENCY_CAP, lifts_at=T0 + d(2)),
        id="three-in-seven-days",
    ),
    pytest.param(
        _sent(5, 1, 3),
        MARKETING,
        NOW,
        no(Reason.FREQUENCY_CAP, lifts_at=T0 + d(2)),
        id="three-in-seven-days-any-order",
    ),
    pytest.param(
        _sent(1, 2, 3, 8),
        MARKETING,
        NOW,
        no(Reason.FREQUENCY_CAP, lifts_at=T0 + d(4)),
        id="lifts-at-third-newest-plus-window",
    ),
    pytest.param(
        _sent(1, 3, 5),
        MARKETING,
        T0 + d(2) - timedelta(seconds=1),
        no(Reason.FREQUENCY_CAP, lifts_at=T0 + d(2)),
        id="a-second-before-it-lifts",
    ),
    pytest.param(_sent(1, 3, 5), MARKETING, T0 + d(2), ok(), id="eligible-when-it-lifts"),
    pytest.param(_sent(1, 3, 5), MARKETING, T0 + d(3), ok(), id="eligible-after-it-lifts"),
    pytest.param(_sent(1, 3), MARKETING, NOW, ok(), id="two-sends-are-fine"),
    pytest.param(_sent(1, 3, 8), MARKETING, NOW, ok(), id="one-send-outside-window"),
    pytest.param(
        [*_sent(1, 3), *_sent(0.5, 2, 4, categories=UTL)],
        MARKETING,
        NOW,
        ok(),
        id="utility-sends-do-not-count-for-marketing",
    ),
    pytest.param(
        _sent(0.5, 2, 4, 6, categories=UTL), UTILITY, NOW, ok(), id="utility-has-no-default-cap"
    ),
]


@pytest.mark.parametrize(("events", "category", "at", "expected"), FREQUENCY_CASES)
def test_frequency_cap(
    events: list[Event], category: str, at: datetime, expected: Decision
) -> None:
    check(events, category, expected, policy=NO_CONSENT_NEEDED, at=at)


def test_frequency_cap_with_consent_on_file_names_only_the_cap() -> None:
    events = [_consent(-d(30)), *_sent(1, 3, 5)]
    check(events, MARKETING, no(Reason.FREQUENCY_CAP, lifts_at=T0 + d(2)), at=NOW)


# --------------------------------------------------------------------------- back-off


def _backoff(code: int, categories: frozenset[str]) -> Event:
    return ev(Kind.BACKOFF, T0, categories, evidence={"error_code": code})


BACKOFF_CASES = [
    pytest.param(
        _backoff(131049, MKT),
        MARKETING,
        T0 + h(1),
        no(Reason.BACKOFF, lifts_at=T0 + h(24)),
        id="131049-blocks-marketing",
    ),
    pytest.param(
        _backoff(131049, MKT),
        MARKETING,
        T0 + h(24) - timedelta(seconds=1),
        no(Reason.BACKOFF, lifts_at=T0 + h(24)),
        id="131049-still-blocks-just-before-24h",
    ),
    pytest.param(_backoff(131049, MKT), MARKETING, T0 + h(24), ok(), id="131049-lifts-after-24h"),
    pytest.param(_backoff(131049, MKT), UTILITY, T0 + h(1), ok(), id="131049-leaves-utility"),
    pytest.param(
        _backoff(131056, ALL_CATS),
        MARKETING,
        T0 + timedelta(minutes=4),
        no(Reason.BACKOFF, lifts_at=T0 + timedelta(minutes=5)),
        id="131056-all-blocks-marketing",
    ),
    pytest.param(
        _backoff(131056, ALL_CATS),
        UTILITY,
        T0 + timedelta(minutes=4),
        no(Reason.BACKOFF, lifts_at=T0 + timedelta(minutes=5)),
        id="131056-all-blocks-utility",
    ),
    pytest.param(
        _backoff(131056, ALL_CATS),
        UTILITY,
        T0 + timedelta(minutes=5),
        ok(),
        id="131056-lifts-after-5-minutes",
    ),
    pytest.param(
        _backoff(131056, UTL),
        UTILITY,
        T0 + timedelta(minutes=1),
        no(Reason.BACKOFF, lifts_at=T0 + timedelta(minutes=5)),
        id="131056-utility-blocks-utility",
    ),
    pytest.param(
        _backoff(131056, UTL),
        MARKETING,
        T0 + timedelta(minutes=1),
        ok(),
        id="131056-utility-leaves-marketing",
    ),
    pytest.param(_backoff(131047, MKT), MARKETING, T0 + h(1), ok(), id="code-without-a-back-off"),
]


@pytest.mark.parametrize(("event", "category", "at", "expected"), BACKOFF_CASES)
def test_backoff(event: Event, category: str, at: datetime, expected: Decision) -> None:
    check([event], category, expected, policy=NO_CONSENT_NEEDED, at=at)


def test_backoff_and_cap_together_lift_at_the_later_time() -> None:
    events = [*_sent(1, 3, 5), _backoff(131049, MKT)]
    expected = no(Reason.FREQUENCY_CAP, Reason.BACKOFF, lifts_at=T0 + d(2))
    check(events, MARKETING, expected, policy=NO_CONSENT_NEEDED, at=T0 + h(1))


# --------------------------------------------------------------------------- erased

ERASED_LIFTERS = [
    pytest.param(ev(Kind.OPT_IN, h(2), ALL_CATS), id="opt-in"),
    pytest.param(_consent(h(2), ALL_CATS), id="consent"),
    pytest.param(ev(Kind.PLATFORM_RESUME, h(2), ALL_CATS), id="platform-resume"),
    pytest.param(ev(Kind.DELIVERED, h(2)), id="delivery"),
    pytest.param(ev(Kind.MESSAGE, h(2)), id="inbound-message"),
    pytest.param(ev(Kind.OPT_IN, h(1), ALL_CATS, source=Source.HOTLINE), id="opt-in-same-time"),
]


@pytest.mark.parametrize("lifter", ERASED_LIFTERS)
@pytest.mark.parametrize("category", [MARKETING, UTILITY])
def test_erasure_is_never_lifted(lifter: Event, category: str) -> None:
    erased = ev(Kind.ERASED, h(1), ALL_CATS)
    check([erased, lifter], category, no(Reason.ERASED), policy=NO_CONSENT_NEEDED)


def test_erasure_is_not_lifted_by_everything_together() -> None:
    events = [ev(Kind.ERASED, h(1), ALL_CATS), *(p.values[0] for p in ERASED_LIFTERS)]
    for category in (MARKETING, UTILITY):
        for number in (None, "A"):
            check(
                events,
                category,
                no(Reason.ERASED),
                policy=PER_NUMBER,
                at=T0 + d(400),
                phone_number_id=number,
            )


# --------------------------------------------------------------------------- scope

SCOPE_CASES = [
    pytest.param(
        [ev(STOP, h(1), ALL_CATS, phone_number_id="A")],
        PER_NUMBER,
        "A",
        no(Reason.OPTED_OUT),
        id="per-number-stop-blocks-its-number",
    ),
    pytest.param(
        [ev(STOP, h(1), ALL_CATS, phone_number_id="A")],
        PER_NUMBER,
        "B",
        ok(),
        id="per-number-stop-leaves-other-number",
    ),
    pytest.param(
        [ev(Kind.PLATFORM_STOP, h(1), MKT, phone_number_id="A")],
        PER_NUMBER,
        "B",
        ok(),
        id="per-number-platform-stop-leaves-other-number",
    ),
    pytest.param(
        [ev(Kind.PLATFORM_STOP, h(1), MKT, phone_number_id="A")],
        PER_NUMBER,
        "A",
        no(Reason.PLATFORM_OPT_OUT),
        id="per-number-platform-stop-blocks-its-number",
    ),
    pytest.param(
        [ev(STOP, h(1), ALL_CATS, source=Source.HOTLINE)],
        PER_NUMBER,
        "A",
        no(Reason.OPTED_OUT),
        id="per-number-operator-stop-blocks-A",
    ),
    pytest.param(
        [ev(STOP, h(1), ALL_CATS, source=Source.HOTLINE)],
        PER_NUMBER,
        "B",
        no(Reason.OPTED_OUT),
        id="per-number-operator-stop-blocks-B",
    ),
    pytest.param(
        [
            ev(STOP, h(1), ALL_CATS, phone_number_id="A"),
            ev(START, h(2), ALL_CATS, phone_number_id="B"),
        ],
        PER_NUMBER,
        "A",
        no(Reason.OPTED_OUT),
        id="per-number-start-on-B-leaves-A-blocked",
    ),
    pytest.param(
        [
            ev(STOP, h(1), ALL_CATS, phone_number_id="A"),
            ev(START, h(2), ALL_CATS, source=Source.HOTLINE, evidence=FULL_EVIDENCE),
        ],
        PER_NUMBER,
        "A",
        ok(),
        id="per-number-operator-opt-in-lifts-A",
    ),
    pytest.param(
        [ev(STOP, h(1), ALL_CATS, phone_number_id="A")],
        NO_CONSENT_NEEDED,
        "B",
        no(Reason.OPTED_OUT),
        id="business-wide-stop-on-A-blocks-B",
    ),
    pytest.param(
        [ev(STOP, h(1), ALL_CATS, phone_number_id="A")],
        NO_CONSENT_NEEDED,
        None,
        no(Reason.OPTED_OUT),
        id="business-wide-stop-on-A-blocks-unnamed",
    ),
    pytest.param(
        [ev(STOP, h(1), ALL_CATS, phone_number_id="A")],
        PER_NUMBER,
        None,
        no(Reason.OPTED_OUT),
        id="per-number-stop-on-A-blocks-unnamed",
    ),
    pytest.param(
        [ev(Kind.PLATFORM_STOP, h(1), MKT, phone_number_id="A")],
        NO_CONSENT_NEEDED,
        "B",
        no(Reason.PLATFORM_OPT_OUT),
        id="business-wide-platform-stop-on-A-blocks-B",
    ),
    pytest.param(
        [ev(STOP, h(1), ALL_CATS, source=Source.HOTLINE)],
        NO_CONSENT_NEEDED,
        "B",
        no(Reason.OPTED_OUT),
        id="business-wide-operator-stop-blocks-B",
    ),
]


@pytest.mark.parametrize(("events", "policy", "number", "expected"), SCOPE_CASES)
def test_scope(events: list[Event], policy: Policy, number: str | None, expected: Decision) -> None:
    check(events, MARKETING, expected, policy=policy, phone_number_id=number)


def test_per_number_stop_records_its_scope() -> None:
    stop = ev(STOP, h(1), ALL_CATS, phone_number_id="A")
    blocks = derive([stop], PER_NUMBER).blocks
    assert sorted((b.kind.value, b.category, b.scope) for b in blocks) == [
        ("user_request", MARKETING, "A"),
        ("user_request", UTILITY, "A"),
    ]
    assert {(b.since, b.source, b.event_id) for b in blocks} == {
        (T0 + h(1), "whatsapp_text", stop.id)
    }


def test_no_state_allows_everything_but_unconsented_marketing() -> None:
    assert decide(None, UTILITY, at=T0, policy=DEFAULT) == ok()
    assert decide(None, MARKETING, at=T0, policy=DEFAULT) == no(Reason.NO_CONSENT)


# --------------------------------------------------------------------------- properties

PROPERTY_KINDS = (
    Kind.OPT_OUT,
    Kind.OPT_IN,
    Kind.CONSENT,
    Kind.PLATFORM_STOP,
    Kind.PLATFORM_RESUME,
    Kind.UNDELIVERABLE,
    Kind.DELIVERED,
    Kind.SENT,
)
PROPERTY_CATEGORIES = (ALL_CATS, MKT, UTL)
PROPERTY_TIMES = tuple(T0 + h(n) for n in range(4))


@st.composite
def event_sets(draw: st.DrawFn) -> list[Event]:
    n = draw(st.integers(min_value=0, max_value=12))
    events = []
    for i in range(n):
        kind = draw(st.sampled_from(PROPERTY_KINDS))
        events.append(
            ev(
                kind,
                draw(st.sampled_from(PROPERTY_TIMES)),
                draw(st.sampled_from(PROPERTY_CATEGORIES)),
                source=draw(st.sampled_from((_DEFAULT_SOURCES[kind], Source.HOTLINE))),
                phone_number_id=draw(st.sampled_from((None, "A", "B"))),
                key=f"p:{i}",
            )
        )
    return events


@settings(max_examples=200, deadline=None)
@given(
    events=event_sets(),
    policy=st.sampled_from((DEFAULT, PER_NUMBER)),
    data=st.data(),
)
def test_state_ignores_order_and_duplicates(
    events: list[Event], policy: Policy, data: st.DataObject
) -> None:
    reference = derive(events, policy)
    shuffled = data.draw(st.permutations(events), label="permutation")
    assert derive(shuffled, policy) == reference
    if events:
        extra = data.draw(st.lists(st.sampled_from(events), max_size=6), label="duplicates")
        mixed = data.draw(st.permutations([*events, *extra]), label="with duplicates")
        assert derive(mixed, policy) == reference
    for category, number in itertools.product((MARKETING, UTILITY), (None, "A", "B")):
        at = T0 + h(5)
        assert decide(
            derive(shuffled, policy), category, at=at, policy=policy, phone_number_id=number
        ) == decide(reference, category, at=at, policy=policy, phone_number_id=number)


@settings(max_examples=200, deadline=None)
@given(
    toggles=st.lists(
        st.tuples(st.sampled_from((Kind.OPT_OUT, Kind.OPT_IN)), st.sampled_from(PROPERTY_TIMES)),
        min_size=1,
        max_size=10,
    ),
    categories=st.sampled_from((ALL_CATS, MKT)),
)
def test_newest_opt_out_or_opt_in_wins(
    toggles: list[tuple[Kind, datetime]], categories: frozenset[str]
) -> None:
    events = [ev(kind, at, categories, key=f"t:{i}") for i, (kind, at) in enumerate(toggles)]
    newest_kind, _ = max(toggles, key=lambda t: (t[1], t[0] is Kind.OPT_OUT))
    expected = ok() if newest_kind is not Kind.OPT_OUT else no(Reason.OPTED_OUT)
    covered = (MARKETING, UTILITY) if categories == ALL_CATS else (MARKETING,)
    for category in covered:
        check(events, category, expected, policy=NO_CONSENT_NEEDED)
    if categories == MKT:
        check(events, UTILITY, ok(), policy=NO_CONSENT_NEEDED)


TIMED = Policy(caps={MARKETING: Cap(2, d(1)), UTILITY: Cap(3, h(2))})


@st.composite
def timed_event_sets(draw: st.DrawFn) -> list[Event]:
    """Events that make time-bound reasons too: sends up to a cap, and back-offs."""
    events = draw(event_sets())
    for i in range(draw(st.integers(min_value=0, max_value=5))):
        kind = draw(st.sampled_from((Kind.SENT, Kind.BACKOFF)))
        code = draw(st.sampled_from((131049, 131056)))
        events.append(
            ev(
                kind,
                draw(st.sampled_from(PROPERTY_TIMES)),
                draw(st.sampled_from(PROPERTY_CATEGORIES)),
                evidence={"error_code": code} if kind is Kind.BACKOFF else None,
                key=f"t:{i}",
            )
        )
    return events


@settings(max_examples=300, deadline=None)
@given(
    events=timed_event_sets(),
    policy=st.sampled_from((DEFAULT, PER_NUMBER, TIMED)),
    made=st.sampled_from(PROPERTY_TIMES),
    later=st.sampled_from((h(0), h(1), h(3), d(1), d(2))),
)
def test_a_summary_decides_as_the_state_it_was_made_from(
    events: list[Event], policy: Policy, made: datetime, later: timedelta
) -> None:
    """The summary is the state's decision rendered: read back at any later time, it gives
    what `decide` gives from the whole state then."""
    state = derive(events, policy)
    reader = Reader(policy)
    summary = summarize(state, policy, made)
    for category in (MARKETING, UTILITY):
        at = made + later
        assert reader.verdict(summary, category, at) == decide(
            state, category, at=at, policy=policy
        )


@pytest.mark.parametrize(
    ("standing", "at", "expected"),
    [
        pytest.param(Standing(), T0, ok(), id="nothing"),
        pytest.param(
            Standing((Reason.OPTED_OUT,)), LATER, no(Reason.OPTED_OUT), id="lifted-by-events"
        ),
        pytest.param(
            Standing((Reason.FREQUENCY_CAP,), {Reason.FREQUENCY_CAP: T0 + h(1)}),
            T0,
            no(Reason.FREQUENCY_CAP, lifts_at=T0 + h(1)),
            id="time-bound-running",
        ),
        pytest.param(
            Standing((Reason.FREQUENCY_CAP,), {Reason.FREQUENCY_CAP: T0 + h(1)}),
            T0 + h(1),
            ok(),
            id="time-bound-over-at-its-end",
        ),
        pytest.param(
            Standing(
                (Reason.NO_CONSENT, Reason.FREQUENCY_CAP, Reason.BACKOFF),
                {Reason.FREQUENCY_CAP: T0 + h(1), Reason.BACKOFF: T0 + h(5)},
            ),
            T0 + h(2),
            no(Reason.NO_CONSENT, Reason.BACKOFF, lifts_at=T0 + h(5)),
            id="one-of-two-over",
        ),
    ],
)
def test_standing_at_a_time(standing: Standing, at: datetime, expected: Decision) -> None:
    assert standing.at(at) == expected
