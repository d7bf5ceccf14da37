"""Standard Webhooks: signatures checked over the raw bytes, with answers computed independently here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from mentionwatch.exceptions import MalformedPayload, SignatureInvalid, SignatureMissing, TimestampOutOfTolerance
from mentionwatch.sources.base import InboundRequest
from mentionwatch.sources.standard_webhooks import StandardWebhooksSource

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KEY = b"0123456789abcdef0123456789abcdef"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"previous-key-previous-key-000000").decode()


def signature(key: bytes, msg_id: str, ts: str, body: bytes) -> str:
    return "v1," + base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()


def request(
    body: bytes, *, sig: str | None = None, ts: datetime = NOW, msg_id: str = "msg_1", **headers
) -> InboundRequest:
    stamp = str(int(ts.timestamp()))
    all_headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": stamp,
        "webhook-signature": sig if sig is not None else signature(KEY, msg_id, stamp, body),
    } | headers
    return InboundRequest(source="standard", method="POST", headers=all_headers, body=body, received_at=NOW)


def mention(**overrides) -> dict:
    return {
        "id": "p-1",
        "text": "Hello &amp; <b>welcome</b>",
        "created_at": "2026-11-23T11:59:00Z",
        "author": {"handle": "amy", "followers": 10},
    } | overrides


def envelope(kind: str = "mention.created", data: dict | None = None) -> bytes:
    return json.dumps({"type": kind, "timestamp": "2026-11-23T12:00:00Z", "data": data or mention()}).encode()


source = StandardWebhooksSource()
secrets = {"signing_secret": SECRET}


def test_a_correct_signature_is_accepted():
    source.verify(request(envelope()), secrets)


def test_any_of_several_signatures_may_match_during_key_rotation():
    body = envelope()
    good = signature(KEY, "msg_1", str(int(NOW.timestamp())), body)
    source.verify(request(body, sig=f"v1,bm90IHRoaXM= {good}"), secrets)


def test_the_previous_secret_still_verifies_while_rotating():
    body = envelope()
    old_key = base64.b64decode(OLD_SECRET.removeprefix("whsec_"))
    sig = signature(old_key, "msg_1", str(int(NOW.timestamp())), body)
    source.verify(request(body, sig=sig), {"signing_secret": SECRET, "previous_signing_secret": OLD_SECRET})


def test_a_body_changed_after_signing_is_refused():
    body = envelope()
    signed = request(body)
    tampered = signed.model_copy(update={"body": body.replace(b"amy", b"eve")})
    with pytest.raises(SignatureInvalid):
        source.verify(tampered, secrets)


def test_reserialised_json_is_not_the_signed_body():
    body = envelope()
    signed = request(body)
    reserialised = signed.model_copy(update={"body": json.dumps(json.loads(body), indent=2).encode()})
    with pytest.raises(SignatureInvalid):
        source.verify(reserialised, secrets)


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_named(header):
    incoming = request(envelope())
    headers = {k: v for k, v in incoming.headers.items() if k != header}
    with pytest.raises(SignatureMissing) as error:
        source.verify(incoming.model_copy(update={"headers": headers}), secrets)
    assert error.value.field == header


@pytest.mark.parametrize("skew", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_timestamps_outside_five_minutes_are_refused(skew):
    with pytest.raises(TimestampOutOfTolerance):
        source.verify(request(envelope(), ts=NOW + skew), secrets)


def test_timestamps_within_five_minutes_are_accepted():
    source.verify(request(envelope(), ts=NOW - timedelta(minutes=4, seconds=59)), secrets)


def test_parse_normalises_the_documented_format():
    delivery = source.parse(request(envelope()))
    (item,) = delivery.items
    assert item.mention.id == "webhook:p-1"
    assert item.mention.text == "Hello & welcome"
    assert item.mention.author.followers == 10
    assert item.raw["id"] == "p-1"


def test_batches_carry_several_mentions():
    body = envelope("mention.batch", {"mentions": [mention(id="a"), mention(id="b")]})
    assert [item.mention.native_id for item in source.parse(request(body)).items] == ["a", "b"]


def test_deletions_mark_the_mention_deleted():
    (item,) = source.parse(request(envelope("mention.deleted"))).items
    assert item.mention.deleted


def test_unhandled_event_types_are_ignored_not_rejected():
    delivery = source.parse(request(envelope("account.updated", {"anything": 1})))
    assert delivery.items == () and "account.updated" in delivery.ignored


def test_malformed_json_is_a_bad_request():
    with pytest.raises(MalformedPayload, match="not valid JSON"):
        source.parse(request(b"{not json"))


def test_a_missing_field_is_named_with_its_path():
    data = mention()
    del data["author"]["handle"]
    with pytest.raises(MalformedPayload) as error:
        source.parse(request(envelope(data=data)))
    assert error.value.field == "data.author.handle"
