"""What an on-call phone shows: one GSM-7 segment, public facts only, the link last."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mentionwatch.alerts.gsm import septets, to_gsm7
from mentionwatch.alerts.messages import render_alert, render_sms
from mentionwatch.models import (
    Author,
    Category,
    Mention,
    Reaction,
    Sentiment,
    SentimentResult,
    SentimentScores,
    Severity,
    TriageDecision,
    TriagedMention,
)

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def triaged(text: str, handle: str = "dana", followers: int = 12_345, link: str | None = "https://x.example/p/1"):
    return TriagedMention(
        mention=Mention(
            platform="x",
            native_id="1",
            text=text,
            author=Author(handle=handle, display_name="Dana Private-Name", followers=followers),
            created_at=datetime(2026, 11, 23, tzinfo=UTC),
            permalink=link,
        ),
        sentiment=SentimentResult(label=Sentiment.NEGATIVE, scores=SentimentScores(negative=0.9), analyzer="local"),
        triage=TriageDecision(reaction=Reaction.ESCALATE, category=Category.SAFETY, severity=Severity.CRITICAL),
    )


@pytest.mark.parametrize(
    "text",
    [
        "short",
        "A" * 400,
        "“Smart quotes” — dashes… and emoji 😡🔥 and 日本語 and ünïcödé everywhere " * 5,
        "{[braces]} cost two septets each ~|^€ " * 10,
    ],
)
def test_sms_fits_one_gsm7_segment(text):
    sms = render_sms(triaged(text), "https://x.example/p/1")
    assert septets(sms) <= 160
    assert set(sms) <= GSM7


def test_sms_names_only_the_public_handle_and_ends_in_the_link():
    sms = render_sms(triaged("My order never arrived " * 10), "https://ack.example/a/Tk3n")
    assert "@dana" in sms and "Private-Name" not in sms
    assert sms.endswith("https://ack.example/a/Tk3n")
    assert sms.startswith("[CRITICAL] X default @dana 12k:")  # severity, platform, brand, handle, reach


def test_non_gsm_characters_are_replaced_not_dropped():
    assert to_gsm7("“hi” 😀") == '"hi" ?'


def test_alert_carries_routing_attributes_and_a_chatbot_body():
    alert = render_alert(triaged("Smoke everywhere, someone is hurt"))
    assert alert.attributes["severity"] == "critical" and alert.attributes["category"] == "safety"
    assert alert.chat["version"] == "1.0" and alert.chat["source"] == "custom"
    assert alert.chat["content"]["title"] == alert.email_subject
    assert len(alert.email_subject) <= 100
