"""GET /ack/{token} through the handler: acknowledges once, shows who and when, refuses bad links clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentionwatch.alerts.ack import AckSigner
from mentionwatch.models import MentionStatus
from tests.integration.alerts.conftest import ACK_KEY, store, triaged
from tests.support import load_handler


def ack_event(token: str, query: str = "") -> dict:
    return {
        "version": "2.0",
        "routeKey": "GET /ack/{token}",
        "rawPath": f"/ack/{token}",
        "rawQueryString": query,
        "queryStringParameters": dict(part.split("=", 1) for part in query.split("&")) if query else None,
        "headers": {"user-agent": "test"},
        "pathParameters": {"token": token},
        "requestContext": {"http": {"method": "GET", "path": f"/ack/{token}"}, "requestId": "r1", "stage": "$default"},
        "isBase64Encoded": False,
    }


@pytest.fixture
def handler(monkeypatch, table, topic):
    monkeypatch.setenv("MENTIONWATCH_TABLE", table)
    monkeypatch.setenv("MENTIONWATCH_ALERTS_TOPIC_ARN", topic)
    monkeypatch.setenv("MENTIONWATCH_ACK_KEY", ACK_KEY)
    return load_handler("ack")


@pytest.fixture
def paged(oncall, mentions, inboxes, clock):
    # The handler verifies links against the real time, so the alert is paged "now".
    from datetime import UTC, datetime

    clock.now = datetime.now(UTC)
    oncall.page_mention(store(mentions, triaged("1", handle="dana")))
    sms = inboxes.read("everything")[0]["sms"]
    return sms.rsplit("/", 1)[-1]


def test_the_link_acknowledges_the_alert_and_its_mention(handler, paged, mentions, alerts, lambda_context):
    response = handler.lambda_handler(ack_event(paged, "by=sam"), lambda_context)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert "Acknowledged" in response["body"] and "sam" in response["body"]
    stored = mentions.get("x:1")
    assert stored.status is MentionStatus.ACKNOWLEDGED and stored.acknowledged_by == "sam"
    assert [(event.action.value, event.via) for event in stored.history] == [("acknowledge", "sms-link")]
    assert alerts.current_alert("author:x:dana").acknowledged_by == "sam"


def test_a_second_tap_changes_nothing_and_shows_the_first_acknowledgement(handler, paged, mentions, lambda_context):
    handler.lambda_handler(ack_event(paged, "by=sam"), lambda_context)
    version = mentions.get("x:1").version

    response = handler.lambda_handler(ack_event(paged, "by=kim"), lambda_context)

    assert response["statusCode"] == 200
    assert "Already acknowledged" in response["body"] and "sam" in response["body"] and "kim" not in response["body"]
    assert mentions.get("x:1").version == version


def test_a_tampered_link_is_refused_and_changes_nothing(handler, paged, mentions, lambda_context):
    flipped = paged[:-3] + ("A" if paged[-3] != "A" else "B") + paged[-2:]

    response = handler.lambda_handler(ack_event(flipped), lambda_context)

    assert response["statusCode"] == 403
    assert "Invalid link" in response["body"] and "Nothing was changed" in response["body"]
    assert mentions.get("x:1").status is MentionStatus.NEW


def test_an_expired_link_gets_410_and_changes_nothing(handler, mentions, alerts, lambda_context):
    # Given a link issued 25 hours ago (links live 24 hours)
    from datetime import UTC, datetime

    store(mentions, triaged("2", handle="old"))
    issued = AckSigner(ACK_KEY).issue("author:x:old#1", datetime.now(UTC) - timedelta(hours=25))

    response = handler.lambda_handler(ack_event(issued.token), lambda_context)

    assert response["statusCode"] == 410
    assert "expired" in response["body"]
    assert mentions.get("x:2").status is MentionStatus.NEW


def test_a_genuine_link_with_no_alert_on_record_is_unknown(handler, lambda_context):
    from datetime import UTC, datetime

    token = AckSigner(ACK_KEY).issue("author:x:nobody#1", datetime.now(UTC)).token

    response = handler.lambda_handler(ack_event(token), lambda_context)

    assert response["statusCode"] == 404
    assert "Unknown link" in response["body"]


def test_a_link_signed_with_another_key_is_invalid(handler, lambda_context):
    from datetime import UTC, datetime

    token = AckSigner("some-other-deployments-key-123456").issue("author:x:dana#1", datetime.now(UTC)).token

    response = handler.lambda_handler(ack_event(token), lambda_context)

    assert response["statusCode"] == 403
