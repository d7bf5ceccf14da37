from __future__ import annotations

import os
from datetime import UTC, datetime

import moto  # noqa: F401  (imported before boto3 creates any client)

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from mentionwatch.exceptions import Conflict  # noqa: E402
from mentionwatch.pollers.base import Cursor  # noqa: E402
from mentionwatch.pollers.cursors_dynamodb import DynamoDbCursorStore  # noqa: E402

TABLE = "mentionwatch-test"


@pytest.fixture
def client():
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb


def test_missing_cursor_reads_as_a_fresh_one(client):
    cursor = DynamoDbCursorStore(client, TABLE).get("reddit", "acme-search")
    assert (cursor.version, cursor.watermark, cursor.seen) == (0, None, {})


def test_saved_cursor_round_trips_under_its_documented_key(client):
    # Given a cursor with every field set
    store = DynamoDbCursorStore(client, TABLE)
    cursor = Cursor(
        source="reddit",
        query="acme-search",
        position="t3_1gxa009",
        watermark=datetime(2026, 11, 23, 16, 15, tzinfo=UTC),
        seen={"t3_1gxa009": 1795450500},
        etag='"v1"',
        backoff_until=datetime(2026, 11, 23, 17, 5, tzinfo=UTC),
        updated_at=datetime(2026, 11, 23, 17, 0, tzinfo=UTC),
    )

    # When saved and read back
    saved = store.put(cursor)
    loaded = store.get("reddit", "acme-search")

    # Then it is the same cursor, one version on, stored at pk=CURSOR#reddit#acme-search, sk=CURSOR
    assert loaded == saved == cursor.model_copy(update={"version": 1})
    item = client.get_item(
        TableName=TABLE, Key={"pk": {"S": "CURSOR#reddit#acme-search"}, "sk": {"S": "CURSOR"}}
    )["Item"]
    assert item["version"] == {"N": "1"}
    assert item["source"] == {"S": "reddit"}


def test_a_second_save_from_a_stale_read_is_a_conflict(client):
    # Given two runs that read the same cursor
    store = DynamoDbCursorStore(client, TABLE)
    store.put(Cursor(source="rss", query="feed"))
    first = store.get("rss", "feed")
    second = store.get("rss", "feed")

    # When both save, only the first succeeds
    store.put(first.model_copy(update={"etag": '"a"'}))
    with pytest.raises(Conflict):
        store.put(second.model_copy(update={"etag": '"b"'}))
    assert store.get("rss", "feed").etag == '"a"'


def test_creating_a_cursor_twice_is_a_conflict(client):
    store = DynamoDbCursorStore(client, TABLE)
    store.put(Cursor(source="rss", query="feed"))
    with pytest.raises(Conflict):
        store.put(Cursor(source="rss", query="feed"))
