"""Amazon Comprehend adapter: batched, grouped by language, bounded in size, and never the reason a mention is lost.

- `BatchDetectSentiment` takes at most 25 documents of at most 5,000 UTF-8 bytes, all in one language.
- Only languages Comprehend scores are sent; `BatchDetectDominantLanguage` runs only for texts whose platform
  gave no language.
- Whatever Comprehend cannot score (an unsupported language, an item error, a call that fails after the SDK's
  own retries) is scored by the fallback analyzer, and each result records which analyzer scored it.
- Documents that fell back because a call failed are counted, by default in the EMF metric `ComprehendFallbacks`
  (the handler's `log_metrics` flushes it; an alarm watches it). With `fallback_when_unavailable=False` (the CLI
  without `--fallback local`) a failed call raises `SentimentUnavailable` instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from mentionwatch.exceptions import SentimentUnavailable
from mentionwatch.models import Sentiment, SentimentResult, SentimentScores
from mentionwatch.sentiment.base import SentimentAnalyzer, SentimentRequest
from mentionwatch.text import truncate_utf8

logger = Logger(child=True)
# Powertools Metrics instances share one metric set per namespace: the handler's `log_metrics` flushes this too.
metrics = Metrics()
FALLBACK_METRIC = "ComprehendFallbacks"

MAX_BATCH = 25
MAX_DOCUMENT_BYTES = 5_000
# Languages BatchDetectSentiment accepts (Comprehend developer guide, "Supported languages").
SENTIMENT_LANGUAGES = frozenset({"ar", "hi", "ko", "zh-tw", "ja", "zh", "de", "pt", "en", "it", "fr", "es"})
MIN_LANGUAGE_CONFIDENCE = 0.5


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def comprehend_language(code: str | None) -> str | None:
    """Map a platform's language tag (`en-GB`, `zh-Hant`, `pt_BR`) onto a code Comprehend scores, or None."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    if code in ("zh-tw", "zh-hant", "zh-hk"):
        return "zh-TW"
    base = code.split("-", 1)[0]
    return base if base in SENTIMENT_LANGUAGES else None


def emit_fallback_metric(documents: int) -> None:
    metrics.add_metric(name=FALLBACK_METRIC, unit=MetricUnit.Count, value=documents)


class ComprehendAnalyzer:
    name = "comprehend"

    def __init__(
        self,
        client: Any,
        fallback: SentimentAnalyzer,
        *,
        fallback_when_unavailable: bool = True,
        count_fallbacks: Callable[[int], None] = emit_fallback_metric,
    ) -> None:
        self._client = client
        self._fallback = fallback
        # False: a failed call raises SentimentUnavailable (the fallback still scores unsupported languages).
        self._fallback_when_unavailable = fallback_when_unavailable
        # Told how many documents a failed call left to the fallback (the CLI counts them itself: an EMF line
        # printed to its stdout would corrupt its output).
        self._count_fallbacks = count_fallbacks

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        results: list[SentimentResult | None] = [None] * len(requests)
        texts = [truncate_utf8(request.text, MAX_DOCUMENT_BYTES) for request in requests]
        languages = self._languages(requests, texts)

        by_language: dict[str, list[int]] = defaultdict(list)
        for index, language in enumerate(languages):
            # Comprehend rejects empty documents; they carry no sentiment worth paying for anyway.
            if language is not None and texts[index].strip():
                by_language[language].append(index)

        # One failed call (after the SDK's retries) means Comprehend is down or throttled hard: the rest of the
        # batch goes to the fallback at once instead of waiting out more timeouts before Lambda's own.
        available = True
        unavailable = 0  # documents left to the fallback because a call failed
        for language, indexes in by_language.items():
            for chunk in _chunks(indexes, MAX_BATCH):
                available = available and self._score_chunk(language, chunk, texts, results)
                unavailable += 0 if available else len(chunk)
        if unavailable:
            self._count_fallbacks(unavailable)

        unscored = [index for index, result in enumerate(results) if result is None]
        if unscored:
            fallback_results = self._fallback.analyze([requests[index] for index in unscored])
            for index, result in zip(unscored, fallback_results, strict=True):
                results[index] = result
        return [result for result in results if result is not None]

    def _languages(self, requests: Sequence[SentimentRequest], texts: list[str]) -> list[str | None]:
        languages: list[str | None] = [None] * len(requests)
        undetermined: list[int] = []
        for index, request in enumerate(requests):
            if request.language:
                languages[index] = comprehend_language(request.language)
            elif texts[index].strip():
                undetermined.append(index)
        for chunk in _chunks(undetermined, MAX_BATCH):
            try:
                response = self._client.batch_detect_dominant_language(TextList=[texts[i] for i in chunk])
            except (ClientError, BotoCoreError) as err:
                self._unavailable("language detection", err)
                logger.warning("language detection failed; those texts are scored locally", extra={"error": str(err)})
                self._count_fallbacks(len(chunk))
                continue
            for item in response.get("ResultList", []):
                detected = max(item.get("Languages", []), key=lambda lang: lang["Score"], default=None)
                if detected and detected["Score"] >= MIN_LANGUAGE_CONFIDENCE:
                    languages[chunk[item["Index"]]] = comprehend_language(detected["LanguageCode"])
        return languages

    def _score_chunk(
        self, language: str, chunk: Sequence[int], texts: list[str], results: list[SentimentResult | None]
    ) -> bool:
        """Fill in what Comprehend scored; False when the call itself failed."""
        try:
            response = self._client.batch_detect_sentiment(TextList=[texts[i] for i in chunk], LanguageCode=language)
        except (ClientError, BotoCoreError) as err:
            self._unavailable("sentiment", err)
            # The SDK has already retried throttling and 5xx; the fallback keeps the batch moving.
            logger.warning(
                "Comprehend unavailable; scoring locally",
                extra={"error": str(err), "documents": len(chunk), "language": language},
            )
            return False
        for item in response.get("ResultList", []):
            scores = item["SentimentScore"]
            results[chunk[item["Index"]]] = SentimentResult(
                label=Sentiment(item["Sentiment"]),
                scores=SentimentScores(
                    positive=scores["Positive"],
                    negative=scores["Negative"],
                    neutral=scores["Neutral"],
                    mixed=scores["Mixed"],
                ),
                analyzer=self.name,
                language=language,
            )
        for error in response.get("ErrorList", []):
            logger.warning("Comprehend could not score a document", extra={"error_code": error.get("ErrorCode")})
        return True

    def _unavailable(self, call: str, err: Exception) -> None:
        """Raise instead of falling back when the caller asked for Comprehend or nothing."""
        if not self._fallback_when_unavailable:
            message = " ".join(str(err).split())  # one line, whatever the SDK's message holds
            raise SentimentUnavailable(f"Comprehend did not answer ({call}): {message}") from err
