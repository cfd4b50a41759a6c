"""The decision rules: from a folded message and the lexicon's tables to a verdict.

For a message reduced to its core words (its folded words without filler words):

1. Find the lexicon phrases in it. Guard phrases go first and veto every phrase they
   overlap ("bus stop", «стоп-кран», "cancel my order"); then the longest phrases win.
2. If every core word belongs to a phrase, or names the messages or ads («сообщения»,
   "promos") next to a request, the message *is* the request: ``opt_out``, ``complaint``
   (it objects to the messages; covers ``all``), ``opt_in`` or ``help``; ``marketing``
   only when a marketing phrase or an ad word says so. "No", «не надо» (declines) are an
   opt-out only next to such a word. An opt-out next to an opt-in goes to ``review``; so
   does a phrase that is unclear on its own ("cancel", «отмена»).
3. If other words remain, nothing is decided silently: an opt-out or complaint phrase, or an
   opt-in phrase of two words or more, sends the message to ``review``; a lone opt-in word
   ("when does the sale start?"), help word or unclear word among other words is ordinary
   conversation (``none``), and so is a message whose phrases were all vetoed. A message of
   more than :data:`MAX_DECISIVE_WORDS` words is never decided silently either.

The language is the one whose words the message uses most: each known word gives one vote,
shared among the languages that have it, and each matched phrase :data:`SPAN_WEIGHT` votes
per word, shared among its languages; ties go to the matched phrases' languages, in lexicon
order.

This is the hot path (it runs on every inbound message), written for speed: enum members
bound to module names, verdicts shared, languages as bit masks.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Final

from bot.intent.index import SPAN_WEIGHT, Kind, Matcher, Rule, WordInfo
from bot.intent.verdict import ALL, MARKETING, NO_INTENT, Intent, Verdict

__all__ = ["GUARDED", "MAX_DECISIVE_WORDS", "SPAN_WEIGHT", "decide"]

GUARDED: Final = Verdict(Intent.NONE, frozenset(), None, None, None, "guarded")
"""Nothing, because a guard phrase vetoed what matched ("bus stop", "don't stop"): the
classifier answers :data:`NO_INTENT`, and the model is not asked to read it otherwise."""

MAX_DECISIVE_WORDS: Final = 40
"""A longer message is never decided silently, however well its words are covered."""

# Enum members bound to module names: attribute access on an enum class costs several
# times a global lookup in Python 3.11, and every message needs many.
_I_COMPLAINT: Final = Intent.COMPLAINT
_I_HELP: Final = Intent.HELP
_I_OPT_IN: Final = Intent.OPT_IN
_I_OPT_OUT: Final = Intent.OPT_OUT
_I_REVIEW: Final = Intent.REVIEW
_K_COMPLAINT: Final = Kind.COMPLAINT
_K_DECLINE: Final = Kind.DECLINE
_K_GUARD: Final = Kind.GUARD
_K_HELP: Final = Kind.HELP
_K_NEUTRAL: Final = Kind.NEUTRAL
_K_OPT_IN: Final = Kind.OPT_IN
_K_OPT_OUT: Final = Kind.OPT_OUT
_REQUESTS: Final = frozenset({Kind.OPT_OUT, Kind.OPT_IN, Kind.COMPLAINT})
_FAST_KINDS: Final = frozenset({*_REQUESTS, Kind.HELP, Kind.UNCLEAR})
_AGAINST: Final = frozenset({Kind.OPT_OUT, Kind.COMPLAINT})

_ALL: Final = frozenset({ALL})
_MARKETING: Final = frozenset({MARKETING})
_NONE: Final[frozenset[str]] = frozenset()

Span = tuple[int, int, Rule]
"""A phrase found in a message: first core word, end (exclusive), the phrase's rule."""


def decide(
    matcher: Matcher,
    words: list[str],
    folded: str,
    voters: list[WordInfo],
    languages: tuple[str, ...],
) -> Verdict | None:
    """The verdict for one spelling form of a message, ``None`` when no phrase matched.

    ``words`` are the message's folded words (``folded`` joined); ``voters`` collects the
    words that vote for a language, on the first call for a message (a second call for
    its romanised form reuses them).
    """
    known = matcher.words
    collect = not voters
    core: list[str] = []
    starts: list[tuple[int, WordInfo]] = []
    for word in words:
        info = known.get(word)
        if info is None:
            core.append(word)
            continue
        if collect and info.mask:
            voters.append(info)
        if not info.filler:
            if info.single is not None or info.lengths:
                starts.append((len(core), info))
            core.append(word)
    if not starts:
        return None
    spans = _find(matcher.phrases, core, starts)
    if not spans:
        return None
    if len(spans) == 1:
        start, end, rule = spans[0]
        if (
            end - start == len(core)
            and rule.kind in _FAST_KINDS
            and len(words) <= MAX_DECISIVE_WORDS
        ):
            # The whole message is one phrase (and filler words): the common case.
            return _single(
                rule.kind,
                _MARKETING if rule.marketing else _ALL,
                choose_language(languages, voters, spans),
                matcher.exact.get(folded, rule.phrase),
            )
    else:
        spans = _select(spans)
    return _weigh(matcher, core, spans, folded, voters, languages, len(words))


def _weigh(
    matcher: Matcher,
    core: list[str],
    spans: list[Span],
    folded: str,
    voters: list[WordInfo],
    languages: tuple[str, ...],
    length: int,
) -> Verdict:
    """Rules 2 and 3: which words the phrases cover, and what that makes of the message."""
    covered = [False] * len(core)
    kinds: set[Kind] = set()
    marketing = guarded = False
    deciding: list[Span] = []
    declines: list[Span] = []
    for span in spans:
        kind = span[2].kind
        if kind is _K_GUARD:
            guarded = True
        elif kind is _K_DECLINE:
            declines.append(span)
        else:
            covered[span[0] : span[1]] = [True] * (span[1] - span[0])
            if kind is not _K_NEUTRAL:
                kinds.add(kind)
                marketing = marketing or span[2].marketing
                deciding.append(span)
    ads: list[str] = []  # ad words that made the request marketing-only
    if declines or kinds & _REQUESTS:
        topical = [i for i, word in enumerate(core) if not covered[i] and word in matcher.topical]
        if topical and declines:
            for span in declines:
                covered[span[0] : span[1]] = [True] * (span[1] - span[0])
                deciding.append(span)
            kinds.add(_K_OPT_OUT)
        if kinds & _REQUESTS:
            for i in topical:
                covered[i] = True
                if core[i] in matcher.marketing_words:
                    marketing = True
                    ads.append(core[i])
    if not deciding:
        return GUARDED if guarded else NO_INTENT
    language = choose_language(languages, voters, deciding)
    rest = covered.count(False)
    if len(deciding) == 1 and not ads:
        phrase = deciding[0][2].phrase
        matched = matcher.exact.get(folded, phrase) if rest == 0 else phrase
    else:
        deciding.sort(key=_start)
        matched = " + ".join(dict.fromkeys([*(span[2].phrase for span in deciding), *ads]))
    categories = _MARKETING if marketing else _ALL
    if rest == 0 and not guarded and length <= MAX_DECISIVE_WORDS:
        return _whole(kinds, categories, language, matched)
    return _partial(kinds, deciding, categories, language, matched, guarded, length)


def choose_language(
    languages: tuple[str, ...], voters: Sequence[WordInfo], spans: Sequence[Span]
) -> str:
    """The language whose words the message uses most (see the module docstring).

    Each word spreads the same weight over its languages, so a language that every voting
    word and matched phrase has scores highest, and ties with the others that do: the first
    of them in lexicon order is the answer, found with a few bit operations. Only a message
    whose words share no language (code-switching: "STOP пожалуйста") needs the count.
    """
    mask = spans[0][2].mask
    for span in spans:
        mask &= span[2].mask
    for info in voters:
        mask &= info.mask
    if mask:
        return languages[(mask & -mask).bit_length() - 1]
    scores = [0.0] * len(languages)
    for info in voters:
        for language, weight in info.votes:
            scores[language] += weight
    for span in spans:
        rule = span[2]
        for language in rule.languages:
            scores[language] += rule.share
    best = max(scores)
    tied = [lang for span in spans for lang in span[2].languages if scores[lang] == best]
    return languages[min(tied) if tied else scores.index(best)]


def _start(span: Span) -> int:
    return span[0]


def _find(
    phrases: dict[tuple[str, ...], Rule], core: list[str], starts: list[tuple[int, WordInfo]]
) -> list[Span]:
    """The phrases found, from the words known to start one."""
    spans: list[Span] = []
    size = len(core)
    for start, info in starts:
        # Only the longest phrase at a position can win, unless a shorter one is a guard.
        longest = True
        for length in info.lengths:
            end = start + length
            if end <= size:
                rule = phrases.get(tuple(core[start:end]))
                if rule is not None and (longest or rule.kind is _K_GUARD):
                    spans.append((start, end, rule))
                    longest = False
        single = info.single
        if single is not None and (longest or single.kind is _K_GUARD):
            spans.append((start, start + 1, single))
    return spans


def _priority(span: Span) -> tuple[bool, int, int]:
    return span[2].kind is not _K_GUARD, span[0] - span[1], span[0]


def _select(spans: list[Span]) -> list[Span]:
    """Guards first (they veto what they overlap), then longest first, leftmost first."""
    taken: set[int] = set()
    chosen: list[Span] = []
    for span in sorted(spans, key=_priority):
        positions = range(span[0], span[1])
        if taken.isdisjoint(positions):
            taken.update(positions)
            chosen.append(span)
    return chosen


@functools.lru_cache(maxsize=4096)
def _verdict(
    intent: Intent,
    categories: frozenset[str],
    language: str,
    matched: str,
    suggested: Intent | None = None,
    reason: str | None = None,
) -> Verdict:
    """A verdict, shared when equal: verdicts are immutable, the same few recur on every
    inbound message («стоп», "stop"), and building a frozen dataclass costs more than the
    lookup (``matched`` is a lexicon phrase, never the customer's text)."""
    return Verdict(intent, categories, language, matched, suggested, reason)


def _single(kind: Kind, categories: frozenset[str], language: str, matched: str) -> Verdict:
    """The message is one phrase (and filler words)."""
    if kind is _K_OPT_OUT:
        return _verdict(_I_OPT_OUT, categories, language, matched)
    if kind is _K_OPT_IN:
        return _verdict(_I_OPT_IN, categories, language, matched)
    if kind is _K_COMPLAINT:
        return _verdict(_I_COMPLAINT, _ALL, language, matched)
    if kind is _K_HELP:
        return _verdict(_I_HELP, _NONE, language, matched)
    return _verdict(_I_REVIEW, _ALL, language, matched, _I_OPT_OUT, "unclear")


def _whole(kinds: set[Kind], categories: frozenset[str], language: str, matched: str) -> Verdict:
    """The message is nothing but phrases (and filler words): decide, unless they disagree."""
    if _K_OPT_IN in kinds and kinds & _AGAINST:
        return _verdict(_I_REVIEW, categories, language, matched, _I_OPT_OUT, "conflict")
    if _K_COMPLAINT in kinds:
        return _verdict(_I_COMPLAINT, _ALL, language, matched)
    if _K_OPT_OUT in kinds:
        return _verdict(_I_OPT_OUT, categories, language, matched)
    if kinds == {_K_OPT_IN}:
        return _verdict(_I_OPT_IN, categories, language, matched)
    if kinds == {_K_HELP}:
        return _verdict(_I_HELP, _NONE, language, matched)
    if _K_OPT_IN in kinds:
        return _verdict(_I_REVIEW, categories, language, matched, _I_OPT_IN, "conflict")
    return _verdict(_I_REVIEW, _ALL, language, matched, _I_OPT_OUT, "unclear")


def _partial(
    kinds: set[Kind],
    spans: list[Span],
    categories: frozenset[str],
    language: str,
    matched: str,
    guarded: bool,
    length: int,
) -> Verdict:
    """Phrases among other words: a request goes to a person, anything weaker is nothing."""
    if guarded:
        reason = "guarded"
    elif length > MAX_DECISIVE_WORDS:
        reason = "too_long"
    elif _K_OPT_IN in kinds and kinds & _AGAINST:
        reason = "conflict"
    else:
        reason = "other_content"
    if _K_COMPLAINT in kinds:
        return _verdict(_I_REVIEW, _ALL, language, matched, _I_COMPLAINT, reason)
    if _K_OPT_OUT in kinds:
        return _verdict(_I_REVIEW, categories, language, matched, _I_OPT_OUT, reason)
    strong_opt_in = any(span[2].kind is _K_OPT_IN and span[2].size > 1 for span in spans)
    if strong_opt_in and not guarded:
        return _verdict(_I_REVIEW, categories, language, matched, _I_OPT_IN, reason)
    return GUARDED if guarded else NO_INTENT
