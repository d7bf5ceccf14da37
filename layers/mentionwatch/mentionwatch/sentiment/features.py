"""Turning a post into the features the local models read. Shared by training and inference.

Kept deliberately plain so it generalises beyond one brand or trade: handles and links are dropped (they
name who is addressed, not how the author feels), numbers collapse to one token, case is folded, emoticons
and every emoji survive as tokens of their own. On top of the words:

- negation scope: words after "not", "never", "don't"… up to the next punctuation carry a `_NEG` mark, so
  "not good" and "good" are different features;
- elongation ("soooo") is folded to two letters and flagged, shouting (words in capitals) and repeated
  `!`/`?` are flagged, and so are emoji of plain feeling (`<emoji+>`, `<emoji->`): these carry feeling in any
  trade;
- character 2–4-grams inside words catch misspellings, hashtags glued together and word endings. They are
  counted once per distinct word of the post (a gram two words share counts twice), so a word's share of the
  score can be worked out once and reused: see `LocalAnalyzer`.

Word features and character features are scaled separately by how many the text has (not by how many the
model knows), so weights can be pruned after training without changing what the rest mean.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

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
    r"|([!?]+)"  # emphasis and questions
    r"|([.,;:]+)"  # clause ends: they close a negation's scope
    r"|([\U0001F000-\U0001FAFF\u2600-\u27BF])",  # emoji and dingbats, one token each
    re.IGNORECASE,
)
_ELONGATED = re.compile(r"(\w)\1{2,}")
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
        "arent",
        "shouldn't",
        "wouldn't",
        "ain't",
        "neither",
        "nor",
        "without",
    }
)
# Emoji whose feeling is plain whatever the trade (by their Unicode names and how they are used at brands). Besides
# itself, each adds a flag `<emoji+>` or `<emoji->`: the general tweets carry no emoji at all, so the models could
# only learn the few dozen seen in airline and irony tweets one by one; the flags let all of them share what was
# learnt. Left out: the ambiguous ones (😂 laughs with or at, 😳, 🙈).
POSITIVE_EMOJI = frozenset("😀😃😄😁😆😊🙂☺😇😍🥰😘😻🤩😎😋🤗🥳❤♥💕💖💗💓💞💝💘💜💙💚💛🧡💯👏🙌👍👌🏆🥇🎉✨🌟⭐💪🔥🙏")
NEGATIVE_EMOJI = frozenset("😡😠🤬😤👎🖕💩🤮🤢😒🙄😑😬🤥😞😔😟😕🙁☹😢😭😿😩😫😣😖😓😰😱💔🤦🤡😾")
# A negation's scope ends at punctuation or after this many words.
NEGATION_SCOPE = 4
CHAR_NGRAMS = (2, 3, 4)


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
    for emoticon, word, number, mark, _stop, emoji in _TOKEN.findall(text):
        if word:
            out.append(word.lower().replace("’", "'"))
        elif number:
            out.append("<num>")
        elif mark:
            out.append(mark[0])
        elif emoticon:
            out.append(emoticon.lower())
        elif emoji:
            out.append(emoji)
    return out


def _scan(text: str) -> tuple[list[str], set[str], set[str]]:
    """One pass over a cleaned text: negation-marked tokens, style flags, and the distinct words spelt in it
    (lower-cased, elongation folded), whose character n-grams the models read."""
    marked: list[str] = []
    flags: set[str] = set()
    spelled: set[str] = set()
    scope = 0
    shouted = 0
    for emoticon, word, number, mark, stop, emoji in _TOKEN.findall(text):
        if word:
            if len(word) > 2 and word.isupper():
                shouted += 1
            lower = word.lower().replace("’", "'")
            if _ELONGATED.search(lower):
                flags.add("<elongated>")
                lower = _ELONGATED.sub(r"\1\1", lower)
            if len(lower) > 1:
                spelled.add(lower)
            if scope:
                marked.append(lower + "_NEG")
                scope -= 1
            else:
                marked.append(lower)
            if lower in NEGATORS or lower.endswith("n't"):
                scope = NEGATION_SCOPE
            continue
        scope = 0 if (stop or mark) else scope
        if number:
            marked.append("<num>")
        elif mark:
            marked.append(mark[0])
            if len(mark) > 1:
                flags.add(f"<many{mark[0]}>")
        elif emoticon:
            marked.append(emoticon.lower())
            if emoticon[0].isalpha():  # "d:", "p8": read as a word by the character n-grams too
                spelled.add(emoticon.lower())
        elif emoji:
            marked.append(emoji)
            if emoji in POSITIVE_EMOJI:
                flags.add("<emoji+>")
            elif emoji in NEGATIVE_EMOJI:
                flags.add("<emoji->")
    if shouted:
        flags.add("<caps>" if shouted < 3 else "<caps3>")
    return marked, flags, spelled


@lru_cache(maxsize=1 << 16)
def char_grams(word: str) -> frozenset[str]:
    """A word's character 2–4-grams (`#ab`, `_` marking its edges). Words repeat, so they are worked out once."""
    padded = "_" + word + "_"
    return frozenset("#" + padded[i : i + n] for n in CHAR_NGRAMS for i in range(len(padded) - n + 1))


def char_counts(spelled: Iterable[str]) -> Counter[str]:
    """Each character n-gram with the number of distinct words it occurs in."""
    counts: Counter[str] = Counter()
    for word in spelled:
        counts.update(char_grams(word))
    return counts


# How much of a post the features read: enough for any social post, bounded for a pasted essay.
MAX_CHARS = 2_000


def read_cleaned(cleaned: str) -> tuple[set[str], set[str]]:
    """Word features of an already cleaned text, and the distinct words whose character n-grams count."""
    toks, flags, spelled = _scan(cleaned)
    feats = set(toks)
    feats.update(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))
    feats.update(flags)
    return feats, spelled


def text_features(text: str, max_chars: int = MAX_CHARS) -> tuple[set[str], Counter[str]]:
    """`(word_features(text), char_features(text))` from one pass over the text: what the models read."""
    feats, spelled = read_cleaned(clean_text(text[:max_chars]))
    return feats, char_counts(spelled)


def word_features(text: str, max_chars: int = MAX_CHARS) -> set[str]:
    """Unigrams (negation-marked), adjacent bigrams (`a b`) and style flags, as a set (presence)."""
    return read_cleaned(clean_text(text[:max_chars]))[0]


def char_features(text: str, max_chars: int = MAX_CHARS) -> Counter[str]:
    """Character n-grams inside each distinct word (`#ab`, `_` marking a word's edges; elongation folded), with
    how many of the post's distinct words hold each."""
    return text_features(text, max_chars)[1]


def features(text: str, max_chars: int = MAX_CHARS) -> set[str]:
    """Word features (kept for callers that want one set; the model scales word and char sets apart)."""
    return word_features(text, max_chars)
