"""The lexicon file: keywords, phrases, guards, button entries and reply texts per language.

The defaults ship in ``bot/data/lexicon.json``; a business adds its own file of the same
shape, layered over the defaults. Everything here is data and validation;
:mod:`bot.intent.index` turns the layers into lookup tables.

Shape (every key optional except ``languages``)::

    {
      "version": 1,
      "languages": {
        "ru": {
          "name": "Russian",
          "opt_out": {"all": ["стоп", "не (пишите|присылайте) мне"], "marketing": ["без рекламы"]},
          "opt_in": {"all": ["старт"], "marketing": ["хочу получать акции"]},
          "complaint": ["это спам"],
          "help": ["помощь"],
          "unclear": ["отмена"],
          "decline": ["не нужны", "без"],
          "guard": ["стоп кран", "отмените заказ"],
          "fillers": ["пожалуйста", "добрый день"],
          "topic_words": ["сообщени*", "смс"],
          "marketing_words": ["реклам*", "акци*"],
          "button_labels": {"opt_out": ["Хватит акций"], "opt_in": ["Хочу акции"]},
          "button_payloads": {"opt_out": ["SHOP_NO_ADS"], "opt_in": ["SHOP_ADS_BACK"]},
          "replies": {"opt_out": "...", "opt_in": "...", "help": "..."},
          "disable": ["отмена"]
        }
      }
    }

A phrase may hold groups of alternatives, ``(a|b|)``, an empty alternative making the
group optional; ``"не (пишите|шлите) (мне|)"`` stands for four phrases. Topic and
marketing words are single words; a trailing ``*`` matches any ending («реклам*»).

What each list means:

- ``opt_out`` / ``opt_in``: the request itself; ``marketing`` ones cover marketing only.
- ``complaint``: an objection to the messages (spam, "who gave you my number").
- ``help``: a request for information about the sender (HELP, "who is this?").
- ``unclear``: a word that may be an opt-out or something else ("cancel"): a person decides.
- ``decline``: "no", «не нужны», "sin": an opt-out only next to a topic or marketing word.
- ``guard``: another sense of a trigger word ("bus stop", "cancel my order"): it vetoes
  every phrase it overlaps.
- ``fillers``: words that never change the meaning (please, greetings, pronouns).
- ``topic_words``: the messages themselves (messages, SMS, «рассылка»): part of a request
  next to one, nothing alone.
- ``marketing_words``: ads and offers («реклама», "promos"): like topic words, and they
  make the request marketing-only.
- ``disable``: default phrases of this language to drop (a business's file only).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

__all__ = [
    "MAX_EXPANSIONS",
    "ButtonEntries",
    "CategoryPhrases",
    "LanguageData",
    "LexiconData",
    "Replies",
    "expand",
    "parse_lexicon",
]

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Language = Annotated[
    str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35)
]
ReplyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)]

MAX_EXPANSIONS: Final = 512
"""A phrase with groups may stand for at most this many phrases (a typo guard)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryPhrases(_Strict):
    """Phrases that cover every business-initiated message, and marketing-only ones."""

    all: tuple[Phrase, ...] = ()
    marketing: tuple[Phrase, ...] = ()


class ButtonEntries(_Strict):
    """Button labels (compared whole) or payload markers (substrings) by meaning."""

    opt_out: tuple[Phrase, ...] = ()
    opt_in: tuple[Phrase, ...] = ()


class Replies(_Strict):
    """What the service answers, in this language, to an opt-out, an opt-in and HELP."""

    opt_out: ReplyText | None = None
    opt_in: ReplyText | None = None
    help: ReplyText | None = None


class LanguageData(_Strict):
    """Everything the lexicon knows about one language."""

    name: str | None = None
    opt_out: CategoryPhrases = CategoryPhrases()
    opt_in: CategoryPhrases = CategoryPhrases()
    complaint: tuple[Phrase, ...] = ()
    help: tuple[Phrase, ...] = ()
    unclear: tuple[Phrase, ...] = ()
    decline: tuple[Phrase, ...] = ()
    guard: tuple[Phrase, ...] = ()
    fillers: tuple[Phrase, ...] = ()
    topic_words: tuple[Phrase, ...] = ()
    marketing_words: tuple[Phrase, ...] = ()
    button_labels: ButtonEntries = ButtonEntries()
    button_payloads: ButtonEntries = ButtonEntries()
    replies: Replies = Replies()
    disable: tuple[Phrase, ...] = ()


class LexiconData(_Strict):
    """A whole lexicon file. Languages keep the file's order, which breaks ties when a
    phrase belongs to several languages ("stop" is English before it is German)."""

    version: Literal[1] = 1
    languages: dict[Language, LanguageData] = Field(min_length=1)


def parse_lexicon(text: str, source: str) -> LexiconData:
    """Validate a lexicon file's text; :class:`ValueError` names ``source`` and the problem."""
    try:
        raw: object = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"lexicon {source}: not valid JSON ({error})") from error
    if not isinstance(raw, dict):
        raise ValueError(f"lexicon {source}: expected a JSON object at the top level")
    try:
        data = LexiconData.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise ValueError(f"lexicon {source}: {where}: {first['msg']}{more}") from error
    for language, entry in data.languages.items():
        for field, phrase in _phrases(entry):
            try:
                expand(phrase)
                if "*" in phrase and field not in _WILDCARD_FIELDS:
                    raise ValueError(
                        f"phrase {phrase!r}: '*' is allowed in topic_words and marketing_words only"
                    )
            except ValueError as error:
                raise ValueError(
                    f"lexicon {source}: languages.{language}.{field}: {error}"
                ) from error
    return data


def _phrases(entry: LanguageData) -> list[tuple[str, str]]:
    """Every phrase of a language entry with the field it came from (for error messages)."""
    fields: list[tuple[str, tuple[str, ...]]] = [
        ("opt_out.all", entry.opt_out.all),
        ("opt_out.marketing", entry.opt_out.marketing),
        ("opt_in.all", entry.opt_in.all),
        ("opt_in.marketing", entry.opt_in.marketing),
        ("complaint", entry.complaint),
        ("help", entry.help),
        ("unclear", entry.unclear),
        ("decline", entry.decline),
        ("guard", entry.guard),
        ("fillers", entry.fillers),
        ("topic_words", entry.topic_words),
        ("marketing_words", entry.marketing_words),
        ("disable", entry.disable),
    ]
    return [(field, phrase) for field, phrases in fields for phrase in phrases]


_WILDCARD_FIELDS: Final = frozenset({"topic_words", "marketing_words"})
_GROUP: Final = re.compile(r"\(([^()]*)\)")


def expand(phrase: str) -> list[str]:
    """The phrases a pattern stands for: ``"не (пишите|шлите) (мне|)"`` gives four.

    Raises :class:`ValueError` for unbalanced or nested parentheses, a ``|`` outside a
    group, or more than :data:`MAX_EXPANSIONS` results.
    """
    parts: list[tuple[str, ...]] = []
    position = 0
    for group in _GROUP.finditer(phrase):
        parts.append((phrase[position : group.start()],))
        parts.append(tuple(group.group(1).split("|")))
        position = group.end()
    parts.append((phrase[position:],))
    literal = "".join(part[0] for part in parts[::2])
    if any(char in literal for char in "()|"):
        raise ValueError(f"phrase {phrase!r}: unbalanced parentheses or '|' outside a group")
    count = 1
    for options in parts:
        count *= len(options)
    if count > MAX_EXPANSIONS:
        raise ValueError(f"phrase {phrase!r} stands for {count} phrases (at most {MAX_EXPANSIONS})")
    return [" ".join("".join(choice).split()) for choice in itertools.product(*parts)]
