"""What every shared part stands on: the backend's reads, writes, committer and dialect."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, TypeVar

from storage.append import AppendJob
from storage.base import Projector, ReplyRule
from storage.codec import Row
from storage.committer import GroupCommitter
from storage.sql.dialect import Dialect, WriteFn

T = TypeVar("T")


class SqlBase(ABC):
    # Appends go through it; SQLite's takes the small writes too.
    _committer: GroupCommitter[AppendJob]

    def __init__(
        self, dialect: Dialect, projector: Projector, replies: ReplyRule | None = None
    ) -> None:
        self._dialect = dialect
        self._projector = projector
        self._replies = replies  # what new events are answered with (None: nothing)

    @abstractmethod
    async def open(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def _read(self, sql: str, *args: Any) -> Sequence[Row]:
        """The rows of a shared statement, read outside any write (StoreClosed once
        closed, StoreUnavailable in an outage)."""

    @abstractmethod
    async def _write(self, work: WriteFn[T]) -> T:
        """Run `work` in a transaction and return its result once committed."""

    async def _read_among(
        self, sql: str, column: str, values: Sequence[Any], *args: Any, size: int = 0
    ) -> list[Row]:
        """The rows of `sql` for every part of `values`: `{}` in `sql` stands for the
        condition that `column` is one of them, numbered after `args`."""
        out: list[Row] = []
        size = size or self._dialect.chunk
        for i in range(0, len(values), size):
            condition, more = self._dialect.among(column, len(args) + 1, values[i : i + size])
            out += await self._read(sql.format(condition), *args, *more)
        return out
