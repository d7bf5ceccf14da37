"""Normalisation every source relies on, and the Mention model's identity and time rules."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from mentionwatch.models import Author, Mention
from mentionwatch.text import MAX_TEXT_CHARS, normalise_text, truncate_utf8


def test_html_is_stripped_and_block_tags_do_not_glue_words():
    assert normalise_text("<p>Hello <b>there</b></p><p>friend</p>") == "Hello there friend"


def test_scripts_and_styles_are_not_text():
    assert normalise_text("<style>p{}</style>ok<script>alert(1)</script>") == "ok"


def test_entities_are_unescaped_even_when_escaped_twice():
    assert normalise_text("Tom &amp; Jerry &amp;amp; &lt;3 &#128512;") == "Tom & Jerry & <3 😀"


def test_whitespace_is_collapsed():
    assert normalise_text("  a\n\n\tb   c  ") == "a b c"


def test_text_is_bounded():
    text = normalise_text("word " * 5000)
    assert len(text) <= MAX_TEXT_CHARS
    assert text.endswith("…")


@pytest.mark.parametrize("text", ["ascii only", "é" * 3000, "😀" * 2000, "日本語" * 900])
def test_utf8_truncation_never_splits_a_character(text):
    cut = truncate_utf8(text, 5000)
    assert len(cut.encode("utf-8")) <= 5000
    assert text.startswith(cut)


def test_mention_id_is_platform_and_native_id_and_times_become_utc():
    mention = Mention(
        platform="x", native_id="1789", text="hi", author=Author(handle="a"), created_at="2026-01-01T10:00:00+02:00"
    )
    assert mention.id == "x:1789"
    assert mention.created_at == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def test_native_ids_with_key_separators_are_refused():
    with pytest.raises(ValidationError, match="native_id"):
        Mention(platform="x", native_id="a#b", text="", author=Author(handle="a"), created_at=datetime.now(UTC))
