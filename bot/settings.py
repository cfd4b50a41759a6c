"""Settings from `CONSENTBOT_*` environment variables (or a `.env` file), read once at start."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.events import CATEGORIES
from bot.senders import SenderPolicy
from bot.state import Cap, Policy

# Meta's payloads are at most 3 MB; 4 MiB leaves room and still stops abuse early.
DEFAULT_MAX_BODY = 4 * 1024 * 1024


_WINDOW = re.compile(r"(\d+)([mhd])")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def parse_caps(text: str) -> dict[str, Cap]:
    """`marketing=3/7d,utility=10/24h` → caps per category; '' or `none` for no cap."""
    caps: dict[str, Cap] = {}
    if text.strip().lower() in ("", "none"):
        return caps
    for part in text.split(","):
        category, _, rule = part.strip().partition("=")
        limit, _, window = rule.strip().partition("/")
        match = _WINDOW.fullmatch(window.strip())
        if category.strip() not in CATEGORIES or not limit.strip().isdigit() or match is None:
            raise ValueError(
                f"{part.strip()!r}: write category=count/window, e.g. marketing=3/7d "
                f"(categories: {', '.join(CATEGORIES)}; windows in m, h or d)"
            )
        count, span = int(limit), int(match[1]) * _UNITS[match[2]]
        if count < 1 or span <= timedelta(0):
            raise ValueError(f"{part.strip()!r}: the count and the window must be above 0")
        caps[category.strip()] = Cap(limit=count, window=span)
    return caps


def parse_numbers(text: str) -> dict[str, str]:
    """`106540352242922=+15550783881,...` → display number per phone_number_id."""
    numbers: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        ident, _, display = part.partition("=")
        digits = "".join(c for c in display if c.isdigit())
        if not ident.strip().isdigit() or not digits:
            raise ValueError(
                f"{part!r}: write phone_number_id=display number, e.g. 106540352242922=+15550783881"
            )
        numbers[ident.strip()] = digits
    return numbers


class Settings(BaseSettings):
    """Every setting, with its default. The README's configuration table lists each one."""

    model_config = SettingsConfigDict(
        env_prefix="CONSENTBOT_",
        env_file=".env",
        env_ignore_empty=True,  # `NAME=` in an env file means unset, as env.example shows
        extra="ignore",
        frozen=True,
    )

    database_url: str = "sqlite:///data/consentbot.db"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    app_secret: SecretStr | None = None
    verify_token: SecretStr | None = None
    access_token: SecretStr | None = None
    graph_api_url: str = "https://graph.facebook.com/v23.0"
    default_region: str = "RU"
    require_consent: bool = True
    opt_out_scope: Literal["business", "number"] = "business"
    dev: bool = False
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "console"] = "auto"
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY, ge=4 * 1024 * 1024)
    buttons_file: Path | None = None
    lexicon_file: Path | None = None
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    postgres_pool_size: int = Field(default=10, ge=1)
    # Serving processes on one port (SO_REUSEPORT): PostgreSQL takes many writers, SQLite one.
    workers: int = Field(default=1, ge=1, le=64)
    # `auto`: uvloop where it is installed (CPython on Linux and macOS), else asyncio's own loop.
    event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"
    public_url: str | None = None
    # Subscriber webhooks: the delivery worker, how often it looks for work, how long one
    # POST may take, and the back-off after failures (doubling from base up to max).
    subscriber_worker: bool = True
    subscriber_poll_ms: int = Field(default=500, ge=10, le=60_000)
    subscriber_timeout_ms: int = Field(default=10_000, ge=100, le=300_000)
    subscriber_backoff_base_ms: int = Field(default=1000, ge=1, le=3_600_000)
    subscriber_backoff_max_ms: int = Field(default=3_600_000, ge=1, le=86_400_000)
    # Days the outbox keeps a change every subscription has been given, and the delivery
    # log an attempt; 0 keeps both for ever.
    outbox_retention_days: int = Field(default=30, ge=0, le=36_500)
    # Streamed eligibility: a request in which no bytes move either way for this long while
    # the service waits on the client (for its body, or for it to read the answer) is ended.
    stream_idle_timeout_s: float = Field(default=30.0, gt=0, le=3600)

    # Replies through the Graph API (`bot.reply_worker`): confirmations, HELP answers and the
    # clarifying question; off without an access token. Language when none was detected.
    replies: Literal["on", "off"] = "on"
    reply_language: str = "en"
    reply_poll_ms: int = Field(default=500, ge=10, le=60_000)
    reply_timeout_ms: int = Field(default=10_000, ge=100, le=300_000)
    reply_backoff_base_ms: int = Field(default=2000, ge=1, le=3_600_000)
    reply_backoff_max_ms: int = Field(default=600_000, ge=1, le=86_400_000)
    # Failed attempts after which a reply is dead (an admin may retry it).
    reply_max_attempts: int = Field(default=8, ge=1, le=100)

    # Per category: at most N sends in a rolling window (`marketing=3/7d,utility=10/1d`).
    frequency_caps: str = "marketing=3/7d"
    unreachable_after: int = Field(default=3, ge=1, le=100)
    # An unclear reply holds marketing until it is resolved (`none` turns the hold off).
    review_hold: Literal["marketing", "none"] = "marketing"

    # The sender health guard (`bot.senders`): what pauses marketing from a business number
    # or with a template, and what only puts it on watch.
    sender_pause_on_restriction: bool = True
    sender_pause_on_flagged: bool = True
    sender_pause_on_downgrade: bool = False
    sender_pause_template_on_red: bool = True
    # Opt-outs and complaints on one number within the window that pause it (0: never).
    sender_complaint_spike: int = Field(default=5, ge=0, le=1_000_000)
    sender_complaint_window_hours: int = Field(default=24, ge=1, le=24 * 90)
    # A 131048 (spam rate limit) failure pauses the number this long (0: watch only).
    sender_spam_limit_pause_hours: int = Field(default=24, ge=0, le=24 * 90)
    # Business numbers as `phone_number_id=display number`, comma-separated: quality updates
    # name the display number only.
    sender_numbers: str = ""
    # How often an instance looks for changes of health to record and alert (0: never).
    sender_check_s: float = Field(default=60.0, ge=0, le=86_400)

    @field_validator("sender_numbers")
    @classmethod
    def _sender_numbers(cls, value: str) -> str:
        parse_numbers(value)
        return value

    @field_validator("frequency_caps")
    @classmethod
    def _caps(cls, value: str) -> str:
        parse_caps(value)
        return value

    @field_validator("default_region")
    @classmethod
    def _region(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise ValueError("a two-letter ISO 3166 region such as RU or US")
        return value.upper()

    @model_validator(mode="after")
    def _backoff_range(self) -> Settings:
        if self.subscriber_backoff_max_ms < self.subscriber_backoff_base_ms:
            raise ValueError(
                "CONSENTBOT_SUBSCRIBER_BACKOFF_MAX_MS must be at least "
                "CONSENTBOT_SUBSCRIBER_BACKOFF_BASE_MS"
            )
        return self

    @field_validator("reply_language")
    @classmethod
    def _reply_language(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", value):
            raise ValueError("a language tag such as en, ru or uz-Cyrl")
        return value

    @model_validator(mode="after")
    def _reply_backoff_range(self) -> Settings:
        if self.reply_backoff_max_ms < self.reply_backoff_base_ms:
            raise ValueError(
                "CONSENTBOT_REPLY_BACKOFF_MAX_MS must be at least CONSENTBOT_REPLY_BACKOFF_BASE_MS"
            )
        return self

    @property
    def replies_enabled(self) -> bool:
        """Replies go out only when they are on and there is a token to send them with."""
        return self.replies == "on" and self.access_token is not None

    @model_validator(mode="after")
    def _workers_need_postgres(self) -> Settings:
        if self.workers > 1:
            if self.database_url.startswith("sqlite:"):
                # One SQLite file takes one writer at a time: more processes would only queue
                # for its lock (and answer 503 after the busy timeout) instead of going faster.
                raise ValueError(
                    "CONSENTBOT_WORKERS above 1 needs PostgreSQL (CONSENTBOT_DATABASE_URL="
                    "postgresql://...): an SQLite database takes one writer at a time"
                )
            if self.port == 0:
                raise ValueError(
                    "CONSENTBOT_WORKERS above 1 needs a fixed CONSENTBOT_PORT: each process "
                    "would get a port of its own"
                )
        return self

    @model_validator(mode="after")
    def _secrets_unless_dev(self) -> Settings:
        if not self.dev:
            missing = [
                name for name in ("app_secret", "verify_token") if getattr(self, name) is None
            ]
            if missing:
                names = ", ".join("CONSENTBOT_" + n.upper() for n in missing)
                raise ValueError(f"{names} must be set (or CONSENTBOT_DEV=true for local work)")
        return self

    def with_dev_secrets(self) -> tuple[Settings, list[str]]:
        """In dev mode, fill missing webhook secrets with fresh random ones (to be printed)."""
        generated: list[str] = []
        update: dict[str, SecretStr] = {}
        for name in ("app_secret", "verify_token"):
            if getattr(self, name) is None:
                update[name] = SecretStr(secrets.token_urlsafe(24))
                generated.append(name)
        return self.model_copy(update=update), generated

    @cached_property
    def policy(self) -> Policy:
        return Policy(
            require_consent=frozenset({"marketing"}) if self.require_consent else frozenset(),
            per_number_scope=self.opt_out_scope == "number",
            caps=parse_caps(self.frequency_caps),
            unreachable_after=self.unreachable_after,
            review_hold=self.review_hold == "marketing",
        )

    @cached_property
    def sender_policy(self) -> SenderPolicy:
        return SenderPolicy(
            pause_on_restriction=self.sender_pause_on_restriction,
            pause_on_flagged=self.sender_pause_on_flagged,
            pause_on_downgrade=self.sender_pause_on_downgrade,
            pause_template_on_red=self.sender_pause_template_on_red,
            complaint_spike=self.sender_complaint_spike,
            complaint_window=timedelta(hours=self.sender_complaint_window_hours),
            spam_rate_limit_pause=timedelta(hours=self.sender_spam_limit_pause_hours),
        )

    @cached_property
    def sender_display_numbers(self) -> dict[str, str]:
        return parse_numbers(self.sender_numbers)

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" or (self.log_format == "auto" and not self.dev)
