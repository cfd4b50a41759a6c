"""A small statistical intent model for the messages the rules leave undecided.

The rules (:mod:`bot.intent.rules`) decide what the lexicon covers exactly. Customers also
write what no phrase list covers: misspellings («отпищите»), look-alike digits ("st0p"),
the wrong keyboard layout ("jngbibnt"), long polite or legal requests, replies from the
wrong person. :class:`IntentModel` scores those: a linear softmax classifier over hashed
features of the folded text (:func:`bot.intent.text.fold`), trained by
:mod:`bot.intent.train` and shipped as ``bot/data/intent_model.npz``.

Features of ``fold(text)``, each hashed with :func:`zlib.crc32` (stable across processes
and platforms, unlike :func:`hash`) into ``buckets`` buckets:

- character n-grams (``n`` from ``ngram_min`` to ``ngram_max``) of every word padded
  with a space on both sides (" стоп " gives " с", "ст"... "оп "), so word starts and
  ends are features of their own;
- every word, and every pair of neighbouring words;
- every emoji or other symbol of the raw text (which folding turns into spaces: "🛑"
  alone is a request), and a question mark (questions are rarely requests).

Each kind hashes with its own prefix, so a word and an n-gram of the same letters are
different features by design. Values are binary presence, L2-normalised per message.

The module is pure: numpy, the standard library and :mod:`bot.intent.text`. Loading reads
one file; nothing else does I/O.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re
import zlib
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.intent.text import fold

__all__ = [
    "DEFAULT_MODEL_RESOURCE",
    "LABELS",
    "IntentModel",
    "default_model",
    "feature_hashes",
    "weights_digest",
]

LABELS: Final = ("none", "opt_out", "opt_out_marketing", "complaint", "opt_in", "help")
"""The model's classes, in the order of :meth:`IntentModel.probabilities`."""

DEFAULT_MODEL_RESOURCE: Final = "bot/data/intent_model.npz"

# crc32(prefix + data) == crc32(data, crc32(prefix)): each feature kind hashes as if its
# bytes were preceded by its own prefix, at no cost per feature.
_CHAR_SEED: Final = zlib.crc32(b"c\x00\x00\x00")
_WORD_SEED: Final = zlib.crc32(b"w\x00\x00\x00")
_PAIR_SEED: Final = zlib.crc32(b"p\x00\x00\x00")
_SYMBOL_SEED: Final = zlib.crc32(b"s\x00\x00\x00")
_QUESTION: Final = zlib.crc32(b"?\x00\x00\x00", zlib.crc32(b"q\x00\x00\x00"))
_SPACE: Final = " ".encode("utf-32-le")
# Emoji and other symbols: the code points folding would turn into spaces that carry
# meaning on their own (🛑, ⛔, 🚫, ✋, 👎...). Punctuation is left out.
_SYMBOL: Final = re.compile(
    "[\u2190-\u2bff\u2600-\u27bf\U0001f000-\U0001faff\u00a9\u00ae\u203c\u2049\u2122\u2139]"
)
_FILE_KEYS: Final = ("weights", "bias", "labels", "buckets", "ngram", "version")


@functools.lru_cache(maxsize=1 << 14)
def _word_hashes(word: str, ngram_min: int, ngram_max: int) -> tuple[int, ...]:
    """The character n-gram hashes of one folded word and the word's own hash.

    Words are encoded as UTF-32 so that a slice of 4·n bytes is exactly n characters.
    Cached: replies reuse a small vocabulary, and a word costs one lookup after that.
    """
    padded = (" " + word + " ").encode("utf-32-le")
    length = len(padded) // 4
    crc = zlib.crc32
    out = [crc(padded[4:-4], _WORD_SEED)]
    for n in range(ngram_min, min(ngram_max, length) + 1):
        width = 4 * n
        out.extend(
            crc(padded[i : i + width], _CHAR_SEED) for i in range(0, 4 * length - width + 4, 4)
        )
    return tuple(out)


def feature_hashes(
    text: str, ngram_min: int = 2, ngram_max: int = 5, folded: str | None = None
) -> list[int]:
    """The unbucketed 32-bit hashes of every feature of ``text`` (with repeats);
    ``folded`` is ``fold(text)`` when the caller has it already."""
    if folded is None:
        folded = fold(text)
    out: list[int] = []
    if folded:
        words = folded.split(" ")
        for word in words:
            out.extend(_word_hashes(word, ngram_min, ngram_max))
        out.extend(_pair_hashes(words))
    out.extend(_text_hashes(text))
    return out


def _pair_hashes(words: list[str]) -> list[int]:
    """The hash of each pair of neighbouring words."""
    crc = zlib.crc32
    encoded = [word.encode("utf-32-le") for word in words]
    return [
        crc(encoded[i + 1], crc(_SPACE, crc(encoded[i], _PAIR_SEED))) for i in range(len(words) - 1)
    ]


def _text_hashes(text: str) -> list[int]:
    """Features of the raw text that folding removes: symbols and emoji, a question mark."""
    out: list[int] = []
    if not text.isascii():
        out.extend(zlib.crc32(s.encode("utf-32-le"), _SYMBOL_SEED) for s in _SYMBOL.findall(text))
    if "?" in text or "¿" in text or "؟" in text:
        out.append(_QUESTION)
    return out


@functools.lru_cache(maxsize=1 << 15)
def _word_buckets(word: str, ngram_min: int, ngram_max: int, buckets: int) -> frozenset[int]:
    """The buckets of one folded word's features (see :func:`_word_hashes`)."""
    return frozenset(h % buckets for h in _word_hashes(word, ngram_min, ngram_max))


def weights_digest(
    weights: npt.NDArray[np.float16],
    bias: npt.NDArray[np.float32],
    labels: tuple[str, ...],
    ngram: tuple[int, int],
) -> str:
    """The model's ``version``: a digest of everything that decides its outputs."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(weights, dtype="<f2").tobytes())
    digest.update(np.ascontiguousarray(bias, dtype="<f4").tobytes())
    digest.update("\x00".join(labels).encode("utf-8"))
    digest.update(f"{weights.shape[0]}:{ngram[0]}:{ngram[1]}".encode())
    return digest.hexdigest()[:16]


class IntentModel:
    """A trained model: :meth:`probabilities` of :data:`LABELS` for a message's text.

    Immutable after construction and safe to share between threads.
    """

    __slots__ = ("_bias", "_weights", "buckets", "labels", "ngram", "version")

    def __init__(
        self,
        weights: npt.NDArray[np.float16],
        bias: npt.NDArray[np.float32],
        *,
        labels: tuple[str, ...] = LABELS,
        ngram: tuple[int, int] = (2, 5),
    ) -> None:
        if weights.ndim != 2 or weights.shape[1] != len(labels) or weights.shape[0] < 1:
            raise ValueError(f"weights of shape {weights.shape} do not fit {len(labels)} labels")
        if bias.shape != (len(labels),):
            raise ValueError(f"bias of shape {bias.shape} does not fit {len(labels)} labels")
        if not 1 <= ngram[0] <= ngram[1] <= 16:
            raise ValueError(f"n-gram range {ngram} is not 1 <= min <= max <= 16")
        stored = np.asarray(weights, dtype=np.float16)
        self.labels: tuple[str, ...] = labels
        self.ngram: tuple[int, int] = ngram
        self.buckets: int = int(weights.shape[0])
        self.version: str = weights_digest(stored, bias, labels, ngram)
        self._weights: npt.NDArray[np.float32] = stored.astype(np.float32)
        self._bias: npt.NDArray[np.float64] = np.asarray(bias, dtype=np.float64)
        if not (np.isfinite(self._weights).all() and np.isfinite(self._bias).all()):
            raise ValueError("weights or bias are not finite")

    @property
    def weights(self) -> npt.NDArray[np.float16]:
        """The weights as stored (float16), one row per bucket, one column per label."""
        return self._weights.astype(np.float16)

    @property
    def bias(self) -> npt.NDArray[np.float32]:
        return self._bias.astype(np.float32)

    # -- loading and saving ------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None) -> IntentModel:
        """Read a model file (default: the shipped ``bot/data/intent_model.npz``).

        Raises :class:`ValueError` naming the file when it is not a model file of this
        shape or its ``version`` does not match its weights; :class:`OSError` when it
        cannot be read.
        """
        if path is None:
            name = DEFAULT_MODEL_RESOURCE
            data = (resources.files("bot") / "data" / "intent_model.npz").read_bytes()
        else:
            name = str(path)
            data = path.read_bytes()
        try:
            return cls._parse(data)
        except Exception as error:  # zipfile, numpy and shape errors alike
            raise ValueError(f"intent model {name}: {error}") from error

    @classmethod
    def _parse(cls, data: bytes) -> IntentModel:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            missing = [key for key in _FILE_KEYS if key not in archive.files]
            if missing:
                raise ValueError(f"not an intent model file (missing {', '.join(missing)})")
            weights = archive["weights"]
            bias = archive["bias"]
            labels = tuple(str(label) for label in archive["labels"].tolist())
            buckets = int(archive["buckets"])
            ngram_array = archive["ngram"]
            version = str(archive["version"])
        if weights.dtype != np.float16:
            raise ValueError(f"weights must be float16, not {weights.dtype}")
        if labels != LABELS:
            raise ValueError(f"labels {labels} are not {LABELS}")
        if weights.ndim != 2 or weights.shape[0] != buckets:
            raise ValueError(f"weights of shape {weights.shape} do not have {buckets} rows")
        if ngram_array.shape != (2,):
            raise ValueError(f"n-gram range must be two numbers, not {ngram_array.tolist()}")
        ngram = (int(ngram_array[0]), int(ngram_array[1]))
        model = cls(weights, np.asarray(bias, dtype=np.float32), labels=labels, ngram=ngram)
        if model.version != version:
            raise ValueError(f"version {version} does not match the weights ({model.version})")
        return model

    def save(self, path: Path) -> None:
        """Write the model as a compressed ``.npz`` that :meth:`load` reads back."""
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                weights=self.weights,
                bias=self.bias,
                labels=np.array(self.labels),
                buckets=np.array(self.buckets, dtype=np.int64),
                ngram=np.array(self.ngram, dtype=np.int64),
                version=np.array(self.version),
            )

    # -- prediction --------------------------------------------------------------------

    def features(self, text: str, folded: str | None = None) -> npt.NDArray[np.intp]:
        """The sorted, distinct bucket ids of ``text``'s features."""
        ids = self._ids(text, folded)
        ids.sort()
        return ids

    def _ids(self, text: str, folded: str | None) -> npt.NDArray[np.intp]:
        """The distinct bucket ids, in no particular order (the sum does not need one).

        The same as the buckets of :func:`feature_hashes`, with each word's buckets
        remembered (most of a message's features are its words' n-grams, and words recur)."""
        buckets = self.buckets
        if folded is None:
            folded = fold(text)
        lo, hi = self.ngram
        distinct: set[int] = set()
        if folded:
            words = folded.split(" ")
            for word in words:
                distinct.update(_word_buckets(word, lo, hi, buckets))
            distinct.update(h % buckets for h in _pair_hashes(words))
        distinct.update(h % buckets for h in _text_hashes(text))
        return np.fromiter(distinct, dtype=np.intp, count=len(distinct))

    def logits(self, text: str, folded: str | None = None) -> npt.NDArray[np.float64]:
        """Unnormalised scores, in :attr:`labels` order."""
        ids = self._ids(text, folded)
        if ids.size == 0:
            return self._bias.copy()
        summed = self._weights.take(ids, axis=0).sum(axis=0).astype(np.float64)
        scores: npt.NDArray[np.float64] = summed * (1.0 / math.sqrt(ids.size)) + self._bias
        return scores

    def probabilities(self, text: str, folded: str | None = None) -> tuple[float, ...]:
        """The probability of each label (in :data:`LABELS` order) for the raw ``text``
        (``folded``: its fold, when the caller has it)."""
        scores: list[float] = self.logits(text, folded).tolist()
        top = max(scores)
        exp = [math.exp(score - top) for score in scores]
        total = sum(exp)
        return tuple(value / total for value in exp)

    def predict(self, text: str) -> tuple[str, float]:
        """The most probable label and its probability."""
        probabilities = self.probabilities(text)
        best = max(range(len(probabilities)), key=probabilities.__getitem__)
        return self.labels[best], probabilities[best]


@functools.cache
def default_model() -> IntentModel:
    """The model shipped in ``bot/data/intent_model.npz`` (loaded once, on first use)."""
    return IntentModel.load()
