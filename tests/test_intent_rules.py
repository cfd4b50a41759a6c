"""The multilingual decision rules, the text forms behind them, and reply texts.

Table tests pin one example per rule (and the issue's own examples); Hypothesis checks the
invariants: normalising or folding twice changes nothing, and case, surrounding
whitespace and trailing punctuation never change a verdict.
"""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.intent import (
    ALL,
    MARKETING,
    MAX_DECISIVE_WORDS,
    NO_INTENT,
    Intent,
    Verdict,
    default_lexicon,
    fold,
    normalise,
    reply_for,
    skeleton,
)
from bot.intent.text import _NORMALISE_AND_FOLD_TABLE

# These are the rules' own tests: the model, which reads what the rules leave undecided, is
# tested in tests/test_intent_model.py and measured by `make eval`.
classify_text = default_lexicon().classify_rules

OUT, IN, HELP = Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP
COMPLAINT, REVIEW, NONE = Intent.COMPLAINT, Intent.REVIEW, Intent.NONE
A, M, NO = frozenset({ALL}), frozenset({MARKETING}), frozenset[str]()

LEXICON = default_lexicon()

# ---------------------------------------------------------------------------
# Verdicts: (text, intent, categories, language)
# ---------------------------------------------------------------------------

CASES = [
    # The examples.
    pytest.param("не пишите мне больше", OUT, A, "ru", id="ru-ne-pishite"),
    pytest.param("CTOП", OUT, A, "ru", id="ru-latin-lookalikes"),
    pytest.param("otpishite", OUT, A, "ru", id="ru-romanised"),
    pytest.param("ne pishite mne bolshe", OUT, A, "ru", id="ru-romanised-phrase"),
    pytest.param("pare de me mandar mensagem", OUT, A, "pt", id="pt-pare"),
    pytest.param("remove me!!!", OUT, A, "en", id="en-remove-me"),
    pytest.param("кто дал вам мой номер?", COMPLAINT, A, "ru", id="ru-who-gave-number"),
    pytest.param("без рекламы", OUT, M, "ru", id="ru-no-ads"),
    pytest.param("no more promos", OUT, M, "en", id="en-no-more-promos"),
    # Normalisation at work.
    pytest.param("стоооп", OUT, A, "ru", id="repeated-letters"),
    pytest.param("STOOOP!!! 🛑🛑", OUT, A, "en", id="repeated-caps-emoji"),
    pytest.param("stоp", OUT, A, "en", id="cyrillic-o-in-latin-word"),
    pytest.param("Oтпишитe мeня", OUT, A, "ru", id="latin-letters-in-cyrillic-words"),
    pytest.param("Отпишите me pls", OUT, A, "ru", id="code-switch-ru-first"),
    pytest.param("STOP пожалуйста", OUT, A, "ru", id="code-switch-polite-word-decides"),
    pytest.param("вiдпишiть мене", OUT, A, "uk", id="uk-latin-i"),
    pytest.param("токтатыныз", OUT, A, "kk", id="kk-russian-keyboard"),
    pytest.param("Тухтатинг", OUT, A, "uz-Cyrl", id="uz-russian-keyboard"),
    pytest.param("Raqamimni o‘chiring", OUT, A, "uz", id="uz-apostrophe-variant"),
    pytest.param("nao me mande mais mensagens", OUT, A, "pt", id="pt-without-accents"),
    pytest.param("إلغاء الاشتراك", OUT, A, "ar", id="ar-hamza"),
    pytest.param("الغاء الاشتراك", OUT, A, "ar", id="ar-without-hamza"),
    pytest.param("मुझे मैसेज मत भेजो", OUT, A, "hi", id="hi-devanagari"),
    pytest.param("mujhe msg mat bhejo", OUT, A, "hi-Latn", id="hi-romanised"),
    # Every language, plainly.
    pytest.param("Unsubscribe", OUT, A, "en", id="en"),
    pytest.param("No me escriban más", OUT, A, "es", id="es"),
    pytest.param("Bitte keine Nachrichten mehr", OUT, A, "de", id="de"),
    pytest.param("Ne m'envoyez plus de messages", OUT, A, "fr", id="fr"),
    pytest.param("Non scrivetemi più", OUT, A, "it", id="it"),
    pytest.param("Artık mesaj atmayın", OUT, A, "tr", id="tr"),
    pytest.param("Не пишіть мені більше", OUT, A, "uk", id="uk"),
    pytest.param("Маған енді жазбаңыз", OUT, A, "kk", id="kk"),
    pytest.param("Menga boshqa yozmang", OUT, A, "uz", id="uz"),
    pytest.param("Менга бошқа ёзманг", OUT, A, "uz-Cyrl", id="uz-cyrl"),
    pytest.param("Jangan kirim pesan lagi", OUT, A, "id", id="id"),
    pytest.param("لا ترسلوا لي رسائل", OUT, A, "ar", id="ar"),
    # Marketing only: an ad word, a marketing phrase, or "no" + an ad word.
    pytest.param("Не присылайте рекламу", OUT, M, "ru", id="ru-ad-word"),
    pytest.param("not interested", OUT, M, "en", id="en-not-interested"),
    pytest.param("Keine Werbung mehr bitte", OUT, M, "de", id="de-no-ads"),
    pytest.param("Gak mau terima promo lagi", OUT, M, "id", id="id-no-promo"),
    pytest.param("sin ofertas por favor", OUT, M, "es", id="decline-plus-ad-word"),
    # "no" + the messages themselves: all of them.
    pytest.param("no messages", OUT, A, "en", id="decline-plus-topic"),
    # Complaints cover everything.
    pytest.param("This is spam", COMPLAINT, A, "en", id="en-spam"),
    pytest.param("Откуда у вас мой номер???", COMPLAINT, A, "ru", id="ru-where-number"),
    pytest.param("¿De dónde sacaron mi número?", COMPLAINT, A, "es", id="es-where-number"),
    pytest.param("stop spamming me", COMPLAINT, A, "en", id="complaint-wins-over-opt-out"),
    # Opt-ins.
    pytest.param("START", IN, A, "en", id="en-start"),
    pytest.param("Подпишите меня обратно", IN, A, "ru", id="ru-subscribe-back"),
    pytest.param("хочу снова получать акции", IN, M, "ru", id="ru-opt-in-marketing"),
    pytest.param("BAŞLA", IN, A, "tr", id="tr-start"),
    # HELP.
    pytest.param("HELP", HELP, NO, "en", id="en-help"),
    pytest.param("Помощь", HELP, NO, "ru", id="ru-help"),
    pytest.param("who is this?", HELP, NO, "en", id="en-who-is-this"),
]


@pytest.mark.parametrize(("text", "intent", "categories", "language"), CASES)
def test_verdict(text: str, intent: Intent, categories: frozenset[str], language: str) -> None:
    verdict = classify_text(text)
    assert (verdict.intent, verdict.categories, verdict.language) == (intent, categories, language)
    assert verdict.matched
    assert verdict.suggested is None
    assert verdict.reason is None


# ---------------------------------------------------------------------------
# Guards and other senses: (text, intent) where the answer is never an opt-out
# ---------------------------------------------------------------------------

NOT_OPT_OUTS = [
    # The examples: trigger words in other senses.
    pytest.param("can you stop the courier", NONE, id="stop-the-courier"),
    pytest.param("bus stop", NONE, id="bus-stop"),
    pytest.param("стоп-кран", NONE, id="stop-kran"),
    pytest.param("не останавливайтесь", NONE, id="ne-ostanavlivaytes"),
    pytest.param("cancel my order", NONE, id="cancel-my-order"),
    pytest.param("отмените заказ", NONE, id="otmenite-zakaz"),
    # More of them.
    pytest.param("Хватит ли одной упаковки на месяц?", NONE, id="ru-is-it-enough"),
    pytest.param("Don't stop the deals lol", NONE, id="en-dont-stop"),
    pytest.param("я не хочу отписываться", NONE, id="ru-negated"),
    pytest.param("Stop kontak yang kemarin rusak", NONE, id="id-power-socket"),
    pytest.param("Basta così, grazie, l'ordine va bene", NONE, id="it-thats-all"),
    pytest.param("Vou sair agora, deixa na portaria", NONE, id="pt-going-out"),
    pytest.param("बस स्टॉप के पास है क्या?", NONE, id="hi-bus-stop"),
    pytest.param("band hai kya shop aaj?", NONE, id="hi-latn-closed"),
    pytest.param("Siparişin durumu ne?", NONE, id="tr-durum-is-not-dur"),
    pytest.param("Jangan lupa kirim resi ya kak", NONE, id="id-dont-forget"),
    pytest.param("Когда старт продаж?", NONE, id="opt-in-word-among-others"),
    pytest.param("help me find my size", NONE, id="help-word-among-others"),
    pytest.param("Please cancel the delivery", NONE, id="unclear-word-among-others"),
    pytest.param("нет", NONE, id="decline-alone"),
    pytest.param("Спасибо, не надо", NONE, id="decline-without-topic"),
    pytest.param("no problem, the messages arrived", NONE, id="guard-vetoes-decline"),
    pytest.param("I don't want the messages to stop", NONE, id="en-negated-stop"),
    pytest.param("What time do you stop delivering today?", NONE, id="en-opening-hours"),
    pytest.param("Please don't unsubscribe me", NONE, id="en-negated-unsubscribe"),
    # A keyword among other content: a person decides.
    pytest.param("Стоп, а где мой заказ? Уже неделю жду", REVIEW, id="stop-and-a-question"),
    pytest.param("stop the courier and unsubscribe me", REVIEW, id="guard-and-request"),
    pytest.param("отмена", REVIEW, id="unclear-alone"),
    pytest.param("cancel", REVIEW, id="en-cancel-alone"),
    pytest.param("стоп или старт", REVIEW, id="conflict"),
]


@pytest.mark.parametrize(("text", "intent"), NOT_OPT_OUTS)
def test_not_an_opt_out(text: str, intent: Intent) -> None:
    verdict = classify_text(text)
    assert verdict.intent is intent
    if intent is NONE:
        assert verdict == NO_INTENT


def test_review_says_what_it_leans_to_and_why() -> None:
    verdict = classify_text("Стоп, а где мой заказ? Уже неделю жду")
    assert verdict == Verdict(REVIEW, A, "ru", "стоп", OUT, "other_content")
    assert classify_text("отмена") == Verdict(REVIEW, A, "ru", "отмена", OUT, "unclear")
    assert classify_text("стоп или старт").reason == "conflict"
    assert classify_text("this is spam, where is my refund").suggested is COMPLAINT


def test_long_message_is_never_decided_silently() -> None:
    request = "please stop sending me messages"
    assert classify_text(request).intent is OUT
    long = " ".join([request] + ["please"] * MAX_DECISIVE_WORDS)
    verdict = classify_text(long)
    assert (verdict.intent, verdict.suggested, verdict.reason) == (REVIEW, OUT, "too_long")
    # A clause that is the request by itself decides, with a reason around it.
    story = (
        "I ordered a dress from you in March and since then I get three messages a day, please stop"
    )
    assert classify_text(story).intent is OUT


# ---------------------------------------------------------------------------
# Text forms
# ---------------------------------------------------------------------------

FOLDS = [
    pytest.param("CTOП", "стоп", id="latin-in-cyrillic"),
    pytest.param("Stоp", "stop", id="cyrillic-in-latin"),
    pytest.param("СТОООП!!!", "стоп", id="repeats"),
    pytest.param("Всё", "все", id="yo"),
    pytest.param("Não", "nao", id="tilde"),
    pytest.param("Löschen", "loschen", id="umlaut"),
    pytest.param("İptal", "iptal", id="turkish-dotted-capital"),
    pytest.param("çıkmak", "cikmak", id="turkish-dotless"),
    pytest.param("тоқтатыңыз", "токтатыныз", id="kazakh-letters"),
    pytest.param("тўхтатинг", "тухтатинг", id="uzbek-cyrillic-letters"),
    pytest.param("відпишіть", "видпишить", id="ukrainian-letters"),
    pytest.param("أُريد إلغاءً", "اريد الغاء", id="arabic-hamza-and-vowels"),
    pytest.param("نعم ـــ شكراً", "نعم شكرا", id="arabic-tatweel"),
    pytest.param("नहीं", "नही", id="devanagari-anusvara"),
    pytest.param("ज़रूर", "जरूर", id="devanagari-nukta"),
    pytest.param("don't  stop\u200b", "dont stop", id="apostrophe-and-spaces"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("raw", "expected"), FOLDS)
def test_fold(raw: str, expected: str) -> None:
    assert fold(raw) == expected


@pytest.mark.parametrize(
    ("romanised", "cyrillic"),
    [
        ("otpishite menya pozhaluysta", "отпишите меня пожалуйста"),
        ("ne prisylayte soobsheniya", "не присылайте сообщения"),
        ("hvatit pisat", "хватит писать"),
        ("xvatit", "хватит"),
        ("otpisatsya", "отписаться"),
        ("vidpyshit mene", "відпишіть мене"),
    ],
)
def test_skeleton_meets_romanisations(romanised: str, cyrillic: str) -> None:
    assert skeleton(fold(romanised)) == skeleton(fold(cyrillic))


@given(st.text())
@settings(max_examples=500)
@example("a'\u0301")
@example("ё\u0308")
@example("\u1100'\u1161")
def test_fold_is_idempotent_and_absorbs_normalise(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert fold(normalise(text)) == once
    assert once == once.strip()
    assert "  " not in once


@given(st.text())
def test_skeleton_is_idempotent(text: str) -> None:
    once = skeleton(fold(text))
    assert skeleton(once) == once


def test_fold_maps_case_stable_characters_to_case_stable_ones() -> None:
    """fold() relies on this to skip a casefold check (see its comments)."""
    unstable = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF
        and chr(code).casefold() == chr(code)
        and _NORMALISE_AND_FOLD_TABLE[code].casefold() != _NORMALISE_AND_FOLD_TABLE[code]
    ]
    assert unstable == []


def test_casefold_is_idempotent_on_every_code_point() -> None:
    """fold() relies on this too: one casefold() pass is enough."""
    assert [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF and chr(code).casefold().casefold() != chr(code).casefold()
    ] == []


# ---------------------------------------------------------------------------
# Verdict invariance
# ---------------------------------------------------------------------------


def _phrases() -> list[str]:
    fields = ("opt_out.all", "opt_out.marketing", "opt_in.all", "complaint", "help", "guard")
    return sorted({p for field in fields for ps in LEXICON.phrases(field).values() for p in ps})


_SAMPLES = st.one_of(
    st.sampled_from(_phrases()),
    st.sampled_from(
        ["Стоп, а где мой заказ?", "не пишите мне больше", "Where is my order?", "отмена"]
    ),
    st.text(max_size=40),
)
# Stop-sign emoji are not in here: they are a signal of their own (tests/test_intent_repair.py).
_TRAILING = st.text(alphabet='.,!?…»")]🙏❤️👍🏽😡✋ \t\n', max_size=6)
_WHITESPACE = st.text(alphabet=" \t\n\u00a0\u2003\u200b", max_size=3)


@given(text=_SAMPLES, leading=_WHITESPACE, trailing=_TRAILING)
@settings(max_examples=400)
def test_case_whitespace_and_trailing_punctuation_do_not_change_the_verdict(
    text: str, leading: str, trailing: str
) -> None:
    verdict = classify_text(text)
    assert classify_text(text.upper()) == verdict
    assert classify_text(text.lower()) == verdict
    assert classify_text(leading + text + trailing) == verdict


@given(_SAMPLES)
def test_verdicts_are_well_formed(text: str) -> None:
    verdict = classify_text(text)
    assert verdict == classify_text(unicodedata.normalize("NFD", text))
    if verdict.intent is NONE:
        assert verdict == NO_INTENT
        return
    assert verdict.language in LEXICON.languages
    assert verdict.matched
    if verdict.intent in (OUT, IN, COMPLAINT):
        assert verdict.categories in (A, M)
    if verdict.intent is COMPLAINT:
        assert verdict.categories == A
    if verdict.intent is HELP:
        assert verdict.categories == NO
    assert (verdict.intent is REVIEW) == (verdict.suggested is not None)


# ---------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", LEXICON.languages)
def test_every_language_has_its_replies(language: str) -> None:
    for intent in (OUT, IN, HELP):
        reply = reply_for(intent, language)
        assert reply is not None
        assert reply.language == language
        assert reply.text


def test_reply_follows_the_verdict() -> None:
    verdict = classify_text("Отпишите меня пожалуйста")
    reply = reply_for(verdict.intent, verdict.language)
    assert reply is not None
    assert (reply.kind, reply.language) == ("opt_out", "ru")
    assert "СТАРТ" in reply.text
    assert classify_text("СТАРТ").intent is IN  # the reply's keyword works


def test_reply_fallbacks() -> None:
    complaint = reply_for(COMPLAINT, "ru")
    assert complaint is not None
    assert complaint.kind == "opt_out"
    base = reply_for(OUT, "uz-Latn")
    assert base is not None
    assert base.language == "uz"
    unknown = reply_for(OUT, "pl")
    assert unknown is not None
    assert unknown.language == "en"
    assert reply_for(OUT, None) == reply_for(OUT, "en")
    assert reply_for(REVIEW, "ru") is None
    assert reply_for(NONE, "ru") is None
