"""The classifier's vocabulary: what a customer asked for and the decision about one message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = ["ALL", "MARKETING", "NO_INTENT", "Intent", "Verdict"]


class Intent(StrEnum):
    """What the customer asked for.

    ``COMPLAINT`` is an objection to the messages themselves ("this is spam", «кто дал вам
    мой номер?»). It covers ``{"all"}``: whoever complains must not be messaged again, so
    callers treat it as an opt-out and also put it in front of a person. ``REVIEW`` means
    the text carries a request among other content, or is unclear on its own ("cancel");
    a person decides, and the verdict says what it leans to.
    """

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    COMPLAINT = "complaint"
    REVIEW = "review"
    NONE = "none"


ALL: Final = "all"
"""Category covering every business-initiated message (a typed STOP / START)."""

MARKETING: Final = "marketing"
"""Category covering marketing messages only («без рекламы», "no more promos", a button)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The classifier's decision about one inbound message.

    ``categories`` says which kinds of business-initiated messages the decision applies to
    (``{"all"}`` or ``{"marketing"}``; for :attr:`Intent.REVIEW` what a confirmed request
    would cover; empty for :attr:`Intent.HELP` and :attr:`Intent.NONE`). ``language`` is the
    detected language (a BCP 47 tag such as ``"ru"``, ``"uz-Cyrl"``, ``"hi-Latn"``), used to
    answer in kind; ``matched`` is the keyword, phrase, payload or label that decided it
    (phrases joined by ``" + "`` when several did, followed by the ad words that made a
    request marketing-only, in matching form: «рекламу», "ofers"), kept as evidence for
    the consent ledger.
    ``suggested`` is what a :attr:`Intent.REVIEW` verdict leans to, and ``reason`` says why a
    person must decide (``"other_content"``, ``"conflict"``, ``"unclear"``, ``"too_long"``).
    """

    intent: Intent
    categories: frozenset[str]
    language: str | None
    matched: str | None
    suggested: Intent | None = None
    reason: str | None = None


NO_INTENT: Final = Verdict(Intent.NONE, frozenset(), None, None)
"""The verdict for anything that carries no consent meaning."""
