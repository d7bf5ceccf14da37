from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentionwatch.exceptions import Conflict
from mentionwatch.pollers.base import Cursor
from mentionwatch.pollers.cursors_dynamodb import DynamoDbCursorStore


@pytest.fixture
def store(dynamodb, table):
    """The cursor store on the mentions table as template.yaml declares it (tests/conftest.py)."""
    return DynamoDbCursorStore(dynamodb, table)


def test_missing_cursor_reads_as_a_fresh_one(store):
    cursor = store.get("reddit", "acme-search")
    assert (cursor.version, cursor.watermark, cursor.seen) == (0, None, {})


def test_saved_cursor_round_trips_under_its_documented_key(store, dynamodb, table):
    # Given a cursor with every field set
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
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "CURSOR#reddit#acme-search"}, "sk": {"S": "CURSOR"}})[
        "Item"
    ]
    assert item["version"] == {"N": "1"}
    assert item["source"] == {"S": "reddit"}


def test_a_second_save_from_a_stale_read_is_a_conflict(store):
    # Given two runs that read the same cursor
    store.put(Cursor(source="rss", query="feed"))
    first = store.get("rss", "feed")
    second = store.get("rss", "feed")

    # When both save, only the first succeeds
    store.put(first.model_copy(update={"etag": '"a"'}))
    with pytest.raises(Conflict):
        store.put(second.model_copy(update={"etag": '"b"'}))
    assert store.get("rss", "feed").etag == '"a"'


def test_creating_a_cursor_twice_is_a_conflict(store):
    store.put(Cursor(source="rss", query="feed"))
    with pytest.raises(Conflict):
        store.put(Cursor(source="rss", query="feed"))
