"""GSM 03.38 (GSM-7) text: what fits in one 160-character SMS segment without switching to UCS-2."""

from __future__ import annotations

import unicodedata

SMS_LIMIT = 160

_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_EXTENSION = set("^{}\\[~]|€")  # each costs two septets (escape + character)

# Common typographic characters with a faithful GSM-7 spelling.
_REPLACEMENTS = {
    "‘": "'",
    "’": "'",
    "‚": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u00a0": " ",
    "•": "*",
    "·": ".",
    "«": '"',
    "»": '"',
    "\t": " ",
}


def septets(text: str) -> int:
    return sum(2 if char in _EXTENSION else 1 for char in text)


def to_gsm7(text: str, replacement: str = "?") -> str:
    """Every character made GSM-7: typographic look-alikes mapped, accents dropped where that helps, else `?`."""
    out: list[str] = []
    for char in text:
        if char in _BASIC or char in _EXTENSION:
            out.append(char)
        elif char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        else:
            stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            out.append(stripped if stripped and all(c in _BASIC for c in stripped) else replacement)
    return "".join(out)


def fit(text: str, limit: int) -> str:
    """Cut GSM-7 text to at most `limit` septets, on a word boundary when one is near, marked with `...`."""
    if septets(text) <= limit:
        return text
    budget = limit - 3
    out: list[str] = []
    used = 0
    for char in text:
        cost = 2 if char in _EXTENSION else 1
        if used + cost > budget:
            break
        out.append(char)
        used += cost
    cut = "".join(out)
    space = cut.rfind(" ")
    if space >= len(cut) - 15 and space > 0:
        cut = cut[:space]
    return cut.rstrip() + "..."
