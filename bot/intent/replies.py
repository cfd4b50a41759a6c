"""Reply texts: what the service answers to an opt-out, an opt-in and HELP, per language.

The texts live in the lexicon (``replies`` of each language) so a business can reword them
in its own file. Sending them is the outbox's job; this module only picks the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from bot.intent.classify import Lexicon, default_lexicon
from bot.intent.verdict import Intent

__all__ = ["FALLBACK_LANGUAGE", "REPLY_KINDS", "Reply", "reply_for"]

FALLBACK_LANGUAGE: Final = "en"
"""The language answered in when the detected one has no text."""

REPLY_KINDS: Final = MappingProxyType(
    {
        Intent.OPT_OUT: "opt_out",
        # A complaint is honoured as an opt-out, so it is confirmed as one.
        Intent.COMPLAINT: "opt_out",
        Intent.OPT_IN: "opt_in",
        Intent.HELP: "help",
    }
)
"""Which reply answers which intent; review and none get no automatic answer."""


@dataclass(frozen=True, slots=True)
class Reply:
    kind: str
    language: str
    text: str


def reply_for(intent: Intent, language: str | None, lexicon: Lexicon | None = None) -> Reply | None:
    """The reply to send for ``intent`` in ``language``, or ``None`` when none is due.

    Falls back from a regional or script tag to its base language (``"uz-Cyrl"`` →
    ``"uz"``), then to :data:`FALLBACK_LANGUAGE`.
    """
    kind = REPLY_KINDS.get(intent)
    if kind is None:
        return None
    lexicon = lexicon or default_lexicon()
    candidates = [language, language.split("-")[0]] if language else []
    for candidate in (*candidates, FALLBACK_LANGUAGE):
        text = lexicon.replies(candidate).get(kind)
        if text is not None:
            return Reply(kind, candidate, text)
    return None
