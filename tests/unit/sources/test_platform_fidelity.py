"""Each documented platform event through the webhook entry point (`receive_webhook`), signed as the platform
signs it: edits, quotes, conversations, deletions, hides, the Page mention field, templated bodies, secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mentionwatch.exceptions import MalformedPayload, SignatureInvalid, UnknownSource
from mentionwatch.pipeline.ingest import KeepRefused, WebhookAccepted, receive_webhook
from mentionwatch.pipeline.kept import KeptDelivery
from mentionwatch.secrets.provider import FileSecretsProvider
from mentionwatch.sources.base import InboundRequest
from tests.support import standard_webhook_headers

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms"
SECRETS = {
    "x": {"consumer_secret": "x-secret-for-tests"},
    "facebook": {"app_secret": "meta-secret-for-tests", "verify_token": "v"},
    "mastodon": {"webhook_secret": "mastodon-secret-for-tests"},
}
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


class Secrets:
    def __init__(self, values: dict) -> None:
        self.values = values

    def for_source(self, source: str) -> dict:
        if source not in self.values:
            raise UnknownSource(f"source {source!r} is not configured", field="source")
        return self.values[source]


class ListQueue:
    def __init__(self) -> None:
        self.items: list = []

    def enqueue(self, items: list) -> int:
        self.items.extend(items)
        return len(items)


class ListKept:
    def __init__(self) -> None:
        self.kept: list[KeptDelivery] = []

    def keep(self, delivery: KeptDelivery) -> None:
        self.kept.append(delivery)


def signed(source: str, body: bytes) -> dict[str, str]:
    if source == "x":
        mac = hmac.new(SECRETS["x"]["consumer_secret"].encode(), body, hashlib.sha256).digest()
        return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(mac).decode()}
    if source == "facebook":
        mac = hmac.new(SECRETS["facebook"]["app_secret"].encode(), body, hashlib.sha256).hexdigest()
        return {"x-hub-signature-256": "sha256=" + mac}
    mac = hmac.new(SECRETS["mastodon"]["webhook_secret"].encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature": "sha256=" + mac}


def deliver(source: str, body: bytes, keep: KeepRefused | None = None) -> tuple[WebhookAccepted, ListQueue]:
    headers = {"content-type": "application/json"} | signed(source, body)
    request = InboundRequest(source=source, method="POST", headers=headers, body=body, received_at=NOW)
    queue = ListQueue()
    outcome = receive_webhook(request, Secrets(SECRETS), queue, keep_refused=keep)
    assert isinstance(outcome, WebhookAccepted)
    return outcome, queue


def fixture(relative: str) -> bytes:
    return (FIXTURES / relative).read_bytes()


# --- X ----------------------------------------------------------------------------------------------------
def test_x_v1_edit_is_the_original_posts_mention_with_the_newest_text_and_permalink():
    outcome, queue = deliver("x", fixture("x/tweet_create_edited.json"))
    (mention,) = (item.mention for item in queue.items)
    assert outcome.mention_ids == ("x:1862497411234567890",)  # the first id of the edit chain
    assert mention.permalink == "https://x.com/jotravels/status/1862497999999999999"
    assert "rebooked on AA127" in mention.text


def test_x_v2_edit_is_the_original_posts_mention():
    _, queue = deliver("x", fixture("x/v2_edited_post.json"))
    (mention,) = (item.mention for item in queue.items)
    assert mention.native_id == "1862600000000000003"
    assert mention.text.endswith("(edit: back up now)")
    assert mention.thread.root_id == "1862590000000000000"  # still in its conversation


def test_x_edits_carry_the_other_ids_of_their_chain_so_a_deletion_of_any_of_them_finds_the_mention():
    _, queue = deliver("x", fixture("x/v2_edited_post.json"))
    assert queue.items[0].mention.versions == ("1862600000000000999",)
    _, queue = deliver("x", fixture("x/tweet_create_edited.json"))
    assert queue.items[0].mention.versions == ("1862497999999999999",)
    _, queue = deliver("x", fixture("x/tweet_create_events.json"))
    assert queue.items[0].mention.versions == ()  # never edited


def test_x_delete_event_of_the_subscribed_accounts_edited_post_is_the_brand_deleting_its_own_post():
    _, queue = deliver("x", fixture("x/tweet_delete_own_edited.json"))
    (item,) = queue.items
    assert item.mention.deleted is True and item.mention.native_id == "1862499900000000002"
    assert item.brand_account is not None and item.brand_account.account == "2244994945"


def test_x_v1_quote_links_and_joins_the_quoted_posts_conversation():
    _, queue = deliver("x", fixture("x/tweet_create_quote.json"))
    (mention,) = (item.mention for item in queue.items)
    assert mention.thread.quote_of == "1862400000000000000"
    assert mention.thread_key == "x:1862400000000000000"
    assert "4 hours on the tarmac" in mention.text


def test_x_v2_quote_links_the_quoted_post_and_a_reply_keeps_its_conversation():
    _, queue = deliver("x", fixture("x/v2_quote.json"))
    (quote,) = (item.mention for item in queue.items)
    assert quote.thread.quote_of == "1862600000000000003"
    assert quote.thread_key == "x:1862600000000000003"  # conversation_id is its own id: grouped with the quoted
    _, queue = deliver("x", fixture("x/v2_filtered_stream.json"))
    (reply,) = (item.mention for item in queue.items)
    assert reply.thread_key == "x:1862590000000000000" and reply.thread.quote_of is None


def test_x_delete_event_names_the_subscribed_accounts_own_post():
    _, queue = deliver("x", fixture("x/tweet_delete_events.json"))
    (mention,) = (item.mention for item in queue.items)
    payload = json.loads(fixture("x/tweet_delete_events.json"))
    assert mention.deleted is True
    assert mention.author.id == payload["for_user_id"]


# --- Meta -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("relative", "deleted", "hidden", "text"),
    [
        ("meta/facebook_feed_hide.json", False, True, ""),
        ("meta/facebook_feed_unhide.json", False, False, ""),
        ("meta/facebook_feed_delete.json", True, None, ""),
        ("meta/facebook_feed_comment_edited.json", False, None, "Update: Acme Air found the bags"),
    ],
)
def test_meta_feed_verbs_mark_the_mention_as_the_platform_means(relative, deleted, hidden, text):
    _, queue = deliver("facebook", fixture(relative))
    (mention,) = (item.mention for item in queue.items)
    assert (mention.deleted, mention.hidden) == (deleted, hidden)
    assert mention.text.startswith(text)


def test_meta_page_mention_field_is_a_mention_by_its_sender():
    outcome, queue = deliver("facebook", fixture("meta/facebook_page_mention.json"))
    (mention,) = (item.mention for item in queue.items)
    assert outcome.mention_ids == ("facebook:44455566677_12345678901",)
    assert mention.author.id == "7005550001" and mention.author.display_name == "Lena Park"
    assert "6 hours late" in mention.text


# --- Mastodon and kept deliveries --------------------------------------------------------------------------
def test_a_templated_mastodon_body_is_kept_and_answered_2xx_not_400():
    body = json.dumps({"text": "New post by @acme", "url": "https://social.example/@a/1"}).encode()
    with pytest.raises(MalformedPayload, match="template"):
        deliver("mastodon", body)  # without a place to keep it: a clear 400

    kept = ListKept()
    outcome, queue = deliver("mastodon", body, KeepRefused(store=kept))

    assert outcome.status == 200 and outcome.accepted == 0 and queue.items == []
    (stored,) = kept.kept
    assert outcome.kept == stored.id and stored.source == "mastodon" and stored.body == body
    assert stored.expiration == int(NOW.timestamp()) + 30 * 86400
    assert stored.headers["x-hub-signature"].startswith("sha256=")


def test_an_unsigned_body_is_never_kept():
    kept = ListKept()
    headers = {"content-type": "application/json", "x-hub-signature": "sha256=" + "0" * 64}
    request = InboundRequest(source="mastodon", method="POST", headers=headers, body=b"{}", received_at=NOW)
    with pytest.raises(SignatureInvalid):
        receive_webhook(request, Secrets(SECRETS), ListQueue(), keep_refused=KeepRefused(store=kept))
    assert kept.kept == []


# --- secrets ------------------------------------------------------------------------------------------------
def test_a_source_missing_its_key_answers_like_an_unconfigured_one_and_never_names_the_key():
    body = fixture("x/tweet_create_events.json")
    headers = {"content-type": "application/json"} | signed("x", body)
    request = InboundRequest(source="x", method="POST", headers=headers, body=body, received_at=NOW)
    with pytest.raises(UnknownSource) as missing_key:
        receive_webhook(request, Secrets({"x": {"app_key": "something else"}}), ListQueue())
    with pytest.raises(UnknownSource) as not_configured:
        receive_webhook(request, Secrets({}), ListQueue())
    assert missing_key.value.message == not_configured.value.message == "source 'x' is not configured"
    assert missing_key.value.status == 404


def test_a_standard_webhooks_secret_without_its_prefix_is_base64_decoded_like_the_reference_library(tmp_path):
    key = base64.b64encode(b"a-32-byte-signing-key-for-tests!").decode()
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps({"standard": {"signing_secret": key}}))  # pasted without `whsec_`
    body = json.dumps(
        {
            "type": "mention.created",
            "data": {"id": "p1", "text": "hi", "created_at": "2026-11-23T09:00:00Z", "author": {"handle": "a"}},
        }
    ).encode()
    headers = standard_webhook_headers(body, secret="whsec_" + key)
    now = datetime.now(UTC)
    request = InboundRequest(source="standard", method="POST", headers=headers, body=body, received_at=now)

    outcome = receive_webhook(request, FileSecretsProvider(secrets_file), ListQueue())

    assert isinstance(outcome, WebhookAccepted) and outcome.accepted == 1


def test_the_local_secrets_file_is_read_again_when_it_changes(tmp_path):
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps({"x": {"consumer_secret": "first"}}))
    provider = FileSecretsProvider(secrets_file)
    assert provider.for_source("x")["consumer_secret"] == "first"

    secrets_file.write_text(json.dumps({"x": {"consumer_secret": "second-value"}}))
    later = time.time() + 5
    os.utime(secrets_file, (later, later))

    assert provider.for_source("x")["consumer_secret"] == "second-value"
