"""The `Ledger` part: appends through the group committer, and reads of the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.append import AppendJob
from storage.base import Appendable, AppendResult, EventRecord, QuarantineRecord
from storage.codec import EVENT_COLUMNS, event_from_row, us
from storage.sql.base import SqlBase

_BY_SEQ = 2**63 - 1  # "before" no position at all: from the newest


class LedgerPart(SqlBase):
    async def append(
        self,
        events: Sequence[Appendable],
        *,
        quarantine: QuarantineRecord | None = None,
    ) -> AppendResult:
        self._committer.check_open()
        if not events and quarantine is None:
            return AppendResult(())
        result: AppendResult = await self._committer.submit(AppendJob(events, quarantine))
        return result

    async def event(self, event_id: str) -> EventRecord | None:
        rows = await self._read(f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE id = $1", event_id)
        return event_from_row(rows[0]) if rows else None

    async def events_of(self, subject_id: int) -> list[EventRecord]:
        rows = await self._read(
            f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE subject_id = $1 ORDER BY seq",
            subject_id,
        )
        return [event_from_row(r) for r in rows]

    async def events_of_kinds(
        self, kinds: Sequence[str], *, before_seq: int | None = None, limit: int = 100
    ) -> list[EventRecord]:
        if not kinds:
            return []
        condition, args = self._dialect.among("kind", 3, list(dict.fromkeys(kinds)))
        rows = await self._read(
            f"SELECT seq, {EVENT_COLUMNS} FROM events WHERE {condition} AND seq < $1 "
            "ORDER BY seq DESC LIMIT $2",
            before_seq if before_seq is not None else _BY_SEQ,
            limit,
            *args,
        )
        return [event_from_row(r) for r in rows]

    async def stored_ids(self, event_ids: Sequence[str]) -> set[str]:
        ids = list(dict.fromkeys(event_ids))
        return {r[0] for r in await self._read_among("SELECT id FROM events WHERE {}", "id", ids)}

    async def count_events(self) -> int:
        rows = await self._read("SELECT count(*) FROM events")
        return int(rows[0][0])

    async def count_kinds_by_number(
        self, kinds: Sequence[str], since: datetime
    ) -> dict[tuple[str | None, str], int]:
        if not kinds:
            return {}
        condition, args = self._dialect.among("kind", 2, list(dict.fromkeys(kinds)))
        rows = await self._read(
            "SELECT phone_number_id, kind, count(*) FROM events "
            f"WHERE {condition} AND occurred_at >= $1 GROUP BY phone_number_id, kind",
            us(since),
            *args,
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}

    async def quarantined(self, limit: int = 100) -> list[QuarantineRecord]:
        rows = await self._read(
            "SELECT id, received_at, reason, body FROM quarantine ORDER BY id DESC LIMIT $1",
            limit,
        )
        unstamp = self._dialect.unstamp
        return [QuarantineRecord(unstamp(r[1]), r[2], bytes(r[3]), r[0]) for r in rows]
