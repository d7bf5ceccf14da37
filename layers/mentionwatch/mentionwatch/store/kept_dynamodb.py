"""Kept deliveries in the table: a signed delivery the parser refused, stored for replay until its TTL.

- item: pk `KEPT#<id>`, sk `KEPT`; listed newest first through GSI1 partition `KEPT` / `<received_at>#<id>`
  (a partition of its own, so the status queues never see these rows).
"""

from __future__ import annotations

from typing import Any

from mentionwatch.pipeline.kept import KeptDelivery
from mentionwatch.store import keys
from mentionwatch.store.batch import rows_for
from mentionwatch.store.errors import DYNAMODB_ERRORS, translate
from mentionwatch.store.items import from_attribute_map, to_attribute_map

KEPT_SK = "KEPT"
KEPT_PARTITION = "KEPT"


class DynamoDbKeptDeliveries:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def keep(self, delivery: KeptDelivery) -> None:
        document = delivery.model_dump(mode="json", exclude={"body"})
        document |= {
            "pk": f"KEPT#{delivery.id}",
            "sk": KEPT_SK,
            "entity": "kept_delivery",
            "GSI1PK": KEPT_PARTITION,
            "GSI1SK": f"{keys.iso(delivery.received_at)}#{delivery.id}",
        }
        item = to_attribute_map(document) | {"body": {"B": delivery.body}}
        try:
            self._client.put_item(TableName=self._table, Item=item)
        except DYNAMODB_ERRORS as err:
            raise translate(err, "put_item") from err

    def get(self, delivery_id: str) -> KeptDelivery | None:
        try:
            response = self._client.get_item(
                TableName=self._table, Key={"pk": {"S": f"KEPT#{delivery_id}"}, "sk": {"S": KEPT_SK}}
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        item = response.get("Item")
        return self._from_item(item) if item else None

    def recent(self, limit: int = 50) -> list[KeptDelivery]:
        """Newest first; rows past their expiry are left out even before DynamoDB's TTL removes them."""
        found: list[KeptDelivery] = []
        start: dict[str, Any] | None = None
        while len(found) < limit:
            request: dict[str, Any] = {
                "TableName": self._table,
                "IndexName": "GSI1",
                "KeyConditionExpression": "GSI1PK = :pk",
                "ExpressionAttributeValues": {":pk": {"S": KEPT_PARTITION}},
                "ScanIndexForward": False,
                "Limit": limit,
            }
            if start:
                request["ExclusiveStartKey"] = start
            try:
                response = self._client.query(**request)
            except DYNAMODB_ERRORS as err:
                raise translate(err, "query") from err
            rows = rows_for(self._client, self._table, response.get("Items", []), "kept deliveries")  # GSI1: keys
            found.extend(self._from_item(item) for item in rows)
            start = response.get("LastEvaluatedKey")
            if not start:
                break
        return found[:limit]

    def forget(self, delivery_id: str) -> None:
        try:
            self._client.delete_item(
                TableName=self._table, Key={"pk": {"S": f"KEPT#{delivery_id}"}, "sk": {"S": KEPT_SK}}
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "delete_item") from err

    @staticmethod
    def _from_item(item: dict[str, Any]) -> KeptDelivery:
        body = item.get("body", {}).get("B", b"")
        rest = from_attribute_map({key: value for key, value in item.items() if key != "body"})
        return KeptDelivery.model_validate(rest | {"body": bytes(body)})
