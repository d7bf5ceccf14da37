"""A realistic mention stream for the benches: real tweet texts, duplicate deliveries and reposts.

Texts come from `../shared/data` when it is there (airline and SemEval tweets), else from the repo's sample stream,
so every bench also runs on a fresh clone. About 15% of deliveries repeat an earlier delivery (same mention id: the
platform redelivered) and about 10% are reposts (a new mention id carrying an earlier mention's text).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
DUPLICATE_SHARE = 0.15
REPOST_SHARE = 0.10


def tweet_texts(limit: int = 60_000) -> list[str]:
    texts: list[str] = []
    for name in ("airline_tweets_dev.csv", "semeval_tweets_2013_2016.csv"):
        path = SHARED / name
        if path.exists():
            with path.open(newline="", encoding="utf-8") as fh:
                texts.extend(row["text"] for row in csv.DictReader(fh) if row.get("text"))
    if not texts:
        sample = REPO / "events" / "mention-stream.jsonl"
        texts = [json.loads(line)["data"]["text"] for line in sample.read_text(encoding="utf-8").splitlines() if line]
    return texts[:limit]


def deliveries(
    count: int, seed: int = 15, brand: str = "northwind", start: datetime | None = None
) -> list[dict[str, Any]]:
    """`count` standard-webhook events (`mention.created`), with duplicates and reposts mixed in."""
    rng = random.Random(seed)
    texts = tweet_texts()
    rng.shuffle(texts)
    start = start or datetime.now(UTC) - timedelta(hours=1)
    events: list[dict[str, Any]] = []
    originals: list[dict[str, Any]] = []
    fresh = 0
    for number in range(count):
        roll = rng.random()
        if originals and roll < DUPLICATE_SHARE:
            events.append(rng.choice(originals[-500:]))
            continue
        text = texts[fresh % len(texts)]
        if originals and roll < DUPLICATE_SHARE + REPOST_SHARE:
            text = rng.choice(originals[-500:])["data"]["text"]
        else:
            fresh += 1
        created = start + timedelta(seconds=number * 3600 / max(count, 1))
        stamp = created.isoformat(timespec="seconds").replace("+00:00", "Z")
        followers = int(rng.paretovariate(1.2) * 40)
        event = {
            "type": "mention.created",
            "timestamp": stamp,
            "data": {
                "id": f"bench-{seed}-{number}",
                "text": text,
                "language": "en" if rng.random() < 0.7 else None,
                "created_at": stamp,
                "author": {"handle": f"user{rng.randrange(count // 3 + 1)}", "followers": followers},
                "brand": brand,
                "engagement": {"likes": 0, "replies": 0, "reposts": 0},
                "url": f"https://social.example/p/{number}",
            },
        }
        if event["data"]["language"] is None:
            del event["data"]["language"]
        originals.append(event)
        events.append(event)
    return events


def jsonl(events: list[dict[str, Any]]) -> Iterator[str]:
    for event in events:
        yield json.dumps(event, ensure_ascii=False)
