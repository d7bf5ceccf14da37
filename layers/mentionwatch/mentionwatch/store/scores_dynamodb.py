"""DynamoDB adapter for the sentiment score cache (`sentiment/cache.py`) and the stored-mention check.

A score row is small (under 300 bytes: one write unit), carries no index keys (no index copies) and expires by TTL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from mentionwatch.models import SentimentResult
from mentionwatch.store import keys
from mentionwatch.store.batch import batch_get, batch_put

BATCH_GET_ATTEMPTS = 3
SCORE_SK = "SCORE"
DEFAULT_SCORE_TTL = timedelta(days=2)  # reposts of a text come within hours; a short life keeps the table small


def score_pk(text_key: str) -> str:
    return f"SCORE#{text_key}"


def batch_get_keys(
    client: Any,
    table: str,
    item_keys: Sequence[dict[str, Any]],
    projection: str,
    sleep: Callable[[float], None] = time.sleep,
    names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """BatchGetItem in calls of 100 keys, retrying `UnprocessedKeys` a few times; what is left is not returned
    (a cached score left unread is a miss, a stored mention left unread is scored again: both only cost)."""
    return batch_get(
        client,
        table,
        item_keys,
        "keys",
        sleep,
        projection=projection,
        names=names,
        attempts=BATCH_GET_ATTEMPTS,
        complete=False,
    )


class DynamoScoreStore:
    def __init__(
        self,
        client: Any,
        table_name: str,
        clock: Callable[[], datetime],
        ttl: timedelta = DEFAULT_SCORE_TTL,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._ttl = ttl
        self._sleep = sleep

    def get_many(self, text_keys: Sequence[str]) -> dict[str, SentimentResult]:
        if not text_keys:
            return {}
        rows = batch_get_keys(
            self._client,
            self._table,
            [{"pk": {"S": score_pk(key)}, "sk": {"S": SCORE_SK}} for key in text_keys],
            "pk, #r, expiration",
            self._sleep,
            names={"#r": "result"},
        )
        now = self._clock().timestamp()
        scores: dict[str, SentimentResult] = {}
        for row in rows:
            if int(row.get("expiration", {}).get("N", "0")) <= now:
                continue  # TTL deletes lazily (up to days later): an expired row is a miss
            try:
                scores[row["pk"]["S"].removeprefix("SCORE#")] = SentimentResult.model_validate_json(row["result"]["S"])
            except (KeyError, ValueError):
                continue  # an unreadable row is a miss, scored again and rewritten
        return scores

    def put_many(self, scores: Mapping[str, SentimentResult]) -> None:
        expiration = int((self._clock() + self._ttl).timestamp())
        items = [
            {
                "pk": {"S": score_pk(key)},
                "sk": {"S": SCORE_SK},
                "entity": {"S": "score"},
                "result": {"S": result.model_dump_json()},
                "expiration": {"N": str(expiration)},
            }
            for key, result in scores.items()
        ]
        batch_put(self._client, self._table, items, "cached scores", self._sleep)


def stored_mention_ids(client: Any, table: str, mention_ids: Sequence[str], sleep: Callable[[float], None]) -> set[str]:
    """Which of these mentions already have a row (one BatchGetItem per 100 ids, keys only)."""
    rows = batch_get_keys(
        client,
        table,
        [{"pk": {"S": keys.mention_pk(mention_id)}, "sk": {"S": keys.MENTION_SK}} for mention_id in mention_ids],
        "pk",
        sleep,
    )
    return {row["pk"]["S"].removeprefix(keys.mention_pk("")) for row in rows}
