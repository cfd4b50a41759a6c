"""Opt-out, opt-in, help and complaint classification for inbound WhatsApp messages.

Customers leave by typing («СТОП», «не пишите мне больше», "remove me!!!", "otpishite",
"pare de me mandar mensagem"), by tapping a template quick-reply button («Отписаться»,
"Stop promotions") or by picking an interactive reply; they come back the same ways. They
also ask for HELP and complain ("кто дал вам мой номер?"). A missed opt-out becomes a spam
complaint and a false one silently loses a customer, so what is unclear goes to a person
(:attr:`Intent.REVIEW`) instead of being decided either way.

This package is the classifier's stable interface: :class:`Verdict`, :class:`Intent`,
:func:`normalise`, :func:`classify_text`, :func:`classify_button`,
:func:`classify_interactive`, :class:`ButtonMap`, :class:`Lexicon` and
:func:`load_lexicon`. The words live in data (``bot/data/lexicon.json``, extended by a
business's own file), so languages and phrasings grow without code changes.

The package is pure: no I/O except reading a lexicon or button map when asked to, no
logging, no global state that changes results.

Modules: :mod:`~bot.intent.verdict` (result types), :mod:`~bot.intent.text`
(text forms), :mod:`~bot.intent.lexicon` (the file format), :mod:`~bot.intent.index`
(compiled tables), :mod:`~bot.intent.rules` (decision rules), :mod:`~bot.intent.classify`
(the lexicon object and loading), :mod:`~bot.intent.buttons` (buttons and interactive
replies), :mod:`~bot.intent.replies` (reply texts).
"""

from __future__ import annotations

from bot.intent.buttons import ButtonMap, classify_button, classify_interactive
from bot.intent.classify import Lexicon, classify_text, default_lexicon, load_lexicon
from bot.intent.replies import Reply, reply_for
from bot.intent.rules import MAX_DECISIVE_WORDS
from bot.intent.text import fold, normalise, skeleton
from bot.intent.verdict import ALL, MARKETING, NO_INTENT, Intent, Verdict

__all__ = [
    "ALL",
    "MARKETING",
    "MAX_DECISIVE_WORDS",
    "NO_INTENT",
    "ButtonMap",
    "Intent",
    "Lexicon",
    "Reply",
    "Verdict",
    "classify_button",
    "classify_interactive",
    "classify_text",
    "default_lexicon",
    "fold",
    "load_lexicon",
    "normalise",
    "reply_for",
    "skeleton",
]
