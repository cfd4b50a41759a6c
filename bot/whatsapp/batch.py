"""Deliveries read together: the bodies that arrive in one turn of the event loop are parsed
and turned into events one after the other, in one pass at the end of that turn.

Reading a delivery is CPU work only (the payload models, number normalisation, the intent
classifier), and most of its cost is memory the CPU must fetch: the classifier's tables, the
models' validators. Done once per request between network callbacks, each reading finds that
memory cold, and it takes about three times as long as the same reading right after another
one. Deliveries come in bursts (a group commit answers many at once and their senders'
next deliveries arrive together), so batches form without any waiting: a delivery is read
in the turn of the loop right after the one it arrived in, together with every delivery that
arrived in that same turn.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from bot.intent import ButtonMap, Lexicon
from bot.whatsapp.extract import Extraction, extract
from bot.whatsapp.models import Envelope


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A signed body that is not a webhook envelope: kept in quarantine, for this reason."""

    reason: str


Reading = Extraction | Unreadable


def parse(body: bytes) -> Envelope | Unreadable:
    """The envelope of a body, or why it is not one."""
    try:
        return Envelope.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors()
        if any(e["type"] == "json_invalid" for e in errors):
            return Unreadable("not JSON")
        return Unreadable(f"not a webhook envelope: {errors[0]['msg']}")


_Waiting = tuple[bytes, datetime, "asyncio.Future[Reading]"]


class BatchReader:
    """Reads the bodies handed to it during one turn of the event loop at the end of it."""

    def __init__(self, buttons: ButtonMap, lexicon: Lexicon) -> None:
        self._buttons = buttons
        self._lexicon = lexicon
        self._waiting: list[_Waiting] = []

    def read(self, body: bytes, received_at: datetime) -> asyncio.Future[Reading]:
        """The reading of `body`, once this turn of the loop has received all it will."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reading] = loop.create_future()
        if not self._waiting:
            # Callbacks scheduled now run in the next turn, after every callback and task
            # step of this one (which is when the other requests of the burst are read).
            loop.call_soon(self._read_waiting)
        self._waiting.append((body, received_at, future))
        return future

    def _read_waiting(self) -> None:
        """Parse every waiting body, then extract every envelope: each step over the whole
        batch, so that its code and tables stay in the CPU's caches from one to the next."""
        waiting, self._waiting = self._waiting, []
        parsed: list[tuple[Envelope, datetime, asyncio.Future[Reading]]] = []
        for body, received_at, future in waiting:
            if future.done():  # its request was cancelled
                continue
            envelope = parse(body)
            if isinstance(envelope, Unreadable):
                future.set_result(envelope)
            else:
                parsed.append((envelope, received_at, future))
        for envelope, received_at, future in parsed:
            try:
                extraction = extract(
                    envelope, received_at=received_at, buttons=self._buttons, lexicon=self._lexicon
                )
            except Exception as exc:  # a bug fails its own request, not the batch
                future.set_exception(exc)
            else:
                future.set_result(extraction)
