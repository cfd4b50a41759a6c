"""Re-derive the subjects a batch touched: pure, given their events and the projector.

Each touched subject is derived again from all of its events; a subject whose summary
changes goes to the head of the change feed (the backend numbers those changes in commit
order when it writes them).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from storage.base import Appendable, Projection, Projector
from storage.codec import project


@dataclass(frozen=True, slots=True)
class Projected:
    """The new projections of a batch's subjects, in id order.

    `created`: the subjects that have no row yet. `changed`: the subjects whose summary
    changed, in the order the feed lists them.
    """

    subject_ids: tuple[int, ...]
    projections: tuple[Projection, ...]
    created: frozenset[int]
    changed: tuple[int, ...]

    def rows(self) -> list[tuple[int, Projection]]:
        return list(zip(self.subject_ids, self.projections, strict=True))


def project_batch(
    projector: Projector,
    events: Mapping[int, Sequence[Appendable]],
    before: Mapping[int, str],
    created: Collection[int] = (),
) -> Projected:
    """Project every subject of `events` (subject -> all of its events, in ledger order).

    `before` holds the summary each existing subject had; a `created` subject had none,
    and a prepared event that creates a subject by itself brings its projection along
    (`storage.codec.project`).
    """
    subject_ids = tuple(sorted(events))
    new = frozenset(created)
    projections = tuple(project(projector, events[sid], new=sid in new) for sid in subject_ids)
    changed = tuple(
        sid
        for sid, p in zip(subject_ids, projections, strict=True)
        if p.summary != before.get(sid, "")
    )
    return Projected(subject_ids, projections, new, changed)
