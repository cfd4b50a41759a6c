"""Template quick-reply buttons and interactive replies.

A :class:`ButtonMap` (``bot/data/buttons.json``, extended by ``CONSENTBOT_BUTTONS_FILE``)
decides first: payload markers, then whole labels. Then the lexicon's own button entries
per language, and last the lexicon's text classifier on the label or title, so a
business's buttons in any lexicon language work without a button map entry («Тоқтату»,
"Berhenti promosi"). Buttons sit on marketing templates, so their verdicts cover
``{"marketing"}``.
"""

from __future__ import annotations

import functools
import json
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Final

from bot.intent.classify import Lexicon, default_lexicon
from bot.intent.text import normalise
from bot.intent.verdict import MARKETING, NO_INTENT, Intent, Verdict

__all__ = ["ButtonMap", "classify_button", "classify_interactive"]

_BUTTON_MAP_KEYS: Final = (
    "opt_out_payload_markers",
    "opt_in_payload_markers",
    "opt_out_labels",
    "opt_in_labels",
)


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


def _has_marker(folded_payload: str, markers: tuple[str, ...]) -> bool:
    return any(marker.casefold() in folded_payload for marker in markers)


_LABEL_INTENTS: Final = frozenset({Intent.OPT_OUT, Intent.OPT_IN, Intent.HELP})


def _from_map(payload: str | None, label: str | None, buttons: ButtonMap) -> tuple[Intent, str]:
    """The button map's decision: payload markers (opt-out first), then whole labels."""
    if payload:
        folded = payload.casefold()
        if _has_marker(folded, buttons.opt_out_payload_markers):
            return Intent.OPT_OUT, payload
        if _has_marker(folded, buttons.opt_in_payload_markers):
            return Intent.OPT_IN, payload
    for text in (label, payload):
        normalised = normalise(text) if text else ""
        if normalised in buttons.opt_out_labels:
            return Intent.OPT_OUT, normalised
        if normalised in buttons.opt_in_labels:
            return Intent.OPT_IN, normalised
    return Intent.NONE, ""


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
        verdict = lexicon.classify_text(label)
        if verdict.intent in _LABEL_INTENTS and verdict.matched:
            return verdict.intent, verdict.matched, verdict.language
    return Intent.NONE, "", None


def _classify_reply(
    payload: str | None, label: str | None, buttons: ButtonMap, lexicon: Lexicon | None
) -> Verdict:
    """Shared decision for template button taps and interactive replies."""
    lexicon = lexicon or default_lexicon()
    payload = payload.strip() if payload else None
    intent, matched = _from_map(payload, label, buttons)
    language: str | None = None
    if intent is Intent.NONE:
        intent, matched, language = _from_lexicon(payload, label, lexicon)
    if intent is Intent.NONE:
        return NO_INTENT
    if language is None:
        language = (label and lexicon.detect_language(label)) or lexicon.detect_language(matched)
    categories = frozenset() if intent is Intent.HELP else frozenset({MARKETING})
    return Verdict(intent, categories, language, matched)


def classify_button(
    payload: str | None, label: str | None, buttons: ButtonMap, lexicon: Lexicon | None = None
) -> Verdict:
    """Classify a template quick-reply tap (``button.payload``, ``button.text``).

    The button map decides first: payload markers (opt-out before opt-in), then the
    normalised label, or the payload itself (Meta sends the label as payload when the
    business set none), compared with its labels. Then the lexicon's button payloads and
    labels, and last the lexicon's text classifier on the label, where only a clear
    opt-out, opt-in or help counts. Opt-out and opt-in verdicts cover ``{"marketing"}``.
    ``matched`` is the payload as received when a marker decided, else the normalised
    label or the lexicon phrase. ``language`` is the lexicon language of the label (or of
    the matched text), guessed from the script when no lexicon word says more.
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
