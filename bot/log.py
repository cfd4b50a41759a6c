"""structlog setup: JSON lines in production, console in dev; no phone number or secret in clear.

Phone numbers are replaced by a keyed hash (`ph_…`): stable, so log lines about one
customer can be correlated, but not reversible without the key.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import hashlib
import hmac
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson
import structlog

# Long runs of digits, with the separators people type: phone numbers in any form.
_NUMBERISH = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().\-]{5,}\d(?!\w)")
_MIN_DIGITS = 7
_DIGITS = re.compile(r"\d\d")
_PLAIN = frozenset({int, float, bool, type(None)})
# Ids that look like numbers but name the business, not a person.
_SAFE_KEYS = frozenset(
    {"phone_number_id", "waba_id", "request_id", "event_id", "timestamp", "quarantine_id"}
)
_SECRET_KEYS = frozenset({"token", "app_secret", "verify_token", "access_token", "authorization"})


class Redactor:
    """A structlog processor that hashes phone-like strings and drops secrets."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def ref(self, text: str) -> str:
        digits = re.sub(r"\D", "", text)
        return "ph_" + hmac.new(self._key, digits.encode(), hashlib.sha256).hexdigest()[:12]

    def _replace(self, match: re.Match[str]) -> str:
        text = match.group()
        return self.ref(text) if sum(c.isdigit() for c in text) >= _MIN_DIGITS else text

    def _clean(self, value: Any) -> Any:
        kind = type(value)
        if kind in _PLAIN:  # numbers and None: nothing to hide, and most values are these
            return value
        if kind is str:
            # Only a string with a run of digits can hold a number: skip the rest cheaply.
            return _NUMBERISH.sub(self._replace, value) if _DIGITS.search(value) else value
        if isinstance(value, str):
            return _NUMBERISH.sub(self._replace, value)
        if isinstance(value, dict):
            return {self._clean(k): self._clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean(v) for v in value]
        return value

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        # Values are replaced in place (no key is added or removed while iterating).
        for key, value in event_dict.items():
            if key in _SECRET_KEYS:
                event_dict[key] = "[secret]"
            elif type(value) not in _PLAIN and key not in _SAFE_KEYS:
                cleaned = self._clean(value)
                if cleaned is not value:
                    event_dict[key] = cleaned
        return event_dict


class LineBuffer:
    """structlog's logger for JSON lines: the lines of one turn of the event loop are written
    together at its end, in one write, instead of one write (a system call) per line.

    Outside a running loop (the command line, a worker thread) each line is written at once;
    lines still waiting when the process exits are written then.
    """

    def __init__(self, file: BinaryIO) -> None:
        self._file = file
        self._lines: list[bytes] = []
        self._lock = threading.Lock()  # structlog may be called from threads too
        atexit.register(self.flush)

    def msg(self, line: bytes) -> None:
        with self._lock:
            self._lines.append(line)
            first = len(self._lines) == 1
        if not first:
            return
        try:
            asyncio.get_running_loop().call_soon(self.flush)
        except RuntimeError:  # no loop running in this thread
            self.flush()

    log = debug = info = warn = warning = msg
    fatal = failure = err = error = critical = exception = msg

    def flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        try:
            for chunk in _chunks(lines):
                self._file.write(chunk)
                self._file.flush()
        except (OSError, ValueError):  # stdout closed or gone: nowhere left to log to
            pass


# A write of at most this many bytes to a pipe is never interleaved with other processes'
# writes (POSIX PIPE_BUF): worker processes share their supervisor's stdout.
_ATOMIC_WRITE = 4096


def _chunks(lines: list[bytes]) -> Iterator[bytes]:
    """Whole lines, newline-terminated, joined into writes of at most `_ATOMIC_WRITE` bytes
    (a longer line alone)."""
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        if chunk and size + len(line) + 1 > _ATOMIC_WRITE:
            yield b"".join(chunk)
            chunk, size = [], 0
        chunk.append(line + b"\n")
        size += len(line) + 1
    if chunk:
        yield b"".join(chunk)


def _json(obj: Any, **_: Any) -> bytes:
    """orjson, straight to bytes: a summary line per delivery is on the hot path, and orjson
    encodes one in a fraction of a microsecond. Values it does not know become their str()."""
    try:
        return orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # What orjson refuses (an integer beyond 64 bits, a tuple as a key) still gets logged.
        return json.dumps(obj, default=str, ensure_ascii=False).encode()


def configure(*, json_logs: bool, level: str, redaction_key: bytes) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        # Tracebacks become text before redaction, so numbers in them are hashed too.
        structlog.processors.format_exc_info,
        Redactor(redaction_key),
        _LevelAndTime(),
    ]
    stdout = sys.stdout
    factory: Any = structlog.PrintLoggerFactory(stdout)
    if json_logs:
        processors.append(structlog.processors.JSONRenderer(serializer=_json))
        binary = getattr(stdout, "buffer", None)
        if binary is not None:
            stdout.flush()  # what was printed before goes out first
            factory = functools.partial(_same, LineBuffer(binary))
        else:  # a text-only stream (a test's StringIO): write the line as text
            processors.append(_decoded)
    else:
        processors.append(structlog.dev.ConsoleRenderer())
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=factory,
        # Each module's logger is built once; building it per call costs more than the call.
        cache_logger_on_first_use=True,
    )


# structlog's names for the methods that log at another level's name.
_LEVELS = {"warn": "warning", "exception": "error"}


def _same(logger: LineBuffer, *_: Any) -> LineBuffer:
    return logger


class _LevelAndTime:
    """`level` and `timestamp` (ISO 8601, UTC, microseconds), as structlog's add_log_level and
    TimeStamper(fmt="iso", utc=True) write them, in one step; the date and time to the second
    are formatted once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        event_dict["level"] = _LEVELS.get(method, method)
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        event_dict["timestamp"] = f"{self._prefix}.{int((now - second) * 1e6):06d}Z"
        return event_dict


def _decoded(logger: Any, method: str, line: bytes) -> str:
    return line.decode()
