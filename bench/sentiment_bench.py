"""How long the local analyzer takes per mention, and where the time goes. Prints figures; asserts nothing.

    python bench/sentiment_bench.py [--data ../shared/data/semeval_tweets_2013_2016.csv] [--limit 5000]
                                    [--seen 10000] [--repeat 3] [--local-model FILE]

Run it on one core (`taskset -c 1 ...`): texts are timed in chunks of 250, each chunk `--repeat` times, and the
best time of each chunk counts (CPU time, in microseconds per mention), for each stage of `LocalAnalyzer.score`
(cleaning and word features, VADER, the two models' sums, language) and for the whole call, with and without
language detection. The target is 300 µs per mention.

The analyzer remembers each word's character-n-gram sums. A warm Lambda has scored posts before, so every
pass starts from an analyzer that has read `--seen` other posts of the same file (not the measured ones) and
nothing more: words first met in the measured posts are worked out within the timing. The figure for an
analyzer that has read nothing at all is printed too.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from mentionwatch.sentiment.features import MAX_CHARS, clean_text, read_cleaned
from mentionwatch.sentiment.local import VADER_MAX_CHARS, LocalAnalyzer, _sums

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "semeval_tweets_2013_2016.csv"


# Texts timed together: short enough that a quiet moment covers one, long enough for the clock's resolution.
CHUNK = 250


def best_us_per_item(run: Callable[[Sequence[int]], None], items: int, repeat: int, reset: Callable[[], None]) -> float:
    """CPU time of this process (not wall time), chunk by chunk: each chunk of texts is timed `repeat` times and
    its best time kept, as `timeit` does, so other work on a shared machine inflates the figure as little as it can."""
    total = 0.0
    for first in range(0, items, CHUNK):
        chunk = range(first, min(items, first + CHUNK))
        best = float("inf")
        for _ in range(repeat):
            reset()
            start = time.process_time()
            run(chunk)
            best = min(best, time.process_time() - start)
        total += best
    return total / items * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a CSV with a `text` column")
    parser.add_argument("--limit", type=int, default=5_000, help="measure the first N texts")
    parser.add_argument("--seen", type=int, default=10_000, help="texts (after those) read before each pass")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--local-model", type=Path, help="weights of your own (default: the packaged ones)")
    args = parser.parse_args()

    with args.data.open(newline="", encoding="utf-8") as fh:
        rows = [row["text"] for row in csv.DictReader(fh)]
    texts, seen = rows[: args.limit], rows[args.limit : args.limit + args.seen]
    analyzer = LocalAnalyzer(args.local_model)
    started = time.perf_counter()
    analyzer.score("warm up: loads the weights, VADER and the language detector")
    print(f"first call (weights, VADER, detector loaded): {(time.perf_counter() - started) * 1e3:.0f} ms")
    without_language = LocalAnalyzer(args.local_model, detect_languages=False)
    for text in seen:
        without_language.score(text)
    warm_memo = dict(without_language._spellings)
    analyzer._spellings.update(warm_memo)

    def as_warm() -> None:
        for reader in (analyzer, without_language):
            reader._spellings.clear()
            reader._spellings.update(warm_memo)

    def as_cold() -> None:
        without_language._spellings.clear()

    word_table = analyzer._tables[0]
    cleaned = [clean_text(t[:MAX_CHARS]) for t in texts]
    read = [read_cleaned(c) for c in cleaned]
    n, repeat = len(texts), args.repeat

    def features(chunk: Sequence[int]) -> None:
        for i in chunk:
            read_cleaned(clean_text(texts[i][:MAX_CHARS]))

    def vader(chunk: Sequence[int]) -> None:
        for i in chunk:
            analyzer._vader.polarity_scores(cleaned[i][:VADER_MAX_CHARS])

    def sums(chunk: Sequence[int]) -> None:
        for i in chunk:
            words, spelled = read[i]
            _sums(words, word_table)
            analyzer._char_sums(spelled)

    def language(chunk: Sequence[int]) -> None:
        for i in chunk:
            analyzer.language(texts[i])

    def whole(chunk: Sequence[int]) -> None:
        for i in chunk:
            analyzer.score(texts[i])

    def whole_without_language(chunk: Sequence[int]) -> None:
        for i in chunk:
            without_language.score(texts[i])

    print(
        f"{n} texts from {args.data.name}, best of {repeat} runs per chunk of {CHUNK}, µs per mention on one core "
        f"(word memo: {len(warm_memo)} words from {len(seen)} other posts):"
    )
    for name, run, reset in (
        ("cleaning + word features", features, as_warm),
        ("VADER", vader, as_warm),
        ("weight sums (both models)", sums, as_warm),
        ("language", language, as_warm),
        ("score(), no language", whole_without_language, as_warm),
        ("score(), all", whole, as_warm),
        ("score(), no language, no memo", whole_without_language, as_cold),
    ):
        print(f"  {name:<32}{best_us_per_item(run, n, repeat, reset):8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
