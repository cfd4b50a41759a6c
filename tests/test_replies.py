"""What the service answers, when, in which language, and how a tap reads: the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.events import MARKETING, Event, Kind, Source
from bot.intent import Intent, default_lexicon
from bot.replies import (
    MAX_TEXT,
    MAX_TITLE,
    MESSAGE_TYPES,
    QUESTIONS,
    WINDOW,
    Answer,
    Tap,
    answer_event,
    button_id,
    in_window,
    languages,
    outcome,
    parse_button_id,
    reply_id,
    reply_to,
    tap_verdict,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ITEM = "0123456789abcdef0123456789abcdef"
LEXICON = default_lexicon()


def inbound(
    kind: Kind = Kind.OPT_OUT,
    *,
    language: str | None = "ru",
    at: datetime = NOW - timedelta(minutes=1),
    key: str = "msg:wamid.1",
    **evidence: object,
) -> Event:
    return Event(
        key=key,
        kind=kind,
        source=Source.WHATSAPP_TEXT,
        occurred_at=at,
        received_at=NOW,
        phone="+79991234567",
        wa_id="79991234567",
        categories=frozenset({"all"}),
        phone_number_id="106540352242922",
        language=language,
        evidence={"wamid": "wamid.1", **evidence},
    )


# -- what to reply ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "evidence", "expected"),
    [
        (Kind.OPT_OUT, {}, "opt_out"),
        (Kind.COMPLAINT, {}, "opt_out"),
        (Kind.OPT_IN, {}, "opt_in"),
        (Kind.MESSAGE, {"intent": "help"}, "help"),
        (Kind.REVIEW, {"suggested": "opt_out"}, "question"),
        (Kind.REVIEW, {"suggested": "complaint"}, "question"),
        (Kind.REVIEW, {"suggested": "opt_in"}, None),
        (Kind.MESSAGE, {}, None),
        (Kind.DELIVERED, {}, None),
        (Kind.REVIEWED, {}, None),
    ],
)
def test_what_each_event_is_answered_with(
    kind: Kind, evidence: dict[str, object], expected: str | None
) -> None:
    reply = reply_to(inbound(kind, **evidence), LEXICON, "en", NOW)
    assert (reply.kind if reply else None) == expected


@pytest.mark.parametrize("key", ["api:1", "idem:tok:1", "review:abc", "st:wamid.1:sent"])
def test_only_the_customers_own_messages_are_answered(key: str) -> None:
    assert reply_to(inbound(key=key), LEXICON, "en", NOW) is None


def test_a_confirmation_is_a_text_from_the_number_written_to() -> None:
    reply = reply_to(inbound(), LEXICON, "en", NOW)
    assert reply is not None
    assert reply.phone_number_id == "106540352242922"
    assert reply.recipient == "+79991234567"
    assert reply.language == "ru"
    assert reply.expires_at == NOW - timedelta(minutes=1) + WINDOW
    assert reply.id == reply_id(inbound(), "opt_out")
    assert reply.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+79991234567",
        "context": {"message_id": "wamid.1"},
        "type": "text",
        "text": {"preview_url": False, "body": LEXICON.replies("ru")["opt_out"]},
    }


@pytest.mark.parametrize(
    ("detected", "default", "expected"),
    [
        ("ru", "en", "ru"),
        ("uz-Cyrl", "en", "uz-Cyrl"),
        ("pt-BR", "en", "pt"),
        (None, "de", "de"),
        ("xx", "es", "es"),
        (None, "xx", "en"),
    ],
)
def test_the_customers_language_else_the_business_default(
    detected: str | None, default: str, expected: str
) -> None:
    reply = reply_to(inbound(language=detected), LEXICON, default, NOW)
    assert reply is not None
    assert reply.language == expected
    assert reply.body["text"]["body"] == LEXICON.replies(expected)["opt_out"]


def test_the_question_has_two_buttons_tied_to_the_item() -> None:
    event = inbound(Kind.REVIEW, language="ru", suggested="opt_out")
    reply = reply_to(event, LEXICON, "en", NOW)
    assert reply is not None
    assert reply.kind == "question"
    interactive = reply.body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"]["text"] == QUESTIONS["ru"].body
    buttons = interactive["action"]["buttons"]
    assert [b["reply"]["title"] for b in buttons] == [QUESTIONS["ru"].stop, QUESTIONS["ru"].keep]
    taps = [parse_button_id(b["reply"]["id"]) for b in buttons]
    assert taps == [Tap(event.id, Answer.STOP, "ru"), Tap(event.id, Answer.KEEP, "ru")]


@pytest.mark.parametrize("language", sorted(QUESTIONS))
def test_every_question_fits_metas_limits(language: str) -> None:
    q = QUESTIONS[language]
    assert 0 < len(q.stop) <= MAX_TITLE
    assert 0 < len(q.keep) <= MAX_TITLE
    assert 0 < len(q.body) <= MAX_TEXT
    assert q.stop != q.keep


def test_every_lexicon_language_has_a_question() -> None:
    for language in ("ru", "en", "es", "pt", "de", "fr", "it", "tr", "uk", "kk", "uz", "id"):
        assert language in QUESTIONS


def test_a_username_without_a_number_is_not_answered() -> None:
    event = inbound()
    event.wa_id = None
    event.phone = None
    assert reply_to(event, LEXICON, "en", NOW) is None


# -- the window ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "inside"),
    [
        (timedelta(0), True),
        (timedelta(hours=23, minutes=59), True),
        (WINDOW - timedelta(microseconds=1), True),
        (WINDOW, False),
        (timedelta(days=3), False),
        (-timedelta(minutes=5), True),  # a clock a little ahead of ours
    ],
)
def test_the_customer_service_window(age: timedelta, inside: bool) -> None:
    assert in_window(NOW - age, NOW) is inside
    assert (reply_to(inbound(at=NOW - age), LEXICON, "en", NOW) is not None) is inside


@given(
    at=st.datetimes(timezones=st.just(UTC)), delta=st.timedeltas(timedelta(0), timedelta(days=9))
)
def test_the_window_is_24_hours_from_the_customers_message(at: datetime, delta: timedelta) -> None:
    try:
        now = at + delta
    except OverflowError:
        return
    assert in_window(at, now) is (delta < WINDOW)


# -- button ids ------------------------------------------------------------------------------

item_ids = st.text("0123456789abcdef", min_size=32, max_size=32)
tags = st.sampled_from([None, "ru", "en", "uz-Cyrl", "hi-Latn", "pt"])


@given(item=item_ids, answer=st.sampled_from(Answer), language=tags)
def test_a_button_id_names_its_item_and_answer(
    item: str, answer: Answer, language: str | None
) -> None:
    assert parse_button_id(button_id(item, answer, language)) == Tap(item, answer, language)


@given(text=st.text(max_size=80))
def test_any_other_reply_id_is_not_a_tap(text: str) -> None:
    tap = parse_button_id(text)
    assert tap is None or button_id(tap.item_id, tap.answer, tap.language) == text


@pytest.mark.parametrize(
    "reply_id",
    [
        None,
        "",
        "OPTOUT_MARKETING",
        f"consentbot.review.{ITEM}.maybe",
        f"consentbot.review.{ITEM[:-1]}.stop",
        f"consentbot.review.{ITEM.upper()}.stop",
        f"consentbot.review.{ITEM}.stop.ru.extra",
        f"xconsentbot.review.{ITEM}.stop",
        f"consentbot.review.{ITEM}.stop\n",
    ],
)
def test_lookalike_ids_are_not_taps(reply_id: str | None) -> None:
    assert parse_button_id(reply_id) is None


def test_button_ids_refuse_what_they_could_not_read_back() -> None:
    with pytest.raises(ValueError, match="not a review item id"):
        button_id("not-an-id", Answer.STOP)
    with pytest.raises(ValueError, match="not a review item id"):
        button_id(ITEM, Answer.STOP, "r.u")


def test_what_a_tap_says() -> None:
    stop = tap_verdict(Tap(ITEM, Answer.STOP, "ru"))
    assert (stop.intent, stop.categories, stop.language) == (
        Intent.OPT_OUT,
        frozenset({MARKETING}),
        "ru",
    )
    assert tap_verdict(Tap(ITEM, Answer.KEEP)).intent is Intent.NONE


@pytest.mark.parametrize(("answer", "resolution"), [("stop", "opt_out"), ("keep", "none")])
def test_a_tap_resolves_its_item(answer: str, resolution: str) -> None:
    tap = inbound(Kind.MESSAGE, review_of=ITEM, answer=answer, reply_id="r", title="t")
    resolved = answer_event(tap)
    assert resolved is not None
    assert resolved.key == f"review:{ITEM}"
    assert resolved.kind is Kind.REVIEWED
    assert resolved.phone == tap.phone
    assert resolved.occurred_at == tap.occurred_at
    assert resolved.evidence["resolution"] == resolution
    assert resolved.evidence["by"] == "customer"
    assert resolved.evidence["answer_event"] == tap.id
    assert resolved.evidence["wamid"] == "wamid.1"
    assert answer_event(inbound()) is None


# -- never marketing -------------------------------------------------------------------------


@given(
    kind=st.sampled_from(list(Kind)),
    language=st.sampled_from([None, "ru", "en", "ar", "uz-Cyrl", "zz"]),
    suggested=st.sampled_from([None, "opt_out", "opt_in", "complaint"]),
    intent=st.sampled_from([None, "help"]),
)
def test_a_reply_is_only_ever_a_text_or_the_question(
    kind: Kind, language: str | None, suggested: str | None, intent: str | None
) -> None:
    event = inbound(kind, language=language, suggested=suggested, intent=intent)
    reply = reply_to(event, LEXICON, "en", NOW)
    if reply is None:
        return
    assert reply.body["type"] in MESSAGE_TYPES
    assert "template" not in reply.body
    texts = {LEXICON.replies(reply.language).get(reply.kind)} | {QUESTIONS[reply.language].body}
    shown = reply.body.get("text", {}).get("body") or reply.body["interactive"]["body"]["text"]
    assert shown in texts


# -- what Meta's answer means ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (200, None, "sent"),
        (201, None, "sent"),
        (None, None, "retry"),
        (500, None, "retry"),
        (503, 2, "retry"),
        (429, None, "retry"),
        (400, 130429, "retry"),
        (400, 131056, "retry"),
        (400, 131047, "expired"),
        (400, 100, "dead"),
        (401, 190, "dead"),
        (403, 10, "dead"),
        (404, None, "dead"),
        (400, 131026, "dead"),
    ],
)
def test_what_metas_answer_means(status: int | None, code: int | None, expected: str) -> None:
    assert outcome(status, code) == expected


def test_languages_are_tried_in_order() -> None:
    assert languages("uz-Cyrl", "ru") == ["uz-Cyrl", "uz", "ru", "en"]
    assert languages(None, "en") == ["en"]
