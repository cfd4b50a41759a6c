"""Subscriber webhooks without I/O: what a delivery says, how it is signed, when to retry.

Every change of a subject's eligibility is POSTed to each subscription as one JSON event.
The event id is `<subscription id>:<change seq>`: the same change is always the same
event for a subscription, so a receiver that saw an id before drops the repeat (a delivery
whose answer was lost is sent again).

A delivery is signed like Stripe's and GitHub's webhooks: `X-Consentbot-Signature:
sha256=<hex>` is HMAC-SHA256, keyed with the subscription's secret, of
`<X-Consentbot-Timestamp>.<raw body>`. The timestamp is inside the signature, so a
receiver that refuses old timestamps cannot be fed a recorded delivery again; every
attempt is signed anew, so a retry hours later still carries a fresh one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

EVENT_TYPE = "eligibility.changed"
EVENT_ID_HEADER = "X-Consentbot-Event-Id"
TIMESTAMP_HEADER = "X-Consentbot-Timestamp"
SIGNATURE_HEADER = "X-Consentbot-Signature"
SIGNATURE_PREFIX = "sha256="
# How old a timestamp a receiver should still accept: room for clock skew and a slow
# network, short enough that a captured delivery is soon worthless.
TOLERANCE_S = 300
# Jitter takes up to this share off each delay, so subscriptions that failed together
# (their receiver was down) do not all come back at the same instant.
JITTER = 0.2
MAX_URL_LENGTH = 2048


def event_id(subscription_id: str, seq: int) -> str:
    return f"{subscription_id}:{seq}"


def event_body(
    subscription_id: str,
    *,
    seq: int,
    subject: int,
    phone: str | None,
    user_id: str | None,
    categories: Mapping[str, Any],
    changed_at: datetime | None,
) -> bytes:
    """The JSON body of the delivery of change `seq` (UTF-8, compact)."""
    doc = {
        "id": event_id(subscription_id, seq),
        "type": EVENT_TYPE,
        "seq": seq,
        "subject": subject,
        "phone": phone,
        "user_id": user_id,
        "categories": dict(categories),
        "changed_at": _iso(changed_at),
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of `<timestamp>.<body>` keyed with the secret (UTF-8)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def signed_headers(secret: str, event: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one attempt to deliver `body` (event id `event`) at `timestamp`."""
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signed: str | None,
    *,
    now: float,
    tolerance_s: float = TOLERANCE_S,
) -> bool:
    """What a receiver checks: the signature is the secret's over this timestamp and
    these exact bytes (compared in constant time), and the timestamp is recent."""
    if timestamp is None or signed is None or not timestamp.isascii() or not timestamp.isdigit():
        return False
    if len(timestamp) > 12 or abs(now - int(timestamp)) > tolerance_s:
        return False
    expected = signature(secret, int(timestamp), body)
    return hmac.compare_digest(expected.encode(), signed.encode("utf-8", "replace"))


def retry_delay(attempts: int, base_s: float, cap_s: float, rand: float) -> float:
    """Seconds to wait after the `attempts`-th failure in a row at one change.

    Doubling from `base_s` (1 s, 2 s, 4 s ... with the defaults) up to `cap_s`, less up to
    a fifth of it by `rand` (a uniform draw from [0, 1)): a receiver that is down for a
    day gets one attempt an hour, and one back after a minute gets its backlog soon.
    """
    if attempts < 1 or base_s <= 0 or cap_s < base_s or not 0 <= rand < 1:
        raise ValueError("attempts >= 1, 0 < base_s <= cap_s and 0 <= rand < 1")
    if attempts - 1 >= math.log2(cap_s / base_s):
        delay = cap_s  # and no power of two so large that it overflows a float
    else:
        delay = min(cap_s, base_s * 2 ** (attempts - 1))
    return delay * (1 - JITTER * rand)


def check_url(url: str) -> str:
    """The URL if deliveries can be POSTed to it (absolute http or https with a host);
    ValueError saying why not otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if not url.isprintable() or any(c.isspace() for c in url):
        raise ValueError("the URL may not contain spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("the URL must start with https:// or http://")
    try:
        host, _ = parts.hostname, parts.port  # a port that is not a number raises here
    except ValueError as exc:
        raise ValueError(f"the URL's port is not valid: {exc}") from None
    if not host:
        raise ValueError("the URL has no host")
    if parts.fragment:
        raise ValueError("the URL may not have a #fragment (it is never sent)")
    return url
