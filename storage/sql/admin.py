"""The parts of `Admin` that both backends do the same way: the probe and what is pending."""

from __future__ import annotations

from abc import abstractmethod
from datetime import UTC, datetime

from storage.codec import migrations
from storage.sql.base import SqlBase
from storage.sql.dialect import Tx


class AdminPart(SqlBase):
    @abstractmethod
    async def _applied_migrations(self) -> set[str]:
        """The names of the migrations applied (none before the first)."""

    async def pending_migrations(self) -> list[str]:
        applied = await self._applied_migrations()
        return [name for name, _ in migrations(self._dialect.name) if name not in applied]

    async def ping(self) -> None:
        # A real write: a read-only or locked database, a standby or a full disk fail here.
        at = self._dialect.stamp(datetime.now(UTC))

        async def beat(tx: Tx) -> None:
            await tx.execute(
                "INSERT INTO heartbeat (id, at) VALUES (1, $1) "
                "ON CONFLICT (id) DO UPDATE SET at = excluded.at",
                at,
            )

        await self._write(beat)
