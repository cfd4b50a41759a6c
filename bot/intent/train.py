"""Train the intent model and write ``bot/data/intent_model.npz``.

    python -m bot.intent.train [--data tests/data/replies.jsonl] [--out bot/data/intent_model.npz]
                               [--seed 0] [--variants N] [--epochs E] [--buckets B]

Fits :class:`bot.intent.model.IntentModel` (softmax regression over hashed features) on

- the rows of the labelled file whose ``split`` is ``train`` (one JSON object per line:
  ``text``, ``language``, ``intent``, ``categories``, ``split``); an ``opt_out`` whose
  categories are ``["marketing"]`` becomes ``opt_out_marketing``, ``review`` rows are
  skipped. Rows of any other split are never used for fitting: ``dev`` rows are read
  afterwards, only to print how the model does on them, and ``test`` rows are not read;
- ``N`` synthetic messages from :mod:`bot.intent.variants`, with the real rows repeated so
  that they weigh about as much as a tenth of the synthetic ones together.

Training is minibatch Adam with L2 regularisation, numpy only: sparse gathers over the
hashed ids and per-bucket sums with :func:`numpy.bincount`, so each step touches only the
buckets its messages use. Everything is deterministic for a seed. It prints the rows and
variants per label, the training accuracy, the dev accuracy per label and confusion matrix,
and the model's size and version.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.intent.model import LABELS, IntentModel, feature_hashes
from bot.intent.variants import generate

__all__ = [
    "DEFAULT_BUCKETS",
    "DEFAULT_DATA",
    "DEFAULT_OUT",
    "Example",
    "Matrix",
    "Settings",
    "confusion",
    "featurize",
    "fit",
    "label_of",
    "main",
    "read_rows",
    "train",
]

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
DEFAULT_DATA: Final = REPO_ROOT / "tests" / "data" / "replies.jsonl"
DEFAULT_OUT: Final = Path(__file__).resolve().parents[1] / "data" / "intent_model.npz"
DEFAULT_BUCKETS: Final = 1 << 18
NGRAM: Final = (2, 5)
HELD_OUT_MIN: Final = 2_000
_INDEX: Final = {label: i for i, label in enumerate(LABELS)}


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    language: str
    source: str  # "real" or the variant's source


@dataclass(frozen=True, slots=True)
class Settings:
    """Training knobs (the defaults are what the shipped model was trained with)."""

    buckets: int = DEFAULT_BUCKETS
    epochs: int = 5
    batch: int = 256
    learning_rate: float = 0.02
    l2: float = 1e-5
    real_share: float = 0.5  # the real rows' weight against all the synthetic ones
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Matrix:
    """Messages as sparse rows of bucket ids (CSR), each row's values 1/sqrt(its length)."""

    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def label_of(row: dict[str, object]) -> str | None:
    """The model label of a labelled row, ``None`` for ``review`` (a person decides)."""
    intent = row.get("intent")
    if intent == "review":
        return None
    if intent == "opt_out":
        return "opt_out_marketing" if row.get("categories") == ["marketing"] else "opt_out"
    if intent in _INDEX:
        return str(intent)
    raise ValueError(f"unknown intent {intent!r}")


def read_rows(path: Path, split: str) -> list[Example]:
    """The labelled rows of one split (``review`` rows left out). Other splits' rows are
    skipped by their ``split`` field before anything else of them is looked at."""
    out: list[Example] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: not a JSON object")
            if row.get("split") != split:
                continue
            label = label_of(row)
            if label is not None:
                out.append(Example(str(row["text"]), label, str(row["language"]), "real"))
    return out


def synthetic(count: int, seed: int) -> list[Example]:
    return [Example(v.text, v.label, v.language, v.source) for v in generate(count, seed)]


def featurize(texts: Sequence[str], buckets: int, ngram: tuple[int, int] = NGRAM) -> Matrix:
    """The model's features of each text, as :meth:`IntentModel.features` computes them."""
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    chunks: list[npt.NDArray[np.int64]] = []
    for i, text in enumerate(texts):
        ids = np.array(sorted({h % buckets for h in feature_hashes(text, *ngram)}), np.int64)
        chunks.append(ids)
        indptr[i + 1] = indptr[i] + ids.size
    indices = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    lengths = np.diff(indptr)
    scale = 1.0 / np.sqrt(np.maximum(lengths, 1))
    values = np.repeat(scale, lengths).astype(np.float32)
    return Matrix(indptr, indices, values)


# ---------------------------------------------------------------------------
# Fitting
# ---------------------------------------------------------------------------


def _gather(
    matrix: Matrix, rows: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """The bucket ids and values of some rows, and each one's row within the batch."""
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[rows + 1] - starts
    offsets = np.cumsum(lengths) - lengths
    positions = np.arange(int(lengths.sum())) - np.repeat(offsets - starts, lengths)
    owner = np.repeat(np.arange(rows.size), lengths)
    return matrix.indices[positions], matrix.values[positions], owner


def _scores(
    weights: npt.NDArray[np.float32],
    bias: npt.NDArray[np.float32],
    ids: npt.NDArray[np.int64],
    values: npt.NDArray[np.float32],
    owner: npt.NDArray[np.int64],
    count: int,
) -> npt.NDArray[np.float64]:
    contributions = weights[ids] * values[:, None]
    scores = np.empty((count, weights.shape[1]), dtype=np.float64)
    for k in range(weights.shape[1]):
        scores[:, k] = np.bincount(owner, weights=contributions[:, k], minlength=count)
    return scores + bias


def _softmax(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: npt.NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result


def fit(
    matrix: Matrix,
    labels: npt.NDArray[np.int64],
    repeats: npt.NDArray[np.int64],
    settings: Settings,
    *,
    log: bool = False,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Softmax regression by minibatch Adam (lazy: a step updates only the buckets its
    messages use) with L2 on those buckets; row ``i`` is seen ``repeats[i]`` times per
    epoch. Returns the weights (buckets × labels) and the bias."""
    rng = np.random.default_rng(settings.seed)
    n_labels = len(LABELS)
    weights = np.zeros((settings.buckets, n_labels), dtype=np.float32)
    bias = np.zeros(n_labels, dtype=np.float32)
    first = np.zeros_like(weights)
    second = np.zeros_like(weights)
    bias_first = np.zeros_like(bias)
    bias_second = np.zeros_like(bias)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    stream = np.repeat(np.arange(matrix.rows, dtype=np.int64), repeats)
    steps_per_epoch = max(1, math.ceil(stream.size / settings.batch))
    total = steps_per_epoch * settings.epochs
    step = 0
    onehot = np.eye(n_labels, dtype=np.float64)
    for epoch in range(settings.epochs):
        order = rng.permutation(stream)
        loss_sum = 0.0
        for start in range(0, order.size, settings.batch):
            step += 1
            rows = order[start : start + settings.batch]
            ids, values, owner = _gather(matrix, rows)
            probabilities = _softmax(_scores(weights, bias, ids, values, owner, rows.size))
            target = onehot[labels[rows]]
            loss_sum += float(
                -np.log(np.maximum((probabilities * target).sum(axis=1), 1e-12)).sum()
            )
            error = (probabilities - target) / rows.size
            touched, inverse = np.unique(ids, return_inverse=True)
            per_entry = error[owner] * values[:, None]
            grad = np.empty((touched.size, n_labels), dtype=np.float64)
            for k in range(n_labels):
                grad[:, k] = np.bincount(inverse, weights=per_entry[:, k], minlength=touched.size)
            grad += settings.l2 * weights[touched]
            rate = settings.learning_rate * (1.0 - 0.9 * (step - 1) / max(1, total - 1))
            correction = math.sqrt(1 - beta2**step) / (1 - beta1**step)
            m = beta1 * first[touched] + (1 - beta1) * grad
            v = beta2 * second[touched] + (1 - beta2) * grad * grad
            first[touched] = m
            second[touched] = v
            weights[touched] -= (rate * correction * m / (np.sqrt(v) + eps)).astype(np.float32)
            bias_grad = error.sum(axis=0)
            bias_first[:] = beta1 * bias_first + (1 - beta1) * bias_grad
            bias_second[:] = beta2 * bias_second + (1 - beta2) * bias_grad * bias_grad
            bias -= (rate * correction * bias_first / (np.sqrt(bias_second) + eps)).astype(
                np.float32
            )
        if log:
            print(f"  epoch {epoch + 1}/{settings.epochs}: loss {loss_sum / order.size:.4f}")
    return weights, bias


def train(
    real: Sequence[Example],
    variants: Sequence[Example],
    settings: Settings = Settings(),
    *,
    log: bool = False,
) -> IntentModel:
    """A model fitted on real rows and synthetic variants (weights stored as float16)."""
    examples = [*real, *variants]
    matrix = featurize([e.text for e in examples], settings.buckets)
    labels = np.array([_INDEX[e.label] for e in examples], dtype=np.int64)
    real_repeats = 1
    if real and variants:
        real_repeats = max(1, round(settings.real_share * len(variants) / len(real)))
    repeats = np.array([real_repeats] * len(real) + [1] * len(variants), dtype=np.int64)
    repeats[np.diff(matrix.indptr) == 0] = 0  # nothing to learn from a message without features
    weights, bias = fit(matrix, labels, repeats, settings, log=log)
    return IntentModel(weights.astype(np.float16), bias, ngram=NGRAM)


# ---------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------


def confusion(truth: Sequence[str], predicted: Sequence[str]) -> npt.NDArray[np.int64]:
    """Counts by (true label, predicted label), both in :data:`LABELS` order."""
    matrix = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    for t, p in zip(truth, predicted, strict=True):
        matrix[_INDEX[t], _INDEX[p]] += 1
    return matrix


def _accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / max(1, len(truth))


def _print_counts(title: str, examples: Sequence[Example]) -> None:
    counts = Counter(e.label for e in examples)
    print(f"{title}: {len(examples)}")
    for label in LABELS:
        print(f"  {label:<18} {counts.get(label, 0):>7}")


def _print_evaluation(
    name: str, examples: Sequence[Example], model: IntentModel, *, thresholds: bool = False
) -> None:
    truth = [e.label for e in examples]
    probabilities = np.array([model.probabilities(e.text) for e in examples])
    predicted = [LABELS[int(i)] for i in probabilities.argmax(axis=1)]
    print(f"{name} accuracy: {_accuracy(truth, predicted):.1%} ({len(examples)} rows)")
    matrix = confusion(truth, predicted)
    for i, label in enumerate(LABELS):
        row_total = int(matrix[i].sum())
        if row_total:
            print(f"  {label:<18} {matrix[i, i] / row_total:>6.1%} of {row_total}")
    stopping = {_INDEX["opt_out"], _INDEX["opt_out_marketing"], _INDEX["complaint"]}
    others = [i for i in range(len(LABELS)) if i not in stopping]
    negatives = int(matrix[others].sum())
    false_stops = int(matrix[np.ix_(others, sorted(stopping))].sum())
    print(
        f"  false opt-outs (opt_out, opt_out_marketing or complaint for another label): "
        f"{false_stops} of {negatives} ({false_stops / max(1, negatives):.1%})"
    )
    if thresholds:
        stop = probabilities[:, sorted(stopping)].sum(axis=1)
        is_stop = np.array([_INDEX[t] in stopping for t in truth])
        print("  P(opt_out + opt_out_marketing + complaint) >= t as the opt-out decision:")
        for t in (0.5, 0.6, 0.7, 0.8, 0.9):
            false = int((stop[~is_stop] >= t).sum())
            caught = int((stop[is_stop] >= t).sum())
            print(
                f"    t={t:.1f}: false opt-outs {false}/{int((~is_stop).sum())} "
                f"({false / max(1, int((~is_stop).sum())):.1%}), opt-out recall "
                f"{caught}/{int(is_stop.sum())} ({caught / max(1, int(is_stop.sum())):.1%})"
            )
    short = [label[:9] for label in LABELS]
    print(
        f"  confusion (rows: true, columns: predicted)\n  {'':<18}"
        + "".join(f"{s:>10}" for s in short)
    )
    for i, label in enumerate(LABELS):
        print(f"  {label:<18}" + "".join(f"{int(n):>10}" for n in matrix[i]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.intent.train", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variants", type=int, default=160_000)
    parser.add_argument("--epochs", type=int, default=Settings().epochs)
    parser.add_argument("--buckets", type=int, default=DEFAULT_BUCKETS)
    parser.add_argument("--real-share", type=float, default=Settings().real_share)
    args = parser.parse_args(argv)
    settings = Settings(
        buckets=args.buckets, epochs=args.epochs, seed=args.seed, real_share=args.real_share
    )
    began = time.perf_counter()

    real = read_rows(args.data, "train")
    variants = synthetic(args.variants, args.seed)
    _print_counts(f"real rows (split=train, {args.data.name})", real)
    _print_counts(f"synthetic variants (seed {args.seed})", variants)
    print(f"training on {len(real) + len(variants)} messages, {settings}")
    model = train(real, variants, settings, log=True)
    print(f"trained in {time.perf_counter() - began:.0f} s")

    _print_evaluation("training (real rows)", real, model)
    held_out = synthetic(max(HELD_OUT_MIN, args.variants // 40), args.seed + 1)
    _print_evaluation(f"synthetic held out (seed {args.seed + 1})", held_out, model)
    dev = read_rows(args.data, "dev")
    if dev:
        _print_evaluation("dev (information only, never fitted)", dev, model, thresholds=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    IntentModel.load(args.out)  # what was written reads back
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {model.buckets} buckets, "
        f"version {model.version})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
