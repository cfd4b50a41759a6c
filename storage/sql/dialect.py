"""How SQLite and PostgreSQL differ, for the statements both run (`storage.sql`).

Shared statements number their parameters PostgreSQL's way (`$1`); SQLite reads the same
numbers as `?1` (`numbered`). Where the dialects really differ, a `Dialect` says how: a
list parameter (one array, or one parameter per item), an aggregate's name, an index hint,
how a time column is kept (timestamptz, or fixed-width text).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from storage.codec import Row, parse_ts, ts

T = TypeVar("T")

_NUMBERED = re.compile(r"\$(\d+)")


class Tx(Protocol):
    """A connection inside a transaction, as the shared statements use it."""

    async def fetch(self, sql: str, *args: Any) -> Sequence[Row]: ...

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; how many rows it changed."""
        ...


# A small write: what runs in a transaction of its own (SQLite: in the writer's batch).
WriteFn = Callable[[Tx], Coroutine[Any, Any, T]]


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str  # the folder of its migrations
    chunk: int  # items of a list parameter per statement
    lookup_chunk: int  # keys per bulk summary lookup
    arrays: bool  # a list is one array parameter (else one parameter per item)
    join_keys: str  # a subject's keys (`k.key`), space-separated, as one value
    summary_index: str  # what the bulk summary lookup names to read `subjects` by
    stamp: Callable[[datetime], Any]  # a time, as its time columns keep it
    unstamp: Callable[[Any], datetime]

    def among(self, column: str, first: int, values: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        """`column` is one of `values`: the condition, numbering its parameters from
        `first`, and the arguments it takes."""
        if self.arrays:
            return f"{column} = ANY(${first})", (list(values),)
        marks = ", ".join(f"${i}" for i in range(first, first + len(values)))
        return f"{column} IN ({marks})", tuple(values)


@functools.lru_cache(maxsize=512)
def numbered(sql: str) -> str:
    """A shared statement with SQLite's parameter numbers (`$1` becomes `?1`)."""
    return _NUMBERED.sub(r"?\1", sql)


def _same(value: Any) -> Any:
    return value


SQLITE = Dialect(
    name="sqlite",
    chunk=500,  # SQLite allows 32766 host parameters; stay far below for IN lists
    lookup_chunk=2000,
    arrays=False,
    join_keys="group_concat(k.key, ' ')",
    # Entries a tenth of a subject's row: a million lookups touch far fewer pages.
    summary_index=" INDEXED BY subjects_summary",
    stamp=ts,
    unstamp=parse_ts,
)

POSTGRES = Dialect(
    name="postgres",
    chunk=10_000,  # a list is one parameter; parts keep one statement small
    lookup_chunk=10_000,
    arrays=True,
    join_keys="string_agg(k.key, ' ')",
    summary_index="",
    stamp=_same,
    unstamp=_same,
)
