"""Keyword phrases match whole words, next to each other, in any case; `*` ends a phrase with any ending."""

from __future__ import annotations

import pytest

from mentionwatch.triage.keywords import KeywordMatcher, TextWords, validate_phrase


@pytest.mark.parametrize(
    ("phrases", "text", "found"),
    [
        (["on hold"], "I've been ON HOLD for an hour.", "on hold"),
        (["on hold"], "hold on, I'm coming", None),
        (["hospital"], "great hospitality", None),
        (["frustrat*"], "So frustrating!", "frustrating"),
        (["never buy*"], "I will never buying", "never buying"),
        (["can't"], "I can’t log in", "can't"),
        (["remboursé"], "Je veux être remboursé.", "remboursé"),
        (["sue", "i will sue"], "I will sue you", "i will sue"),
        (["carry-on"], "my carry-on was lost", "carry-on"),
    ],
)
def test_phrases_match_whole_words(phrases: list[str], text: str, found: str | None) -> None:
    assert KeywordMatcher(phrases).find(TextWords(text)) == found


@pytest.mark.parametrize("phrase", ["", "   ", "*", "!!", "fr*ustrated", "cancel my *"])
def test_phrases_without_words_or_with_inner_wildcards_are_refused(phrase: str) -> None:
    with pytest.raises(ValueError, match="keyword"):
        validate_phrase(phrase)
