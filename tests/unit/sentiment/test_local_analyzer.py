"""The local analyzer: packaged weights, no network, sensible labels and scores, any text."""

from __future__ import annotations

import json
import socket
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from mentionwatch.exceptions import ConfigurationError
from mentionwatch.models import Sentiment
from mentionwatch.sentiment.base import SentimentRequest
from mentionwatch.sentiment.features import clean_text, features, tokens
from mentionwatch.sentiment.local import CLASSES, LocalAnalyzer, load_model


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the local analyzer must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture(scope="module")
def analyzer() -> LocalAnalyzer:
    return LocalAnalyzer()


def test_packaged_model_loads_and_is_small() -> None:
    # Given the weights shipped in the package
    model = load_model()
    # Then they name the three classes, carry VADER coefficients, and stay compact
    assert tuple(model["classes"]) == CLASSES
    assert set(model["vader"]) == {"compound", "pos", "neg", "neu"}
    packaged = resources.files("mentionwatch.sentiment").joinpath("local_model.json")
    assert len(packaged.read_bytes()) < 400 * 1024


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Thank you so much, the staff were wonderful!", Sentiment.POSITIVE),
        ("Absolutely terrible service, worst experience ever, never again", Sentiment.NEGATIVE),
        ("Still waiting on hold for two hours, this is ridiculous", Sentiment.NEGATIVE),
        ("What time does the store open on Sunday?", Sentiment.NEUTRAL),
    ],
)
def test_clear_texts_get_the_obvious_label(analyzer: LocalAnalyzer, text: str, label: Sentiment) -> None:
    assert analyzer.score(text).label is label


def test_scores_are_probabilities(analyzer: LocalAnalyzer) -> None:
    result = analyzer.score("Great flight but the bag was lost")
    total = result.scores.positive + result.scores.negative + result.scores.neutral + result.scores.mixed
    assert total == pytest.approx(1.0, abs=1e-3)
    assert result.analyzer == "local"


def test_analyze_keeps_order_and_language(analyzer: LocalAnalyzer) -> None:
    results = analyzer.analyze(
        [SentimentRequest(text="I love it", language="en"), SentimentRequest(text="I hate it, awful")]
    )
    assert [r.label for r in results] == [Sentiment.POSITIVE, Sentiment.NEGATIVE]
    assert results[0].language == "en"


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "🙏" * 300, "word " * 10_000, "!!!???"])
def test_edge_texts_are_scored_without_error(analyzer: LocalAnalyzer, text: str) -> None:
    result = analyzer.score(text)
    assert result.label in set(Sentiment)


def test_handles_links_and_numbers_are_not_features() -> None:
    feats = features("@BrandX see https://example.com/x 2:30 delay")
    assert not any("brandx" in f or "example" in f for f in feats)
    assert "<num>" in feats and "delay" in feats


def test_rewritten_words_are_repaired() -> None:
    cleaned = clean_text("Cancelled Flightled again, Late Flightr now")
    assert cleaned.split() == ["cancelled", "again,", "later", "now"]


def test_emoji_and_emoticons_are_tokens() -> None:
    assert tokens("great :) 😡") == ["great", ":)", "😡"]


def test_a_model_file_of_your_own_can_be_used(tmp_path: Path) -> None:
    # Given a model file that only knows the word "zork" as strongly positive
    model = {"classes": list(CLASSES), "intercept": [0, 0, 0], "vader": {}, "weights": {"zork": [-5, -5, 5]}}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    # When it scores "zork"
    result = LocalAnalyzer(path).score("zork")
    # Then it follows that model
    assert result.label is Sentiment.POSITIVE


def test_unreadable_model_file_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"classes": ["A", "B"]}', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="classes"):
        LocalAnalyzer(path).score("hello")
