"""The local analyzer: needs no AWS and no network (VADER's lexicon ships inside the package)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

from mentionwatch.models import Sentiment, SentimentResult, SentimentScores
from mentionwatch.sentiment.base import SentimentRequest

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05


class LocalAnalyzer:
    name = "local"

    @cached_property
    def _vader(self):  # loaded on first use: keeps cold starts of functions that never score cheap
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        return SentimentIntensityAnalyzer()

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        return [self.score(request.text, request.language) for request in requests]

    def score(self, text: str, language: str | None = None) -> SentimentResult:
        polarity = self._vader.polarity_scores(text)
        compound = polarity["compound"]
        positive, negative, neutral = polarity["pos"], polarity["neg"], polarity["neu"]
        mixed = min(positive, negative) * 2  # both sides strongly present
        if mixed >= 0.3:
            label = Sentiment.MIXED
        elif compound >= POSITIVE_THRESHOLD:
            label = Sentiment.POSITIVE
        elif compound <= NEGATIVE_THRESHOLD:
            label = Sentiment.NEGATIVE
        else:
            label = Sentiment.NEUTRAL
        total = positive + negative + neutral + mixed or 1.0
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
