"""Which subject each new event belongs to, and which subjects merge: pure, no I/O.

A subject is a person as far as the ledger can tell: every identity key (a number, a
business-scoped user id, a hash) names one subject. An event whose keys name no subject
starts a new one; an event whose keys name several shows them to be one person, and they
merge. Given a batch of new events (in order) and the subjects that own their keys now,
`plan` says where everything goes; the backends only carry it out (`storage.append`).

The survivor of a merge is the oldest existing subject (the smallest id), so ids that
were handed out before stay in use; where no existing subject takes part, the first subject
the batch started. New subjects have placeholder ids (-1, -2, ... in order of creation)
until the backend gives them real ones (`Plan.named`), so no id is drawn for a subject
that a later event of the batch merges away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol


class Keyed(Protocol):
    """What the planner reads of an event."""

    @property
    def id(self) -> str: ...
    @property
    def identity_keys(self) -> Sequence[str]: ...


@dataclass(frozen=True, slots=True)
class Plan:
    """Where a batch's events go.

    `subject_of`: the subject of each event with identity keys (events without keys
    belong to no subject). `links`: the subject of each key new to the ledger. `merged`:
    each existing subject merged away, with the existing subject it joins. `new`: the
    subjects the batch creates, in order of creation.
    """

    subject_of: Mapping[str, int]
    links: Mapping[str, int]
    merged: Mapping[int, int]
    new: tuple[int, ...]

    @property
    def touched(self) -> frozenset[int]:
        """Every subject that gains events."""
        return frozenset(self.subject_of.values())

    def named(self, ids: Sequence[int]) -> Plan:
        """The plan with the new subjects' placeholders replaced by `ids`, in order."""
        if len(ids) != len(self.new):
            raise ValueError(f"{len(self.new)} new subjects need as many ids, not {len(ids)}")
        real = dict(zip(self.new, ids, strict=True))

        def name(sid: int) -> int:
            return real.get(sid, sid)

        return Plan(
            {e: name(s) for e, s in self.subject_of.items()},
            {k: name(s) for k, s in self.links.items()},
            self.merged,
            tuple(ids),
        )


def plan(events: Sequence[Keyed], owners: Mapping[str, int]) -> Plan:
    """File each event under a subject; join the subjects that one event shows to be one
    person. `owners` holds the existing subject (a positive id) of each known key."""
    owner = dict(owners)
    into: dict[int, int] = {}  # a subject merged away -> the subject it joined
    placeholder = 0
    for e in events:
        if not e.identity_keys:
            continue
        found = {owner[k] for k in e.identity_keys if k in owner}
        if not found:
            placeholder -= 1
            sid = placeholder
        else:
            existing = [s for s in found if s > 0]
            # Placeholders count down: the greatest is the first subject the batch started.
            sid = min(existing) if existing else max(found)
            gone = found - {sid}
            if gone:
                into.update(dict.fromkeys(gone, sid))
                for k, v in owner.items():
                    if v in gone:
                        owner[k] = sid
        for k in e.identity_keys:
            owner[k] = sid

    def end(sid: int) -> int:
        while sid in into:
            sid = into[sid]
        return sid

    alive = set(owner.values())
    return Plan(
        subject_of={e.id: owner[e.identity_keys[0]] for e in events if e.identity_keys},
        # A known key's subject changes only by a merge, which moves every key it has.
        links={k: sid for k, sid in owner.items() if k not in owners},
        merged={s: end(s) for s in into if s > 0},
        new=tuple(sorted((s for s in alive if s < 0), reverse=True)),
    )
