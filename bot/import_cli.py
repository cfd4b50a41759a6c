"""`consentbot import suppressions|consents FILE.csv`: the file, the batches, the store.

The file is read in chunks of records (a million rows need no more memory than a few
batches). Each chunk is prepared (`bot.import_pool`: parsed by `bot.imports`, derived,
encoded), by worker processes for a big file, and its good rows are appended in batches of
`--batch-size`, one `Store.append` call each, while bad rows go to the rejects file in the
file's order. At most one batch is being stored while the next chunks are prepared.

Exit status: 0 when every row was imported or already stored, 1 when some rows were
rejected (or the database failed part-way: running the same import again is safe), 2 for
usage errors (no such file, an unusable header), before anything is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gc
import io
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Final, TextIO

from bot.app import opened_store
from bot.import_pool import (
    MAX_WORKERS,
    POOL_FROM_BYTES,
    Chunk,
    Job,
    Prepared,
    Preparer,
    chunks,
    prepare_in_worker,
    start_pool,
    stop_pool,
    workers_for,
)
from bot.imports import (
    COLUMNS,
    Context,
    Header,
    HeaderError,
    ImportKind,
    RowError,
    read_header,
)
from bot.settings import Settings
from storage.base import AppendResult, PreparedEvent, StorageError, Store

# Batches start small (the first rows are stored soon after the start) and double up to
# BATCH_SIZE. Bigger transactions write each index page they touch fewer times: into a
# SQLite file of a million subjects, batches of 100,000 take a quarter less time than
# batches of 20,000, because a batch's random keys touch nearly every page of their indexes.
FIRST_BATCH_SIZE: Final = 10_000
BATCH_SIZE: Final = 100_000
MAX_BATCH_SIZE: Final = 200_000
CHUNK_ROWS: Final = 2_000  # records prepared together (by one worker)
BAR_REFRESH_S: Final = 0.2
LINE_EVERY_ROWS: Final = 100_000  # progress lines when stderr is not a terminal
BAR_WIDTH: Final = 30

EXIT_OK: Final = 0
EXIT_REJECTS: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130  # as a shell reports a command ended by Ctrl-C
INTERRUPTED: Final = (
    "consentbot: interrupted; the rows stored so far stay stored, and running the same "
    "import again finishes it"
)
_NUMBER: Final = re.compile(r"\+?\d{6,}")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `import suppressions` and `import consents` under the `consentbot` command."""
    parser = sub.add_parser(
        "import", help="import suppressions or consents from a CSV file (UTF-8, with a header)"
    )
    kinds = parser.add_subparsers(required=True, metavar="KIND")
    helps = {
        ImportKind.SUPPRESSIONS: "opt-outs: each row blocks its categories for its number",
        ImportKind.CONSENTS: "consents with the wording the customer agreed to",
    }
    for kind, text in helps.items():
        command = kinds.add_parser(
            kind.value, help=text, description=f"{text}. Columns: {', '.join(COLUMNS[kind])}."
        )
        command.add_argument("file", metavar="FILE.csv", type=Path)
        command.add_argument(
            "--rejects",
            metavar="PATH",
            type=Path,
            help="where rejected rows go (default: FILE.rejects.csv beside the file)",
        )
        command.add_argument(
            "--batch-size",
            type=int,
            default=None,
            metavar="N",
            help=f"events per database transaction (default: {FIRST_BATCH_SIZE:,} at first, "
            f"doubling up to {BATCH_SIZE:,})",
        )
        command.add_argument(
            "--workers",
            type=int,
            metavar="N",
            help="processes that parse rows while this one writes (default: one per "
            f"core, up to {MAX_WORKERS}, for files of {POOL_FROM_BYTES // 2**20} MiB or more; "
            "0: parse here)",
        )
        command.set_defaults(handler=run, import_kind=kind)


def rejects_path_for(path: Path) -> Path:
    """`list.csv` → `list.rejects.csv`; any other name gets `.rejects.csv` added."""
    if path.suffix.lower() == ".csv":
        return path.with_name(path.stem + ".rejects.csv")
    return path.with_name(path.name + ".rejects.csv")


def run(settings: Settings, args: argparse.Namespace) -> int:
    kind: ImportKind = args.import_kind
    path: Path = args.file
    rejects_path: Path = args.rejects or rejects_path_for(path)
    if args.batch_size is not None and not 1 <= args.batch_size <= MAX_BATCH_SIZE:
        return _usage(f"--batch-size must be between 1 and {MAX_BATCH_SIZE}")
    if args.workers is not None and not 0 <= args.workers <= MAX_WORKERS:
        return _usage(f"--workers must be between 0 and {MAX_WORKERS}")
    if rejects_path.resolve() == path.resolve():
        return _usage("the rejects file cannot be the file being imported")
    try:
        source = SourceFile(path)
    except OSError as exc:
        return _usage(f"cannot read {path}: {exc.strerror or exc}")
    with source:
        try:
            header = _header(kind, source)
        except HeaderError as exc:
            return _usage(f"{path}: {exc}")
        try:
            rejects = Rejects(rejects_path, header)
        except OSError as exc:
            return _usage(f"cannot write {rejects_path}: {exc.strerror or exc}")
        context = Context(path.name, settings.default_region, datetime.now(UTC))
        progress = Progress(source.size, tty=sys.stderr.isatty())
        job = Job(kind, header.names, context, settings.policy)
        workers = workers_for(source.size, args.workers)
        importer = Importer(job, workers, rejects, progress, args.batch_size)
        try:
            with rejects:
                tally = asyncio.run(importer.run(settings, source))
        except StorageError:
            if not importer.opened:  # the database could not be used: nothing was read
                rejects_path.unlink(missing_ok=True)
            raise
        except KeyboardInterrupt:
            print(f"\n{INTERRUPTED}", file=sys.stderr)
            return EXIT_INTERRUPTED
        progress.finish(tally.rows_read)
    if tally.rejected == 0:
        rejects_path.unlink(missing_ok=True)  # no stale rejects from an earlier run
    print(_summary(kind, path, header, tally, rejects_path))
    if tally.failure is not None:
        print(
            f"consentbot: the import stopped after {tally.stored:,} stored rows: "
            f"{_why(tally.failure)}; run it again to finish (stored rows are skipped)",
            file=sys.stderr,
        )
    return EXIT_REJECTS if tally.rejected or tally.failure else EXIT_OK


def _why(failure: Exception) -> str:
    if isinstance(failure, BrokenProcessPool):
        return "a worker process stopped unexpectedly (killed, or out of memory?)"
    return _masked(str(failure))


def _masked(text: str) -> str:
    """A database's message without the numbers it may quote (a key it refused, say)."""
    return _NUMBER.sub("[number]", text)


def _usage(message: str) -> int:
    print(f"consentbot: {message}", file=sys.stderr)
    return EXIT_USAGE


class SourceFile:
    """The CSV file as text (UTF-8, BOM optional), and how far into it the reading is."""

    def __init__(self, path: Path) -> None:
        self._raw: IO[bytes] = path.open("rb")
        self.size = path.stat().st_size
        # Bytes that are not UTF-8 become lone surrogates, so one bad row is rejected and
        # the rest are still read; the rejects file writes them back as the same bytes.
        self.text = io.TextIOWrapper(
            self._raw, encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
        self.rows = csv.reader(self.text, strict=True)

    def position(self) -> int:
        """Bytes read so far (the text layer reads ahead a few kilobytes)."""
        return self._raw.tell()

    def __enter__(self) -> SourceFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.text.close()


def _header(kind: ImportKind, source: SourceFile) -> Header:
    try:
        names = next(source.rows)
    except StopIteration:
        raise HeaderError("the file is empty; the first line must be the header") from None
    except csv.Error as exc:
        raise HeaderError(f"the header cannot be read as CSV: {exc}") from None
    try:
        "".join(names).encode()
    except UnicodeEncodeError:
        raise HeaderError("the header is not valid UTF-8; save the file as UTF-8") from None
    return read_header(kind, names)


class Rejects:
    """The rejects file: `row`, `error`, then the row's fields as they were, written as met."""

    def __init__(self, path: Path, header: Header) -> None:
        self.path = path
        self._file: TextIO = path.open("w", encoding="utf-8", errors="surrogateescape", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(["row", "error", *header.names])
        self.by_column: Counter[str] = Counter()

    def add(self, row: int, fields: Sequence[str], error: RowError) -> None:
        self._writer.writerow([row, str(error), *fields])
        self.by_column[error.column] += 1

    def __enter__(self) -> Rejects:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


class Progress:
    """A bar on a terminal; otherwise a line every `LINE_EVERY_ROWS` rows (on stderr)."""

    def __init__(self, total_bytes: int, *, tty: bool) -> None:
        self.total = max(total_bytes, 1)
        self.tty = tty
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._line_rows = 0

    def update(self, rows: int, position: int) -> None:
        now = time.monotonic()
        if self.tty:
            if now - self._drawn_at >= BAR_REFRESH_S:
                self._drawn_at = now
                self._bar(rows, position, now)
        elif rows - self._line_rows >= LINE_EVERY_ROWS:
            self._line_rows = rows
            done = min(position / self.total, 1.0)
            rate = rows / max(now - self.started, 1e-9)
            print(f"import: {rows:,} rows ({done:.0%}), {rate:,.0f} rows/s", file=sys.stderr)

    def finish(self, rows: int) -> None:
        if self.tty:
            self._bar(rows, self.total, time.monotonic())
            print(file=sys.stderr)

    def _bar(self, rows: int, position: int, now: float) -> None:
        done = min(position / self.total, 1.0)
        filled = int(done * BAR_WIDTH)
        rate = rows / max(now - self.started, 1e-9)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {done:4.0%}  {rows:,} rows  {rate:,.0f} rows/s\x1b[K")
        sys.stderr.flush()


@dataclass
class Tally:
    rows_read: int = 0
    blank: int = 0
    new: int = 0
    repeated: int = 0  # already stored, or an earlier row of the file said the same
    rejected: int = 0
    rejected_by_column: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    failure: StorageError | BrokenProcessPool | None = None

    @property
    def stored(self) -> int:
        return self.new + self.repeated


Prepare = Callable[[Chunk], "asyncio.Future[Prepared]"]


class Importer:
    """Reads the file in chunks, has each chunk prepared (`bot.import_pool`: by `workers`
    processes, or here when that is 0), and stores the prepared events in batches while
    the next chunks are being prepared."""

    def __init__(
        self,
        job: Job,
        workers: int,
        rejects: Rejects,
        progress: Progress,
        batch_size: int | None,
    ) -> None:
        self.job = job
        self.workers = workers
        self.rejects = rejects
        self.progress = progress
        self.fixed = batch_size is not None
        self.batch_size = batch_size or FIRST_BATCH_SIZE
        largest = batch_size or BATCH_SIZE
        # Chunks being prepared while the oldest is collected: a batch's worth and more,
        # so the workers go on while a batch is being stored.
        self.in_flight = -(-largest // CHUNK_ROWS) + 2 * workers if workers else 0
        self.tally = Tally()
        self.opened = False  # whether the store could be opened (and the rows read)
        self._pending: asyncio.Task[AppendResult] | None = None
        self._batch: list[PreparedEvent] = []

    async def run(self, settings: Settings, source: SourceFile) -> Tally:
        # Batches are hundreds of thousands of tuples that the garbage collector would walk
        # on every full collection (a fifth of the import's time on a million rows); they
        # hold no cycles, and whatever else does is collected when the import ends.
        gc.disable()
        try:
            return await self._run(settings, source)
        finally:
            gc.enable()

    async def _run(self, settings: Settings, source: SourceFile) -> Tally:
        started = time.monotonic()
        async with opened_store(settings) as store:
            self.opened = True
            pool = start_pool(self.job, self.workers) if self.workers else None
            prepare = _in(pool) if pool is not None else _here(Preparer(self.job))
            try:
                await self._read(store, source, prepare)
            except (StorageError, BrokenProcessPool) as exc:
                self.tally.failure = exc
            finally:
                await self._settle()
                if pool is not None:
                    stop_pool(pool, broken=isinstance(self.tally.failure, BrokenProcessPool))
        self.tally.rejected_by_column = dict(self.rejects.by_column)
        self.tally.elapsed = time.monotonic() - started
        return self.tally

    async def _read(self, store: Store, source: SourceFile, prepare: Prepare) -> None:
        # Each chunk with its answer to come and how far into the file it ends.
        sent: deque[tuple[Chunk, asyncio.Future[Prepared], int]] = deque()
        try:
            for chunk in chunks(source.text, first_line=source.rows.line_num + 1, size=CHUNK_ROWS):
                sent.append((chunk, prepare(chunk), source.position()))
                while len(sent) > self.in_flight:
                    await self._take(store, *sent.popleft())
                await asyncio.sleep(0)  # let the batch being stored go on
            while sent:
                await self._take(store, *sent.popleft())
        except BaseException as exc:
            _drop(sent, broken=isinstance(exc, BrokenProcessPool))
            raise
        if self._batch:
            await self._store(store, self._batch)
        await self._collect()

    async def _take(
        self, store: Store, chunk: Chunk, prepared: asyncio.Future[Prepared], position: int
    ) -> None:
        """Count a prepared chunk, write its rejects, and store full batches of its events."""
        done = await prepared
        self.tally.rows_read += chunk.records - done.blank
        self.tally.blank += done.blank
        self.progress.update(self.tally.rows_read, position)
        for row, fields, error in done.rejections():
            self.tally.rejected += 1
            self.rejects.add(row, fields, error)
        self._batch.extend(done.events())
        while len(self._batch) >= self.batch_size:
            size = self.batch_size
            batch, self._batch = self._batch[:size], self._batch[size:]
            if not self.fixed:
                self.batch_size = min(2 * size, BATCH_SIZE)
            await self._store(store, batch)

    async def _store(self, store: Store, batch: list[PreparedEvent]) -> None:
        """Hand `batch` to the store once the one before it is stored."""
        await self._collect()
        self._pending = asyncio.create_task(store.append(batch))
        await asyncio.sleep(0)  # let it start before reading on

    async def _collect(self) -> None:
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        created = (await pending).created
        new = sum(created)
        self.tally.new += new
        self.tally.repeated += len(created) - new

    async def _settle(self) -> None:
        """After a failure, wait for the batch in flight, whatever its outcome: its rows
        are then either stored or not, and nothing is left running."""
        if self._pending is not None:
            try:
                await self._collect()
            except StorageError as exc:
                self.tally.failure = self.tally.failure or exc


def _drop(sent: Iterable[tuple[Chunk, asyncio.Future[Prepared], int]], *, broken: bool) -> None:
    """After a failure, the chunks not taken are dropped: cancelled, or, when a worker died,
    left to the pool to fail (cancelling them then races with it), their errors read."""
    for _, future, _ in sent:
        if broken:
            future.add_done_callback(_read_error)
        elif not future.cancel():
            _read_error(future)


def _read_error(future: asyncio.Future[Prepared]) -> None:
    if not future.cancelled():
        future.exception()  # read: the same failure is already on its way up


def _here(preparer: Preparer) -> Prepare:
    """Chunks prepared in this process, each as it is sent."""

    def prepare(chunk: Chunk) -> asyncio.Future[Prepared]:
        done: asyncio.Future[Prepared] = asyncio.get_running_loop().create_future()
        done.set_result(preparer(chunk))
        return done

    return prepare


def _in(pool: Executor) -> Prepare:
    """Chunks prepared by the pool's workers."""

    def prepare(chunk: Chunk) -> asyncio.Future[Prepared]:
        return asyncio.get_running_loop().run_in_executor(pool, prepare_in_worker, chunk)

    return prepare


def _summary(kind: ImportKind, path: Path, header: Header, tally: Tally, rejects: Path) -> str:
    rate = tally.rows_read / tally.elapsed if tally.elapsed > 0 else 0.0
    by_column = ", ".join(f"{c} {n:,}" for c, n in sorted(tally.rejected_by_column.items()))
    lines = [
        f"imported {kind.value} from {path}",
        f"  rows read        {tally.rows_read:>12,}",
        f"  imported (new)   {tally.new:>12,}",
        f"  already stored   {tally.repeated:>12,}",
        f"  rejected         {tally.rejected:>12,}" + (f"  ({by_column})" if by_column else ""),
    ]
    if tally.failure is not None:
        missing = tally.rows_read - tally.stored - tally.rejected
        cause = (
            "a worker stopped"
            if isinstance(tally.failure, BrokenProcessPool)
            else "the database failed"
        )
        lines.append(f"  not stored       {missing:>12,}  ({cause})")
    if tally.blank:
        lines.append(f"  blank lines      {tally.blank:>12,}  (skipped)")
    if header.extra:
        lines.append(f"  ignored columns  {', '.join(header.extra)}")
    lines.append(f"  elapsed          {tally.elapsed:>10.1f} s  ({rate:,.0f} rows/s)")
    lines.append(f"  rejects file     {rejects if tally.rejected else 'none'}")
    return "\n".join(lines)
