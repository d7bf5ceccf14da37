from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from mentionwatch.exceptions import Forbidden, MalformedPayload, SignatureInvalid, SignatureMissing
from mentionwatch.models import Platform
from mentionwatch.sources.registry import get_webhook_source

APP_SECRET = "meta-app-secret-for-tests-only"
VERIFY_TOKEN = "meta-verify-token-for-tests-only"
SECRETS = {"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize("source", ["facebook", "instagram"])
def test_subscription_challenge_is_echoed_as_plain_text_when_the_token_matches(inbound, source):
    # Given Meta's verification request
    query = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}

    # When the source answers it
    answer = get_webhook_source(source).answer_challenge(inbound(source, method="GET", query=query), SECRETS)

    # Then the challenge comes back verbatim
    assert (answer.status, answer.body, answer.content_type) == (200, "1158201444", "text/plain")


@pytest.mark.parametrize("token", ["wrong-token", None])
def test_wrong_or_missing_verify_token_is_forbidden(inbound, token):
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    if token:
        query["hub.verify_token"] = token
    with pytest.raises(Forbidden) as caught:
        get_webhook_source("facebook").answer_challenge(inbound("facebook", method="GET", query=query), SECRETS)
    assert caught.value.status == 403
    assert VERIFY_TOKEN not in caught.value.message


def test_challenge_without_subscribe_mode_is_a_bad_request(inbound):
    query = {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}
    with pytest.raises(MalformedPayload) as caught:
        get_webhook_source("facebook").answer_challenge(inbound("facebook", method="GET", query=query), SECRETS)
    assert caught.value.field == "hub.mode"


def test_signature_is_checked_over_the_bytes_as_sent_with_escaped_unicode(inbound, fixture_bytes):
    # Given a delivery whose non-ASCII characters are escaped as \uXXXX, signed over those exact bytes
    body = fixture_bytes("meta/facebook_feed_unicode.json")
    assert b"\\u00e9" in body
    request = inbound("facebook", body=body, headers={"X-Hub-Signature-256": meta_signature(body)})

    # When / Then it verifies
    get_webhook_source("facebook").verify(request, SECRETS)


def test_signature_over_re_serialised_json_does_not_match(inbound, fixture_bytes):
    # Given the same payload re-serialised (unicode unescaped): the bytes differ from what Meta signed
    original = fixture_bytes("meta/facebook_feed_unicode.json")
    reserialised = json.dumps(json.loads(original), ensure_ascii=False).encode()
    request = inbound("facebook", body=reserialised, headers={"X-Hub-Signature-256": meta_signature(original)})

    # When / Then verification fails
    with pytest.raises(SignatureInvalid):
        get_webhook_source("facebook").verify(request, SECRETS)


def test_legacy_sha1_header_alone_is_not_accepted(inbound, fixture_bytes):
    body = fixture_bytes("meta/facebook_feed_batched.json")
    sha1 = "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()
    with pytest.raises(SignatureMissing):
        get_webhook_source("facebook").verify(
            inbound("facebook", body=body, headers={"X-Hub-Signature": sha1}), SECRETS
        )


def test_uppercase_hex_signature_is_accepted(inbound, fixture_bytes):
    body = fixture_bytes("meta/facebook_feed_batched.json")
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest().upper()
    get_webhook_source("facebook").verify(
        inbound("facebook", body=body, headers={"X-Hub-Signature-256": signature}), SECRETS
    )


def test_batched_feed_changes_become_mentions_and_a_removal_is_marked_deleted(inbound, fixture_bytes):
    # Given two entries with five feed changes, one of them a reaction
    body = fixture_bytes("meta/facebook_feed_batched.json")

    # When parsed
    delivery = get_webhook_source("facebook").parse(inbound("facebook", body=body))

    # Then the post, the comment, its edit and the removal are mentions; the reaction is not
    mentions = [item.mention for item in delivery.items]
    assert [(m.native_id, m.deleted) for m in mentions] == [
        ("104532518123456_987654321", False),
        ("987654321_112233", False),
        ("987654321_112233", False),
        ("104532518123456_555000111", True),
    ]
    post, comment, edited, removed = mentions
    assert post.platform is Platform.FACEBOOK
    assert post.text == "My bags never arrived in Lisbon. Third time this year with Acme Air!"
    assert post.author.display_name == "Priya Shah"
    assert post.permalink == "https://www.facebook.com/104532518123456/posts/pfbid02abc"
    assert post.created_at == datetime(2026, 11, 23, 15, 59, 58, tzinfo=UTC)
    assert comment.thread.root_id == "104532518123456_987654321"
    assert comment.thread.parent_id == "104532518123456_987654321"
    assert edited.text.endswith("Update: they called back.")
    assert removed.text == ""
    assert delivery.items[1].raw["comment_id"] == "987654321_112233"


def test_escaped_unicode_is_decoded_in_the_mention(inbound, fixture_bytes):
    delivery = get_webhook_source("facebook").parse(
        inbound("facebook", body=fixture_bytes("meta/facebook_feed_unicode.json"))
    )
    mention = delivery.items[0].mention
    assert mention.text == "Schöner Flug mit Acme Air \U0001f60a danke an die Crew!"
    assert mention.author.display_name == "Renée Müller"


def test_unhandled_page_field_is_ignored(inbound, fixture_bytes):
    delivery = get_webhook_source("facebook").parse(
        inbound("facebook", body=fixture_bytes("meta/facebook_ratings.json"))
    )
    assert delivery.items == ()
    assert "ratings" in (delivery.ignored or "")


def test_other_objects_are_ignored(inbound):
    body = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
    delivery = get_webhook_source("facebook").parse(inbound("facebook", body=body))
    assert delivery.items == ()
    assert "whatsapp_business_account" in (delivery.ignored or "")


def test_instagram_comments_map_author_media_thread_and_reply(inbound, fixture_bytes):
    delivery = get_webhook_source("instagram").parse(
        inbound("instagram", body=fixture_bytes("meta/instagram_comments.json"))
    )
    top, reply = (item.mention for item in delivery.items)
    assert top.platform is Platform.INSTAGRAM
    assert top.id == "instagram:17865799348089039"
    assert top.author.handle == "lisa.travels"
    assert top.text == "Still waiting for my refund @acmeair \U0001f621"
    assert top.thread.root_id == "17887498072083520"
    assert reply.thread.parent_id == "17865799348089039"
    assert top.created_at == datetime(2026, 11, 23, 16, 50, tzinfo=UTC)


def test_instagram_mention_without_text_is_recorded_by_id(inbound, fixture_bytes):
    delivery = get_webhook_source("instagram").parse(
        inbound("instagram", body=fixture_bytes("meta/instagram_mentions.json"))
    )
    mention = delivery.items[0].mention
    assert mention.native_id == "17894227972186120"
    assert mention.thread.root_id == "17918195224117851"
    assert mention.text == ""


def test_instagram_business_login_shape_with_field_on_the_entry_and_no_media(inbound, fixture_bytes):
    body = fixture_bytes("meta/instagram_business_login_comment.json")
    delivery = get_webhook_source("instagram").parse(inbound("instagram", body=body))
    mention = delivery.items[0].mention
    assert mention.text == "Love the new routes"
    assert mention.thread.root_id is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"object": "page"}, "entry"),
        ({"object": "page", "entry": "x"}, "entry"),
        (
            {
                "object": "page",
                "entry": [{"id": "1", "changes": [{"field": "feed", "value": {"item": "comment", "verb": "add"}}]}],
            },
            "entry.0.changes.0.value.comment_id",
        ),
        (
            {
                "object": "instagram",
                "entry": [{"id": "1", "changes": [{"field": "comments", "value": {"text": "x"}}]}],
            },
            "entry.0.changes.0.value.id",
        ),
    ],
)
def test_malformed_notification_is_a_bad_request_naming_the_field(inbound, payload, field):
    with pytest.raises(MalformedPayload) as caught:
        get_webhook_source("facebook").parse(inbound("facebook", body=json.dumps(payload).encode()))
    assert caught.value.field == field
