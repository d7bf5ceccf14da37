"""The analyzer interface every sentiment implementation follows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from mentionwatch.models import SentimentResult


class SentimentRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    language: str | None = None  # what the platform said, if anything
    followers: int | None = None  # the author's reach: the hybrid analyzer sends wide-reaching posts to Comprehend


class SentimentAnalyzer(Protocol):
    name: str

    def analyze(self, requests: Sequence[SentimentRequest]) -> list[SentimentResult]:
        """One result per request, in order. Raises `SentimentUnavailable` when the service cannot answer."""
        ...
