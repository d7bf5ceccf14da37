"""Triage: decide the reaction a mention needs, its category, severity, team and SLA."""

from mentionwatch.triage.base import Triager
from mentionwatch.triage.engine import RulesTriager, default_triager
from mentionwatch.triage.rules import RuleSet, load_rules, load_rules_text, packaged_rules_text

__all__ = [
    "RuleSet",
    "RulesTriager",
    "Triager",
    "default_triager",
    "load_rules",
    "load_rules_text",
    "packaged_rules_text",
]
