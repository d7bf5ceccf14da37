"""The triage interface: the pipeline calls whichever `Triager` it is given."""

from __future__ import annotations

from typing import Protocol

from mentionwatch.models import Mention, SentimentResult, TriageContext, TriageDecision


class Triager(Protocol):
    def triage(self, mention: Mention, sentiment: SentimentResult, context: TriageContext) -> TriageDecision: ...
