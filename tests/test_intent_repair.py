"""Repairs of words the lexicon does not know: layouts, look-alikes, typos, emoji.

Tables for what a repair turns a word into, Hypothesis for the edit distance, and the
classifier on what a repaired message decides (and what it must not).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.intent import Intent, classify_text, default_lexicon
from bot.intent.keyboard import to_cyrillic, to_latin
from bot.intent.repair import Repairer, damerau
from bot.intent.text import fold

REPAIRER = Repairer(default_lexicon().index.primary)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("cnjg", "стоп"),
        ("[dfnbn", "хватит"),
        ("jngbibnt vtyz", "отпишите меня"),
        ("ыещз", "stop"),
        ("гтыгиыскшиу", "unsubscribe"),
    ],
)
def test_the_wrong_keyboard_layout(typed: str, meant: str) -> None:
    assert fold(to_cyrillic(typed) if typed.isascii() else to_latin(typed)) == fold(meant)
    verdict = classify_text(typed)
    assert verdict.intent is Intent.OPT_OUT
    assert verdict.matched == fold(meant)


@pytest.mark.parametrize(
    "text",
    [
        "ST0P",
        "СТ0П",
        "0тпишите",
        "unsub$cribe",
        "unsubscibe",
        "stpo",
        "атпишите",
        "отпешите меня",
        "отписатся пажалуйста",
        "🛑",
        "⛔️",
        "🚫🚫",
    ],
)
def test_repaired_requests_are_honoured(text: str) -> None:
    assert classify_text(text).intent is Intent.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "shop",  # four letters: only a swap is repaired, never "stop"
        "спасибо",
        "where is my order",
        "Где мой заказ?",
        "ok",
        "thanks 👍",
        "order 4053 shipped",
        "стопка тарелок",
    ],
)
def test_ordinary_messages_stay_ordinary(text: str) -> None:
    assert classify_text(text).intent is Intent.NONE


def test_a_known_message_is_not_repaired() -> None:
    assert REPAIRER.repair("стоп", fold("стоп")) is None
    assert REPAIRER.repair("hello there", fold("hello there")) is None


def test_a_word_equally_near_two_lexicon_words_is_left_alone() -> None:
    near = REPAIRER.nearest
    assert near("unsubsribe") in {"unsubscribe", "unsubcribe", "unsubscibe"}  # one meaning
    assert near("unsubscibe") is None  # the lexicon knows this spelling itself
    assert near("stop") is None  # known already
    assert near("abc") is None  # too short to repair


@given(st.text(alphabet="абвгдежзиклмнопрстуabcdefghijklmnop", max_size=12))
def test_distance_is_zero_only_for_the_same_word(word: str) -> None:
    assert damerau(word, word, 2) == 0
    if word:
        assert damerau(word, word[1:], 2) == 1
    if len(word) >= 2:
        swapped = word[1] + word[0] + word[2:]
        assert damerau(word, swapped, 2) == (0 if swapped == word else 1)


@given(st.text(max_size=60))
def test_repair_never_raises_and_is_folded(text: str) -> None:
    folded = fold(text)
    repaired = REPAIRER.repair(text, folded)
    if repaired is not None:
        assert fold(repaired) == repaired


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("how do I unsubscribe?", Intent.HELP),
        ("как отписаться?", Intent.HELP),
        ("¿Cómo me doy de baja?", Intent.HELP),
        ("Как же вы достали, отпишите меня", None),  # an exclamation, not a question
        ("отпишите меня", Intent.OPT_OUT),
        ("unsubscribe karne ke liye kya likhna hai", Intent.HELP),
        ("was muss ich schreiben damit keine nachrichten mehr kommen?", Intent.HELP),
        ("qué escribo para darme de baja?", Intent.HELP),
        ("ne yazmam lazım abonelikten çıkmak için?", Intent.HELP),
        ("how do i unsubscribe from these", Intent.HELP),  # no question mark, three words
        ("¿Qué tengo que escribir para que dejen de llegar estos mensajes?", Intent.HELP),
        ("que abuso mandar mensagem domingo 7h da manhã", None),  # an exclamation
        ("Iltimos, menga boshqa hech qanday xabar yubormang", None),  # "of any kind"
        ("how about you stop sending me this", None),
        ("I dont know what else to write, stop it", None),  # a denial: the request
        ("не надо отправляй", None),  # a negation, no what-word
        ("STOP. What do I have to write for you to get it?", None),  # a request beside it
    ],
)
def test_a_question_of_how_to_stop_is_help(text: str, intent: Intent | None) -> None:
    verdict = classify_text(text)
    if intent is None:
        assert verdict.intent is not Intent.HELP
    else:
        assert verdict.intent is intent
