"""The file's rows to prepared events, in worker processes or in this one.

Reading a row as CSV, parsing it, deriving the projection its event gives a new subject
and encoding the event's row is most of an import's work, and none of it needs the
database. The importing process cuts the file into chunks of whole records (`chunks`:
only a count of quotes per line) and sends each chunk's text; workers on the other cores
prepare it (`Preparer`) while the importing process links identities and writes. Chunks
come back in the order they were sent, so the rejects file and the batches keep the
file's order, and row numbers are the same as when the file is read in one piece.
"""

from __future__ import annotations

import csv
import gc
import io
import multiprocessing
import os
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from bot.imports import Context, ImportKind, RowError, read_header, row_parser
from bot.ledger import make_projector
from bot.state import Policy
from storage.base import PreparedEvent, Projection
from storage.codec import prepare

# Files smaller than this are prepared in the importing process: starting workers (each
# imports the parser and the rules) costs more than it saves on a few thousand rows.
POOL_FROM_BYTES: Final = 4 * 1024 * 1024
MAX_WORKERS: Final = 4
WORKER_NICENESS: Final = 10


@dataclass(frozen=True, slots=True)
class Job:
    """What every worker needs to prepare rows of one import, sent to each once."""

    kind: ImportKind
    names: tuple[str, ...]  # the file's header
    context: Context
    policy: Policy


@dataclass(frozen=True, slots=True)
class Chunk:
    """Whole CSV records of the file, as text."""

    first_row: int  # the number of its first record (1 = the first after the header)
    first_line: int  # the file's line number of its first line
    records: int
    text: str


class Rejected(NamedTuple):
    row: int
    fields: list[str]  # as read ([] when the record could not be read as CSV)
    error: RowError


# A prepared event as plain tuples (`_plain`): a worker's answer is unpickled in the
# importing process, and plain tuples come back without a call per object, twice as fast.
Plain = tuple[str, tuple[str, ...], tuple[Any, ...], tuple[str, str, str | None, str | None]]


class Prepared(NamedTuple):
    """A chunk's events, its rejected records in row order, and its blank lines."""

    plain: list[Plain]
    rejected: list[tuple[int, list[str], str, str]]  # row, fields, column, reason
    blank: int

    def events(self) -> list[PreparedEvent]:
        new = tuple.__new__
        return [new(PreparedEvent, (i, k, r, new(Projection, a))) for i, k, r, a in self.plain]

    def rejections(self) -> list[Rejected]:
        return [Rejected(row, f, RowError(column, why)) for row, f, column, why in self.rejected]


def chunks(lines: Iterable[str], *, first_line: int, size: int) -> Iterator[Chunk]:
    """The lines as chunks of `size` records (the last may be smaller).

    A record ends at the end of a line with an even count of quotes so far: a line break
    inside a quoted field does not end it. (A stray quote in an unquoted field, which a
    CSV reader takes as it is, makes the record look longer: that only moves a chunk's
    end, never splits a record.)
    """
    lines_in: list[str] = []
    records = 0
    quoted = False
    row = 1
    line = first_line
    for text in lines:
        lines_in.append(text)
        if text.count('"') & 1:
            quoted = not quoted
        if not quoted:
            records += 1
            if records == size:
                yield Chunk(row, line, records, "".join(lines_in))
                row += records
                line += len(lines_in)
                lines_in, records = [], 0
    if lines_in:
        records += quoted  # an open quote at the end: the rest is one (unreadable) record
        yield Chunk(row, line, records, "".join(lines_in))


class Preparer:
    """Prepares chunks of one import: each record a `PreparedEvent` or a rejected row."""

    def __init__(self, job: Job) -> None:
        self._parse = row_parser(read_header(job.kind, job.names), job.context)
        self._projector = make_projector(job.policy)

    def __call__(self, chunk: Chunk) -> Prepared:
        """Rejected rows come back as plain values: cheap to send from a worker."""
        plain: list[Plain] = []
        rejected: list[tuple[int, list[str], str, str]] = []
        blank = 0
        reader = csv.reader(io.StringIO(chunk.text, newline=""), strict=True)
        row = chunk.first_row - 1
        while True:
            row += 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                line = chunk.first_line - 1 + reader.line_num
                rejected.append((row, [], "row", f"not readable as CSV (line {line}): {exc}"))
                continue
            if not fields:
                blank += 1
                continue
            try:
                event = self._parse(fields, row)
            except RowError as exc:
                rejected.append((row, fields, exc.column, exc.reason))
                continue
            done = prepare(event, self._projector)
            alone = done.alone
            plain.append(
                (
                    done.id,
                    done.identity_keys,
                    done.row,
                    (alone.state, alone.summary, alone.phone, alone.user_id),
                )
            )
        return Prepared(plain, rejected, blank)


def workers_for(size: int, requested: int | None) -> int:
    """How many worker processes to use: as asked, else one per core (up to `MAX_WORKERS`)
    for a file of `POOL_FROM_BYTES` or more, else none. Workers run at a lower priority
    than the importing process: its writing comes first, and they use what it leaves."""
    if requested is not None:
        return requested
    if size < POOL_FROM_BYTES:
        return 0
    return min(MAX_WORKERS, os.cpu_count() or 1)


def start_pool(job: Job, workers: int) -> Executor:
    """Worker processes that each prepare chunks of `job` (see `prepare_in_worker`).

    They are started fresh (`spawn`), not forked: the importing process runs the store's
    threads, and a fork copies whatever locks they hold at that moment.
    """
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(job,),
    )


def stop_pool(pool: Executor, *, broken: bool) -> None:
    """Stop the workers; chunks not yet prepared are dropped.

    After a worker died, the pool's queue may be stuck writing a chunk into the pipe the
    dead worker read: the process would then hang at exit, waiting for that write. Letting
    the process exit without it loses nothing (the chunk was dropped anyway).
    """
    queue = getattr(pool, "_call_queue", None)  # gone once the pool is shut down
    if broken and queue is not None:
        queue.cancel_join_thread()
    pool.shutdown(wait=True, cancel_futures=True)


_worker: Preparer | None = None


def _start_worker(job: Job) -> None:
    global _worker
    # Ctrl-C reaches the whole process group: the importing process handles it, and stops
    # the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(WORKER_NICENESS)
    _worker = Preparer(job)
    # What a worker makes is freed as soon as it is sent: no cycles to collect, and a
    # collection would walk every object of the parser's number metadata again and again.
    gc.freeze()
    gc.disable()


def prepare_in_worker(chunk: Chunk) -> Prepared:
    """Run in a pool made by `start_pool`."""
    if _worker is None:
        raise RuntimeError("prepare_in_worker runs only in a pool made by start_pool")
    return _worker(chunk)
