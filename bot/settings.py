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
    public_url: str | None = None
    # Subscriber webhooks: the delivery worker, how often it looks for work, how long one
    # POST may take, and the back-off after failures (doubling from base up to max).
    subscriber_worker: bool = True
    subscriber_poll_ms: int = Field(default=500, ge=10, le=60_000)
    subscriber_timeout_ms: int = Field(default=10_000, ge=100, le=300_000)
    subscriber_backoff_base_ms: int = Field(default=1000, ge=1, le=3_600_000)
    subscriber_backoff_max_ms: int = Field(default=3_600_000, ge=1, le=86_400_000)
    # Streamed eligibility: a request in which no bytes move either way for this long while
    # the service waits on the client (for its body, or for it to read the answer) is ended.
    stream_idle_timeout_s: float = Field(default=30.0, gt=0, le=3600)

    # Per category: at most N sends in a rolling window (`marketing=3/7d,utility=10/1d`).
    frequency_caps: str = "marketing=3/7d"
    unreachable_after: int = Field(default=3, ge=1, le=100)
    # An unclear reply holds marketing until it is resolved (`none` turns the hold off).
    review_hold: Literal["marketing", "none"] = "marketing"

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

    @property
    def json_logs(self) -> bool:
        return self.log_format == "json" or (self.log_format == "auto" and not self.dev)
