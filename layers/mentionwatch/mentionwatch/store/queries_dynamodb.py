"""DynamoDB reads for the mentions API: key-condition queries on the indexes, read lazily page by page.

Only `Query`, `GetItem` and `BatchGetItem`: every filter is a key condition plus equality conditions on what the key
selects (attributes the indexes project), and the rows a page selects are then read by key (BatchGetItem).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mentionwatch.api.planning import IndexEntry, KeyRange
from mentionwatch.store import keys
from mentionwatch.store.batch import TABLE_KEYS, batch_get, key_id, query_pages
from mentionwatch.store.dynamodb import MentionStore
from mentionwatch.store.items import MentionItem

MAX_PAGE_SIZE = 1000


class DynamoMentionQueries:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._store = MentionStore(client, table_name)

    def get(self, mention_id: str, consistent: bool = False) -> MentionItem | None:
        return self._store.get(mention_id, consistent=consistent)

    def entries(
        self, key_range: KeyRange, attribute_filters: tuple[tuple[str, str], ...], page_size: int
    ) -> Iterator[IndexEntry]:
        """Entries of one key range in descending sort-key order; fetches the next page only when it is needed."""
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
        partition = (key_range.pk_name, key_range.pk_value)
        for page in query_pages(self._client, request):
            for item in page.get("Items", []):
                table_key = {name: item[name] for name in TABLE_KEYS}
                yield IndexEntry(
                    sort_key=keys.position_of(item[key_range.sk_name]["S"]), ref=_EntryRef(table_key, partition)
                )

    def rows(self, entries: Sequence[IndexEntry], attribute_filters: tuple[tuple[str, str], ...]) -> list[MentionItem]:
        """The mentions behind entries, in their order (BatchGetItem). A row that has left the partition its entry
        was in, or no longer matches a filter (its status changed since the index answered), is left out, as the
        index will soon leave it out."""
        refs = [entry.ref for entry in entries if isinstance(entry.ref, _EntryRef)]
        found = batch_get(self._client, self._table, [ref.key for ref in refs], "mentions")
        rows = {key_id(row): row for row in found}
        items = []
        for ref in refs:
            row = rows.get(key_id(ref.key))
            if row is None:
                continue
            attribute, value = ref.partition
            fits = row.get(attribute, {}).get("S") == value and all(
                row.get(name, {}).get("S") == wanted for name, wanted in attribute_filters
            )
            if fits:
                items.append(MentionItem.from_item(row))
        return items


@dataclass(frozen=True)
class _EntryRef:
    key: dict[str, Any]  # the row's table key
    partition: tuple[str, str]  # (index hash attribute, value) the entry was found under
