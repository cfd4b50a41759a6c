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


class Renderer:
    """Turns feed rows into NDJSON or CSV lines, numbers shown or hashed."""

    def __init__(
        self, reader: Reader, tag: str, mode: HashMode = HashMode.NONE, key: bytes = b""
    ) -> None:
        self._reader = reader
        self._tag = tag
        self._mode = mode
        self._key = key
        self._default = reader.text("")
        self.number_field = {
            HashMode.NONE: "phone",
            HashMode.SHA256: "phone_sha256",
            HashMode.HMAC: "phone_hmac",
        }[mode]
        self._csv_parts: dict[str, str] = {}

    def _number(self, phone: str | None) -> str | None:
        if phone is None or self._mode is HashMode.NONE:
            return phone
        if self._mode is HashMode.SHA256:
            return sha256_number(phone)
        return hmac_number(self._key, phone)

    def ndjson(
        self, position: int, subject_id: int, phone: str | None, user_id: str | None, summary: str
    ) -> str:
        """One subject's line: its cursor, id, number (or hash), user id and summary."""
        # Numbers are E.164 and hashes hex: both are JSON strings as they are.
        number = phone if self._mode is HashMode.NONE else self._number(phone)
        shown = "null" if number is None else f'"{number}"'
        user = "null" if user_id is None else json.dumps(user_id, ensure_ascii=False)
        return (
            f'{{"cursor":"{position}.{self._tag}","subject":{subject_id},'
            f'"{self.number_field}":{shown},"user_id":{user},'
            f'"categories":{summary or self._default}}}\n'
        )

    def csv_header(self) -> str:
        columns = ["cursor", "subject", self.number_field, "user_id"]
        for category in CATEGORIES:
            columns += [f"{category}_eligible", f"{category}_reasons", f"{category}_until"]
        return ",".join(columns) + "\r\n"

    def csv(
        self, position: int, subject_id: int, phone: str | None, user_id: str | None, summary: str
    ) -> str:
        """The same as a CSV row (see `csv_header`)."""
        part = self._csv_parts.get(summary)
        if part is None:
            part = self._csv_categories(summary)
            if len(self._csv_parts) < 4096:
                self._csv_parts[summary] = part
        number = self._number(phone) or ""
        user = _csv_field(user_id) if user_id else ""
        return f"{position}.{self._tag},{subject_id},{number},{user},{part}\r\n"

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


def _csv_field(value: str) -> str:
    out = io.StringIO()
    # The terminator's characters are what make a field with a line break quoted.
    csv.writer(out, lineterminator="\r\n").writerow([value])
    return out.getvalue()[:-2]
