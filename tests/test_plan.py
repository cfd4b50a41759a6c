"""The identity planner (`storage.plan`): table tests, and properties over any batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.plan import Plan, plan


@dataclass(frozen=True)
class E:
    id: str
    identity_keys: tuple[str, ...]


def events(*keys: str) -> list[E]:
    """One event per argument: its identity keys, space-separated ('' for none)."""
    return [E(f"e{i}", tuple(k.split())) for i, k in enumerate(keys)]


@pytest.mark.parametrize(
    ("batch", "owners", "expected"),
    [
        pytest.param(events(), {}, Plan({}, {}, {}, ()), id="empty"),
        pytest.param(
            events(""), {"a": 1}, Plan({}, {}, {}, ()), id="an-event-without-keys-has-no-subject"
        ),
        pytest.param(events("a"), {"a": 4}, Plan({"e0": 4}, {}, {}, ()), id="a-known-key"),
        pytest.param(
            events("a", "b"),
            {},
            Plan({"e0": -1, "e1": -2}, {"a": -1, "b": -2}, {}, (-1, -2)),
            id="separate-new-keys-are-separate-subjects",
        ),
        pytest.param(
            events("a b", "b"),
            {},
            Plan({"e0": -1, "e1": -1}, {"a": -1, "b": -1}, {}, (-1,)),
            id="keys-of-one-event-are-one-subject",
        ),
        pytest.param(
            events("a", "b", "a b"),
            {},
            Plan({"e0": -1, "e1": -1, "e2": -1}, {"a": -1, "b": -1}, {}, (-1,)),
            id="new-subjects-merge-into-the-first-started",
        ),
        pytest.param(
            events("a", "x"),
            {"x": 7},
            Plan({"e0": -1, "e1": 7}, {"a": -1}, {}, (-1,)),
            id="new-and-known-apart",
        ),
        pytest.param(
            events("a", "a x"),
            {"x": 7},
            Plan({"e0": 7, "e1": 7}, {"a": 7}, {}, ()),
            id="a-new-subject-joins-an-existing-one",
        ),
        pytest.param(
            events("x y"),
            {"x": 9, "y": 3},
            Plan({"e0": 3}, {}, {9: 3}, ()),
            id="the-oldest-existing-subject-survives",
        ),
        pytest.param(
            events("x y", "y z"),
            {"x": 9, "y": 5, "z": 2},
            Plan({"e0": 2, "e1": 2}, {}, {9: 2, 5: 2}, ()),
            id="a-chain-of-merges-ends-in-one-subject",
        ),
        pytest.param(
            events("a", "x", "a b x"),
            {"x": 8},
            Plan({"e0": 8, "e1": 8, "e2": 8}, {"a": 8, "b": 8}, {}, ()),
            id="new-and-old-merge-inside-one-batch",
        ),
    ],
)
def test_plan(batch: list[E], owners: dict[str, int], expected: Plan) -> None:
    assert plan(batch, owners) == expected


def test_named_gives_new_subjects_their_ids_in_order() -> None:
    planned = plan(events("a", "b", "a x"), {"x": 3})
    assert planned.new == (-2,)
    named = planned.named([41])
    assert named == Plan({"e0": 3, "e1": 41, "e2": 3}, {"a": 3, "b": 41}, {}, (41,))
    assert named.touched == {3, 41}
    with pytest.raises(ValueError, match="1 new subjects need as many ids"):
        planned.named([])


# -- properties ------------------------------------------------------------------------------

KEYS = tuple("abcdefgh")


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[E], dict[str, int]]:
    """A batch of events over a few keys, and owners for some of the keys."""
    known = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=6))
    owners = {k: draw(st.integers(min_value=1, max_value=4)) for k in known}
    n = draw(st.integers(min_value=0, max_value=8))
    batch = [
        E(f"e{i}", tuple(draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=3))))
        for i in range(n)
    ]
    return batch, owners


def components(batch: Sequence[E], owners: Mapping[str, int]) -> list[frozenset[str]]:
    """The events that are one person: linked by a key in common, or by keys that one
    existing subject owns."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for key, sid in owners.items():
        union(f"k:{key}", f"s:{sid}")
    for e in batch:
        for key in e.identity_keys:
            union(f"e:{e.id}", f"k:{key}")
    groups: dict[str, set[str]] = {}
    for e in batch:
        if e.identity_keys:
            groups.setdefault(find(f"e:{e.id}"), set()).add(e.id)
    return sorted((frozenset(g) for g in groups.values()), key=sorted)


def grouped(result: Plan) -> list[frozenset[str]]:
    by_subject: dict[int, set[str]] = {}
    for event_id, sid in result.subject_of.items():
        by_subject.setdefault(sid, set()).add(event_id)
    return sorted((frozenset(g) for g in by_subject.values()), key=sorted)


@settings(max_examples=300, deadline=None)
@given(case=batches(), data=st.data())
def test_events_are_one_subject_exactly_when_they_are_one_person(
    case: tuple[list[E], dict[str, int]], data: st.DataObject
) -> None:
    batch, owners = case
    result = plan(batch, owners)
    assert grouped(result) == components(batch, owners)
    # In any order: the same people, the same surviving subjects.
    shuffled = data.draw(st.permutations(batch))
    again = plan(shuffled, owners)
    assert grouped(again) == grouped(result)
    assert again.merged == result.merged
    assert {s for s in again.touched if s > 0} == {s for s in result.touched if s > 0}


@settings(max_examples=300, deadline=None)
@given(case=batches())
def test_the_plan_is_consistent(case: tuple[list[E], dict[str, int]]) -> None:
    batch, owners = case
    result = plan(batch, owners)
    existing = set(owners.values())
    # Merges join existing subjects into the oldest of them; survivors are not merged.
    for gone, survivor in result.merged.items():
        assert {gone, survivor} <= existing
        assert survivor < gone
        assert survivor not in result.merged
    # Every key of an event ends with that event's subject: new keys by a link, known keys
    # through their owner and its merge.
    for e in batch:
        for key in e.identity_keys:
            if key in owners:
                final = result.merged.get(owners[key], owners[key])
            else:
                final = result.links[key]
            assert final == result.subject_of[e.id]
    assert set(result.links) == {k for e in batch for k in e.identity_keys} - set(owners)
    # New subjects are the placeholders in use, numbered in order of creation.
    placeholders = {s for s in result.touched if s < 0}
    assert set(result.new) == placeholders
    assert list(result.new) == sorted(placeholders, reverse=True)
    # Each person's subject is the oldest existing subject among theirs, else a new one.
    by_id = {e.id: e for e in batch}
    for group in components(batch, owners):
        olds = {owners[k] for i in group for k in by_id[i].identity_keys if k in owners}
        [subject] = {result.subject_of[i] for i in group}
        assert subject == (min(olds) if olds else subject)
        assert olds or subject < 0
    named = result.named([100 + i for i in range(len(result.new))])
    assert all(s > 0 for s in named.touched)
    assert set(named.new) <= named.touched
