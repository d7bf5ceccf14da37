"""Platform events over HTTP through the local stack, as `make demo` runs it: an edited X post ends updated (and
is not paged again), a Meta `hide` ends hidden and out of the queue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request

import pytest

from mentionwatch import aws
from mentionwatch.local.stack import LocalStack
from tests.support import EVENTS, ROOT

pytestmark = pytest.mark.e2e

PLATFORMS = ROOT / "tests" / "fixtures" / "platforms"
SECRETS = json.loads((EVENTS / "dev-secrets.json").read_text())


@pytest.fixture(scope="module")
def stack():
    with LocalStack(ROOT) as running:
        yield running


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers={"content-type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the stack's loopback URL
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def x_signed(body: bytes) -> dict[str, str]:
    mac = hmac.new(SECRETS["x"]["consumer_secret"].encode(), body, hashlib.sha256).digest()
    return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(mac).decode()}


def meta_signed(body: bytes) -> dict[str, str]:
    mac = hmac.new(SECRETS["facebook"]["app_secret"].encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": "sha256=" + mac}


def stored(stack: LocalStack, mention_id: str) -> dict:
    key = {"pk": {"S": f"MENTION#{mention_id}"}, "sk": {"S": "MENTION"}}
    return aws.client("dynamodb").get_item(TableName=stack.physical("MentionsTable"), Key=key)["Item"]


def test_an_edited_x_post_ends_as_the_updated_mention(stack):
    original = (PLATFORMS / "x" / "tweet_create_events.json").read_bytes()
    edited = (PLATFORMS / "x" / "tweet_create_edited.json").read_bytes()

    assert post(f"{stack.url}/webhooks/x", original, x_signed(original))[0] == 200
    stack.drain()
    status, answer = post(f"{stack.url}/webhooks/x", edited, x_signed(edited))
    stack.drain()

    assert status == 200 and answer["mention_ids"] == ["x:1862497411234567890"]
    item = stored(stack, "x:1862497411234567890")
    assert "rebooked on AA127" in item["mention"]["M"]["text"]["S"] and "edited_at" in item
    assert len(item.get("alerts", {"L": []})["L"]) <= 1  # the edit added no page
    assert stack.errors == []


def test_a_meta_hide_ends_hidden_and_out_of_the_queue(stack):
    feed = (PLATFORMS / "meta" / "facebook_feed_batched.json").read_bytes()
    hide = (PLATFORMS / "meta" / "facebook_feed_hide.json").read_bytes()

    assert post(f"{stack.url}/webhooks/facebook", feed, meta_signed(feed))[0] == 200
    stack.drain()
    assert post(f"{stack.url}/webhooks/facebook", hide, meta_signed(hide))[0] == 200
    stack.drain()

    item = stored(stack, "facebook:987654321_112233")
    assert item["hidden"] == {"BOOL": True} and "GSI1PK" not in item
    assert stack.errors == []
