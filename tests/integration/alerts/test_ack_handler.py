"""GET /ack/{token} through the handler: acknowledges once, shows who and when, refuses bad links clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mentionwatch.alerts.ack import AckSigner
from mentionwatch.models import MentionStatus
from tests.integration.alerts.conftest import ACK_KEY, store, triaged
from tests.support import load_handler


def ack_event(token: str, query: str = "", user_agent: str = "test", method: str = "GET") -> dict:
    return {
        "version": "2.0",
        "routeKey": f"{method} /ack/{{token}}",
        "rawPath": f"/ack/{token}",
        "rawQueryString": query,
        "queryStringParameters": dict(part.split("=", 1) for part in query.split("&")) if query else None,
        "headers": {"user-agent": user_agent},
        "pathParameters": {"token": token},
        "requestContext": {"http": {"method": method, "path": f"/ack/{token}"}, "requestId": "r1", "stage": "$default"},
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


PREVIEWERS = [
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Slack-ImgProxy (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 Facebot Twitterbot/1.0",  # iMessage's link preview
    "WhatsApp/2.23.20.0 A",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]
BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize("agent", PREVIEWERS)
def test_a_link_preview_shows_the_alert_and_records_nothing(handler, paged, mentions, alerts, lambda_context, agent):
    # Given a paged alert whose link a chat app, mail scanner or crawler fetches by itself
    # When the previewer GETs the link
    response = handler.lambda_handler(ack_event(paged, "by=sam", user_agent=agent), lambda_context)

    # Then it gets a 200 page naming what the link would acknowledge, not indexed, and nothing is recorded
    assert response["statusCode"] == 200
    assert "Acknowledge this alert" in response["body"] and "nothing was changed" in response["body"]
    assert response["headers"]["X-Robots-Tag"] == "noindex"
    assert mentions.get("x:1").status is MentionStatus.NEW and mentions.get("x:1").version == 1
    assert alerts.current_alert("author:x:dana").acknowledged_at is None


def test_a_head_request_records_nothing_and_a_browser_then_acknowledges(
    handler, paged, mentions, alerts, lambda_context
):
    # Given a paged alert
    # When its link is first fetched with HEAD (a browser's UA), then opened in a phone's browser
    head = handler.lambda_handler(ack_event(paged, user_agent=BROWSER, method="HEAD"), lambda_context)
    unchanged = mentions.get("x:1").status
    opened = handler.lambda_handler(ack_event(paged, "by=sam", user_agent=BROWSER), lambda_context)

    # Then HEAD changed nothing, and the browser's GET acknowledged the alert and its mention
    assert head["statusCode"] == 200 and unchanged is MentionStatus.NEW
    assert opened["statusCode"] == 200 and "Acknowledged by sam" in opened["body"]
    assert mentions.get("x:1").status is MentionStatus.ACKNOWLEDGED
    assert alerts.current_alert("author:x:dana").acknowledged_by == "sam"


def test_a_preview_after_acknowledgement_shows_who_acknowledged(handler, paged, lambda_context):
    handler.lambda_handler(ack_event(paged, "by=sam", user_agent=BROWSER), lambda_context)

    response = handler.lambda_handler(ack_event(paged, user_agent=PREVIEWERS[0]), lambda_context)

    assert response["statusCode"] == 200
    assert "Already acknowledged" in response["body"] and "sam" in response["body"]


def test_a_preview_of_a_tampered_link_is_still_refused(handler, paged, lambda_context):
    flipped = paged[:-3] + ("A" if paged[-3] != "A" else "B") + paged[-2:]

    response = handler.lambda_handler(ack_event(flipped, user_agent=PREVIEWERS[0]), lambda_context)

    assert response["statusCode"] == 403
