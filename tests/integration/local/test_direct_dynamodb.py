"""`mentionwatch replay`'s DynamoDB client without the wire format (`local/direct.py`) answers as boto3 on moto does:
the same replay, publishes and summary, either way; DynamoDB's errors as botocore's `ClientError` with their codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mentionwatch.local.direct import DirectDynamoDB
from mentionwatch.replay import ReplayOptions, replay
from tests.support import ROOT

SCENARIOS = ROOT / "events" / "scenarios"


def replayed(path: Path, wire: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    publishes: list[dict[str, Any]] = []
    result = replay(
        path.read_text(encoding="utf-8").splitlines(keepends=True), ReplayOptions(wire=wire), publishes.append
    )
    summary = dict(result.summary["summary"])
    summary.pop("elapsed_seconds")
    return publishes, summary


@pytest.mark.parametrize("scenario", ["viral-burst-400.jsonl", "thread-105-replies.jsonl", "safety-during-storm.jsonl"])
def test_a_replay_is_the_same_through_the_direct_client_as_through_boto3(scenario: str) -> None:
    direct = replayed(SCENARIOS / scenario, wire=False)
    wire = replayed(SCENARIOS / scenario, wire=True)

    assert direct == wire
    assert direct[0], "the scenario pages"


def test_errors_come_back_as_client_errors_with_dynamodb_codes(dynamodb: Any, table: str) -> None:
    client = DirectDynamoDB()
    key = {"pk": {"S": "MENTION#x:1"}, "sk": {"S": "MENTION"}}
    client.put_item(TableName=table, Item=key | {"n": {"N": "1"}, "blob": {"B": b"\x00\x01"}})

    with pytest.raises(ClientError) as refused:
        client.put_item(TableName=table, Item=key, ConditionExpression="attribute_not_exists(pk)")
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"

    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": key, "ConditionExpression": "attribute_not_exists(pk)"}},
            ]
        )
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert cancelled.value.response["CancellationReasons"][0]["Code"] == "ConditionalCheckFailed"

    # what boto3 reads back is what the direct client wrote, binary included
    assert dynamodb.get_item(TableName=table, Key=key)["Item"]["blob"] == {"B": b"\x00\x01"}
    assert client.get_item(TableName=table, Key=key)["Item"]["n"] == {"N": "1"}
    with pytest.raises(AttributeError, match="create_table"):
        client.create_table  # noqa: B018 - not offered: a boto3 client makes tables
