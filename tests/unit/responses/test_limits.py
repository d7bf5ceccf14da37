"""Reply text is measured as each platform measures it, before anything is sent."""

from __future__ import annotations

import pytest

from mentionwatch.exceptions import RepliesNotSupported, TextTooLong
from mentionwatch.models import Platform
from mentionwatch.responses.limits import check_length, grapheme_length, x_weighted_length


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("a" * 280, 280),
        ("日本" * 70, 280),  # CJK weighs 2
        ("é", 1),  # Latin-1 range weighs 1
        ("👍🏽", 2),  # an emoji with its skin tone weighs 2 once
        ("👨‍👩‍👧", 2),  # a zero-width-joined family is one emoji
        ("see https://example.com/a/very/long/path/that/goes/on/and/on/for/ever", 4 + 23),
    ],
)
def test_x_counts_weighted_characters(text, weight):
    assert x_weighted_length(text) == weight


def test_x_refuses_281_units_but_takes_280():
    check_length(Platform.X, "a" * 280)

    with pytest.raises(TextTooLong) as raised:
        check_length(Platform.X, "日" * 141)

    assert raised.value.field == "text" and "282 weighted characters" in raised.value.message


def test_bluesky_counts_graphemes_not_code_points():
    assert grapheme_length("🇵🇹" + "e\u0301") == 2
    check_length(Platform.BLUESKY, "👍🏽" * 300)
    with pytest.raises(TextTooLong):
        check_length(Platform.BLUESKY, "a" * 301)


@pytest.mark.parametrize(
    ("platform", "limit"),
    [(Platform.MASTODON, 500), (Platform.INSTAGRAM, 2200), (Platform.FACEBOOK, 8000), (Platform.REDDIT, 10000)],
)
def test_character_limits(platform, limit):
    check_length(platform, "a" * limit)
    with pytest.raises(TextTooLong):
        check_length(platform, "a" * (limit + 1))


def test_a_platform_without_replies_is_refused():
    with pytest.raises(RepliesNotSupported):
        check_length(Platform.RSS, "hi")
