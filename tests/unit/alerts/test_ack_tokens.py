"""Acknowledge tokens: compact, signed, expiring; any change to a token is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mentionwatch.alerts.ack import TOKEN_CHARS, AckSigner, ack_url
from mentionwatch.exceptions import AckLinkExpired, AckLinkInvalid, ConfigurationError

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KEY = "unit-test-signing-key-0123456789"


def test_a_token_is_27_url_safe_characters_and_verifies_to_its_link_id():
    signer = AckSigner(KEY)

    token = signer.issue("author:x:dana#1", NOW)

    assert len(token.token) == TOKEN_CHARS
    assert set(token.token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert signer.verify(token.token, NOW + timedelta(hours=23)).link_id == signer.link_id("author:x:dana#1")


def test_a_deployed_link_leaves_room_in_one_sms():
    token = AckSigner(KEY).issue("thread:x:1234567890#12", NOW)

    url = ack_url("https://abcdefghij.execute-api.ap-southeast-2.amazonaws.com", token)

    assert len(url) <= 90


def test_every_single_character_change_is_refused():
    signer = AckSigner(KEY)
    token = signer.issue("author:x:dana#1", NOW).token

    for index in range(len(token)):
        replacement = "A" if token[index] != "A" else "B"
        changed = token[:index] + replacement + token[index + 1 :]
        with pytest.raises(AckLinkInvalid):
            signer.verify(changed, NOW)


def test_a_shortened_or_padded_token_is_refused():
    signer = AckSigner(KEY)
    token = signer.issue("author:x:dana#1", NOW).token

    for changed in (token[:-1], token + "A", "", "not a token at all!!!!!!!!!"):
        with pytest.raises(AckLinkInvalid):
            signer.verify(changed, NOW)


def test_an_expired_token_is_refused_with_its_expiry():
    signer = AckSigner(KEY, lifetime=timedelta(hours=1))
    token = signer.issue("author:x:dana#1", NOW).token

    with pytest.raises(AckLinkExpired, match="expired at 2026-11-23 13:00 UTC"):
        signer.verify(token, NOW + timedelta(hours=1))


def test_a_token_from_another_key_is_refused():
    token = AckSigner("another-key-entirely-0123456789").issue("author:x:dana#1", NOW).token

    with pytest.raises(AckLinkInvalid, match="signature"):
        AckSigner(KEY).verify(token, NOW)


def test_the_same_alert_always_gets_the_same_link_id_and_different_alerts_different_ones():
    signer = AckSigner(KEY)

    assert signer.issue("a#1", NOW).link_id == signer.issue("a#1", NOW + timedelta(minutes=5)).link_id
    assert signer.link_id("a#1") != signer.link_id("a#2")


def test_a_short_key_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="at least 16 bytes"):
        AckSigner("short")
