"""DynamoDB adapter for the responses area, in the single table beside the mentions.

- brand post (brand activity): pk `BRANDPOST#<platform>:<native id>`, sk `BRANDPOST`
- reply requested through mentionwatch: pk `MENTION#<mention id>`, sk `REPLY#<idempotency key>` (beside its mention)
- posted reply → its mention: pk `REPLYPOST#<platform>:<native id>`, sk `REPLYPOST` (links the webhook's echo)
"""

from __future__ import annotations

from typing import Any

from mentionwatch.exceptions import AlreadyStored, VersionConflict
from mentionwatch.lifecycle import ResponseKind
from mentionwatch.responses.records import BrandPost, ReplyRecord
from mentionwatch.store import keys
from mentionwatch.store.errors import CONDITION_FAILED, DYNAMODB_ERRORS, error_code, translate
from mentionwatch.store.items import from_attribute_map, to_attribute_map

BRAND_POST_SK = "BRANDPOST"
REPLY_POST_SK = "REPLYPOST"


def brand_post_pk(post_id: str) -> str:
    return f"BRANDPOST#{post_id}"


def reply_sk(key: str) -> str:
    return f"REPLY#{key}"


def reply_post_pk(post_id: str) -> str:
    return f"REPLYPOST#{post_id}"


class ResponsesStore:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # --- brand activity --------------------------------------------------------------------------------
    def put_brand_post(self, post: BrandPost) -> None:
        """Unconditional: a redelivered brand post rewrites the same row."""
        document = post.model_dump(mode="json") | {
            "pk": brand_post_pk(post.id),
            "sk": BRAND_POST_SK,
            "entity": "brand_post",
            "brand": post.account.brand,
        }
        try:
            self._client.put_item(TableName=self._table, Item=to_attribute_map(document))
        except DYNAMODB_ERRORS as err:
            raise translate(err, "put_item") from err

    def get_brand_post(self, post_id: str) -> BrandPost | None:
        item = self._get(brand_post_pk(post_id), BRAND_POST_SK)
        return BrandPost.model_validate(item) if item else None

    # --- replies posted through mentionwatch -----------------------------------------------------------
    def create_reply(self, record: ReplyRecord) -> None:
        """First request under an idempotency key. Raises `AlreadyStored` when the key was used before."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._reply_item(record),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise AlreadyStored(f"reply {record.key!r} on {record.mention_id} is already recorded") from err
            raise translate(err, "put_item") from err

    def get_reply(self, mention_id: str, key: str) -> ReplyRecord | None:
        item = self._get(keys.mention_pk(mention_id), reply_sk(key), consistent=True)
        return ReplyRecord.model_validate(item) if item else None

    def replace_reply(self, record: ReplyRecord, expected_version: int) -> ReplyRecord:
        """Write the next state of a reply, only if nobody moved it since `expected_version`."""
        updated = record.model_copy(update={"version": expected_version + 1})
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._reply_item(updated),
                ConditionExpression="attribute_exists(pk) AND version = :expected",
                ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
            )
        except DYNAMODB_ERRORS as err:
            if error_code(err) == CONDITION_FAILED:
                raise VersionConflict(
                    f"reply {record.key!r} on {record.mention_id} changed meanwhile; retry the request",
                    field="idempotency_key",
                ) from err
            raise translate(err, "put_item") from err
        return updated

    def link_reply_post(self, post_id: str, mention_id: str, kind: ResponseKind) -> None:
        document = {
            "pk": reply_post_pk(post_id),
            "sk": REPLY_POST_SK,
            "entity": "reply_post",
            "mention_id": mention_id,
            "kind": kind.value,
        }
        try:
            self._client.put_item(TableName=self._table, Item=to_attribute_map(document))
        except DYNAMODB_ERRORS as err:
            raise translate(err, "put_item") from err

    def reply_target(self, post_id: str) -> tuple[str, ResponseKind] | None:
        """The mention a reply posted through mentionwatch answered, and how (so its echo links exactly)."""
        item = self._get(reply_post_pk(post_id), REPLY_POST_SK)
        if not item:
            return None
        return str(item["mention_id"]), ResponseKind(item["kind"])

    # --- helpers ---------------------------------------------------------------------------------------
    @staticmethod
    def _reply_item(record: ReplyRecord) -> dict[str, Any]:
        document = record.model_dump(mode="json") | {
            "pk": keys.mention_pk(record.mention_id),
            "sk": reply_sk(record.key),
            "entity": "reply",
        }
        return to_attribute_map(document)

    def _get(self, pk: str, sk: str, consistent: bool = False) -> dict[str, Any] | None:
        try:
            response = self._client.get_item(
                TableName=self._table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=consistent
            )
        except DYNAMODB_ERRORS as err:
            raise translate(err, "get_item") from err
        item = response.get("Item")
        return from_attribute_map(item) if item else None
