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


def test_a_query_reads_only_its_window_and_answers_as_moto_does_over_the_whole_partition(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a partition of 300 items whose index sort keys repeat (ties are ordered by the table key)
    import random

    rng = random.Random(5)
    for number in range(300):
        put(dynamodb, f"m{number:03d}", f"{rng.choice('ABC')}#{rng.randint(10, 60)}")
    queries: list[dict[str, Any]] = []
    for forward in (True, False):
        for limit in (None, 1, 7, 50, 400):
            for condition, values in (
                (None, {}),
                ("gsk BETWEEN :a AND :b", {":a": {"S": "A#2"}, ":b": {"S": "B#4"}}),
                ("begins_with(gsk, :a)", {":a": {"S": "B#"}}),
                ("gsk < :a", {":a": {"S": "B#30"}}),
                ("gsk >= :a", {":a": {"S": "C#5"}}),
                ("gsk = :a", {":a": {"S": "A#33"}}),
            ):
                query: dict[str, Any] = {"ScanIndexForward": forward}
                if limit is not None:
                    query["Limit"] = limit
                if condition is not None:
                    query["KeyConditionExpression"] = f"gpk = :p AND {condition}"
                    query["ExpressionAttributeValues"] = {":p": {"S": "P"}} | values
                queries.append(query)

    def every_page(**query: Any) -> list[dict[str, Any]]:
        answers, start = [], None
        while True:
            extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            answer = dynamodb.query(
                TableName=TABLE,
                IndexName="GSI",
                **({"KeyConditionExpression": "gpk = :p", "ExpressionAttributeValues": {":p": {"S": "P"}}} | query),
                **extra,
            )
            answer.pop("ResponseMetadata", None)
            answers.append(answer)
            start = answer.get("LastEvaluatedKey")
            if start is None:
                return answers

    # When each query is paged through with the window, and again with moto's own scan of the whole partition
    window = fastmoto._window
    reached: list[int] = []

    def measured(*args: Any) -> Any:
        items = window(*args)
        reached.append(-1 if items is None else len(items))  # -1: the window left it to moto's scan
        return items

    monkeypatch.setattr(fastmoto, "_window", measured)
    windowed = [every_page(**query) for query in queries]
    monkeypatch.setattr(fastmoto, "_window", lambda *_: None)
    whole = [every_page(**query) for query in queries]

    # Then every page is the same: items, counts and the key the next page starts from
    for query, mine, moto_own in zip(queries, windowed, whole, strict=True):
        assert mine == moto_own, query
    assert sum(len(pages) for pages in whole) > len(queries)  # the limits made real pages
    # and every page was read through a window; a page of 7 read at most 8 items of the 300
    assert len(reached) == sum(len(pages) for pages in windowed) and min(reached) >= 0
    assert min(reached) <= 8


def test_an_item_copy_is_equal_and_independent_of_the_stored_item(dynamodb: Any) -> None:
    import copy

    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    # Given an item with nested maps, lists, sets and binary values
    attributes = {
        "pk": {"S": "a"},
        "sk": {"S": "ROW"},
        "doc": {"M": {"tags": {"L": [{"S": "x"}, {"N": "2"}]}, "ok": {"BOOL": True}, "none": {"NULL": True}}},
        "names": {"SS": ["b", "c"]},
        "blob": {"B": b"\x00\x01"},
    }
    original = Item(DynamoType({"S": "a"}), DynamoType({"S": "ROW"}), attributes)

    # When it is copied (as moto copies every answer and write), and the copy is changed
    copied = copy.deepcopy(original)
    assert copied.to_json() == original.to_json() and copied is not original
    copied.attrs["doc"].value["tags"].value.append(DynamoType({"S": "y"}))
    copied.attrs["names"].value.append("d")

    # Then the original is untouched
    assert [tag.value for tag in original.attrs["doc"].value["tags"].value] == ["x", "2"]
    assert sorted(original.attrs["names"].value) == ["b", "c"]
    # and one object copied twice in one deep copy (a table and its partition map) is copied once
    pair = copy.deepcopy([original, original])
    assert pair[0] is pair[1]
