"""CSV imports of suppression lists and consents: one row in, one event (or a reason) out.

This is the pure half of `consentbot import`: it checks a file's header and turns each data
row into an `Event`, or says in a few words why the row cannot be imported. Reading the
file, batching, the store and progress are the CLI's (`bot.import_cli`).

Rules that make an import safe to repeat:

* The event's key derives from what the row says (kind, number, categories, time, and the
  wording and its version for consents), never from the file name or the row number, so the
  same rows imported again, from any file, store nothing new.
* The event's source is `import`; the file's own `source` column, the file name and the row
  number are kept in the evidence, as the provenance of the first import that stored it.

A consent never lifts an opt-out the person asked for unless its row says so
(`resubscribe` = `yes`) and carries the full evidence `bot.evidence` asks for (`method` or a
telling `source`, `wording_version`, and `reference` or `ip` with `user_agent`): re-imported
lists that re-subscribe people who said stop are how businesses get banned.

Times must name their offset (`Z`, `+03:00`): a naive time would be read differently
depending on where the import runs, which is not something a consent record can afford.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from bot.events import ALL, CATEGORIES, Event, Kind, Source
from bot.phones import KIND_PHONE, InvalidNumber, parse_any


class ImportKind(StrEnum):
    SUPPRESSIONS = "suppressions"
    CONSENTS = "consents"


# The columns each kind of file must have, in the order the README lists them.
COLUMNS: Final[dict[ImportKind, tuple[str, ...]]] = {
    ImportKind.SUPPRESSIONS: ("phone", "categories", "source", "reason", "occurred_at"),
    ImportKind.CONSENTS: (
        "phone",
        "categories",
        "source",
        "collected_at",
        "wording",
        "wording_version",
    ),
}

# Columns read when the header has them (consents: the evidence that may lift an opt-out).
OPTIONAL: Final[dict[ImportKind, tuple[str, ...]]] = {
    ImportKind.SUPPRESSIONS: (),
    ImportKind.CONSENTS: ("method", "reference", "ip", "user_agent", "resubscribe"),
}
_YES: Final = frozenset({"yes", "true", "1", "y"})
_NO: Final = frozenset({"", "no", "false", "0", "n"})
MAX_EVIDENCE: Final = 500

# The same limits as the API's bodies, so an imported record is one the API could have taken.
MAX_SOURCE: Final = 200
MAX_REASON: Final = 2000
MAX_WORDING: Final = 4000
MAX_WORDING_VERSION: Final = 200
# A little clock skew between the system that wrote the file and us is normal (as in the API).
MAX_FUTURE_SKEW: Final = timedelta(minutes=5)
# How much of an unknown value a reason quotes: enough to recognise it, never a whole field.
_QUOTE: Final = 40
_KNOWN_CATEGORIES: Final = frozenset((*CATEGORIES, ALL))
_ALL_ONLY: Final = frozenset({ALL})


class HeaderError(ValueError):
    """The file's header cannot be used: nothing is imported."""


class RowError(ValueError):
    """Why one row cannot be imported: the column at fault (`row` for the row as a whole)
    and a short reason that never repeats the number."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Header:
    """Where each required column is in a row, and what else the header has."""

    kind: ImportKind
    names: tuple[str, ...]  # as written in the file
    positions: tuple[int, ...]  # of COLUMNS[kind], in that order
    extra: tuple[str, ...]  # columns that are not read
    optional: tuple[int | None, ...] = ()  # of OPTIONAL[kind], None where absent


def read_header(kind: ImportKind, names: Sequence[str]) -> Header:
    """Check a header row: every required column once (names compared without case and
    surrounding spaces); other columns are allowed and ignored."""
    normal = [n.strip().lower() for n in names]
    required = COLUMNS[kind]
    missing = [c for c in required if c not in normal]
    if missing:
        listed = ", ".join(required)
        raise HeaderError(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(a {kind.value} file has the columns {listed})"
        )
    repeated = sorted({c for c in required if normal.count(c) > 1})
    if repeated:
        raise HeaderError(f"column {', '.join(repeated)} appears more than once")
    optional = OPTIONAL[kind]
    repeated = sorted({c for c in optional if normal.count(c) > 1})
    if repeated:
        raise HeaderError(f"column {', '.join(repeated)} appears more than once")
    read = (*required, *optional)
    extra = tuple(n for n, low in zip(names, normal, strict=True) if low not in read)
    return Header(
        kind,
        tuple(names),
        tuple(normal.index(c) for c in required),
        extra,
        tuple(normal.index(c) if c in normal else None for c in optional),
    )


@dataclass(frozen=True, slots=True)
class Context:
    """What every row of one import shares."""

    file: str  # the file's base name, kept in each event's evidence
    default_region: str  # for numbers written without a country code
    now: datetime  # the import's start: events' `received_at`, the limit for future times


RowParser = Callable[[Sequence[str], int], Event]


def row_parser(header: Header, context: Context) -> RowParser:
    """A function from (fields, 1-based data row number) to an event; it raises `RowError`."""
    build = _suppression if header.kind is ImportKind.SUPPRESSIONS else _consent
    width = len(header.names)
    positions = header.positions
    optional = header.optional
    latest = context.now + MAX_FUTURE_SKEW

    def parse(fields: Sequence[str], row: int) -> Event:
        if len(fields) != width:
            raise RowError("row", f"{len(fields)} fields where the header has {width}")
        _check_text(fields)
        values = [fields[i] for i in positions]
        values.extend("" if i is None else fields[i] for i in optional)
        return build(values, row, context, latest)

    return parse


def _suppression(values: list[str], row: int, context: Context, latest: datetime) -> Event:
    phone_text, categories_text, source, reason, occurred_text = values[:5]
    phone, user_id = _identifier(phone_text, context.default_region)
    # An empty cell is the default of an operator's opt-out: every category.
    categories = _categories(categories_text, empty=_ALL_ONLY)
    occurred_at = _time(occurred_text, "occurred_at", latest)
    evidence: dict[str, Any] = {
        "original_source": _text(source, "source", MAX_SOURCE, required=True),
        "reason": _text(reason, "reason", MAX_REASON, required=False),
        "file": context.file,
        "row": row,
    }
    return _event(Kind.OPT_OUT, phone, user_id, categories, occurred_at, context, evidence)


def _consent(values: list[str], row: int, context: Context, latest: datetime) -> Event:
    phone_text, categories_text, source, collected_text, wording, version = values[:6]
    method, reference, ip, user_agent, resubscribe = values[6:]
    phone, user_id = _identifier(phone_text, context.default_region)
    categories = _categories(categories_text, empty=None)
    collected_at = _time(collected_text, "collected_at", latest)
    wording_text = _text(wording, "wording", MAX_WORDING, required=True)
    version_text = _text(version, "wording_version", MAX_WORDING_VERSION, required=False)
    evidence: dict[str, Any] = {
        "original_source": _text(source, "source", MAX_SOURCE, required=True),
        "wording": wording_text,
        "wording_version": version_text,
        "file": context.file,
        "row": row,
    }
    proof = {
        "method": _text(method, "method", MAX_EVIDENCE, required=False),
        "reference": _text(reference, "reference", MAX_EVIDENCE, required=False),
        "ip": _text(ip, "ip", MAX_EVIDENCE, required=False),
        "user_agent": _text(user_agent, "user_agent", MAX_EVIDENCE, required=False),
    }
    evidence.update((k, v) for k, v in proof.items() if v)
    key_extra: tuple[str, ...] = (wording_text or "", version_text or "")
    if _yes(resubscribe):
        # Stated per row, with its evidence: a new fact even where the same consent was
        # imported before without it.
        evidence["resubscribe"] = True
        key_extra = (*key_extra, "resubscribe", *(v or "" for v in proof.values()))
    return _event(
        Kind.CONSENT, phone, user_id, categories, collected_at, context, evidence, key_extra
    )


def _event(
    kind: Kind,
    phone: str | None,
    user_id: str | None,
    categories: frozenset[str],
    occurred_at: datetime,
    context: Context,
    evidence: dict[str, Any],
    key_extra: tuple[str, ...] = (),
) -> Event:
    return Event(
        key=import_key(kind, phone or user_id or "", categories, occurred_at, *key_extra),
        kind=kind,
        source=Source.IMPORT,
        occurred_at=occurred_at,
        received_at=context.now,
        phone=phone,
        user_id=user_id,
        categories=categories,
        evidence=evidence,
    )


def import_key(
    kind: Kind, identifier: str, categories: frozenset[str], occurred_at: datetime, *extra: str
) -> str:
    """The natural key of an imported fact: a digest of what it says, so the key is short
    whatever the wording's length, and the number is not written out in it a second time."""
    # Free text (the wording) goes in with its length, so no two rows' texts read the same.
    text = "\x1f".join(
        (
            kind.value,
            identifier,
            ",".join(sorted(categories)),
            occurred_at.isoformat(),
            *(f"{len(x)}:{x}" for x in extra),
        )
    )
    return f"import:{kind.value}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def _check_text(fields: Sequence[str]) -> None:
    text = "".join(fields)
    # The CLI decodes with `surrogateescape`, so bytes that are not UTF-8 reach this point as
    # lone surrogates: one bad row is rejected, and the rest of the file is still read.
    try:
        text.encode()
    except UnicodeEncodeError:
        raise RowError("row", "not valid UTF-8") from None
    # PostgreSQL cannot store NUL in text: it would fail the whole batch, not just this row.
    if "\x00" in text:
        raise RowError("row", "contains a NUL character")


def _identifier(text: str, default_region: str) -> tuple[str | None, str | None]:
    """(E.164 phone, business-scoped user id): exactly one is set."""
    if not text.strip():
        raise RowError("phone", "empty")
    try:
        kind, value = parse_any(text, default_region)
    except InvalidNumber as exc:  # the message never repeats the number
        raise RowError("phone", str(exc)) from None
    return (value, None) if kind == KIND_PHONE else (None, value)


def _categories(text: str, *, empty: frozenset[str] | None) -> frozenset[str]:
    """`marketing;utility`, `all`...: case and spaces do not matter; `all` covers the rest."""
    words = {w.strip().lower() for w in text.split(";")} - {""}
    if not words:
        if empty is None:
            raise RowError("categories", "empty (marketing, utility or all)")
        return empty
    unknown = sorted(words - _KNOWN_CATEGORIES)
    if unknown:
        quoted = ", ".join(repr(w[:_QUOTE]) for w in unknown)
        raise RowError("categories", f"unknown {quoted} (marketing, utility or all)")
    return _ALL_ONLY if ALL in words else frozenset(words)


def _time(text: str, column: str, latest: datetime) -> datetime:
    value = text.strip()
    if not value:
        raise RowError(column, "empty")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RowError(column, "not an ISO 8601 time such as 2026-09-01T12:00:00Z") from None
    if parsed.tzinfo is None:
        raise RowError(column, "no time zone; write it as 2026-09-01T12:00:00Z or +03:00")
    if parsed > latest:
        raise RowError(column, "in the future")
    return parsed.astimezone(UTC)


def _yes(value: str) -> bool:
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise RowError("resubscribe", f"{word[:_QUOTE]!r} is not yes or no")


def _text(value: str, column: str, limit: int, *, required: bool) -> str | None:
    text = value.strip()
    if not text:
        if required:
            raise RowError(column, "empty")
        return None
    if len(text) > limit:
        raise RowError(column, f"longer than {limit} characters")
    return text
