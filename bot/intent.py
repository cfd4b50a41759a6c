"""Opt-out / opt-in intent classification for inbound WhatsApp messages.

Customers leave marketing by typing a keyword («СТОП», "stop", «отписаться»), by tapping a
template quick-reply button («Отписаться», "Stop promotions") or by picking an interactive
reply. They come back the same ways («СТАРТ», "subscribe", "Resume promotions").

This module is the classifier's stable interface. Callers see only :class:`Verdict`,
:func:`normalise`, :func:`classify_text`, :func:`classify_button`,
:func:`classify_interactive` and :class:`ButtonMap`; the keyword tables and matching
strategy behind them are expected to grow (more languages, more phrasings) without the
signatures or the meaning of the result fields changing.

The module is pure: no I/O except reading a button map when asked to, no logging, no
global state that changes results.
"""

from __future__ import annotations

import functools
import json
import pathlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from types import MappingProxyType
from typing import Final

__all__ = [
    "ALL",
    "FILLER_WORDS",
    "MARKETING",
    "NO_INTENT",
    "OPT_IN_KEYWORDS",
    "OPT_OUT_KEYWORDS",
    "ButtonMap",
    "Intent",
    "Verdict",
    "classify_button",
    "classify_interactive",
    "classify_text",
    "normalise",
]


class Intent(StrEnum):
    """What the customer asked for."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    NONE = "none"


ALL: Final = "all"
"""Category covering every business-initiated message (a typed STOP / START)."""

MARKETING: Final = "marketing"
"""Category covering marketing messages only (a template's marketing opt-out button)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The classifier's decision about one inbound message.

    ``categories`` says which kinds of business-initiated messages the decision applies to
    (``{"all"}`` for typed keywords, ``{"marketing"}`` for marketing buttons, empty for
    :attr:`Intent.NONE`). ``language`` is the language of whatever decided the verdict, used
    to answer in kind; ``matched`` is the keyword, phrase, payload or label that decided it,
    kept as evidence for the consent ledger.
    """

    intent: Intent
    categories: frozenset[str]
    language: str | None
    matched: str | None


NO_INTENT: Final = Verdict(Intent.NONE, frozenset(), None, None)
"""The verdict for anything that is neither an opt-out nor an opt-in."""


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

_SEPARATOR_CATEGORY_PREFIXES: Final = ("P", "S", "Z", "C")
_SEPARATOR_CATEGORIES: Final = frozenset({"Me"})
_VARIATION_SELECTORS: Final = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))
_CHAR_REPLACEMENTS: Final = MappingProxyType({"ё": "е"})


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
_MAX_NORMALISE_PASSES: Final = 8


def _normalise_once(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = unicodedata.normalize("NFKC", folded).translate(_SEPARATOR_TABLE)
    return " ".join(folded.split())


def normalise(text: str) -> str:
    """Reduce free text to a canonical, comparable form.

    Applies Unicode NFKC and case folding, maps «ё» to «е», turns punctuation, symbols,
    emoji, controls and every kind of whitespace into single spaces and strips the ends.
    The result is idempotent: ``normalise(normalise(x)) == normalise(x)``. Case folding can
    undo NFKC for a few code points, so the steps repeat until the text stops changing
    (one pass always suffices for ASCII output).
    """
    current = _normalise_once(text)
    if current.isascii() or (
        # Already NFKC and case-folded: another pass would change nothing.
        unicodedata.is_normalized("NFKC", current) and current.casefold() == current
    ):
        return current
    for _ in range(_MAX_NORMALISE_PASSES):
        following = _normalise_once(current)
        if following == current:
            break
        current = following
    return current


# ---------------------------------------------------------------------------
# Typed keywords
# ---------------------------------------------------------------------------

OPT_OUT_KEYWORDS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "en": frozenset({"stop", "stop all", "unsubscribe"}),
        "ru": frozenset(
            {
                "стоп",
                "отписаться",
                "отписка",
                "отписать",
                "отпишите",
                "отпишите меня",
                "отписаться от рассылки",
                "отписаться от рассылок",
                "отпишите от рассылки",
            }
        ),
    }
)
"""Typed opt-out keywords and phrases by language; compared after :func:`normalise`."""

OPT_IN_KEYWORDS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "en": frozenset({"start", "subscribe"}),
        "ru": frozenset({"старт", "подписаться", "подписаться на рассылку"}),
    }
)
"""Typed opt-in keywords and phrases by language; compared after :func:`normalise`."""

FILLER_WORDS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "en": frozenset({"please", "pls", "plz", "me", "now", "all"}),
        "ru": frozenset({"пожалуйста", "плиз", "меня", "все", "всё"}),
    }
)
"""Polite words that may surround a keyword without changing its meaning ("stop please")."""

_MAX_TOKENS: Final = 8
"""Longer messages are conversation, not a keyword reply, and are never classified."""


@dataclass(frozen=True, slots=True)
class _Rule:
    intent: Intent
    language: str
    phrase: str


def _build_keyword_index(
    tables: Iterable[tuple[Intent, Mapping[str, frozenset[str]]]],
    fillers: frozenset[str],
) -> tuple[dict[str, _Rule], dict[tuple[str, ...], _Rule]]:
    """Index keyword phrases by exact normalised text and by their non-filler words.

    The exact index names the full phrase as ``matched`` when the message is exactly that
    phrase; the core index accepts the phrase with polite filler added or removed. Within
    an intent the shortest phrase owns a shared core; a core claimed by two intents or
    languages is a table error.
    """
    exact: dict[str, _Rule] = {}
    core: dict[tuple[str, ...], _Rule] = {}
    ordered = sorted(
        (
            (normalise(phrase), intent, language)
            for intent, table in tables
            for language, phrases in table.items()
            for phrase in phrases
        ),
        key=lambda item: (len(item[0]), item[0], item[1], item[2]),
    )
    for phrase, intent, language in ordered:
        rule = _Rule(intent, language, phrase)
        key = tuple(word for word in phrase.split(" ") if word not in fillers)
        if not key:
            raise ValueError(f"keyword {phrase!r} consists only of filler words")
        for found in (exact.get(phrase), core.get(key)):
            if found is not None and (found.intent, found.language) != (intent, language):
                raise ValueError(f"keyword {phrase!r} is claimed by two intents or languages")
        exact.setdefault(phrase, rule)
        core.setdefault(key, rule)
    return exact, core


_FILLERS: Final = frozenset(normalise(word) for words in FILLER_WORDS.values() for word in words)
_EXACT_INDEX, _CORE_INDEX = _build_keyword_index(
    ((Intent.OPT_OUT, OPT_OUT_KEYWORDS), (Intent.OPT_IN, OPT_IN_KEYWORDS)), _FILLERS
)


def _roots(rules: Iterable[_Rule]) -> re.Pattern[str]:
    """A pattern that every message matching a rule must contain: the start of the longest
    non-filler word of each phrase. Most messages lack all of them and skip the rest."""
    roots = set()
    for rule in rules:
        word = max((w for w in rule.phrase.split(" ") if w not in _FILLERS), key=len)
        roots.add(word[:4])
    return re.compile("|".join(sorted(map(re.escape, roots))))


_ROOTS: Final = _roots(_EXACT_INDEX.values())


def _core_words(words: list[str]) -> tuple[str, ...]:
    """Drop filler words and collapse immediate repeats ("stop stop stop" → "stop")."""
    kept: list[str] = []
    for word in words:
        if word in _FILLERS or (kept and kept[-1] == word):
            continue
        kept.append(word)
    return tuple(kept)


def classify_text(text: str) -> Verdict:
    """Classify a typed message or a media caption.

    The whole normalised message must be a keyword or keyword phrase, optionally with
    polite filler words around it (:data:`FILLER_WORDS`) and the keyword repeated; any
    other word makes the message ordinary conversation ("bus stop", "стоп-кран",
    "can you stop the courier" are :data:`NO_INTENT`). Typed keywords cover
    ``{"all"}``; the language is the keyword table's language.
    """
    # The letters of a keyword survive normalisation in place (only separators and «ё»
    # change), so a text without any root cannot match: skip the full normalisation.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    if not _ROOTS.search(folded.replace("ё", "е")):
        return NO_INTENT
    normalised = normalise(text)
    if not normalised:
        return NO_INTENT
    rule = _EXACT_INDEX.get(normalised)
    if rule is None:
        words = normalised.split(" ")
        if len(words) > _MAX_TOKENS:
            return NO_INTENT
        rule = _CORE_INDEX.get(_core_words(words))
        if rule is None:
            return NO_INTENT
    return Verdict(rule.intent, frozenset({ALL}), rule.language, rule.phrase)


# ---------------------------------------------------------------------------
# Buttons and interactive replies
# ---------------------------------------------------------------------------

_BUTTON_MAP_KEYS: Final = (
    "opt_out_payload_markers",
    "opt_in_payload_markers",
    "opt_out_labels",
    "opt_in_labels",
)
_CYRILLIC: Final = re.compile(r"[\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]")
_LATIN: Final = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True, slots=True)
class ButtonMap:
    """Which button payloads and labels mean opt-out or opt-in.

    Payload markers are substrings looked for case-insensitively in a template button
    payload or an interactive reply id; opt-out markers are checked first because common
    opt-out markers contain opt-in ones ("UNSUBSCRIBE" contains "SUBSCRIBE"). Labels are
    compared whole, after :func:`normalise`; they are normalised on construction, so the
    stored sets always hold normalised text.

    Construction raises :class:`ValueError` for an empty marker (it would match every
    payload), a label that normalises to nothing, or a label listed as both opt-out and
    opt-in.
    """

    opt_out_payload_markers: tuple[str, ...]
    opt_in_payload_markers: tuple[str, ...]
    opt_out_labels: frozenset[str]
    opt_in_labels: frozenset[str]

    def __post_init__(self) -> None:
        markers: dict[str, tuple[str, ...]] = {}
        for name, raw in (
            ("opt_out_payload_markers", self.opt_out_payload_markers),
            ("opt_in_payload_markers", self.opt_in_payload_markers),
        ):
            cleaned = _dedupe(marker.strip() for marker in raw)
            if any(not marker for marker in cleaned):
                raise ValueError(f"{name} contains an empty marker, which would match anything")
            markers[name] = cleaned
        labels: dict[str, frozenset[str]] = {}
        for name, raw_labels in (
            ("opt_out_labels", self.opt_out_labels),
            ("opt_in_labels", self.opt_in_labels),
        ):
            normalised = {label: normalise(label) for label in raw_labels}
            empty = sorted(label for label, value in normalised.items() if not value)
            if empty:
                raise ValueError(f"{name} contains labels with no words: {empty!r}")
            labels[name] = frozenset(normalised.values())
        both = labels["opt_out_labels"] & labels["opt_in_labels"]
        if both:
            raise ValueError(f"labels listed as both opt-out and opt-in: {sorted(both)!r}")
        for name, value in (*markers.items(), *labels.items()):
            object.__setattr__(self, name, value)

    @classmethod
    def default(cls) -> ButtonMap:
        """The map shipped with the package in ``bot/data/buttons.json`` (loaded once)."""
        return _default_button_map()

    @classmethod
    def from_file(cls, path: pathlib.Path) -> ButtonMap:
        """Load a business's own map from a JSON file shaped like ``bot/data/buttons.json``.

        The file is a JSON object whose keys are among ``opt_out_payload_markers``,
        ``opt_in_payload_markers``, ``opt_out_labels`` and ``opt_in_labels``, each a list
        of strings; missing keys mean empty lists. Raises :class:`ValueError` naming the
        file and the problem when the file is not valid UTF-8 JSON of that shape;
        :class:`OSError` when it cannot be read.
        """
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"button map {path}: not valid UTF-8 ({error})") from error
        return cls._from_json(text, str(path))

    @classmethod
    def _from_json(cls, text: str, source: str) -> ButtonMap:
        try:
            data: object = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"button map {source}: not valid JSON ({error})") from error
        if not isinstance(data, dict):
            raise ValueError(f"button map {source}: expected a JSON object at the top level")
        unknown = sorted(str(key) for key in data if key not in _BUTTON_MAP_KEYS)
        if unknown:
            raise ValueError(
                f"button map {source}: unknown keys {unknown!r}; "
                f"allowed keys are {list(_BUTTON_MAP_KEYS)!r}"
            )
        values: dict[str, list[str]] = {}
        for key in _BUTTON_MAP_KEYS:
            value = data.get(key, [])
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ValueError(f"button map {source}: {key!r} must be a list of strings")
            values[key] = value
        try:
            return cls(
                opt_out_payload_markers=tuple(values["opt_out_payload_markers"]),
                opt_in_payload_markers=tuple(values["opt_in_payload_markers"]),
                opt_out_labels=frozenset(values["opt_out_labels"]),
                opt_in_labels=frozenset(values["opt_in_labels"]),
            )
        except ValueError as error:
            raise ValueError(f"button map {source}: {error}") from error

    def merged(self, other: ButtonMap) -> ButtonMap:
        """The union of this map and ``other`` (markers keep this map's order first).

        Raises :class:`ValueError` if the union lists a label as both opt-out and opt-in.
        """
        return ButtonMap(
            opt_out_payload_markers=_dedupe(
                (*self.opt_out_payload_markers, *other.opt_out_payload_markers)
            ),
            opt_in_payload_markers=_dedupe(
                (*self.opt_in_payload_markers, *other.opt_in_payload_markers)
            ),
            opt_out_labels=self.opt_out_labels | other.opt_out_labels,
            opt_in_labels=self.opt_in_labels | other.opt_in_labels,
        )


@functools.cache
def _default_button_map() -> ButtonMap:
    resource = resources.files("bot") / "data" / "buttons.json"
    return ButtonMap._from_json(resource.read_text(encoding="utf-8"), "bot/data/buttons.json")


def _script_language(text: str | None) -> str | None:
    """Guess a language from the script: "ru" for Cyrillic, "en" for Latin, else None."""
    if not text:
        return None
    if _CYRILLIC.search(text):
        return "ru"
    if _LATIN.search(text):
        return "en"
    return None


def _has_marker(folded_payload: str, markers: tuple[str, ...]) -> bool:
    return any(marker.casefold() in folded_payload for marker in markers)


def _classify_reply(payload: str | None, label: str | None, buttons: ButtonMap) -> Verdict:
    """Shared decision for template button taps and interactive replies."""
    intent = Intent.NONE
    matched: str | None = None
    payload = payload.strip() if payload else None
    if payload:
        folded = payload.casefold()
        if _has_marker(folded, buttons.opt_out_payload_markers):
            intent, matched = Intent.OPT_OUT, payload
        elif _has_marker(folded, buttons.opt_in_payload_markers):
            intent, matched = Intent.OPT_IN, payload
    if intent is Intent.NONE:
        for text in (label, payload):
            normalised = normalise(text) if text else ""
            if not normalised:
                continue
            if normalised in buttons.opt_out_labels:
                intent, matched = Intent.OPT_OUT, normalised
                break
            if normalised in buttons.opt_in_labels:
                intent, matched = Intent.OPT_IN, normalised
                break
    if intent is Intent.NONE:
        return NO_INTENT
    language = _script_language(label) or _script_language(matched)
    return Verdict(intent, frozenset({MARKETING}), language, matched)


def classify_button(payload: str | None, label: str | None, buttons: ButtonMap) -> Verdict:
    """Classify a template quick-reply tap (``button.payload``, ``button.text``).

    Payload markers decide first (opt-out before opt-in); otherwise the normalised label,
    or the payload itself (Meta sends the label as payload when the business set none),
    must equal a known label. Button verdicts cover ``{"marketing"}``. ``matched`` is the
    payload as received when a marker decided, else the normalised label. ``language`` is
    guessed from the label's script, falling back to the matched text's script.
    """
    return _classify_reply(payload, label, buttons)


def classify_interactive(reply_id: str | None, title: str | None, buttons: ButtonMap) -> Verdict:
    """Classify an interactive reply (``button_reply`` / ``list_reply``: ``id``, ``title``).

    Same rules as :func:`classify_button`, with the reply id in place of the payload and
    the title in place of the label.
    """
    return _classify_reply(reply_id, title, buttons)
