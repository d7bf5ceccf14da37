"""The first, deliberately simple triage rule. The rules engine replaces it; the pipeline only sees `Triager`.

Negative and either widely seen or containing urgent terms ⇒ escalate; other negatives ⇒ respond;
positives ⇒ acknowledge; the rest ⇒ monitor.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mentionwatch.models import (
    Category,
    Mention,
    Reaction,
    Sentiment,
    SentimentResult,
    Severity,
    TriageContext,
    TriageDecision,
)

DEFAULT_URGENT_TERMS = (
    "injured",
    "injury",
    "hurt",
    "hospital",
    "fire",
    "smoke",
    "unsafe",
    "danger",
    "dangerous",
    "lawyer",
    "lawsuit",
    "sue",
    "outage",
    "down",
    "hacked",
    "breach",
    "stolen",
    "emergency",
)


class FirstRuleTriager:
    def __init__(self, reach_threshold: int = 10_000, urgent_terms: Iterable[str] = DEFAULT_URGENT_TERMS) -> None:
        self.reach_threshold = reach_threshold
        terms = "|".join(re.escape(term) for term in urgent_terms)
        self._urgent = re.compile(rf"\b({terms})\b", re.IGNORECASE)

    def triage(self, mention: Mention, sentiment: SentimentResult, context: TriageContext) -> TriageDecision:
        if sentiment.label is Sentiment.NEGATIVE:
            urgent_term = self._urgent.search(mention.text)
            if urgent_term or mention.reach >= self.reach_threshold:
                reason = (
                    f"negative and contains urgent term {urgent_term.group(0).lower()!r}"
                    if urgent_term
                    else f"negative and reach {mention.reach} ≥ {self.reach_threshold}"
                )
                return TriageDecision(
                    reaction=Reaction.ESCALATE,
                    category=Category.COMPLAINT,
                    severity=Severity.HIGH,
                    sla_minutes=15,
                    rules=("first-rule/urgent-negative",),
                    reasons=(reason,),
                )
            return TriageDecision(
                reaction=Reaction.RESPOND,
                category=Category.COMPLAINT,
                severity=Severity.MEDIUM,
                sla_minutes=60,
                rules=("first-rule/negative",),
                reasons=("negative sentiment",),
            )
        if sentiment.label is Sentiment.POSITIVE:
            return TriageDecision(
                reaction=Reaction.ACKNOWLEDGE,
                category=Category.PRAISE,
                severity=Severity.LOW,
                rules=("first-rule/positive",),
                reasons=("positive sentiment",),
            )
        return TriageDecision(
            reaction=Reaction.MONITOR,
            category=Category.OTHER,
            severity=Severity.LOW,
            rules=("first-rule/default",),
            reasons=(f"{sentiment.label.value.lower()} sentiment",),
        )
