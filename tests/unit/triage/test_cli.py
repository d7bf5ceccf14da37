"""`mentionwatch classify` and `mentionwatch evaluate` on small fixtures, and their answers to bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from mentionwatch.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "triage"
CSV = FIXTURES / "mentions.csv"
JSONL = FIXTURES / "mentions.jsonl"
REQUIRED_KEYS = {"sentiment", "scores", "reaction", "category", "severity", "team", "rules", "reasons"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_classify_csv_writes_one_json_object_a_row() -> None:
    # Given the CSV fixture (8 rows, including empty and emoji-only text)
    # When classified
    code, out, _ = run("classify", "--input", str(CSV), "--text-column", "message")
    # Then one JSON object per row, with the decision and its explanation
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert len(rows) == 8
    for row in rows:
        assert set(row) >= REQUIRED_KEYS
        assert row["sentiment"] in {"POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"}
        assert row["rules"] and row["reasons"]
    assert rows[0]["reaction"] == "acknowledge"
    assert rows[1]["reaction"] in {"respond", "escalate"}
    assert rows[3]["reaction"] == "escalate" and rows[3]["category"] == "safety"
    assert rows[7]["category"] == "service_failure"


def test_suggested_replies_greet_the_author_from_the_author_column(tmp_path: Path) -> None:
    # Given a CSV with an author column and a complaint
    data = tmp_path / "authored.csv"
    data.write_text("who,text\n@dana,My order never arrived and nobody answers my emails. Awful.\n", encoding="utf-8")
    # When classified with and without naming the author column
    _, named, _ = run("classify", "--input", str(data), "--text-column", "text", "--author-column", "who")
    _, anonymous, _ = run("classify", "--input", str(data), "--text-column", "text")
    # Then the reply greets the author by handle, or says "Hi there"
    assert json.loads(named)["suggested_response"].startswith("Hi dana,")
    assert json.loads(anonymous)["suggested_response"].startswith("Hi there,")


def test_classify_jsonl_skips_blank_lines() -> None:
    code, out, _ = run("classify", "--input", str(JSONL), "--text-column", "body")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["row"] for r in rows] == [1, 2, 4]
    assert rows[1]["category"] == "legal"
    assert rows[2]["reaction"] == "respond"


def test_classify_with_another_rules_file(tmp_path: Path) -> None:
    # Given a team's rules that send everything to one team
    rules = tmp_path / "team.yaml"
    rules.write_text(
        "version: 1\nroutes:\n  - id: route/all\n    then: {reaction: monitor, severity: low, team: night-shift}\n",
        encoding="utf-8",
    )
    # When classifying with them
    code, out, _ = run("classify", "--input", str(CSV), "--text-column", "message", "--rules", str(rules))
    # Then every row follows them
    assert code == 0
    assert {json.loads(line)["team"] for line in out.splitlines()} == {"night-shift"}


def test_evaluate_prints_both_confusion_tables_and_the_targets() -> None:
    code, out, _ = run("evaluate", "--input", str(CSV), "--text-column", "message", "--label-column", "label")
    assert code == 0
    assert "8 labelled rows" in out
    assert "Sentiment (rows: people's label" in out and "Reaction (rows: people's label" in out
    assert "macro-F1" in out
    for name in (
        "negative tweets that land in respond or escalate",
        "positive tweets that land in acknowledge",
        "positive or neutral tweets escalated",
        "all tweets escalated",
    ):
        assert name in out


def test_evaluate_reads_labels_in_any_case() -> None:
    code, out, _ = run("evaluate", "--input", str(JSONL), "--text-column", "body", "--label-column", "sentiment")
    assert code == 0
    assert "3 labelled rows" in out


def test_evaluate_check_fails_when_a_target_is_missed(tmp_path: Path) -> None:
    # Given rules that ignore everything: no negative tweet is answered
    rules = tmp_path / "ignore.yaml"
    rules.write_text(
        "version: 1\nroutes:\n  - id: route/ignore\n    then: {reaction: monitor, severity: low}\n", encoding="utf-8"
    )
    # When evaluated with --check
    code, out, _ = run(
        "evaluate",
        "--input",
        str(CSV),
        "--text-column",
        "message",
        "--label-column",
        "label",
        "--rules",
        str(rules),
        "--check",
    )
    # Then the command says so and exits 1
    assert code == 1
    assert "FAIL  negative tweets that land in respond or escalate: 0.0%" in out


def test_progress_is_shown_on_stderr_for_long_files(tmp_path: Path) -> None:
    # Given a CSV of 1,200 rows
    path = tmp_path / "long.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text"])
        writer.writerows([[f"message number {i}, thanks"] for i in range(1200)])
    # When classified
    code, out, err = run("classify", "--input", str(path), "--text-column", "text")
    # Then progress goes to stderr, results to stdout
    assert code == 0
    assert len(out.splitlines()) == 1200
    assert "classified 1000/1200 rows" in err
    assert "classified 1200/1200 rows" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["classify", "--input", "absent.csv", "--text-column", "text"], "cannot be read"),
        (["classify", "--input", str(CSV), "--text-column", "body"], "has no column 'body'"),
        (["classify", "--input", str(JSONL), "--text-column", "message"], "line 1 has no field 'message'"),
        (
            ["evaluate", "--input", str(CSV), "--text-column", "message", "--label-column", "mood"],
            "has no column 'mood'",
        ),
        (["evaluate", "--input", str(CSV), "--text-column", "message", "--label-column", "id"], "no row is labelled"),
    ],
)
def test_bad_input_is_reported_with_exit_code_2(argv: list[str], message: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert message in err
    assert out == ""


def test_unsupported_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mentions.txt"
    path.write_text("hello", encoding="utf-8")
    code, _, err = run("classify", "--input", str(path), "--text-column", "text")
    assert code == 2
    assert "expected a .csv or .jsonl file" in err


def test_malformed_jsonl_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{not json}\n', encoding="utf-8")
    code, _, err = run("classify", "--input", str(path), "--text-column", "text")
    assert code == 2
    assert "line 2: not JSON" in err


def test_invalid_rules_file_names_rule_and_field(tmp_path: Path) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text(
        "version: 1\nroutes:\n  - id: route/x\n    then: {reaction: respond, severity: low, sla_minutes: 0}\n",
        encoding="utf-8",
    )
    code, out, err = run("classify", "--input", str(CSV), "--text-column", "message", "--rules", str(rules))
    assert code == 2
    assert "rule 'route/x' field 'then.sla_minutes'" in err
    assert out == ""


def test_missing_required_argument_exits_2() -> None:
    code, _, _ = run("classify", "--input", str(CSV))
    assert code == 2


def test_console_script_runs_and_classify_with_local_never_imports_boto3() -> None:
    # Given a fresh interpreter
    script = (
        "import sys, io; from mentionwatch.cli import main; "
        f"code = main(['classify', '--input', {str(CSV)!r}, '--text-column', 'message'], "
        "out=io.StringIO()); "
        "print(code, 'boto3' in sys.modules)"
    )
    # When classify runs with the local analyzer
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    # Then it succeeds without loading the AWS SDK
    assert done.stdout.split() == ["0", "False"]


# `--analyzer comprehend` is tested against the real adapter in tests/unit/test_cli_comprehend.py.
