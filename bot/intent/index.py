"""Lookup tables compiled from lexicon layers (defaults first, a business's file over them).

Every phrase is folded (:func:`bot.intent.text.fold`) and reduced to its *core*: its
words without filler words ("отпишите меня пожалуйста" → «отпишите»). Messages are reduced
the same way before matching, so polite words may come and go anywhere. Phrases sharing a
core are one rule; the shortest phrase names it. Within one layer a core claimed by two
meanings is an error; a later layer overrides an earlier one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

from bot.intent.lexicon import LanguageData, LexiconData, expand
from bot.intent.text import fold, normalise, skeleton
from bot.intent.verdict import Intent

__all__ = [
    "SCRIPTS",
    "SPAN_WEIGHT",
    "Index",
    "Kind",
    "Matcher",
    "Rule",
    "Votes",
    "WordInfo",
    "WordSet",
    "build_index",
    "language_mask",
]


class Kind(IntEnum):
    """What a lexicon phrase means when it matches.

    An ``IntEnum`` because kinds are hashed on every message: a plain ``Enum`` hashes in
    Python, ``int`` in C.
    """

    OPT_OUT = 1
    OPT_IN = 2
    COMPLAINT = 3
    HELP = 4
    UNCLEAR = 5
    DECLINE = 6  # an opt-out only next to a topic or marketing word
    GUARD = 7
    NEUTRAL = 8  # a multi-word filler: covers words, decides nothing


SPAN_WEIGHT: Final = 2.0
"""How much each word of a matched phrase counts for the phrase's languages, against 1
for any other word of the message (shared among the languages that have the word)."""


@dataclass(frozen=True, slots=True)
class Rule:
    kind: Kind
    marketing: bool
    languages: tuple[int, ...]
    phrase: str
    size: int
    share: float  # SPAN_WEIGHT * size / len(languages): the vote a match gives each language
    mask: int  # the languages as bits


@dataclass(frozen=True, slots=True)
class WordSet:
    """Single words, some of them prefixes (``"реклам*"`` matches «рекламу»).

    Prefixes are grouped by their first two letters, so a word is compared only with the
    few prefixes that could fit it.
    """

    words: frozenset[str]
    prefixes: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, words: Iterable[str], prefixes: Iterable[str]) -> WordSet:
        grouped: dict[str, list[str]] = defaultdict(list)
        for prefix in sorted(set(prefixes)):
            grouped[prefix[:2]].append(prefix)
        return cls(frozenset(words), {key: tuple(group) for key, group in grouped.items()})

    def __contains__(self, word: object) -> bool:
        if word in self.words:
            return True
        if not isinstance(word, str):
            return False
        candidates = self.prefixes.get(word[:2])
        return candidates is not None and word.startswith(candidates)


Votes = tuple[tuple[int, float], ...]
"""Language votes of a word: (language index, weight) for each language that has it."""


def language_mask(languages: Iterable[int]) -> int:
    """The languages as bits of an int (bit i for the i-th lexicon language)."""
    mask = 0
    for language in languages:
        mask |= 1 << language
    return mask


@dataclass(frozen=True, slots=True)
class WordInfo:
    """Everything the matcher knows about one word, found with one dictionary lookup."""

    filler: bool
    single: Rule | None  # the one-word phrase this word is
    lengths: tuple[int, ...]  # lengths of longer phrases starting with it, longest first
    votes: Votes
    mask: int  # the languages that have the word, as bits (0: none)


@dataclass(slots=True)
class Matcher:
    """Phrases of one spelling form (folded text, or its romanised skeleton).

    ``words`` maps every word the lexicon knows to its :class:`WordInfo`; ``phrases`` holds
    phrases of two words or more, keyed by their words. A message costs one lookup per
    word, and one per possible phrase length after a word that starts phrases.
    """

    fillers: frozenset[str]
    topical: WordSet  # topic and marketing words together
    marketing_words: WordSet
    words: dict[str, WordInfo]
    phrases: dict[tuple[str, ...], Rule]
    exact: dict[str, str]


@dataclass(slots=True)
class Index:
    languages: tuple[str, ...]
    scripts: tuple[str | None, ...]
    primary: Matcher
    roman: Matcher
    vocabulary: dict[str, Votes]
    labels: dict[str, tuple[Intent, int]]
    payload_markers: tuple[tuple[str, Intent, int], ...]
    replies: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Entry:
    layer: int
    source: str
    language: int
    kind: Kind
    marketing: bool
    display: str
    folded: str


@dataclass(frozen=True, slots=True)
class _Word:
    layer: int
    language: int
    list: str
    folded: str
    prefix: bool


_CYRILLIC: Final = re.compile(r"[\u0400-\u04ff]")
SCRIPTS: Final = (
    ("Cyrl", re.compile(r"[\u0400-\u04ff]")),
    ("Deva", re.compile(r"[\u0900-\u097f]")),
    ("Arab", re.compile(r"[\u0600-\u06ff]")),
    ("Latn", re.compile(r"[a-z]")),
)


def _phrase_fields(entry: LanguageData) -> Iterable[tuple[Kind, bool, str, tuple[str, ...]]]:
    yield Kind.OPT_OUT, False, "opt_out.all", entry.opt_out.all
    yield Kind.OPT_OUT, True, "opt_out.marketing", entry.opt_out.marketing
    yield Kind.OPT_IN, False, "opt_in.all", entry.opt_in.all
    yield Kind.OPT_IN, True, "opt_in.marketing", entry.opt_in.marketing
    yield Kind.COMPLAINT, False, "complaint", entry.complaint
    yield Kind.HELP, False, "help", entry.help
    yield Kind.UNCLEAR, False, "unclear", entry.unclear
    yield Kind.DECLINE, False, "decline", entry.decline
    yield Kind.GUARD, False, "guard", entry.guard
    yield Kind.NEUTRAL, False, "fillers", entry.fillers


class _Builder:
    def __init__(self, layers: Sequence[tuple[LexiconData, str]]) -> None:
        self.layers = layers
        self.languages: list[str] = []
        for data, _ in layers:
            self.languages.extend(lang for lang in data.languages if lang not in self.languages)
        self.position = {lang: i for i, lang in enumerate(self.languages)}
        self.entries: list[_Entry] = []
        self.words: list[_Word] = []
        self.disabled: list[tuple[int, int, str]] = []  # (layer, language, folded phrase)
        self._vocabulary: dict[str, Votes] | None = None

    def error(self, source: str, message: str) -> ValueError:
        return ValueError(f"lexicon {source}: {message}")

    def collect(self) -> None:
        for layer, (data, source) in enumerate(self.layers):
            for lang, entry in data.languages.items():
                language = self.position[lang]
                self.disabled.extend(
                    (layer, language, fold(p)) for raw in entry.disable for p in expand(raw)
                )
                for kind, marketing, name, phrases in _phrase_fields(entry):
                    for raw in phrases:
                        for phrase in expand(raw):
                            folded = fold(phrase)
                            if not folded:
                                raise self.error(
                                    source, f"languages.{lang}.{name}: {raw!r} has no words"
                                )
                            self.entries.append(
                                _Entry(
                                    layer,
                                    source,
                                    language,
                                    kind,
                                    marketing,
                                    normalise(phrase),
                                    folded,
                                )
                            )
                for name, words in (
                    ("topic_words", entry.topic_words),
                    ("marketing_words", entry.marketing_words),
                ):
                    for raw in words:
                        for word in expand(raw):
                            prefix = word.endswith("*")
                            folded = fold(word.removesuffix("*"))
                            if len(folded.split()) != 1 or "*" in word.removesuffix("*"):
                                raise self.error(
                                    source,
                                    f"languages.{lang}.{name}: {word!r} must be one word, "
                                    "optionally ending in '*'",
                                )
                            self.words.append(_Word(layer, language, name, folded, prefix))

    def apply_disables(self) -> None:
        """Drop the phrases a later layer disables, in that layer's language: filler and
        ad words by their folded text, phrases by their matching key, so that disabling
        «хватит» also drops «хватит уже»."""
        if not self.disabled:
            return

        def earlier(layer: int, language: int, folded: str) -> bool:
            return any(
                lay > layer and lang == language and text == folded
                for lay, lang, text in self.disabled
            )

        self.words = [w for w in self.words if not earlier(w.layer, w.language, w.folded)]
        self.entries = [
            e
            for e in self.entries
            if not (e.kind is Kind.NEUTRAL and earlier(e.layer, e.language, e.folded))
        ]
        fillers = self.fillers()

        def key(folded: str) -> tuple[str, ...]:
            return tuple(word for word in folded.split(" ") if word not in fillers)

        keys = [(lay, lang, key(text)) for lay, lang, text in self.disabled]
        self.entries = [
            e
            for e in self.entries
            if not any(
                lay > e.layer and lang == e.language and k == key(e.folded) for lay, lang, k in keys
            )
        ]

    def word_set(self, names: tuple[str, ...], convert: Callable[[str], str]) -> WordSet:
        chosen = [w for w in self.words if w.list in names]
        return WordSet.build(
            (convert(w.folded) for w in chosen if not w.prefix),
            (convert(w.folded) for w in chosen if w.prefix),
        )

    def fillers(self) -> frozenset[str]:
        return frozenset(
            e.folded for e in self.entries if e.kind is Kind.NEUTRAL and " " not in e.folded
        )

    def matcher(self, form: str) -> Matcher:
        """The matcher for ``form`` "primary" (folded text) or "roman" (skeletons of the
        Cyrillic phrases, for romanised messages)."""
        roman = form == "roman"
        convert: Callable[[str], str] = skeleton if roman else str
        fillers = frozenset(convert(word) for word in self.fillers())
        grouped: dict[tuple[str, ...], list[_Entry]] = defaultdict(list)
        exact: dict[str, str] = {}
        for e in self.entries:
            if e.kind is Kind.NEUTRAL and " " not in e.folded:
                continue
            if roman and not _CYRILLIC.search(e.folded):
                continue
            text = convert(e.folded)
            core = tuple(word for word in text.split(" ") if word not in fillers)
            if not core:
                if e.kind is Kind.NEUTRAL:
                    continue
                raise self.error(
                    e.source,
                    f"languages.{self.languages[e.language]}: {e.display!r} "
                    "consists only of filler words",
                )
            grouped[core].append(e)
            if e.kind not in (Kind.GUARD, Kind.NEUTRAL):
                exact.setdefault(text, e.display)
        single: dict[str, Rule] = {}
        phrases: dict[tuple[str, ...], Rule] = {}
        lengths: dict[str, set[int]] = defaultdict(set)
        for core, group in grouped.items():
            rule = self._rule(core, group, lenient=roman)
            if rule is None:
                continue
            if len(core) == 1:
                single[core[0]] = rule
            else:
                phrases[core] = rule
                lengths[core[0]].add(len(core))
        votes = self.vocabulary() if not roman else {}  # romanised words vote as typed
        words = {
            word: WordInfo(
                filler=word in fillers,
                single=single.get(word),
                lengths=tuple(sorted(lengths.get(word, ()), reverse=True)),
                votes=votes.get(word, ()),
                mask=language_mask(language for language, _ in votes.get(word, ())),
            )
            for word in {*fillers, *single, *lengths, *votes}
        }
        return Matcher(
            fillers=fillers,
            topical=self.word_set(("topic_words", "marketing_words"), convert),
            marketing_words=self.word_set(("marketing_words",), convert),
            words=words,
            phrases=phrases,
            exact=exact,
        )

    def _rule(self, core: tuple[str, ...], group: list[_Entry], *, lenient: bool) -> Rule | None:
        top = max(e.layer for e in group)
        deciding = [e for e in group if e.layer == top]
        meanings = {(e.kind, e.marketing) for e in deciding}
        if len(meanings) > 1:
            if lenient:
                # Two Cyrillic phrases romanise alike: a guard is the safe reading.
                guards = [e for e in deciding if e.kind is Kind.GUARD]
                if not guards:
                    return None
                deciding, meanings = guards, {(Kind.GUARD, False)}
            else:
                by_meaning: dict[str, list[str]] = defaultdict(list)
                for e in sorted(deciding, key=lambda e: (len(e.display), e.display)):
                    by_meaning[_meaning(e)].append(f"{e.display!r} ({self.languages[e.language]})")
                described = "; ".join(
                    f"{meaning}: {', '.join(examples[:2])}"
                    for meaning, examples in by_meaning.items()
                )
                raise self.error(
                    deciding[0].source,
                    f"phrases with the same words ({' '.join(core)!r}, after folding and without "
                    f"filler words) have different meanings: {described}",
                )
        kind, marketing = meanings.pop()
        same = [e for e in group if (e.kind, e.marketing) == (kind, marketing)]
        languages = tuple(sorted({e.language for e in same}))
        display = min((e.display for e in same if e.layer == top), key=lambda d: (len(d), d))
        share = SPAN_WEIGHT * len(core) / len(languages)
        return Rule(kind, marketing, languages, display, len(core), share, language_mask(languages))

    def vocabulary(self) -> dict[str, Votes]:
        if self._vocabulary is None:
            self._vocabulary = self._build_vocabulary()
        return self._vocabulary

    def _build_vocabulary(self) -> dict[str, Votes]:
        owners: dict[str, set[int]] = defaultdict(set)
        for e in self.entries:
            for word in e.folded.split(" "):
                owners[word].add(e.language)
        for w in self.words:
            owners[w.folded].add(w.language)
        return {
            word: tuple((lang, 1.0 / len(langs)) for lang in sorted(langs))
            for word, langs in owners.items()
        }

    def scripts(self) -> tuple[str | None, ...]:
        """The script most of a language's phrases are written in."""
        counts: list[dict[str, int]] = [defaultdict(int) for _ in self.languages]
        for e in self.entries:
            for name, pattern in SCRIPTS:
                if pattern.search(e.folded):
                    counts[e.language][name] += 1
                    break
        return tuple(max(c, key=lambda s: c[s]) if c else None for c in counts)

    def buttons(self) -> tuple[dict[str, tuple[Intent, int]], tuple[tuple[str, Intent, int], ...]]:
        labels: dict[str, tuple[Intent, int]] = {}
        markers: dict[str, tuple[Intent, int]] = {}
        for data, source in self.layers:
            for lang, entry in data.languages.items():
                language = self.position[lang]
                for intent, items in (
                    (Intent.OPT_OUT, entry.button_labels.opt_out),
                    (Intent.OPT_IN, entry.button_labels.opt_in),
                ):
                    for label in items:
                        key = normalise(label)
                        if not key:
                            raise self.error(
                                source, f"languages.{lang}.button_labels: {label!r} has no words"
                            )
                        labels[key] = (intent, language)
                for intent, items in (
                    (Intent.OPT_OUT, entry.button_payloads.opt_out),
                    (Intent.OPT_IN, entry.button_payloads.opt_in),
                ):
                    for marker in items:
                        markers[marker.casefold()] = (intent, language)
        # Opt-out markers first: "UNSUBSCRIBE" contains "SUBSCRIBE".
        ordered = sorted(markers.items(), key=lambda item: item[1][0] is not Intent.OPT_OUT)
        return labels, tuple((marker, intent, lang) for marker, (intent, lang) in ordered)

    def replies(self) -> dict[str, dict[str, str]]:
        texts: dict[str, dict[str, str]] = defaultdict(dict)
        for data, _ in self.layers:
            for lang, entry in data.languages.items():
                for kind, text in entry.replies.model_dump().items():
                    if text is not None:
                        texts[lang][kind] = text
        return dict(texts)


def _meaning(entry: _Entry) -> str:
    name = entry.kind.name.lower()
    if entry.kind in (Kind.OPT_OUT, Kind.OPT_IN):
        return f"{name}.{'marketing' if entry.marketing else 'all'}"
    return name


def build_index(layers: Sequence[tuple[LexiconData, str]]) -> Index:
    """Compile lexicon layers, earliest first, each with a name for error messages."""
    builder = _Builder(layers)
    builder.collect()
    builder.apply_disables()
    labels, markers = builder.buttons()
    return Index(
        languages=tuple(builder.languages),
        scripts=builder.scripts(),
        primary=builder.matcher("primary"),
        roman=builder.matcher("roman"),
        vocabulary=builder.vocabulary(),
        labels=labels,
        payload_markers=markers,
        replies=builder.replies(),
    )


def phrases_by_language(
    layers: Sequence[tuple[LexiconData, str]], field: str
) -> Mapping[str, frozenset[str]]:
    """The expanded, normalised phrases of one field (``"opt_out.all"``, ``"fillers"``...)
    per language, across layers (for documentation and tests)."""
    out: dict[str, set[str]] = defaultdict(set)
    for data, _ in layers:
        for lang, entry in data.languages.items():
            for _kind, _marketing, name, items in _phrase_fields(entry):
                if name == field:
                    out[lang].update(normalise(p) for raw in items for p in expand(raw))
            for name, words in (
                ("topic_words", entry.topic_words),
                ("marketing_words", entry.marketing_words),
            ):
                if name == field:
                    out[lang].update(raw for raw in words)
    return {lang: frozenset(items) for lang, items in out.items() if items}
