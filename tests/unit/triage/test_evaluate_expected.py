"""`mentionwatch evaluate --expected-column`: agreement with a person's expected reactions, and the pages."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from mentionwatch.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "triage"
TRADES = FIXTURES / "trades_eval.csv"
# Written and committed before the tool ran on it, in thirteen trades `trades_eval.csv` does not cover.
BLIND = FIXTURES / "trades_blind.csv"


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


def test_the_blind_set_covers_other_trades() -> None:
    with TRADES.open(newline="", encoding="utf-8") as fh:
        tuned_on = {row["trade"] for row in csv.DictReader(fh)}
    with BLIND.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    trades = {row["trade"] for row in rows}
    assert len(rows) >= 120
    assert len(trades - tuned_on) >= 10
    assert all(row["reason"].strip() and row["expected_reaction"] for row in rows)


def test_the_blind_set_meets_the_trades_targets() -> None:
    # When the blind set is evaluated as the README shows, with category and severity
    code, out, _ = run(
        ["evaluate", "--input", str(BLIND), "--text-column", "text", "--expected-column", "expected_reaction"]
        + ["--expected-category-column", "expected_category", "--expected-severity-column", "expected_severity"]
        + ["--group-column", "trade", "--check"]
    )
    # Then agreement, must-page mentions and needless pages all meet the targets of the tuned set
    assert "FAIL" not in out, out
    assert code == 0
    agreement = next(line for line in out.splitlines() if "reaction agreement:" in line)
    assert float(agreement.split(": ")[1].split("%")[0]) >= 90.0, agreement
