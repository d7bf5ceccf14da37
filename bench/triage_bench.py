"""How long triage takes per mention, on real tweets. Prints figures; asserts nothing.

    python bench/triage_bench.py [--data ../shared/data/airline_tweets_dev.csv] [--rules FILE] [--repeat 3]

Measures, on one core: rules triage alone (sentiment already known), local sentiment alone, and local
sentiment + triage; the best of `--repeat` runs, in microseconds per mention.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

from mentionwatch.models import Author, Mention, Platform, TriageContext, utc_now
from mentionwatch.sentiment.local import LocalAnalyzer
from mentionwatch.triage.engine import RulesTriager, default_triager
from mentionwatch.triage.rules import load_rules

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "airline_tweets_dev.csv"


def best_us_per_item(run: Callable[[], None], items: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best / items * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rules", type=Path, help="a rules file (default: the packaged default rules)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with args.data.open(newline="", encoding="utf-8") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    now = utc_now()
    mentions = [
        Mention(platform=Platform.X, native_id=str(i), text=t, author=Author(handle="someone"), created_at=now)
        for i, t in enumerate(texts)
    ]
    analyzer = LocalAnalyzer()
    triager = RulesTriager(load_rules(args.rules)) if args.rules else default_triager()
    context = TriageContext()
    analyzer.score("warm up")
    sentiments = [analyzer.score(m.text) for m in mentions]
    pairs = list(zip(mentions, sentiments, strict=True))

    def triage_only() -> None:
        for mention, sentiment in pairs:
            triager.triage(mention, sentiment, context)

    def sentiment_only() -> None:
        for mention in mentions:
            analyzer.score(mention.text)

    def both() -> None:
        for mention in mentions:
            triager.triage(mention, analyzer.score(mention.text), context)

    n = len(mentions)
    print(f"{n} mentions from {args.data.name}, rules {args.rules or 'default'}, best of {args.repeat}")
    print(f"triage alone:             {best_us_per_item(triage_only, n, args.repeat):8.1f} µs/mention")
    print(f"local sentiment alone:    {best_us_per_item(sentiment_only, n, args.repeat):8.1f} µs/mention")
    print(f"local sentiment + triage: {best_us_per_item(both, n, args.repeat):8.1f} µs/mention")
    long_text = Mention(
        platform=Platform.X, native_id="long", text="word " * 10_000, author=Author(handle="someone"), created_at=now
    )

    def longest() -> None:
        triager.triage(long_text, analyzer.score(long_text.text), context)

    print(f"longest allowed mention (10,000 chars), sentiment + triage: {best_us_per_item(longest, 1, 5):.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
