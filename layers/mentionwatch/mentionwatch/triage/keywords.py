"""Keyword matching by words, not by regular expression: a set look-up per phrase length.

A text is split once into lower-case words (letters, digits, inner apostrophes and hyphens); a keyword
phrase matches when the same words appear next to each other. A trailing `*` on a phrase's last word
matches any ending (`frustrat*` matches "frustrated" and "frustrating").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"\w+(?:['\-]\w+)*")


def words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower().replace("’", "'")))


class TextWords:
    """The words of one text and its n-grams, computed on first use."""

    __slots__ = ("words", "_grams", "_distinct", "_set")

    def __init__(self, text: str) -> None:
        self.words = words(text)
        self._grams: dict[int, set[tuple[str, ...]]] = {}
        self._distinct: list[str] | None = None
        self._set: frozenset[str] | None = None

    @property
    def word_set(self) -> frozenset[str]:
        """Each word once, for a quick test of whether a phrase can start anywhere in the text."""
        if self._set is None:
            self._set = frozenset(self.words)
        return self._set

    @property
    def distinct(self) -> list[str]:
        """Each word once, in order of first appearance."""
        if self._distinct is None:
            self._distinct = list(dict.fromkeys(self.words))
        return self._distinct

    def grams(self, n: int) -> set[tuple[str, ...]]:
        found = self._grams.get(n)
        if found is None:
            w = self.words
            found = {w[i : i + n] for i in range(len(w) - n + 1)} if n > 1 else {(x,) for x in w}
            self._grams[n] = found
        return found


class KeywordMatcher:
    def __init__(self, phrases: Iterable[str]) -> None:
        self.exact: dict[int, set[tuple[str, ...]]] = {}
        self.prefixes: list[tuple[tuple[str, ...], str]] = []
        for phrase in phrases:
            wildcard = phrase.strip().endswith("*")
            parts = words(phrase)
            if not parts:
                raise ValueError(f"keyword {phrase!r} has no word in it")
            if wildcard:
                self.prefixes.append((parts[:-1], parts[-1]))
            else:
                self.exact.setdefault(len(parts), set()).add(parts)
        self.lengths = sorted(self.exact, reverse=True)
        self.word_prefixes = tuple(prefix for head, prefix in self.prefixes if not head)
        self.phrase_prefixes = [(head, prefix) for head, prefix in self.prefixes if head]
        # Every whole-word phrase starts with one of these: a text with none of them skips the n-gram look-ups,
        # which is most texts for most lists (the default rules test about forty lists per mention).
        self.first_words = frozenset(parts[0] for phrases in self.exact.values() for parts in phrases)
        self.phrase_prefix_heads = frozenset(head[0] for head, _ in self.phrase_prefixes)

    def find(self, text: TextWords) -> str | None:
        """The longest phrase found in the text (then the first prefix match), or None."""
        present = text.word_set
        if not present.isdisjoint(self.first_words):
            for n in self.lengths:
                hits = text.grams(n) & self.exact[n]
                if hits:
                    return " ".join(min(hits))
        if self.word_prefixes:
            for word in text.distinct:
                if word.startswith(self.word_prefixes):
                    return word
        if self.phrase_prefixes and not present.isdisjoint(self.phrase_prefix_heads):
            w = text.words
            for i, word in enumerate(w):
                for head, prefix in self.phrase_prefixes:
                    if word.startswith(prefix) and w[max(0, i - len(head)) : i] == head:
                        return " ".join((*head, word))
        return None


def validate_phrase(phrase: str) -> None:
    stripped = phrase.strip()
    if "*" in stripped.rstrip("*") or stripped.endswith("**"):
        raise ValueError(f"keyword {phrase!r}: `*` may only end the phrase")
    if stripped.endswith("*") and not stripped[:-1][-1:].isalnum():
        raise ValueError(f"keyword {phrase!r}: `*` must end a word (`refund*`), not stand alone")
    if not words(stripped):
        raise ValueError(f"keyword {phrase!r} has no word in it")
