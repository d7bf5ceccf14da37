"""Turning a post into the tokens the local sentiment model reads. Shared by training and inference.

Kept deliberately plain so it generalises beyond one brand: handles and links are dropped (they name who is
addressed, not how the author feels), numbers collapse to one token, case is folded, and a few emoticons and
every emoji survive as tokens of their own.
"""

from __future__ import annotations

import re

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)[@.]?@\w+")
# Some public tweet corpora had "late" and "cancel…" blindly rewritten ("Cancelled Flightled",
# "Late Flightr"). Undo that so keyword rules and the model see the words people wrote.
_REWRITTEN = re.compile(r"\b(cancelled|late) flight(lations?|ations?|led|ed|d|ling|ing|r|st|ly|ness)?\b", re.IGNORECASE)
_REWRITE_SUFFIX = {
    "lation": "cancellation",
    "lations": "cancellations",
    "ation": "cancellation",
    "ations": "cancellations",
    "led": "cancelled",
    "ed": "canceled",
    "d": "cancelled",
    "ling": "cancelling",
    "ing": "cancelling",
}
_EMOTICON = r"(?:[:;=8][\-o\*']?[\)\]\(\[dDpP/\\|@3]|<3|[\)\]\(\[dDpP/\\|@3][\-o\*']?[:;=8])"
_TOKEN = re.compile(
    rf"({_EMOTICON})"  # emoticons before punctuation eats them
    r"|([a-z][a-z'’]*[a-z]|[a-z])"  # words, keeping contractions whole
    r"|(\d+(?:[:.,]\d+)*)"  # numbers, times, prices
    r"|([!?])"  # emphasis and questions
    r"|([\U0001F000-\U0001FAFF\u2600-\u27BF])",  # emoji and dingbats, one token each
    re.IGNORECASE,
)
NEGATORS = frozenset(
    {
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "cannot",
        "cant",
        "can't",
        "won't",
        "wont",
        "don't",
        "dont",
        "didn't",
        "didnt",
        "isn't",
        "isnt",
        "wasn't",
        "wasnt",
        "doesn't",
        "doesnt",
        "haven't",
        "havent",
        "hasn't",
        "hasnt",
        "couldn't",
        "couldnt",
        "aren't",
    }
)


def _repair(match: re.Match[str]) -> str:
    word, suffix = match.group(1).lower(), (match.group(2) or "").lower()
    if word == "late":
        return {"r": "later", "st": "latest", "ly": "lately", "ness": "lateness"}.get(suffix, "late")
    return _REWRITE_SUFFIX.get(suffix, "cancelled")


def clean_text(text: str) -> str:
    """Links become `URL`, handles go, rewritten words are repaired. Case is kept (rules may care)."""
    text = _URL.sub(" URL ", text)
    text = _HANDLE.sub(" ", text)
    return _REWRITTEN.sub(_repair, text)


def tokens(text: str) -> list[str]:
    """Lower-cased tokens of a cleaned text: words, `<num>`, `!`, `?`, emoticons and emoji."""
    out: list[str] = []
    for emoticon, word, number, mark, emoji in _TOKEN.findall(text):
        if word:
            out.append(word.lower().replace("’", "'"))
        elif number:
            out.append("<num>")
        elif mark:
            out.append(mark)
        elif emoticon:
            out.append(emoticon.lower())
        elif emoji:
            out.append(emoji)
    return out


def features(text: str, max_chars: int = 2_000) -> set[str]:
    """Unigrams and adjacent bigrams (`a b`) of a text, as a set (presence, not counts).

    Very long texts are read up to `max_chars`: feelings are stated early, and the model must stay cheap
    whatever it is handed.
    """
    toks = tokens(clean_text(text[:max_chars]))
    feats = set(toks)
    feats.update(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))
    return feats
