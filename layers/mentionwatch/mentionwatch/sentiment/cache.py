"""Pay Comprehend once per text: scores cached by a hash of the text (and its language) for a short while.

Reposts, quote-less retweets and copy-pasted complaints carry the same text under new mention ids; within the
cache's lifetime they reuse the first score. Only answers from the wrapped (paid) analyzer are cached: a fallback
score is cheap to recompute and may be worse than what the service says once it is back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Protocol

from aws_lambda_powertools import Logger

from mentionwatch.exceptions import AdapterError
from mentionwatch.models import SentimentResult
from mentionwatch.sentiment.base import SentimentAnalyzer, SentimentRequest

logger = Logger(child=True)


class ScoreStore(Protocol):
    def get_many(self, keys: Sequence[str]) -> dict[str, SentimentResult]: ...
    def put_many(self, scores: Mapping[str, SentimentResult]) -> None: ...


def text_key(request: SentimentRequest) -> str:
    """Stable across processes: the language (if any) and the exact text, hashed."""
    material = f"{(request.language or '').lower()}\x00{request.text}".encode()
    return hashlib.sha256(material).hexdigest()[:40]


class CachedAnalyzer:
    """Wraps a paid analyzer: cached scores first, the analyzer for the rest, new answers remembered."""

    def __init__(self, inner: SentimentAnalyzer, store: ScoreStore) -> None:
        self._inner = inner
        self._store = store
        self.name = inner.name
        self.hits = 0
        self.misses = 0

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        keys = [text_key(request) for request in requests]
        try:
            cached = self._store.get_many(list(dict.fromkeys(keys)))
        except AdapterError as err:  # the cache is an optimisation: without it, pay and carry on
            logger.warning("score cache unavailable", extra={"error": err.message})
            cached = {}
        missing: dict[str, SentimentRequest] = {}
        for key, request in zip(keys, requests, strict=True):
            if key not in cached:
                missing.setdefault(key, request)
        self.hits += len(requests) - sum(1 for key in keys if key not in cached)
        self.misses += len(missing)
        fresh = dict(zip(missing, self._inner.analyze(list(missing.values())), strict=True)) if missing else {}
        paid = {key: result for key, result in fresh.items() if result.analyzer == self._inner.name}
        if paid:
            try:
                self._store.put_many(paid)
            except AdapterError as err:
                logger.warning("scores not cached", extra={"error": err.message})
        return [cached[key] if key in cached else fresh[key] for key in keys]
