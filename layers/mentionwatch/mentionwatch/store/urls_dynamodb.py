"""DynamoDB adapter for canonical-URL claims: `URL#<canonical url>` / `URL` → the mention that holds the URL.

The first mention stored with a URL claims it (conditional put); a mention with another id and the same URL is the
same post through a second integration and is not stored again. A claim by the same mention (a redelivery, an
edit) succeeds again, so a retried batch is not mistaken for a duplicate.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from mentionwatch.models import Mention
from mentionwatch.store.errors import CONDITION_FAILED, error_code, translate
from mentionwatch.urls import canonical_url

MAX_KEY_CHARS = 1000  # DynamoDB partition keys may hold 2048 bytes; longer URLs are not deduplicated


class UrlClaims:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def claim(self, mention: Mention) -> str | None:
        """The id of another mention that already holds this mention's canonical URL, else None (claimed now)."""
        url = canonical_url(mention.permalink) if mention.permalink else None
        if url is None or len(url) > MAX_KEY_CHARS:
            return None
        key = {"pk": {"S": f"URL#{url}"}, "sk": {"S": "URL"}}
        try:
            self._client.put_item(
                TableName=self._table,
                Item=key | {"entity": {"S": "url_claim"}, "mention_id": {"S": mention.id}},
                ConditionExpression="attribute_not_exists(pk) OR mention_id = :id",
                ExpressionAttributeValues={":id": {"S": mention.id}},
            )
        except ClientError as err:
            if error_code(err) != CONDITION_FAILED:
                raise translate(err, "put_item") from err
            try:
                item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item", {})
            except ClientError as inner:
                raise translate(inner, "get_item") from inner
            return str(item.get("mention_id", {}).get("S", "")) or None
        return None
