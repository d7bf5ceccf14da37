"""DynamoDB reads for the mentions API: key-condition queries on the indexes, read lazily page by page.

Only `Query`, `GetItem` and `BatchGetItem`: every filter is a key condition plus equality conditions on what the key
selects (attributes the indexes project), and the rows a page selects are then read by key (BatchGetItem).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mentionwatch.api.planning import KeyRange
from mentionwatch.store.batch import rows_for
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.errors import DYNAMODB_ERRORS, translate
from mentionwatch.store.items import MentionItem

MAX_PAGE_SIZE = 1000


class DynamoMentionQueries:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._store = MentionStore(client, table_name)

    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None:
        return self._store.get(mention_id, consistent=consistent)

    def iterate(
        self, key_range: KeyRange, attribute_filters: tuple[tuple[str, str], ...], page_size: int
    ) -> Iterator[MentionItem]:
        """Items of one key range in descending sort-key order; fetches the next page only when it is needed."""
        names = {"#pk": key_range.pk_name, "#sk": key_range.sk_name}
        values: dict[str, Any] = {
            ":pk": {"S": key_range.pk_value},
            ":low": {"S": key_range.low},
            ":high": {"S": key_range.high},
        }
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": key_range.index,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
            "ScanIndexForward": False,
            "Limit": max(1, min(page_size, MAX_PAGE_SIZE)),
        }
        conditions = []
        for number, (attribute, value) in enumerate(attribute_filters):
            names[f"#f{number}"] = attribute
            values[f":f{number}"] = {"S": value}
            conditions.append(f"#f{number} = :f{number}")
        if conditions:
            request["FilterExpression"] = " AND ".join(conditions)
        request["ExpressionAttributeNames"] = names
        request["ExpressionAttributeValues"] = values
        if key_range.low > key_range.high:
            return
        while True:
            try:
                response = self._client.query(**request)
            except DYNAMODB_ERRORS as err:
                raise translate(err, "query") from err
            # The index holds keys and the attributes filters read; the rows are read by key. A row that no longer
            # fits (its status changed since the index answered) is left out, as the index will soon leave it out.
            rows = rows_for(
                self._client,
                self._table,
                response.get("Items", []),
                "mentions",
                member_of=(key_range.pk_name, key_range.pk_value),
            )
            for row in rows:
                if all(row.get(attribute, {}).get("S") == value for attribute, value in attribute_filters):
                    yield MentionItem.from_item(row)
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
