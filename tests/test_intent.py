"""Tests for bot.intent: typed keywords, template buttons, interactive replies, button maps.

The multilingual rules, the lexicon file and the labelled set have their own modules
(test_intent_rules.py, test_intent_lexicon.py, test_intent_eval.py).
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intent import (
    ALL,
    MARKETING,
    NO_INTENT,
    ButtonMap,
    Intent,
    Verdict,
    classify_button,
    classify_interactive,
    classify_text,
    default_lexicon,
    fold,
    normalise,
)

OUT = Intent.OPT_OUT
IN = Intent.OPT_IN
NONE = Intent.NONE
REVIEW = Intent.REVIEW

LEXICON = default_lexicon()
OPT_OUT_KEYWORDS: Mapping[str, frozenset[str]] = LEXICON.phrases("opt_out.all")
OPT_IN_KEYWORDS: Mapping[str, frozenset[str]] = LEXICON.phrases("opt_in.all")
FILLER_WORDS: Mapping[str, frozenset[str]] = LEXICON.phrases("fillers")

# ---------------------------------------------------------------------------
# normalise
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("STOP", "stop", id="upper"),
        pytest.param("  Стоп 🙏 ", "стоп", id="emoji-and-spaces"),
        pytest.param("Всё", "все", id="yo-to-ye"),
        pytest.param("ЁЛКИ", "елки", id="upper-yo"),
        pytest.param("стоп-кран", "стоп кран", id="hyphen-separates"),
        pytest.param("stop\u00a0\u2003please", "stop please", id="unicode-spaces"),
        pytest.param("ＳＴＯＰ", "stop", id="fullwidth"),
        pytest.param("❤️stop❤️", "stop", id="emoji-with-variation-selector"),
        pytest.param("👍🏽", "", id="skin-tone-only"),
        pytest.param("stop\u200b", "stop", id="zero-width-space"),
        pytest.param("Straße", "strasse", id="casefold-not-lower"),
        pytest.param("", "", id="empty"),
        pytest.param("1️⃣ stop", "1 stop", id="keycap"),
        pytest.param("don't", "dont", id="apostrophe-joins"),
        pytest.param("To‘xtating", "toxtating", id="uzbek-apostrophe"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@given(st.text())
@settings(max_examples=500)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_normalise_has_no_edge_or_double_spaces(text: str) -> None:
    result = normalise(text)
    assert result == result.strip()
    assert "  " not in result


# ---------------------------------------------------------------------------
# classify_text
# ---------------------------------------------------------------------------

TEXT_CASES = [
    # English opt-outs
    pytest.param("stop", OUT, "en", "stop", id="en-stop"),
    pytest.param("STOP", OUT, "en", "stop", id="en-stop-upper"),
    pytest.param("Stop", OUT, "en", "stop", id="en-stop-title"),
    pytest.param("STOP!!!", OUT, "en", "stop", id="en-stop-bangs"),
    pytest.param("  stop.  ", OUT, "en", "stop", id="en-stop-spaces-dot"),
    pytest.param("stop please", OUT, "en", "stop", id="en-stop-please"),
    pytest.param("Please, STOP now!", OUT, "en", "stop", id="en-please-stop-now"),
    pytest.param("stop all", OUT, "en", "stop all", id="en-stop-all"),
    pytest.param("STOP ALL!", OUT, "en", "stop all", id="en-stop-all-upper"),
    pytest.param("unsubscribe", OUT, "en", "unsubscribe", id="en-unsubscribe"),
    pytest.param("Unsubscribe me pls", OUT, "en", "unsubscribe", id="en-unsubscribe-me-pls"),
    pytest.param("🛑 STOP 🛑", OUT, "en", "stop", id="en-stop-emoji"),
    pytest.param("STOP STOP STOP", OUT, "en", "stop", id="en-stop-repeated"),
    pytest.param("«stop»", OUT, "en", "stop", id="en-stop-quoted"),
    # Russian opt-outs
    pytest.param("СТОП", OUT, "ru", "стоп", id="ru-stop-upper"),
    pytest.param("стоп", OUT, "ru", "стоп", id="ru-stop"),
    pytest.param("  Стоп 🙏 ", OUT, "ru", "стоп", id="ru-stop-emoji"),
    pytest.param("Стоп!", OUT, "ru", "стоп", id="ru-stop-bang"),
    pytest.param("стоп, пожалуйста", OUT, "ru", "стоп", id="ru-stop-please"),
    pytest.param("Всё, стоп", OUT, "ru", "стоп", id="ru-all-stop"),
    pytest.param("отписаться", OUT, "ru", "отписаться", id="ru-otpisatsya"),
    pytest.param("Отписка", OUT, "ru", "отписка", id="ru-otpiska"),
    pytest.param("отписать", OUT, "ru", "отписать", id="ru-otpisat"),
    pytest.param("отпишите", OUT, "ru", "отпишите", id="ru-otpishite"),
    pytest.param("отпишите меня", OUT, "ru", "отпишите меня", id="ru-otpishite-menya"),
    pytest.param("пожалуйста отпишите меня", OUT, "ru", "отпишите", id="ru-please-otpishite-menya"),
    pytest.param(
        "Отписаться от рассылки!",
        OUT,
        "ru",
        "отписаться от рассылки",
        id="ru-otpisatsya-ot-rassylki",
    ),
    pytest.param("отпишите плиз", OUT, "ru", "отпишите", id="ru-otpishite-pliz"),
    # Opt-ins
    pytest.param("START", IN, "en", "start", id="en-start"),
    pytest.param("start please", IN, "en", "start", id="en-start-please"),
    pytest.param("subscribe", IN, "en", "subscribe", id="en-subscribe"),
    pytest.param("СТАРТ", IN, "ru", "старт", id="ru-start-upper"),
    pytest.param("старт", IN, "ru", "старт", id="ru-start"),
    pytest.param("Подписаться", IN, "ru", "подписаться", id="ru-podpisatsya"),
    pytest.param("подписаться 🙂", IN, "ru", "подписаться", id="ru-podpisatsya-emoji"),
    # Negatives and hard negatives
    pytest.param("", NONE, None, None, id="empty"),
    pytest.param("   ", NONE, None, None, id="blank"),
    pytest.param("🙏🙏", NONE, None, None, id="emoji-only"),
    pytest.param("please", NONE, None, None, id="filler-only"),
    pytest.param("пожалуйста меня", NONE, None, None, id="ru-filler-only"),
    pytest.param("can you stop the courier", NONE, None, None, id="stop-the-courier"),
    pytest.param("bus stop", NONE, None, None, id="bus-stop"),
    pytest.param("стоп-кран", NONE, None, None, id="stop-kran"),
    pytest.param("СТОП-ЛИСТ", NONE, None, None, id="stop-list"),
    pytest.param("don't stop", NONE, None, None, id="dont-stop"),
    pytest.param("не останавливайтесь", NONE, None, None, id="ne-ostanavlivaytes"),
    # A request among other words goes to a person now (it was ignored before).
    pytest.param("stop sending me the wrong size", REVIEW, "en", "stop sending", id="wrong-size"),
    pytest.param("когда старт продаж?", NONE, None, None, id="kogda-start-prodazh"),
    pytest.param("start date?", NONE, None, None, id="start-date"),
    pytest.param("stopped", NONE, None, None, id="stopped"),
    pytest.param("нестоп", NONE, None, None, id="ne-stop-glued"),
    # An opt-out next to an opt-in: a person decides (it was ignored before).
    pytest.param("стоп или старт?", REVIEW, "ru", "стоп + старт", id="stop-or-start"),
    # SMS names the messages: the request is to unsubscribe (it was ignored before).
    pytest.param("unsubscribe from sms", OUT, "en", "unsubscribe", id="unsubscribe-from-sms"),
    pytest.param("я не хочу отписаться", NONE, None, None, id="ne-hochu-otpisatsya"),
    pytest.param("Hello", NONE, None, None, id="hello"),
    pytest.param("Где мой заказ?", NONE, None, None, id="where-is-my-order"),
    # Nothing but "stop" and filler words: the request, however long (it was ignored
    # before, when any message over 8 words was).
    pytest.param(
        "please please please stop stop the the the the the",
        OUT,
        "en",
        "stop",
        id="long-rambling",
    ),
]


@pytest.mark.parametrize(("text", "intent", "language", "matched"), TEXT_CASES)
def test_classify_text(
    text: str, intent: Intent, language: str | None, matched: str | None
) -> None:
    verdict = LEXICON.classify_rules(text)  # the rules alone; the model is measured apart
    if intent is NONE:
        assert verdict == NO_INTENT
        return
    assert (verdict.intent, verdict.categories, verdict.language, verdict.matched) == (
        intent,
        frozenset({ALL}),
        language,
        matched,
    )
    assert (verdict.suggested is OUT) == (intent is REVIEW)


def test_no_intent_shape() -> None:
    assert Verdict(Intent.NONE, frozenset(), None, None) == NO_INTENT
    assert str(Intent.OPT_OUT) == "opt_out"
    assert str(Intent.OPT_IN) == "opt_in"
    assert str(Intent.HELP) == "help"
    assert str(Intent.COMPLAINT) == "complaint"
    assert str(Intent.REVIEW) == "review"
    assert str(Intent.NONE) == "none"
    assert (ALL, MARKETING) == ("all", "marketing")
    assert (NO_INTENT.suggested, NO_INTENT.reason) == (None, None)


def test_verdict_is_immutable() -> None:
    verdict = classify_text("stop")
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.intent = Intent.OPT_IN  # type: ignore[misc]


_SCRIPTS = {
    "Cyrl": ("\u0400", "\u04ff"),
    "Deva": ("\u0900", "\u097f"),
    "Arab": ("\u0600", "\u06ff"),
}
_LANGUAGE_SCRIPTS = {
    "ru": "Cyrl",
    "uk": "Cyrl",
    "kk": "Cyrl",
    "uz-Cyrl": "Cyrl",
    "hi": "Deva",
    "ar": "Arab",
}


def _script(text: str) -> set[str]:
    found = {name for name, (low, high) in _SCRIPTS.items() if any(low <= c <= high for c in text)}
    if any("a" <= c <= "z" for c in text.lower()):
        found.add("Latn")
    return found


@pytest.mark.parametrize(
    "table",
    [
        pytest.param(OPT_OUT_KEYWORDS, id="opt-out"),
        pytest.param(OPT_IN_KEYWORDS, id="opt-in"),
        pytest.param(FILLER_WORDS, id="filler"),
    ],
)
def test_keyword_tables_match_their_language_script(table: Mapping[str, frozenset[str]]) -> None:
    assert set(table) == set(LEXICON.languages)
    for language, words in table.items():
        assert words
        for word in words:
            # Romanised Russian is matched by transliteration, not listed in Latin letters.
            assert _script(word) <= {_LANGUAGE_SCRIPTS.get(language, "Latn")}, (language, word)


def _all_keywords() -> list[str]:
    return sorted(
        {
            word
            for table in (OPT_OUT_KEYWORDS, OPT_IN_KEYWORDS)
            for words in table.values()
            for word in words
        }
    )


def _key(phrase: str) -> tuple[str, ...]:
    """A phrase's matching key: its folded words without filler words."""
    fillers = LEXICON.index.primary.fillers
    return tuple(word for word in fold(phrase).split(" ") if word not in fillers)


def test_every_keyword_classifies_with_its_table_language() -> None:
    """Each opt-out and opt-in phrase alone is that request, in a language that lists a
    phrase with the same matching key ("stopp" folds to "stop", which English lists too)."""
    owners: dict[tuple[str, ...], set[str]] = {}
    for table in (OPT_OUT_KEYWORDS, OPT_IN_KEYWORDS):
        for language, words in table.items():
            for word in words:
                owners.setdefault(_key(word), set()).add(language)
    wrong = []
    for keyword in _all_keywords():
        verdict = classify_text(keyword)
        expected = OUT if any(keyword in words for words in OPT_OUT_KEYWORDS.values()) else IN
        if (
            verdict.intent is not expected
            or verdict.language not in owners[_key(keyword)]
            or verdict.categories != frozenset({ALL})
            or not verdict.matched
        ):
            wrong.append((keyword, verdict))
    assert wrong == []


_DECORATION = st.text(alphabet=" \t\n.,!?…«»\"'-()🙏🛑❤️👍🏽😡✋", max_size=6)


@st.composite
def _mixed_case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(
        char.upper() if flip else char.lower() for char, flip in zip(word, flips, strict=True)
    )


@given(
    keyword=st.sampled_from(_all_keywords()).flatmap(
        lambda word: st.tuples(st.just(word), _mixed_case(word))
    ),
    leading=st.text(alphabet=" \t\n", max_size=3),
    trailing=_DECORATION,
)
def test_keyword_decoration_does_not_change_verdict(
    keyword: tuple[str, str], leading: str, trailing: str
) -> None:
    plain, mixed = keyword
    assert classify_text(leading + mixed + trailing) == classify_text(plain)


@given(st.text(max_size=200))
def test_classify_text_never_raises_and_is_consistent(text: str) -> None:
    # Not the same as classify_text(normalise(text)): punctuation (clauses, a question mark),
    # stop-sign emoji and the keys of a wrong layout carry meaning before normalisation.
    verdict = classify_text(text)
    assert verdict == classify_text(f" {text}\n")
    if verdict.intent is NONE:
        assert verdict == NO_INTENT
    else:
        assert verdict.categories <= frozenset({ALL, MARKETING})
        assert verdict.language in LEXICON.languages
        assert verdict.matched


# ---------------------------------------------------------------------------
# classify_button / classify_interactive
# ---------------------------------------------------------------------------

DEFAULT = ButtonMap.default()

BUTTON_CASES = [
    pytest.param("OPTOUT", None, OUT, "OPTOUT", "en", id="payload-optout"),
    pytest.param(
        "OPTOUT_MARKETING|camp=autumn",
        "Отписаться",
        OUT,
        "OPTOUT_MARKETING|camp=autumn",
        "ru",
        id="payload-optout-with-campaign",
    ),
    pytest.param("optout_marketing", None, OUT, "optout_marketing", "en", id="payload-lower"),
    pytest.param("UNSUBSCRIBE", None, OUT, "UNSUBSCRIBE", "en", id="unsubscribe-not-subscribe"),
    pytest.param(
        "promo_unsubscribe_42", None, OUT, "promo_unsubscribe_42", "en", id="unsubscribe-inside"
    ),
    pytest.param("STOP_PROMO", None, OUT, "STOP_PROMO", "en", id="stop-promo"),
    pytest.param("user_opt_out", "Stop", OUT, "user_opt_out", "en", id="opt-out-marker"),
    pytest.param("SUBSCRIBE_BACK", None, IN, "SUBSCRIBE_BACK", "en", id="subscribe-back"),
    pytest.param("OPTIN", None, IN, "OPTIN", "en", id="payload-optin"),
    pytest.param("RESUME_PROMO_7", None, IN, "RESUME_PROMO_7", "en", id="resume-promo"),
    pytest.param(
        "OPTIN",
        "Отписаться",
        IN,
        "OPTIN",
        "ru",
        id="payload-decides-before-label",
    ),
    pytest.param(None, "Отписаться", OUT, "отписаться", "ru", id="label-ru"),
    pytest.param("", "  Отписаться! ", OUT, "отписаться", "ru", id="label-ru-decorated"),
    pytest.param(
        "btn_1", "Остановить рекламу", OUT, "остановить рекламу", "ru", id="label-stop-ads"
    ),
    pytest.param("x", "Stop promotions", OUT, "stop promotions", "en", id="label-stop-promos"),
    pytest.param(
        None, "STOP PROMOTIONS", OUT, "stop promotions", "en", id="label-stop-promos-upper"
    ),
    # "Unsubscribe from all" covers every category: tests/test_buttons_scope.py.
    # The language is the label's lexicon language now, not a guess from its script.
    pytest.param(None, "Parar promoções", OUT, "parar promoções", "pt", id="label-pt"),
    pytest.param(None, "Подписаться", IN, "подписаться", "ru", id="label-subscribe-ru"),
    pytest.param(None, "Resume promotions", IN, "resume promotions", "en", id="label-resume"),
    pytest.param("Отписаться", None, OUT, "отписаться", "ru", id="label-sent-as-payload"),
    pytest.param(
        "Stop promotions",
        "Stop promotions",
        OUT,
        "stop promotions",
        "en",
        id="payload-equals-label",
    ),
    pytest.param(None, None, NONE, None, None, id="nothing"),
    pytest.param("", "", NONE, None, None, id="empty"),
    pytest.param("BUY_NOW", "Купить", NONE, None, None, id="unrelated"),
    pytest.param("RESUME_ORDER", "Resume order", NONE, None, None, id="resume-order"),
    pytest.param(None, "Отписаться от доставки", NONE, None, None, id="label-not-whole"),
    # A label the map lacks is read by the text classifier now (it was ignored before).
    pytest.param(
        None, "Stop promotions please", OUT, "stop + promotions", "en", id="label-extra-word"
    ),
    pytest.param("SUBSCRIBE", None, IN, "subscribe", "en", id="bare-subscribe-is-label"),
    pytest.param("SUBSCRIBE_NEWS", None, NONE, None, None, id="subscribe-not-a-marker"),
]


@pytest.mark.parametrize(("payload", "label", "intent", "matched", "language"), BUTTON_CASES)
def test_classify_button(
    payload: str | None,
    label: str | None,
    intent: Intent,
    matched: str | None,
    language: str | None,
) -> None:
    verdict = classify_button(payload, label, DEFAULT)
    if intent is NONE:
        assert verdict == NO_INTENT
        return
    assert verdict == Verdict(intent, frozenset({MARKETING}), language, matched)


INTERACTIVE_CASES = [
    pytest.param("opt_out:marketing", "Не сейчас", OUT, "ru", id="id-opt-out"),
    pytest.param("OPT_IN:marketing", "Yes, keep me posted", IN, "en", id="id-opt-in"),
    pytest.param("unsubscribe-row", "Отписка", OUT, "ru", id="list-row-unsubscribe"),
    pytest.param("row-3", "Отписаться", OUT, "ru", id="title-ru"),
    pytest.param("row-4", "Subscribe again", IN, "en", id="title-en-opt-in"),
    pytest.param("row-5", "Track my order", NONE, None, id="title-unrelated"),
    pytest.param(None, None, NONE, None, id="nothing"),
    pytest.param("SUBSCRIBE_BACK", None, IN, "en", id="subscribe-back"),
    pytest.param("UNSUBSCRIBE", "Unsubscribe", OUT, "en", id="unsubscribe-trap"),
]


@pytest.mark.parametrize(("reply_id", "title", "intent", "language"), INTERACTIVE_CASES)
def test_classify_interactive(
    reply_id: str | None, title: str | None, intent: Intent, language: str | None
) -> None:
    verdict = classify_interactive(reply_id, title, DEFAULT)
    assert verdict.intent is intent
    assert verdict.language == language
    if intent is NONE:
        assert verdict == NO_INTENT
    else:
        assert verdict.categories == frozenset({MARKETING})
        assert verdict.matched


def test_label_language_falls_back_to_matched_text() -> None:
    verdict = classify_button("Отписаться", None, DEFAULT)
    assert verdict.language == "ru"
    verdict = classify_button("OPTOUT", "✋", DEFAULT)
    assert verdict.language == "en"
    verdict = classify_button("OPTOUT_123", "🛑", DEFAULT)
    assert verdict.language == "en"


def test_symbol_only_payload_has_no_language() -> None:
    custom = ButtonMap(("🛑",), (), frozenset(), frozenset())
    verdict = classify_button("🛑", None, custom)
    assert verdict.intent is OUT
    assert verdict.language is None


@given(payload=st.text(max_size=40), label=st.one_of(st.none(), st.text(max_size=40)))
def test_classify_button_never_raises(payload: str, label: str | None) -> None:
    verdict = classify_button(payload, label, DEFAULT)
    assert isinstance(verdict, Verdict)
    assert (verdict.intent is NONE) == (verdict == NO_INTENT)


# ---------------------------------------------------------------------------
# ButtonMap
# ---------------------------------------------------------------------------


def test_default_map_has_documented_entries() -> None:
    for marker in ("OPTOUT", "UNSUBSCRIBE", "OPT_OUT", "STOP_PROMO"):
        assert marker in DEFAULT.opt_out_payload_markers
    for marker in ("OPTIN", "SUBSCRIBE_BACK", "OPT_IN"):
        assert marker in DEFAULT.opt_in_payload_markers
    for label in (
        "Отписаться",
        "Остановить рекламу",
        "unsubscribe",
        "stop promotions",
        "unsubscribe from promos",
        "unsubscribe from all",
        "parar promoções",
        "no more offers",
    ):
        assert normalise(label) in DEFAULT.opt_out_labels
    for label in ("подписаться", "subscribe", "resume promotions", "возобновить рассылку"):
        assert normalise(label) in DEFAULT.opt_in_labels
    assert ButtonMap.default() is DEFAULT


def test_default_labels_are_normalised_and_disjoint() -> None:
    for label in DEFAULT.opt_out_labels | DEFAULT.opt_in_labels:
        assert normalise(label) == label
    assert not DEFAULT.opt_out_labels & DEFAULT.opt_in_labels


def test_constructor_normalises_labels_and_strips_markers() -> None:
    buttons = ButtonMap((" NOPE ", "NOPE"), ("YEP",), frozenset({"Хватит!"}), frozenset({"ОК"}))
    assert buttons.opt_out_payload_markers == ("NOPE",)
    assert buttons.opt_out_labels == frozenset({"хватит"})
    assert buttons.opt_in_labels == frozenset({"ок"})


def _write(tmp_path: pathlib.Path, content: object) -> pathlib.Path:
    path = tmp_path / "buttons.json"
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_from_file_custom_map(tmp_path: pathlib.Path) -> None:
    path = _write(
        tmp_path,
        {
            "opt_out_payload_markers": ["NO_MORE_DEALS"],
            "opt_in_payload_markers": ["DEALS_AGAIN"],
            "opt_out_labels": ["Хватит акций!", "Enough deals"],
            "opt_in_labels": ["Хочу акции"],
        },
    )
    custom = ButtonMap.from_file(path)
    assert custom.opt_out_labels == frozenset({"хватит акций", "enough deals"})
    assert classify_button("no_more_deals_v2", None, custom).intent is OUT
    assert classify_button("DEALS_AGAIN", None, custom).intent is IN
    assert classify_button(None, "ХВАТИТ АКЦИЙ", custom).matched == "хватит акций"
    assert classify_interactive("x", "Хочу акции 🎉", custom).intent is IN
    assert classify_button("OPTOUT", None, custom) == NO_INTENT


def test_from_file_missing_keys_mean_empty(tmp_path: pathlib.Path) -> None:
    custom = ButtonMap.from_file(_write(tmp_path, {"opt_out_labels": ["Enough"]}))
    assert custom.opt_out_payload_markers == ()
    assert custom.opt_in_labels == frozenset()
    assert classify_button(None, "enough!", custom).intent is OUT


def test_merged_is_union(tmp_path: pathlib.Path) -> None:
    custom = ButtonMap.from_file(
        _write(
            tmp_path,
            {
                "opt_out_payload_markers": ["NO_MORE_DEALS", "OPTOUT"],
                "opt_in_labels": ["Хочу акции"],
            },
        )
    )
    merged = DEFAULT.merged(custom)
    assert merged.opt_out_payload_markers[: len(DEFAULT.opt_out_payload_markers)] == (
        DEFAULT.opt_out_payload_markers
    )
    assert merged.opt_out_payload_markers.count("OPTOUT") == 1
    assert "NO_MORE_DEALS" in merged.opt_out_payload_markers
    assert merged.opt_in_labels == DEFAULT.opt_in_labels | {"хочу акции"}
    assert merged.opt_out_labels == DEFAULT.opt_out_labels
    assert classify_button("NO_MORE_DEALS", None, merged).intent is OUT
    assert classify_button(None, "Stop promotions", merged).intent is OUT


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "not valid JSON", id="invalid-json"),
        pytest.param("[]", "JSON object", id="top-level-list"),
        pytest.param({"opt_out_labels": "Stop"}, "'opt_out_labels' must be a list", id="str"),
        pytest.param({"opt_in_labels": ["ok", 3]}, "'opt_in_labels' must be a list", id="int"),
        pytest.param(
            {"opt_out_payload_markers": None}, "'opt_out_payload_markers'", id="null-value"
        ),
        pytest.param(
            {"opt_out_labels": [], "labels": [], "extra": 1},
            "unknown keys ['extra', 'labels']",
            id="unknown-keys",
        ),
        pytest.param({"opt_out_payload_markers": [" "]}, "empty marker", id="empty-marker"),
        pytest.param({"opt_out_labels": ["🛑!!"]}, "no words", id="label-without-words"),
        pytest.param(
            {"opt_out_labels": ["Stop"], "opt_in_labels": ["STOP!"]},
            "both opt-out and opt-in",
            id="label-in-both",
        ),
    ],
)
def test_from_file_rejects_malformed(tmp_path: pathlib.Path, content: object, message: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(ValueError, match="button map") as caught:
        ButtonMap.from_file(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_from_file_rejects_invalid_utf8(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "buttons.json"
    path.write_bytes(b'{"opt_out_labels": ["\xff"]}')
    with pytest.raises(ValueError, match="not valid UTF-8"):
        ButtonMap.from_file(path)


def test_from_file_missing_file_is_os_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(OSError, match="missing"):
        ButtonMap.from_file(tmp_path / "missing.json")


def test_merged_conflict_is_rejected() -> None:
    custom = ButtonMap((), (), frozenset(), frozenset({"Stop promotions"}))
    with pytest.raises(ValueError, match="both opt-out and opt-in"):
        DEFAULT.merged(custom)
