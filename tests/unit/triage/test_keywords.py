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


def test_a_list_is_skipped_only_when_no_phrase_can_start_in_the_text() -> None:
    # Given a list whose phrases start with different words, with a one-word and a two-word wildcard
    matcher = KeywordMatcher(["smell of gas", "fell", "overheat*", "emailed every*"])
    # Then each kind still matches where it appears, and a text with none of their first words finds none
    assert matcher.find(TextWords("There's a smell of gas in the hall")) == "smell of gas"
    assert matcher.find(TextWords("The charger overheated")) == "overheated"
    assert matcher.find(TextWords("They emailed everyone our addresses")) == "emailed everyone"
    assert matcher.find(TextWords("They everyone emailed")) is None
    assert matcher.find(TextWords("Lovely day at the seaside")) is None
