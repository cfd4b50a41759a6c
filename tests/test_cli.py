"""The `consentbot` command as an operator runs it: real processes, real files."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.auth import hash_token
from bot.ledger import make_projector
from bot.state import Policy
from storage.codec import migrations
from storage.sqlite import SQLiteStore

ALL_MIGRATIONS = [name for name, _ in migrations("sqlite")]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTBOT_")}
    env.update(
        CONSENTBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        CONSENTBOT_APP_SECRET="s3cret",
        CONSENTBOT_VERIFY_TOKEN="v3rify",
    )
    env.update(extra)
    return env


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_token_create_prints_only_the_token_last(tmp_path: Path) -> None:
    done = _cli(tmp_path, "token", "create", "--role", "operator", "--name", "hotline")
    assert done.returncode == 0, done.stderr
    token = done.stdout.splitlines()[-1]
    assert re.fullmatch(r"cb_[A-Za-z0-9_\-]{40,}", token)

    async def lookup() -> str | None:
        async with SQLiteStore(tmp_path / "cli.db", make_projector(Policy())) as store:
            record = await store.token_by_hash(hash_token(token))
            return record.role if record else None

    assert asyncio.run(lookup()) == "operator"
    listed = _cli(tmp_path, "token", "list")
    assert "operator\thotline" in listed.stdout
    assert token not in listed.stdout


def test_token_revoke(tmp_path: Path) -> None:
    _cli(tmp_path, "token", "create", "--role", "sender", "--name", "crm")
    token_id = _cli(tmp_path, "token", "list").stdout.split("\t")[0]
    assert _cli(tmp_path, "token", "revoke", token_id).returncode == 0
    again = _cli(tmp_path, "token", "revoke", token_id)
    assert again.returncode == 1
    assert "no active token" in again.stdout


def test_unknown_role_is_refused(tmp_path: Path) -> None:
    done = _cli(tmp_path, "token", "create", "--role", "root", "--name", "x")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_migrate_twice(tmp_path: Path) -> None:
    first = _cli(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "applied: " + ", ".join(ALL_MIGRATIONS)
    assert _cli(tmp_path, "migrate").stdout.strip() == "the database is up to date"


def test_missing_secrets_outside_dev_mode(tmp_path: Path) -> None:
    env = _env(tmp_path)
    del env["CONSENTBOT_APP_SECRET"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "CONSENTBOT_APP_SECRET must be set" in done.stderr


def test_bad_database_url(tmp_path: Path) -> None:
    done = _cli(tmp_path, "migrate", CONSENTBOT_DATABASE_URL="mysql://x")
    assert done.returncode == 2
    assert "CONSENTBOT_DATABASE_URL" in done.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "CONSENTBOT_BUTTONS_FILE cannot be read", id="missing"),
        pytest.param("{not json", "buttons.json", id="malformed"),
        pytest.param('{"opt_out_labels": "Stop"}', "list of strings", id="wrong-shape"),
    ],
)
def test_a_bad_buttons_file_stops_the_start_with_a_clear_message(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "buttons.json"
    if content is not None:
        path.write_text(content)
    done = _cli(tmp_path, "serve", CONSENTBOT_BUTTONS_FILE=str(path), CONSENTBOT_PORT="0")
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, "CONSENTBOT_LEXICON_FILE cannot be read", id="missing"),
        pytest.param("{not json", "lexicon.json", id="malformed"),
        pytest.param('{"languages": 3}', "lexicon.json", id="wrong-shape"),
    ],
)
def test_a_bad_lexicon_file_stops_the_start_with_a_clear_message(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "lexicon.json"
    if content is not None:
        path.write_text(content)
    done = _cli(tmp_path, "serve", CONSENTBOT_LEXICON_FILE=str(path), CONSENTBOT_PORT="0")
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[tuple[int, list[str]]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTBOT_")}
    env.update(CONSENTBOT_DEV="true", CONSENTBOT_PORT=str(port))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip())
            if "API reference" in line:
                break
        yield port, lines
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_make_run_dev_mode_prints_what_meta_needs(
    dev_server: tuple[int, list[str]], tmp_path: Path
) -> None:
    port, lines = dev_server
    text = "\n".join(lines)
    assert "/webhook/whatsapp" in text
    command = re.search(r"API token:\s+(.+)$", text, re.MULTILINE)
    assert command is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTBOT_")}
    made = subprocess.run(
        ["bash", "-c", command.group(1)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines()[-1].startswith("cb_")
    verify = re.search(r"verify token:\s+(\S+)", text)
    assert verify is not None
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
        assert resp.status == 200
    url = (
        f"http://127.0.0.1:{port}/webhook/whatsapp?hub.mode=subscribe"
        f"&hub.verify_token={verify.group(1)}&hub.challenge=1158201444"
    )
    with urllib.request.urlopen(url, timeout=5) as resp:
        assert resp.read() == b"1158201444"
    assert (tmp_path / "data" / "consentbot.db").exists()
    assert oct((tmp_path / "data" / "dev-secrets.json").stat().st_mode & 0o777) == "0o600"
