"""A question about how to stop is a help question, not the request itself.

"How do I unsubscribe?", «как отписаться?», "¿cómo me doy de baja?" ask for the way; the
answer tells it, and nothing is suppressed on the strength of the question. A message is such
a question when it holds one request phrase, and in the sentence that holds it a word asking
*how* or *where* stands at most :data:`NEAR` words before the phrase, or anywhere before it
when that sentence ends with a question mark. Anything else stays a request, because a missed
stop costs more than an unanswered question:

- «Как же вы достали, отпишите меня»: the «как» is an exclamation, four words away;
- "how many times do I have to say stop?": "how many", "how dare" ask no way;
- «Как вас отписать? СТОП»: a second request stands beside the question.

A question of *what to write* is the same question: "what do I have to write so these
stop?", «что написать, чтобы отписаться?», "unsubscribe karne ke liye kya likhna hai". Its
sentence holds a what-word and a verb of writing or sending, ends with a question mark or
is short (at most :data:`SHORT` words), and denies nothing ("I don't know what else to
write, stop it" is a request).

The words are folded (:func:`bot.intent.text.fold`), per language family; pure.
"""

from __future__ import annotations

import re
from typing import Final

from bot.intent.text import fold

__all__ = ["NEAR", "SHORT", "asks_how"]

NEAR: Final = 3
SHORT: Final = 8

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


_WHAT_WORDS: Final = frozenset(
    map(
        fold,
        (
            "what",
            "was",
            "что",
            "чего",
            "шо",
            "що",
            "нима",
            "nima",
            "qué",
            "que",
            "quoi",
            "cosa",
            "che",
            "ne",
            "apa",
            "kya",
            "क्या",
            "ماذا",
            "شو",
            "ايش",
            "وش",
        ),
    )
)
# Stems of verbs of writing, typing, sending or answering, folded.
_WRITE_STEMS: Final = tuple(
    map(
        fold,
        (
            "writ",
            "typ",
            "send",
            "repl",
            "text",
            "schreib",
            "antwort",
            "напис",
            "писа",
            "отправ",
            "ответ",
            "надіс",
            "жаз",
            "yoz",
            "ёз",
            "escrib",
            "escrev",
            "mand",
            "envi",
            "respond",
            "ecri",
            "écri",
            "envoy",
            "repond",
            "répond",
            "scriv",
            "invi",
            "rispond",
            "yaz",
            "gönder",
            "gonder",
            "ketik",
            "kirim",
            "tulis",
            "balas",
            "likh",
            "bhej",
            "लिख",
            "भेज",
            "اكتب",
            "أكتب",
            "ارسل",
            "ابعت",
        ),
    )
)
_DENIALS: Final = frozenset(
    map(fold, ("not", "dont", "never", "не", "ни", "nicht", "pas", "no", "nao", "yok"))
)

_NOT_A_WAY: Final = frozenset(
    map(fold, ("many", "much", "dare", "often", "long", "come", "about", "же"))
)
# Words that make the how-word after them mean "of any kind": Uzbek «hech qanday».
_NO_KIND: Final = frozenset(map(fold, ("hech", "hich", "хеч", "хич")))
_SENTENCES: Final = re.compile(r"[^.!?\n]*[.!?\n]*")


def asks_how(text: str, phrase: str) -> bool:
    """True when ``text`` asks how to do what ``phrase`` (the matched request) says."""
    if " + " in phrase:
        return False  # more than one request: the message is the request
    words = fold(phrase).split(" ")
    if HOW_WORDS.intersection(words):
        return True  # the phrase is itself the question ("how do i unsubscribe")
    head = words[0]
    for sentence in _SENTENCES.findall(text):
        folded = fold(sentence).split(" ")
        if head not in folded:
            continue
        at = folded.index(head)
        asked = sentence.rstrip().endswith(("?", "¿", "؟"))
        for i in range(at - 1, -1, -1):
            if folded[i] in HOW_WORDS:
                if i + 1 < at and folded[i + 1] in _NOT_A_WAY:
                    return False
                if i > 0 and folded[i - 1] in _NO_KIND:
                    return False  # "hech qanday xabar": no message of any kind
                return asked or at - i <= NEAR
        return _what_to_write(folded, asked)
    # The phrase's first word is not in the text as typed (a stem, a repair): one sentence
    # may still ask what to write.
    sentences = [part for part in _SENTENCES.findall(text) if part.strip()]
    asked = text.rstrip().endswith(("?", "¿", "؟"))
    return len(sentences) == 1 and asked and _what_to_write(fold(text).split(" "), asked)


def _what_to_write(words: list[str], asked: bool) -> bool:
    """True when a sentence's folded ``words`` ask what to write (see the module's notes)."""
    if not asked and len(words) > SHORT:
        return False
    if not _DENIALS.isdisjoint(words) or _WHAT_WORDS.isdisjoint(words):
        return False
    return any(word.startswith(_WRITE_STEMS) for word in words)
