"""Fuzzing every webhook source with bodies signed by the dev secrets, so each reaches its parser: valid platform
payloads with one part replaced by an arbitrary JSON value, arbitrary JSON documents, arbitrary bytes and, for
YouTube, Atom feeds built from arbitrary parts. Every answer must be a 2xx with storable mentions or a 4xx naming
the problem (`tests.hostile.deliver` fails on anything else, which is what a 500 would be).

Bounded for `make test` (`MENTIONWATCH_FUZZ_EXAMPLES` examples per source, 25 by default); a longer run:

    MENTIONWATCH_FUZZ_EXAMPLES=3000 .venv/bin/python -m pytest -m fuzz tests/unit/reliability/test_fuzz_webhooks.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile import deliver

pytestmark = pytest.mark.fuzz
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms"
EXAMPLES = int(os.environ.get("MENTIONWATCH_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

SAMPLES: dict[str, list[str]] = {
    "standard": [],
    "x": ["x/tweet_create_events.json", "x/tweet_delete_events.json", "x/v2_filtered_stream.json"],
    "facebook": ["meta/facebook_feed_batched.json", "meta/facebook_feed_unicode.json"],
    "instagram": ["meta/instagram_comments.json", "meta/instagram_mentions.json"],
    "mastodon": ["mastodon/status_created.json", "mastodon/status_updated.json"],
}
STANDARD = {
    "type": "mention.created",
    "timestamp": "2026-11-23T09:00:00Z",
    "data": {"id": "p-1", "text": "Acme lost my bags", "created_at": "2026-11-23T09:00:00Z", "author": {"handle": "a"}},
}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\ud83d", "http://[::1", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "²", "-1"]),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**50), max_value=10**50),
    st.floats(allow_nan=False),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def samples(source: str) -> list[Any]:
    if source == "standard":
        return [STANDARD]
    return [json.loads((FIXTURES / relative).read_text()) for relative in SAMPLES[source]]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found.extend(paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(paths(inner, (*prefix, index)))
    return found


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()  # ensure_ascii: lone surrogates travel as \\udXXX escapes


@pytest.mark.parametrize("source", list(SAMPLES))
def test_a_valid_payload_with_one_part_replaced_is_never_a_server_error(source: str) -> None:
    documents = samples(source)

    @FUZZ
    @given(data=st.data())
    def one_part_replaced(data: st.DataObject) -> None:
        document = data.draw(st.sampled_from(documents))
        path = data.draw(st.sampled_from(paths(document)))
        body = encode(replaced(document, path, data.draw(json_values)))
        deliver(source, body)

    one_part_replaced()


@pytest.mark.parametrize("source", [*SAMPLES, "youtube"])
def test_arbitrary_documents_and_bytes_are_never_a_server_error(source: str) -> None:
    @FUZZ
    @given(body=st.one_of(json_values.map(encode), st.binary(max_size=200)))
    def arbitrary(body: bytes) -> None:
        deliver(source, body)

    arbitrary()


XML_PARTS = st.sampled_from(
    [
        "<entry>",
        "</entry>",
        "<yt:videoId>v1</yt:videoId>",
        "<yt:channelId>UC1</yt:channelId>",
        "<published>2026-11-23T17:00:00+00:00</published>",
        "<published>0001-01-01T00:00:00+01:00</published>",
        "<updated>9999-12-31T23:59:59-05:00</updated>",
        "<title>Acme</title>",
        "<id>yt:video:v2</id>",
        '<link rel="alternate" href="http://[::1"/>',
        '<at:deleted-entry ref="yt:video:v3" when="2026-11-23T18:00:00+00:00"/>',
        "<author><name>n</name><uri>https://www.youtube.com/channel/UC1</uri></author>",
        "&amp;",
        "\ud83d",
        "<x>",
        "</x>",
    ]
)


@FUZZ
@given(
    parts=st.lists(st.one_of(XML_PARTS, st.text(max_size=8)), max_size=30),
    encoding=st.sampled_from(["UTF-8", "utf-16", "x-unknown", "utf-7", "latin-1"]),
)
def test_youtube_feeds_from_arbitrary_parts_are_never_a_server_error(parts: list[str], encoding: str) -> None:
    body = (
        f"<?xml version='1.0' encoding='{encoding}'?>"
        '<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:at="http://purl.org/atompub/tombstones/1.0">' + "".join(parts) + "</feed>"
    )
    deliver("youtube", body.encode("utf-8", "surrogatepass"))
