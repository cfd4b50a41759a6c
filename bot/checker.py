"""Bulk eligibility: one category decided for batches of recipients, from stored summaries.

Every form of `/v1/eligibility` (a JSON list, CSV and NDJSON streams) decides through a
`Checker`. It reads each recipient's summary, decides it with `Reader.verdict` and renders
each outcome once per distinct summary, since most recipients share one of a few. Only a
block limited to some business numbers, asked about for a named number, needs the full
state; then `bot.state.decide` answers from it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Generic, TypeVar, cast

from bot.ledger import state_from_json
from bot.state import Decision, Policy, Reason, SenderPause, decide
from bot.summary import Reader
from storage.base import Subjects

T = TypeVar("T")

INVALID = Decision(False, (Reason.INVALID_NUMBER,))


class Checker(Generic[T]):
    """Decides one category for batches of identity keys, and renders each decision once
    per summary with `render`; `sender` holds every send when its number or template is
    paused."""

    def __init__(
        self,
        store: Subjects,
        policy: Policy,
        category: str,
        phone_number_id: str | None,
        render: Callable[[Decision], T],
        sender: SenderPause | None = None,
    ) -> None:
        self._store = store
        self._policy = policy
        self._reader = Reader(policy)
        self._category = category
        self._phone_number_id = phone_number_id
        self._render = render
        self._sender = sender
        self._invalid = render(INVALID)

    async def check(self, keys: Sequence[str | None]) -> list[T]:
        """The rendered decision for each key, in order (None: an unreadable recipient)."""
        found = await self._store.summaries([k for k in keys if k is not None])
        at = datetime.now(UTC)
        rendered: dict[str, T] = {}
        invalid, unknown = self._invalid, self._outcome("", at, rendered)
        get = found.get
        out: list[T | None] = []
        needs_state: dict[int, str] = {}
        for key in keys:
            if key is None:
                out.append(invalid)
            elif (summary := get(key)) is None:
                out.append(unknown)
            else:
                outcome = self._outcome(summary, at, rendered)
                if outcome is None:
                    needs_state[len(out)] = key
                out.append(outcome)
        if needs_state:
            subjects = await self._store.subjects(list(needs_state.values()))
            for index, key in needs_state.items():
                subject = subjects.get(key)
                state = subject.state if subject is not None else ""
                out[index] = self._render(self._decide(state, at))
        return cast(list[T], out)

    def _outcome(self, summary: str, at: datetime, rendered: dict[str, T]) -> T | None:
        """The rendered decision of a summary, once per summary in `rendered`; None when
        the full state is needed."""
        outcome = rendered.get(summary)
        if outcome is not None:
            return outcome
        decision = self._reader.verdict(
            summary, self._category, at, self._phone_number_id, self._sender
        )
        if decision is None:
            return None
        outcome = rendered[summary] = self._render(decision)
        return outcome

    def _decide(self, state: str, at: datetime) -> Decision:
        """From the full state: for blocks limited to some business numbers."""
        return decide(
            state_from_json(state),
            self._category,
            at=at,
            policy=self._policy,
            phone_number_id=self._phone_number_id,
            sender=self._sender,
        )
