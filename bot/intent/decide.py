"""Where the model decides: the messages the rules are not sure of.

The rules (:mod:`bot.intent.classify`) decide what the lexicon covers: a request, an opt-in,
a help question. For the rest, a ``none`` or a ``review`` verdict, the intent model's
probabilities (:mod:`bot.intent.model`) decide:

- a stop (opt-out, marketing opt-out or complaint) with probability of at least
  :data:`STOP` is honoured at once (:data:`ASKED_STOP` when the message ends with a
  question mark: "Basta una taglia in più?" asks whether one size more is enough), unless
  it is asked with a how-word: then a person decides (review, marketing held). Where the
  rules already found the request and only its surroundings kept it from them (a name, a
  greeting, a long voice message), a stop of at least :data:`AGREE` confirms it, unless the
  message is a question;
- any other ``review`` verdict stays in review (a person decides, marketing is held),
  unless the model reads a help question in it (with a stop below one half), or reads
  ordinary conversation with at least :data:`RELEASE` (more than any stop: "Bir kutu
  yeter mi?", "is one enough?", is a question about a box, not a request);
- otherwise an opt-in the model is at least :data:`OPT_IN_SURE` sure of, in a message
  where the rules found no stop and the model almost none (below :data:`NO_STOP`), is the
  person's opt-in («добавьте меня в список», "aggiungetemi alla lista"): for marketing when
  the message names an ad word, else for all. A less certain opt-in of at least
  :data:`OPT_IN` goes to review leaning to an opt-in (nothing is held); a help question of
  at least :data:`HELP` is help, and anything else is ordinary conversation.

Before any of this, :mod:`bot.intent.classify` keeps with a person a request the rules found
beside words that may change its meaning (:mod:`bot.intent.doubt`), unless the model reads a
stop of at least :data:`SURE_STOP`; the same holds for a request beside a guard phrase.

The thresholds were calibrated on the dev split of the labelled replies (never the frozen
test split): see ``make eval``. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from bot.intent.questions import HOW_WORDS
from bot.intent.text import fold
from bot.intent.verdict import ALL, MARKETING, Intent, Verdict

_STOPS: Final = frozenset({Intent.OPT_OUT, Intent.COMPLAINT})
# What the rules suggested when they found no stop: nothing, or an opt-in among other words.
_NO_STOP_FOUND: Final = frozenset({None, Intent.OPT_IN})

__all__ = [
    "AGREE",
    "ASKED_STOP",
    "HELP",
    "NO_STOP",
    "OPT_IN",
    "OPT_IN_SURE",
    "RELEASE",
    "STOP",
    "SURE_STOP",
    "TAKEN_BACK",
    "taken_back",
    "weigh",
]

STOP: Final = 0.7
ASKED_STOP: Final = 0.8
SURE_STOP: Final = 0.95
AGREE: Final = 0.6
OPT_IN: Final = 0.5
OPT_IN_SURE: Final = 0.9
NO_STOP: Final = 0.1
TAKEN_BACK: Final = 0.75
HELP: Final = 0.5
RELEASE: Final = 0.6
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
    marketing: bool = False,
) -> Verdict:
    """The verdict for a message the rules left as ``verdict`` (``none`` or ``review``),
    given the model's probabilities ``p`` in label order; ``version`` names the model in
    the evidence of what it decides, and ``marketing`` tells whether the message names an
    ad word (the scope of an opt-in)."""

    def _evidence(label: str, probability: float) -> str:
        # What decided, kept with the event: the model, its version, label and confidence.
        return f"model {version}:{label}:{probability:.2f}" if version else f"model:{label}"

    stop = p[_OUT] + p[_OUT_MARKETING] + p[_COMPLAINT]
    language = verdict.language or language_of(text)
    if language is None:
        # Neither a word nor a script the lexicon knows: the model was not trained on such
        # text, and what it reads there is its prior, not the message.
        return verdict
    found = verdict.intent is Intent.REVIEW and verdict.suggested in _STOPS
    asked = _asked(text)
    if stop >= (ASKED_STOP if asked else STOP) or (found and stop >= AGREE and not asked):
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
    if p[_IN] >= OPT_IN_SURE and stop < NO_STOP and verdict.suggested in _NO_STOP_FOUND:
        # The person's own request to be added: the rules found no stop in it and the model
        # almost none. A typed opt-in lifts the person's stop (bot.evidence), so a reading
        # any less certain waits for a person or a tap instead.
        if verdict.suggested is Intent.OPT_IN:
            categories = verdict.categories
        else:
            categories = _MARKETING if marketing else _ALL
        return Verdict(Intent.OPT_IN, categories, language, _evidence("opt_in", p[_IN]))
    if verdict.intent is Intent.REVIEW:
        # The rules found a request the model does not confirm. It is released only to a
        # help question (answered, not acted on) or to ordinary conversation the model is
        # sure of; otherwise a person decides and marketing is held.
        if p[_HELP] >= HELP and stop < _BAND:
            return Verdict(Intent.HELP, _NONE_CATEGORIES, language, _evidence("help", p[_HELP]))
        if p[_NONE] < RELEASE:
            return verdict
        return Verdict(Intent.NONE, _NONE_CATEGORIES, None, None)
    if p[_IN] >= OPT_IN:
        # A less certain opt-in: an opt-in of the person lifts their stop, and "send me
        # offers" is a few letters from "no more offers". A person (or the customer's tap
        # on a clarifying question) confirms it; nothing is held.
        return Verdict(
            Intent.REVIEW, _ALL, language, _evidence("opt_in", p[_IN]), Intent.OPT_IN, "unclear"
        )
    if p[_HELP] >= HELP:
        return Verdict(Intent.HELP, _NONE_CATEGORIES, language, _evidence("help", p[_HELP]))
    return Verdict(Intent.NONE, _NONE_CATEGORIES, None, None)


def taken_back(
    verdict: Verdict, p: Sequence[float], marketing: bool, version: str = ""
) -> Verdict | None:
    """The opt-in of a message that names an earlier stop only to take it back ("me di de
    baja sin querer, ¿me pueden volver a agregar?", "I wrote STOP but I want the offers
    again"): the rules found the stop beside words of a mistake or of coming back
    (``verdict``, a review leaning to an opt-out), and the model reads an opt-in of at least
    :data:`TAKEN_BACK` (so a stop of at most what is left). ``None`` otherwise: "I was
    subscribed by mistake, stop" names a mistake too."""
    if (
        verdict.intent is not Intent.REVIEW
        or verdict.suggested is not Intent.OPT_OUT
        or p[_IN] < TAKEN_BACK
    ):
        return None
    evidence = f"model {version}:opt_in:{p[_IN]:.2f}" if version else "model:opt_in"
    categories = _MARKETING if marketing else _ALL
    return Verdict(Intent.OPT_IN, categories, verdict.language, f"{verdict.matched} + {evidence}")


def _asked(text: str) -> bool:
    return text.rstrip().endswith(("?", "¿", "؟"))


def _asks_how(text: str) -> bool:
    return text.rstrip().endswith("?") and not HOW_WORDS.isdisjoint(fold(text).split(" "))
