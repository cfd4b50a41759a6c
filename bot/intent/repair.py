"""Spellings the lexicon does not know, repaired into words it does.

Customers type a stop request the way their phone lets them: «cnjg» (the keyboard still in
English mode), «ыещз» ("stop" in Russian mode), "ST0P" and "unsub$cribe", "unsubscibe" and
«атпишите», or just 🛑. :class:`Repairer` turns such words into lexicon words, one word at a
time and only where the word is unknown, so a message the rules already understand is never
changed:

- stop-sign emoji (🛑 ⛔ 🚫) become the word "stop";
- a word typed on the wrong keyboard layout (Russian ЙЦУКЕН and US QWERTY, which Ukrainian
  and Kazakh share for these letters) becomes the word the same keys give on the other one,
  when that is a lexicon word (:mod:`bot.intent.keyboard`);
- digits and symbols inside a word become the letters they stand for (0 → o, 3 → e,
  4 → a, 1 → i, 5 and $ → s, @ → a), and :func:`bot.intent.text.fold` then makes a mixed
  Latin-Cyrillic word one script;
- a word of four letters or more within a small edit distance of a lexicon word becomes
  that word: two letters swapped for a four-letter word, one edit from five letters on,
  two from nine on (Damerau-Levenshtein: insert, delete, substitute, swap). Only words that
  a phrase is made of are candidates, and a word that is the same distance from two of
  them with different meanings is left alone.

The caller decides what a repaired message may decide (:mod:`bot.intent.classify`). Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from bot.intent.index import Matcher
from bot.intent.keyboard import to_cyrillic, to_latin
from bot.intent.text import fold

__all__ = ["STOP_EMOJI", "Repairer", "damerau"]

STOP_EMOJI: Final = ("🛑", "⛔", "🚫")
_EMOJI_RE: Final = re.compile("[" + "".join(STOP_EMOJI) + "]\ufe0f?")
# A raw token that may be a Russian word typed in English mode, keys for «х ъ ж э б ю ё» included.
_LAYOUT_TOKEN: Final = re.compile(r"[a-zA-Z\[\];',.`]{3,}")
_LAYOUT_KEYS: Final = re.compile(r"[\[\];',.`]")
_INNER_SYMBOL: Final = re.compile(r"(?<=\w)[@$](?=\w)|(?<=\w)[@$]|[@$](?=\w)")
_SYMBOLS: Final = str.maketrans({"@": "a", "$": "s"})
_DIGITS: Final = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_HAS_DIGIT: Final = re.compile(r"\d")
_ALL_DIGITS: Final = re.compile(r"^\d+$")
_CYRILLIC: Final = re.compile(r"[\u0400-\u04ff]")
_MIN_EDIT: Final = 4
_MEMO: Final = 65_536  # words whose repair is remembered (a few MB at most)


def damerau(a: str, b: str, limit: int) -> int:
    """The optimal string alignment distance of ``a`` and ``b``, or ``limit + 1`` once it
    is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _allowed(length: int) -> int:
    """How many edits a word of this length may be from a lexicon word."""
    if length < _MIN_EDIT:
        return 0
    if length >= 9:
        return 2
    return 1


class Repairer:
    """Word repairs against one matcher's vocabulary (see the module docstring)."""

    __slots__ = ("_known", "_memo", "_near", "_targets")

    def __init__(self, matcher: Matcher) -> None:
        self._known = matcher.words
        targets = {word for key in matcher.phrases for word in key if len(word) >= _MIN_EDIT}
        # Polite words too («пажалуйста»), from five letters: a misspelt one would
        # otherwise stand between a request and the rule that decides it.
        targets.update(
            word for word in matcher.fillers if len(word) > _MIN_EDIT and word in matcher.words
        )
        targets.update(
            word
            for word, info in matcher.words.items()
            if info.single is not None and len(word) >= _MIN_EDIT
        )
        self._targets = frozenset(targets)
        near: dict[str, set[str]] = {}
        for word in targets:
            for variant in (word, *_deletes(word)):
                near.setdefault(variant, set()).add(word)
        self._near = {k: tuple(sorted(v)) for k, v in near.items()}
        # Repairs of words seen before: most words of real traffic recur («спасибо», "ok").
        self._memo: dict[str, str] = {}

    def known(self, word: str) -> bool:
        return word in self._known

    def repair(self, text: str, folded: str) -> str | None:
        """``text`` (whose fold is ``folded``) folded, with the words it can repair
        repaired; None when nothing was."""
        original = folded
        if any(e in text for e in STOP_EMOJI):
            text = _EMOJI_RE.sub(" stop ", text)
        if _LAYOUT_KEYS.search(text):
            text = _LAYOUT_TOKEN.sub(self._layout_token, text)
        if "@" in text or "$" in text:
            text = _INNER_SYMBOL.sub(lambda m: m.group().translate(_SYMBOLS), text)
        if text is not folded:
            folded = fold(text)
        words = folded.split(" ")
        repaired = [self._repaired(w) for w in words]
        if repaired == words and folded == original:
            return None
        result = fold(" ".join(repaired))
        return result if result and result != original else None

    def _repaired(self, word: str) -> str:
        found = self._memo.get(word)
        if found is None:
            found = self._word(word)
            if len(self._memo) >= _MEMO:
                self._memo.clear()
            self._memo[word] = found
        return found

    def _layout_token(self, match: re.Match[str]) -> str:
        token = match.group()
        if not _LAYOUT_KEYS.search(token) or self._all_known(fold(token)):
            return token
        moved = to_cyrillic(token)
        return moved if self._all_known(fold(moved)) else token

    def _all_known(self, folded: str) -> bool:
        return bool(folded) and all(w in self._known for w in folded.split(" "))

    def _word(self, word: str) -> str:
        if not word or word in self._known:
            return word
        if _HAS_DIGIT.search(word) and not _ALL_DIGITS.match(word):
            fixed = fold(word.translate(_DIGITS))
            if fixed in self._known:
                return fixed
            word = fixed
        if len(word) >= 3:
            # The same keys on the other layout («cnjg» → «стоп», «ыещз» → "stop").
            moved = fold(to_latin(word) if _CYRILLIC.search(word) else to_cyrillic(word))
            if moved in self._known and (len(word) > 3 or not self._known[moved].filler):
                return moved
        return self.nearest(word) or word

    def nearest(self, word: str) -> str | None:
        """The one lexicon word within the allowed distance of ``word`` (see the module
        docstring); None when there is none, or more than one at the best distance."""
        limit = _allowed(len(word))
        if limit == 0 or word in self._known:
            return None
        candidates = self._candidates(word, limit)
        best: list[str] = []
        best_distance = limit + 1
        for target in candidates:
            distance = damerau(word, target, limit)
            if len(word) == _MIN_EDIT and not _is_swap(word, target):
                continue
            if distance < best_distance:
                best, best_distance = [target], distance
            elif distance == best_distance:
                best.append(target)
        if best_distance > limit or not best:
            return None
        if len(best) > 1 and len({self._meaning(t) for t in best}) > 1:
            return None
        return min(best)

    def _meaning(self, word: str) -> object:
        """What a lexicon word means on its own: the lexicon lists several spellings of
        one word ("unsubcribe", "unsubscibe"), and a tie between them is no doubt."""
        rule = self._known[word].single
        return word if rule is None else (rule.kind, rule.marketing)

    def _candidates(self, word: str, limit: int) -> set[str]:
        near = self._near
        keys: Iterable[str] = (word, *_deletes(word))
        if limit >= 2:
            keys = {k for first in (word, *_deletes(word)) for k in (first, *_deletes(first))}
        found: set[str] = set()
        for key in keys:
            found.update(near.get(key, ()))
        return found


def _is_swap(a: str, b: str) -> bool:
    """True when ``b`` is ``a`` with two neighbouring letters swapped."""
    if len(a) != len(b):
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
