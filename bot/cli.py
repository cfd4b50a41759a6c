"""`consentbot` (also `python -m bot`): serve, migrate, tokens, quarantine, import."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from aiohttp import web
from pydantic import SecretStr, ValidationError

from bot import import_cli, server
from bot import log as logsetup
from bot.app import create_app, opened_store
from bot.auth import Role, new_token
from bot.ledger import projector_id
from bot.settings import Settings
from storage.base import StorageError, Store

T = TypeVar("T")
DEV_SECRETS = Path("data/dev-secrets.json")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            print(f"consentbot: configuration error: {where}: {err['msg']}", file=sys.stderr)
        return 2
    handler: Callable[[Settings, argparse.Namespace], int] = args.handler
    try:
        return handler(settings, args)
    except StorageError as exc:
        print(f"consentbot: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a setting the backend cannot use, such as a malformed URL
        print(f"consentbot: configuration error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="consentbot", description=__doc__)
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    sub.add_parser("serve", help="run the HTTP server").set_defaults(handler=_serve)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(handler=_migrate)

    token = sub.add_parser("token", help="manage API tokens").add_subparsers(
        required=True, metavar="ACTION"
    )
    create = token.add_parser("create", help="create a token; prints it once, on the last line")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", required=True)
    create.set_defaults(handler=_token_create)
    token.add_parser("list", help="list tokens (never the tokens themselves)").set_defaults(
        handler=_token_list
    )
    revoke = token.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=_token_revoke)

    quarantine = sub.add_parser("quarantine", help="signed deliveries that could not be read")
    quarantine.add_argument("--limit", type=int, default=20)
    quarantine.add_argument("--show-body", action="store_true", help="print each body too")
    quarantine.set_defaults(handler=_quarantine)

    import_cli.add_parser(sub)
    return parser


def _with_store(
    settings: Settings, work: Callable[[Store], Awaitable[T]], *, migrate: bool = True
) -> T:
    async def run() -> T:
        async with opened_store(settings, migrate=migrate) as store:
            return await work(store)

    return asyncio.run(run())


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    async def migrate(store: Store) -> list[str]:
        applied = await store.migrate()
        await store.refresh_projections(projector_id(settings.policy))
        return applied

    applied = _with_store(settings, migrate, migrate=False)
    print("applied: " + ", ".join(applied) if applied else "the database is up to date")
    return 0


def _token_create(settings: Settings, args: argparse.Namespace) -> int:
    token, record = new_token(Role(args.role), args.name)
    _with_store(settings, lambda store: store.add_token(record))
    print(f"created {record.role} token {record.id} ({record.name}); it is shown only once:")
    print(token)
    return 0


def _token_list(settings: Settings, args: argparse.Namespace) -> int:
    for t in _with_store(settings, lambda store: store.tokens()):
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        print(f"{t.id}\t{t.role}\t{t.name}\t{t.created_at:%Y-%m-%d}\t{state}")
    return 0


def _token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    done = _with_store(settings, lambda store: store.revoke_token(args.token_id, datetime.now(UTC)))
    print("revoked" if done else "no active token with that id")
    return 0 if done else 1


def _quarantine(settings: Settings, args: argparse.Namespace) -> int:
    for q in _with_store(settings, lambda store: store.quarantined(args.limit)):
        print(f"#{q.id}\t{q.received_at:%Y-%m-%dT%H:%M:%SZ}\t{len(q.body)} bytes\t{q.reason}")
        if args.show_body:
            print(q.body.decode("utf-8", errors="replace"))
    return 0


def _dev_secrets(settings: Settings) -> tuple[Settings, list[str]]:
    """Dev mode: reuse the secrets generated last time, so Meta's configuration keeps working."""
    stored: dict[str, str] = {}
    if DEV_SECRETS.exists():
        stored = json.loads(DEV_SECRETS.read_text())
    update = {
        k: SecretStr(v)
        for k, v in stored.items()
        if k in ("app_secret", "verify_token") and getattr(settings, k) is None
    }
    settings = settings.model_copy(update=update)
    settings, generated = settings.with_dev_secrets()
    if generated:
        DEV_SECRETS.parent.mkdir(parents=True, exist_ok=True)
        values = {
            k: getattr(settings, k).get_secret_value() for k in ("app_secret", "verify_token")
        }
        DEV_SECRETS.write_text(json.dumps(values))
        DEV_SECRETS.chmod(0o600)
    return settings, generated


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    generated: list[str] = []
    if settings.dev:
        settings, generated = _dev_secrets(settings)
    if settings.workers > 1:
        # Built once here only to check the configuration (buttons, lexicon, event loop), so
        # that a mistake stops the start with its message instead of failing every worker.
        server.new_event_loop(settings.event_loop)[0].close()
        serving_app(settings)

    def banner(_: str) -> None:
        print(_banner(settings, generated), flush=True)

    return server.serve(settings, serving_app, banner=banner)


def serving_app(settings: Settings) -> web.Application:
    """Logging set up, then the app: what each serving process runs (workers start afresh)."""
    secret_key = settings.app_secret.get_secret_value().encode() if settings.app_secret else b""
    logsetup.configure(
        json_logs=settings.json_logs, level=settings.log_level, redaction_key=secret_key
    )
    return create_app(settings)


def _banner(settings: Settings, generated: list[str]) -> str:
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    command = ("CONSENTBOT_DEV=true " if settings.dev else "") + _own_command()
    lines = [
        f"consentbot listening on http://{settings.host}:{settings.port}"
        + (" (dev mode)" if settings.dev else ""),
        f"  database:           {_safe_url(settings.database_url)}",
        *(
            [f"  workers:            {settings.workers} processes on this port (SO_REUSEPORT)"]
            if settings.workers > 1
            else []
        ),
        f"  Meta callback URL:  {base.rstrip('/')}/webhook/whatsapp"
        + (
            ""
            if settings.public_url
            else "  (Meta needs HTTPS: a TLS proxy or tunnel, then CONSENTBOT_PUBLIC_URL)"
        ),
    ]
    if settings.dev and settings.verify_token and settings.app_secret:
        lines.append(f"  verify token:       {settings.verify_token.get_secret_value()}")
        lines.append(
            f"  app secret:         {settings.app_secret.get_secret_value()}"
            + (
                "  (generated: set CONSENTBOT_APP_SECRET to your Meta app's secret)"
                if "app_secret" in generated
                else ""
            )
        )
    lines.append(f"  API token:          {command} token create --role admin --name you")
    lines.append(f"  API reference:      http://{settings.host}:{settings.port}/openapi.json")
    return "\n".join(lines)


def _own_command() -> str:
    """How to run this same program again from here (it may not be on PATH)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else Path("consentbot")
    if argv0.name == "__main__.py":
        return f"{sys.executable} -m bot"
    try:
        return str(argv0.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(argv0)


def _safe_url(url: str) -> str:
    """The database URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url
