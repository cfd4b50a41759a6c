"""`consentbot import suppressions|consents`: the row parser, then the command on both backends."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.events import Event, Kind, Source, identity_keys
from bot.import_cli import LINE_EVERY_ROWS, Progress, rejects_path_for
from bot.imports import (
    COLUMNS,
    Context,
    HeaderError,
    ImportKind,
    RowError,
    read_header,
    row_parser,
)
from bot.ledger import from_record, make_projector, state_from_json
from bot.state import Policy, Reason, decide
from storage.open import open_store
from tests import pg
from tests.conftest import both_backends

NOW = datetime(2026, 9, 13, 12, 0, tzinfo=UTC)
CONTEXT = Context("list.csv", "RU", NOW)
SUPPRESSIONS = read_header(ImportKind.SUPPRESSIONS, COLUMNS[ImportKind.SUPPRESSIONS])
CONSENTS = read_header(ImportKind.CONSENTS, COLUMNS[ImportKind.CONSENTS])
PHONE = "+79991234567"
USER_ID = "RU.10000000000000000002"


def suppression(row: int = 1, context: Context = CONTEXT, **values: str) -> Event:
    fields = {
        "phone": PHONE,
        "categories": "all",
        "source": "crm",
        "reason": "asked to stop",
        "occurred_at": "2026-09-01T12:00:00Z",
        **values,
    }
    return row_parser(SUPPRESSIONS, context)(list(fields.values()), row)


def consent(row: int = 1, context: Context = CONTEXT, **values: str) -> Event:
    fields = {
        "phone": PHONE,
        "categories": "marketing",
        "source": "web_form",
        "collected_at": "2026-09-01T12:00:00Z",
        "wording": "I agree to receive offers from Shop on WhatsApp",
        "wording_version": "2026-08",
        **values,
    }
    return row_parser(CONSENTS, context)(list(fields.values()), row)


# -- the row parser ---------------------------------------------------------------------------


def test_a_suppression_row_becomes_an_opt_out_with_its_provenance() -> None:
    event = suppression(row=7)
    assert event.kind is Kind.OPT_OUT
    assert event.source is Source.IMPORT
    assert event.phone == PHONE
    assert event.user_id is None
    assert event.categories == frozenset({"all"})
    assert event.occurred_at == datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    assert event.received_at == NOW
    assert event.identity_keys == identity_keys(PHONE, None)
    assert event.evidence == {
        "original_source": "crm",
        "reason": "asked to stop",
        "file": "list.csv",
        "row": 7,
    }


def test_a_consent_row_becomes_a_consent_with_its_wording() -> None:
    event = consent(row=3)
    assert event.kind is Kind.CONSENT
    assert event.source is Source.IMPORT
    assert event.categories == frozenset({"marketing"})
    assert event.evidence == {
        "original_source": "web_form",
        "wording": "I agree to receive offers from Shop on WhatsApp",
        "wording_version": "2026-08",
        "file": "list.csv",
        "row": 3,
    }


@pytest.mark.parametrize(
    ("values", "attribute", "expected"),
    [
        pytest.param({"phone": "8 (999) 123-45-67"}, "phone", PHONE, id="national-number"),
        pytest.param({"phone": " 79991234567 "}, "phone", PHONE, id="digits-and-spaces"),
        pytest.param({"phone": USER_ID}, "user_id", USER_ID, id="user-id"),
        pytest.param({"categories": ""}, "categories", {"all"}, id="empty-means-all"),
        pytest.param({"categories": " Marketing "}, "categories", {"marketing"}, id="case"),
        pytest.param(
            {"categories": "marketing;utility"},
            "categories",
            {"marketing", "utility"},
            id="two-categories",
        ),
        pytest.param({"categories": "marketing;all"}, "categories", {"all"}, id="all-covers"),
        pytest.param({"categories": "utility;"}, "categories", {"utility"}, id="trailing-sep"),
        pytest.param(
            {"occurred_at": "2026-09-01T15:00:00+03:00"},
            "occurred_at",
            datetime(2026, 9, 1, 12, 0, tzinfo=UTC),
            id="offset",
        ),
        pytest.param(
            {"occurred_at": "2026-09-01 12:00:00.250+00:00"},
            "occurred_at",
            datetime(2026, 9, 1, 12, 0, 0, 250000, tzinfo=UTC),
            id="space-and-fraction",
        ),
        pytest.param(
            {"occurred_at": (NOW + timedelta(minutes=4)).isoformat()},
            "occurred_at",
            NOW + timedelta(minutes=4),
            id="clock-skew",
        ),
    ],
)
def test_good_suppression_rows(values: dict[str, str], attribute: str, expected: Any) -> None:
    value = getattr(suppression(**values), attribute)
    assert value == (frozenset(expected) if isinstance(expected, set) else expected)


def test_optional_cells_may_be_empty() -> None:
    assert suppression(reason="").evidence["reason"] is None
    assert consent(wording_version=" ").evidence["wording_version"] is None


@pytest.mark.parametrize(
    ("values", "error"),
    [
        pytest.param({"phone": ""}, "phone: empty", id="no-phone"),
        pytest.param({"phone": "call me"}, "phone: contains letters", id="letters"),
        pytest.param({"phone": "+7 999"}, "phone: too short", id="too-short"),
        pytest.param({"phone": "+999 1234567"}, "phone: unknown country", id="country"),
        pytest.param({"categories": "promo"}, "categories: unknown 'promo'", id="category"),
        pytest.param({"categories": "marketing;spam"}, "categories: unknown 'spam'", id="one-bad"),
        pytest.param({"source": " "}, "source: empty", id="no-source"),
        pytest.param({"reason": "x" * 2001}, "reason: longer than 2000", id="long-reason"),
        pytest.param({"occurred_at": ""}, "occurred_at: empty", id="no-time"),
        pytest.param({"occurred_at": "yesterday"}, "occurred_at: not an ISO 8601", id="words"),
        pytest.param({"occurred_at": "01/09/2026"}, "occurred_at: not an ISO 8601", id="locale"),
        pytest.param(
            {"occurred_at": "2026-09-01T12:00:00"}, "occurred_at: no time zone", id="naive"
        ),
        pytest.param({"occurred_at": "2026-09-01"}, "occurred_at: no time zone", id="date-only"),
        pytest.param(
            {"occurred_at": (NOW + timedelta(minutes=6)).isoformat()},
            "occurred_at: in the future",
            id="future",
        ),
        pytest.param({"reason": "bad\x00byte"}, "row: contains a NUL", id="nul"),
        pytest.param({"reason": "caf\udce9"}, "row: not valid UTF-8", id="not-utf8"),
    ],
)
def test_bad_suppression_rows(values: dict[str, str], error: str) -> None:
    with pytest.raises(RowError) as caught:
        suppression(**values)
    assert str(caught.value).startswith(error)
    assert caught.value.column == error.split(":")[0]


@pytest.mark.parametrize(
    ("values", "error"),
    [
        pytest.param({"categories": ""}, "categories: empty", id="no-categories"),
        pytest.param({"categories": ";"}, "categories: empty", id="only-separator"),
        pytest.param({"wording": ""}, "wording: empty", id="no-wording"),
        pytest.param({"wording": "w" * 4001}, "wording: longer than 4000", id="long-wording"),
        pytest.param(
            {"wording_version": "v" * 201}, "wording_version: longer than 200", id="long-version"
        ),
        pytest.param({"collected_at": "2026-09-01T12:00"}, "collected_at: no time zone", id="tz"),
        pytest.param(
            {"collected_at": "2030-01-01T00:00:00Z"}, "collected_at: in the future", id="f"
        ),
    ],
)
def test_bad_consent_rows(values: dict[str, str], error: str) -> None:
    with pytest.raises(RowError) as caught:
        consent(**values)
    assert str(caught.value).startswith(error)


@pytest.mark.parametrize("fields", [[PHONE, "all", "crm"], [PHONE, "all", "crm", "r", "t", "x"]])
def test_a_row_of_the_wrong_width_is_rejected(fields: list[str]) -> None:
    with pytest.raises(RowError, match=rf"^row: {len(fields)} fields where the header has 5$"):
        row_parser(SUPPRESSIONS, CONTEXT)(fields, 1)


def test_a_reason_never_repeats_the_number() -> None:
    for text in ("+7 999 123 45 67 89 00 11 22", "+7999123456x", "8 999 12"):
        with pytest.raises(RowError) as caught:
            suppression(phone=text)
        assert not re.search(r"\d{3}", str(caught.value))


# -- keys: the same fact is the same event, from any file -------------------------------------


def test_the_key_ignores_file_row_reason_and_source() -> None:
    first = suppression(row=1)
    again = suppression(
        row=99, context=Context("renamed.csv", "RU", NOW + timedelta(days=1)), reason="other"
    )
    assert (again.key, again.id) == (first.key, first.id)
    assert suppression(source="hotline").id == first.id


def test_the_key_reads_times_and_numbers_as_what_they_mean() -> None:
    first = suppression()
    assert suppression(occurred_at="2026-09-01T15:00:00+03:00").id == first.id
    assert suppression(phone="8 999 123-45-67").id == first.id
    assert (
        suppression(categories="utility;marketing").id
        == suppression(categories="marketing;utility").id
    )
    assert suppression(categories="").id == first.id  # empty means all


@pytest.mark.parametrize(
    "values",
    [
        {"phone": "+79991234568"},
        {"categories": "marketing"},
        {"occurred_at": "2026-09-01T12:00:01Z"},
    ],
)
def test_the_key_changes_with_what_the_row_says(values: dict[str, str]) -> None:
    assert suppression(**values).id != suppression().id


@pytest.mark.parametrize(
    "values", [{"wording": "Another text"}, {"wording_version": "2026-09"}, {"wording_version": ""}]
)
def test_a_consent_key_includes_the_wording_and_its_version(values: dict[str, str]) -> None:
    assert consent(**values).id != consent().id


def test_a_separator_inside_the_wording_cannot_make_two_consents_one() -> None:
    assert (
        consent(wording="x\x1f1:v", wording_version="").id
        != consent(wording="x", wording_version="v\x1f0:").id
    )


def test_an_opt_out_and_a_consent_of_one_moment_are_two_events() -> None:
    assert suppression(categories="marketing").id != consent().id


@given(st.text(min_size=1, max_size=30), st.integers(min_value=1, max_value=10**7))
def test_provenance_never_changes_the_key(name: str, row: int) -> None:
    context = Context(name, "RU", NOW)
    assert suppression(row=row, context=context).id == suppression().id


# -- the header -------------------------------------------------------------------------------


def test_the_header_may_have_other_columns_in_any_order_and_case() -> None:
    header = read_header(
        ImportKind.SUPPRESSIONS,
        ["crm_id", "Occurred_At", " phone ", "reason", "SOURCE", "categories", "note"],
    )
    assert header.extra == ("crm_id", "note")
    fields = ["c1", "2026-09-01T12:00:00Z", PHONE, "r", "crm", "marketing", "n"]
    event = row_parser(header, CONTEXT)(fields, 1)
    assert (event.phone, event.categories) == (PHONE, frozenset({"marketing"}))
    assert event.evidence["original_source"] == "crm"


@pytest.mark.parametrize(
    ("kind", "names", "message"),
    [
        (
            ImportKind.SUPPRESSIONS,
            ["phone", "categories", "source", "reason"],
            "column occurred_at",
        ),
        (ImportKind.CONSENTS, ["phone", "categories", "source"], "columns collected_at, wording"),
        (ImportKind.CONSENTS, [], "columns phone, categories"),
        (
            ImportKind.SUPPRESSIONS,
            ["phone", "categories", "source", "reason", "occurred_at", "Phone"],
            "column phone appears more than once",
        ),
    ],
)
def test_a_header_without_a_required_column_is_refused(
    kind: ImportKind, names: list[str], message: str
) -> None:
    with pytest.raises(HeaderError, match=message):
        read_header(kind, names)


def test_rejects_file_name() -> None:
    assert rejects_path_for(Path("/d/list.csv")) == Path("/d/list.rejects.csv")
    assert rejects_path_for(Path("/d/list.CSV")) == Path("/d/list.rejects.csv")
    assert rejects_path_for(Path("/d/list.txt")) == Path("/d/list.txt.rejects.csv")


def test_progress_off_a_terminal_is_a_line_per_hundred_thousand_rows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress = Progress(1000, tty=False)
    progress.update(LINE_EVERY_ROWS - 1, 400)
    progress.update(LINE_EVERY_ROWS, 500)
    progress.update(LINE_EVERY_ROWS + 1000, 510)
    progress.finish(LINE_EVERY_ROWS + 1000)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("import: 100,000 rows (50%), ")
    assert lines[0].endswith(" rows/s")


def test_progress_on_a_terminal_is_a_bar(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress(1000, tty=True)
    progress.update(1024, 250)
    progress.finish(2000)
    err = capsys.readouterr().err
    assert err.startswith("\r[#######.......................]  25%  1,024 rows  ")
    assert "[##############################] 100%  2,000 rows" in err
    assert err.endswith("\n")


# -- the command, on SQLite and PostgreSQL ----------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


SUPPRESSIONS_CSV = (
    "phone,categories,source,reason,occurred_at,crm_id\n"
    "+79991234567,all,crm,asked to stop,2026-09-01T12:00:00Z,a1\n"
    "8 (999) 123-45-68,marketing,hotline,,2026-09-01T15:00:00+03:00,a2\n"
    "not a number,all,crm,x,2026-09-01T12:00:00Z,a3\n"
    "+79991234569,promo,crm,x,2026-09-01T12:00:00Z,a4\n"
    "+79991234570,all,crm,x,2026-09-01 12:00:00,a5\n"
    "+79991234571,all,crm,x,2999-01-01T00:00:00Z,a6\n"
    "+79991234572,all,crm\n"
    "\n"
    '+79991234573,,web_form,"via the form, twice",2026-09-02T08:00:00Z,a9\n'
    "+79991234567,all,crm,asked to stop again,2026-09-01T12:00:00Z,a10\n"
)
EXPECTED_REJECTS = [
    "row,error,phone,categories,source,reason,occurred_at,crm_id",
    '3,"phone: contains letters, not a phone number",not a number,all,crm,x,'
    "2026-09-01T12:00:00Z,a3",
    "4,\"categories: unknown 'promo' (marketing, utility or all)\",+79991234569,promo,crm,x,"
    "2026-09-01T12:00:00Z,a4",
    "5,occurred_at: no time zone; write it as 2026-09-01T12:00:00Z or +03:00,+79991234570,all,"
    "crm,x,2026-09-01 12:00:00,a5",
    "6,occurred_at: in the future,+79991234571,all,crm,x,2999-01-01T00:00:00Z,a6",
    "7,row: 3 fields where the header has 6,+79991234572,all,crm",
]
CONSENTS_CSV = (
    "\ufeffphone,categories,source,collected_at,wording,wording_version\r\n"
    "+79991234580,marketing,web_form,2026-09-01T12:00:00Z,I agree to receive offers,2026-08\r\n"
    "+79991234581,,web_form,2026-09-01T12:00:00Z,I agree,2026-08\r\n"
    "+79991234582,marketing,web_form,2026-09-01T12:00:00Z,,2026-08\r\n"
    '+79991234583,marketing;utility,checkbox,2026-09-01T12:00:00Z,"Я согласен, ""да""",\r\n'
)


def _cli(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTBOT_")}
    env.update(
        CONSENTBOT_DATABASE_URL=url, CONSENTBOT_APP_SECRET="s3cret", CONSENTBOT_VERIFY_TOKEN="v"
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _summary(stdout: str) -> dict[str, str]:
    """The summary's `label   value` lines as a dict (values as printed)."""
    pairs = (re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in stdout.splitlines()[1:])
    return {p[0]: p[1] for p in pairs if len(p) == 2}


def _counts(summary: dict[str, str]) -> tuple[int, int, int, int]:
    def number(label: str) -> int:
        return int(summary[label].split()[0].replace(",", ""))

    return (
        number("rows read"),
        number("imported (new)"),
        number("already stored"),
        number("rejected"),
    )


async def _look(url: str, phones: Sequence[str]) -> tuple[int, dict[str, Any]]:
    """How many events the store has, and each number's events and state."""
    store = open_store(url, make_projector(Policy()))
    await store.open()
    try:
        found: dict[str, Any] = {}
        for phone in phones:
            subject = await store.subject(identity_keys(phone, None))
            if subject is not None:
                events = [from_record(r) for r in await store.events_of(subject.id)]
                found[phone] = (events, state_from_json(subject.state))
        return await store.count_events(), found
    finally:
        await store.close()


def _eligible(state: Any, category: str) -> tuple[bool, tuple[Reason, ...]]:
    decision = decide(state, category, at=datetime.now(UTC), policy=Policy())
    return decision.eligible, decision.reasons


@pytest.fixture
def migrated(tmp_path: Path, database_url: str) -> str:
    done = _cli(tmp_path, database_url, "migrate")
    assert done.returncode == 0, done.stderr
    return database_url


# Rows prepared in this process (the default for a small file), or by a worker process.
@pytest.mark.parametrize("workers", ["0", "1"], ids=["here", "worker"])
def test_import_suppressions(tmp_path: Path, migrated: str, workers: str) -> None:
    source = tmp_path / "optouts.csv"
    source.write_text(SUPPRESSIONS_CSV, encoding="utf-8")
    done = _cli(
        tmp_path,
        migrated,
        *("import", "suppressions", "optouts.csv", "--batch-size", "2", "--workers", workers),
    )
    assert done.returncode == 1, done.stderr
    summary = _summary(done.stdout)
    assert done.stdout.startswith("imported suppressions from optouts.csv\n")
    assert _counts(summary) == (9, 3, 1, 5)
    assert summary["rejected"].endswith("(categories 1, occurred_at 2, phone 1, row 1)")
    assert summary["blank lines"].startswith("1 ")
    assert summary["ignored columns"] == "crm_id"
    assert re.fullmatch(r"\d+\.\d s +\([\d,]+ rows/s\)", summary["elapsed"])
    assert summary["rejects file"] == "optouts.rejects.csv"
    rejects = tmp_path / "optouts.rejects.csv"
    assert rejects.read_text(encoding="utf-8").splitlines() == EXPECTED_REJECTS
    # The user's own numbers appear in the rejects file only, never in what is printed.
    assert not re.search(r"\d{7}", done.stdout + done.stderr)

    phones = ["+79991234567", "+79991234568", "+79991234573", "+79991234569"]
    count, found = asyncio.run(_look(migrated, phones))
    assert count == 3
    assert "+79991234569" not in found
    (first,), state = found["+79991234567"]
    assert (first.kind, first.source, first.categories) == (
        Kind.OPT_OUT,
        Source.IMPORT,
        frozenset({"all"}),
    )
    assert first.evidence == {
        "original_source": "crm",
        "reason": "asked to stop",
        "file": "optouts.csv",
        "row": 1,
    }
    assert _eligible(state, "marketing") == (False, (Reason.OPTED_OUT, Reason.NO_CONSENT))
    assert _eligible(state, "utility") == (False, (Reason.OPTED_OUT,))
    (second,), state = found["+79991234568"]
    assert second.occurred_at == datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    assert second.evidence["reason"] is None
    assert _eligible(state, "marketing")[1][0] is Reason.OPTED_OUT
    assert _eligible(state, "utility") == (True, ())  # only marketing was asked for
    (third,), state = found["+79991234573"]
    assert third.categories == frozenset({"all"})  # an empty cell
    assert third.evidence["row"] == 9
    assert third.evidence["reason"] == "via the form, twice"

    # Again, and from a copy under another name: nothing new.
    again = _cli(tmp_path, migrated, "import", "suppressions", "optouts.csv")
    assert again.returncode == 1
    assert _counts(_summary(again.stdout)) == (9, 0, 4, 5)
    assert rejects.read_text(encoding="utf-8").splitlines() == EXPECTED_REJECTS
    (tmp_path / "renamed.csv").write_text(SUPPRESSIONS_CSV, encoding="utf-8")
    copy = _cli(tmp_path, migrated, "import", "suppressions", "renamed.csv")
    assert _counts(_summary(copy.stdout)) == (9, 0, 4, 5)
    count, found = asyncio.run(_look(migrated, ["+79991234567"]))
    assert count == 3
    assert found["+79991234567"][0][0].evidence["file"] == "optouts.csv"  # the first import's


def test_import_consents(tmp_path: Path, migrated: str) -> None:
    (tmp_path / "consents.csv").write_text(CONSENTS_CSV, encoding="utf-8")
    out = tmp_path / "out" / "bad.csv"
    out.parent.mkdir()
    done = _cli(tmp_path, migrated, "import", "consents", "consents.csv", "--rejects", str(out))
    assert done.returncode == 1, done.stderr
    assert _counts(_summary(done.stdout)) == (4, 2, 0, 2)
    assert _summary(done.stdout)["rejects file"] == str(out)
    assert not (tmp_path / "consents.rejects.csv").exists()
    assert out.read_text(encoding="utf-8").splitlines() == [
        "row,error,phone,categories,source,collected_at,wording,wording_version",
        '2,"categories: empty (marketing, utility or all)",+79991234581,,web_form,'
        "2026-09-01T12:00:00Z,I agree,2026-08",
        "3,wording: empty,+79991234582,marketing,web_form,2026-09-01T12:00:00Z,,2026-08",
    ]

    count, found = asyncio.run(_look(migrated, ["+79991234580", "+79991234583"]))
    assert count == 2
    (event,), state = found["+79991234580"]
    assert (event.kind, event.source) == (Kind.CONSENT, Source.IMPORT)
    assert event.evidence == {
        "original_source": "web_form",
        "wording": "I agree to receive offers",
        "wording_version": "2026-08",
        "file": "consents.csv",
        "row": 1,
    }
    assert _eligible(state, "marketing") == (True, ())
    assert state.consents["marketing"].evidence["wording_version"] == "2026-08"
    (event,), state = found["+79991234583"]
    assert event.evidence["wording"] == 'Я согласен, "да"'
    assert event.evidence["wording_version"] is None
    assert set(state.consents) == {"marketing", "utility"}

    again = _cli(tmp_path, migrated, "import", "consents", "consents.csv", "--rejects", str(out))
    assert _counts(_summary(again.stdout)) == (4, 0, 2, 2)
    assert asyncio.run(_look(migrated, []))[0] == 2


def test_a_clean_import_exits_0_and_leaves_no_rejects_file(tmp_path: Path, migrated: str) -> None:
    stale = tmp_path / "ok.rejects.csv"
    stale.write_text("row,error\n1,from an earlier run\n")
    (tmp_path / "ok.csv").write_text(
        "phone,categories,source,reason,occurred_at\n+79991234590,all,crm,r,2026-09-01T12:00:00Z\n"
    )
    done = _cli(tmp_path, migrated, "import", "suppressions", "ok.csv")
    assert done.returncode == 0, done.stderr
    assert _counts(_summary(done.stdout)) == (1, 1, 0, 0)
    assert _summary(done.stdout)["rejects file"] == "none"
    assert not stale.exists()


@pytest.mark.postgres
def test_a_batch_of_numbers_with_many_forms_fits_postgresql_locks(
    tmp_path: Path, postgres_session: str
) -> None:
    """Brazilian mobiles have three identity keys, and the store locks each one."""
    url = pg.run(pg.create_schema(tmp_path))
    assert _cli(tmp_path, url, "migrate").returncode == 0
    rows = "".join(f"+55119{80000000 + i},all,crm,r,2026-09-01T12:00:00Z\n" for i in range(5000))
    (tmp_path / "br.csv").write_text("phone,categories,source,reason,occurred_at\n" + rows)
    done = _cli(tmp_path, url, "import", "suppressions", "br.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _counts(_summary(done.stdout)) == (5000, 5000, 0, 0)


@pytest.mark.postgres
def test_an_unmigrated_postgresql_database_is_refused_before_reading(
    tmp_path: Path, postgres_session: str
) -> None:
    url = pg.run(pg.create_schema(tmp_path))
    (tmp_path / "ok.csv").write_text(
        "phone,categories,source,reason,occurred_at\n+79991234590,all,crm,r,2026-09-01T12:00:00Z\n"
    )
    done = _cli(tmp_path, url, "import", "suppressions", "ok.csv")
    assert done.returncode == 1
    assert "consentbot migrate" in done.stderr
    assert not (tmp_path / "ok.rejects.csv").exists()


# -- usage errors: nothing is stored ----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        pytest.param(
            None, [], "consentbot: cannot read missing.csv: No such file or directory", id="none"
        ),
        pytest.param("", [], "the file is empty; the first line must be the header", id="empty"),
        pytest.param(
            "phone,categories,source,occurred_at\n+79991234567,all,crm,2026-09-01T12:00:00Z\n",
            [],
            "missing column reason (a suppressions file has the columns phone, categories, "
            "source, reason, occurred_at)",
            id="no-reason-column",
        ),
        pytest.param("phone\n", ["--batch-size", "0"], "--batch-size must be between", id="batch"),
        pytest.param("phone\n", ["--workers", "5"], "--workers must be between", id="workers"),
    ],
)
def test_usage_errors_exit_2_before_anything_is_stored(
    tmp_path: Path, content: str | None, args: list[str], message: str
) -> None:
    name = "missing.csv" if content is None else "list.csv"
    if content is not None:
        (tmp_path / name).write_text(content)
    url = f"sqlite:///{tmp_path / 'usage.db'}"
    done = _cli(tmp_path, url, "import", "suppressions", name, *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not (tmp_path / "list.rejects.csv").exists()
    assert not (tmp_path / "usage.db").exists()


def test_the_rejects_file_cannot_be_the_input(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("phone,categories,source,reason,occurred_at\n")
    url = f"sqlite:///{tmp_path / 'usage.db'}"
    done = _cli(tmp_path, url, "import", "suppressions", "list.csv", "--rejects", "list.csv")
    assert done.returncode == 2
    assert "cannot be the file being imported" in done.stderr
    assert (tmp_path / "list.csv").read_text() == "phone,categories,source,reason,occurred_at\n"


def test_bytes_that_are_not_utf8_reject_their_row_and_come_back_unchanged(tmp_path: Path) -> None:
    header = b"phone,categories,source,reason,occurred_at\n"
    bad = b"+79991234591,all,crm,caf\xe9,2026-09-01T12:00:00Z\n"
    good = b"+79991234592,all,crm,caf\xc3\xa9,2026-09-01T12:00:00Z\n"
    (tmp_path / "latin.csv").write_bytes(header + bad + good)
    done = _cli(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", "import", "suppressions", "latin.csv")
    assert done.returncode == 1
    assert _counts(_summary(done.stdout)) == (2, 1, 0, 1)
    rejects = (tmp_path / "latin.rejects.csv").read_bytes()
    assert (
        rejects
        == b"row,error," + header.rstrip() + b"\r\n1,row: not valid UTF-8," + bad[:-1] + b"\r\n"
    )


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _stored_events(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_worker_killed_mid_import_stops_it_and_a_rerun_finishes(tmp_path: Path) -> None:
    rows = 60_000
    with (tmp_path / "big.csv").open("w", encoding="utf-8") as out:
        out.write("phone,categories,source,reason,occurred_at\n")
        for i in range(rows):
            out.write(f"+7998{i:07d},all,crm,asked to stop,2026-09-01T12:00:00Z\n")
    db = tmp_path / "big.db"
    url = f"sqlite:///{db}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTBOT_")}
    env.update(CONSENTBOT_DATABASE_URL=url, CONSENTBOT_APP_SECRET="s", CONSENTBOT_VERIFY_TOKEN="v")
    # Small batches keep the worker only a few chunks ahead of the writer: it is still
    # preparing when it is killed, however fast the machine.
    args = [sys.executable, "-m", "bot", "import", "suppressions", "big.csv", "--workers", "1"]
    args += ["--batch-size", "1000"]
    with subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as importing:
        deadline = time.monotonic() + 60
        while _stored_events(db) == 0:  # the first batch is committed
            assert time.monotonic() < deadline
            assert importing.poll() is None
            time.sleep(0.05)
        workers = [p for p in _children(importing.pid) if "spawn_main" in _cmdline(p)]
        assert len(workers) == 1
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = importing.communicate(timeout=60)
    assert importing.returncode == 1, stderr
    assert "a worker process stopped unexpectedly" in stderr
    assert "run it again to finish" in stderr
    assert "Traceback" not in stderr, stderr
    summary = _summary(stdout)
    assert "(a worker stopped)" in summary["not stored"]
    stored = _stored_events(db)
    assert 0 < stored < rows

    again = _cli(tmp_path, url, "import", "suppressions", "big.csv", "--workers", "0")
    assert again.returncode == 0, again.stderr
    assert _counts(_summary(again.stdout)) == (rows, rows - stored, stored, 0)
    assert _stored_events(db) == rows


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
