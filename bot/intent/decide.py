"""Where the model decides: the messages the rules are not sure of.

The rules (:mod:`bot.intent.classify`) decide what the lexicon covers: a request, an opt-in,
a help question. For the rest, a ``none`` or a ``review`` verdict, the intent model's
probabilities (:mod:`bot.intent.model`) decide:

- a stop (opt-out, marketing opt-out or complaint) with probability of at least
  :data:`STOP` is honoured at once, unless it is asked as a question with a how-word: then
  a person decides (review, marketing held);
- any other ``review`` verdict stays in review (a person decides, marketing is held),
  unless the model reads a help question in it (with a stop below one half), or is at
  least :data:`RELEASE` sure it is ordinary conversation;
- otherwise an opt-in of at least :data:`OPT_IN` goes to review leaning to an opt-in (the
  model never opts anyone in by itself: an opt-in lifts a stop), a help question of at
  least :data:`HELP` is help, and anything else is ordinary conversation.

The thresholds were calibrated on the dev split of the labelled replies (never the frozen
test split): see ``make eval``. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from bot.intent.questions import HOW_WORDS
from bot.intent.text import fold
from bot.intent.verdict import ALL, MARKETING, Intent, Verdict

__all__ = ["HELP", "OPT_IN", "RELEASE", "STOP", "weigh"]

STOP: Final = 0.8
OPT_IN: Final = 0.5
HELP: Final = 0.5
RELEASE: Final = 0.9
_BAND: Final = 0.5  # a stop this likely is never released to help

# Label positions in the model's output (bot.intent.model.LABELS).
_NONE, _OUT, _OUT_MARKETING, _COMPLAINT, _IN, _HELP = range(6)
_ALL: Final = frozenset({ALL})
_MARKETING: Final = frozenset({MARKETING})
_NONE_CATEGORIES: Final[frozenset[str]] = frozenset()


def weigh(
    verdict: Verdict,
    text: str,
    p: Sequence[float],
    language_of: Callable[[str], str | None],
    version: str = "",
) -> Verdict:
    """The verdict for a message the rules left as ``verdict`` (``none`` or ``review``),
    given the model's probabilities ``p`` in label order; ``version`` names the model in
    the evidence of what it decides."""

    def _evidence(label: str, probability: float) -> str:
        # What decided, kept with the event: the model, its version, label and confidence.
        return f"model {version}:{label}:{probability:.2f}" if version else f"model:{label}"

    stop = p[_OUT] + p[_OUT_MARKETING] + p[_COMPLAINT]
    language = verdict.language or language_of(text)
    if stop >= STOP:
        if _asks_how(text):
            # A stop the model reads in a question with a how-word ("how many times do I
            # have to say stop?" or "how do I stop these?"): a person decides, and
            # marketing is held meanwhile. Never help on the model's word alone.
            return Verdict(
                Intent.REVIEW, _ALL, language, _evidence("opt_out", stop), Intent.OPT_OUT, "unclear"
            )
        if p[_COMPLAINT] > p[_OUT] + p[_OUT_MARKETING]:
            return Verdict(Intent.COMPLAINT, _ALL, language, _evidence("complaint", stop))
        categories = _MARKETING if p[_OUT_MARKETING] > p[_OUT] + p[_COMPLAINT] else _ALL
        return Verdict(Intent.OPT_OUT, categories, language, _evidence("opt_out", stop))
    if verdict.intent is Intent.REVIEW:
        # The rules found a request the model does not confirm. It is released only to a
        # help question (answered, not acted on) or, when the model is all but certain, to
        # ordinary conversation; otherwise a person decides and marketing is held.
        if p[_HELP] >= HELP and stop < _BAND:
            return Verdict(Intent.HELP, _NONE_CATEGORIES, language, _evidence("help", p[_HELP]))
        if p[_NONE] < RELEASE:
            return verdict
        return Verdict(Intent.NONE, _NONE_CATEGORIES, None, None)
    if p[_IN] >= OPT_IN:
        # Never an opt-in on the model's word alone: an opt-in of the person lifts their
        # stop, and "send me offers" is a few letters from "no more offers". A person (or
        # the customer's tap on a clarifying question) confirms it; nothing is held.
        return Verdict(
            Intent.REVIEW, _ALL, language, _evidence("opt_in", p[_IN]), Intent.OPT_IN, "unclear"
        )
    if p[_HELP] >= HELP:
        return Verdict(Intent.HELP, _NONE_CATEGORIES, language, _evidence("help", p[_HELP]))
    return Verdict(Intent.NONE, _NONE_CATEGORIES, None, None)


def _asks_how(text: str) -> bool:
    return text.rstrip().endswith("?") and not HOW_WORDS.isdisjoint(fold(text).split(" "))
