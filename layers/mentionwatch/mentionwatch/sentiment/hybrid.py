"""Local-first sentiment (`MENTIONWATCH_ANALYZER=hybrid`): the local analyzer scores every mention and only the
ones it cannot be trusted with go to Comprehend, which bills at least 3 units for every document.

A mention goes to Comprehend when
- the local analyzer is unsure: its top probability is below `threshold` (chosen on held-out labelled data by
  `bench/hybrid_bench.py`; the README's performance section shows the trade-off);
- it is in a language the local analyzer was not trained on and Comprehend scores (others stay local: nothing
  better is available);
- it is high-stakes: an author with a large reach, or safety, legal or regulator words, where a wrong label costs
  more than a Comprehend call.

Identical texts are scored once per batch. Whatever Comprehend does not answer (an outage, throttling) keeps the
local result, so a failure costs accuracy on that share, never a mention. A text whose language nobody gave is
only sent with the language the local detector is sure of, so Comprehend's language detection is never billed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aws_lambda_powertools import Logger

from mentionwatch.models import SentimentResult
from mentionwatch.sentiment.base import SentimentAnalyzer, SentimentRequest
from mentionwatch.sentiment.language import UNDETERMINED

logger = Logger(child=True)

# Chosen on held-out data (bench/hybrid_bench.py): below it, the local analyzer's accuracy falls under Comprehend's.
DEFAULT_THRESHOLD = 0.59
DEFAULT_REACH = 50_000  # followers: a post that many people see is worth a second opinion
LOCAL_LANGUAGES = frozenset({"en"})
# Languages Comprehend's BatchDetectSentiment scores (kept in step with sentiment/comprehend.py).
REMOTE_LANGUAGES = frozenset({"ar", "hi", "ko", "zh-tw", "ja", "zh", "de", "pt", "en", "it", "fr", "es"})
# Stems of words where a wrong sentiment label is expensive: safety, legal action, regulators.
HIGH_STAKES = re.compile(
    r"\b(fire|smok\w*|burn\w*|explod\w*|injur\w*|hospital\w*|poison\w*|choking|overheat\w*|melt\w*|electrocut\w*|"
    r"lawsuit|sue|suing|sued|court|lawyer\w*|solicitor\w*|attorney\w*|legal|ombudsman|regulator\w*|"
    r"fraud\w*|scam\w*|hack\w*|leak\w*|breach\w*|discriminat\w*|racis\w*|dangerous|recall\w*)\b",
    re.IGNORECASE,
)

SURE_LANGUAGE = 0.8  # a detector's confidence from which its answer is taken as the language
LanguageDetector = Callable[[str], "tuple[str, float] | None"]


@dataclass
class RoutingStats:
    """What the hybrid did with the requests it saw (a bench and the process function's metrics read it)."""

    requests: int = 0
    unique_texts: int = 0
    sent: int = 0
    remote_failures: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def _script_language(text: str) -> str | None:
    """A cheap, sure answer for texts written mostly in a non-Latin script; None when letters are Latin."""
    counts: dict[str, int] = {}
    letters = 0
    for char in text:
        if not char.isalpha():
            continue
        letters += 1
        name = unicodedata.name(char, "")
        for prefix, code in (
            ("HIRAGANA", "ja"),
            ("KATAKANA", "ja"),
            ("HANGUL", "ko"),
            ("CJK", "zh"),
            ("ARABIC", "ar"),
            ("DEVANAGARI", "hi"),
            ("CYRILLIC", "ru"),
            ("GREEK", "el"),
            ("HEBREW", "he"),
            ("THAI", "th"),
        ):
            if name.startswith(prefix):
                counts[code] = counts.get(code, 0) + 1
                break
    if not letters or not counts:
        return None
    code, count = max(counts.items(), key=lambda pair: pair[1])
    if count * 2 < letters:
        return None
    if counts.get("ja"):  # kana anywhere means Japanese even when kanji dominate
        return "ja"
    return code


class HybridAnalyzer:
    name = "hybrid"

    def __init__(
        self,
        local: SentimentAnalyzer,
        remote: SentimentAnalyzer,
        threshold: float = DEFAULT_THRESHOLD,
        reach: int = DEFAULT_REACH,
        detect_language: LanguageDetector | None = None,
        local_languages: frozenset[str] = LOCAL_LANGUAGES,
        min_language_confidence: float = SURE_LANGUAGE,
    ) -> None:
        self._local = local
        self._remote = remote
        self.threshold = threshold
        self._reach = reach
        self._detect = detect_language
        self._local_languages = local_languages
        self._min_language_confidence = min_language_confidence
        self.stats = RoutingStats()

    def language_of(self, request: SentimentRequest, local_result: SentimentResult | None = None) -> str | None:
        """The request's language as a lower-case base code, or the local detector's sure guess, or None."""
        if request.language:
            return _base_code(request.language)
        by_script = _script_language(request.text)
        if by_script:
            return by_script
        if local_result is not None and local_result.language:
            # The local analyzer detected it while scoring (its detector's own confidence bar): not asked twice.
            return None if local_result.language == UNDETERMINED else _base_code(local_result.language)
        if self._detect is not None:
            guess = self._detect(request.text)
            if guess is not None and guess[1] >= self._min_language_confidence:
                return guess[0].lower().split("-", 1)[0]
            return None
        return "en"  # Latin script and no detector: the local model's own language is the best guess

    def route(self, request: SentimentRequest, local_result: SentimentResult) -> str | None:
        """Why this request goes to Comprehend (`language`, `high_stakes`, `unsure`), or None to keep it local."""
        language = self.language_of(request, local_result)
        if language is not None and language not in self._local_languages:
            return "language" if language in REMOTE_LANGUAGES else None
        if (request.followers or 0) >= self._reach or HIGH_STAKES.search(request.text):
            return "high_stakes"
        if confidence(local_result) < self.threshold:
            return "unsure"
        return None

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        # One request per distinct text; the widest reach among its copies decides whether it is high-stakes.
        first: dict[tuple[str, str | None], SentimentRequest] = {}
        reach: dict[tuple[str, str | None], int] = {}
        for request in requests:
            key = (request.text, request.language)
            first.setdefault(key, request)
            reach[key] = max(reach.get(key, 0), request.followers or 0)
        keys = list(first)
        distinct = [first[key].model_copy(update={"followers": reach[key]}) for key in keys]
        results = self._local.analyze(distinct)

        remote_indexes: list[int] = []
        remote_requests: list[SentimentRequest] = []
        for index, (request, result) in enumerate(zip(distinct, results, strict=True)):
            reason = self.route(request, result)
            if reason is None:
                continue
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
            remote_indexes.append(index)
            # Never leave the language out: Comprehend would bill a language detection for it.
            language = self.language_of(request, result) or "en"
            remote_requests.append(request.model_copy(update={"language": language}))

        if remote_requests:
            try:
                answered = self._remote.analyze(remote_requests)
            except Exception as err:  # noqa: BLE001 - any failure keeps the local scores; nothing is lost
                logger.warning("Comprehend unavailable; keeping local scores", extra={"error": str(err)})
                self.stats.remote_failures += len(remote_requests)
                answered = []
            for index, remote in zip(remote_indexes, answered, strict=False):
                if remote.analyzer == self._local.name:
                    self.stats.remote_failures += 1  # the remote fell back itself: keep our own local score
                    continue
                results[index] = remote

        self.stats.requests += len(requests)
        self.stats.unique_texts += len(distinct)
        self.stats.sent += len(remote_requests)
        by_key = dict(zip(keys, results, strict=True))
        return [by_key[(request.text, request.language)] for request in requests]


def _base_code(language: str) -> str:
    code = language.lower().replace("_", "-")
    return code if code in ("zh-tw", "zh-hant", "zh-hk") else code.split("-", 1)[0]


def confidence(result: SentimentResult) -> float:
    scores = result.scores
    return max(scores.positive, scores.negative, scores.neutral, scores.mixed)


class LanguageFilling:
    """Wraps Comprehend for `MENTIONWATCH_ANALYZER=comprehend`: a text whose language the platform left out but
    the local detector (or its script) is sure of is sent with that language, so no detection call is billed."""

    def __init__(self, inner: SentimentAnalyzer, detect_language: LanguageDetector | None = None) -> None:
        self._inner = inner
        self._detect = detect_language
        self.name = inner.name

    def language_of(self, text: str) -> str | None:
        by_script = _script_language(text)
        if by_script or self._detect is None:
            return by_script
        guess = self._detect(text)
        return guess[0].lower().split("-", 1)[0] if guess is not None and guess[1] >= SURE_LANGUAGE else None

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        filled = [
            request if request.language else request.model_copy(update={"language": self.language_of(request.text)})
            for request in requests
        ]
        return self._inner.analyze(filled)
