"""Meta's `X-Hub-Signature-256`: HMAC-SHA256 of the exact raw body, keyed with the app secret.

The check runs over the bytes as received. Meta escapes non-ASCII as `\\uXXXX` and `/` as
`\\/`; parsing and re-serialising the body would change those bytes and the signature
with them.
"""

from __future__ import annotations

import hmac
from enum import Enum

_PREFIX = "sha256="


class Verdict(Enum):
    VALID = "valid"
    MISSING = "missing"  # no header at all: 401
    MISMATCH = "mismatch"  # a header that does not match: 403


def expected(body: bytes, secret: bytes) -> str:
    return _PREFIX + hmac.digest(secret, body, "sha256").hex()


def check(body: bytes, header: str | None, secret: bytes) -> Verdict:
    if not header:
        return Verdict.MISSING
    # compare_digest takes constant time, so timing reveals nothing about the right value.
    if hmac.compare_digest(header.strip().lower().encode(), expected(body, secret).encode()):
        return Verdict.VALID
    return Verdict.MISMATCH
