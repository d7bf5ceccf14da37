"""Helpers for triage tests: mentions and sentiment built by hand, so the rules are tested on their own."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from mentionwatch.models import (
    Author,
    Engagement,
    Match,
    Mention,
    Platform,
    Sentiment,
    SentimentResult,
    SentimentScores,
    utc_now,
)
from mentionwatch.triage.engine import RulesTriager, default_triager
from mentionwatch.triage.rules import load_rules, packaged_rules_text


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("unit tests must not open network connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def mention(
    text: str,
    *,
    handle: str = "amy",
    followers: int | None = None,
    verified: bool = False,
    platform: Platform = Platform.X,
    language: str | None = None,
    brand: str = "default",
    likes: int = 0,
) -> Mention:
    return Mention(
        platform=platform,
        native_id="1",
        text=text,
        language=language,
        author=Author(handle=handle, followers=followers, verified=verified),
        created_at=utc_now(),
        engagement=Engagement(likes=likes),
        match=Match(brand=brand),
    )


def sentiment(
    label: Sentiment | str,
    *,
    negative: float | None = None,
    positive: float | None = None,
    language: str | None = None,
    sarcasm: float = 0.0,
) -> SentimentResult:
    label = Sentiment(label)
    defaults = {
        Sentiment.NEGATIVE: (0.9, 0.03),
        Sentiment.POSITIVE: (0.03, 0.9),
        Sentiment.NEUTRAL: (0.1, 0.1),
        Sentiment.MIXED: (0.4, 0.4),
    }[label]
    neg = defaults[0] if negative is None else negative
    pos = defaults[1] if positive is None else positive
    neutral = max(0.0, 1.0 - neg - pos)
    return SentimentResult(
        label=label,
        scores=SentimentScores(negative=neg, positive=pos, neutral=neutral),
        analyzer="test",
        language=language,
        sarcasm=sarcasm,
    )


@pytest.fixture(scope="session")
def triager() -> RulesTriager:
    return default_triager()


@pytest.fixture(scope="session")
def airline_triager() -> RulesTriager:
    return RulesTriager(load_rules(packaged_rules_text("airline")))


@pytest.fixture
def make_mention() -> Callable[..., Mention]:
    return mention


@pytest.fixture
def make_sentiment() -> Callable[..., SentimentResult]:
    return sentiment
