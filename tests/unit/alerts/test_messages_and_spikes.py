"""Message texts and spike statistics, without AWS."""

from __future__ import annotations

import json

from mentionwatch.alerts.gsm import septets
from mentionwatch.alerts.notices import build_notice
from mentionwatch.alerts.policy import SpikeConfig
from mentionwatch.alerts.spike import judge, top_phrases

LINK = "https://abcdefghij.execute-api.us-east-1.amazonaws.com/ack/AAAAAAAAAAAAAAAAAAAAAAAAAAA"


def notice(sms: str):
    return build_notice(
        dedup_key="k",
        kind="storm",
        brand="acme",
        team="social",
        severity="critical",
        route="oncall,oncall-lead",
        title="Storm – “acme”",
        sms=sms,
        lines=["line"],
        link=LINK,
    )


def test_notice_sms_fits_160_gsm_characters_and_ends_with_the_whole_link():
    message = notice("Ärger über 🔥 “acme” — " * 20)

    assert septets(message.sms) <= 160
    assert message.sms.endswith(" " + LINK)
    assert "🔥" not in message.sms


def test_routes_travel_as_a_string_array_attribute():
    attributes = notice("x").sns_attributes()

    assert attributes["route"] == {"DataType": "String.Array", "StringValue": '["oncall", "oncall-lead"]'}
    assert attributes["team"] == {"DataType": "String", "StringValue": "social"}


def test_the_default_body_is_an_aws_chatbot_custom_notification():
    message = notice("x")

    default = json.loads(json.loads(message.sns_message())["default"])

    assert default["version"] == "1.0" and default["source"] == "custom"
    assert default["content"]["title"] == message.email_subject
    assert message.email_subject.isascii()


def test_a_quiet_history_makes_a_burst_a_spike_but_not_a_small_one():
    config = SpikeConfig(min_count=10, sigmas=3)
    quiet = [0] * 160 + [1] * 8

    assert judge("acme", "all", 12, quiet, config, 1).is_spike
    assert not judge("acme", "all", 4, quiet, config, 1).is_spike  # below the minimum count


def test_a_noisy_history_absorbs_the_same_burst():
    stats = judge("acme", "all", 20, [2, 22] * 84, SpikeConfig(min_count=10, sigmas=3), 1)

    assert (stats.mean, stats.spread, stats.is_spike) == (12, 10, False)


def test_top_phrases_count_each_text_once_and_skip_stopwords_and_the_brand():
    texts = ["acme refund delayed refund delayed refund delayed", "Where is my acme refund? Delayed again", "ok"]

    assert top_phrases(texts, exclude=["acme"])[:1] == [("refund delayed", 2)]


def test_the_mention_sms_names_only_the_authors_handle():
    from datetime import UTC, datetime

    from mentionwatch.alerts.messages import render_sms
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

    mention = Mention(
        platform="x",
        native_id="1",
        author=Author(handle="dana", followers=1200),
        created_at=datetime(2026, 11, 23, tzinfo=UTC),
        text="@bob_smith call me on +44 7700 900123 or dana.k@example.com, order 123-456-789 http://x.co/a fire!",
    )
    triaged = TriagedMention(
        mention=mention,
        sentiment=SentimentResult(label=Sentiment.NEGATIVE, scores=SentimentScores(negative=1), analyzer="local"),
        triage=TriageDecision(reaction=Reaction.ESCALATE, category=Category.SAFETY, severity=Severity.HIGH),
    )

    sms = render_sms(triaged, LINK)

    assert "@dana" in sms and sms.endswith(LINK) and septets(sms) <= 160
    for private in ("bob_smith", "7700", "example.com", "123-456", "x.co"):
        assert private not in sms
