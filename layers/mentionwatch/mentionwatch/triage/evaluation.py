"""Scoring triage against people's sentiment labels: confusion tables, macro-F1 and the quality targets.

A person's label says how the author felt; the reaction we expect for it is:
negative → respond or escalate, positive → acknowledge, neutral → monitor.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from mentionwatch.models import Reaction, Sentiment

LABELS = (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)
PREDICTED = (*LABELS, Sentiment.MIXED)
REACTIONS = (Reaction.MONITOR, Reaction.ACKNOWLEDGE, Reaction.RESPOND, Reaction.ESCALATE)
EXPECTED_REACTIONS: dict[Sentiment, frozenset[Reaction]] = {
    Sentiment.NEGATIVE: frozenset({Reaction.RESPOND, Reaction.ESCALATE}),
    Sentiment.POSITIVE: frozenset({Reaction.ACKNOWLEDGE}),
    Sentiment.NEUTRAL: frozenset({Reaction.MONITOR}),
}


def parse_label(value: str) -> Sentiment | None:
    """A person's label, any case (`negative`, `Positive`, `NEUTRAL`); None when it is none of them."""
    try:
        label = Sentiment(value.strip().upper())
    except ValueError:
        return None
    return label if label in LABELS else None


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    goal: float
    at_least: bool  # True: value must be ≥ goal; False: ≤ goal

    @property
    def met(self) -> bool:
        return self.value >= self.goal if self.at_least else self.value <= self.goal

    def line(self) -> str:
        sign = "≥" if self.at_least else "≤"
        verdict = "PASS" if self.met else "FAIL"
        return f"{verdict}  {self.name}: {self.value:.1%} (target {sign} {self.goal:.0%})"


@dataclass
class Evaluation:
    sentiment: Counter[tuple[Sentiment, Sentiment]] = field(default_factory=Counter)
    reaction: Counter[tuple[Sentiment, Reaction]] = field(default_factory=Counter)

    def add(self, label: Sentiment, predicted: Sentiment, reaction: Reaction) -> None:
        self.sentiment[(label, predicted)] += 1
        self.reaction[(label, reaction)] += 1

    @property
    def total(self) -> int:
        return sum(self.sentiment.values())

    def count(self, label: Sentiment) -> int:
        return sum(n for (lab, _), n in self.sentiment.items() if lab is label)

    def f1(self, cls: Sentiment) -> tuple[float, float, float]:
        tp = self.sentiment[(cls, cls)]
        predicted = sum(n for (_, pred), n in self.sentiment.items() if pred is cls)
        actual = self.count(cls)
        precision = tp / predicted if predicted else 0.0
        recall = tp / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the label classes present (MIXED predictions count as misses)."""
        present = [cls for cls in LABELS if self.count(cls)]
        return sum(self.f1(cls)[2] for cls in present) / len(present) if present else 0.0

    def share(self, labels: tuple[Sentiment, ...], reactions: frozenset[Reaction]) -> float:
        total = sum(self.count(label) for label in labels)
        hits = sum(self.reaction[(label, r)] for label in labels for r in reactions)
        return hits / total if total else 0.0

    def targets(self) -> list[Target]:
        escalate = frozenset({Reaction.ESCALATE})
        return [
            Target(
                "negative tweets that land in respond or escalate",
                self.share((Sentiment.NEGATIVE,), EXPECTED_REACTIONS[Sentiment.NEGATIVE]),
                0.85,
                True,
            ),
            Target(
                "positive tweets that land in acknowledge",
                self.share((Sentiment.POSITIVE,), EXPECTED_REACTIONS[Sentiment.POSITIVE]),
                0.70,
                True,
            ),
            Target(
                "positive or neutral tweets escalated",
                self.share((Sentiment.POSITIVE, Sentiment.NEUTRAL), escalate),
                0.02,
                False,
            ),
            Target("all tweets escalated", self.share(LABELS, escalate), 0.20, False),
            Target("sentiment macro-F1", self.macro_f1, 0.70, True),
        ]

    def report(self) -> str:
        lines = [f"{self.total} labelled rows", "", "Sentiment (rows: people's label, columns: analyzer)"]
        head = f"{'':>10}" + "".join(f"{p.value:>10}" for p in PREDICTED)
        head += f"{'recall':>9}{'prec.':>8}{'F1':>7}"
        lines.append(head)
        for label in LABELS:
            precision, recall, f1 = self.f1(label)
            cells = "".join(f"{self.sentiment[(label, p)]:>10}" for p in PREDICTED)
            lines.append(f"{label.value:>10}{cells}{recall:>9.3f}{precision:>8.3f}{f1:>7.3f}")
        lines.append(f"macro-F1 {self.macro_f1:.3f}")
        lines += [
            "",
            "Reaction (rows: people's label, columns: triage; expected: "
            "negative → respond|escalate, positive → acknowledge, neutral → monitor)",
        ]
        lines.append(f"{'':>10}" + "".join(f"{r.value:>13}" for r in REACTIONS) + f"{'expected':>10}")
        for label in LABELS:
            cells = "".join(f"{self.reaction[(label, r)]:>13}" for r in REACTIONS)
            lines.append(f"{label.value:>10}{cells}{self.share((label,), EXPECTED_REACTIONS[label]):>10.1%}")
        lines += ["", "Targets"] + [target.line() for target in self.targets()]
        return "\n".join(lines)


# --- expected reactions: a set where a person wrote down what each mention needs --------------------------
@dataclass(frozen=True)
class Miss:
    row: int
    group: str
    expected: Reaction
    got: Reaction
    category: str
    text: str


@dataclass
class ReactionEvaluation:
    """Agreement with the reaction a person expected, and the pages that matter: missed and needless.

    A must-page mention is one expected to `escalate` (a person on the phone within 15 minutes); a needless
    page is an escalation of a mention expected to get anything else.
    """

    total: int = 0
    agreed: int = 0
    must_page: int = 0
    paged_of_must_page: int = 0
    needless_pages: int = 0
    categories: Counter[bool] = field(default_factory=Counter)
    severities: Counter[bool] = field(default_factory=Counter)
    by_group: dict[str, Counter[bool]] = field(default_factory=dict)
    confusion: Counter[tuple[Reaction, Reaction]] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)

    def add(
        self,
        row: int,
        expected: Reaction,
        got: Reaction,
        *,
        expected_category: str | None = None,
        category: str = "",
        expected_severity: str | None = None,
        severity: str = "",
        group: str = "",
        text: str = "",
    ) -> None:
        self.total += 1
        agreed = expected is got
        self.agreed += agreed
        self.confusion[(expected, got)] += 1
        self.by_group.setdefault(group, Counter())[agreed] += 1
        if expected is Reaction.ESCALATE:
            self.must_page += 1
            self.paged_of_must_page += got is Reaction.ESCALATE
        elif got is Reaction.ESCALATE:
            self.needless_pages += 1
        if expected_category:
            self.categories[expected_category == category] += 1
        if expected_severity:
            self.severities[expected_severity == severity] += 1
        if not agreed:
            self.misses.append(Miss(row, group, expected, got, category, text))

    @property
    def agreement(self) -> float:
        return self.agreed / self.total if self.total else 0.0

    @property
    def needless_per_100(self) -> float:
        return 100 * self.needless_pages / self.total if self.total else 0.0

    def targets(self) -> list[str]:
        """PASS/FAIL lines for the three targets."""
        checks = [
            (self.agreement >= 0.85, f"reaction agreement: {self.agreement:.1%} (target ≥ 85%)"),
            (
                self.paged_of_must_page == self.must_page,
                f"must-page mentions escalated: {self.paged_of_must_page} of {self.must_page} (target all)",
            ),
            (
                self.needless_per_100 <= 1.0,
                f"needless pages: {self.needless_pages} ({self.needless_per_100:.1f} per 100 mentions; target ≤ 1)",
            ),
        ]
        return [f"{'PASS' if ok else 'FAIL'}  {line}" for ok, line in checks]

    @property
    def met(self) -> bool:
        return all(line.startswith("PASS") for line in self.targets())

    def report(self, show_misses: bool = False) -> str:
        lines = [f"{self.total} mentions with an expected reaction", ""]
        lines.append("Reaction (rows: expected, columns: triage)")
        lines.append(f"{'':>12}" + "".join(f"{r.value:>13}" for r in REACTIONS))
        for expected in REACTIONS:
            lines.append(f"{expected.value:>12}" + "".join(f"{self.confusion[(expected, r)]:>13}" for r in REACTIONS))
        for name, counter in (("category", self.categories), ("severity", self.severities)):
            if counter:
                share = counter[True] / sum(counter.values())
                lines.append(f"{name} agreement: {counter[True]} of {sum(counter.values())} ({share:.1%})")
        if len(self.by_group) > 1:
            lines += ["", "Reaction agreement by group"]
            for group, counter in sorted(self.by_group.items()):
                n = sum(counter.values())
                lines.append(f"  {group or '(none)':<16} {counter[True]:>4} of {n:<4} {counter[True] / n:.0%}")
        lines += ["", "Targets"] + self.targets()
        if show_misses and self.misses:
            lines += ["", "Disagreements (row, group, expected → triage, category): text"]
            for miss in self.misses:
                text = " ".join(miss.text.split())[:100]
                verdict = f"{miss.expected.value} → {miss.got.value} ({miss.category})"
                lines.append(f"  {miss.row:>4} {miss.group:<14} {verdict}: {text}")
        return "\n".join(lines)


def parse_reaction(value: str) -> Reaction | None:
    try:
        return Reaction(value.strip().lower())
    except ValueError:
        return None
