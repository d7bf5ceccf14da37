"""Fault injection on the process path at scale (issue 13). Prints figures per fault class; asserts nothing.

    python bench/fault_injection_bench.py [--mentions 1000] [--chunk 100] [--rate 0.1] [--classes dynamodb sns ...]

Each class runs `--mentions` mentions through the real process handler on moto (see `tests/faults.py`): 10% of
DynamoDB, SNS or Comprehend calls failing (half before the request takes effect, half after: the answer lost),
or invocations killed at a random AWS call. The mentions run in chunks of `--chunk`, each on a fresh emulated
table (moto queries scan the whole table, so one big table would measure moto, not mentionwatch).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "mentionwatch",
        "POWERTOOLS_METRICS_NAMESPACE": "MentionwatchFaults",
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",  # thousands of expected failures: the figures, not log lines
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

import moto  # noqa: E402,F401 - before any boto3 client exists
from tests.faults import FAULT_CLASSES, run  # noqa: E402

COLUMNS = (
    "mentions",
    "urgent",
    "lost",
    "unpaged",
    "pages",
    "duplicate_pages",
    "republished",
    "unknowable_kills",
    "respond",
    "unclocked",
    "faults",
    "kills",
    "receives",
    "dlq_moves",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--classes", nargs="+", default=list(FAULT_CLASSES), choices=FAULT_CLASSES)
    args = parser.parse_args()
    print("class       " + " ".join(f"{name:>15}" for name in COLUMNS) + "     seconds")
    for fault_class in args.classes:
        totals = dict.fromkeys(COLUMNS, 0)
        started = time.perf_counter()
        for chunk, start in enumerate(range(0, args.mentions, args.chunk)):
            with contextlib.redirect_stdout(io.StringIO()):  # the handlers' metric lines: figures only here
                figures = run(fault_class, mentions=min(args.chunk, args.mentions - start), rate=args.rate, seed=chunk)
            for name in COLUMNS:
                totals[name] += getattr(figures, name)
            for line in figures.details:
                print(f"  {fault_class} chunk {chunk}: {line}", flush=True)
        seconds = time.perf_counter() - started
        print(f"{fault_class:<12}" + " ".join(f"{totals[name]:>15}" for name in COLUMNS) + f" {seconds:>11.0f}")


if __name__ == "__main__":
    main()
