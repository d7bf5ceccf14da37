"""The rules engine: runs a `RuleSet` over a mention, its sentiment and its context, and explains itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from mentionwatch.models import (
    Category,
    Mention,
    Reaction,
    SentimentResult,
    Severity,
    TriageContext,
    TriageDecision,
)
from mentionwatch.sentiment.features import clean_text
from mentionwatch.sentiment.language import UNDETERMINED
from mentionwatch.triage.keywords import TextWords
from mentionwatch.triage.rules import Condition, RuleSet, load_rules, packaged_rules_text

SarcasmScorer = Callable[[str], float]

# Matching reads the opening of a post: enough for any real mention, and cheap whatever arrives.
MATCH_MAX_CHARS = 2_000
# "Can't wait!" opens with "can" but asks nothing: an apostrophe after the opening word rules it out.
_QUESTION = re.compile(
    r"\?|^\W*(how|what|when|where|why|who|which|can|could|would|will|is|are|do|does|did|should|any)\b(?!['’])",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything a condition may test, computed once per mention."""

    text: str  # cleaned: handles and links removed, case kept
    words: TextWords
    is_question: bool
    mention: Mention
    sentiment: SentimentResult
    context: TriageContext
    sarcasm: float
    language: str
    category: Category | None = None

    @classmethod
    def of(
        cls, mention: Mention, sentiment: SentimentResult, context: TriageContext, sarcasm: SarcasmScorer | None
    ) -> Signals:
        text = clean_text(mention.text[:MATCH_MAX_CHARS])
        if sentiment.sarcasm is not None:
            irony = sentiment.sarcasm
        else:  # an analyzer without a sarcasm model (Comprehend): score it here, so every mention has one
            irony = sarcasm(mention.text) if sarcasm is not None else 0.0
        return cls(
            text=text,
            words=TextWords(text),
            is_question=bool(_QUESTION.search(text)),
            mention=mention,
            sentiment=sentiment,
            context=context,
            sarcasm=irony,
            language=mention.language or sentiment.language or UNDETERMINED,
        )


def _phrase(match: re.Match[str]) -> str:
    return " ".join(match.group(0).lower().split())


def _speaks(language: str, languages: list[str]) -> bool:
    return any(language == lang or language.startswith(lang + "-") for lang in languages)


def evaluate(condition: Condition, signals: Signals) -> list[str] | None:
    """The reasons the condition holds, or None when it does not. Cheap tests run first."""
    reasons: list[str] = []
    mention, sentiment, context = signals.mention, signals.sentiment, signals.context
    scores = sentiment.scores

    if condition.category is not None:
        if signals.category not in condition.category:
            return None
        reasons.append(f"category {signals.category}")
    if condition.platform is not None and mention.platform not in condition.platform:
        return None
    if condition.brand is not None and mention.match.brand.lower() not in condition.brand:
        return None
    language = signals.language
    if condition.language is not None and not _speaks(language, condition.language):
        return None
    if condition.not_language is not None:
        if language == UNDETERMINED or _speaks(language, condition.not_language):
            return None
        reasons.append(f"language {language}")
    if condition.sentiment is not None:
        if sentiment.label not in condition.sentiment:
            return None
        label_score = getattr(scores, sentiment.label.value.lower())
        reasons.append(f"sentiment {sentiment.label.value} ({label_score:.2f})")
    if condition.not_sentiment is not None and sentiment.label in condition.not_sentiment:
        return None
    for value, low, high, name in (
        (scores.negative, condition.negative_at_least, condition.negative_at_most, "negative"),
        (scores.positive, condition.positive_at_least, condition.positive_at_most, "positive"),
    ):
        if low is not None:
            if value < low:
                return None
            reasons.append(f"{name} score {value:.2f} ≥ {low:g}")
        if high is not None and value > high:
            return None
    if condition.sarcasm_at_least is not None:
        if signals.sarcasm < condition.sarcasm_at_least:
            return None
        reasons.append(f"sarcasm {signals.sarcasm:.2f} ≥ {condition.sarcasm_at_least:g}")
    if condition.sarcasm_at_most is not None and signals.sarcasm > condition.sarcasm_at_most:
        return None
    if condition.tests_counts:  # reach and engagement are computed, so only for the few rules that test them
        for value, threshold, name in (
            (mention.reach, condition.reach_at_least, "reach"),
            (mention.engagement.interactions, condition.engagement_at_least, "engagement"),
            (context.thread_replies_recent, condition.thread_replies_at_least, "replies in the thread lately"),
            (context.author_mentions_today, condition.author_mentions_today_at_least, "mentions by the author today"),
        ):
            if threshold is not None:
                if value < threshold:
                    return None
                reasons.append(f"{name} {value} ≥ {threshold}")
    if condition.verified is not None:
        if mention.author.verified is not condition.verified:
            return None
        reasons.append("verified author" if condition.verified else "unverified author")
    if condition.question is not None:
        if signals.is_question is not condition.question:
            return None
        reasons.append("asks a question" if condition.question else "asks no question")
    text = signals.text
    if condition.keyword_matcher is not None:
        said = condition.keyword_matcher.find(signals.words)
        if said is None:
            return None
        reasons.append(f"says {said!r}")
    if condition.also_keyword_matcher is not None:
        beside = condition.also_keyword_matcher.find(signals.words)
        if beside is None:
            return None
        reasons.append(f"with {beside!r}")
    if condition.not_keyword_matcher is not None and condition.not_keyword_matcher.find(signals.words):
        return None
    if condition.regex_pattern is not None:
        found = condition.regex_pattern.search(text)
        if found is None:
            return None
        reasons.append(f"matches {_phrase(found)!r}")
    if condition.not_regex_pattern is not None and condition.not_regex_pattern.search(text):
        return None
    return reasons


class RulesTriager:
    """Triage by an editable, ordered rule set: first category entry that matches, then first route."""

    def __init__(self, rules: RuleSet, sarcasm: SarcasmScorer | None = None) -> None:
        """`sarcasm` scores posts whose sentiment came without a sarcasm score (default: the local model)."""
        self.rules = rules
        self._sarcasm = sarcasm

    def _sarcasm_scorer(self, text: str) -> float:
        if self._sarcasm is None:
            from mentionwatch.sentiment.local import LocalAnalyzer

            self._sarcasm = LocalAnalyzer().sarcasm
        return self._sarcasm(text)

    def categorise(self, signals: Signals) -> tuple[Category, str | None, list[str]]:
        for entry in self.rules.categories:
            reasons = evaluate(entry.when, signals)
            if reasons is not None:
                return entry.category, entry.id, reasons
        return self.rules.defaults.category, None, []

    def triage(self, mention: Mention, sentiment: SentimentResult, context: TriageContext) -> TriageDecision:
        signals = Signals.of(mention, sentiment, context, self._sarcasm_scorer)
        category, category_rule, category_reasons = self.categorise(signals)
        signals = replace(signals, category=category)
        rules: list[str] = []
        reasons: list[str] = []
        if category_rule is not None:
            rules.append(category_rule)
            detail = ", ".join(category_reasons) or "always"
            reasons.append(f"{category_rule}: category {category} ({detail})")
        for route in self.rules.routes:
            route_reasons = evaluate(route.when, signals)
            if route_reasons is None:
                continue
            action = route.then
            rules.append(route.id)
            reasons.append(f"{route.id}: {action.reaction} ({', '.join(route_reasons) or 'always'})")
            return TriageDecision(
                reaction=action.reaction,
                category=action.category or category,
                severity=action.severity,
                team=action.team or self.rules.defaults.team,
                sla_minutes=action.sla_minutes,
                rules=tuple(rules),
                reasons=tuple(reasons),
                tags=tuple(action.tags),
                suggested_response=self._response(action.response, mention),
            )
        reasons.append("no route matched: monitor")
        return TriageDecision(
            reaction=Reaction.MONITOR,
            category=category,
            severity=Severity.LOW,
            team=self.rules.defaults.team,
            rules=tuple(rules),
            reasons=tuple(reasons),
        )

    def _response(self, key: str | None, mention: Mention) -> str | None:
        if key is None:
            return None
        template = self.rules.responses[key]
        fields = {"handle": mention.author.handle.lstrip("@"), "brand": mention.match.brand}
        return template.format_map(fields)


def default_triager(rules_text: str | None = None) -> RulesTriager:
    """The triager the pipeline runs: the packaged brand-agnostic rules, or a team's own YAML text.

    Raises `InvalidRules` (a `ConfigurationError`) for a rules text that does not validate, so a function
    handed a bad file fails at start rather than mis-triaging.
    """
    return RulesTriager(load_rules(rules_text if rules_text is not None else packaged_rules_text("default")))
