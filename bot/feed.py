"""The suppression feed's lines and cursors (pure: no I/O).

A cursor names a position in one database's change feed: `<position>.<database tag>`.
The tag is derived from the database's hash secret, so a cursor kept from another
database (a restored backup, a staging copy) is refused instead of silently skipping or
repeating changes. Positions follow the commit order on every instance and never go back,
so a cursor stays valid across restarts.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.events import CATEGORIES
from bot.summary import Reader

_CURSOR = re.compile(r"(\d{1,19})\.([0-9a-f]{8})")


class HashMode(StrEnum):
    NONE = "none"
    SHA256 = "sha256"
    HMAC = "hmac"


class CursorError(ValueError):
    """A cursor that this database did not give out."""


def database_tag(secret: bytes) -> str:
    return hmac.new(secret, b"consentbot feed cursor", hashlib.sha256).hexdigest()[:8]


def cursor(position: int, tag: str) -> str:
    return f"{position}.{tag}"


def parse_cursor(text: str, tag: str, head: int) -> int:
    """The position a cursor names; CursorError when it is garbage, from another database,
    or ahead of this feed's head."""
    match = _CURSOR.fullmatch(text.strip())
    if match is None:
        raise CursorError("not a cursor this service gave out")
    position = int(match[1])
    if not hmac.compare_digest(match[2], tag):
        raise CursorError("the cursor belongs to another database")
    if position > head:
        raise CursorError("the cursor is ahead of this database's feed")
    return position


def subscriber_key(secret: bytes, token_id: str) -> bytes:
    """The HMAC key of one API token: numbers hashed with it mean nothing to other tokens."""
    return hmac.new(secret, b"consentbot number hmac:" + token_id.encode(), hashlib.sha256).digest()


def sha256_number(phone: str) -> str:
    return hashlib.sha256(phone.encode()).hexdigest()


def hmac_number(key: bytes, phone: str) -> str:
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Row:
    """One subject as the feed gives it."""

    position: int
    subject_id: int
    phone: str | None
    user_id: str | None
    summary: str


class Renderer:
    """Turns feed rows into NDJSON or CSV lines, numbers shown or hashed."""

    def __init__(
        self, reader: Reader, tag: str, mode: HashMode = HashMode.NONE, key: bytes = b""
    ) -> None:
        self._reader = reader
        self._tag = tag
        self._mode = mode
        self._key = key
        self._csv_parts: dict[str, str] = {}

    @property
    def number_field(self) -> str:
        return {
            HashMode.NONE: "phone",
            HashMode.SHA256: "phone_sha256",
            HashMode.HMAC: "phone_hmac",
        }[self._mode]

    def _number(self, phone: str | None) -> str | None:
        if phone is None or self._mode is HashMode.NONE:
            return phone
        if self._mode is HashMode.SHA256:
            return sha256_number(phone)
        return hmac_number(self._key, phone)

    def ndjson(self, row: Row) -> str:
        number = self._number(row.phone)
        return (
            f'{{"cursor":"{row.position}.{self._tag}","subject":{row.subject_id},'
            f'"{self.number_field}":{_json_str(number)},"user_id":{_json_str(row.user_id)},'
            f'"categories":{self._reader.text(row.summary)}}}\n'
        )

    def csv_header(self) -> str:
        columns = ["cursor", "subject", self.number_field, "user_id"]
        for category in CATEGORIES:
            columns += [f"{category}_eligible", f"{category}_reasons", f"{category}_until"]
        return ",".join(columns) + "\r\n"

    def csv(self, row: Row) -> str:
        part = self._csv_parts.get(row.summary)
        if part is None:
            part = self._csv_categories(row.summary)
            if len(self._csv_parts) < 4096:
                self._csv_parts[row.summary] = part
        number = self._number(row.phone) or ""
        user_id = _csv_field(row.user_id) if row.user_id else ""
        return f"{row.position}.{self._tag},{row.subject_id},{number},{user_id},{part}\r\n"

    def _csv_categories(self, summary: str) -> str:
        doc = self._reader.doc(summary)
        fields: list[str] = []
        for category in CATEGORIES:
            item = doc[category]
            until = item.get("until") or {}
            fields += [
                "true" if item["eligible"] else "false",
                ";".join(item["reasons"]),
                max(until.values()) if until else "",
            ]
        return ",".join(fields)


def _json_str(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _csv_field(value: str) -> str:
    out = io.StringIO()
    # The terminator's characters are what make a field with a line break quoted.
    csv.writer(out, lineterminator="\r\n").writerow([value])
    return out.getvalue()[:-2]
