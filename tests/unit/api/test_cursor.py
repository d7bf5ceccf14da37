"""Signed pagination cursors: genuine ones round-trip; forged, foreign, replayed or expired ones are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from mentionwatch.api.cursor import CursorSigner, Position, fingerprint
from mentionwatch.exceptions import InvalidCursor

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KEY = b"k" * 32
POSITION = Position(created_at="2026-11-20T09:00:00.000000Z", id="x:1")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_a_cursor_returns_the_position_it_was_issued_for():
    signer = CursorSigner(KEY, Clock())

    cursor = signer.issue(POSITION, "q1", "*")

    assert signer.open(cursor, "q1", "*") == POSITION


def test_a_cursor_from_another_query_is_refused():
    signer = CursorSigner(KEY, Clock())
    cursor = signer.issue(POSITION, fingerprint({"status": "new"}), "*")

    with pytest.raises(InvalidCursor, match="different query") as raised:
        signer.open(cursor, fingerprint({"status": "resolved"}), "*")

    assert raised.value.field == "cursor" and raised.value.status == 400


def test_a_cursor_issued_to_one_team_scope_is_refused_for_another():
    signer = CursorSigner(KEY, Clock())
    cursor = signer.issue(POSITION, "q1", "care")

    with pytest.raises(InvalidCursor):
        signer.open(cursor, "q1", "*")


def test_an_edited_payload_breaks_the_signature():
    signer = CursorSigner(KEY, Clock())
    payload, signature = signer.issue(POSITION, "q1", "care").split(".")
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    document["t"] = "*"
    edited = base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()

    with pytest.raises(InvalidCursor, match="not one this API issued"):
        signer.open(f"{edited}.{signature}", "q1", "*")


def test_a_cursor_signed_with_another_key_is_refused():
    cursor = CursorSigner(b"z" * 32, Clock()).issue(POSITION, "q1", "*")

    with pytest.raises(InvalidCursor):
        CursorSigner(KEY, Clock()).open(cursor, "q1", "*")


def test_a_well_signed_cursor_with_a_wrong_shape_is_refused():
    body = b'{"v": 1}'
    mac = hmac.new(KEY, body, hashlib.sha256).digest()
    cursor = base64.urlsafe_b64encode(body).decode() + "." + base64.urlsafe_b64encode(mac).decode()

    with pytest.raises(InvalidCursor, match="malformed"):
        CursorSigner(KEY, Clock()).open(cursor, "q1", "*")


def test_an_expired_cursor_is_refused():
    clock = Clock()
    signer = CursorSigner(KEY, clock)
    cursor = signer.issue(POSITION, "q1", "*")
    clock.now = NOW + timedelta(hours=25)

    with pytest.raises(InvalidCursor, match="expired"):
        signer.open(cursor, "q1", "*")


@pytest.mark.parametrize("cursor", ["", ".", "abc", "a.b.c", "!!!.???", "eyJ2IjoxfQ"])
def test_garbage_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        CursorSigner(KEY, Clock()).open(cursor, "q1", "*")


def test_the_key_derived_from_a_secret_depends_on_the_secret():
    cursor = CursorSigner.from_secret("secret one", Clock()).issue(POSITION, "q1", "*")

    assert CursorSigner.from_secret("secret one", Clock()).open(cursor, "q1", "*") == POSITION
    with pytest.raises(InvalidCursor):
        CursorSigner.from_secret("secret two", Clock()).open(cursor, "q1", "*")


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="16 bytes"):
        CursorSigner(b"short", Clock())


def test_the_fingerprint_ignores_key_order_but_not_values():
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
