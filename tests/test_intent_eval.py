"""The labelled replies (tests/data/replies.jsonl): what they hold, and the targets.

`make eval` prints the same figures with the list of mistakes and the speed; this test
keeps CI from merging a lexicon or rule change that misses a quality target.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bot.intent import Intent, default_lexicon
from tests.bench.intent_eval import (
    DEFAULT_DATA,
    STOPPING,
    TARGET_FALSE_OPT_OUT,
    TARGET_LANGUAGE_RECALL,
    TARGET_OPT_IN_ACCURACY,
    TARGET_RECALL,
    Row,
    evaluate,
    load_rows,
    main,
    measure_speed,
)

ROWS = load_rows(DEFAULT_DATA)


def test_the_set_is_big_and_covers_every_language() -> None:
    assert len(ROWS) >= 600
    languages = Counter(row.language for row in ROWS)
    assert set(languages) == set(default_lexicon().languages)
    assert min(languages.values()) >= 30, languages
    for language in languages:
        rows = [row for row in ROWS if row.language == language]
        assert sum(row.intent in STOPPING for row in rows) >= 15, language
        assert sum("hard_negative" in row.tags for row in rows) >= 5, language
        assert any(row.intent is Intent.OPT_IN for row in rows), language
    tags = Counter(tag for row in ROWS for tag in row.tags)
    assert tags["mixed_script"] >= 5
    assert tags["transliterated"] >= 5
    assert tags["code_switch"] >= 2


def test_labels_are_consistent() -> None:
    seen = set()
    for row in ROWS:
        assert (row.language, row.text) not in seen, row
        seen.add((row.language, row.text))
        assert row.split in {"dev", "holdout"}
        if row.intent in (Intent.OPT_OUT, Intent.OPT_IN):
            assert row.categories in ({"all"}, {"marketing"}), row
        elif row.intent is Intent.COMPLAINT:
            assert row.categories == {"all"}, row
        else:
            assert not row.categories, row


def test_targets_are_met() -> None:
    report = evaluate(ROWS)
    assert report.failures() == []
    assert report.overall.recall >= TARGET_RECALL
    assert report.overall.false_opt_out_rate <= TARGET_FALSE_OPT_OUT
    assert report.opt_in_accuracy >= TARGET_OPT_IN_ACCURACY
    for language, counts in report.by_language.items():
        assert counts.recall >= TARGET_LANGUAGE_RECALL, language


def test_report_counts() -> None:
    rows = [
        Row("stop", "en", Intent.OPT_OUT, frozenset({"all"})),
        Row("bus stop", "en", Intent.NONE, frozenset()),
        Row("where is my order", "en", Intent.OPT_OUT, frozenset({"all"})),
        Row("start", "en", Intent.OPT_IN, frozenset({"all"})),
        Row("stop", "en", Intent.NONE, frozenset()),
    ]
    report = evaluate(rows)
    assert (report.overall.positives, report.overall.true_positives) == (2, 1)
    assert (report.overall.negatives, report.overall.false_positives) == (3, 1)
    assert report.overall.recall == pytest.approx(0.5)
    assert report.overall.false_opt_out_rate == pytest.approx(1 / 3)
    assert report.opt_in_accuracy == 1.0
    assert len(report.mistakes) == 2
    assert "opt-out recall 50.0% < 97%" in report.failures()


def test_speed_is_measured_in_windows() -> None:
    speed = measure_speed(["stop", "где мой заказ"], default_lexicon(), seconds=0.01)
    assert speed.windows >= 5
    assert 0 < speed.median <= speed.best


def test_command_prints_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--split", "holdout", "--seconds", "0.05", "--no-mistakes"])
    out = capsys.readouterr().out
    assert "opt-out recall:" in out
    assert "false opt-outs:" in out
    assert "opt-in accuracy:" in out
    assert "classifications/s on one core" in out
    for language in ("ru", "uz-Cyrl", "hi-Latn", "ar"):
        assert f"\n{language} " in out
