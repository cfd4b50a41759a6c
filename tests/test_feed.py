"""The pure parts of the feed: cursors, hashes, lines; and summaries decided over time."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.events import Event, Kind, Source
from bot.feed import (
    CursorError,
    HashMode,
    Renderer,
    cursor,
    database_tag,
    parse_cursor,
    subscriber_key,
)
from bot.state import Cap, Policy, derive
from bot.summary import Reader, default_summary, summarize

SECRET = bytes(range(32))
TAG = database_tag(SECRET)
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=0, max_value=10**6))
def test_a_cursor_reads_back_as_its_position(position: int, ahead: int) -> None:
    assert parse_cursor(cursor(position, TAG), TAG, position + ahead) == position


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a cursor"),
        ("12", "not a cursor"),
        ("12.", "not a cursor"),
        ("x.12345678", "not a cursor"),
        ("-3." + TAG, "not a cursor"),
        ("1e3." + TAG, "not a cursor"),
        ("12." + TAG.upper(), "not a cursor"),
        ("12." + TAG + "0", "not a cursor"),
        ("9" * 20 + "." + TAG, "not a cursor"),
        ("12.00000000", "another database"),
        ("101." + TAG, "ahead"),
    ],
)
def test_bad_cursors_are_refused_with_why(text: str, message: str) -> None:
    with pytest.raises(CursorError, match=message):
        parse_cursor(text, TAG, 100)


def test_the_tag_and_keys_depend_on_the_secret_and_the_token() -> None:
    other = bytes(32)
    assert database_tag(SECRET) != database_tag(other)
    assert subscriber_key(SECRET, "tok_a") != subscriber_key(SECRET, "tok_b")
    assert subscriber_key(SECRET, "tok_a") != subscriber_key(other, "tok_a")
    assert subscriber_key(SECRET, "tok_a") == subscriber_key(SECRET, "tok_a")


def event(kind: Kind, at: datetime, n: int = 0, **fields: object) -> Event:
    return Event(
        key=f"{kind}:{n}",
        kind=kind,
        source=Source.HOTLINE,
        occurred_at=at,
        received_at=at,
        phone="+79991234567",
        **fields,  # type: ignore[arg-type]
    )


def test_a_subject_with_nothing_that_shapes_eligibility_has_the_default_summary() -> None:
    policy = Policy()
    assert summarize(derive([event(Kind.MESSAGE, T0)], policy), policy, T0) == ""
    assert json.loads(default_summary(policy)) == {
        "marketing": {"eligible": False, "reasons": ["no_consent"]},
        "utility": {"eligible": True, "reasons": []},
    }


def test_a_time_bound_reason_ends_when_its_until_passes() -> None:
    policy = Policy(caps={"marketing": Cap(2, timedelta(days=1))}, require_consent=frozenset())
    sends = [
        event(Kind.SENT, T0, 1, categories=frozenset({"marketing"})),
        event(Kind.SENT, T0 + timedelta(hours=1), 2, categories=frozenset({"marketing"})),
    ]
    summary = summarize(derive(sends, policy), policy, T0 + timedelta(hours=2))
    reader = Reader(policy)
    during = reader.verdict(summary, "marketing", T0 + timedelta(hours=3))
    assert during is not None
    assert (during.eligible, during.reasons) == (False, ("frequency_cap",))
    assert during.lifts_at == T0 + timedelta(days=1)
    after = reader.verdict(summary, "marketing", T0 + timedelta(days=1))
    assert after is not None
    assert (after.eligible, after.reasons) == (True, ())
    # A cap already over when the summary is made is not in it.
    assert summarize(derive(sends, policy), policy, T0 + timedelta(days=2)) == ""


def test_summaries_of_states_of_one_shape_are_shared_but_each_is_right() -> None:
    policy = Policy()
    out = derive([event(Kind.OPT_OUT, T0, categories=frozenset({"all"}))], policy)
    consent = derive([event(Kind.CONSENT, T0, categories=frozenset({"marketing"}))], policy)
    a, b = summarize(out, policy, T0), summarize(consent, policy, T0)
    assert json.loads(a)["utility"]["reasons"] == ["opted_out"]
    assert json.loads(b)["marketing"] == {"eligible": True, "reasons": []}
    assert summarize(out, policy, T0 + timedelta(days=3)) == a
    strict = Policy(require_consent=frozenset())
    assert json.loads(summarize(out, strict, T0))["marketing"]["reasons"] == ["opted_out"]


def test_a_block_for_some_numbers_needs_the_full_state_for_a_named_number() -> None:
    policy = Policy(per_number_scope=True)
    out = event(Kind.OPT_OUT, T0, categories=frozenset({"all"}), phone_number_id="111")
    out.source = Source.WHATSAPP_TEXT
    summary = summarize(derive([out], policy), policy, T0)
    reader = Reader(policy)
    assert reader.verdict(summary, "utility", T0, phone_number_id="222") is None
    anywhere = reader.verdict(summary, "utility", T0)
    assert anywhere is not None
    assert anywhere.reasons == ("opted_out",)


@pytest.mark.parametrize("mode", list(HashMode))
def test_lines_carry_the_number_as_asked(mode: HashMode) -> None:
    policy = Policy()
    key = subscriber_key(SECRET, "tok_a")
    renderer = Renderer(Reader(policy), TAG, mode, key)
    row = (7, 3, "+79991234567", "RU.123", "")
    line = json.loads(renderer.ndjson(*row))
    shown = {
        HashMode.NONE: "+79991234567",
        HashMode.SHA256: hashlib.sha256(b"+79991234567").hexdigest(),
        HashMode.HMAC: hmac.new(key, b"+79991234567", "sha256").hexdigest(),
    }[mode]
    assert line == {
        "cursor": f"7.{TAG}",
        "subject": 3,
        renderer.number_field: shown,
        "user_id": "RU.123",
        "categories": json.loads(default_summary(policy)),
    }
    [parsed] = csv.DictReader(io.StringIO(renderer.csv_header() + renderer.csv(*row)))
    assert parsed[renderer.number_field] == shown
    assert parsed["marketing_reasons"] == "no_consent"
    assert parsed["utility_eligible"] == "true"


@given(st.text(max_size=30))
def test_any_user_id_survives_both_formats(user_id: str) -> None:
    renderer = Renderer(Reader(Policy()), TAG)
    row = (1, 1, None, user_id, "")
    assert json.loads(renderer.ndjson(*row))["user_id"] == user_id
    [parsed] = csv.DictReader(
        io.StringIO(renderer.csv_header() + renderer.csv(*row), newline=""), strict=True
    )
    assert parsed["user_id"] == user_id
