"""A question about how to stop is a help question, not the request itself.

"How do I unsubscribe?", «как отписаться?», "¿cómo me doy de baja?" ask for the way; the
answer tells it, and nothing is suppressed on the strength of the question. A message is such
a question when a word asking *how* or *where* stands at most :data:`NEAR` words before the
request's phrase, or anywhere before it in a message that ends with a question mark. "Как же
вы достали, отпишите меня" stays a request: its «как» is an exclamation four words away.

The words are folded (:func:`bot.intent.text.fold`), per language family; pure.
"""

from __future__ import annotations

from typing import Final

from bot.intent.text import fold

__all__ = ["NEAR", "asks_how"]

NEAR: Final = 2

_HOW_WORDS: Final = {
    # en
    "how",
    "where",
    # ru, uk, kk, uz-Cyrl (folded: «қалай» → «калай», «і» → «и»)
    "как",
    "каким",
    "где",
    "куда",
    "як",
    "де",
    "калай",
    "кайдан",
    "кандай",
    "каердан",
    # uz
    "qanday",
    "qanaqa",
    "qayerdan",
    "qayerda",
    # es, pt, it
    "como",
    "donde",
    "onde",
    "come",
    "dove",
    # de, fr
    "wie",
    "wo",
    "comment",
    # tr
    "nasil",
    "nereden",
    "nerden",
    # id
    "bagaimana",
    "gimana",
    "caranya",
    # hi, hi-Latn
    "कैसे",
    "कहा",
    "kaise",
    "kese",
    "kaisay",
    # ar
    "كيف",
    "كيفيه",
    "ازاي",
    "وين",
}


HOW_WORDS: Final = frozenset(map(fold, _HOW_WORDS))


def asks_how(words: list[str], phrase: str, question_mark: bool) -> bool:
    """True when the folded ``words`` ask how to do what ``phrase`` (the matched request,
    folded) says: a how-word shortly before it, or before it in a question."""
    first = fold(phrase.split(" + ")[0]).split(" ")
    if HOW_WORDS.intersection(first):
        return True  # the phrase is itself the question ("how do i unsubscribe")
    head = first[0]
    try:
        at = words.index(head)
    except ValueError:
        return False
    for i in range(at - 1, -1, -1):
        if words[i] in HOW_WORDS:
            return question_mark or at - i <= NEAR
    return False
