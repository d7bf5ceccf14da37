from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from mentionwatch.exceptions import (
    Forbidden,
    MalformedPayload,
    SignatureInvalid,
    SignatureMissing,
    UnsupportedMediaType,
)
from mentionwatch.models import Platform
from mentionwatch.sources.registry import get_webhook_source

HUB_SECRET = "youtube-hub-secret-for-tests-only"
SECRETS = {"hub_secret": HUB_SECRET}
ATOM = "application/atom+xml"
TOPIC = "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCbvVyxRn1sOm6GXNHkYGfKA"


def sha1_signature(body: bytes, secret: str = HUB_SECRET) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def challenge_query(**extra: str) -> dict[str, str]:
    query = {
        "hub.mode": "subscribe",
        "hub.topic": TOPIC,
        "hub.challenge": "14120871929838281046",
        "hub.lease_seconds": "432000",
    }
    query.update(extra)
    return query


def test_websub_subscribe_challenge_is_echoed(inbound):
    request = inbound("youtube", method="GET", query=challenge_query(**{"hub.mode": "subscribe"}))
    answer = get_webhook_source("youtube").answer_challenge(request, SECRETS)
    assert (answer.status, answer.body, answer.content_type) == (200, "14120871929838281046", "text/plain")


def test_an_unsubscribe_with_the_verify_token_is_echoed(inbound):
    secrets = {**SECRETS, "verify_token": "yt-verify-token"}
    query = challenge_query(**{"hub.mode": "unsubscribe", "hub.verify_token": "yt-verify-token"})
    answer = get_webhook_source("youtube").answer_challenge(inbound("youtube", method="GET", query=query), secrets)
    assert answer.body == "14120871929838281046"


def test_nobody_can_unsubscribe_us_without_a_configured_verify_token(inbound):
    # Given no verify_token configured, When someone asks the hub to unsubscribe our callback
    request = inbound("youtube", method="GET", query=challenge_query(**{"hub.mode": "unsubscribe"}))
    # Then the challenge is refused, so the hub keeps the subscription
    with pytest.raises(Forbidden):
        get_webhook_source("youtube").answer_challenge(request, SECRETS)


def test_configured_verify_token_must_match(inbound):
    secrets = {**SECRETS, "verify_token": "yt-verify-token"}
    request = inbound("youtube", method="GET", query=challenge_query(**{"hub.verify_token": "guess"}))
    with pytest.raises(Forbidden):
        get_webhook_source("youtube").answer_challenge(request, secrets)


def test_matching_verify_token_is_accepted(inbound):
    secrets = {**SECRETS, "verify_token": "yt-verify-token"}
    request = inbound("youtube", method="GET", query=challenge_query(**{"hub.verify_token": "yt-verify-token"}))
    assert get_webhook_source("youtube").answer_challenge(request, secrets).body == "14120871929838281046"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"hub.mode": "subscribe", "hub.challenge": "1"}, "hub.topic"),
        ({"hub.mode": "subscribe", "hub.topic": TOPIC}, "hub.challenge"),
        ({"hub.topic": TOPIC, "hub.challenge": "1"}, "hub.mode"),
        (
            {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "1", "hub.lease_seconds": "soon"},
            "hub.lease_seconds",
        ),
    ],
)
def test_incomplete_challenge_is_a_bad_request(inbound, query, field):
    with pytest.raises(MalformedPayload) as caught:
        get_webhook_source("youtube").answer_challenge(inbound("youtube", method="GET", query=query), SECRETS)
    assert caught.value.field == field


def test_denied_subscription_notice_is_acknowledged_with_an_empty_body(inbound):
    request = inbound("youtube", method="GET", query={"hub.mode": "denied", "hub.topic": TOPIC, "hub.reason": "x"})
    assert get_webhook_source("youtube").answer_challenge(request, SECRETS).body == ""


def test_sha1_signed_atom_delivery_verifies(inbound, fixture_bytes):
    body = fixture_bytes("youtube/new_video.xml")
    request = inbound("youtube", body=body, content_type=ATOM, headers={"X-Hub-Signature": sha1_signature(body)})
    get_webhook_source("youtube").verify(request, SECRETS)


def test_signature_with_wrong_secret_is_rejected(inbound, fixture_bytes):
    body = fixture_bytes("youtube/new_video.xml")
    request = inbound("youtube", body=body, content_type=ATOM, headers={"X-Hub-Signature": sha1_signature(body, "x")})
    with pytest.raises(SignatureInvalid):
        get_webhook_source("youtube").verify(request, SECRETS)


def test_missing_signature_is_rejected(inbound, fixture_bytes):
    request = inbound("youtube", body=fixture_bytes("youtube/new_video.xml"), content_type=ATOM)
    with pytest.raises(SignatureMissing):
        get_webhook_source("youtube").verify(request, SECRETS)


def test_atom_media_types_are_accepted_and_json_is_not(inbound):
    source = get_webhook_source("youtube")
    source.check_media_type(inbound("youtube", content_type="application/atom+xml; charset=UTF-8"))
    with pytest.raises(UnsupportedMediaType):
        source.check_media_type(inbound("youtube", content_type="application/json"))


def test_new_video_entry_becomes_a_mention(inbound, fixture_bytes):
    delivery = get_webhook_source("youtube").parse(
        inbound("youtube", body=fixture_bytes("youtube/new_video.xml"), content_type=ATOM)
    )
    mention = delivery.items[0].mention
    assert mention.platform is Platform.YOUTUBE
    assert mention.id == "youtube:dQw4w9WgXcQ"
    assert mention.text == "Acme Air review: is the new business class worth it? & more"
    assert mention.author.id == "UCbvVyxRn1sOm6GXNHkYGfKA"
    assert mention.author.display_name == "Flight Reviews Daily"
    assert mention.permalink == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert mention.created_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert mention.deleted is False


def test_deleted_entry_marks_the_video_deleted(inbound, fixture_bytes):
    delivery = get_webhook_source("youtube").parse(
        inbound("youtube", body=fixture_bytes("youtube/deleted_video.xml"), content_type=ATOM)
    )
    mention = delivery.items[0].mention
    assert (mention.id, mention.deleted) == ("youtube:dQw4w9WgXcQ", True)
    assert mention.author.id == "UCbvVyxRn1sOm6GXNHkYGfKA"


@pytest.mark.parametrize("fixture", ["youtube/billion_laughs.xml", "youtube/external_entity.xml"])
def test_xml_with_entity_declarations_is_refused_without_expansion(inbound, fixture_bytes, fixture):
    with pytest.raises(MalformedPayload) as caught:
        get_webhook_source("youtube").parse(inbound("youtube", body=fixture_bytes(fixture), content_type=ATOM))
    assert "DOCTYPE" in caught.value.message


@pytest.mark.parametrize("body", [b"<feed><entry>", b"<rss version='2.0'/>", b"\xff\xfe"])
def test_non_atom_or_broken_xml_is_a_bad_request(inbound, body):
    with pytest.raises(MalformedPayload):
        get_webhook_source("youtube").parse(inbound("youtube", body=body, content_type=ATOM))


def test_feed_without_entries_is_ignored(inbound):
    body = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>YouTube video feed</title></feed>'
    delivery = get_webhook_source("youtube").parse(inbound("youtube", body=body, content_type=ATOM))
    assert delivery.items == () and delivery.ignored


def test_entry_with_only_a_nanosecond_updated_time_uses_it(inbound):
    # Given an updated-video notification without <published>, its time in nanoseconds as YouTube sends it
    body = (
        b'<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">'
        b"<entry><id>yt:video:abc123DEF45</id><yt:videoId>abc123DEF45</yt:videoId><title>Acme</title>"
        b"<updated>2026-11-23T17:01:02.554319185+00:00</updated></entry></feed>"
    )

    # When parsed
    mention = get_webhook_source("youtube").parse(inbound("youtube", body=body, content_type=ATOM)).items[0].mention

    # Then the time is kept to the microsecond and the channel falls back to "unknown"
    assert mention.created_at == datetime(2026, 11, 23, 17, 1, 2, 554319, tzinfo=UTC)
    assert mention.author.handle == "unknown"
