"""The statistical intent model: the shipped file, features, training and the generator."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intent.model import (
    LABELS,
    IntentModel,
    default_model,
    feature_hashes,
    weights_digest,
)
from bot.intent.train import (
    Example,
    Settings,
    featurize,
    label_of,
    main,
    read_rows,
    synthetic,
    train,
)
from bot.intent.variants import LANGUAGES, ROUND, STOP_EMOJI, generate

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "bot" / "data" / "intent_model.npz"
SAMPLE = "Добрый день! Отпишите меня пожалуйста, STOP 🛑 wrong number?"


# ---------------------------------------------------------------------------
# The shipped model
# ---------------------------------------------------------------------------


def test_shipped_model_loads_and_its_version_is_a_digest_of_its_weights() -> None:
    model = IntentModel.load()
    assert model.labels == LABELS
    assert model.version == weights_digest(model.weights, model.bias, model.labels, model.ngram)
    with np.load(SHIPPED, allow_pickle=False) as archive:
        assert str(archive["version"]) == model.version
        assert archive["weights"].dtype == np.float16
    assert SHIPPED.stat().st_size <= 4_000_000
    assert default_model() is default_model()
    assert default_model().version == model.version


def test_load_by_path_reads_the_same_model() -> None:
    assert IntentModel.load(SHIPPED).version == default_model().version


def test_probabilities_are_a_distribution_in_label_order() -> None:
    model = default_model()
    for text in (SAMPLE, "", "   ", "!!!", "🛑", "ok", "x" * 5000):
        probabilities = model.probabilities(text)
        assert len(probabilities) == len(LABELS)
        assert all(0.0 <= p <= 1.0 for p in probabilities)
        assert math.isclose(sum(probabilities), 1.0, abs_tol=1e-9)


def test_the_shipped_model_reads_plain_requests() -> None:
    model = default_model()
    assert model.predict("STOP")[0] == "opt_out"
    assert model.predict("Отпишите меня")[0] == "opt_out"
    assert model.predict("Thanks, got it!")[0] == "none"
    assert model.predict("🛑")[0] == "opt_out"


# ---------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------


def test_features_are_sorted_distinct_bucket_ids() -> None:
    model = default_model()
    ids = model.features(SAMPLE)
    assert ids.dtype.kind == "i"
    assert ids.size > 0
    assert list(ids) == sorted(set(ids.tolist()))
    assert int(ids.min()) >= 0
    assert int(ids.max()) < model.buckets
    assert model.features("").size == 0


def test_features_depend_on_the_folded_text() -> None:
    model = default_model()
    assert model.features("СТОООП!!!").tolist() == model.features("стоп").tolist()
    assert model.features("stop").tolist() != model.features("stop?").tolist()  # questions
    assert model.features("🛑").size > 0  # folding drops emoji; the model keeps them


def test_features_are_stable_across_processes() -> None:
    code = (
        "import json, sys\n"
        "from bot.intent.model import default_model, feature_hashes\n"
        "text = sys.argv[1]\n"
        "print(json.dumps([default_model().features(text).tolist(), feature_hashes(text)]))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code, SAMPLE],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    ids, hashes = json.loads(result.stdout)
    assert ids == default_model().features(SAMPLE).tolist()
    assert hashes == feature_hashes(SAMPLE)


# ---------------------------------------------------------------------------
# Loading errors
# ---------------------------------------------------------------------------


def test_a_file_that_is_not_a_model_is_a_value_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match=re.escape(str(path))):
        IntentModel.load(path)


def test_a_truncated_model_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "truncated.npz"
    path.write_bytes(SHIPPED.read_bytes()[:5000])
    with pytest.raises(ValueError, match=re.escape(str(path))):
        IntentModel.load(path)


def test_missing_arrays_and_wrong_shapes_are_value_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.npz"
    np.savez(missing, weights=np.zeros((4, len(LABELS)), dtype=np.float16))
    with pytest.raises(ValueError, match="missing"):
        IntentModel.load(missing)

    model = default_model()
    shaped = tmp_path / "shaped.npz"
    np.savez(
        shaped,
        weights=np.zeros((4, 3), dtype=np.float16),
        bias=np.zeros(3, dtype=np.float32),
        labels=np.array(LABELS[:3]),
        buckets=np.array(4),
        ngram=np.array(model.ngram),
        version=np.array("x"),
    )
    with pytest.raises(ValueError, match=re.escape(str(shaped))):
        IntentModel.load(shaped)


def test_a_version_that_does_not_match_the_weights_is_a_value_error(tmp_path: Path) -> None:
    model = IntentModel(np.ones((8, len(LABELS)), dtype=np.float16), np.zeros(len(LABELS)))
    good = tmp_path / "good.npz"
    model.save(good)
    assert IntentModel.load(good).version == model.version

    tampered = tmp_path / "tampered.npz"
    with np.load(good, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["weights"] = arrays["weights"] * np.float16(2)
    np.savez(tampered, **arrays)
    with pytest.raises(ValueError, match="does not match"):
        IntentModel.load(tampered)


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="absent"):
        IntentModel.load(tmp_path / "absent.npz")


def test_the_shipped_file_is_a_plain_npz_without_pickles() -> None:
    with zipfile.ZipFile(SHIPPED) as archive:
        names = sorted(archive.namelist())
    assert names == sorted(
        f"{name}.npy" for name in ("weights", "bias", "labels", "buckets", "ngram", "version")
    )


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


def test_training_on_a_small_generated_set_separates_stop_from_thanks(tmp_path: Path) -> None:
    variants = synthetic(4 * ROUND, seed=1)
    model = train([], variants, Settings(buckets=1 << 14, epochs=4, seed=1))
    assert model.buckets == 1 << 14
    stop, thanks = model.probabilities("stop"), model.probabilities("thanks")
    opt_out, none = LABELS.index("opt_out"), LABELS.index("none")
    assert stop[opt_out] > stop[none]
    assert thanks[none] > thanks[opt_out]
    assert stop[opt_out] > thanks[opt_out]

    path = tmp_path / "small.npz"
    model.save(path)
    again = IntentModel.load(path)
    assert again.version == model.version
    assert again.probabilities("stop") == model.probabilities("stop")


def test_training_is_deterministic_for_a_seed() -> None:
    variants = synthetic(ROUND, seed=2)
    first = train([], variants, Settings(buckets=1 << 12, epochs=1, seed=2))
    second = train([], variants, Settings(buckets=1 << 12, epochs=1, seed=2))
    assert first.version == second.version


def test_featurize_matches_the_model_features() -> None:
    model = default_model()
    texts = [SAMPLE, "", "ok"]
    matrix = featurize(texts, model.buckets, model.ngram)
    for i, text in enumerate(texts):
        row = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
        assert row.tolist() == model.features(text).tolist()
        if row.size:
            values = matrix.values[matrix.indptr[i] : matrix.indptr[i + 1]]
            assert np.allclose(values, 1 / math.sqrt(row.size))


def _write_rows(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def test_the_trainer_reads_only_the_split_it_asks_for(tmp_path: Path) -> None:
    data = tmp_path / "replies.jsonl"
    _write_rows(
        data,
        [
            {"text": "stop", "language": "en", "intent": "opt_out", "categories": ["all"],
             "split": "train"},
            {"text": "no ads", "language": "en", "intent": "opt_out",
             "categories": ["marketing"], "split": "train"},
            {"text": "cancel", "language": "en", "intent": "review", "categories": [],
             "split": "train"},
            {"text": "thanks", "language": "en", "intent": "none", "categories": [],
             "split": "dev"},
            # A test row is skipped by its split before anything else of it is read.
            {"text": None, "intent": "not an intent", "split": "test"},
        ],
    )  # fmt: skip
    train_rows = read_rows(data, "train")
    assert [(e.text, e.label) for e in train_rows] == [
        ("stop", "opt_out"),
        ("no ads", "opt_out_marketing"),
    ]
    assert [(e.text, e.label) for e in read_rows(data, "dev")] == [("thanks", "none")]


def test_label_mapping() -> None:
    assert label_of({"intent": "opt_out", "categories": ["all"]}) == "opt_out"
    assert label_of({"intent": "opt_out", "categories": ["marketing"]}) == "opt_out_marketing"
    assert label_of({"intent": "opt_in", "categories": ["marketing"]}) == "opt_in"
    assert label_of({"intent": "complaint", "categories": ["all"]}) == "complaint"
    assert label_of({"intent": "review", "categories": []}) is None
    with pytest.raises(ValueError, match="unknown intent"):
        label_of({"intent": "maybe"})


def test_the_command_writes_a_loadable_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "replies.jsonl"
    _write_rows(
        data,
        [
            {"text": "stop", "language": "en", "intent": "opt_out", "categories": ["all"],
             "split": "train"},
            {"text": "thanks", "language": "en", "intent": "none", "categories": [],
             "split": "train"},
            {"text": "STOP!!", "language": "en", "intent": "opt_out", "categories": ["all"],
             "split": "dev"},
        ],
    )  # fmt: skip
    out = tmp_path / "model.npz"
    args = ["--data", str(data), "--out", str(out), "--variants", str(ROUND)]
    assert main([*args, "--epochs", "1", "--buckets", "4096", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "dev (information only" in printed
    assert IntentModel.load(out).buckets == 4096


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


def test_the_generator_is_deterministic_for_a_seed() -> None:
    assert generate(300, seed=5) == generate(300, seed=5)
    assert generate(300, seed=5) != generate(300, seed=6)


def test_the_generator_yields_every_label_in_every_language() -> None:
    variants = generate(3 * ROUND, seed=0)
    pairs = {(v.language, v.label) for v in variants}
    missing = {(lang, label) for lang in LANGUAGES for label in LABELS} - pairs
    assert missing == set()
    assert all(v.text for v in variants)


def test_the_generator_has_noise_long_messages_and_stop_signs() -> None:
    variants = generate(20 * ROUND, seed=0)
    assert any(v.text.strip() in STOP_EMOJI for v in variants if v.label == "opt_out")
    assert any(len(v.text.split()) >= 30 for v in variants if v.label == "opt_out")
    assert any(len(v.text.split()) >= 30 for v in variants if v.label == "none")
    sources = {v.source for v in variants}
    assert {"lexicon", "long", "wrong_person", "hard", "guard", "ordinary"} <= sources
    # Wrong keyboard layout: Russian typed in Latin letters and English in Cyrillic.
    assert any(
        v.language == "ru" and re.fullmatch(r"[a-z\W\d]+", v.text, re.IGNORECASE) for v in variants
    )


def test_variants_become_training_examples() -> None:
    examples = synthetic(ROUND, seed=0)
    assert len(examples) == ROUND
    assert {e.label for e in examples} == set(LABELS)
    assert all(isinstance(e, Example) for e in examples)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_probabilities_never_raise_and_stay_a_distribution(text: str) -> None:
    probabilities = default_model().probabilities(text)
    assert len(probabilities) == len(LABELS)
    assert all(math.isfinite(p) and 0.0 <= p <= 1.0 for p in probabilities)
    assert math.isclose(sum(probabilities), 1.0, abs_tol=1e-9)
    assert default_model().features(text).tolist() == default_model().features(text).tolist()
