"""The local analyzer: needs no AWS and no network. Everything it reads ships inside the package.

Two small logistic regressions trained offline by `bench/train_local_sentiment.py` and stored together in
`local_model.json` beside this module:

- sentiment (NEGATIVE / NEUTRAL / POSITIVE) over negation-marked word 1-2-grams, in-word character 2-4-grams,
  style flags (elongation, capitals, repeated !/?) and the four VADER scores, learnt from general tweets
  (SemEval 2013-2016) and airline tweets;
- sarcasm (0–1) over the same kind of features plus the sentiment probabilities, learnt from irony tweets.

Inference is pure Python: a dict look-up per word feature, a few sums and a softmax; no numpy. Character
n-grams are counted per distinct word, so each word's share of both models' sums is worked out once per
process and reused (a post's words are mostly words seen before). The language is detected locally when the
platform gave none (`mentionwatch.sentiment.language`).

Two sets of probabilities: `score()` labels by the model as trained (balanced classes, so a rare complaint is
not drowned by chatter) and reports those scores, which the triage rules' thresholds are written against;
`probabilities()` gives calibrated ones (corrected for how common each class really is and temperature-scaled
on held-out predictions), for callers that compare or combine confidences, such as a hybrid analyzer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from mentionwatch.exceptions import ConfigurationError
from mentionwatch.models import Sentiment, SentimentResult, SentimentScores
from mentionwatch.sentiment.base import SentimentRequest
from mentionwatch.sentiment.features import (
    MAX_CHARS,
    NEGATIVE_EMOJI,
    POSITIVE_EMOJI,
    char_grams,
    clean_text,
    read_cleaned,
)
from mentionwatch.sentiment.language import MIN_CONFIDENCE, UNDETERMINED, detect_language_scored

CLASSES = ("NEGATIVE", "NEUTRAL", "POSITIVE")
VADER_FEATURES = ("compound", "pos", "neg", "neu")
MODEL_FILE = "local_model.json"
# Both sides at least this likely ⇒ MIXED. Rare on short posts, as it should be.
MIXED_THRESHOLD = 0.35
# VADER's cost grows with the text; the model only needs the opening of a very long post.
VADER_MAX_CHARS = 1_000
# Added to the logit of the side a wordless post's emoji lean to: one-sided emoji make that side about 9 in 10.
EMOJI_ONLY_WEIGHT = 4.0
# Words whose character-n-gram sums are kept; past this the memo starts again (a few MB at most).
SPELLING_MEMO_WORDS = 50_000
# Words only English uses often: two of them in a plain-ASCII post settle its language without the detector.
_ENGLISH_MARKERS = frozenset(
    "the and you your is are was were my to for this that with have has it's i'm not but just what of will from"  # noqa: SIM905
    " about they would been don't can't i'll".split()
)
# A letter outside ASCII (é, ß, ñ, Cyrillic…): such a post goes to the detector. Curly quotes, dashes and emoji
# are not letters, so "I’m" or "…" in an English post does not.
_NON_ASCII_LETTER = re.compile(r"[^\W\d_a-zA-Z]")


def load_model(name: str = MODEL_FILE) -> dict[str, Any]:
    """The packaged weights as stored (the analyzer keeps only their compiled form: see `_packaged`)."""
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


# A word's share of the character block: the four weight sums of its known n-grams, and how many n-grams it has.
_Spelling = tuple[float, float, float, float, int]


def _spelling(word: str, table: _Table) -> _Spelling:
    grams = char_grams(word)
    known = table.keys() & grams
    if not known:
        return 0.0, 0.0, 0.0, 0.0, len(grams)
    negative, neutral, positive, sarcasm = (sum(column) for column in zip(*map(table.__getitem__, known), strict=True))
    return negative, neutral, positive, sarcasm, len(grams)


# What the analyzer keeps of a model file: the small parts as read (intercepts, VADER coefficients, the sarcasm
# head, calibration) and the word and character tables of both models.
_Compiled = tuple[dict[str, Any], _Table, _Table]
_BLOCKS = ("words", "weights", "chars")


def _compile(model: dict[str, Any]) -> _Compiled:
    """The tables replace the per-feature lists of the JSON, which are dropped: a table of float tuples is not
    tracked by the garbage collector, tens of thousands of lists are (and every full collection walks them)."""
    irony = model.get("sarcasm") or {}
    words = _table(model.get("words") or model.get("weights") or {}, irony.get("words") or {})
    chars = _table(model.get("chars") or {}, irony.get("chars") or {})
    head = {key: value for key, value in model.items() if key not in (*_BLOCKS, "sarcasm")}
    if irony:
        head["sarcasm"] = {key: value for key, value in irony.items() if key not in _BLOCKS}
    return head, words, chars


@cache
def _packaged() -> _Compiled:
    """The packaged model, compiled once per process and shared by every analyzer."""
    return _compile(load_model())


class _Read:
    """One text as the models see it: the feature sums of both models, VADER, and for a post without words, which
    way its emoji lean (-1 all negative … +1 all positive), computed once."""

    __slots__ = ("emoji_lean", "sums", "vader")

    def __init__(self, sums: tuple[float, float, float, float], vader: dict[str, float], emoji_lean: float) -> None:
        self.sums, self.vader, self.emoji_lean = sums, vader, emoji_lean


def _emoji_lean(cleaned: str) -> float:
    """How the plain-feeling emoji of a post lean: +1 all positive, -1 all negative, 0 none or balanced."""
    positive = sum(1 for ch in cleaned if ch in POSITIVE_EMOJI)
    negative = sum(1 for ch in cleaned if ch in NEGATIVE_EMOJI)
    return (positive - negative) / (positive + negative) if positive + negative else 0.0


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
    def _compiled(self) -> _Compiled:
        return _packaged() if self._model_file is None else _compile(read_model_file(self._model_file))

    @property
    def _model(self) -> dict[str, Any]:
        """The model's small parts: intercepts, VADER coefficients, the sarcasm head, calibration."""
        return self._compiled[0]

    @property
    def _tables(self) -> tuple[_Table, _Table]:
        """Word and character tables of both models."""
        return self._compiled[1], self._compiled[2]

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        return [self.score(request.text, request.language) for request in requests]

    @cached_property
    def _spellings(self) -> dict[str, _Spelling]:
        return {}

    def _char_sums(self, spelled: set[str]) -> tuple[float, float, float, float]:
        """The character block's sums: each distinct word's n-grams, counted per word, scaled by 1/sqrt(total)."""
        memo, table = self._spellings, self._tables[1]
        if len(memo) > SPELLING_MEMO_WORDS:
            memo.clear()
        negative = neutral = positive = sarcasm = 0.0
        grams = 0
        for word in spelled:
            row = memo.get(word)
            if row is None:
                row = memo[word] = _spelling(word, table)
            negative += row[0]
            neutral += row[1]
            positive += row[2]
            sarcasm += row[3]
            grams += row[4]
        if not grams:
            return 0.0, 0.0, 0.0, 0.0
        scale = 1.0 / math.sqrt(grams)
        return negative * scale, neutral * scale, positive * scale, sarcasm * scale

    def _read(self, text: str) -> _Read:
        cleaned = clean_text(text[:MAX_CHARS])
        vader = self._vader.polarity_scores(cleaned[:VADER_MAX_CHARS])
        words, spelled = read_cleaned(cleaned)
        w, c = _sums(words, self._tables[0]), self._char_sums(spelled)
        # No word of two letters or more: the models learnt from posts with words (the general tweets have no emoji
        # at all) and read "😡😡😡" as chatter, so the post's emoji decide.
        lean = 0.0 if spelled else _emoji_lean(cleaned)
        return _Read((w[0] + c[0], w[1] + c[1], w[2] + c[2], w[3] + c[3]), vader, lean)

    def _logits(self, seen: _Read) -> list[float]:
        model = self._model
        logits = [float(v) + seen.sums[k] for k, v in enumerate(model["intercept"])]
        if seen.emoji_lean:
            # VADER reads emoji through their names ("fire", "pouting face"), which says little of the feeling.
            logits[2 if seen.emoji_lean > 0 else 0] += EMOJI_ONLY_WEIGHT * abs(seen.emoji_lean)
            return logits
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

    def detect_language(self, text: str) -> tuple[str, float] | None:
        """The post's likeliest language (ISO 639-1) and how sure of it, or None when it has too few letters:
        plain English is recognised without the detector."""
        opening = text[:400]
        words = opening.lower().replace("’", "'").split()
        if len(_ENGLISH_MARKERS.intersection(words)) >= 2 and not _NON_ASCII_LETTER.search(opening):
            return "en", 1.0
        return detect_language_scored(text)

    def language(self, text: str) -> str:
        """The post's language (ISO 639-1), or `und` when it cannot be told with confidence."""
        guess = self.detect_language(text)
        return guess[0] if guess is not None and guess[1] >= MIN_CONFIDENCE else UNDETERMINED

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
