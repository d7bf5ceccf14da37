"""Platform events over HTTP through the local stack, as `make demo` runs it: an edited X post ends updated (and
is not paged again), a Meta `hide` ends hidden and out of the queue; and, through the scheduled poller reading the
fake platforms over HTTP, a Reddit post moderators removed ends deleted (never paged, out of the queue) and a Bluesky
outage report from an account with 200,000 followers ends escalated on its reach, paged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from mentionwatch import aws
from mentionwatch.local.schedules import ScheduleRunner
from mentionwatch.local.stack import LocalStack
from mentionwatch.models import MentionStatus
from tests.support import EVENTS, ROOT, drain_queue, subscribe_queue

pytestmark = pytest.mark.e2e

PLATFORMS = ROOT / "tests" / "fixtures" / "platforms"
SECRETS = json.loads((EVENTS / "dev-secrets.json").read_text())


E2E_TOKEN = "e2e-outcomes-token-1234567890"  # noqa: S105 - the local stack's test bearer token


@pytest.fixture(scope="module")
def stack():
    # Reddit and Bluesky are polled (their schedules enabled); what to poll is the example watch configuration,
    # put in the stack's parameter before any function reads it.
    polled = {"PolledSources": "reddit,bluesky"}
    with LocalStack(ROOT, parameter_overrides=polled, local_token=E2E_TOKEN) as running:
        watch = (EVENTS / "watch-config.example.yaml").read_text()
        aws.client("ssm").put_parameter(Name=running.physical("WatchConfiguration"), Value=watch, Overwrite=True)
        yield running


@pytest.fixture(scope="module")
def pages(stack) -> str:
    """An inbox on the alerts topic: every page the stack publishes."""
    return subscribe_queue(aws.client("sns"), aws.client("sqs"), stack.physical("AlertsTopic"), "e2e-pages")


def api(stack: LocalStack, path: str) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {E2E_TOKEN}"}
    status, _, body = stack.http_request("GET", path, headers, b"")
    return status, json.loads(body)


def poll(stack: LocalStack, schedule: str) -> None:
    """One run of the template's poll schedule, then every queue drained (what EventBridge and SQS would do)."""
    result = ScheduleRunner.from_template(stack.template, stack.invoke).trigger(schedule)
    assert not [query for query in result["queries"] if query.get("error")], result
    stack.drain()


def queued(stack: LocalStack) -> set[str]:
    """The Reddit mentions in any status queue, as GET /mentions lists them."""
    ids = set()
    for status in MentionStatus:
        code, page = api(stack, f"/mentions?status={status.value}&platform=reddit&limit=100")
        assert code == 200, page
        ids.update(item["id"] for item in page["items"])
    return ids


def fixture(relative: str) -> Any:
    return json.loads((PLATFORMS / relative).read_text())


def minutes_ago(minutes: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes)


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


def test_a_reddit_post_moderators_removed_ends_deleted_never_paged_and_out_of_the_queue(stack, pages):
    # Given Reddit lists a post its moderators removed ("[removed]", author kept) beside a live one
    removed = fixture("reddit/search_removed_edited.json")["data"]["children"][0]
    live = fixture("reddit/search_new.json")["data"]["children"][0]
    removed["data"]["created_utc"] = minutes_ago(6).timestamp()
    live["data"]["created_utc"] = minutes_ago(4).timestamp()
    assert removed["data"]["selftext"] == "[removed]" and removed["data"]["author"] != "[deleted]"
    stack.fake_platforms.seed_reddit([removed, live])

    # When the scheduled poll reads Reddit (OAuth token, then its search listings over HTTP)
    poll(stack, "PollReddit")

    # Then the removed post is stored deleted, out of the queue and never paged; the live one is in the queue
    assert "GET /search" in stack.fake_platforms.polled
    status, detail = api(stack, "/mentions/reddit:t3_1gxa010")
    assert status == 200 and detail["deleted"] is True and detail["mention"]["text"] == ""
    assert detail["mention"]["author"]["handle"] == "angry_flyer_22"  # Reddit keeps the author of a removal
    assert detail["alert_state"] == "none" and detail["alerts"] == []
    row = stored(stack, "reddit:t3_1gxa010")
    assert row["deleted"] == {"BOOL": True} and "GSI1PK" not in row
    live_row = stored(stack, "reddit:t3_1gxa002")
    assert live_row["deleted"] == {"BOOL": False} and "GSI1PK" in live_row
    assert "reddit:t3_1gxa010" not in queued(stack) and "reddit:t3_1gxa002" in queued(stack)
    assert not [m for m in drain_queue(aws.client("sqs"), pages) if "t3_1gxa010" in m["Body"]]

    # When the moderators later remove the live post too, the next poll sees it "[removed]"
    gone = json.loads(json.dumps(live))
    gone["data"].update(selftext="[removed]", removed_by_category="moderator")
    stack.fake_platforms.seed_reddit([gone])
    poll(stack, "PollReddit")

    # Then the stored mention is marked deleted and leaves the queue
    row = stored(stack, "reddit:t3_1gxa002")
    assert row["deleted"] == {"BOOL": True} and "GSI1PK" not in row
    assert api(stack, "/mentions/reddit:t3_1gxa002")[1]["deleted"] is True
    assert "reddit:t3_1gxa002" not in queued(stack)
    assert stack.errors == []


def test_a_bluesky_outage_report_from_a_200k_follower_account_is_escalated_on_its_reach(stack, pages):
    # Given Bluesky's search finds an outage report whose author has 200,000 followers (searchPosts carries no
    # follower count: only getProfiles tells)
    post = fixture("bluesky/search_posts.json")["posts"][1]
    did = "did:plc:z72i7hdynmk6r22z27h6tvur"
    post["uri"] = f"at://{did}/app.bsky.feed.post/3lbk1qrs5tu2v"
    post["author"] = {"did": did, "handle": "nadia.bsky.social", "labels": []}
    post["record"]["text"] = "The Acme Air app is down again, can't check in and the website is broken"
    post["record"]["createdAt"] = minutes_ago(3).isoformat().replace("+00:00", ".000Z")
    assert "followersCount" not in json.dumps(post)
    profile = fixture("bluesky/get_profiles.json")["profiles"][0] | {"followersCount": 200_000}
    assert profile["did"] == did
    stack.fake_platforms.seed_bluesky([post], [profile])

    # When the scheduled poll reads Bluesky (session, searchPosts, getProfiles over HTTP)
    poll(stack, "PollBluesky")

    # Then the mention carries the reach, is escalated on it and paged
    mention_id = f"bluesky:{did}/3lbk1qrs5tu2v"
    assert "GET /xrpc/app.bsky.actor.getProfiles" in stack.fake_platforms.polled
    status, detail = api(stack, f"/mentions/{quote(mention_id, safe=':')}")  # a Bluesky id holds a slash
    assert status == 200, detail
    assert detail["mention"]["author"]["followers"] == 200_000
    assert detail["triage"]["reaction"] == "escalate"
    assert "route/outage-loud" in detail["triage"]["rules"]
    assert any("reach 200000 ≥" in reason for reason in detail["triage"]["reasons"]), detail["triage"]["reasons"]
    row = stored(stack, mention_id)
    assert row["alert_state"]["S"] == "sent"
    published = [json.loads(json.loads(m["Body"])["Message"]) for m in drain_queue(aws.client("sqs"), pages)]
    (page,) = [m for m in published if m["chat"]["metadata"]["additionalContext"]["mention_id"] == mention_id]
    assert page["attributes"]["reaction"] == "escalate" and "reach 200000 ≥ 50000" in page["email_body"]
    assert stack.errors == []
