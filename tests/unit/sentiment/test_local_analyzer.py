"""The local analyzer: packaged weights, no network, sensible labels and scores, any text."""

from __future__ import annotations

import json
import math
import socket
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from mentionwatch.exceptions import ConfigurationError
from mentionwatch.models import Sentiment
from mentionwatch.sentiment.base import SentimentRequest
from mentionwatch.sentiment.features import char_features, clean_text, features, text_features, tokens
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
    assert len(packaged.read_bytes()) <= 2 * 1024 * 1024
    # and carry a sarcasm model
    assert {"intercept", "words", "chars", "vader", "sentiment"} <= set(model["sarcasm"])


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


def test_every_result_carries_a_sarcasm_score(analyzer: LocalAnalyzer) -> None:
    for text in ("Thank you so much, the staff were wonderful!", "", "😀", "Oh great, another delay. Love it."):
        sarcasm = analyzer.score(text).sarcasm
        assert sarcasm is not None and 0.0 <= sarcasm <= 1.0


@pytest.mark.parametrize(
    ("sarcastic", "sincere"),
    [
        ("Oh great, another delay. Just what I needed today. Love it.", "Thank you so much, the staff were wonderful!"),
        ("Wow, 45 minutes on hold. Amazing customer service as always", "Amazing customer service, sorted in minutes"),
    ],
)
def test_sarcasm_scores_irony_above_plain_praise(analyzer: LocalAnalyzer, sarcastic: str, sincere: str) -> None:
    assert analyzer.sarcasm(sarcastic) > analyzer.sarcasm(sincere)


def test_calibrated_probabilities_correct_the_balanced_ones(tmp_path: Path) -> None:
    # Given a model trained with balanced classes whose calibration says NEGATIVE is rare (log prior shift)
    model = {
        "classes": list(CLASSES),
        "intercept": [0, 0, 0],
        "vader": {},
        "words": {"meh": [2, 0, 0]},
        "calibration": {"log_prior_shift": [-1.5, 0.4, 0.2], "temperature": 1.2},
    }
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    analyzer = LocalAnalyzer(path)
    calibrated, balanced = analyzer.probabilities("meh"), analyzer.balanced_probabilities("meh")
    # Then both are distributions, and calibration gives the rare class back its lower share
    assert sum(calibrated) == pytest.approx(1.0)
    assert sum(balanced) == pytest.approx(1.0)
    assert calibrated[0] < balanced[0]
    # and the label still follows the balanced model
    assert analyzer.score("meh").label is Sentiment.NEGATIVE


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Cómo puedo cambiar el PIN de mi tarjeta desde la aplicación?", "es"),
        ("Störung seit heute Morgen, kein Internet in ganz Köln.", "de"),
        ("Merci pour la réparation si rapide, service impeccable !", "fr"),
        ("The app has been down all morning and nobody answers the phone", "en"),
        ("📱🔥", "und"),
        ("gg", "und"),
    ],
)
def test_the_language_is_detected_locally(analyzer: LocalAnalyzer, text: str, language: str) -> None:
    assert analyzer.score(text).language == language


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


def test_character_ngrams_come_from_words_only_with_elongation_folded() -> None:
    # Given a post with an elongated word, a handle, a number and an emoji
    chars = char_features("Sooo good @brandx 42 😀")
    # Then each word gives its 2-4-grams with its edges marked, "sooo" read as "soo"
    assert {"#_s", "#so", "#_so", "#soo", "#oo_", "#soo_", "#_go", "#ood_"} <= chars.keys()
    assert "#ooo" not in chars
    # and handles, numbers and emoji give none
    assert not any("br" in f or "4" in f or "😀" in f for f in chars)


def test_one_pass_gives_negation_style_flags_and_character_ngrams() -> None:
    words, chars = text_features("Not good at all, the app keeps CRASHING!!! :( sooo annoyed")
    assert {"good_NEG", "all_NEG", "app", "<caps>", "<many!>", ":(", "<elongated>", "soo annoyed"} <= words
    assert "app_NEG" not in words  # the comma ended the negation's scope
    assert {"#_cr", "#ing_", "#_ann"} <= chars.keys()


def test_character_ngrams_count_once_per_distinct_word() -> None:
    # Given a post where two different words share "ing_" and one word comes twice
    chars = char_features("crashing again and crashing, still waiting")
    # Then a gram counts once for each distinct word holding it, however often the word comes
    assert chars["#ing_"] == 2
    assert chars["#_cr"] == 1


def test_character_sums_are_the_trained_formula_and_the_word_memo_changes_nothing(tmp_path: Path) -> None:
    # Given a model that only knows two character n-grams
    model = {
        "classes": list(CLASSES),
        "intercept": [0, 0, 0],
        "vader": {},
        "words": {},
        "chars": {"#ing_": [-1.0, 0.0, 1.0], "#_cr": [3.0, 0.0, 0.0]},
    }
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    analyzer = LocalAnalyzer(path, detect_languages=False)
    text = "crashing again and crashing, still waiting"
    counts = char_features(text)
    # When the analyzer sums the character block (twice: the second time from its memo of words)
    first = analyzer._char_sums({"crashing", "again", "and", "still", "waiting"})
    again = analyzer._char_sums({"crashing", "again", "and", "still", "waiting"})
    # Then it is sum(weight x count) / sqrt(total count), as the training script builds the matrix
    scale = 1 / math.sqrt(sum(counts.values()))
    assert first == again
    assert first[0] == pytest.approx((-1.0 * 2 + 3.0 * 1) * scale)
    assert first[2] == pytest.approx(1.0 * 2 * scale)
    # and scoring through a warm memo equals scoring fresh
    assert analyzer.score(text) == LocalAnalyzer(path, detect_languages=False).score(text)


def test_a_model_file_of_your_own_can_be_used(tmp_path: Path) -> None:
    # Given a model file that only knows the word "zork" as strongly positive
    model = {"classes": list(CLASSES), "intercept": [0, 0, 0], "vader": {}, "weights": {"zork": [-5, -5, 5]}}
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    # When it scores "zork"
    result = LocalAnalyzer(path).score("zork")
    # Then it follows that model
    assert result.label is Sentiment.POSITIVE


def test_a_model_file_of_your_own_may_carry_sarcasm(tmp_path: Path) -> None:
    # Given a model whose sarcasm part knows only the word "zork"
    model = {
        "classes": list(CLASSES),
        "intercept": [0, 0, 0],
        "vader": {},
        "words": {},
        "chars": {},
        "sarcasm": {"intercept": -3, "vader": {}, "sentiment": {}, "words": {"zork": 9}, "chars": {}},
    }
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    analyzer = LocalAnalyzer(path)
    # Then only a post with "zork" is scored sarcastic
    assert analyzer.sarcasm("zork") > 0.9
    assert analyzer.sarcasm("hello") < 0.1


def test_unreadable_model_file_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"classes": ["A", "B"]}', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="classes"):
        LocalAnalyzer(path).score("hello")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😡😡😡", Sentiment.NEGATIVE),
        ("@brandx 🤬", Sentiment.NEGATIVE),
        ("👎👎", Sentiment.NEGATIVE),
        ("👏👏👏", Sentiment.POSITIVE),
        ("@brandx ❤️❤️", Sentiment.POSITIVE),
        ("🔥🔥🔥", Sentiment.POSITIVE),
    ],
)
def test_a_post_of_emoji_only_is_read_by_its_emoji(analyzer: LocalAnalyzer, text: str, expected: Sentiment) -> None:
    # Given a post with no words, only emoji of plain feeling (VADER calls 🔥 "fire", 😡 a neutral "pouting face")
    # When it is scored, Then its emoji decide, clearly
    result = analyzer.score(text)
    assert result.label is expected
    assert max(result.scores.negative, result.scores.positive) >= 0.8


def test_emoji_of_no_plain_feeling_and_posts_with_words_are_left_to_the_model(analyzer: LocalAnalyzer) -> None:
    # Given ambiguous emoji alone (laughing with or at), and the same angry emoji inside a sentence
    assert analyzer.score("😂😂😂").label is not Sentiment.NEGATIVE
    assert analyzer.score("📱").label is Sentiment.NEUTRAL
    # Then a post with words is scored by the model, whose words outweigh one emoji
    assert analyzer.score("Thank you so much for sorting my refund so quickly, brilliant service 😡").label is (
        Sentiment.POSITIVE
    )


def test_plain_english_with_curly_quotes_skips_the_detector_and_accented_posts_do_not(
    analyzer: LocalAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mentionwatch.sentiment.local as local_module

    asked: list[str] = []
    monkeypatch.setattr(local_module, "detect_language_scored", lambda text: asked.append(text) or ("fr", 0.9))
    # Given an English post typed on a phone (curly apostrophes, an ellipsis), Then it is English without the detector
    assert analyzer.language("I’m so done with this… it’s the third time they’ve cancelled") == "en"
    assert asked == []
    # Given a French post that quotes two English words, Then its accented letters send it to the detector
    assert analyzer.language("Très déçu, the service is not what you promised à Paris") == "fr"
    assert len(asked) == 1
