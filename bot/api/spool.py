"""The answer of a streamed request while it waits for the client: memory, then a file.

A client that reads while it sends keeps the spool nearly empty; one that sends the whole
body first (urllib, requests, most CRM and ETL clients) finds its answer here once it reads,
so reading the request never waits on the client reading the answer.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections import deque
from typing import IO

# The answer waiting for a client to read it: this much in memory, the rest in a temporary
# file (a client that sends the whole body before reading leaves all of it there).
SPOOL_MEMORY_BYTES = 1 << 20
# Past this much waiting, reading the body waits for the client to read (about 30 million
# CSV results, 12 million NDJSON ones).
SPOOL_MAX_BYTES = 1 << 30
# Bytes read back from the temporary file at a time.
WRITE_BYTES = 1 << 18


class AnswerSpool:
    """The answer between the lookups and the client, in order: up to `memory_bytes` held in
    memory, the rest in an unnamed temporary file, read back as the client takes it.

    A client that reads while it sends keeps it nearly empty; one that sends the whole body
    first (urllib, requests, most CRM and ETL clients) finds its answer here once it reads.
    """

    def __init__(
        self, memory_bytes: int = SPOOL_MEMORY_BYTES, max_bytes: int = SPOOL_MAX_BYTES
    ) -> None:
        self._memory: deque[bytes] = deque()
        self._in_memory = 0
        self._memory_bytes = memory_bytes
        self._max_bytes = max_bytes
        self._file: IO[bytes] | None = None
        self._start = 0  # the file's unread bytes are [start, end)
        self._end = 0
        self._closed = False
        self._readable = asyncio.Event()
        self._room = asyncio.Event()
        self.spilled = 0  # bytes that went through the file

    def __len__(self) -> int:
        return self._in_memory + self._end - self._start

    def put(self, data: bytes) -> None:
        """Add to the end (after everything put before, memory and file alike)."""
        if not data:
            return
        if self._start == self._end and self._in_memory + len(data) <= self._memory_bytes:
            self._memory.append(data)
            self._in_memory += len(data)
        else:
            if self._file is None:
                # Closed by `discard`, at the end of the request whatever the outcome.
                self._file = tempfile.TemporaryFile(prefix="consentbot-answer-")  # noqa: SIM115
            # Small writes to the page cache: cheaper than a trip to a thread.
            fd, view = self._file.fileno(), memoryview(data)
            while view:
                written = os.pwrite(fd, view, self._end)
                self._end += written
                view = view[written:]
            self.spilled += len(data)
        self._readable.set()

    def close(self) -> None:
        """Nothing more will be put: `get` answers None once the rest is taken."""
        self._closed = True
        self._readable.set()

    async def get(self) -> bytes | None:
        """The next piece (at most `WRITE_BYTES` from the file), waiting for one; None at
        the end."""
        while not len(self):
            if self._closed:
                return None
            self._readable.clear()
            await self._readable.wait()
        if self._memory:
            data = self._memory.popleft()
            self._in_memory -= len(data)
        else:
            if self._file is None:  # pragma: no cover - bytes beyond memory are in the file
                raise OSError("the answer's temporary file is gone")
            fd = self._file.fileno()
            data = os.pread(fd, min(WRITE_BYTES, self._end - self._start), self._start)
            if not data:
                raise OSError("the answer's temporary file ended early")
            self._start += len(data)
            if self._start == self._end:
                os.ftruncate(fd, 0)
                self._start = self._end = 0
        if len(self) <= self._max_bytes:
            self._room.set()
        return data

    async def room(self) -> None:
        """Wait while more than `max_bytes` are held (the client reads far slower than it
        sends); the idle timeout ends a client that reads nothing at all."""
        while len(self) > self._max_bytes:
            self._room.clear()
            await self._room.wait()

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._memory.clear()
