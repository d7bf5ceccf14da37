"""The local stack's faster moto (`local/fastmoto.py`) answers as moto does: what it keeps on items (sizes, sort keys)
and in its partition map follows every write, including updates in place and a cancelled transaction."""

from __future__ import annotations

from typing import Any

import pytest

from mentionwatch.local import fastmoto

TABLE = "fastmoto-check"


@pytest.fixture
def dynamodb(dynamodb: Any) -> Any:
    fastmoto.install()  # idempotent; the local stack installs it in this process too
    dynamodb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gpk", "gsk")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "GSI",
                "KeySchema": [
                    {"AttributeName": "gpk", "KeyType": "HASH"},
                    {"AttributeName": "gsk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    return dynamodb


def put(dynamodb: Any, name: str, gsk: str, **extra: str) -> None:
    item = {"pk": {"S": name}, "sk": {"S": "ROW"}, "gpk": {"S": "P"}, "gsk": {"S": gsk}}
    item |= {key: {"S": value} for key, value in extra.items()}
    dynamodb.put_item(TableName=TABLE, Item=item)


def page(dynamodb: Any, **query: Any) -> dict[str, Any]:
    answer: dict[str, Any] = dynamodb.query(
        TableName=TABLE,
        IndexName="GSI",
        KeyConditionExpression="gpk = :p",
        ExpressionAttributeValues={":p": {"S": "P"}},
        **query,
    )
    return answer


def in_index_order(dynamodb: Any, **query: Any) -> list[str]:
    return [item["pk"]["S"] for item in page(dynamodb, **query)["Items"]]


def test_an_update_in_place_moves_the_item_in_index_order(dynamodb: Any) -> None:
    # Given three items in an index partition, queried once (their sort keys are now kept)
    for name, gsk in (("a", "1"), ("b", "2"), ("c", "3")):
        put(dynamodb, name, gsk)
    assert in_index_order(dynamodb) == ["a", "b", "c"]
    # When one's index sort key is updated in place
    dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "a"}, "sk": {"S": "ROW"}},
        UpdateExpression="SET gsk = :k",
        ExpressionAttributeValues={":k": {"S": "9"}},
    )
    # Then the next query orders it by its new key, both ways
    assert in_index_order(dynamodb) == ["b", "c", "a"]
    assert in_index_order(dynamodb, ScanIndexForward=False) == ["a", "c", "b"]


def test_the_one_megabyte_page_follows_an_item_that_shrank_in_place(dynamodb: Any) -> None:
    # Given four items of about 300 KB: a page holds three (DynamoDB stops a Query at 1 MB)
    for name, gsk in (("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")):
        put(dynamodb, name, gsk, body="x" * 300_000)
    first = page(dynamodb)
    assert first["Count"] == 3 and "LastEvaluatedKey" in first
    # When one shrinks in place
    dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "b"}, "sk": {"S": "ROW"}},
        UpdateExpression="SET body = :small",
        ExpressionAttributeValues={":small": {"S": "small"}},
    )
    # Then the page is measured with its new size: all four fit
    second = page(dynamodb)
    assert second["Count"] == 4 and "LastEvaluatedKey" not in second


def test_a_cancelled_transaction_leaves_the_partition_as_it_was_and_later_writes_are_seen(dynamodb: Any) -> None:
    # Given a partition already queried (its map is built)
    put(dynamodb, "a", "1")
    assert in_index_order(dynamodb) == ["a"]
    # When a transaction that would add an item to it is cancelled by a failed condition
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {"pk": {"S": "t"}, "sk": {"S": "ROW"}, "gpk": {"S": "P"}, "gsk": {"S": "0"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "a"}, "sk": {"S": "ROW"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    # Then the partition does not hold it, and a later write to the restored table is found, in order
    assert in_index_order(dynamodb) == ["a"]
    put(dynamodb, "z", "0")
    dynamodb.delete_item(TableName=TABLE, Key={"pk": {"S": "a"}, "sk": {"S": "ROW"}})
    assert in_index_order(dynamodb) == ["z"]
