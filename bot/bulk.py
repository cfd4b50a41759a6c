"""Bulk eligibility as streams: request lines in, identified recipients out, result lines back.

`POST /v1/eligibility` with `text/csv` or `application/x-ndjson` reads lists of any length a
chunk at a time; this module is the pure part of that (no I/O): it splits the body into
lines, reads a recipient from each, finds the identity key to look up, and formats each
result line. The handler in `bot.api.eligibility` moves the bytes and decides.

Line rules, the same for both formats:

* lines end with `\\n` or `\\r\\n`; a UTF-8 byte order mark at the start is ignored;
* blank lines (only whitespace) are skipped, but counted in line numbers;
* a line that cannot be read (not UTF-8, longer than `MAX_LINE_CHARS`, not one CSV field,
  not a JSON object `{"recipient": "..."}`) gets a result with the reason `invalid_line`,
  in its place, and never fails the request;
* CSV: one field per line, with the csv module's quoting (`"+7 999, office"`); the first
  line may be a header, `phone` or `recipient`;
* a recipient is a number in any common form, a business-scoped user id, or
  `sha256:<hex>`, the SHA-256 of the E.164 number; it is echoed as given, and `phone` is
  the E.164 number only when the recipient was one (never for a hash).
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from json.encoder import encode_basestring
from typing import Final, Literal, cast

from bot.phones import KIND_PHONE, SHAPES, InvalidNumber, match_key, parse_any

CSV: Final = "text/csv"
NDJSON: Final = "application/x-ndjson"
StreamKind = Literal["text/csv", "application/x-ndjson"]

# Recipients per store lookup: large enough to amortise a query, small enough to keep a
# stream's memory flat (a few batches are in flight at once).
BATCH_SIZE: Final = 2000
# A recipient is a few dozen characters; a longer line is a mistake, not a number.
MAX_LINE_CHARS: Final = 1024
# A character takes at most 4 bytes in UTF-8: more bytes than this is a line too long.
_BYTES_PER_CHAR: Final = 4

INVALID_NUMBER: Final = "invalid_number"
INVALID_LINE: Final = "invalid_line"
CSV_HEADER: Final = "recipient,phone,eligible,reasons\n"

_HASH_PREFIX: Final = "sha256:"
_HEX64: Final = re.compile(r"[0-9a-fA-F]{64}")
_CSV_HEADERS: Final = frozenset({"phone", "recipient"})
# The usual NDJSON line, read without the json module: a string with no escapes and no
# control characters (which JSON forbids raw), JSON's whitespace around the tokens.
_PLAIN_NDJSON: Final = re.compile(
    r'[ \t\r]*\{[ \t\r]*"recipient"[ \t\r]*:[ \t\r]*"([^"\\\x00-\x1f]*)"[ \t\r]*\}[ \t\r]*'
)
_BOM: Final = "\ufeff".encode()


class Unreadable(Enum):
    """Why a line could not be decoded at all (the value is the message shown)."""

    NOT_UTF8 = "not UTF-8"
    TOO_LONG = f"longer than {MAX_LINE_CHARS} characters"


# --------------------------------------------------------------------------- recipients


def identify(recipient: str, default_region: str) -> tuple[str | None, str | None]:
    """(E.164 phone, identity key) of a recipient; the key is None when it cannot be read.

    The key is one `bot.events.identity_keys` stores: for a number the first one (`p:` and
    its match key), for a user id `u:` and the id, and for `sha256:<hex>` the key of a
    hashed number (`h:` and the lower-case hex, see `bot.events.hash_key`; every stored
    number has one per E.164 form). A hashed recipient has no phone: the answer must not
    reveal the number.
    """
    known = SHAPES.known_match_key(recipient)
    if known is not None:
        return recipient, "p:" + known
    text = recipient.strip()
    if text[:1] in ("s", "S") and text[:7].lower() == _HASH_PREFIX:
        digest = text[7:]
        if _HEX64.fullmatch(digest) is None:
            return None, None
        return None, "h:" + digest.lower()
    try:
        kind, value = parse_any(text, default_region)
    except InvalidNumber:
        return None, None
    if kind == KIND_PHONE:
        return value, "p:" + match_key(value)
    return None, "u:" + value


# --------------------------------------------------------------------------- reading


class LineSplitter:
    """Splits a byte stream into decoded lines, holding at most one incomplete line.

    A line that cannot be decoded comes out as '' and is listed in `unreadable` by its
    line number (from 1), with the reason: not UTF-8, or longer than `max_line_chars`. An
    incomplete line is dropped as soon as it has more bytes than such a line can have,
    and reported once its end is seen, so memory stays bounded whatever the input.
    """

    def __init__(self, max_line_chars: int = MAX_LINE_CHARS) -> None:
        self._max = max_line_chars
        self._max_bytes = max_line_chars * _BYTES_PER_CHAR
        self._rest = b""
        self._too_long = False
        self._started = False
        self._count = 0
        self.unreadable: dict[int, Unreadable] = {}

    def feed(self, chunk: bytes) -> list[str]:
        """The lines completed by `chunk`, in order."""
        data = self._rest + chunk
        end = data.rfind(b"\n")
        lines: list[str] = []
        if end >= 0:
            lines = self._decode(data[: end + 1])
            data = data[end + 1 :]
        self._rest = data
        if len(data) > self._max_bytes:
            self._too_long = True
            self._rest = b""
        return lines

    def close(self) -> list[str]:
        """The last line, when the body does not end with a newline."""
        data, self._rest = self._rest, b""
        if not data and not self._too_long:
            return []
        return self._decode(data + b"\n")

    def _decode(self, data: bytes) -> list[str]:
        """Lines of `data`, which ends with a newline."""
        if not self._started:
            self._started = True
            data = data.removeprefix(_BOM)
        base = self._count + 1
        try:
            text = data.decode()
        except UnicodeDecodeError:
            lines = [self._decode_line(base + i, raw) for i, raw in enumerate(data.split(b"\n"))]
        else:
            lines = text.replace("\r\n", "\n").split("\n")
            if max(map(len, lines)) > self._max:
                lines = [self._checked(base + i, line) for i, line in enumerate(lines)]
        lines.pop()  # what follows the final newline: nothing
        if self._too_long:
            self._too_long = False
            self._mark(base, Unreadable.TOO_LONG)
            lines[0] = ""
        self._count += len(lines)
        return lines

    def _decode_line(self, number: int, raw: bytes) -> str:
        if len(raw) > self._max_bytes:
            return self._mark(number, Unreadable.TOO_LONG)
        try:
            line = raw.decode().removesuffix("\r")
        except UnicodeDecodeError:
            return self._mark(number, Unreadable.NOT_UTF8)
        return self._checked(number, line)

    def _checked(self, number: int, line: str) -> str:
        return self._mark(number, Unreadable.TOO_LONG) if len(line) > self._max else line

    def _mark(self, number: int, why: Unreadable) -> str:
        self.unreadable[number] = why
        return ""


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line that carries no recipient: where it is, why, and its text (if decoded)."""

    line: int
    message: str
    text: str = ""


@dataclass(slots=True)
class Batch:
    """Recipients in input order; `keys[i]` is None for an unreadable number or line, and
    `problems` says which indexes are lines that could not be read."""

    recipients: list[str] = field(default_factory=list)
    phones: list[str | None] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)
    problems: dict[int, LineProblem] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, recipient: str, phone: str | None, key: str | None) -> None:
        self.recipients.append(recipient)
        self.phones.append(phone)
        self.keys.append(key)

    def problem(self, problem: LineProblem) -> None:
        self.problems[len(self.keys)] = problem
        self.add(problem.text, None, None)


class BulkReader:
    """The body of a streamed request in chunks of bytes, batches of recipients out."""

    def __init__(self, kind: StreamKind, default_region: str, batch_size: int = BATCH_SIZE) -> None:
        self._csv = kind == CSV
        self._read = _csv_field if self._csv else _ndjson_field
        self._region = default_region
        self._size = batch_size
        self._splitter = LineSplitter()
        self._batch = Batch()
        self._line = 0
        self.lines = 0  # results in the batches handed out so far
        self.problems = 0  # of which lines that could not be read

    def feed(self, chunk: bytes) -> list[Batch]:
        """Full batches completed by `chunk`."""
        return self._take(self._splitter.feed(chunk))

    def close(self) -> list[Batch]:
        """The remaining batches, the last one possibly short."""
        out = self._take(self._splitter.close())
        if len(self._batch):
            out.append(self._cut())
        return out

    def _cut(self) -> Batch:
        batch = self._batch
        self.lines += len(batch)
        self.problems += len(batch.problems)
        self._batch = Batch()
        return batch

    def _take(self, lines: list[str]) -> list[Batch]:
        out: list[Batch] = []
        known = SHAPES.known_match_key
        # A piece of lines fills the batch at most, if every line is a recipient. The usual
        # line is a canonical number of a shape already read: such a piece is taken whole.
        # Other lines (other forms, hashes, JSON, blank and bad lines) go through
        # `_line_of` one by one.
        start = 0
        while start < len(lines):
            batch = self._batch
            piece = lines[start : start + self._size - len(batch)]
            keys = [known(text) for text in piece] if self._csv else [None] * len(piece)
            if None not in keys:
                batch.recipients += piece
                batch.phones += piece
                batch.keys += ["p:" + key for key in cast(list[str], keys)]
            else:
                first = self._line + start + 1
                for number, text, key in zip(itertools.count(first), piece, keys):
                    if key is None:
                        self._line_of(batch, number, text)
                    else:
                        batch.add(text, text, "p:" + key)
            start += len(piece)
            if len(batch) >= self._size:
                out.append(self._cut())
        self._line += len(lines)
        return out

    def _line_of(self, batch: Batch, number: int, text: str) -> None:
        if not text or text.isspace():
            why = self._splitter.unreadable.pop(number, None)
            if why is not None:
                batch.problem(LineProblem(number, why.value))
            return
        try:
            recipient = self._read(text)
        except _LineError as exc:
            batch.problem(LineProblem(number, str(exc), text))
            return
        if number == 1 and self._csv and recipient.strip().lower() in _CSV_HEADERS:
            return
        phone, key = identify(recipient, self._region)
        batch.add(recipient, phone, key)


class _LineError(ValueError):
    """A line that is not one recipient in the request's format."""


def _csv_field(text: str) -> str:
    if '"' not in text and "," not in text:
        return text
    try:
        fields = next(csv.reader([text], strict=True))
    except csv.Error:
        raise _LineError("not valid CSV") from None
    if len(fields) != 1:
        raise _LineError(f"{len(fields)} columns, expected one")
    return fields[0]


def _ndjson_field(text: str) -> str:
    if plain := _PLAIN_NDJSON.fullmatch(text):
        return plain[1]
    try:
        doc = json.loads(text)
    except ValueError:
        raise _LineError("not valid JSON") from None
    if not isinstance(doc, dict) or doc.keys() != {"recipient"}:
        raise _LineError('expected an object with one field: {"recipient": "..."}')
    recipient = doc["recipient"]
    if not isinstance(recipient, str):
        raise _LineError("recipient must be a string")
    return recipient


# --------------------------------------------------------------------------- writing


class CsvWriter:
    """Result lines as CSV: `recipient,phone,eligible,reasons`, reasons joined by `;`."""

    content_type: Final = CSV

    def header(self) -> str:
        return CSV_HEADER

    def outcome(
        self,
        eligible: bool,
        reasons: Sequence[str],
        lifts_at: str | None,
        review_id: str | None = None,
        detail: str | None = None,
    ) -> str:
        """The end of every line with this outcome (the time a reason lifts and the detail
        of `sender_paused` are not columns)."""
        return ("true," if eligible else "false,") + ";".join(reasons) + "\n"

    def render(self, batch: Batch, outcomes: Sequence[str]) -> str:
        """The result lines of a batch, given each recipient's outcome."""
        cell = _csv_cell
        rows = [
            # A recipient that is its own phone is a canonical number: nothing to quote.
            f"{recipient},{recipient},{outcome}"
            if recipient is phone
            else f"{cell(recipient)},{phone or ''},{outcome}"
            for recipient, phone, outcome in zip(
                batch.recipients, batch.phones, outcomes, strict=True
            )
        ]
        for i, problem in batch.problems.items():
            rows[i] = f"{cell(problem.text)},,false,{INVALID_LINE}\n"
        return "".join(rows)

    def failure(self, code: str, message: str, status: int) -> str | None:
        """CSV has no place for an error: the cut connection says it."""
        return None


def _csv_cell(text: str) -> str:
    """The csv module's minimal quoting, without building a writer per cell."""
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


class NdjsonWriter:
    """Result lines as JSON objects, the same as the items of the JSON answer, plus `line`
    and `error` for a line that could not be read."""

    content_type: Final = NDJSON

    def header(self) -> str:
        return ""

    def outcome(
        self,
        eligible: bool,
        reasons: Sequence[str],
        lifts_at: str | None,
        review_id: str | None = None,
        detail: str | None = None,
    ) -> str:
        """The end of every line with this outcome, from `"eligible"` on."""
        tail: dict[str, object] = {"eligible": eligible, "reasons": list(reasons)}
        if lifts_at:
            tail["lifts_at"] = lifts_at
        if review_id:
            tail["review_id"] = review_id
        if detail:
            tail["detail"] = detail
        return "," + _json(tail)[1:] + "\n"

    def render(self, batch: Batch, outcomes: Sequence[str]) -> str:
        """The result lines of a batch, given each recipient's outcome."""
        text = encode_basestring
        rows = [
            f'{{"recipient":{text(recipient)},"phone":{text(phone) if phone else "null"}{outcome}'
            for recipient, phone, outcome in zip(
                batch.recipients, batch.phones, outcomes, strict=True
            )
        ]
        for i, problem in batch.problems.items():
            rows[i] = self._problem(problem)
        return "".join(rows)

    def _problem(self, problem: LineProblem) -> str:
        doc = {
            "recipient": None,
            "phone": None,
            "eligible": False,
            "reasons": [INVALID_LINE],
            "line": problem.line,
            "error": problem.message,
        }
        return _json(doc) + "\n"

    def failure(self, code: str, message: str, status: int) -> str | None:
        """A last line in the API's error envelope, before the connection is cut."""
        return _json({"error": {"code": code, "message": message, "status": status}}) + "\n"


def _json(doc: object) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
