"""The hybrid analyzer's threshold, chosen on labelled data: how much goes to Comprehend, how right the rest is.

    python bench/hybrid_bench.py [--sample 4000] [--target-gain 0.10]

Labelled tweets from ../shared/data (airline and SemEval; a fresh clone without it has nothing to measure and says
so). A random half calibrates: the lowest threshold whose kept share (the local analyzer's top probability at or
above it) is at least `--target-gain` more accurate than the local analyzer overall. The other half reports, at that
threshold: the share sent for being unsure, the share the high-stakes rule adds, and the kept share's accuracy.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def labelled(sample: int, seed: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name, label_column in (
        ("airline_tweets_dev.csv", "airline_sentiment"),
        ("semeval_tweets_2013_2016.csv", "label"),
    ):
        path = SHARED / name
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8") as fh:
            part = [(row["text"], row[label_column].upper()) for row in csv.DictReader(fh) if row.get("text")]
        random.Random(seed).shuffle(part)
        rows.extend(part[: sample // 2])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=4000)
    parser.add_argument("--target-gain", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    rows = labelled(args.sample, args.seed)
    if not rows:
        print("hybrid_bench: no labelled data at ../shared/data; nothing to measure")
        return 0

    from mentionwatch.sentiment.hybrid import HIGH_STAKES
    from mentionwatch.sentiment.local import CLASSES, LocalAnalyzer

    local = LocalAnalyzer()
    scored = []
    for text, label in rows:
        probabilities = local.probabilities(text)
        top = max(range(3), key=lambda k: probabilities[k])
        scored.append((max(probabilities), CLASSES[top] == label, bool(HIGH_STAKES.search(text))))
    random.Random(args.seed).shuffle(scored)
    calibration, held_out = scored[: len(scored) // 2], scored[len(scored) // 2 :]

    def kept_accuracy(part: list[tuple[float, bool, bool]], threshold: float) -> tuple[float, float]:
        kept = [right for confidence, right, _ in part if confidence >= threshold]
        return (sum(kept) / len(kept) if kept else 1.0), 1 - len(kept) / len(part)

    overall = sum(right for _, right, _ in calibration) / len(calibration)
    threshold = 1.0
    for step in range(30, 100):
        candidate = step / 100
        accuracy, _ = kept_accuracy(calibration, candidate)
        if accuracy >= overall + args.target_gain:
            threshold = candidate
            break

    held_overall = sum(right for _, right, _ in held_out) / len(held_out)
    accuracy, unsure_share = kept_accuracy(held_out, threshold)
    stakes_share = sum(1 for confidence, _, stakes in held_out if stakes and confidence >= threshold) / len(held_out)
    print("| Hybrid figure (held-out half of the labelled tweets) | Value |")
    print("| --- | ---: |")
    print(f"| Labelled tweets (airline + SemEval), calibration / held-out | {len(calibration)} / {len(held_out)} |")
    print(
        f"| Threshold chosen on the calibration half (kept accuracy >= overall + {args.target_gain:.0%}) "
        f"| {threshold:.2f} |"
    )
    print(f"| Local analyzer accuracy, all held-out tweets | {held_overall:.1%} |")
    print(f"| Share sent to Comprehend as unsure | {unsure_share:.1%} |")
    print(f"| Share added by the high-stakes words (sure but sent) | {stakes_share:.1%} |")
    print(f"| Local accuracy on the share it keeps | {accuracy:.1%} ({accuracy - held_overall:+.1%} vs all) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
