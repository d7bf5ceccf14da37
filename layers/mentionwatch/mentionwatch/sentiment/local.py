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
from mentionwatch.sentiment.features import char_features, clean_text, word_features
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


def _add(logits: list[float], feats: set[str], weights: dict[str, Any]) -> None:
    """Add each known feature's weights, scaled by 1/sqrt(how many features the text has)."""
    if not feats:
        return
    scale = 1.0 / math.sqrt(len(feats))
    n = len(logits)
    for f in feats:
        row = weights.get(f)
        if row is None:
            continue
        if n == 1:
            logits[0] += row * scale
        else:
            for k in range(n):
                logits[k] += row[k] * scale


class _Read:
    """One text as the models see it: computed once, used by both models."""

    __slots__ = ("words", "chars", "vader")

    def __init__(self, words: set[str], chars: set[str], vader: dict[str, float]) -> None:
        self.words, self.chars, self.vader = words, chars, vader


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

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        return [self.score(request.text, request.language) for request in requests]

    def _read(self, text: str) -> _Read:
        vader = self._vader.polarity_scores(clean_text(text[: VADER_MAX_CHARS * 2])[:VADER_MAX_CHARS])
        return _Read(word_features(text), char_features(text), vader)

    def _logits(self, seen: _Read) -> list[float]:
        model = self._model
        logits = [float(v) for v in model["intercept"]]
        _add(logits, seen.words, model.get("words") or model.get("weights") or {})
        _add(logits, seen.chars, model.get("chars") or {})
        for name, coef in model["vader"].items():
            value = seen.vader[name]
            for k in range(3):
                logits[k] += coef[k] * value
        return logits

    def _sarcasm(self, seen: _Read, balanced: list[float]) -> float:
        irony = self._model.get("sarcasm")
        if not irony:
            return 0.0
        logit = [float(irony["intercept"])]
        _add(logit, seen.words, irony["words"])
        _add(logit, seen.chars, irony["chars"])
        z = logit[0]
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
