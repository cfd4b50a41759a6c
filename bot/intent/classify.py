"""The lexicon as an object: classify text with it, detect a language, read its phrases.

:class:`Lexicon` compiles lexicon layers (the shipped defaults, and a business's own file
over them) into lookup tables once; :meth:`Lexicon.classify_text` then folds a message
(:mod:`bot.intent.text`) and applies the decision rules (:mod:`bot.intent.rules`) to it,
and once more to its romanised skeleton when a message in Latin letters matched nothing
(romanised Russian, Ukrainian or Kazakh: "otpishite", "ne pishite mne"). A message that
neither decides is tried once more with its unknown words repaired (:mod:`bot.intent.repair`:
typos, look-alike digits, the wrong keyboard layout, stop-sign emoji); what the repaired
message decides is taken when it is sure (a request or a help question): a repair that only
finds a trigger word among other words proves too little.
"""

from __future__ import annotations

import functools
import pathlib
import re
from collections.abc import Mapping
from importlib import resources
from typing import Final

from bot.intent.decide import STOP, SURE_STOP, taken_back, weigh
from bot.intent.doubt import doubtful, insists, regrets, returns
from bot.intent.index import SCRIPTS, Index, WordInfo, build_index, phrases_by_language
from bot.intent.lexicon import LexiconData, expand, parse_lexicon
from bot.intent.model import IntentModel, default_model
from bot.intent.questions import asks_how
from bot.intent.repair import Repairer
from bot.intent.rules import GUARDED, decide
from bot.intent.text import fold, has_latin, skeleton
from bot.intent.verdict import NO_INTENT, Intent, Verdict

__all__ = [
    "DEFAULT_LEXICON_RESOURCE",
    "Lexicon",
    "classify_text",
    "default_lexicon",
    "load_lexicon",
]

DEFAULT_LEXICON_RESOURCE: Final = "bot/data/lexicon.json"
_PROMOTED: Final = frozenset({Intent.OPT_OUT, Intent.COMPLAINT})
_CLAUSES: Final = re.compile(r"[.!?;,\n]+")
# Verdicts the first reading of a message is sure of: no repair is tried.
_SURE: Final = frozenset({Intent.OPT_OUT, Intent.OPT_IN, Intent.COMPLAINT, Intent.HELP})


class Lexicon:
    """A compiled lexicon: the defaults, optionally with a business's own layer over them.

    Build one with :func:`load_lexicon`; it is immutable and safe to share.
    """

    __slots__ = ("_disabled", "_index", "_layers", "_model", "_repairer")

    def __init__(self, *layers: tuple[LexiconData, str], model: IntentModel | None = None) -> None:
        if not layers:
            raise ValueError("a lexicon needs at least one layer")
        self._layers = layers
        self._model = model
        # Phrases a business's file disables: the model, trained on the defaults, must not
        # read them back in.
        self._disabled = frozenset(
            fold(phrase)
            for data, _ in layers
            for entry in data.languages.values()
            for raw in entry.disable
            for phrase in expand(raw)
        )
        self._index: Index = build_index(layers)
        self._repairer = Repairer(self._index.primary)

    @property
    def languages(self) -> tuple[str, ...]:
        """Language tags in lexicon order (which breaks ties between languages)."""
        return self._index.languages

    @property
    def index(self) -> Index:
        """The compiled tables (for :mod:`bot.intent.buttons` and tests)."""
        return self._index

    def phrases(self, field: str) -> Mapping[str, frozenset[str]]:
        """The normalised phrases of one field (``"opt_out.all"``, ``"guard"``...) by language."""
        return phrases_by_language(self._layers, field)

    def replies(self, language: str) -> Mapping[str, str]:
        """Reply texts of one language (keys ``opt_out``, ``opt_in``, ``help``)."""
        return self._index.replies.get(language, {})

    @property
    def model(self) -> IntentModel | None:
        return self._model

    def classify_text(self, text: str) -> Verdict:
        """Classify a typed message or a media caption: the rules decide what they are sure
        of (:meth:`classify_rules`); the model, when there is one, decides the rest
        (:func:`bot.intent.decide.weigh`)."""
        verdict, folded = self._rules(text)
        model = self._model
        if verdict.intent in _SURE or model is None or not folded or folded in self._disabled:
            return NO_INTENT if verdict is GUARDED else verdict
        p = model.probabilities(text, folded)
        stop = sum(p[1:4])
        words = folded.split(" ")
        ads = self._index.primary.marketing_words
        marketing = any(word in ads for word in words)
        if verdict.intent is Intent.REVIEW and (regrets(words) or returns(words)):
            # A stop named beside words of a mistake or of coming back: taken back, when
            # the model agrees.
            opt_in = taken_back(verdict, p, marketing, model.version)
            if opt_in is not None:
                return opt_in
        if (verdict.reason == "guarded" or _mixed(verdict, text, folded)) and stop < SURE_STOP:
            # A request beside a guard ("bus stop") or beside words that may change its
            # meaning (a contrast after it, a condition, another question): the rules'
            # word stands, unless the model is all but certain of a stop (a long dictated
            # message full of "when" and "only", "Never was. Stop messaging this number").
            return NO_INTENT if verdict is GUARDED else verdict
        if verdict.reason == "conflict" and stop < STOP:
            # An opt-out beside an opt-in: the model may only confirm the stop (the side a
            # missed request costs more on), never release it or read an opt-in.
            return verdict
        return weigh(
            NO_INTENT if verdict is GUARDED else verdict,
            text,
            p,
            lambda _: self._language(folded),
            model.version,
            marketing=marketing,
        )

    def classify_rules(self, text: str) -> Verdict:
        """What the lexicon and its rules alone make of a message (see
        :mod:`bot.intent.rules`): repairs, clauses, questions of how, opt-outs taken back."""
        verdict = self._rules(text)[0]
        return NO_INTENT if verdict is GUARDED else verdict

    def _rules(self, text: str) -> tuple[Verdict, str]:
        """The rules' verdict (:data:`bot.intent.rules.GUARDED` when a guard vetoed what
        matched) and the folded text it was read from."""
        folded = fold(text)
        verdict = self._read(folded) if folded else NO_INTENT
        if verdict.intent not in _SURE:
            repaired = self._repairer.repair(text, folded)
            if repaired is not None:
                second = self._read(repaired)
                if second.intent in _SURE:
                    verdict, folded = second, repaired
        verdict = _question(verdict, text)
        if verdict.intent is not Intent.REVIEW:
            return verdict, folded
        if verdict.reason == "conflict" and regrets(folded.split(" ")):
            # "I sent STOP by mistake, keep sending": the opt-in is the request.
            opt_in = Verdict(Intent.OPT_IN, verdict.categories, verdict.language, verdict.matched)
            return opt_in, folded
        insisted = _insisted(verdict, text, folded)
        if insisted is not None:
            return insisted, folded
        return self._clause(verdict, folded, text), folded

    def _clause(self, verdict: Verdict, folded: str, text: str) -> Verdict:
        """A request among other words is the request when one clause of the message is the
        request by itself and no other words may change its meaning (a contrast, a
        condition, another question: :mod:`bot.intent.doubt`): «Добрый день! Больше не
        присылайте мне сообщения. С уважением, Игорь». Otherwise it stays in review."""
        if (
            verdict.reason not in ("other_content", "too_long")
            or verdict.suggested not in _PROMOTED
            or verdict.matched is None
            or doubtful(folded.split(" "), text, verdict.matched, verdict.language)
        ):
            return verdict
        for clause in _CLAUSES.split(text):
            part = fold(clause)
            if part and part != folded:
                found = self._read(part)
                if found.intent in _PROMOTED:
                    return found
        return verdict

    def _read(self, folded: str) -> Verdict:
        index = self._index
        voters: list[WordInfo] = []
        verdict = decide(index.primary, folded.split(" "), folded, voters, index.languages)
        if verdict is None and has_latin(folded):
            roman = skeleton(folded)
            verdict = decide(index.roman, roman.split(" "), roman, voters, index.languages)
        return verdict or NO_INTENT

    def detect_language(self, text: str) -> str | None:
        """The lexicon language whose words ``text`` uses most, else the first language
        written in its script, else ``None``."""
        return self._language(fold(text))

    def _language(self, folded: str) -> str | None:
        scores = [0.0] * len(self._index.languages)
        for word in folded.split(" "):
            for language, weight in self._index.vocabulary.get(word, ()):
                scores[language] += weight
        best = max(scores, default=0.0)
        if best > 0:
            return self._index.languages[scores.index(best)]
        for name, pattern in SCRIPTS:
            if pattern.search(folded) and name in self._index.scripts:
                return self._index.languages[self._index.scripts.index(name)]
        return None


def _mixed(verdict: Verdict, text: str, folded: str) -> bool:
    """A review of a request next to a contrast, a condition or another question («Стоп, а
    где мой заказ?»): a person reads it, whatever the model thinks."""
    return (
        verdict.intent is Intent.REVIEW
        and verdict.suggested in _PROMOTED
        and verdict.matched is not None
        and doubtful(folded.split(" "), text, verdict.matched, verdict.language)
    )


def _insisted(verdict: Verdict, text: str, folded: str) -> Verdict | None:
    """The stop of a review that asks it again ("how many times do I have to say stop?",
    «сколько можно, отпишите») when nothing may change its meaning: the request itself."""
    suggested, matched = verdict.suggested, verdict.matched
    if suggested not in _PROMOTED or suggested is None or matched is None:
        return None
    words = folded.split(" ")
    if not insists(words) or doubtful(words, text, matched, verdict.language, questions=False):
        return None
    return Verdict(suggested, verdict.categories, verdict.language, matched)


def _question(verdict: Verdict, text: str) -> Verdict:
    """A request asked as a question of how (:mod:`bot.intent.questions`) is help."""
    leaning = verdict.suggested if verdict.intent is Intent.REVIEW else verdict.intent
    if leaning is not Intent.OPT_OUT or verdict.matched is None:
        return verdict
    if not asks_how(text, verdict.matched):
        return verdict
    return Verdict(Intent.HELP, frozenset(), verdict.language, verdict.matched)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _default_data() -> LexiconData:
    resource = resources.files("bot") / "data" / "lexicon.json"
    return parse_lexicon(resource.read_text(encoding="utf-8"), DEFAULT_LEXICON_RESOURCE)


@functools.cache
def default_lexicon() -> Lexicon:
    """The lexicon shipped in ``bot/data/lexicon.json`` (compiled once, on first use)."""
    return Lexicon((_default_data(), DEFAULT_LEXICON_RESOURCE), model=default_model())


def load_lexicon(path: pathlib.Path | None = None) -> Lexicon:
    """The default lexicon, with a business's own file layered over it when ``path`` is given.

    The file has the shape of ``bot/data/lexicon.json`` (any subset of it). Raises
    :class:`ValueError` naming the file and the problem when it is not valid UTF-8 JSON of
    that shape or its phrases contradict each other; :class:`OSError` when it cannot be read.
    """
    if path is None:
        return default_lexicon()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"lexicon {path}: not valid UTF-8 ({error})") from error
    custom = parse_lexicon(text, str(path))
    return Lexicon(
        (_default_data(), DEFAULT_LEXICON_RESOURCE), (custom, str(path)), model=default_model()
    )


def classify_text(text: str, lexicon: Lexicon | None = None) -> Verdict:
    """Classify a typed message or a media caption with ``lexicon`` (default: the shipped one)."""
    return (lexicon or default_lexicon()).classify_text(text)
