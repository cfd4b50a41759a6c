"""What it takes to lift a person's opt-out: the person, or a consent with full evidence.

Re-imported lists that re-subscribe people who said stop are the classic way businesses get
their numbers banned, so an opt-out the person asked for (`user_request`) is lifted only by:

- the person: a typed START or a subscribe tap, i.e. an opt-in from an inbound WhatsApp
  message that no operator interpreted (no `actor`);
- an opt-in or consent that carries the evidence an appeal would ask for: the wording shown
  (at least a sentence, not a placeholder) and its version, how it was given, a reference
  (recording, document, ticket) or the IP address and user agent of the form, and the time it
  was given (the event's `occurred_at`, which must be newer than the stop). An imported consent
  must also say, per row, that it re-subscribes (`resubscribe`).

The check is pure and is applied where the state is derived (`bot.state`), so no path (API,
review queue, import, a stored event from before the rule) can go around it. The API uses the
same function to tell a caller what its consent lacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from bot.events import INBOUND_SOURCES, Event, Kind, Source

# Shorter than this is a placeholder ("x", "ok", "yes"), not the text the person agreed to.
MIN_WORDING: Final = 10
# Sources that do not say how the consent was given: the evidence must say it (`method`).
_VAGUE_SOURCES: Final = frozenset({Source.OTHER, Source.IMPORT, Source.API})
_LIFTING_KINDS: Final = frozenset({Kind.OPT_IN, Kind.CONSENT})


def by_the_person(e: Event) -> bool:
    """An opt-in the customer gave themselves in WhatsApp (START, a subscribe tap)."""
    return e.kind is Kind.OPT_IN and e.actor is None and e.source in INBOUND_SOURCES


def missing_evidence(e: Event) -> tuple[str, ...]:
    """What an opt-in or consent lacks to lift an opt-out; () when it may lift one."""
    if e.kind not in _LIFTING_KINDS:
        return ("an opt-in or consent",)
    if by_the_person(e):
        return ()
    ev = e.evidence
    missing: list[str] = []
    if len(_text(ev, "wording")) < MIN_WORDING:
        missing.append("wording")
    if not _text(ev, "wording_version"):
        missing.append("wording_version")
    if e.source in _VAGUE_SOURCES and not _method(ev):
        missing.append("method")
    if not _text(ev, "reference") and not (_text(ev, "ip") and _text(ev, "user_agent")):
        missing.append("reference or ip and user_agent")
    if e.source is Source.IMPORT and ev.get("resubscribe") is not True:
        missing.append("resubscribe")
    return tuple(missing)


def lifts_opt_out(e: Event) -> bool:
    """May this event lift an opt-out the person asked for (when it is newer than it)?"""
    return e.kind in _LIFTING_KINDS and not missing_evidence(e)


def _method(evidence: Mapping[str, Any]) -> str:
    """How it was given: said outright, or the source column of an imported file."""
    method = _text(evidence, "method") or _text(evidence, "original_source")
    return "" if method.lower() in {"other", "import", "api"} else method


def _text(evidence: Mapping[str, Any], name: str) -> str:
    value = evidence.get(name)
    return value.strip() if isinstance(value, str) else ""
