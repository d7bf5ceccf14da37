"""The hybrid analyzer's threshold, chosen on labelled data: how much goes to Comprehend, how right the rest is.

    python bench/hybrid_bench.py [--target-gain 0.10] [--semeval 8000] [--halves 20]

Measured exactly as the hybrid routes: each tweet is scored by `LocalAnalyzer.score()` (the label the hybrid keeps)
and routed by `HybridAnalyzer.route()` (confidence = the top of those scores; high-stakes words and reach); the
kept share is what the hybrid would not send. Two sources, judged apart so neither hides the other:
- the airline tweets held out from the shipped model's training (`tests/fixtures/triage/airline_sample.csv`,
  2,026 tweets; in the repo, so a fresh clone measures them too);
- SemEval general tweets from `../shared/data` when it is there (the shipped model was trained on them, so their
  figures are optimistic; they show how a general stream differs from an airline's).

The threshold printed is the lowest (in steps of 0.01) at which, on each source, the kept share is at least
`--target-gain` more accurate than the local analyzer on all of that source, on the whole source and on at least
80% of `--halves` random halves (so sampling noise of a smaller stream does not take it under the target).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
AIRLINE_HELD_OUT = REPO / "tests" / "fixtures" / "triage" / "airline_sample.csv"
STEPS = [step / 100 for step in range(40, 100)]
HALVES_SHARE = 0.8

Scored = list[tuple[float, bool, bool]]  # (confidence, local label right, sent whatever the confidence)


def read_labelled(path: Path, label_column: str, limit: int, seed: int) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [(row["text"], row[label_column].upper()) for row in csv.DictReader(fh) if row.get("text")]
    random.Random(seed).shuffle(rows)
    return rows[:limit]


def score(rows: list[tuple[str, str]]) -> Scored:
    from mentionwatch.sentiment.base import SentimentRequest
    from mentionwatch.sentiment.hybrid import HybridAnalyzer, confidence
    from mentionwatch.sentiment.local import LocalAnalyzer

    local = LocalAnalyzer(detect_languages=False)
    # threshold 0: route() then answers only for the reasons a threshold does not decide (language, high stakes).
    router = HybridAnalyzer(local, local, threshold=0.0)
    scored: Scored = []
    for text, label in rows:
        request = SentimentRequest(text=text, language="en")
        result = local.score(text, "en")
        always = router.route(request, result) is not None
        scored.append((confidence(result), result.label.value == label, always))
    return scored


def kept_figures(part: Scored, threshold: float) -> tuple[float, float, float]:
    """(overall accuracy, kept accuracy, share sent) at `threshold`."""
    overall = sum(right for _, right, _ in part) / len(part)
    kept = [right for conf, right, always in part if conf >= threshold and not always]
    accuracy = sum(kept) / len(kept) if kept else 1.0
    return overall, accuracy, 1 - len(kept) / len(part)


def holds(part: Scored, threshold: float, gain: float, halves: int, seed: int) -> bool:
    overall, accuracy, _ = kept_figures(part, threshold)
    if accuracy < overall + gain:
        return False
    passed = 0
    for number in range(halves):
        half = part[:]
        random.Random(seed + number).shuffle(half)
        overall, accuracy, _ = kept_figures(half[: len(half) // 2], threshold)
        passed += accuracy >= overall + gain
    return passed >= HALVES_SHARE * halves


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-gain", type=float, default=0.10)
    parser.add_argument("--semeval", type=int, default=8000, help="SemEval tweets sampled from ../shared/data")
    parser.add_argument("--halves", type=int, default=20)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()

    from mentionwatch.sentiment.hybrid import DEFAULT_THRESHOLD

    sources = {
        "airline, held out from training": read_labelled(AIRLINE_HELD_OUT, "airline_sentiment", 10**6, args.seed),
        "SemEval general tweets (in training)": read_labelled(
            SHARED / "semeval_tweets_2013_2016.csv", "label", args.semeval, args.seed
        ),
    }
    scored = {name: score(rows) for name, rows in sources.items() if rows}
    chosen = next(
        (
            step
            for step in STEPS
            if all(holds(part, step, args.target_gain, args.halves, args.seed) for part in scored.values())
        ),
        1.0,
    )
    print(
        f"Threshold: lowest at which the kept share is >= {args.target_gain:.0%} more accurate than the local "
        f"analyzer overall on every source (whole, and {HALVES_SHARE:.0%} of {args.halves} random halves): "
        f"{chosen:.2f} (the deployed default is {DEFAULT_THRESHOLD:.2f})"
    )
    print()
    print("| Source | Tweets | Threshold | Local accuracy, all | Sent to Comprehend | Local accuracy, kept share |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, part in scored.items():
        for threshold in sorted({chosen, DEFAULT_THRESHOLD}):
            overall, accuracy, sent = kept_figures(part, threshold)
            print(
                f"| {name} | {len(part)} | {threshold:.2f} | {overall:.1%} | {sent:.1%} "
                f"| {accuracy:.1%} ({accuracy - overall:+.1%}) |"
            )
    if not scored.get("SemEval general tweets (in training)"):
        print("\n(no ../shared/data here: SemEval left out; the airline figures are the repo's held-out split)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
