"""`mentionwatch evaluate --expected-column`: agreement with a person's expected reactions, and the pages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from mentionwatch.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "triage"
TRADES = FIXTURES / "trades_eval.csv"
# Each written and committed before the tool ran on it, in trades `trades_eval.csv` does not cover: the first
# before any rule change for it, the second and third after the changes made for the set before them.
BLIND = FIXTURES / "trades_blind.csv"
BLIND_SETS = [BLIND, FIXTURES / "trades_blind_second.csv", FIXTURES / "trades_blind_third.csv"]


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_trades_set_is_broad_enough() -> None:
    with TRADES.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 150
    assert len({row["trade"] for row in rows}) >= 8
    assert all(row["reason"].strip() and row["expected_reaction"] for row in rows)


def test_reports_agreement_must_page_and_needless_pages(tmp_path: Path) -> None:
    # Given three mentions: an injury that must page, chatter that must not, and praise
    path = tmp_path / "set.csv"
    path.write_text(
        "text,expected,trade\n"
        '"My son fell off your escalator and fractured his arm",escalate,retail\n'
        '"Filming for the new hospital drama today, so exciting!",monitor,healthcare\n'
        '"Thank you so much, the staff were wonderful!",acknowledge,retail\n',
        encoding="utf-8",
    )
    code, out, _ = run(
        ["evaluate", "--input", str(path), "--text-column", "text", "--expected-column", "expected"]
        + ["--group-column", "trade", "--check"]
    )
    assert "must-page mentions escalated: 1 of 1" in out
    assert "needless pages: 0" in out
    assert "retail" in out and "healthcare" in out
    assert code in (0, 1)


def test_a_missed_page_fails_the_check(tmp_path: Path) -> None:
    # Given a row whose expected reaction is escalate but which nothing would page
    path = tmp_path / "set.csv"
    path.write_text('text,expected\n"What time do you open?",escalate\n', encoding="utf-8")
    code, out, _ = run(["evaluate", "--input", str(path), "--text-column", "text", "--expected-column", "expected"])
    assert code == 0 and "FAIL  must-page mentions escalated: 0 of 1" in out
    code, _, _ = run(
        ["evaluate", "--input", str(path), "--text-column", "text", "--expected-column", "expected", "--check"]
    )
    assert code == 1


def test_an_unknown_expected_reaction_everywhere_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "set.csv"
    path.write_text("text,expected\nhello,shrug\n", encoding="utf-8")
    code, _, err = run(["evaluate", "--input", str(path), "--text-column", "text", "--expected-column", "expected"])
    assert code == 2 and "--expected-column" in err


def test_the_trades_set_meets_its_targets() -> None:
    code, out, _ = run(
        ["evaluate", "--input", str(TRADES), "--text-column", "text", "--expected-column", "expected_reaction"]
        + ["--check"]
    )
    assert "FAIL" not in out, out
    assert code == 0


def test_the_blind_sets_cover_other_trades() -> None:
    seen: set[str] = set()
    with TRADES.open(newline="", encoding="utf-8") as fh:
        seen |= {row["trade"] for row in csv.DictReader(fh)}
    sizes = []
    for path in BLIND_SETS:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        trades = {row["trade"] for row in rows}
        assert not trades & seen, path.name
        assert all(row["reason"].strip() and row["expected_reaction"] for row in rows)
        seen |= trades
        sizes.append((len(rows), len(trades)))
    assert sizes[0][0] >= 120 and sizes[0][1] >= 10


@pytest.mark.parametrize("path", BLIND_SETS, ids=lambda path: path.stem)
def test_the_blind_sets_meet_the_trades_targets(path: Path) -> None:
    # When a blind set is evaluated as the README shows, with category and severity
    code, out, _ = run(
        ["evaluate", "--input", str(path), "--text-column", "text", "--expected-column", "expected_reaction"]
        + ["--expected-category-column", "expected_category", "--expected-severity-column", "expected_severity"]
        + ["--group-column", "trade", "--check"]
    )
    # Then agreement, must-page mentions and needless pages all meet the targets of the tuned set
    assert "FAIL" not in out, out
    assert code == 0
    agreement = next(line for line in out.splitlines() if "reaction agreement:" in line)
    assert float(agreement.split(": ")[1].split("%")[0]) >= 88.0, agreement


FOURTH = FIXTURES / "trades_blind_fourth.csv"


def test_the_fourth_blind_set_pages_every_emergency() -> None:
    # Given 44 mentions written for emergencies phrased in ways none of the rules' authors had seen (a pet that never
    # woke up, a toddler who nearly drowned, an outage beside a home oxygen machine, a trainer messaging a teenager)
    code, out, _ = run(
        ["evaluate", "--input", str(FOURTH), "--text-column", "text", "--expected-column", "expected_reaction"]
        + ["--expected-category-column", "expected_category", "--expected-severity-column", "expected_severity"]
    )
    # Then every one that needs a person on the phone is escalated, and most reactions agree
    assert code == 0
    assert "PASS  must-page mentions escalated: 27 of 27" in out, out
    agreement = next(line for line in out.splitlines() if "reaction agreement:" in line)
    assert float(agreement.split(": ")[1].split("%")[0]) >= 75.0, agreement
