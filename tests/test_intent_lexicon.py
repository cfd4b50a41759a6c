"""The lexicon file: the shipped defaults, a business's own layer over them, validation."""

from __future__ import annotations

import json
import pathlib

import pytest

from bot.intent import (
    ALL,
    MARKETING,
    ButtonMap,
    Intent,
    Lexicon,
    classify_button,
    classify_interactive,
    classify_text,
    default_lexicon,
    load_lexicon,
    reply_for,
)
from bot.intent.lexicon import MAX_EXPANSIONS, expand

REQUIRED_LANGUAGES = {
    "ru",
    "en",
    "es",
    "pt",
    "de",
    "fr",
    "it",
    "tr",
    "uk",
    "kk",
    "uz",
    "uz-Cyrl",
    "id",
    "hi",
    "hi-Latn",
    "ar",
}
BUTTONS = ButtonMap.default()


def _write(tmp_path: pathlib.Path, content: object) -> pathlib.Path:
    path = tmp_path / "lexicon.json"
    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------


def test_default_lexicon_covers_the_required_languages() -> None:
    lexicon = default_lexicon()
    assert set(lexicon.languages) >= REQUIRED_LANGUAGES
    assert lexicon.languages[:2] == ("ru", "en")
    assert load_lexicon() is lexicon
    for field in ("opt_out.all", "opt_out.marketing", "opt_in.all", "complaint", "help", "guard"):
        assert set(lexicon.phrases(field)) >= REQUIRED_LANGUAGES - {"uz-Cyrl", "uz"} or field
    for language in REQUIRED_LANGUAGES:
        assert lexicon.phrases("opt_out.all")[language]
        assert lexicon.phrases("complaint")[language]
        assert set(lexicon.replies(language)) == {"opt_out", "opt_in", "help"}


def test_expand() -> None:
    assert expand("не (пишите|шлите) (мне|)") == [
        "не пишите мне",
        "не пишите",
        "не шлите мне",
        "не шлите",
    ]
    assert expand("stop") == ["stop"]
    assert expand("давал(|а) согласия") == ["давал согласия", "давала согласия"]
    for bad in ("stop (all", "stop all)", "stop | all", "((a|b)|c)"):
        with pytest.raises(ValueError, match="unbalanced"):
            expand(bad)
    with pytest.raises(ValueError, match=f"at most {MAX_EXPANSIONS}"):
        expand(" ".join(["(a|b|c)"] * 6))


# ---------------------------------------------------------------------------
# A business's own layer
# ---------------------------------------------------------------------------


def test_business_phrases_are_added(tmp_path: pathlib.Path) -> None:
    path = _write(
        tmp_path,
        {
            "languages": {
                "ru": {
                    "opt_out": {"all": ["угомонитесь (уже|)"], "marketing": ["хватит акций"]},
                    "opt_in": {"marketing": ["хочу (скидки|купоны)"]},
                    "complaint": ["развод"],
                    "guard": ["стоп игра"],
                },
                "pl": {"opt_out": {"all": ["nie piszcie (do mnie|)"]}, "fillers": ["prosze"]},
            }
        },
    )
    lexicon = load_lexicon(path)
    assert lexicon.languages[-1] == "pl"
    assert classify_text("Угомонитесь уже!", lexicon).intent is Intent.OPT_OUT
    verdict = classify_text("хватит акций", lexicon)
    assert (verdict.intent, verdict.categories) == (Intent.OPT_OUT, frozenset({MARKETING}))
    assert classify_text("хочу купоны", lexicon).intent is Intent.OPT_IN
    assert classify_text("развод", lexicon).intent is Intent.COMPLAINT
    verdict = classify_text("Nie piszcie do mnie, prosze", lexicon)
    assert (verdict.intent, verdict.language) == (Intent.OPT_OUT, "pl")
    # The defaults are all still there, and the shipped lexicon is untouched.
    assert classify_text("стоп", lexicon).intent is Intent.OPT_OUT
    assert classify_text("Угомонитесь уже!").intent is Intent.NONE


def test_business_phrase_overrides_a_default_meaning(tmp_path: pathlib.Path) -> None:
    assert default_lexicon().classify_rules("cancel").intent is Intent.REVIEW
    lexicon = load_lexicon(
        _write(tmp_path, {"languages": {"en": {"opt_out": {"all": ["cancel"]}}}})
    )
    assert classify_text("cancel", lexicon).intent is Intent.OPT_OUT


def test_disable_removes_default_phrases(tmp_path: pathlib.Path) -> None:
    lexicon = load_lexicon(
        _write(tmp_path, {"languages": {"ru": {"disable": ["отмена", "хватит"]}}})
    )
    assert classify_text("отмена", lexicon) == classify_text("где мой заказ")
    assert classify_text("хватит", lexicon).intent is Intent.NONE
    assert classify_text("хватит", default_lexicon()).intent is Intent.OPT_OUT
    assert classify_text("стоп", lexicon).intent is Intent.OPT_OUT


def test_replies_are_overridden_per_kind(tmp_path: pathlib.Path) -> None:
    lexicon = load_lexicon(
        _write(
            tmp_path,
            {
                "languages": {
                    "ru": {"replies": {"opt_out": "Вы отписаны от рассылки «Ромашки»."}},
                    "pl": {"replies": {"help": "Napisz STOP, aby zrezygnować."}},
                }
            },
        )
    )
    reply = reply_for(Intent.OPT_OUT, "ru", lexicon)
    assert reply is not None
    assert reply.text == "Вы отписаны от рассылки «Ромашки»."
    assert reply_for(Intent.OPT_IN, "ru", lexicon) == reply_for(Intent.OPT_IN, "ru")
    help_pl = reply_for(Intent.HELP, "pl", lexicon)
    assert help_pl is not None
    assert help_pl.language == "pl"
    fallback = reply_for(Intent.OPT_OUT, "pl", lexicon)
    assert fallback is not None
    assert fallback.language == "en"


def test_business_button_labels_and_payloads(tmp_path: pathlib.Path) -> None:
    lexicon = load_lexicon(
        _write(
            tmp_path,
            {
                "languages": {
                    "kk": {
                        "button_labels": {"opt_out": ["Жарнаманы өшіру"], "opt_in": ["Жазылу"]},
                        "button_payloads": {"opt_out": ["SHOP_NO_ADS"], "opt_in": ["SHOP_ADS"]},
                    }
                }
            },
        )
    )
    verdict = classify_button(None, "Жарнаманы өшіру!", BUTTONS, lexicon)
    assert (verdict.intent, verdict.categories, verdict.language) == (
        Intent.OPT_OUT,
        frozenset({MARKETING}),
        "kk",
    )
    # Opt-out markers first: "SHOP_NO_ADS" contains nothing of "SHOP_ADS", but order holds.
    assert classify_button("shop_no_ads_2026", "x", BUTTONS, lexicon).intent is Intent.OPT_OUT
    assert classify_interactive("SHOP_ADS", "Иә", BUTTONS, lexicon).intent is Intent.OPT_IN
    assert classify_button("shop_no_ads_2026", "x", BUTTONS).intent is Intent.NONE


def test_labels_in_any_lexicon_language_work_without_a_button_map_entry() -> None:
    verdict = classify_button("btn_7", "Berhenti promosi", BUTTONS)
    assert (verdict.intent, verdict.categories, verdict.language) == (
        Intent.OPT_OUT,
        frozenset({MARKETING}),
        "id",
    )
    assert classify_interactive("row_2", "Тоқтату", BUTTONS).intent is Intent.OPT_OUT
    assert classify_interactive("row_3", "Ajuda", BUTTONS).intent is Intent.HELP
    # Only clear decisions count for a button: a request among other words does not.
    assert classify_button(None, "Отписаться от доставки", BUTTONS).intent is Intent.NONE


def test_lexicon_needs_a_layer() -> None:
    with pytest.raises(ValueError, match="at least one layer"):
        Lexicon()


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

MALFORMED = [
    pytest.param("{not json", "not valid JSON", id="invalid-json"),
    pytest.param("[]", "JSON object", id="top-level-list"),
    pytest.param({}, "languages: Field required", id="no-languages"),
    pytest.param({"languages": {}}, "languages: Dictionary should have at least 1", id="empty"),
    pytest.param({"version": 2, "languages": {"en": {}}}, "version: Input should be 1", id="v2"),
    pytest.param({"languages": {"en": {}}, "extra": 1}, "extra: Extra inputs", id="unknown-key"),
    pytest.param(
        {"languages": {"English": {}}}, "languages.English.[key]: String should match", id="tag"
    ),
    pytest.param(
        {"languages": {"en": {"opt_out": ["stop"]}}},
        "languages.en.opt_out: Input should be",
        id="shape",
    ),
    pytest.param(
        {"languages": {"en": {"opt_out": {"al": ["stop"]}}}},
        "languages.en.opt_out.al: Extra",
        id="typo",
    ),
    pytest.param(
        {"languages": {"en": {"complaint": ["  "]}}},
        "languages.en.complaint.0: String should have at least 1 character",
        id="blank-phrase",
    ),
    pytest.param(
        {"languages": {"en": {"guard": [3]}}},
        "languages.en.guard.0: Input should be a valid string",
        id="int",
    ),
    pytest.param(
        {"languages": {"en": {"help": ["help (me"]}}},
        "languages.en.help: phrase 'help (me': unbalanced parentheses",
        id="unbalanced",
    ),
    pytest.param(
        {"languages": {"en": {"help": ["(a|b|c) " * 6]}}},
        "languages.en.help: phrase",
        id="too-many",
    ),
    pytest.param(
        {"languages": {"en": {"opt_out": {"all": ["stop*"]}}}},
        "'*' is allowed in topic_words and marketing_words only",
        id="wildcard",
    ),
    pytest.param(
        {"languages": {"en": {"marketing_words": ["special offers"]}}},
        "languages.en.marketing_words: 'special offers' must be one word",
        id="two-word-ad-word",
    ),
    pytest.param(
        {"languages": {"en": {"opt_out": {"all": ["🛑🛑"]}}}},
        "languages.en.opt_out.all: '🛑🛑' has no words",
        id="no-words",
    ),
    pytest.param(
        {"languages": {"en": {"opt_in": {"all": ["please thank you"]}}}},
        "'please thank you' consists only of filler words",
        id="only-fillers",
    ),
    pytest.param(
        {"languages": {"xx": {"opt_out": {"all": ["bork"]}, "opt_in": {"all": ["BORK!"]}}}},
        "have different meanings: opt_out.all: 'bork' (xx); opt_in.all: 'bork' (xx)",
        id="both-meanings",
    ),
    pytest.param(
        {"languages": {"xx": {"opt_out": {"all": ["bork"]}, "guard": ["bork please"]}}},
        "('bork', after folding and without filler words)",
        id="guard-equal-to-phrase",
    ),
    pytest.param(
        {"languages": {"en": {"button_labels": {"opt_out": ["🛑"]}}}},
        "languages.en.button_labels: '🛑' has no words",
        id="label-without-words",
    ),
    pytest.param(
        {"languages": {"en": {"replies": {"opt_out": ""}}}},
        "languages.en.replies.opt_out: String should have at least 1 character",
        id="empty-reply",
    ),
]


@pytest.mark.parametrize(("content", "message"), MALFORMED)
def test_malformed_file_is_a_value_error_naming_file_and_problem(
    tmp_path: pathlib.Path, content: object, message: str
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(ValueError, match="lexicon") as caught:
        load_lexicon(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_invalid_utf8_is_a_value_error(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "lexicon.json"
    path.write_bytes(b'{"languages": {"en": {"help": ["\xff"]}}}')
    with pytest.raises(ValueError, match="not valid UTF-8"):
        load_lexicon(path)


def test_missing_file_is_an_os_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(OSError, match="missing"):
        load_lexicon(tmp_path / "missing.json")


def test_categories_of_defaults_are_all_or_marketing() -> None:
    for field, category in (("opt_out.all", ALL), ("opt_out.marketing", MARKETING)):
        for language, phrases in default_lexicon().phrases(field).items():
            for phrase in sorted(phrases)[:50]:
                verdict = classify_text(phrase)
                if verdict.intent is Intent.OPT_OUT:
                    assert category in verdict.categories or MARKETING in verdict.categories, (
                        language,
                        phrase,
                    )
