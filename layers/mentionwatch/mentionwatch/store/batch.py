"""BatchWriteItem with the retries DynamoDB asks for: 25 puts a call, `UnprocessedItems` retried with backoff."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from mentionwatch.exceptions import Throttled
from mentionwatch.store.errors import DYNAMODB_ERRORS, translate

BATCH_WRITE_LIMIT = 25
BATCH_WRITE_ATTEMPTS = 5


def batch_put(
    client: Any,
    table: str,
    items: Sequence[dict[str, Any]],
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Unconditional puts of attribute-value items. Raises `Throttled` if some are left after the retries."""
    for start in range(0, len(items), BATCH_WRITE_LIMIT):
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_WRITE_LIMIT]]
        for attempt in range(BATCH_WRITE_ATTEMPTS):
            try:
                response = client.batch_write_item(RequestItems={table: requests})
            except DYNAMODB_ERRORS as err:
                raise translate(err, f"batch_write_item of {what}") from err
            requests = response.get("UnprocessedItems", {}).get(table, [])
            if not requests:
                break
            sleep(min(0.05 * 2**attempt, 1.0))
        else:
            raise Throttled(f"DynamoDB left {len(requests)} {what} unprocessed")
