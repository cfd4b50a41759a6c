"""Template quick-reply buttons and interactive replies.

A :class:`ButtonMap` (``bot/data/buttons.json``, extended by ``CONSENTBOT_BUTTONS_FILE``)
decides first: payload markers, then whole labels. Then the lexicon's own button entries
per language, and last the lexicon's text classifier on the label or title, so a
business's buttons in any lexicon language work without a button map entry («Тоқтату»,
"Berhenti promosi").

Buttons sit on marketing templates, so an opt-out covers ``{"marketing"}`` unless the
button says it is about everything: a payload marker or label the map declares with scope
``"all"`` (``UNSUBSCRIBE_ALL``, «Отписаться от всего», "Stop all messages"), or a label the
map does not list whose words say "all" (:data:`ALL_WORDS`) and which the text classifier
reads as an opt-out of everything. Then the opt-out covers ``{"all"}``. Opt-ins cover
``{"marketing"}``.
"""

from __future__ import annotations

import functools
import json
import pathlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from typing import Final

from bot.intent.classify import Lexicon, default_lexicon
from bot.intent.text import normalise
from bot.intent.verdict import ALL, MARKETING, NO_INTENT, Intent, Verdict

__all__ = ["ALL_WORDS", "SCOPES", "ButtonMap", "classify_button", "classify_interactive"]

_BUTTON_MAP_KEYS: Final = (
    "opt_out_payload_markers",
    "opt_in_payload_markers",
    "opt_out_labels",
    "opt_in_labels",
)

SCOPES: Final = (MARKETING, ALL)
"""The scopes a button map entry may declare; a plain string entry means ``"marketing"``."""

# In a file, the key naming an opt-out entry's text in each list that accepts objects.
_ENTRY_TEXT_KEYS: Final = {"opt_out_payload_markers": "marker", "opt_out_labels": "label"}


def _plain(text: str) -> str:
    """``normalise`` without accents, so "tumunden" meets «tümünden» and «всё» meets «все»."""
    decomposed = unicodedata.normalize("NFD", normalise(text))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


ALL_WORDS: Final = frozenset(
    _plain(word)
    for word in (
        # en
        *("all", "everything", "anything", "nothing"),
        # ru
        *("все", "всё", "всего", "всех", "всем", "весь", "вся", "ничего"),
        # uk
        *("усе", "всього", "усього", "всіх", "усіх", "всім", "усім", "увесь", "нічого"),
        # es, pt
        *("todo", "toda", "todos", "todas", "tudo", "nada"),
        # de
        *("alle", "allem", "allen", "aller", "alles", "nichts"),
        # fr
        *("tout", "toute", "tous", "toutes", "rien"),
        # it
        *("tutto", "tutta", "tutti", "tutte", "niente", "nulla"),
        # tr
        *("tüm", "tümü", "tümünü", "tümünden", "hepsi", "hepsini", "hepsinden"),
        *("herşey", "herşeyi", "herşeyden"),
        # kk
        *("бәрі", "бәрін", "бәрінен", "барлық", "барлығы", "барлығын", "барлығынан"),
        # uz, uz-Cyrl
        *("hammasi", "hammasini", "hammasidan", "barcha", "barchasi", "barchasidan"),
        *("ҳаммаси", "ҳаммасини", "ҳаммасидан", "барча", "барчаси", "барчасидан"),
        # id
        *("semua", "semuanya"),
        # hi, hi-Latn
        *("सब", "सभी", "sab", "sabhi", "sabhee"),
        # ar
        *("كل", "الكل", "جميع"),
    )
)
"""Words that make an opt-out label be about everything ("Stop all", «Отписаться от всех
сообщений», "Von allem abmelden"), compared without case or accents. A label the button
map does not list covers ``{"all"}`` only when it has one of these words and the text
classifier reads it as an opt-out of everything; "Stop" alone stays marketing-only."""


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True, slots=True)
class ButtonMap:
    """Which button payloads and labels mean opt-out or opt-in, and what an opt-out covers.

    Payload markers are substrings looked for case-insensitively in a template button
    payload or an interactive reply id; opt-out markers are checked first because common
    opt-out markers contain opt-in ones ("UNSUBSCRIBE" contains "SUBSCRIBE"), and among
    them the longest first, so the most specific one decides ("UNSUBSCRIBE_ALL" before
    "UNSUBSCRIBE"). Labels are compared whole, after :func:`normalise`; they are normalised
    on construction, so the stored sets always hold normalised text.

    ``opt_out_payload_markers`` and ``opt_out_labels`` hold every opt-out entry;
    ``opt_out_all_payload_markers`` and ``opt_out_all_labels`` name those whose opt-out
    covers ``{"all"}`` instead of ``{"marketing"}`` (they are added to the first two when
    missing there). Markers compare without case here too.

    Construction raises :class:`ValueError` for an empty marker (it would match every
    payload), a label that normalises to nothing, or a label listed as both opt-out and
    opt-in.
    """

    opt_out_payload_markers: tuple[str, ...]
    opt_in_payload_markers: tuple[str, ...]
    opt_out_labels: frozenset[str]
    opt_in_labels: frozenset[str]
    opt_out_all_payload_markers: tuple[str, ...] = ()
    opt_out_all_labels: frozenset[str] = frozenset()
    # (casefolded marker, scope), longest first: the order opt-out markers are tried in.
    _opt_out_order: tuple[tuple[str, str], ...] = field(
        init=False, repr=False, compare=False, default=()
    )

    def __post_init__(self) -> None:
        markers: dict[str, tuple[str, ...]] = {}
        for name, raw in (
            ("opt_out_payload_markers", self.opt_out_payload_markers),
            ("opt_in_payload_markers", self.opt_in_payload_markers),
            ("opt_out_all_payload_markers", self.opt_out_all_payload_markers),
        ):
            cleaned = _dedupe(marker.strip() for marker in raw)
            if any(not marker for marker in cleaned):
                raise ValueError(f"{name} contains an empty marker, which would match anything")
            markers[name] = cleaned
        markers["opt_out_payload_markers"] = _dedupe(
            (*markers["opt_out_payload_markers"], *markers["opt_out_all_payload_markers"])
        )
        labels: dict[str, frozenset[str]] = {}
        for name, raw_labels in (
            ("opt_out_labels", self.opt_out_labels),
            ("opt_in_labels", self.opt_in_labels),
            ("opt_out_all_labels", self.opt_out_all_labels),
        ):
            normalised = {label: normalise(label) for label in raw_labels}
            empty = sorted(label for label, value in normalised.items() if not value)
            if empty:
                raise ValueError(f"{name} contains labels with no words: {empty!r}")
            labels[name] = frozenset(normalised.values())
        labels["opt_out_labels"] |= labels["opt_out_all_labels"]
        both = labels["opt_out_labels"] & labels["opt_in_labels"]
        if both:
            raise ValueError(f"labels listed as both opt-out and opt-in: {sorted(both)!r}")
        for name, value in (*markers.items(), *labels.items()):
            object.__setattr__(self, name, value)
        wide = {marker.casefold() for marker in markers["opt_out_all_payload_markers"]}
        folded = _dedupe(marker.casefold() for marker in markers["opt_out_payload_markers"])
        order = tuple(
            (marker, ALL if marker in wide else MARKETING)
            for marker in sorted(folded, key=len, reverse=True)
        )
        object.__setattr__(self, "_opt_out_order", order)

    @classmethod
    def default(cls) -> ButtonMap:
        """The map shipped with the package in ``bot/data/buttons.json`` (loaded once)."""
        return _default_button_map()

    @classmethod
    def from_file(cls, path: pathlib.Path) -> ButtonMap:
        """Load a business's own map from a JSON file shaped like ``bot/data/buttons.json``.

        The file is a JSON object whose keys are among ``opt_out_payload_markers``,
        ``opt_in_payload_markers``, ``opt_out_labels`` and ``opt_in_labels``, each a list;
        missing keys mean empty lists. Entries are strings; an opt-out entry may instead be
        an object declaring its scope, ``{"marker": "NO_MSGS", "scope": "all"}`` in
        ``opt_out_payload_markers`` or ``{"label": "Больше не писать", "scope": "all"}`` in
        ``opt_out_labels`` (scopes: ``"marketing"``, the meaning of a plain string, and
        ``"all"``). Raises :class:`ValueError` naming the file and the problem (and the
        entry, for a bad entry) when the file is not valid UTF-8 JSON of that shape;
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
        wide: dict[str, list[str]] = {}
        for key in _BUTTON_MAP_KEYS:
            value = data.get(key, [])
            text_key = _ENTRY_TEXT_KEYS.get(key)
            if text_key is None:
                if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                    raise ValueError(f"button map {source}: {key!r} must be a list of strings")
                values[key] = value
            else:
                values[key], wide[key] = _scoped_entries(value, key, text_key, source)
        try:
            return cls(
                opt_out_payload_markers=tuple(values["opt_out_payload_markers"]),
                opt_in_payload_markers=tuple(values["opt_in_payload_markers"]),
                opt_out_labels=frozenset(values["opt_out_labels"]),
                opt_in_labels=frozenset(values["opt_in_labels"]),
                opt_out_all_payload_markers=tuple(wide["opt_out_payload_markers"]),
                opt_out_all_labels=frozenset(wide["opt_out_labels"]),
            )
        except ValueError as error:
            raise ValueError(f"button map {source}: {error}") from error

    def merged(self, other: ButtonMap) -> ButtonMap:
        """The union of this map and ``other`` (markers keep this map's order first).

        An entry that either map declares with scope ``"all"`` keeps it: a business file
        listing "Unsubscribe from all" as a plain string does not narrow the shipped entry.
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
            opt_out_all_payload_markers=_dedupe(
                (*self.opt_out_all_payload_markers, *other.opt_out_all_payload_markers)
            ),
            opt_out_all_labels=self.opt_out_all_labels | other.opt_out_all_labels,
        )

    def marker_scope(self, folded_payload: str) -> str | None:
        """The scope of the longest opt-out marker in a casefolded payload, if any."""
        for marker, scope in self._opt_out_order:
            if marker in folded_payload:
                return scope
        return None


def _scoped_entries(
    value: object, key: str, text_key: str, source: str
) -> tuple[list[str], list[str]]:
    """An opt-out list of a file: every entry's text, and those with scope ``"all"``.

    Raises :class:`ValueError` naming the file and the entry for an entry that is neither
    a string nor ``{text_key: str, "scope": scope}``, for an unknown scope, and for an
    entry listed twice with different scopes.
    """
    if not isinstance(value, list):
        raise ValueError(
            f"button map {source}: {key!r} must be a list of strings or "
            f'{{"{text_key}": ..., "scope": ...}} objects'
        )
    texts: list[str] = []
    wide: list[str] = []
    scopes: dict[str, tuple[str, str]] = {}
    same = str.casefold if text_key == "marker" else normalise
    for position, item in enumerate(value):
        where = f"button map {source}: {key}[{position}] {json.dumps(item, ensure_ascii=False)}"
        if isinstance(item, str):
            entry, scope = item, MARKETING
        elif isinstance(item, dict):
            extra = sorted(str(name) for name in item if name not in (text_key, "scope"))
            entry_text, scope_value = item.get(text_key), item.get("scope")
            if extra or not isinstance(entry_text, str) or not isinstance(scope_value, str):
                raise ValueError(
                    f'{where}: expected {{"{text_key}": string, "scope": string}}'
                    + (f"; unknown keys {extra!r}" if extra else "")
                )
            if scope_value not in SCOPES:
                raise ValueError(
                    f"{where}: unknown scope {scope_value!r}; allowed scopes are {list(SCOPES)!r}"
                )
            if not (entry_text.strip() if text_key == "marker" else normalise(entry_text)):
                problem = "an empty marker" if text_key == "marker" else "a label with no words"
                raise ValueError(f"{where}: {problem}")
            entry, scope = entry_text, scope_value
        else:
            raise ValueError(
                f'{where}: expected a string or {{"{text_key}": string, "scope": string}}'
            )
        seen = scopes.setdefault(same(entry.strip()), (scope, entry))
        if seen[0] != scope:
            raise ValueError(
                f"{where}: {entry!r} is also listed as {seen[1]!r} with scope {seen[0]!r}"
            )
        texts.append(entry)
        if scope == ALL:
            wide.append(entry)
    return texts, wide


@functools.cache
def _default_button_map() -> ButtonMap:
    resource = resources.files("bot") / "data" / "buttons.json"
    return ButtonMap._from_json(resource.read_text(encoding="utf-8"), "bot/data/buttons.json")


def _has_marker(folded_payload: str, markers: tuple[str, ...]) -> bool:
    return any(marker.casefold() in folded_payload for marker in markers)


_LABEL_INTENTS: Final = frozenset({Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP})


def _from_map(
    payload: str | None, label: str | None, buttons: ButtonMap
) -> tuple[Intent, str, str | None]:
    """The button map's decision: payload markers (opt-out first), then whole labels.

    The third item is an opt-out's scope as the map declares it (``None`` otherwise).
    """
    if payload:
        folded = payload.casefold()
        scope = buttons.marker_scope(folded)
        if scope is not None:
            return Intent.OPT_OUT, payload, scope
        if _has_marker(folded, buttons.opt_in_payload_markers):
            return Intent.OPT_IN, payload, None
    for text in (label, payload):
        normalised = normalise(text) if text else ""
        if normalised in buttons.opt_out_labels:
            scope = ALL if normalised in buttons.opt_out_all_labels else MARKETING
            return Intent.OPT_OUT, normalised, scope
        if normalised in buttons.opt_in_labels:
            return Intent.OPT_IN, normalised, None
    return Intent.NONE, "", None


def _from_lexicon(
    payload: str | None, label: str | None, lexicon: Lexicon
) -> tuple[Intent, str, str | None]:
    """The lexicon's button entries, then its text classifier on the label."""
    index = lexicon.index
    if payload:
        folded = payload.casefold()
        for marker, intent, language in index.payload_markers:
            if marker in folded:
                return intent, payload, index.languages[language]
    for text in (label, payload):
        normalised = normalise(text) if text else ""
        found = index.labels.get(normalised) if normalised else None
        if found is not None:
            return found[0], normalised, index.languages[found[1]]
    if label:
        verdict = lexicon.classify_rules(label)
        if verdict.intent in _LABEL_INTENTS and verdict.matched:
            return verdict.intent, verdict.matched, verdict.language
    return Intent.NONE, "", None


def _says_all(label: str, lexicon: Lexicon) -> bool:
    """A label with an "all" word that the text classifier reads as an opt-out of all."""
    if not ALL_WORDS.intersection(_plain(label).split()):
        return False
    verdict = lexicon.classify_rules(label)
    return verdict.intent is Intent.OPT_OUT and verdict.categories == frozenset({ALL})


def _opt_out_scope(
    map_scope: str | None, label: str | None, buttons: ButtonMap, lexicon: Lexicon
) -> str:
    """What an opt-out tap covers: ``"all"`` when its payload or its label says so.

    ``map_scope`` is the scope the map gave the marker or label that decided. The label
    counts too (a payload marker may have decided): the map's scope for a label it lists,
    else the label's own words (:func:`_says_all`).
    """
    if map_scope == ALL:
        return ALL
    if label:
        normalised = normalise(label)
        if normalised in buttons.opt_out_labels:
            return ALL if normalised in buttons.opt_out_all_labels else MARKETING
        if _says_all(label, lexicon):
            return ALL
    return MARKETING


def _classify_reply(
    payload: str | None, label: str | None, buttons: ButtonMap, lexicon: Lexicon | None
) -> Verdict:
    """Shared decision for template button taps and interactive replies."""
    lexicon = lexicon or default_lexicon()
    payload = payload.strip() if payload else None
    intent, matched, map_scope = _from_map(payload, label, buttons)
    language: str | None = None
    if intent is Intent.NONE:
        intent, matched, language = _from_lexicon(payload, label, lexicon)
    if intent is Intent.NONE:
        return NO_INTENT
    if language is None:
        language = (label and lexicon.detect_language(label)) or lexicon.detect_language(matched)
    categories: frozenset[str] = frozenset()
    if intent is Intent.OPT_OUT:
        categories = frozenset({_opt_out_scope(map_scope, label, buttons, lexicon)})
    elif intent is not Intent.HELP:
        categories = frozenset({MARKETING})
    return Verdict(intent, categories, language, matched)


def classify_button(
    payload: str | None, label: str | None, buttons: ButtonMap, lexicon: Lexicon | None = None
) -> Verdict:
    """Classify a template quick-reply tap (``button.payload``, ``button.text``).

    The button map decides first: payload markers (opt-out before opt-in, the longest
    first), then the normalised label, or the payload itself (Meta sends the label as
    payload when the business set none), compared with its labels. Then the lexicon's
    button payloads and labels, and last the lexicon's text classifier on the label, where
    only a clear opt-out, opt-in or help counts.

    An opt-out covers ``{"all"}`` when the payload or the label says so: the deciding
    marker or label has scope ``"all"`` in the map, the label is a map label with that
    scope, or the label is not in the map, has a word of :data:`ALL_WORDS` and reads as an
    opt-out of everything to the text classifier. Otherwise, and for opt-ins, the verdict
    covers ``{"marketing"}``; a help verdict covers nothing. ``matched`` is the payload as
    received when a marker decided, else the normalised label or the lexicon phrase.
    ``language`` is the lexicon language of the label (or of the matched text), guessed
    from the script when no lexicon word says more.
    """
    return _classify_reply(payload, label, buttons, lexicon)


def classify_interactive(
    reply_id: str | None, title: str | None, buttons: ButtonMap, lexicon: Lexicon | None = None
) -> Verdict:
    """Classify an interactive reply (``button_reply`` / ``list_reply``: ``id``, ``title``).

    Same rules as :func:`classify_button`, with the reply id in place of the payload and
    the title in place of the label.
    """
    return _classify_reply(reply_id, title, buttons, lexicon)
