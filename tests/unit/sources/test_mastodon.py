from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from mentionwatch.exceptions import MalformedPayload, MethodNotAllowed, SignatureInvalid, SignatureMissing
from mentionwatch.models import Platform
from mentionwatch.sources.registry import get_webhook_source

SECRET = "mastodon-webhook-secret-for-tests-only"
SECRETS = {"webhook_secret": SECRET}


def hub_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signed_delivery_verifies(inbound, fixture_bytes):
    body = fixture_bytes("mastodon/status_created.json")
    get_webhook_source("mastodon").verify(
        inbound("mastodon", body=body, headers={"X-Hub-Signature": hub_signature(body)}), SECRETS
    )


def test_signature_with_wrong_secret_is_rejected(inbound, fixture_bytes):
    body = fixture_bytes("mastodon/status_created.json")
    request = inbound("mastodon", body=body, headers={"X-Hub-Signature": hub_signature(body, "nope")})
    with pytest.raises(SignatureInvalid):
        get_webhook_source("mastodon").verify(request, SECRETS)


def test_signature_without_algorithm_prefix_is_rejected(inbound, fixture_bytes):
    body = fixture_bytes("mastodon/status_created.json")
    bare = hub_signature(body).removeprefix("sha256=")
    with pytest.raises(SignatureInvalid):
        get_webhook_source("mastodon").verify(
            inbound("mastodon", body=body, headers={"X-Hub-Signature": bare}), SECRETS
        )


def test_missing_signature_is_rejected(inbound, fixture_bytes):
    with pytest.raises(SignatureMissing):
        get_webhook_source("mastodon").verify(
            inbound("mastodon", body=fixture_bytes("mastodon/status_created.json")), SECRETS
        )


def test_mastodon_takes_no_get_requests(inbound):
    with pytest.raises(MethodNotAllowed):
        get_webhook_source("mastodon").answer_challenge(inbound("mastodon", method="GET"), SECRETS)


def test_status_created_strips_html_and_maps_account_thread_and_counts(inbound, fixture_bytes):
    # Given an admin webhook for a new public status
    delivery = get_webhook_source("mastodon").parse(
        inbound("mastodon", body=fixture_bytes("mastodon/status_created.json"))
    )

    # Then the mention's text is plain, its id global and its author fully qualified
    mention = delivery.items[0].mention
    assert mention.platform is Platform.MASTODON
    assert mention.text == (
        "@acme your status page says all green but I can't log in & support is silent. Second day now #AcmeDown"
    )
    assert mention.native_id == "social.example/users/marta/statuses/113512345678901234"
    assert mention.author.handle == "marta@social.example"
    assert mention.author.followers == 880
    # the parent linked by its URI (its author @acme is local to the instance), not the per-instance number
    assert mention.thread.parent_id == "social.example/users/acme/statuses/113512300000000000"
    assert (mention.engagement.likes, mention.engagement.reposts, mention.engagement.replies) == (7, 3, 1)
    assert mention.permalink == "https://social.example/@marta/113512345678901234"
    assert mention.created_at == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    assert delivery.items[0].raw["id"] == "113512345678901234"


def test_status_updated_keeps_the_same_mention_id(inbound, fixture_bytes):
    created = get_webhook_source("mastodon").parse(
        inbound("mastodon", body=fixture_bytes("mastodon/status_created.json"))
    )
    updated = get_webhook_source("mastodon").parse(
        inbound("mastodon", body=fixture_bytes("mastodon/status_updated.json"))
    )
    assert updated.items[0].mention.id == created.items[0].mention.id
    assert updated.items[0].mention.text == "Edit: support answered, thanks @acme"


def test_direct_message_is_never_turned_into_a_mention(inbound, fixture_bytes):
    delivery = get_webhook_source("mastodon").parse(
        inbound("mastodon", body=fixture_bytes("mastodon/status_direct.json"))
    )
    assert delivery.items == ()
    assert "direct" in (delivery.ignored or "")


def test_boost_is_ignored(inbound, fixture_bytes):
    payload = json.loads(fixture_bytes("mastodon/status_created.json"))
    payload["object"]["reblog"] = dict(payload["object"])
    delivery = get_webhook_source("mastodon").parse(inbound("mastodon", body=json.dumps(payload).encode()))
    assert delivery.items == () and "boost" in (delivery.ignored or "")


def test_other_event_types_are_ignored(inbound, fixture_bytes):
    delivery = get_webhook_source("mastodon").parse(
        inbound("mastodon", body=fixture_bytes("mastodon/account_created.json"))
    )
    assert delivery.items == ()
    assert "account.created" in (delivery.ignored or "")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda p: p["object"].pop("account"), "object.account"),
        (lambda p: p["object"].update(created_at="yesterday"), "object.created_at"),
        (lambda p: p.update(object=[1]), "object"),
        (lambda p: p.pop("event"), "event"),
    ],
)
def test_malformed_status_is_a_bad_request_naming_the_field(inbound, fixture_bytes, mutate, field):
    payload = json.loads(fixture_bytes("mastodon/status_created.json"))
    mutate(payload)
    with pytest.raises(MalformedPayload) as caught:
        get_webhook_source("mastodon").parse(inbound("mastodon", body=json.dumps(payload).encode()))
    assert caught.value.field == field
