"""Sentiment analysis: one interface (`SentimentAnalyzer`), a Comprehend and a local implementation."""

from mentionwatch.sentiment.base import SentimentAnalyzer, SentimentRequest

__all__ = ["SentimentAnalyzer", "SentimentRequest"]
