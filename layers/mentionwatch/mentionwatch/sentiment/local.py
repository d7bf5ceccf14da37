"""The local analyzer: needs no AWS and no network. Everything it reads ships inside the package.

Two small logistic regressions trained offline by `bench/train_local_sentiment.py` and stored together in
`local_model.json` beside this module:

- sentiment (NEGATIVE / NEUTRAL / POSITIVE) over negation-marked word 1-2-grams, in-word character 2-4-grams,
  style flags (elongation, capitals, repeated !/?) and the four VADER scores, learnt from general tweets
  (SemEval 2013-2016) and airline tweets;
- sarcasm (0–1) over the same kind of features plus the sentiment probabilities, learnt from irony tweets.

Inference is pure Python: a dict look-up per feature, a few sums and a softmax; no numpy. The language is
detected locally when the platform gave none (`mentionwatch.sentiment.language`).

Two sets of probabilities: `score()` labels by the model as trained (balanced classes, so a rare complaint is
not drowned by chatter) and reports those scores, which the triage rules' thresholds are written against;
`probabilities()` gives calibrated ones (corrected for how common each class really is and temperature-scaled
on held-out predictions), for callers that compare or combine confidences, such as a hybrid analyzer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from mentionwatch.exceptions import ConfigurationError
from mentionwatch.models import Sentiment, SentimentResult, SentimentScores
from mentionwatch.sentiment.base import SentimentRequest
from mentionwatch.sentiment.features import clean_text, text_features
from mentionwatch.sentiment.language import detect_language

CLASSES = ("NEGATIVE", "NEUTRAL", "POSITIVE")
VADER_FEATURES = ("compound", "pos", "neg", "neu")
MODEL_FILE = "local_model.json"
# Both sides at least this likely ⇒ MIXED. Rare on short posts, as it should be.
MIXED_THRESHOLD = 0.35
# VADER's cost grows with the text; the model only needs the opening of a very long post.
VADER_MAX_CHARS = 1_000
# Words only English uses often: two of them in a plain-ASCII post settle its language without the detector.
_ENGLISH_MARKERS = frozenset(
    "the and you your is are was were my to for this that with have has it's i'm not but just what of".split()  # noqa: SIM905
)


@cache
def load_model(name: str = MODEL_FILE) -> dict[str, Any]:
    """The packaged weights, read once per process."""
    try:
        raw = resources.files("mentionwatch.sentiment").joinpath(name).read_text(encoding="utf-8")
        model: dict[str, Any] = json.loads(raw)
    except (OSError, ValueError) as err:
        raise ConfigurationError(f"local sentiment model {name!r} cannot be read: {err}") from err
    if tuple(model.get("classes", ())) != CLASSES:
        raise ConfigurationError(
            f"local sentiment model {name!r} has classes {model.get('classes')}, expected {list(CLASSES)}"
        )
    return model


def read_model_file(path: str | Path) -> dict[str, Any]:
    """Weights from a file of your own (same format as the packaged one, e.g. from the training script)."""
    try:
        model: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigurationError(f"local sentiment model {str(path)!r} cannot be read: {err}") from err
    if not isinstance(model, dict) or tuple(model.get("classes", ())) != CLASSES:
        raise ConfigurationError(f"local sentiment model {str(path)!r} is not a model with classes {list(CLASSES)}")
    return model


def _softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


# One row per feature: the three sentiment weights and the sarcasm weight (0 where a model lacks the feature).
_Table = dict[str, tuple[float, float, float, float]]


def _table(sentiment: dict[str, Any], sarcasm: dict[str, Any]) -> _Table:
    """Both models' weights for one block (words or characters) in one dict: one look-up per feature."""
    table: _Table = {}
    for feature, row in sentiment.items():
        table[feature] = (float(row[0]), float(row[1]), float(row[2]), float(sarcasm.get(feature, 0.0)))
    for feature, weight in sarcasm.items():
        if feature not in table:
            table[feature] = (0.0, 0.0, 0.0, float(weight))
    return table


def _sums(feats: set[str], table: _Table) -> tuple[float, float, float, float]:
    """Sum the known features' weights, scaled by 1/sqrt(how many features the text has).

    Most of a text's features (character n-grams above all) are not in the model: the set intersection and
    the column sums run inside the interpreter's C code, so only known features cost anything.
    """
    known = table.keys() & feats
    if not known:
        return 0.0, 0.0, 0.0, 0.0
    negative, neutral, positive, sarcasm = (sum(column) for column in zip(*map(table.__getitem__, known), strict=True))
    scale = 1.0 / math.sqrt(len(feats))
    return negative * scale, neutral * scale, positive * scale, sarcasm * scale


class _Read:
    """One text as the models see it: the feature sums of both models and VADER, computed once."""

    __slots__ = ("sums", "vader")

    def __init__(self, sums: tuple[float, float, float, float], vader: dict[str, float]) -> None:
        self.sums, self.vader = sums, vader


class LocalAnalyzer:
    name = "local"

    def __init__(self, model_file: str | Path | None = None, detect_languages: bool = True) -> None:
        self._model_file = model_file
        self._detect_languages = detect_languages

    @cached_property
    def _vader(self) -> Any:  # loaded on first use: keeps cold starts of functions that never score cheap
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    @cached_property
    def _model(self) -> dict[str, Any]:
        return load_model() if self._model_file is None else read_model_file(self._model_file)

    @cached_property
    def _tables(self) -> tuple[_Table, _Table]:
        """Word and character tables of both models, built once from the model file."""
        model = self._model
        irony = model.get("sarcasm") or {}
        return (
            _table(model.get("words") or model.get("weights") or {}, irony.get("words") or {}),
            _table(model.get("chars") or {}, irony.get("chars") or {}),
        )

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        return [self.score(request.text, request.language) for request in requests]

    def _read(self, text: str) -> _Read:
        vader = self._vader.polarity_scores(clean_text(text[: VADER_MAX_CHARS * 2])[:VADER_MAX_CHARS])
        words, chars = text_features(text)
        word_table, char_table = self._tables
        w, c = _sums(words, word_table), _sums(chars, char_table)
        return _Read((w[0] + c[0], w[1] + c[1], w[2] + c[2], w[3] + c[3]), vader)

    def _logits(self, seen: _Read) -> list[float]:
        model = self._model
        logits = [float(v) + seen.sums[k] for k, v in enumerate(model["intercept"])]
        for name, coef in model["vader"].items():
            value = seen.vader[name]
            for k in range(3):
                logits[k] += coef[k] * value
        return logits

    def _sarcasm(self, seen: _Read, balanced: list[float]) -> float:
        irony = self._model.get("sarcasm")
        if not irony:
            return 0.0
        z = float(irony["intercept"]) + seen.sums[3]
        z += sum(coef * seen.vader[name] for name, coef in irony["vader"].items())
        z += sum(irony["sentiment"].get(cls, 0.0) * p for cls, p in zip(CLASSES, balanced, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def balanced_probabilities(self, text: str) -> tuple[float, float, float]:
        """P(NEGATIVE), P(NEUTRAL), P(POSITIVE) as the model was trained (classes weighted equally)."""
        negative, neutral, positive = _softmax(self._logits(self._read(text)))
        return negative, neutral, positive

    def probabilities(self, text: str) -> tuple[float, float, float]:
        """Calibrated P(NEGATIVE), P(NEUTRAL), P(POSITIVE): how often such a score is right on held-out tweets."""
        logits = self._logits(self._read(text))
        calibration = self._model.get("calibration")
        if calibration:
            shift, temperature = calibration["log_prior_shift"], float(calibration["temperature"])
            logits = [(v + s) / temperature for v, s in zip(logits, shift, strict=True)]
        negative, neutral, positive = _softmax(logits)
        return negative, neutral, positive

    def sarcasm(self, text: str) -> float:
        """How likely the post is sarcastic or ironic, 0–1 (0 for a model file without a sarcasm part)."""
        seen = self._read(text)
        return self._sarcasm(seen, _softmax(self._logits(seen)))

    def language(self, text: str) -> str:
        """The post's language (ISO 639-1), or `und`: plain English is recognised without the detector."""
        words = text[:400].lower().split()
        if text.isascii() and len(_ENGLISH_MARKERS.intersection(words)) >= 2:
            return "en"
        return detect_language(text)

    def score(self, text: str, language: str | None = None) -> SentimentResult:
        seen = self._read(text)
        balanced = _softmax(self._logits(seen))
        negative, neutral, positive = balanced
        mixed = min(positive, negative)
        if mixed >= MIXED_THRESHOLD:
            label = Sentiment.MIXED
        elif negative >= positive and negative >= neutral:
            label = Sentiment.NEGATIVE
        elif positive >= neutral:
            label = Sentiment.POSITIVE
        else:
            label = Sentiment.NEUTRAL
        total = positive + negative + neutral + mixed
        if language is None and self._detect_languages:
            language = self.language(text)
        return SentimentResult(
            label=label,
            scores=SentimentScores(
                positive=round(positive / total, 4),
                negative=round(negative / total, 4),
                neutral=round(neutral / total, 4),
                mixed=round(mixed / total, 4),
            ),
            analyzer=self.name,
            language=language,
            sarcasm=round(self._sarcasm(seen, balanced), 4),
        )
