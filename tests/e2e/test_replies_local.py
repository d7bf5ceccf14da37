"""Replies through the local stack: the fake X API accepts the reply and echoes it to /webhooks/x."""

from __future__ import annotations

import json
import uuid

import pytest

from mentionwatch import aws
from mentionwatch.local.demo_replies import BRAND_X_ID, _deliver_x, _tweet_id, use_demo_watch_configuration
from mentionwatch.models import MentionStatus
from mentionwatch.store.dynamodb import MentionStore
from tests.e2e.conftest import E2E_TOKEN
from tests.support import ROOT

pytestmark = pytest.mark.e2e


def api(stack, method: str, path: str, body=None):
    headers = {"authorization": f"Bearer {E2E_TOKEN}", "content-type": "application/json"}
    status, response_headers, answer = stack.http_request(
        method, path, headers, json.dumps(body).encode() if body else b""
    )
    return status, response_headers, json.loads(answer or b"{}")


def test_a_reply_is_posted_through_the_fake_platform_and_its_echo_is_brand_activity(stack):
    # Given the brand's accounts configured and a complaint delivered through X Account Activity
    use_demo_watch_configuration(stack, ROOT)
    secrets = json.loads((ROOT / "events" / "dev-secrets.json").read_text())
    from datetime import UTC, datetime

    tweet_id = _tweet_id(datetime.now(UTC), 7)
    tweet = {
        "id_str": tweet_id,
        "text": "@AcmeAir still waiting for my refund",
        "user": {"id_str": "4321", "screen_name": "kim", "followers_count": 5},
    }
    assert _deliver_x(stack, secrets, {"for_user_id": BRAND_X_ID, "tweet_create_events": [tweet]}) == 200
    stack.drain(timeout=60)

    # When an agent replies from mentionwatch, twice with the same key
    body = {"text": "@kim Sorry Kim - refund sent today.", "idempotency_key": f"e2e-{uuid.uuid4()}"}
    first = api(stack, "POST", f"/mentions/x:{tweet_id}/replies", body)
    second = api(stack, "POST", f"/mentions/x:{tweet_id}/replies", body)
    stack.drain(timeout=60)

    # Then the fake X API got one post, echoed it, and the mention is responded once; the echo is no mention
    assert (first[0], second[0]) == (201, 200)
    posted = [post for post in stack.fake_platforms.posted if post["in_reply_to"] == tweet_id]
    assert len(posted) == 1
    assert ("x", 200) in stack.fake_platforms.echoes
    store = MentionStore(aws.client("dynamodb"), stack.physical("MentionsTable"))
    mention = store.get(f"x:{tweet_id}", consistent=True)
    assert mention.status is MentionStatus.RESPONDED
    assert [event.action.value for event in mention.history] == ["respond"]
    assert store.get(f"x:{posted[0]['id']}") is None
    assert api(stack, "GET", "/stats")[2]["first_response"]["by_platform"]["x"]["responded"] >= 1


def test_an_unknown_reply_key_cannot_be_approved(stack):
    status, _, body = api(stack, "POST", "/mentions/x:1/replies/no-such-key-1/approve")

    assert status == 404 and body["error"]["field"] in ("id", "key")
