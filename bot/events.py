"""The ledger's vocabulary: immutable events with natural keys.

Every input (a webhook item, an operator action, a consent form) becomes one `Event`.
Its `key` is natural and unique, so a redelivered webhook or a retried request maps to
the same key and changes nothing, on any number of instances. The `id` is derived from
the key for the same reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.phones import match_key, variants

ALL = "all"
MARKETING = "marketing"
UTILITY = "utility"
CATEGORIES = (MARKETING, UTILITY)


class Kind(StrEnum):
    """What an event says. Consent kinds change eligibility; the others are facts."""

    MESSAGE = "message"  # inbound message with no consent meaning (still proves reachability)
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    COMPLAINT = "complaint"  # an opt-out in anger («кто дал вам мой номер?»): also reviewed
    REVIEW = "review"  # unclear: a person decides (the review queue)
    REVIEWED = "reviewed"  # a review resolved without an opt-out or opt-in
    CONSENT = "consent_granted"
    PLATFORM_STOP = "platform_stop"
    PLATFORM_RESUME = "platform_resume"
    NUMBER_CHANGED = "number_changed"
    ERASED = "erased"
    PREFERENCE = "preference"  # a user_preferences value Meta may add later ("signup")
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"  # 131026
    BACKOFF = "backoff"  # 131049, 131056
    FAILED = "failed"
    STATUS = "status"  # a delivery status Meta may add later
    ACCOUNT_UPDATE = "account_update"
    NUMBER_QUALITY = "number_quality"
    TEMPLATE_STATUS = "template_status"
    TEMPLATE_QUALITY = "template_quality"
    CAPABILITY = "capability_update"
    SECURITY = "security"
    ACCOUNT_ALERT = "account_alert"
    PLATFORM_ERROR = "platform_error"  # value-level errors[] of the messages field
    SENDER_CHANGED = "sender_changed"  # a business number's or template's health changed
    SENDER_RESUMED = "sender_resumed"  # an admin resumed a paused number or template


class Source(StrEnum):
    WHATSAPP_TEXT = "whatsapp_text"
    WHATSAPP_MEDIA = "whatsapp_media"
    WHATSAPP_BUTTON = "whatsapp_button"
    WHATSAPP_INTERACTIVE = "whatsapp_interactive"
    WHATSAPP_MESSAGE = "whatsapp_message"
    WHATSAPP_SYSTEM = "whatsapp_system"
    WHATSAPP_PREFERENCES = "whatsapp_preferences"
    WHATSAPP_STATUS = "whatsapp_status"
    WHATSAPP_ACCOUNT = "whatsapp_account"
    HOTLINE = "hotline"
    WEB_FORM = "web_form"
    CHECKBOX = "checkbox"
    CONTRACT = "contract"
    EMAIL = "email"
    POST = "post"
    WHATSAPP = "whatsapp"
    IMPORT = "import"
    API = "api"
    SYSTEM = "system"  # the service's own finding (a sender's health changed)
    OTHER = "other"


# Sources of messages the customer sent us: any of them proves the number is reachable.
INBOUND_SOURCES = frozenset(
    {
        Source.WHATSAPP_TEXT,
        Source.WHATSAPP_MEDIA,
        Source.WHATSAPP_BUTTON,
        Source.WHATSAPP_INTERACTIVE,
        Source.WHATSAPP_MESSAGE,
    }
)
WHATSAPP_SOURCES = INBOUND_SOURCES | {
    Source.WHATSAPP_SYSTEM,
    Source.WHATSAPP_PREFERENCES,
    Source.WHATSAPP_STATUS,
    Source.WHATSAPP_ACCOUNT,
}


def event_id(key: str) -> str:
    """The id every instance gives the event with this natural key (128 bits, hex)."""
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def identity_keys(
    phone: str | None, user_id: str | None, linked_phone: str | None = None
) -> tuple[str, ...]:
    """Keys naming one person: every variant of a number shares one key (`p:`), a
    business-scoped user id is a key of its own (`u:`), and the SHA-256 of each E.164 form
    of the number is one too (`h:`), so a list of hashed numbers can be checked."""
    keys = []
    if phone:
        keys.append("p:" + match_key(phone))
    if user_id:
        keys.append("u:" + user_id)
    if linked_phone:
        keys.append("p:" + match_key(linked_phone))
    for number in (phone, linked_phone):
        if number:
            keys.extend(hash_key(form) for form in variants(number))
    return tuple(dict.fromkeys(keys))


def hash_key(e164: str) -> str:
    """The identity key of a number given as the hex SHA-256 of its E.164 form."""
    return "h:" + hashlib.sha256(e164.encode()).hexdigest()


# Not frozen: an event is built once per webhook item on the hot path, and a frozen
# dataclass costs three times as much to build. Nothing changes an event once built.
@dataclass(slots=True)
class Event:
    """One fact in the ledger. `id` and `identity_keys` are derived when not given."""

    key: str
    kind: Kind
    source: Source
    occurred_at: datetime
    received_at: datetime
    phone: str | None = None  # E.164
    wa_id: str | None = None  # as Meta sent it
    user_id: str | None = None  # business-scoped user id
    categories: frozenset[str] = frozenset()
    phone_number_id: str | None = None
    waba_id: str | None = None
    actor: str | None = None
    language: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    linked_phone: str | None = None  # a second number of the same person (number change)
    id: str = ""
    identity_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            self.id = event_id(self.key)
        if not self.identity_keys:
            self.identity_keys = identity_keys(self.phone, self.user_id, self.linked_phone)
        if self.linked_phone and "linked_phone" not in self.evidence:
            self.evidence = {**self.evidence, "linked_phone": self.linked_phone}

    def covers(self, category: str) -> bool:
        return ALL in self.categories or category in self.categories
