"""The local analyzer: needs no AWS and no network. Everything it reads ships inside the package.

A small multinomial logistic regression, trained offline by `bench/train_local_sentiment.py`, over
word unigrams and bigrams (presence, L2-normalised) plus four VADER scores. Inference is pure Python:
a dict look-up per token, three sums and a softmax. The weights live in `local_model.json` beside this
module. MIXED is called only when both positive and negative are likely; it is rare on short posts.
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
from mentionwatch.sentiment.features import clean_text, features

CLASSES = ("NEGATIVE", "NEUTRAL", "POSITIVE")
VADER_FEATURES = ("compound", "pos", "neg", "neu")
MODEL_FILE = "local_model.json"
# Both sides at least this likely ⇒ MIXED. Rare on short posts, as it should be.
MIXED_THRESHOLD = 0.35
# VADER's cost grows with the text; the model only needs the opening of a very long post.
VADER_MAX_CHARS = 1_000


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


class LocalAnalyzer:
    name = "local"

    def __init__(self, model_file: str | Path | None = None) -> None:
        self._model_file = model_file

    @cached_property
    def _vader(self) -> Any:  # loaded on first use: keeps cold starts of functions that never score cheap
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    @cached_property
    def _model(self) -> dict[str, Any]:
        return load_model() if self._model_file is None else read_model_file(self._model_file)

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        return [self.score(request.text, request.language) for request in requests]

    def probabilities(self, text: str) -> tuple[float, float, float]:
        """P(NEGATIVE), P(NEUTRAL), P(POSITIVE) for a text."""
        model = self._model
        weights: dict[str, list[float]] = model["weights"]
        logits = list(model["intercept"])
        present = [weights[f] for f in features(text) if f in weights]
        if present:
            scale = 1.0 / math.sqrt(len(present))
            for row in present:
                for k in range(3):
                    logits[k] += row[k] * scale
        polarity = self._vader.polarity_scores(clean_text(text[: VADER_MAX_CHARS * 2])[:VADER_MAX_CHARS])
        for name, coef in model["vader"].items():
            value = polarity[name]
            for k in range(3):
                logits[k] += coef[k] * value
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return exps[0] / total, exps[1] / total, exps[2] / total

    def score(self, text: str, language: str | None = None) -> SentimentResult:
        negative, neutral, positive = self.probabilities(text)
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
        )
