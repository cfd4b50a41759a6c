"""Bearer tokens: shown once, stored as SHA-256 hashes, each with one role."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from enum import StrEnum

from storage.base import TokenRecord


class Role(StrEnum):
    SENDER = "sender"  # eligibility, suppression list
    COLLECTOR = "collector"  # record consents
    OPERATOR = "operator"  # look up contacts, record opt-outs and evidenced opt-ins
    ADMIN = "admin"  # everything


class Permission(StrEnum):
    ELIGIBILITY = "eligibility"
    CONSENTS = "consents"
    CONTACTS = "contacts"
    ADMIN = "admin"


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.SENDER: frozenset({Permission.ELIGIBILITY}),
    Role.COLLECTOR: frozenset({Permission.CONSENTS}),
    Role.OPERATOR: frozenset({Permission.CONTACTS}),
    Role.ADMIN: frozenset(Permission),
}

_PREFIX = "cb_"


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough: no dictionary to guess from.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(role: Role, name: str) -> tuple[str, TokenRecord]:
    """A fresh token (to show once) and the record to store."""
    token = _PREFIX + secrets.token_urlsafe(32)
    record = TokenRecord(
        id="tok_" + uuid.uuid4().hex[:12],
        name=name,
        role=role.value,
        token_hash=hash_token(token),
        created_at=datetime.now(UTC),
    )
    return token, record


def allows(record: TokenRecord, permission: Permission) -> bool:
    try:
        role = Role(record.role)
    except ValueError:
        return False
    return record.revoked_at is None and permission in GRANTS[role]
