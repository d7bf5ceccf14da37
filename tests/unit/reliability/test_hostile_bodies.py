"""Held-back hostile bodies (issue 13), each signed with the dev secrets so it reaches its parser: every one is
answered 4xx naming a field, or accepted with valid, storable mentions. None is a 500."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mentionwatch.sources.payloads import MAX_MENTIONS_PER_DELIVERY
from tests.hostile import deliver

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms"


def fixture(relative: str) -> dict:
    return json.loads((FIXTURES / relative).read_text())


def standard(created_at: str = "2026-11-23T09:00:00Z", text: str = "hello") -> bytes:
    data = {"id": "p-1", "text": text, "created_at": created_at, "author": {"handle": "amy"}}
    return json.dumps({"type": "mention.created", "data": data}).encode()


def nested(depth: int) -> bytes:
    return b'{"type": "mention.created", "data": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize(
    ("source", "body", "field"),
    [
        ("standard", nested(10_000), "body"),
        ("x", b'{"for_user_id": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "body"),
        ("mastodon", b'{"event": 1' + b"0" * 5000 + b"}", "event"),
        ("standard", standard("0001-01-01T00:00:00Z"), "data.created_at"),
        ("standard", standard("0001-01-01T00:00:00+01:00"), "data.created_at"),
        ("standard", standard("9999-12-31T23:59:59-05:00"), "data.created_at"),
        ("standard", standard("2999-01-01T00:00:00Z"), "data.created_at"),
        ("standard", b'{"type": "mention.created", "data": {"id": NaN}}', "body"),
    ],
    ids=["deep-standard", "deep-x", "huge-integer", "year-1", "year-1-offset", "year-9999-offset", "far-future", "nan"],
)
def test_hostile_json_is_a_400_naming_the_field(source: str, body: bytes, field: str) -> None:
    answer = deliver(source, body)

    assert (answer.status, answer.field) == (400, field)


@pytest.mark.parametrize("time", [10**30, -5, "²", "99999999999999999999", True])
def test_meta_entry_time_out_of_range_is_a_400(time: object) -> None:
    payload = fixture("meta/facebook_feed_batched.json")
    payload["entry"][0]["time"] = time
    for change in payload["entry"][0]["changes"]:
        change["value"].pop("created_time", None)

    answer = deliver("facebook", json.dumps(payload).encode())

    assert answer.status == 400
    assert answer.field is not None and answer.field.startswith("entry.0")


@pytest.mark.parametrize("timestamp_ms", ["9" * 16, "²", "-1"])
def test_x_delete_timestamp_out_of_range_is_a_400(timestamp_ms: str) -> None:
    payload = fixture("x/tweet_delete_events.json")
    payload["tweet_delete_events"][0]["timestamp_ms"] = timestamp_ms

    answer = deliver("x", json.dumps(payload).encode())

    assert (answer.status, answer.field) == (400, "tweet_delete_events.timestamp_ms")


def test_mastodon_uri_that_does_not_split_is_a_400() -> None:
    payload = fixture("mastodon/status_created.json")
    payload["object"]["uri"] = "http://[::1"

    answer = deliver("mastodon", json.dumps(payload).encode())

    assert (answer.status, answer.field) == (400, "object.uri")


@pytest.mark.parametrize(
    ("source", "relative", "path"),
    [
        ("x", "x/tweet_create_events.json", ("tweet_create_events", 0, "extended_tweet", "full_text")),
        ("facebook", "meta/facebook_feed_batched.json", ("entry", 0, "changes", 0, "value", "message")),
        ("mastodon", "mastodon/status_created.json", ("object", "content")),
    ],
)
def test_a_lone_surrogate_is_replaced_and_the_mention_travels(source: str, relative: str, path: tuple) -> None:
    payload = fixture(relative)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = "Acme Air lost my bags \ud83d"
    body = json.dumps(payload).encode()  # ensure_ascii: the lone surrogate travels as the escape \ud83d
    assert b"\\ud83d" in body

    answer = deliver(source, body)

    assert answer.status in (200, 202)
    texts = [item.mention.text for item in answer.queued]
    assert any("\ufffd" in text for text in texts)


def test_invalid_utf8_is_a_400() -> None:
    answer = deliver("mastodon", b'{"event": "status.created", "object": "\xff\xfe"}')

    assert (answer.status, answer.field) == (400, "body")


def youtube_feed(entries: int, *, encoding: str = "UTF-8", depth: int = 0) -> bytes:
    entry = (
        "<entry><id>yt:video:v{i}</id><yt:videoId>v{i}</yt:videoId><yt:channelId>UC1</yt:channelId>"
        "<title>Acme Air</title><published>2026-11-23T17:00:00+00:00</published>"
        "<author><name>n</name><uri>https://www.youtube.com/channel/UC1</uri></author></entry>"
    )
    body = "".join(entry.format(i=i) for i in range(entries)) + "<x>" * depth + "</x>" * depth
    return (
        f"<?xml version='1.0' encoding='{encoding}'?>"
        '<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">'
        f"{body}</feed>"
    ).encode()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (youtube_feed(1, encoding="x-no-such-codec"), 400),
        (youtube_feed(1, encoding="utf-7"), 400),
        (youtube_feed(1, depth=10_000), 400),
        (youtube_feed(MAX_MENTIONS_PER_DELIVERY + 1), 413),
    ],
    ids=["unknown-encoding", "utf-7", "deep", "too-many-entries"],
)
def test_hostile_youtube_feeds_are_refused(body: bytes, status: int) -> None:
    answer = deliver("youtube", body)

    assert answer.status == status
    assert answer.field in ("body", "feed.entry")


def test_a_full_youtube_delivery_within_the_cap_is_accepted() -> None:
    answer = deliver("youtube", youtube_feed(MAX_MENTIONS_PER_DELIVERY))

    assert len(answer.queued) == MAX_MENTIONS_PER_DELIVERY
