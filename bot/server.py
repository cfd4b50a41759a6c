"""Running the app: its event loop, the garbage collector, and several processes on one port.

`serve(settings, app_factory)` runs one process, or with `CONSENTBOT_WORKERS=N` a supervisor
and N worker processes that each listen on the same port with SO_REUSEPORT: the kernel
spreads new connections over them, and each has its own event loop, store and connections.
A PostgreSQL database takes writes from all of them at once; an SQLite file takes one writer,
so settings refuse more than one process there.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Sequence
from multiprocessing.process import BaseProcess
from types import FrameType

from aiohttp import web

from bot.settings import Settings
from storage.base import StorageError

AppFactory = Callable[[Settings], web.Application]

# Young objects collected after this many more allocations than deallocations (CPython's
# default is 700). A webhook delivery allocates in bursts larger than 700 and frees nearly
# everything itself: with the default, the young generation was collected about every 15
# deliveries, almost always for nothing.
GEN0_THRESHOLD = 20_000
# How long a worker may take to finish its requests after SIGTERM before it is killed;
# aiohttp's own shutdown waits up to 60 s for handlers.
STOP_GRACE_S = 70.0


class LoopUnavailable(ValueError):
    """`CONSENTBOT_EVENT_LOOP=uvloop` where uvloop cannot be imported."""


def new_event_loop(choice: str) -> tuple[asyncio.AbstractEventLoop, str]:
    """A new event loop and its name: uvloop for `auto` where it imports, else asyncio's.

    uvloop runs the same aiohttp code with less overhead per callback and per socket
    operation; it does not exist on Windows or PyPy, where `auto` falls back.
    """
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError as exc:
            if choice == "uvloop":
                raise LoopUnavailable(
                    f"CONSENTBOT_EVENT_LOOP=uvloop, but uvloop cannot be imported: {exc}"
                ) from exc
        else:
            return uvloop.new_event_loop(), "uvloop"
    return asyncio.new_event_loop(), "asyncio"


async def settle_memory(app: web.Application) -> None:
    """After start-up, move everything start-up built (the intent model, lexicon, indexes,
    settings) out of the collector's sight, and collect young objects less often.

    Without this, each full collection walks those long-lived structures again (tens of
    milliseconds each time, seen as p99 spikes), and the young generation is collected every
    few requests. `gc.freeze()` also keeps those pages shared between forked processes.
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


def run(
    settings: Settings,
    app_factory: AppFactory,
    *,
    banner: Callable[[str], None] | None = None,
    reuse_port: bool = False,
) -> None:
    """Serve in this process until SIGINT or SIGTERM."""
    loop, _ = new_event_loop(settings.event_loop)
    app = app_factory(settings)
    app.on_startup.append(settle_memory)  # last: after the store and workers have started
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        access_log=None,
        print=banner,
        reuse_port=reuse_port or None,
        loop=loop,
    )


def serve(
    settings: Settings,
    app_factory: AppFactory,
    *,
    banner: Callable[[str], None] | None = None,
) -> int:
    """Serve with `settings.workers` processes; the exit status of the whole."""
    if settings.workers == 1:
        run(settings, app_factory, banner=banner)
        return 0
    return Supervisor(settings, app_factory).run(banner)


def _worker_main(settings: Settings, app_factory: AppFactory) -> None:
    # A process group of its own: a Ctrl-C in the terminal reaches the supervisor only,
    # which then stops each worker once, with SIGTERM.
    os.setpgrp()
    try:
        run(settings, app_factory, reuse_port=True)
    except (StorageError, ValueError) as exc:  # the database is down, or a bad setting
        print(f"consentbot: worker {os.getpid()}: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)


class Supervisor:
    """Starts the workers, stops them all on SIGINT or SIGTERM, or when one of them ends.

    A worker that dies is not restarted here: the others are stopped too and the supervisor
    exits with status 1, so the service manager (systemd, Kubernetes, compose) restarts the
    whole and the failure shows.
    """

    def __init__(self, settings: Settings, app_factory: AppFactory) -> None:
        self.settings = settings
        self.app_factory = app_factory
        # spawn: each worker imports afresh and starts no thread it did not make itself
        # (forking a process that holds library threads is unsafe).
        self._context = multiprocessing.get_context("spawn")
        self.workers: list[BaseProcess] = []
        self._stopping = False

    def run(self, banner: Callable[[str], None] | None = None) -> int:
        previous = {
            signum: signal.signal(signum, self._on_signal)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for _ in range(self.settings.workers):
                if self._stopping:  # told to stop while starting: start no more
                    break
                process = self._context.Process(
                    target=_worker_main, args=(self.settings, self.app_factory), daemon=False
                )
                process.start()
                self.workers.append(process)
            if self._stopping:
                self._signal_workers()
            if banner is not None:
                banner(f"{len(self.workers)} workers: {[p.pid for p in self.workers]}")
            return self._wait()
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stopping = True
        self._signal_workers()

    def _wait(self) -> int:
        """Until every worker has ended; 0 when they ended because we were told to stop."""
        status = 0
        while self.workers:
            ended = _wait_any(self.workers)
            for process in ended:
                self.workers.remove(process)
                if not self._stopping:
                    print(
                        f"consentbot: worker {process.pid} ended with status"
                        f" {process.exitcode}; stopping the others",
                        file=sys.stderr,
                        flush=True,
                    )
                    status = 1
                    self._stopping = True
                    self._signal_workers()
        return status

    def _signal_workers(self) -> None:
        for process in self.workers:
            if process.is_alive() and process.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM every worker still running, wait, and kill what outlives the grace."""
        self._stopping = True
        self._signal_workers()
        for process in self.workers:
            process.join(STOP_GRACE_S)
            if process.is_alive():
                process.kill()
                process.join()
        self.workers.clear()


def _wait_any(processes: Sequence[BaseProcess]) -> list[BaseProcess]:
    """The processes that have ended, waiting until at least one has (or a signal came)."""
    from multiprocessing.connection import wait

    sentinels = {p.sentinel: p for p in processes}
    ready = wait(list(sentinels))
    return [sentinels[s] for s in ready if isinstance(s, int)]
