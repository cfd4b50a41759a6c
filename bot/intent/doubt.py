"""When a request among other words is still a request.

The rules send a stop phrase with other words around it to review (``other_content``). Most
such messages are plain requests with a greeting, a name, a reason or a curse around them
("Kindly stop sending me messages. Regards, Tom", «ДОСИТЬ!!! Видаліть мене нарешті»); a
person is needed only when the other words may change what the request means:

- a condition anywhere: «*если* ещё раз пришлёте, отпишусь», "unsubscribe me *when* the
  sale ends";
- a contrast after the request: "stop the ads *but* where is my refund", «не пишите про
  акции, *а* по заказу пишите». A contrast before it only turns to the request ("thanks for
  everything, *but* I want no more messages", "nix gegen euch, *aber* ich will raus");
- a question about something else: «Стоп. Где мой заказ?», "this is spam, where is my
  refund" (a question word that is not part of the matched phrases, or a question mark in
  another sentence than the request).

:func:`doubtful` says whether a message has such words (per language, folded) or such a
question. Pure; the words are few on purpose, since each one keeps a request in review.
"""

from __future__ import annotations

import re
from typing import Final

from bot.intent.text import fold

__all__ = ["doubtful", "insists", "regrets", "returns"]

# Contrast and condition words per language, folded (bot.intent.text.fold). Words that are
# also everyday pronouns or particles ("se", "si", "ou", "par") are left out.
_MARKERS: Final = {
    "en": frozenset({"but", "if", "however", "though", "unless", "except", "where", "when"}),
    "ru": frozenset({"но", "а", "если", "однако", "зато", "кроме", "только", "где", "когда"}),
    "uk": frozenset({"але", "а", "якщо", "однак", "проте", "крим", "тильки", "де", "коли"}),
    "kk": frozenset({"бирак", "егер", "алайда", "тек", "кайда", "кашан"}),
    "uz": frozenset({"lekin", "ammo", "agar", "faqat", "biroq", "qayerda", "qachon"}),
    "uz-Cyrl": frozenset({"лекин", "аммо", "агар", "факат", "бирок", "каерда", "качон"}),
    "es": frozenset({"pero", "sino", "excepto", "salvo", "aunque", "solo", "donde", "cuando"}),
    "pt": frozenset({"mas", "porem", "exceto", "caso", "embora", "so", "onde", "quando"}),
    "de": frozenset({"aber", "wenn", "falls", "ausser", "sondern", "doch", "nur", "wann"}),
    "fr": frozenset({"mais", "sauf", "sinon", "pourtant", "seulement", "quand"}),
    "it": frozenset({"ma", "pero", "tranne", "eccetto", "tuttavia", "solo", "dove", "quando"}),
    "tr": frozenset({"ama", "fakat", "ancak", "eger", "sadece", "yalnizca", "nerede", "ne"}),
    "id": frozenset(
        {"tapi", "tetapi", "namun", "kalau", "jika", "kecuali", "hanya", "cuma", "kapan"}
    ),
    "hi": frozenset({"लेकिन", "पर", "अगर", "मगर", "सिर्फ", "कब"}),
    "hi-Latn": frozenset({"lekin", "magar", "agar", "sirf", "bas", "kab", "kahan"}),
    "ar": frozenset({"لكن", "بس", "اذا", "لو", "الا", "فقط", "وين", "متى"}),
}
# The markers above that doubt wherever they stand: conditions and questions of place and time.
_ANYWHERE: Final = frozenset(
    map(
        fold,
        (
            "if",
            "unless",
            "where",
            "when",
            "если",
            "где",
            "когда",
            "якщо",
            "де",
            "коли",
            "егер",
            "кайда",
            "кашан",
            "agar",
            "qayerda",
            "qachon",
            "агар",
            "каерда",
            "качон",
            "donde",
            "cuando",
            "caso",
            "onde",
            "quando",
            "wenn",
            "falls",
            "wann",
            "dove",
            "eger",
            "nerede",
            "ne",
            "kalau",
            "jika",
            "kapan",
            "अगर",
            "कब",
            "kab",
            "kahan",
            "اذا",
            "لو",
            "وين",
            "متى",
        ),
    )
)
_FOLDED: Final = {lang: frozenset(map(fold, words)) for lang, words in _MARKERS.items()}
_ANY: Final = frozenset().union(*_FOLDED.values())
_SENTENCES: Final = re.compile(r"[^.!?\n]*[.!?\n]*")


def doubtful(
    words: list[str], text: str, phrase: str, language: str | None, questions: bool = True
) -> bool:
    """True when the folded ``words`` of ``text`` carry a contrast, a condition, or (when
    ``questions``) a question in another sentence than the one holding ``phrase`` (the
    matched request)."""
    markers = _FOLDED.get(language or "", _ANY)
    matched = set(fold(phrase).split(" "))
    found = markers.intersection(words) - matched
    if found:
        head = fold(phrase.split(" + ")[0]).split(" ")[0]
        start = words.index(head) if head in words else 0
        for at, word in enumerate(words):
            if word in found and (at > start or word in _ANYWHERE):
                return True
    if not questions or "?" not in text:
        return False
    head = fold(phrase.split(" + ")[0]).split(" ")[0]
    for sentence in _SENTENCES.findall(text):
        if sentence.rstrip().endswith("?") and head not in fold(sentence).split(" "):
            return True
    return False


# How a person who has asked before says it again: "how many times do I have to say stop?",
# «сколько можно, отпишите», "¿cuántas veces tengo que decirlo?". Beside a stop phrase they
# make the request more certain, not a question to answer. Folded word sequences.
_INSISTENCE: Final = tuple(
    tuple(fold(phrase).split(" "))
    for phrase in (
        "how many times",
        "how often do i",
        "сколько можно",
        "сколько раз",
        "в который раз",
        "скільки можна",
        "скільки разів",
        "вкотре",
        "канша рет",
        "necha marta",
        "неча марта",
        "cuantas veces",
        "quantas vezes",
        "quante volte",
        "combien de fois",
        "wie oft",
        "zum wievielten mal",
        "kac kere",
        "kac defa",
        "kac kez",
        "berapa kali",
        "kitni baar",
        "kitni bar",
        "कितनी बार",
        "كم مرة",
    )
)


def insists(words: list[str]) -> bool:
    """True when the folded ``words`` ask again what was asked before (see
    :data:`_INSISTENCE`)."""
    for phrase in _INSISTENCE:
        size = len(phrase)
        head = phrase[0]
        for i, word in enumerate(words):
            if word == head and tuple(words[i : i + size]) == phrase:
                return True
    return False


# Words that say an earlier opt-out was a mistake or is taken back ("I unsubscribed by
# accident, add me back", «случайно отписалась, подпишите обратно»), folded.
_REGRET: Final = frozenset(
    {
        # en
        "accident",
        "accidentally",
        "unintentionally",
        "misclick",
        "misclicked",
        "mistake",
        "mistakenly",
        # ru, uk
        "случайно",
        "ошибке",
        "ошибочно",
        "передумал",
        "передумала",
        "нечаянно",
        "ненароком",
        "випадково",
        "помилково",
        "передумав",
        # kk, uz, uz-Cyrl
        "байкамай",
        "кателесип",
        "adashib",
        "tasodifan",
        "адашиб",
        "тасодифан",
        # es, pt, it, fr, de
        "error",
        "equivocacion",
        "engano",
        "sbaglio",
        "errore",
        "erreur",
        "expres",
        "versehentlich",
        "versehen",
        "unabsichtlich",
        "arrepenti",
        "arrependi",
        "involontairement",
        # tr, id
        "yanlislikla",
        "kazara",
        "pisman",
        "sengaja",
        # hi, hi-Latn, ar
        "गलती",
        "galti",
        "galati",
        "بالغلط",
        "خطا",
    }
)


_REGRET_FOLDED: Final = frozenset(map(fold, _REGRET))
# A negation anywhere keeps the message with a person: "stop, do not subscribe me back",
# "I did not unsubscribe by mistake".
_NEGATIONS: Final = frozenset(
    map(
        fold,
        (
            "not",
            "dont",
            "didnt",
            "never",
            "no",
            "не",
            "нет",
            "ни",
            "ні",
            "жок",
            "emas",
            "yoq",
            "эмас",
            "йук",
            "no",
            "nunca",
            "nao",
            "nicht",
            "kein",
            "keine",
            "nie",
            "pas",
            "ne",
            "jamais",
            "non",
            "mai",
            "değil",
            "degil",
            "yok",
            "tidak",
            "gak",
            "nggak",
            "jangan",
            "nahi",
            "nahin",
            "mat",
            "नहीं",
            "मत",
            "لا",
            "ما",
            "مش",
        ),
    )
)


def regrets(words: list[str]) -> bool:
    """True when the folded ``words`` take an earlier opt-out back (see :data:`_REGRET`)
    and deny nothing."""
    return not _REGRET_FOLDED.isdisjoint(words) and _NEGATIONS.isdisjoint(words)


# Words that ask for something back ("add me back", «подпишите снова», "wieder", "lagi"),
# folded: beside an earlier stop the message names, the sign of an opt-in that the model
# must still confirm ("I wrote STOP last week but I want the offers again").
_AGAIN: Final = frozenset(
    map(
        fold,
        (
            "again",
            "back",
            "resubscribe",
            "rejoin",
            "снова",
            "обратно",
            "заново",
            "вновь",
            "верните",
            "знову",
            "назад",
            "поверніть",
            "қайта",
            "қайтадан",
            "тағы",
            "yana",
            "qayta",
            "qaytadan",
            "яна",
            "қайтадан",
            "nuevo",
            "volver",
            "vuelvan",
            "novo",
            "voltar",
            "voltem",
            "novamente",
            "wieder",
            "erneut",
            "zurück",
            "nouveau",
            "revenir",
            "remettez",
            "remettre",
            "nuovo",
            "rimettetemi",
            "tornare",
            "tekrar",
            "yeniden",
            "geri",
            "lagi",
            "kembali",
            "फिर",
            "दोबारा",
            "वापस",
            "phir",
            "dobara",
            "wapas",
            "vapas",
            "تاني",
            "جديد",
            "ثانية",
        ),
    )
)


def returns(words: list[str]) -> bool:
    """True when the folded ``words`` ask for something back (see :data:`_AGAIN`) and deny
    nothing."""
    return not _AGAIN.isdisjoint(words) and _NEGATIONS.isdisjoint(words)
