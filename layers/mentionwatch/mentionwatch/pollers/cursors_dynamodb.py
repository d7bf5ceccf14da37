"""DynamoDB adapter for poll cursors: pk=`CURSOR#<source>#<query>`, sk=`CURSOR` in the single table.

Item: the key, `source`, `query`, `version` (number, the optimistic lock), `updated_at` (ISO) and `cursor`
(the whole `Cursor` as a JSON string: the `seen` window changes shape with every run and is never queried).
A save is conditional on the version read, so two overlapping runs of one schedule cannot both move it.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from mentionwatch.exceptions import Conflict
from mentionwatch.pollers.base import Cursor
from mentionwatch.store.errors import CONDITION_FAILED, DYNAMODB_ERRORS, error_code, translate

SORT_KEY = "CURSOR"


class DynamoDbCursorStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table_name = table_name

    def get(self, source: str, query: str) -> Cursor:
        fresh = Cursor(source=source, query=query)
        try:
            answer = self.client.get_item(
                TableName=self.table_name,
                Key={"pk": {"S": fresh.key}, "sk": {"S": SORT_KEY}},
                ConsistentRead=True,
            )
        except DYNAMODB_ERRORS as err:
            raise _translate(err, f"reading cursor {fresh.key}") from err
        item = answer.get("Item")
        if not item:
            return fresh
        stored = Cursor.model_validate_json(item["cursor"]["S"])
        return stored.model_copy(update={"version": int(item["version"]["N"])})

    def put(self, cursor: Cursor) -> Cursor:
        saved = cursor.model_copy(update={"version": cursor.version + 1})
        item = {
            "pk": {"S": cursor.key},
            "sk": {"S": SORT_KEY},
            "source": {"S": cursor.source},
            "query": {"S": cursor.query},
            "version": {"N": str(saved.version)},
            "cursor": {"S": saved.model_dump_json()},
        }
        if saved.updated_at is not None:
            item["updated_at"] = {"S": saved.updated_at.isoformat()}
        condition: dict[str, Any]
        if cursor.version == 0:
            condition = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "#v = :expected",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":expected": {"N": str(cursor.version)}},
            }
        try:
            self.client.put_item(TableName=self.table_name, Item=item, **condition)
        except DYNAMODB_ERRORS as err:
            raise _translate(err, f"saving cursor {cursor.key}") from err
        return saved


def _translate(err: ClientError, doing: str) -> Exception:
    if error_code(err) == CONDITION_FAILED:
        return Conflict(f"{doing}: another run saved it first", field="version")
    return translate(err, doing)
