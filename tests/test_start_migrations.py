"""Who changes the schema: an SQLite server migrates its own file when it starts; a PostgreSQL
database, shared by several instances, is migrated only by `consentbot migrate`, and a server
that finds migrations pending refuses to start (exit status 1) instead of serving an old schema.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from bot.app import opened_store
from storage.base import StorageError
from storage.codec import migrations
from tests.conftest import make_settings

ALL_MIGRATIONS = [name for name, _ in migrations("postgres")]

ALL = [name for name, _ in migrations("postgres")]


async def test_sqlite_migrates_itself_at_start(tmp_path: Path) -> None:
    async with opened_store(make_settings(tmp_path)) as store:
        assert await store.pending_migrations() == []


@pytest.mark.postgres
async def test_postgres_start_with_pending_migrations_fails_and_changes_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, database_url=postgres_url)
    with capture_logs() as logs, pytest.raises(StorageError, match="run `consentbot migrate`"):
        async with opened_store(settings):
            pytest.fail("the store opened with migrations pending")
    assert [e for e in logs if e["event"] == "store.migrations_pending"] == [
        {"event": "store.migrations_pending", "pending": ALL, "log_level": "error"}
    ]

    async with opened_store(settings, migrate=False) as store:
        assert await store.pending_migrations() == ALL  # nothing was applied
        assert await store.migrate() == ALL
    async with opened_store(settings) as store:
        assert await store.pending_migrations() == []


def _cli(url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTBOT_")}
    env.update(
        CONSENTBOT_DATABASE_URL=url,
        CONSENTBOT_APP_SECRET="s3cret",
        CONSENTBOT_VERIFY_TOKEN="v3rify",
        CONSENTBOT_PORT="0",
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.postgres
async def test_serve_on_an_unmigrated_postgres_database_exits_1_with_what_to_do(
    postgres_url: str, tmp_path: Path
) -> None:
    served = await asyncio.to_thread(_cli, postgres_url, tmp_path, "serve")
    assert served.returncode == 1, served.stderr
    assert f"needs migrations ({', '.join(ALL_MIGRATIONS)}): run `consentbot migrate` first" in (
        served.stderr
    )
    assert "Traceback" not in served.stderr
    assert "store.migrations_pending" in served.stdout  # the error is logged too

    migrated = await asyncio.to_thread(_cli, postgres_url, tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.strip() == "applied: " + ", ".join(ALL_MIGRATIONS)
    again = await asyncio.to_thread(_cli, postgres_url, tmp_path, "migrate")
    assert again.stdout.strip() == "the database is up to date"
