"""structlog setup: JSON lines in production, console in dev; no phone number or secret in clear.

Phone numbers are replaced by a keyed hash (`ph_…`): stable, so log lines about one
customer can be correlated, but not reversible without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import pydantic_core
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
            return {k: self._clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean(v) for v in value]
        return value

    def __call__(
        self, logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in list(event_dict.items()):
            if key in _SECRET_KEYS:
                event_dict[key] = "[secret]"
            elif key not in _SAFE_KEYS and type(value) not in _PLAIN:
                event_dict[key] = self._clean(value)
        return event_dict


def _json(obj: Any, **_: Any) -> str:
    """pydantic-core's encoder: several times faster than json.dumps on the hot path."""
    return pydantic_core.to_json(obj, fallback=str).decode()


def configure(*, json_logs: bool, level: str, redaction_key: bytes) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        # Tracebacks become text before redaction, so numbers in them are hashed too.
        structlog.processors.format_exc_info,
    ]
    processors += [
        Redactor(redaction_key),
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.JSONRenderer(serializer=_json)
        if json_logs
        else structlog.dev.ConsoleRenderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        # Each module's logger is built once; building it per call costs more than the call.
        cache_logger_on_first_use=True,
    )
