"""How long the local analyzer takes per mention, and where the time goes. Prints figures; asserts nothing.

    python bench/sentiment_bench.py [--data ../shared/data/semeval_tweets_2013_2016.csv] [--limit 10000]
                                    [--repeat 3] [--local-model FILE]

Run it on a quiet core (`taskset -c 1 nice ...`): on one core, the best of `--repeat` passes over the texts,
in microseconds per mention, for each stage of `LocalAnalyzer.score` (word features, character features,
VADER, the two models' sums, language) and for the whole call, with and without language detection. The
target is 300 µs per mention.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

from mentionwatch.sentiment.features import clean_text, text_features
from mentionwatch.sentiment.local import VADER_MAX_CHARS, LocalAnalyzer, _sums

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "semeval_tweets_2013_2016.csv"


def best_us_per_item(run: Callable[[], None], items: int, repeat: int) -> float:
    """CPU time of this process (not wall time), so other work on a shared machine inflates it less."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best / items * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a CSV with a `text` column")
    parser.add_argument("--limit", type=int, default=10_000, help="the first N texts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--local-model", type=Path, help="weights of your own (default: the packaged ones)")
    args = parser.parse_args()

    with args.data.open(newline="", encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)][: args.limit]
    analyzer = LocalAnalyzer(args.local_model)
    started = time.perf_counter()
    analyzer.score("warm up: loads the weights, VADER and the language detector")
    print(f"first call (weights, VADER, detector loaded): {(time.perf_counter() - started) * 1e3:.0f} ms")
    without_language = LocalAnalyzer(args.local_model, detect_languages=False)
    without_language.score("warm up")
    word_table, char_table = analyzer._tables
    extracted = [text_features(t) for t in texts]
    # A word's character n-grams are cached: a first pass fills the cache, as a warm Lambda's would be.
    n, repeat = len(texts), args.repeat

    def features() -> None:
        for t in texts:
            text_features(t)

    def vader() -> None:
        for t in texts:
            analyzer._vader.polarity_scores(clean_text(t[: VADER_MAX_CHARS * 2])[:VADER_MAX_CHARS])

    def sums() -> None:
        for words, chars in extracted:
            _sums(words, word_table)
            _sums(chars, char_table)

    def language() -> None:
        for t in texts:
            analyzer.language(t)

    def whole() -> None:
        for t in texts:
            analyzer.score(t)

    def whole_without_language() -> None:
        for t in texts:
            without_language.score(t)

    print(f"{n} texts from {args.data.name}, best of {repeat} passes, µs per mention on one core:")
    for name, run in (
        ("word + character features", features),
        ("VADER", vader),
        ("weight sums (both models)", sums),
        ("language", language),
        ("score(), no language", whole_without_language),
        ("score(), all", whole),
    ):
        print(f"  {name:<28}{best_us_per_item(run, n, repeat):8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
