"""Platform events as the platforms mean them, through the real webhook and process handlers on moto: an edit
updates the stored mention and never pages again, a hide or delete takes it out of the queue, a signed body
the parser refuses is kept (2xx) and can be replayed."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mentionwatch import aws
from mentionwatch.cli_kept import run_kept
from mentionwatch.models import Author, Mention
from mentionwatch.pipeline.kept import KeptDelivery
from mentionwatch.queue.sqs import MentionQueue
from mentionwatch.sources.base import QueuedMention
from mentionwatch.store.kept_dynamodb import DynamoDbKeptDeliveries
from tests.support import EVENTS, ROOT, drain_queue, load_handler, sqs_event

PLATFORMS = ROOT / "tests" / "fixtures" / "platforms"
SECRETS = json.loads((EVENTS / "dev-secrets.json").read_text())


def _event(source: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks/{source}",
        "rawPath": f"/webhooks/{source}",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **headers},
        "pathParameters": {"source": source},
        "requestContext": {
            "http": {"method": "POST", "path": f"/webhooks/{source}"},
            "requestId": "r1",
            "stage": "$default",
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def x_headers(body: bytes) -> dict[str, str]:
    mac = hmac.new(SECRETS["x"]["consumer_secret"].encode(), body, hashlib.sha256).digest()
    return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(mac).decode()}


def meta_headers(body: bytes) -> dict[str, str]:
    mac = hmac.new(SECRETS["facebook"]["app_secret"].encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": "sha256=" + mac}


def mastodon_headers(body: bytes) -> dict[str, str]:
    mac = hmac.new(SECRETS["mastodon"]["webhook_secret"].encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature": "sha256=" + mac}


SIGNERS = {"x": x_headers, "facebook": meta_headers, "mastodon": mastodon_headers}


@pytest.fixture
def platform(deployed, sqs, dynamodb, table, lambda_context):
    webhook, process = load_handler("webhook"), load_handler("process")

    def deliver(source: str, body: bytes) -> dict[str, Any]:
        response = webhook.lambda_handler(_event(source, body, SIGNERS[source](body)), lambda_context)
        assert response["statusCode"] == 200, response["body"]
        messages = drain_queue(sqs, deployed["queue"])
        if messages:
            assert process.lambda_handler(sqs_event(messages), lambda_context) == {"batchItemFailures": []}
        return json.loads(response["body"])

    def row(mention_id: str) -> dict[str, Any]:
        key = {"pk": {"S": f"MENTION#{mention_id}"}, "sk": {"S": "MENTION"}}
        return dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]

    def pages() -> int:
        return len(drain_queue(sqs, deployed["alerts"]))

    return deliver, row, pages


def fixture(relative: str) -> bytes:
    return (PLATFORMS / relative).read_bytes()


def test_an_edited_x_post_updates_the_stored_mention_and_is_not_paged_again(platform):
    deliver, row, pages = platform
    # Given the original post, stored (and paged or not, as triage decided)
    deliver("x", fixture("x/tweet_create_events.json"))
    before = row("x:1862497411234567890")
    paged_for_original = pages()

    # When X delivers the edited version: a new post id whose edit history starts with the original
    answer = deliver("x", fixture("x/tweet_create_edited.json"))

    # Then it is the same mention, its text updated, and nobody is paged for it
    assert answer["mention_ids"] == ["x:1862497411234567890"]
    after = row("x:1862497411234567890")
    assert "rebooked on AA127" in after["mention"]["M"]["text"]["S"]
    assert after["mention"]["M"]["text"]["S"] != before["mention"]["M"]["text"]["S"]
    assert "edited_at" in after
    assert pages() == 0
    assert paged_for_original <= 1


def test_a_meta_hide_takes_the_comment_out_of_the_queue_and_unhide_brings_it_back(platform):
    deliver, row, _ = platform
    deliver("facebook", fixture("meta/facebook_feed_batched.json"))
    comment_id = "facebook:987654321_112233"
    assert "GSI1PK" in row(comment_id)

    deliver("facebook", fixture("meta/facebook_feed_hide.json"))
    hidden = row(comment_id)
    assert hidden["hidden"] == {"BOOL": True}
    assert "GSI1PK" not in hidden  # out of every status queue

    deliver("facebook", fixture("meta/facebook_feed_unhide.json"))
    shown = row(comment_id)
    assert shown["hidden"] == {"BOOL": False}
    assert shown["GSI1PK"]["S"].startswith("STATUS#")


def test_a_meta_delete_marks_the_post_deleted_and_out_of_the_queue(platform):
    deliver, row, pages = platform
    deliver("facebook", fixture("meta/facebook_feed_batched.json"))
    pages()
    deliver("facebook", fixture("meta/facebook_feed_delete.json"))
    deleted = row("facebook:104532518123456_987654321")
    assert deleted["deleted"] == {"BOOL": True}
    assert "GSI1PK" not in deleted
    assert pages() == 0


def test_a_hide_that_overtakes_its_comment_keeps_it_hidden_and_unpaged(platform):
    deliver, row, pages = platform
    deliver("facebook", fixture("meta/facebook_feed_hide.json"))
    deliver("facebook", fixture("meta/facebook_feed_batched.json"))
    stored = row("facebook:987654321_112233")
    assert stored["hidden"] == {"BOOL": True}
    assert stored["status"]["S"] == "resolved"
    assert pages() == 0


def test_a_signed_body_the_parser_refuses_is_kept_answered_2xx_and_replayable(platform, dynamodb, sqs, table, deployed):
    deliver, _, _ = platform
    # Given a Mastodon instance whose admin set a payload template: the body has another shape
    templated = json.dumps({"text": "New post by @acme: my order never arrived", "link": "https://x.y/1"}).encode()

    # When it is delivered, signed
    answer = deliver("mastodon", templated)

    # Then it is answered 2xx `ignored`, and kept with its source, reason and expiry
    assert answer["accepted"] == 0 and answer["ignored"].startswith("kept for replay")
    kept = DynamoDbKeptDeliveries(aws.client("dynamodb"), table)
    [stored] = kept.recent()
    assert stored.id == answer["kept"] and stored.source == "mastodon" and stored.body == templated
    assert "template" in stored.reason
    assert stored.expiration > int(datetime.now(UTC).timestamp()) + 29 * 86400

    # And `mentionwatch kept list` shows it; a replay the parser still refuses leaves it kept (exit 1)
    out = io.StringIO()
    queue = MentionQueue(aws.client("sqs"), deployed["queue"])
    listing = argparse.Namespace(action="list", ids=[], all=False, limit=10)
    assert run_kept(listing, out, kept, queue) == 0
    assert json.loads(out.getvalue())["id"] == stored.id
    replay = argparse.Namespace(action="replay", ids=[stored.id], all=False, limit=10)
    assert run_kept(replay, io.StringIO(), kept, queue) == 1
    assert kept.get(stored.id) is not None


def test_a_kept_delivery_the_parser_now_reads_is_replayed_onto_the_queue(deployed, table, sqs):
    # Given a kept delivery an older parser refused, whose shape today's parser reads
    kept = DynamoDbKeptDeliveries(aws.client("dynamodb"), table)
    body = fixture("meta/facebook_page_mention.json")
    kept.keep(
        KeptDelivery(
            id="20261123T150000-abc123",
            source="facebook",
            reason="entry.0.changes.0: field mention is not handled",
            received_at=datetime(2026, 11, 23, 15, tzinfo=UTC),
            headers={"content-type": "application/json"},
            body=body,
            expiration=int(datetime.now(UTC).timestamp()) + 3600,
        )
    )
    queue = MentionQueue(aws.client("sqs"), deployed["queue"])
    out = io.StringIO()

    # When it is replayed
    code = run_kept(argparse.Namespace(action="replay", ids=[], all=True, limit=10), out, kept, queue)

    # Then its mention is on the queue and the kept copy is gone
    assert code == 0
    assert json.loads(out.getvalue())["mention_ids"] == ["facebook:44455566677_12345678901"]
    [message] = drain_queue(sqs, deployed["queue"])
    assert json.loads(message["Body"])["mention"]["author"]["display_name"] == "Lena Park"
    assert kept.get("20261123T150000-abc123") is None


def test_a_source_configured_without_its_key_answers_as_an_unconfigured_source(
    monkeypatch, tmp_path, deployed, lambda_context
):
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"x": {"other": "value"}}))
    monkeypatch.setenv("MENTIONWATCH_SECRETS_FILE", str(secrets))
    body = fixture("x/tweet_create_events.json")

    response = load_handler("webhook").lambda_handler(_event("x", body, x_headers(body)), lambda_context)

    assert response["statusCode"] == 404
    error = json.loads(response["body"])["error"]
    assert error["code"] == "unknown_source" and "consumer_secret" not in response["body"]


# --- X: deleting any version of an edited post deletes the whole chain (docs.x.com/x-api/fundamentals/edit-posts)
def brand_post(dynamodb, table, post_id: str) -> dict[str, Any] | None:
    key = {"pk": {"S": f"BRANDPOST#{post_id}"}, "sk": {"S": "BRANDPOST"}}
    return dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def test_the_brand_deleting_the_edited_version_of_its_reply_deletes_the_reply_it_kept(platform, dynamodb, table):
    deliver, row, _ = platform
    # Given a customer's mention, and the brand's reply to it, edited once (a second id in its edit chain)
    deliver("x", fixture("x/tweet_create_events.json"))
    answer = deliver("x", fixture("x/tweet_create_own_edited.json"))
    assert answer["mention_ids"] == ["x:1862499800000000001"]  # the reply's first id
    kept = brand_post(dynamodb, table, "x:1862499800000000001")
    assert kept is not None and kept["deleted"] == {"BOOL": False}
    assert row("x:1862497411234567890")["status"]["S"] == "responded"

    # When Account Activity reports the deletion of the brand's post by its *edited* id
    deliver("x", fixture("x/tweet_delete_own_edited.json"))

    # Then the reply kept under its first id is marked deleted, and no mention row appears for the other id
    assert brand_post(dynamodb, table, "x:1862499800000000001")["deleted"] == {"BOOL": True}
    key = {"pk": {"S": "MENTION#x:1862499900000000002"}, "sk": {"S": "MENTION"}}
    assert "Item" not in dynamodb.get_item(TableName=table, Key=key)


def _deletion_of(post_id: str) -> QueuedMention:
    """A deletion of an X post as the pipeline receives it from any source that reports one (the X source maps
    `tweet_delete_events` this way)."""
    return QueuedMention(
        source="x",
        mention=Mention(
            platform="x",
            native_id=post_id,
            text="",
            author=Author(handle="33334444", id="33334444"),
            created_at=datetime(2026, 11, 23, 21, 15, tzinfo=UTC),
            received_at=datetime(2026, 11, 23, 22, 0, tzinfo=UTC),
            deleted=True,
        ),
    )


def _process(queued: QueuedMention, deployed, sqs, lambda_context) -> None:
    MentionQueue(aws.client("sqs"), deployed["queue"]).enqueue([queued])
    event = sqs_event(drain_queue(sqs, deployed["queue"]))
    assert load_handler("process").lambda_handler(event, lambda_context) == {"batchItemFailures": []}


def test_a_deletion_naming_a_later_version_of_an_edited_mention_deletes_the_mention(
    platform, deployed, sqs, lambda_context
):
    deliver, row, pages = platform
    # Given an edited post stored under its first id (edit chain 1862600000000000003 → …999)
    deliver("x", fixture("x/v2_edited_post.json"))
    pages()
    assert "GSI1PK" in row("x:1862600000000000003")

    # When its deletion names the edited version's id
    _process(_deletion_of("1862600000000000999"), deployed, sqs, lambda_context)

    # Then the stored mention is deleted and out of the queues, and nobody is paged
    stored = row("x:1862600000000000003")
    assert stored["deleted"] == {"BOOL": True} and "GSI1PK" not in stored
    assert pages() == 0


def test_an_edit_arriving_after_the_deletion_of_one_of_its_versions_is_never_stored_live(
    platform, deployed, sqs, lambda_context
):
    deliver, row, pages = platform
    # Given the deletion of the edited version, delivered before the edit itself (SQS does not keep order)
    _process(_deletion_of("1862600000000000999"), deployed, sqs, lambda_context)

    # When the edited post arrives
    deliver("x", fixture("x/v2_edited_post.json"))

    # Then its mention is kept deleted and resolved (never in the `new` queue), and nobody is paged
    stored = row("x:1862600000000000003")
    assert stored["deleted"] == {"BOOL": True} and stored["status"]["S"] == "resolved"
    assert stored.get("GSI1PK", {}).get("S") != "STATUS#new"
    assert pages() == 0
