"""Group commit: one queue of writes, committed many requests to a transaction.

Requests put their work on a queue and wait for its future. A writer task takes
everything waiting (up to `max_batch`) and commits it in one transaction, so the cost of
a commit, its fsync and its round trips is shared by every request in it. The dialect
supplies the transaction (`commit`) and says which errors are outages (`classify`); the
rest is the same on every backend:

- A batch that fails is tried again one job at a time, so a bad job fails alone, unless
  the error is an outage (`StoreUnavailable`): then every job of the batch fails at once,
  since trying each again would only wait out the same timeout once per job.
- A future is resolved only after its transaction has committed, and a caller that stops
  waiting (a client gone) does not stop its job: it may be committing already.
- An error that escapes all this (a bug, or a `BaseException` from a caller's projector)
  fails every job of its batch with that error, and the writer goes on with later jobs: a
  writer that died would leave every later request waiting for ever. (After a
  `KeyboardInterrupt` or `SystemExit` the jobs fail with `StoreClosed` and the writer
  passes it on: the process is stopping.)
- A writer that is cancelled (the event loop is closing) fails its batch and every queued
  job with `StoreClosed`, refuses new work, and ends.
- `stop()` refuses new work, lets the writers finish what is queued, and waits for them.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from storage.base import StoreClosed, StoreUnavailable

# Contravariant: a committer of any work commits appends too.
W = TypeVar("W", contravariant=True)

# An outcome: (True, result) or (False, the error to raise in the caller).
Outcome = tuple[bool, Any]


@dataclass(frozen=True, slots=True)
class _Alone:
    """Work run by itself, between groups: it manages its own transactions."""

    fn: Callable[[], Awaitable[Any]]


@dataclass(eq=False)
class _Job(Generic[W]):
    work: W | _Alone
    future: asyncio.Future[Any] = field(repr=False)


class GroupCommitter(Generic[W]):
    """Commits queued work of type `W` in groups (see the module's docstring)."""

    def __init__(
        self,
        commit: Callable[[Sequence[W]], Awaitable[Sequence[Any]]],
        classify: Callable[[Exception], BaseException],
        *,
        name: str,
        writers: int = 1,
        max_batch: int = 512,
        linger: bool = False,
    ) -> None:
        """`commit(works)` runs works in one transaction and returns a result per work;
        `classify` turns what it raised into what the callers see. With `linger`, a writer
        yields to the event loop before it takes the waiting jobs, so requests being read
        right now join the batch (worth it where a commit blocks the loop)."""
        self._commit = commit
        self._classify = classify
        self._name = name
        self._writer_count = writers
        self._max_batch = max_batch
        self._linger = linger
        self._queue: asyncio.Queue[_Job[W] | None] = asyncio.Queue()
        self._writers: list[asyncio.Task[None]] = []
        self._closed = False

    def start(self) -> None:
        if self._writers or self._closed:
            return
        self._writers = [
            asyncio.create_task(self._write_loop(), name=f"{self._name}-{n}")
            for n in range(self._writer_count)
        ]

    def check_open(self) -> None:
        """Raise StoreClosed unless new work is taken."""
        if self._closed or not self._writers:
            raise StoreClosed("the store is closed")

    async def submit(self, work: W) -> Any:
        """Commit `work` together with whatever else is waiting; its result once committed."""
        return await self._put(work)

    async def submit_alone(self, fn: Callable[[], Awaitable[Any]]) -> Any:
        """Run `fn` by itself, in its turn (work that manages its own transactions)."""
        return await self._put(_Alone(fn))

    async def _put(self, work: W | _Alone) -> Any:
        self.check_open()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(work, future))
        return await future

    async def stop(self) -> None:
        """Refuse new work, finish the queued work, and wait for the writers to end."""
        self._closed = True
        for _ in self._writers:
            self._queue.put_nowait(None)
        await asyncio.gather(*self._writers, return_exceptions=True)

    # -- the writers -----------------------------------------------------------------------

    async def _write_loop(self) -> None:
        try:
            await self._serve()
        except asyncio.CancelledError:
            self._closed = True
            cancelled = StoreClosed("the store's writer was cancelled")
            while not self._queue.empty():
                job = self._queue.get_nowait()
                if job is not None:
                    _fail([job], cancelled)
            raise

    async def _serve(self) -> None:
        while True:
            job = await self._queue.get()
            if job is None:
                return
            jobs, stop = await self._take(job)
            try:
                _answer(jobs, await self._run(jobs))
            except asyncio.CancelledError:
                _fail(jobs, StoreClosed("the store's writer was cancelled"))
                raise
            except (KeyboardInterrupt, SystemExit):
                _fail(jobs, StoreClosed("the process is stopping"))
                raise
            except BaseException as exc:
                _fail(jobs, exc)
            if stop:
                return

    async def _take(self, first: _Job[W]) -> tuple[list[_Job[W]], bool]:
        """`first` and the jobs waiting after it, up to a batch; and whether the end of the
        queue was among them."""
        jobs = [first]
        while len(jobs) < self._max_batch:
            if self._linger:
                # The batch blocks the loop while it commits, and a batch of one pays a
                # whole commit for one request: let requests being read now join it.
                await asyncio.sleep(0)
            if self._queue.empty():
                break
            while len(jobs) < self._max_batch and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    return jobs, True
                jobs.append(nxt)
            if not self._linger:
                break
        return jobs, False

    async def _run(self, jobs: list[_Job[W]]) -> list[Outcome]:
        """Jobs in order: each run of grouped work as one transaction, `_Alone` work by itself."""
        out: list[Outcome] = []
        group: list[W] = []
        for job in jobs:
            if not isinstance(job.work, _Alone):
                group.append(job.work)
                continue
            if group:
                out += await self._run_group(group)
                group = []
            out.append(await self._attempt(job.work.fn))
        if group:
            out += await self._run_group(group)
        return out

    async def _run_group(self, works: list[W]) -> list[Outcome]:
        """All works in one transaction; if that fails, each alone, so a bad one fails alone."""
        try:
            return [(True, r) for r in await self._commit_all(works)]
        except Exception as exc:
            error = self._classify(exc)
            if len(works) == 1 or isinstance(error, StoreUnavailable):
                return [(False, error)] * len(works)
        return [await self._attempt(functools.partial(self._commit_one, w)) for w in works]

    async def _commit_one(self, work: W) -> Any:
        (result,) = await self._commit_all([work])
        return result

    async def _commit_all(self, works: Sequence[W]) -> Sequence[Any]:
        results = await self._commit(works)
        if len(results) != len(works):
            raise RuntimeError(f"{len(works)} works committed with {len(results)} results")
        return results

    async def _attempt(self, fn: Callable[[], Awaitable[Any]]) -> Outcome:
        try:
            return True, await fn()
        except Exception as exc:
            return False, self._classify(exc)


def _answer(jobs: Sequence[_Job[Any]], outcomes: Sequence[Outcome]) -> None:
    for job, (ok, value) in zip(jobs, outcomes, strict=True):
        if job.future.done():  # the caller stopped waiting
            continue
        if ok:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)


def _fail(jobs: Sequence[_Job[Any]], error: BaseException) -> None:
    _answer(jobs, [(False, error)] * len(jobs))
