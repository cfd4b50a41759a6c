"""Preparing an import's rows: chunks of whole records, the preparer, the worker pool."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.import_pool import (
    POOL_FROM_BYTES,
    Chunk,
    Job,
    Prepared,
    Preparer,
    chunks,
    prepare_in_worker,
    start_pool,
    workers_for,
)
from bot.imports import COLUMNS, Context, ImportKind, read_header, row_parser
from bot.ledger import make_projector
from bot.state import Policy
from storage.codec import event_from_row, event_params, prepare, project

NOW = datetime(2026, 9, 13, 12, 0, tzinfo=UTC)
JOB = Job(
    ImportKind.SUPPRESSIONS,
    COLUMNS[ImportKind.SUPPRESSIONS],
    Context("list.csv", "RU", NOW),
    Policy(),
)
GOOD = "+79991234567,all,crm,asked to stop,2026-09-01T12:00:00Z\n"


def whole(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


def lines(text: str) -> Iterator[str]:
    """The text's lines as the importer reads them (a file opened with newline="")."""
    return iter(io.StringIO(text, newline=""))


# -- chunks -------------------------------------------------------------------------------------


def test_chunks_hold_whole_records_and_say_where_they_start() -> None:
    text = 'a,b\n"two\nlines",c\n\nd,e\n"x"",y",z\nlast,row\n'
    got = list(chunks(lines(text), first_line=2, size=2))
    assert [(c.first_row, c.first_line, c.records) for c in got] == [
        (1, 2, 2),  # a,b and the two-line record
        (3, 5, 2),  # the blank line is a record of its own, as a CSV reader counts it
        (5, 7, 2),  # the escaped quote leaves the count even
    ]
    assert "".join(c.text for c in got) == text
    assert got[0].text == 'a,b\n"two\nlines",c\n'


def test_an_open_quote_at_the_end_is_one_last_record() -> None:
    text = 'a,b\n"never\nclosed\n'
    got = list(chunks(lines(text), first_line=1, size=10))
    assert [(c.first_row, c.records) for c in got] == [(1, 2)]


def test_no_lines_no_chunks() -> None:
    assert list(chunks(lines(""), first_line=2, size=3)) == []


_CELL = st.text(alphabet=st.sampled_from('ab,"\n\r é'), max_size=6)


@given(
    rows=st.lists(st.lists(_CELL, min_size=1, max_size=3), max_size=12),
    blanks=st.sets(st.integers(0, 12)),
    size=st.integers(1, 5),
    ending=st.sampled_from(["\n", "\r\n"]),
)
def test_chunked_records_are_the_records_of_the_whole_file(
    rows: list[list[str]], blanks: set[int], size: int, ending: str
) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=ending)
    for i, row in enumerate(rows):
        if i in blanks:
            out.write(ending)
        writer.writerow(row)
    text = out.getvalue()

    got = list(chunks(lines(text), first_line=2, size=size))
    assert "".join(c.text for c in got) == text
    expected = whole(text)
    assert sum(c.records for c in got) == len(expected)
    assert [r for c in got for r in whole(c.text)] == expected
    starts = [c.first_row for c in got]
    assert starts == [1 + sum(c.records for c in got[:i]) for i in range(len(got))]
    assert all(c.records == size for c in got[:-1])


# -- the preparer ------------------------------------------------------------------------------


def _one_chunk(text: str) -> Chunk:
    (chunk,) = chunks(lines(text), first_line=2, size=1000)
    return chunk


def test_the_preparer_numbers_rows_as_the_file_does() -> None:
    text = (
        GOOD
        + "\n"  # a blank line: counted, not read
        + "+79991234568,marketing,crm,,2026-09-01T12:00:00Z\n"
        + "not a number,all,crm,r,2026-09-01T12:00:00Z\n"
        + '+79991234569,all,crm,"unclosed\n'
    )
    done = Preparer(JOB)(_one_chunk(text))
    assert done.blank == 1
    assert [event_from_row((None, *e.row)).evidence["row"] for e in done.events()] == [1, 3]
    rejected = done.rejections()
    assert [(r.row, r.error.column) for r in rejected] == [(4, "phone"), (5, "row")]
    assert rejected[0].fields[0] == "not a number"
    # The line is the file's (the header is line 1), not the chunk's.
    assert "not readable as CSV (line 6)" in str(rejected[1].error)


def test_a_chunk_further_down_keeps_the_files_row_and_line_numbers() -> None:
    chunk = Chunk(first_row=41, first_line=50, records=2, text=GOOD + "+7,x,crm,r,t\n")
    done = Preparer(JOB)(chunk)
    assert event_from_row((None, *done.events()[0].row)).evidence["row"] == 41
    assert [r.row for r in done.rejections()] == [42]


def test_a_prepared_event_is_the_parsed_event_with_the_projection_it_gives_alone() -> None:
    parse = row_parser(read_header(JOB.kind, JOB.names), JOB.context)
    event = parse(GOOD.rstrip("\n").split(","), 1)
    projector = make_projector(JOB.policy)
    (done,) = Preparer(JOB)(_one_chunk(GOOD)).events()
    assert done == prepare(event, projector)
    assert done.row == event_params(event)
    assert done.alone == projector([event])
    assert project(projector, [done], new=True) == done.alone
    # Read back from its row, it derives the same (the state; the summary's time may move on).
    assert project(projector, [done], new=False).state == done.alone.state


# -- workers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "requested", "cores", "expected"),
    [
        (POOL_FROM_BYTES - 1, None, 8, 0),
        (POOL_FROM_BYTES, None, 2, 2),
        (POOL_FROM_BYTES, None, 64, 4),
        (POOL_FROM_BYTES, None, 1, 1),
        (10, 3, 2, 3),
        (POOL_FROM_BYTES * 9, 0, 8, 0),
    ],
)
def test_workers_for(
    monkeypatch: pytest.MonkeyPatch, size: int, requested: int | None, cores: int, expected: int
) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: cores)
    assert workers_for(size, requested) == expected


def test_a_worker_process_prepares_what_this_process_would() -> None:
    text = GOOD + "bad,all,crm,r,2026-09-01T12:00:00Z\n" + GOOD.replace("67,", "70,")
    chunk = _one_chunk(text)
    with start_pool(JOB, 1) as pool:
        there: Prepared = pool.submit(prepare_in_worker, chunk).result(timeout=60)
    here = Preparer(JOB)(chunk)
    assert [e.row for e in there.events()] == [e.row for e in here.events()]
    assert [e.alone.state for e in there.events()] == [e.alone.state for e in here.events()]
    assert there.rejected == here.rejected
    assert there.blank == here.blank == 0


def test_prepare_in_worker_outside_a_pool_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="start_pool"):
        prepare_in_worker(_one_chunk(GOOD))
