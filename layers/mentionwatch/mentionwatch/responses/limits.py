"""How long a reply may be on each platform, counted the way the platform counts, checked before sending.

- X counts weighted characters (twitter-text configuration v3): 280 units where code points in the Latin,
  general-punctuation and similar ranges weigh 1 and every other code point (CJK, most symbols) weighs 2, an
  emoji sequence (with its skin tone, variation selector or zero-width joiners) weighs 2 once, and every URL
  weighs 23 whatever its length (t.co wraps it). Text is NFC-normalised first, as X does.
- Bluesky's `app.bsky.feed.post` text is at most 300 graphemes.
- The others count characters: Mastodon 500 (the default instance limit), Instagram 2,200, Facebook 8,000,
  Reddit 10,000, YouTube 10,000.
"""

from __future__ import annotations

import re
import unicodedata

from mentionwatch.exceptions import RepliesNotSupported, TextTooLong
from mentionwatch.models import Platform

X_MAX_WEIGHT = 280
X_URL_WEIGHT = 23
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)

CHARACTER_LIMITS: dict[Platform, int] = {
    Platform.MASTODON: 500,
    Platform.INSTAGRAM: 2_200,
    Platform.FACEBOOK: 8_000,
    Platform.REDDIT: 10_000,
    Platform.YOUTUBE: 10_000,
}
BLUESKY_MAX_GRAPHEMES = 300

_ZWJ = 0x200D
_MODIFIERS = frozenset({0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)})


def _is_emoji_start(code: int) -> bool:
    return code >= 0x1F000 or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF


def _clusters(text: str) -> list[str]:
    """User-perceived characters, near enough for limits: a base with its combining marks, an emoji with its
    modifiers and joined parts, a pair of regional indicators (a flag)."""
    clusters: list[str] = []
    index = 0
    while index < len(text):
        start = index
        code = ord(text[index])
        index += 1
        if 0x1F1E6 <= code <= 0x1F1FF and index < len(text) and 0x1F1E6 <= ord(text[index]) <= 0x1F1FF:
            index += 1  # a flag
        while index < len(text):
            following = ord(text[index])
            if following in _MODIFIERS or unicodedata.combining(text[index]):
                index += 1
            elif following == _ZWJ and index + 1 < len(text):
                index += 2
            else:
                break
        clusters.append(text[start:index])
    return clusters


def x_weighted_length(text: str) -> int:
    """X's weighted length of `text` (280 is the most a post may have)."""
    normalised = unicodedata.normalize("NFC", text)
    weight = X_URL_WEIGHT * 100 * len(_URL.findall(normalised))
    for cluster in _clusters(_URL.sub("", normalised)):
        code = ord(cluster[0])
        if _is_emoji_start(code):
            weight += 200
            continue
        for char in cluster:
            point = ord(char)
            weight += 100 if any(low <= point <= high for low, high in _X_LIGHT_RANGES) else 200
    return weight // 100


def grapheme_length(text: str) -> int:
    return len(_clusters(text))


def check_length(platform: Platform, text: str) -> None:
    """Raise `TextTooLong` (400, field `text`) when the platform would refuse `text` for its length."""
    if platform is Platform.X:
        used, limit, unit = x_weighted_length(text), X_MAX_WEIGHT, "weighted characters"
    elif platform is Platform.BLUESKY:
        used, limit, unit = grapheme_length(text), BLUESKY_MAX_GRAPHEMES, "graphemes"
    elif platform in CHARACTER_LIMITS:
        used, limit, unit = len(text), CHARACTER_LIMITS[platform], "characters"
    else:
        raise RepliesNotSupported(f"mentionwatch cannot reply on {platform.value}", field="id")
    if used > limit:
        raise TextTooLong(f"text is {used} {unit}; {platform.value} allows {limit}", field="text")
