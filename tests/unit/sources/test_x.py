from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from mentionwatch.exceptions import MalformedPayload, SignatureInvalid, SignatureMissing, UnknownSource
from mentionwatch.models import Platform
from mentionwatch.sources.registry import get_webhook_source

SECRET = "x-consumer-secret-for-tests-only"
SECRETS = {"consumer_secret": SECRET}


def x_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_crc_challenge_answers_base64_hmac_of_the_token(inbound):
    # Given a CRC check from X
    request = inbound("x", method="GET", query={"crc_token": "f1b2c3d4-crc"})
    expected = base64.b64encode(hmac.new(SECRET.encode(), b"f1b2c3d4-crc", hashlib.sha256).digest()).decode()

    # When the source answers it
    answer = get_webhook_source("x").answer_challenge(request, SECRETS)

    # Then the body is the JSON X expects
    assert answer.status == 200
    assert answer.content_type == "application/json"
    assert json.loads(answer.body) == {"response_token": f"sha256={expected}"}


def test_crc_without_token_is_a_bad_request(inbound):
    with pytest.raises(MalformedPayload) as caught:
        get_webhook_source("x").answer_challenge(inbound("x", method="GET"), SECRETS)
    assert caught.value.field == "crc_token"
    assert caught.value.status == 400


def test_signed_delivery_verifies(inbound, fixture_bytes):
    # Given a delivery signed the way X signs it
    body = fixture_bytes("x/tweet_create_events.json")
    request = inbound("x", body=body, headers={"x-twitter-webhooks-signature": x_signature(body)})

    # When / Then it verifies without raising
    get_webhook_source("x").verify(request, SECRETS)


def test_signature_with_another_secret_is_rejected(inbound, fixture_bytes):
    body = fixture_bytes("x/tweet_create_events.json")
    request = inbound("x", body=body, headers={"x-twitter-webhooks-signature": x_signature(body, "other")})
    with pytest.raises(SignatureInvalid) as caught:
        get_webhook_source("x").verify(request, SECRETS)
    assert caught.value.status == 401
    assert SECRET not in caught.value.message


def test_signature_over_a_tampered_body_is_rejected(inbound, fixture_bytes):
    body = fixture_bytes("x/tweet_create_events.json")
    request = inbound(
        "x",
        body=body.replace(b"cancelled", b"delayed!!"),
        headers={"x-twitter-webhooks-signature": x_signature(body)},
    )
    with pytest.raises(SignatureInvalid):
        get_webhook_source("x").verify(request, SECRETS)


def test_missing_signature_header_is_rejected(inbound, fixture_bytes):
    request = inbound("x", body=fixture_bytes("x/tweet_create_events.json"))
    with pytest.raises(SignatureMissing) as caught:
        get_webhook_source("x").verify(request, SECRETS)
    assert caught.value.field == "x-twitter-webhooks-signature"


def test_missing_consumer_secret_answers_as_an_unconfigured_source_without_naming_the_key(inbound):
    request = inbound("x", body=b"{}", headers={"x-twitter-webhooks-signature": "sha256=abc"})
    with pytest.raises(UnknownSource) as caught:
        get_webhook_source("x").verify(request, {})
    assert caught.value.status == 404
    assert caught.value.message == "source 'x' is not configured"  # the same answer as for no secrets at all
    assert "consumer_secret" not in caught.value.message


def test_extended_tweet_uses_full_text_and_maps_user_reply_and_counts(inbound, fixture_bytes):
    # Given a v1.1 delivery whose first tweet was truncated at 140 characters
    body = fixture_bytes("x/tweet_create_events.json")

    # When it is parsed
    delivery = get_webhook_source("x").parse(inbound("x", body=body))

    # Then the full text, author, reply and counts are mapped
    first = delivery.items[0].mention
    assert first.platform is Platform.X
    assert first.id == "x:1862497411234567890"
    assert first.text.endswith("worst service I have had in years. #AcmeAir")
    assert "kids & no food vouchers" in first.text
    assert first.author.handle == "jotravels"
    assert first.author.display_name == "Jo Traveller \U0001f6eb"
    assert first.author.followers == 15230
    assert first.thread.parent_id == "1862490000000000000"
    assert (first.engagement.likes, first.engagement.replies, first.engagement.reposts) == (40, 5, 11)
    assert first.engagement.quotes == 2
    assert first.language == "en"
    assert first.created_at == datetime(2026, 11, 23, 14, 5, 9, tzinfo=UTC)
    assert first.permalink == "https://x.com/jotravels/status/1862497411234567890"
    assert delivery.items[0].raw["id_str"] == "1862497411234567890"


def test_short_tweet_without_optional_fields_uses_text(inbound, fixture_bytes):
    delivery = get_webhook_source("x").parse(inbound("x", body=fixture_bytes("x/tweet_create_events.json")))
    second = delivery.items[1].mention
    assert second.text == "Merci @AcmeAir pour le surclassement !"
    assert second.thread.parent_id is None
    assert second.author.verified is True
    assert second.language == "fr"
    assert len(delivery.items) == 2


def test_retweet_carries_the_original_full_text(inbound, fixture_bytes):
    delivery = get_webhook_source("x").parse(inbound("x", body=fixture_bytes("x/tweet_create_retweet.json")))
    mention = delivery.items[0].mention
    assert mention.native_id == "1862511000000000002"
    assert mention.text.startswith("RT @jotravels: @AcmeAir my flight")
    assert mention.text.endswith("no food vouchers.")


def test_delete_event_marks_the_subscribed_accounts_own_post_deleted(inbound, fixture_bytes):
    # X sends tweet_delete_events only for the subscribed account's own posts (status.user_id == for_user_id)
    delivery = get_webhook_source("x").parse(inbound("x", body=fixture_bytes("x/tweet_delete_events.json")))
    mention = delivery.items[0].mention
    assert mention.deleted is True
    assert mention.id == "x:1862499000000000001"
    assert mention.author.id == "2244994945"
    # The creation time comes from the snowflake id: (id >> 22) + X epoch, in milliseconds.
    expected_ms = (1862499000000000001 >> 22) + 1288834974657
    assert mention.created_at == datetime.fromtimestamp(expected_ms / 1000, UTC)


def test_other_account_activity_events_are_ignored(inbound, fixture_bytes):
    delivery = get_webhook_source("x").parse(inbound("x", body=fixture_bytes("x/favorite_events.json")))
    assert delivery.items == ()
    assert delivery.ignored is not None and "favorite_events" in delivery.ignored


def test_v2_filtered_stream_post_maps_author_thread_metrics_and_rule_tags(inbound, fixture_bytes):
    delivery = get_webhook_source("x").parse(inbound("x", body=fixture_bytes("x/v2_filtered_stream.json")))
    mention = delivery.items[0].mention
    assert mention.author.handle == "sam_flies"
    assert mention.author.followers == 2041
    assert mention.thread.root_id == "1862590000000000000"
    assert mention.thread.parent_id == "1862595000000000000"
    assert mention.engagement.views == 1534
    assert mention.match.keywords == ("acme outage",)
    assert mention.created_at == datetime(2026, 11, 23, 21, 15, 30, tzinfo=UTC)


def test_v2_post_without_includes_or_created_at_uses_note_text_and_snowflake_time(inbound, fixture_bytes):
    delivery = get_webhook_source("x").parse(inbound("x", body=fixture_bytes("x/v2_note_tweet_minimal.json")))
    mention = delivery.items[0].mention
    assert mention.text.endswith("the crew were lovely.")
    assert mention.author.handle == "unknown"
    expected_ms = (1862600000000000004 >> 22) + 1288834974657
    assert mention.created_at == datetime.fromtimestamp(expected_ms / 1000, UTC)


def test_v2_list_of_posts_yields_one_mention_each(inbound, fixture_bytes):
    one = json.loads(fixture_bytes("x/v2_filtered_stream.json"))
    two = json.loads(fixture_bytes("x/v2_note_tweet_minimal.json"))
    delivery = get_webhook_source("x").parse(inbound("x", body=json.dumps([one, two]).encode()))
    assert [item.mention.native_id for item in delivery.items] == [
        "1862600000000000003",
        "1862600000000000004",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "[0]"),
        (b'{"tweet_create_events": [{"id_str": "1", "text": "hi"}]}', "tweet_create_events.0.user"),
        (b'{"tweet_create_events": "nope"}', "tweet_create_events"),
        (b'{"data": {"text": "no id"}}', "data.id"),
    ],
)
def test_malformed_payload_is_a_bad_request_naming_the_field(inbound, body, field):
    with pytest.raises(MalformedPayload) as caught:
        get_webhook_source("x").parse(inbound("x", body=body))
    assert caught.value.status == 400
    assert caught.value.field == field
