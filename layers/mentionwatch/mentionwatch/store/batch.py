"""Batch calls with the retries DynamoDB asks for.

- BatchWriteItem: 25 puts a call, `UnprocessedItems` retried with backoff.
- Query: `query_pages` follows `LastEvaluatedKey` page by page, lazily.
- BatchGetItem: 100 keys a call, `UnprocessedKeys` retried with backoff. `rows_for` reads the full rows behind
  what a narrowed index returned (the indexes project keys and the few attributes their filters read, not the row:
  an index copy of the whole 1.8 KB mention cost two write units on every write that touched it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from mentionwatch.exceptions import Throttled
from mentionwatch.store.errors import DYNAMODB_ERRORS, translate

BATCH_WRITE_LIMIT = 25
BATCH_WRITE_ATTEMPTS = 5
BATCH_GET_LIMIT = 100
BATCH_GET_ATTEMPTS = 5
TABLE_KEYS = ("pk", "sk")


def query_pages(client: Any, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every page of a Query, read only when the caller asks for it (a caller that stops early reads no more)."""
    request = dict(request)
    while True:
        try:
            response: dict[str, Any] = client.query(**request)
        except DYNAMODB_ERRORS as err:
            raise translate(err, "query") from err
        yield response
        if "LastEvaluatedKey" not in response:
            return
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]


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


def batch_get(
    client: Any,
    table: str,
    item_keys: Sequence[dict[str, Any]],
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    *,
    projection: str | None = None,
    names: Mapping[str, str] | None = None,
    consistent: bool = False,
    attempts: int = BATCH_GET_ATTEMPTS,
    complete: bool = True,
) -> list[dict[str, Any]]:
    """The items stored under these keys (missing ones are simply absent), in no particular order.

    Keys left in `UnprocessedKeys` are asked for again with backoff, `attempts` calls in all; if some are still
    left then, `Throttled` when `complete`, otherwise they are left out (a cache may treat them as misses).
    """
    found: list[dict[str, Any]] = []
    unique = list({key_id(key): key for key in item_keys}.values())  # BatchGetItem refuses a repeated key
    for start in range(0, len(unique), BATCH_GET_LIMIT):
        request: dict[str, Any] = {"Keys": unique[start : start + BATCH_GET_LIMIT]}
        if projection:
            request["ProjectionExpression"] = projection
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        if consistent:
            request["ConsistentRead"] = True
        for attempt in range(attempts):
            try:
                response = client.batch_get_item(RequestItems={table: request})
            except DYNAMODB_ERRORS as err:
                raise translate(err, f"batch_get_item of {what}") from err
            found.extend(response.get("Responses", {}).get(table, []))
            left = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            if not left:
                break
            request = {**request, "Keys": left}
            if attempt + 1 < attempts:
                sleep(min(0.05 * 2**attempt, 1.0))
        else:
            if complete:
                raise Throttled(f"DynamoDB left {len(left)} {what} unread")
    return found


def rows_for(
    client: Any,
    table: str,
    index_items: Sequence[dict[str, Any]],
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    *,
    member_of: tuple[str, str] | None = None,
    consistent: bool = False,
) -> list[dict[str, Any]]:
    """The full rows behind index entries, in the entries' order.

    A row deleted since the index answered is left out, and so, with `member_of=(index hash attribute, value)`,
    is a row that has since left the partition it was found in (a mention acknowledged since, a page recorded
    since): the index is eventually consistent, the row is what counts.
    """
    if not index_items:
        return []
    item_keys = [{name: entry[name] for name in TABLE_KEYS} for entry in index_items]
    rows = {key_id(row): row for row in batch_get(client, table, item_keys, what, sleep, consistent=consistent)}
    ordered = [rows[key_id(key)] for key in item_keys if key_id(key) in rows]
    if member_of is not None:
        attribute, value = member_of
        ordered = [row for row in ordered if row.get(attribute, {}).get("S") == value]
    return ordered


def key_id(key: Mapping[str, Any]) -> tuple[str, str]:
    """A table key as a hashable (pk, sk)."""
    return (str(key["pk"]["S"]), str(key["sk"]["S"]))
