"""Text normalisation shared by every source: one place decides what a mention's text looks like."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MAX_TEXT_CHARS = 10_000

_WHITESPACE = re.compile(r"\s+")
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})
_INVISIBLE_TAGS = frozenset({"script", "style", "head", "template"})


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment; block tags become spaces so words do not merge."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS and self._hidden_depth:
            self._hidden_depth -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def strip_html(value: str) -> str:
    if "<" not in value:
        return value
    extractor = _TextExtractor()
    extractor.feed(value)
    extractor.close()
    return "".join(extractor.parts)


def normalise_text(value: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """HTML stripped, entities unescaped (also double-escaped ones like `&amp;amp;`), whitespace collapsed, bounded."""
    text = strip_html(value)
    # Platforms escape entities once more than they should (X sends `&amp;` in plain text): unescape to a fixpoint.
    for _ in range(3):
        unescaped = html.unescape(text)
        if unescaped == text:
            break
        text = unescaped
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text


def truncate_utf8(text: str, max_bytes: int) -> str:
    """Cut text to at most max_bytes of UTF-8 without splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")
