"""Text normalisation: a readable canonical form, and a coarser key used only for matching.

:func:`normalise` is the form kept as evidence and compared with button labels: Unicode
NFKC, case folding, «ё» → «е», apostrophes dropped ("don't" → "dont", "to'xtat" →
"toxtat"), punctuation, symbols, emoji and every kind of whitespace turned into single
spaces.

:func:`fold` goes further, so that the spellings customers really type meet the lexicon:
accents dropped ("não" → "nao", "löschen" → "loschen"), Kazakh, Uzbek and Ukrainian letters
mapped to the Russian ones a Russian keyboard gives («тоқтатыңыз» → «токтатыныз»), Arabic
letter variants and vowel marks unified, Devanagari nukta and nasal marks dropped, Latin
look-alikes inside a Cyrillic word made Cyrillic («CTOП» → «стоп») and the reverse,
and runs of one letter collapsed («стоооп» → «стоп»; also «рассылка» → «расылка», which
is harmless because the lexicon is folded the same way).

:func:`skeleton` maps text in either Cyrillic or Latin letters to one rough Latin spelling,
so that romanised Russian ("otpishite", "ne pishite") meets the Cyrillic lexicon.

All three are idempotent and pure.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType
from typing import Final

__all__ = ["fold", "has_latin", "normalise", "skeleton"]

# ---------------------------------------------------------------------------
# normalise
# ---------------------------------------------------------------------------

_SEPARATOR_CATEGORY_PREFIXES: Final = ("P", "S", "Z", "C")
_SEPARATOR_CATEGORIES: Final = frozenset({"Me"})
_VARIATION_SELECTORS: Final = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))
# Apostrophes join the letters around them: customers write "dont" as often as "don't",
# and Uzbek Latin writes the same letter as o', o‘, oʻ or plain o.
_APOSTROPHES: Final = "'`´ʹʻʼʽʾʿˈ‘’‛′"
_CHAR_REPLACEMENTS: Final = MappingProxyType({"ё": "е", **dict.fromkeys(_APOSTROPHES, "")})


class _SeparatorTable(dict[int, str]):
    """``str.translate`` table mapping punctuation, symbols, emoji and controls to a space.

    Entries are computed on first sight of a code point and cached, so the per-character
    cost after warm-up is one dict lookup.
    """

    def __missing__(self, code_point: int) -> str:
        char = chr(code_point)
        replacement = _CHAR_REPLACEMENTS.get(char)
        if replacement is None:
            category = unicodedata.category(char)
            is_separator = (
                category.startswith(_SEPARATOR_CATEGORY_PREFIXES)
                or category in _SEPARATOR_CATEGORIES
                or any(code_point in block for block in _VARIATION_SELECTORS)
            )
            replacement = " " if is_separator else char
        self[code_point] = replacement
        return replacement


_SEPARATOR_TABLE: Final = _SeparatorTable()
_MAX_PASSES: Final = 8


def _normalise_once(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not unicodedata.is_normalized("NFKC", folded):
        folded = unicodedata.normalize("NFKC", folded)
    return " ".join(folded.translate(_SEPARATOR_TABLE).split())


def _is_stable(text: str) -> bool:
    """True when NFKC and case folding would leave ``text`` as it is."""
    return text.isascii() or (unicodedata.is_normalized("NFKC", text) and text.casefold() == text)


def normalise(text: str) -> str:
    """Reduce free text to a canonical, comparable form.

    Applies Unicode NFKC and case folding, maps «ё» to «е», drops apostrophes, turns
    punctuation, symbols, emoji, controls and every kind of whitespace into single spaces
    and strips the ends. The result is idempotent: ``normalise(normalise(x)) ==
    normalise(x)``. Case folding or a dropped apostrophe can undo NFKC for a few code
    points, so the steps repeat until the text stops changing (one pass suffices for
    ASCII output).
    """
    if text.isascii():
        # NFKC is the identity on ASCII and casefold() is lower(): skip both.
        folded = text.lower().translate(_SEPARATOR_TABLE)
        return " ".join(folded.split())
    current = _normalise_once(text)
    if _is_stable(current):
        return current
    for _ in range(_MAX_PASSES):
        following = _normalise_once(current)
        if following == current:
            break
        current = following
    return current


# ---------------------------------------------------------------------------
# fold
# ---------------------------------------------------------------------------

# Combining marks dropped from letters: Latin, Greek and Cyrillic diacritics ("é", «й»,
# «ї», «ў»), Arabic short vowels and shadda, Devanagari nukta and nasalisation
# (customers write «नहीं» and «नही», «ज़» and «ज» interchangeably).
_DROPPED_MARKS: Final = frozenset(
    (
        *range(0x0300, 0x0370),
        *range(0x064B, 0x0660),
        0x0670,
        0x0640,  # Arabic tatweel (elongation), a letter modifier rather than a mark
        0x0901,
        0x0902,
        0x093C,
    )
)
_LETTER_FOLDS: Final = MappingProxyType(
    {
        # Turkish dotless i: "ı" has no decomposition, and upper-casing "ı" gives "I".
        "ı": "i",
        # Kazakh, Uzbek, Ukrainian and Belarusian letters that a Russian keyboard lacks.
        "қ": "к",
        "ғ": "г",
        "ң": "н",
        "ү": "у",
        "ұ": "у",
        "ө": "о",
        "ә": "а",
        "һ": "х",
        "ҳ": "х",
        "і": "и",
        "є": "е",
        "ґ": "г",
        # Arabic: hamza carriers and alef forms, alef maqsura, taa marbuta, Persian letters.
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ی": "ي",
        "ک": "ك",
    }
)


class _FoldTable(dict[int, str]):
    """``str.translate`` table for :func:`fold`: letter variants and dropped marks."""

    def __missing__(self, code_point: int) -> str:
        char = chr(code_point)
        replacement = _LETTER_FOLDS.get(char)
        if replacement is None:
            if code_point in _DROPPED_MARKS:
                replacement = ""
            else:
                parts = unicodedata.normalize("NFD", char)
                replacement = "".join(p for p in parts if ord(p) not in _DROPPED_MARKS)
                replacement = _LETTER_FOLDS.get(replacement, replacement)
                if len(replacement) != 1 and parts != char:
                    # A decomposition that keeps several letters is left alone.
                    replacement = char
        self[code_point] = replacement
        return replacement


_FOLD_TABLE: Final = _FoldTable()
_DOUBLE: Final = re.compile(r"(.)\1")
_REPEATS: Final = re.compile(r"(.)\1+")


def _collapse(text: str) -> str:
    """Runs of one character become one («стоооп» → «стоп»). Most texts have none, and a
    search is cheaper than a substitution, so look first."""
    if _DOUBLE.search(text) is None:
        return text
    # split() with one group gives the text between runs and each run's character:
    # joined, the runs are gone (C only, unlike sub() with a template or a callback).
    return "".join(_REPEATS.split(text))


# Letters that look alike in Latin and Cyrillic, as they are after case folding (capital
# В, Н, К, М, Т look like B, H, K, M, T). Targets are already folded.
_LATIN_TO_CYRILLIC: Final = MappingProxyType(
    {
        "a": "а",
        "b": "в",
        "c": "с",
        "e": "е",
        "h": "н",
        "i": "и",
        "k": "к",
        "m": "м",
        "o": "о",
        "p": "р",
        "t": "т",
        "x": "х",
        "y": "у",
    }
)
_CYRILLIC_TO_LATIN: Final = MappingProxyType({v: k for k, v in _LATIN_TO_CYRILLIC.items()})
_TO_CYRILLIC: Final = str.maketrans(dict(_LATIN_TO_CYRILLIC))
_TO_LATIN: Final = str.maketrans(dict(_CYRILLIC_TO_LATIN))
_LATIN_LETTER: Final = "a-z\u00df-\u024f"
_CYRILLIC_LETTER: Final = "\u0430-\u04ff"
_MIXED: Final = re.compile(
    f"[{_LATIN_LETTER}][{_CYRILLIC_LETTER}]|[{_CYRILLIC_LETTER}][{_LATIN_LETTER}]"
)
_LATIN_RE: Final = re.compile(f"[{_LATIN_LETTER}]")
_CYRILLIC_RE: Final = re.compile(f"[{_CYRILLIC_LETTER}]")


def has_latin(text: str) -> bool:
    """True when ``text`` (folded) has a Latin letter."""
    return _LATIN_RE.search(text) is not None


def _fix_token(token: str) -> str:
    """Make a word written in two scripts one script, when look-alikes allow it.

    A letter that exists in only one script decides («CTOП»: «п» is Cyrillic, so C, T and
    O are too); with only look-alikes, the script with more letters wins, Cyrillic on a
    tie. A word with letters unique to both scripts is left as it is.
    """
    latin = _LATIN_RE.findall(token)
    cyrillic = _CYRILLIC_RE.findall(token)
    if not latin or not cyrillic:
        return token
    latin_only = any(char not in _LATIN_TO_CYRILLIC for char in latin)
    cyrillic_only = any(char not in _CYRILLIC_TO_LATIN for char in cyrillic)
    if latin_only and cyrillic_only:
        return token
    if cyrillic_only or (not latin_only and len(cyrillic) >= len(latin)):
        return token.translate(_TO_CYRILLIC)
    return token.translate(_TO_LATIN)


class _NormaliseAndFoldTable(dict[int, str]):
    """Both tables in one pass: what :func:`normalise` maps a character to, folded."""

    def __missing__(self, code_point: int) -> str:
        replacement = chr(code_point).translate(_SEPARATOR_TABLE).translate(_FOLD_TABLE)
        self[code_point] = replacement
        return replacement


_NORMALISE_AND_FOLD_TABLE: Final = _NormaliseAndFoldTable()


def _stable_class() -> str:
    """A regex class of the letters the combined map leaves alone, in the scripts the
    lexicon uses. ``str.translate`` costs ~0.1 µs per non-ASCII character; finding and
    replacing only the few characters that change is several times cheaper."""
    blocks = (
        (0x0030, 0x0039),
        (0x0061, 0x007A),
        (0x0400, 0x04FF),
        (0x0600, 0x06FF),
        (0x0900, 0x097F),
    )
    kept = [
        chr(code)
        for first, last in blocks
        for code in range(first, last + 1)
        if _NORMALISE_AND_FOLD_TABLE[code] == chr(code)
    ]
    return "".join(re.escape(char) for char in kept)


class _CharMap(dict[str, str]):
    """The combined map keyed by character, for the ``re.sub`` callback."""

    def __missing__(self, char: str) -> str:
        replacement = _NORMALISE_AND_FOLD_TABLE[ord(char)]
        self[char] = replacement
        return replacement


_CHAR_MAP: Final = _CharMap()
_CHANGING: Final = re.compile(f"[^ {_stable_class()}]")


def _map_char(match: re.Match[str]) -> str:
    return _CHAR_MAP[match.group()]


def _map_changing(text: str) -> str:
    """The combined map, applied only to the characters it changes (usually a few)."""
    return _CHANGING.sub(_map_char, text)


# ASCII text: one C-level byte translation (punctuation to spaces, apostrophes dropped).
_ASCII_TABLE: Final = bytes(
    ord(_NORMALISE_AND_FOLD_TABLE[code] or " ") if code < 128 else code for code in range(256)
)
_ASCII_DROPPED: Final = bytes(code for code in range(128) if _NORMALISE_AND_FOLD_TABLE[code] == "")


def _fold_chars(normalised: str) -> str:
    folded = normalised.translate(_FOLD_TABLE)
    # Folding only drops characters; a word made only of dropped marks leaves two spaces.
    if "  " in folded or folded.startswith(" ") or folded.endswith(" "):
        folded = " ".join(folded.split())
    return folded


def _fold_rest(folded: str) -> str:
    """The word-level folds, on text already mapped character by character."""
    if not folded.isascii() and _LATIN_RE.search(folded) and _MIXED.search(folded):
        folded = " ".join(_fix_token(token) for token in folded.split(" "))
    return _collapse(folded)


def fold(text: str) -> str:
    """The matching key of ``text``: :func:`normalise` plus the folds described above.

    Idempotent: ``fold(fold(x)) == fold(x)``, and ``fold(normalise(x)) == fold(x)``.
    """
    if text.isascii():
        # The fast path of normalise() with both tables at once.
        mapped = text.lower().encode("ascii").translate(_ASCII_TABLE, _ASCII_DROPPED)
        return _collapse(" ".join(mapped.decode("ascii").split()))
    cased = unicodedata.normalize("NFKC", text).casefold()
    # casefold() is idempotent on every code point, so ``cased`` is case-stable unless
    # the second NFKC below changes it.
    stable = unicodedata.is_normalized("NFKC", cased)
    if not stable:
        cased = unicodedata.normalize("NFKC", cased)
        stable = cased.casefold() == cased
    if stable:
        # Both character maps at once. normalise() only turns characters into spaces
        # (which never compose with what follows) or drops apostrophes and maps «ё»,
        # which can leave a letter next to a combining mark: the fold drops Latin and
        # Cyrillic marks anyway, and the NFKC check below composes any other pair, so
        # the result is the fold of normalise(text) (a property test checks this).
        current = _fold_rest(" ".join(_map_changing(cased).split()))
    else:
        current = _fold_rest(_fold_chars(normalise(text)))
    for _ in range(_MAX_PASSES):
        # The fold maps case-stable characters to case-stable ones (checked over all of
        # Unicode in the tests), so only NFKC can be undone: dropping a mark can leave
        # text that NFKC composes anew (Hangul jamo around a dropped mark). Fold again.
        if current.isascii() or unicodedata.is_normalized("NFKC", current):
            break
        following = _fold_rest(_fold_chars(normalise(current)))
        if following == current:
            break
        current = following
    return current


# ---------------------------------------------------------------------------
# skeleton
# ---------------------------------------------------------------------------

_CYRILLIC_TO_ROMAN: Final = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)
# Romanisations differ ("sh"/"sch"/"shch", "zh"/"j", "kh"/"h"/"x", "ya"/"ia", "y"/"i"):
# map each family to one spelling. Order matters: longer sequences first.
_SKELETON_STEPS: Final = (
    ("shch", "sh"),
    ("sch", "sh"),
    ("zh", "j"),
    ("kh", "h"),
    ("x", "h"),
    ("ts", "c"),
    ("tz", "c"),
    ("ya", "ia"),
    ("yu", "iu"),
    ("ye", "e"),
    ("y", "i"),
    ("w", "v"),
    ("q", "k"),
)


def skeleton(folded: str) -> str:
    """A rough Latin spelling of folded text, shared by Cyrillic words and their
    romanisations: ``skeleton(fold("отпишите меня")) == skeleton(fold("otpishite menya"))``.

    Expects the output of :func:`fold`; letters of other scripts pass through.
    """
    roman = folded if folded.isascii() else folded.translate(_CYRILLIC_TO_ROMAN)
    for _ in range(_MAX_PASSES):
        # A replacement can make a new match («кх» gives "kkh", then "kh"): repeat until
        # nothing changes, so that the skeleton of a skeleton is itself.
        before = roman
        for old, new in _SKELETON_STEPS:
            if old in roman:
                roman = roman.replace(old, new)
        roman = _collapse(roman)
        if roman == before:
            break
    return roman
